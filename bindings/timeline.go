package bindings

// timeline.new: Chrome trace-event JSON (the "JSON Object Format" of the
// Trace Event Format document), which Perfetto's UI, chrome://tracing and
// speedscope open. The format is plain JSON: encoding/json writes it.

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"time"

	glua "github.com/yuin/gopher-lua"
)

const timelineType = "godbg.Timeline"

// traceEvent is one event of the format: ph "X" (a complete span, with
// dur), "i" (an instant), "C" (a counter), "M" (metadata: track names).
type traceEvent struct {
	Name string         `json:"name"`
	Cat  string         `json:"cat,omitempty"`
	Ph   string         `json:"ph"`
	Ts   float64        `json:"ts"` // microseconds
	Dur  *float64       `json:"dur,omitempty"`
	Pid  int            `json:"pid"`
	Tid  int64          `json:"tid"`
	S    string         `json:"s,omitempty"` // an instant's scope: "t" (its track)
	Args map[string]any `json:"args,omitempty"`
}

type timeline struct {
	m      *Module
	pid    int
	events []traceEvent
	named  map[string]int64 // tracks named by string, and their tid
	tracks map[int64]string // names given to tracks
}

// registerTimeline installs the global table timeline = {new =, now =}
// and the timeline type.
func (m *Module) registerTimeline() {
	L := m.L
	registerHandle(m, timelineHandle)
	t := L.NewTable()
	L.SetField(t, "new", L.NewFunction(m.timelineNew))
	L.SetField(t, "now", L.NewFunction(func(L *glua.LState) int {
		L.Push(glua.LNumber(m.sessionTime(time.Now())))
		return 1
	}))
	L.SetGlobal("timeline", t)
}

// sessionTime is t in seconds since the session started: the clock of
// timeline.now() and of the events' time fields.
func (m *Module) sessionTime(t time.Time) float64 { return t.Sub(m.epoch).Seconds() }

func checkTimeline(L *glua.LState, n int) *timeline {
	return checkHandle[*timeline](L, n, "timeline")
}

// timelineHandle is the timelines' Lua type (handle.go).
var timelineHandle = &handleType[*timeline]{
	meta:   timelineType,
	what:   "timeline",
	prefix: "timeline",
	fields: map[string]func(*glua.LState, *timeline) glua.LValue{
		"events": func(_ *glua.LState, tl *timeline) glua.LValue { return glua.LNumber(len(tl.events)) },
	},
	methods: map[string]func(*Module, *glua.LState) int{
		"span":    (*Module).timelineSpan,
		"instant": (*Module).timelineInstant,
		"counter": (*Module).timelineCounter,
		"track":   (*Module).timelineTrack,
		"write":   (*Module).timelineWrite,
	},
}

// timeline.new([opts]) -> tl: an empty timeline; opts.process names the
// process track (default the program's file name). Times are seconds on
// the session clock (timeline.now(), ev.time, ev.start).
func (m *Module) timelineNew(L *glua.LState) int {
	opts := L.OptTable(1, L.NewTable())
	tl := &timeline{m: m, pid: 1, named: map[string]int64{}, tracks: map[int64]string{}}
	name := "godbg"
	if m.p != nil {
		tl.pid = m.p.Pid()
		if b := m.proc().Binary(); b != nil {
			name = filepath.Base(b.Path())
		}
	}
	if v, ok := opts.RawGetString("process").(glua.LString); ok {
		name = string(v)
	}
	tl.events = append(tl.events, traceEvent{Name: "process_name", Ph: "M", Pid: tl.pid,
		Args: map[string]any{"name": name}})
	L.Push(newHandle(m, timelineHandle, tl))
	return 1
}

// micros converts the seconds at argument n to the format's microseconds.
func micros(L *glua.LState, n int, what string) float64 {
	s := float64(L.CheckNumber(n))
	if math.IsNaN(s) || math.IsInf(s, 0) || s < 0 || s > 1e9 {
		L.RaiseError("timeline %s: time %v is not a time in seconds from 0 to 1e9", what, s)
	}
	return s * 1e6
}

// event reads the options common to every event: track=, cat=, args=.
func (tl *timeline) event(L *glua.LState, n int, what, name, ph string, ts float64) traceEvent {
	ev := traceEvent{Name: name, Ph: ph, Ts: ts, Pid: tl.pid, Tid: int64(tl.pid)}
	v := L.Get(n)
	if v == glua.LNil {
		return ev
	}
	opts, ok := v.(*glua.LTable)
	if !ok {
		L.ArgError(n, "options table expected")
	}
	switch tr := opts.RawGetString("track").(type) {
	case glua.LNumber:
		if tr < 0 || tr > 1<<53 {
			L.RaiseError("timeline %s: track %v out of range", what, tr)
		}
		ev.Tid = int64(tr)
	case glua.LString:
		ev.Tid = tl.namedTrack(string(tr))
	case *glua.LNilType:
	default:
		L.RaiseError("timeline %s: track must be a number or a name", what)
	}
	if c, ok := opts.RawGetString("cat").(glua.LString); ok {
		ev.Cat = string(c)
	}
	if a := opts.RawGetString("args"); a != glua.LNil {
		j, err := toJSON(L, a, 0)
		if err != nil {
			L.RaiseError("timeline %s: args: %v", what, err)
		}
		m, ok := j.(map[string]any)
		if !ok {
			L.RaiseError("timeline %s: args must be a table with string keys", what)
		}
		ev.Args = m
	}
	return ev
}

// namedTrack gives a track named by a string a tid of its own, above
// any thread or goroutine id a program has.
func (tl *timeline) namedTrack(name string) int64 {
	if id, ok := tl.named[name]; ok {
		return id
	}
	id := int64(1<<40) + int64(len(tl.named))
	tl.named[name] = id
	tl.tracks[id] = name
	return id
}

// tl:span(name, start, dur [, opts]): a span (a "complete" event, ph X)
// from start lasting dur seconds, on the track opts.track (a number: a
// thread or goroutine id; a string: a track of that name; default the
// process's), with opts.cat and opts.args (shown when selected).
func (m *Module) timelineSpan(L *glua.LState) int {
	tl := checkTimeline(L, 1)
	name := L.CheckString(2)
	ts := micros(L, 3, "span")
	dur := micros(L, 4, "span")
	ev := tl.event(L, 5, "span", name, "X", ts)
	ev.Dur = &dur
	tl.events = append(tl.events, ev)
	return 0
}

// tl:instant(name, t [, opts]): a point in time on a track (ph i).
func (m *Module) timelineInstant(L *glua.LState) int {
	tl := checkTimeline(L, 1)
	name := L.CheckString(2)
	ev := tl.event(L, 4, "instant", name, "i", micros(L, 3, "instant"))
	ev.S = "t"
	tl.events = append(tl.events, ev)
	return 0
}

// tl:counter(name, t, values): a counter's value from time t on (ph C);
// values a number or a table of named series {heap=1024, stack=64}.
func (m *Module) timelineCounter(L *glua.LState) int {
	tl := checkTimeline(L, 1)
	name := L.CheckString(2)
	ev := traceEvent{Name: name, Ph: "C", Ts: micros(L, 3, "counter"), Pid: tl.pid, Tid: int64(tl.pid),
		Args: map[string]any{}}
	switch v := L.Get(4).(type) {
	case glua.LNumber:
		ev.Args["value"] = float64(v)
	case *glua.LTable:
		v.ForEach(func(k, x glua.LValue) {
			n, ok := x.(glua.LNumber)
			if !ok {
				L.RaiseError("timeline counter: series %s is not a number", k.String())
			}
			ev.Args[k.String()] = float64(n)
		})
	default:
		L.ArgError(4, "number or table of numbers expected")
	}
	tl.events = append(tl.events, ev)
	return 0
}

// tl:track(id, name): names a track (a thread's or goroutine's).
func (m *Module) timelineTrack(L *glua.LState) int {
	tl := checkTimeline(L, 1)
	id := L.CheckNumber(2)
	if id < 0 || id > 1<<53 {
		L.RaiseError("timeline track: id %v out of range", id)
	}
	tl.tracks[int64(id)] = L.CheckString(3)
	return 0
}

// tl:write(path): the trace as JSON, events in time order (a span before
// the spans it contains), track names first.
func (m *Module) timelineWrite(L *glua.LState) int {
	tl := checkTimeline(L, 1)
	path := L.CheckString(2)
	evs := make([]traceEvent, 0, len(tl.events)+len(tl.tracks))
	evs = append(evs, tl.events[0]) // process_name
	ids := make([]int64, 0, len(tl.tracks))
	for id := range tl.tracks {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		evs = append(evs, traceEvent{Name: "thread_name", Ph: "M", Pid: tl.pid, Tid: id,
			Args: map[string]any{"name": tl.tracks[id]}})
	}
	rest := append([]traceEvent(nil), tl.events[1:]...)
	sort.SliceStable(rest, func(i, j int) bool {
		a, b := rest[i], rest[j]
		if a.Ts != b.Ts {
			return a.Ts < b.Ts
		}
		return a.Dur != nil && (b.Dur == nil || *a.Dur > *b.Dur)
	})
	evs = append(evs, rest...)
	data, err := json.Marshal(map[string]any{"traceEvents": evs, "displayTimeUnit": "ns"})
	if err != nil {
		L.RaiseError("timeline write: %v", err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		L.RaiseError("timeline write: %v", err)
	}
	return 0
}

package bindings

import (
	"fmt"

	"github.com/godbg/godbg/engine"
	glua "github.com/yuin/gopher-lua"
)

// watchpointType is the metatable name of watchpoints.
const watchpointType = "godbg.Watchpoint"

// wpData is what a watchpoint carries for the bindings (engine
// Watchpoint.Data): its callback and its one Lua value.
type wpData struct {
	fn *glua.LFunction
	ud *glua.LUserData
}

// watch(addr, size, mode, fn [, opts]) -> wp: a watchpoint on size (1, 2,
// 4, 8; addr aligned to it) bytes at addr, on every thread; mode "w"
// (writes) or "rw" (reads and writes). fn(ev) runs after each access, ev =
// {reason="watch", wp=, tid=, addr=, pc=, sym=}, pc the instruction after
// the access; returning true stops. Without fn every access stops.
// opts.kind = "hardware" | "software" | "auto" (the default: the debug
// registers where they fire and one of the four is free, else software);
// wp.kind says which it got.
func (m *Module) watch(L *glua.LState) int {
	addr := checkU64(L, 1)
	size := int(checkInt(L, 2, "size", 1, 8)) // the engine wants 1, 2, 4 or 8
	mode, err := engine.ParseWatchMode(optString(L, 3, "w"))
	if err != nil {
		argError(L, 3, "%v", err)
	}
	fn := optFunction(L, 4)
	kind := engine.WatchAuto
	if L.GetTop() >= 5 && L.Get(5) != glua.LNil {
		opts := checkTable(L, 5)
		opts.ForEach(func(k, v glua.LValue) {
			if k != glua.LString("kind") {
				argError(L, 5, "unknown option %s (want kind)", L.ToStringMeta(k).String())
			}
			s, ok := v.(glua.LString)
			k2, err := engine.ParseWatchKind(string(s))
			if !ok || err != nil {
				argError(L, 5, "opts.kind %s: want \"hardware\", \"software\" or \"auto\"", L.ToStringMeta(v).String())
			}
			kind = k2
		})
	}
	m.checkLive(L, "watch")
	// A watchpoint on unmapped memory would never fire: refuse it as brk
	// refuses one on no code.
	if err := m.proc().ReadMemory(engine.Addr(addr), make([]byte, size)); err != nil {
		apiError(L, "no memory is mapped at %s", Hex(addr))
	}
	// The process of the event (a followed child's), shared with the others
	// that have the same memory there.
	wp, err := m.proc().SetWatchpointKind(engine.Addr(addr), size, mode, kind)
	if err != nil {
		L.RaiseError("%v", err) // the engine's message starts "watch 0x...:"
	}
	wp.Data = &wpData{fn: fn}
	L.Push(m.pushWatchpoint(wp))
	return 1
}

// pushWatchpoint returns the one Lua value of wp (ev.wp == mywp holds).
func (m *Module) pushWatchpoint(wp *engine.Watchpoint) *glua.LUserData {
	d, _ := wp.Data.(*wpData)
	if d == nil {
		d = &wpData{}
		wp.Data = d
	}
	if d.ud == nil {
		d.ud = newHandle(m, watchpointHandle, wp)
	}
	return d.ud
}

func checkWatchpoint(L *glua.LState, n int) *engine.Watchpoint {
	return checkHandle[*engine.Watchpoint](L, n, "watchpoint")
}

// watchpointHandle is the watchpoints' Lua type (handle.go).
var watchpointHandle = &handleType[*engine.Watchpoint]{
	meta:   watchpointType,
	what:   "watchpoint",
	prefix: "wp",
	fields: map[string]func(*glua.LState, *engine.Watchpoint) glua.LValue{
		"id":      func(_ *glua.LState, wp *engine.Watchpoint) glua.LValue { return glua.LNumber(wp.ID) },
		"addr":    func(_ *glua.LState, wp *engine.Watchpoint) glua.LValue { return AddrNumber(uint64(wp.Addr)) },
		"size":    func(_ *glua.LState, wp *engine.Watchpoint) glua.LValue { return glua.LNumber(wp.Size) },
		"mode":    func(_ *glua.LState, wp *engine.Watchpoint) glua.LValue { return glua.LString(wp.Mode.String()) },
		"kind":    func(_ *glua.LState, wp *engine.Watchpoint) glua.LValue { return glua.LString(wp.Kind.String()) },
		"hits":    func(_ *glua.LState, wp *engine.Watchpoint) glua.LValue { return glua.LNumber(wp.Hits) },
		"deleted": func(_ *glua.LState, wp *engine.Watchpoint) glua.LValue { return glua.LBool(wp.Deleted()) },
	},
	methods: map[string]func(*Module, *glua.LState) int{
		// wp:delete(): clear the watchpoint on every thread.
		"delete": func(m *Module, L *glua.LState) int {
			if err := m.p.ClearWatchpoint(checkWatchpoint(L, 1)); err != nil {
				apiError(L, "%v", err)
			}
			return 0
		},
	},
	deleted: func(wp *engine.Watchpoint) (int, bool) { return wp.ID, wp.Deleted() },
	tostring: func(wp *engine.Watchpoint) string {
		return fmt.Sprintf("watchpoint %d on %d bytes at %#x (%s, %s, %d hits)", wp.ID, wp.Size, uint64(wp.Addr), wp.Mode, wp.Kind, wp.Hits)
	},
}

// callWatch runs the watchpoint's fn; without fn the access stops.
func (m *Module) callWatch(ev *engine.Event) (bool, error) {
	d, _ := ev.Wp.Data.(*wpData)
	if d == nil || d.fn == nil {
		return true, nil
	}
	return m.call(d.fn, m.eventTable(ev))
}

// watchFields fills a watch event's table: wp, addr (the watched
// address), pc (the instruction after the access) and sym (its function).
func (m *Module) watchFields(t *glua.LTable, ev *engine.Event) {
	t.RawSetString("wp", m.pushWatchpoint(ev.Wp))
	t.RawSetString("addr", AddrNumber(uint64(ev.Addr)))
	t.RawSetString("pc", AddrNumber(uint64(ev.PC)))
	m.setSym(t, ev.PC)
}

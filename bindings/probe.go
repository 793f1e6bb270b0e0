package bindings

import (
	"runtime/debug"
	"strings"

	"github.com/godbg/godbg/engine"
	glua "github.com/yuin/gopher-lua"
)

func init() {
	exports["probe"] = (*Module).probe
}

const (
	probeType     = "godbg.Probe"
	probeRegsType = "godbg.ProbeRegs"
)

// prData is what a probe carries for the bindings (engine Probe.Data):
// its callback, its userdata and its address as a Lua value, boxed once,
// and the template of its events (evtable.go; nil: built field by field).
type prData struct {
	fn    *glua.LFunction
	ud    *glua.LUserData
	addr  glua.LValue
	noEv  bool // fn takes no parameter: it cannot see its event
	evTpl *glua.LTable
}

// probeRegs is an event's regs: the record, copied (the engine reuses
// its queue), and the userdata over it. A drain allocates them
// probeRegsSlab at a time: a kept event keeps its slab alive, which
// with 256 a slab (as before) was 78 KiB an event (a callback keeping one
// event in a thousand of 2M: 482 MB of RSS); 8 keep 2.4 KiB, about the
// event's own size, for most of the gain (BenchmarkProbeRecord).
type probeRegs struct {
	rec engine.ProbeRecord
	ud  glua.LUserData
}

const probeRegsSlab = 8

// probeEvKeys are a probe event's fields, in the order pairs(ev) lists
// them (goid: Go programs only).
var probeEvKeys = []string{"reason", "pr", "pid", "tid", "addr", "time", "regs", "goid"}

// reasonProbe is ev.reason, boxed once.
var reasonProbe glua.LValue = glua.LString("probe")

// probe(loc [, fn] [, opts]) -> pr: a stopless probe at loc (as for brk:
// a function name is after its prologue; opts.entry at its first byte).
// The code jumps to a trampoline in the tracee that counts the hit and,
// with fn, records it; fn(ev) runs later, once per hit, in hit order per
// thread: ev = {reason="probe", pr=, pid=, tid=, addr=, time=, regs=, goid=}
// (regs: the read-only snapshot of the hit). fn's result is ignored.
// opts.lossy: a full buffer drops records (pr.lost) instead of making the
// hitting thread wait. pr.hits, pr.lost, pr.kind ("jump" or "trap"),
// pr.reason (why "trap"), pr:delete().
func (m *Module) probe(L *glua.LState) int {
	var fn *glua.LFunction
	var opts *glua.LTable
	switch v := L.Get(2).(type) {
	case *glua.LFunction, *glua.LNilType:
		fn = optFunction(L, 2)
		if L.Get(3) != glua.LNil {
			opts = checkTable(L, 3)
		}
	case *glua.LTable:
		opts = v
	default:
		argError(L, 2, "function or options table expected, got %s", typeName(v))
	}
	entry, lossy := false, false
	if opts != nil {
		opts.ForEach(func(k, v glua.LValue) {
			switch key, _ := k.(glua.LString); key {
			case "entry":
				entry = boolOption(L, "entry", v)
			case "lossy":
				lossy = boolOption(L, "lossy", v)
			default:
				apiError(L, "unknown option %s (want entry, lossy)", L.ToStringMeta(k).String())
			}
		})
	}
	if m.p == nil || m.exit != nil || m.p.Exited() {
		L.RaiseError("probe: the process has exited")
	}
	addr, loc := m.location(L, 1, entry)
	pr, err := m.proc().SetProbe(addr, loc, engine.ProbeOptions{Record: fn != nil, Lossy: lossy})
	if err != nil {
		L.RaiseError("probe %s: %v", loc, err)
	}
	d := m.newPrData(pr, fn)
	L.Push(d.ud)
	return 1
}

// newPrData makes pr's bindings data (pr.Data) for the callback fn (nil:
// a counting probe).
func (m *Module) newPrData(pr *engine.Probe, fn *glua.LFunction) *prData {
	d := &prData{fn: fn, addr: AddrNumber(uint64(pr.Addr))}
	pr.Data = d
	d.ud = newHandle(m, probeHandle, pr)
	if fn == nil {
		return d
	}
	d.noEv = fn.Proto != nil && fn.Proto.NumParameters == 0 && fn.Proto.IsVarArg == 0
	keys := probeEvKeys[:7]
	if m.isGo {
		keys = probeEvKeys
	}
	d.evTpl = newTemplate(m.L, keys, []glua.LValue{reasonProbe, d.ud, nil, nil, d.addr, nil, nil, nil})
	if d.evTpl != nil && m.isGo {
		d.evTpl.Metatable = m.probeEvMeta
	}
	return d
}

// drainProbes calls each probe's fn for the records waiting: at every
// event the hook handles (before its own callbacks), at the end.
func (m *Module) drainProbes() error {
	if m.p == nil || !m.p.ProbesPending() {
		return nil
	}
	dr := m.newProbeDrain()
	defer dr.finish()
	return m.p.DrainProbes(dr.record)
}

// drainGCPercent is the GC's goal (GOGC) while a drain makes events: each
// is about 1 KiB of garbage once its callback returns (the table, its two
// maps, the regs), up to a million a second, and at GOGC=100 the collector
// took most of a record's cost in BenchmarkProbeRecord. Measured (load
// average 6 to 14, 2 vCPUs): a record's CPU time 1.8-2.1 us at 100,
// 0.9-1.3 at 200, 0.8-1.2 at 400; godbg's peak RSS over 1M and 10M hits
// of hot_c 26-28 and 31 MB at 100, 40 and 44 at 200, 53 and 71 at 400
// (not flat: a mark during a drain counts that drain's garbage live, and
// the goal is 5 times that). 200 keeps most of the gain, RSS bounded
// (40-49 MB in 6 runs, not growing with the hits; README).
const drainGCPercent = 200

// probeDrain is a drain's state: the regs' slab and metatable, the last
// thread and process ids, boxed, and the GC's goal to put back.
type probeDrain struct {
	m          *Module
	regsMeta   glua.LValue
	regs       []probeRegs // the slab's free ones
	tid, pid   int
	ltid, lpid glua.LValue
	gcOld      int  // the GC percent before the drain raised it
	gcRaised   bool // drainGCPercent is in force
}

func (m *Module) newProbeDrain() *probeDrain {
	return &probeDrain{m: m, regsMeta: m.L.GetTypeMetatable(probeRegsType), tid: -1, pid: -1}
}

// finish ends the drain: the GC's goal back.
func (dr *probeDrain) finish() {
	if dr.gcRaised {
		debug.SetGCPercent(dr.gcOld)
		dr.gcRaised = false
	}
}

// record calls r's probe's fn with r's event.
func (dr *probeDrain) record(r *engine.ProbeRecord) error {
	m := dr.m
	d, _ := r.Probe.Data.(*prData)
	if d == nil || d.fn == nil {
		return nil
	}
	if d.noEv {
		// fn() cannot see its event: neither the table nor the regs'
		// copy is made.
		_, err := m.call(d.fn, nil)
		return err
	}
	if !dr.gcRaised {
		dr.gcOld, dr.gcRaised = debug.SetGCPercent(drainGCPercent), true
		if dr.gcOld < 0 || dr.gcOld > drainGCPercent {
			debug.SetGCPercent(dr.gcOld) // GOGC=off or higher: kept
		}
	}
	if len(dr.regs) == 0 {
		dr.regs = make([]probeRegs, probeRegsSlab)
	}
	pr := &dr.regs[0]
	dr.regs = dr.regs[1:]
	pr.rec = *r
	regs := &pr.ud
	regs.Value, regs.Env, regs.Metatable = &pr.rec, m.L.Env, dr.regsMeta
	if r.Tid != dr.tid {
		dr.tid, dr.ltid = r.Tid, glua.LNumber(r.Tid)
	}
	if r.Pid != dr.pid {
		dr.pid, dr.lpid = r.Pid, glua.LNumber(r.Pid)
	}
	var t *glua.LTable
	if d.evTpl != nil {
		t = fromTemplate(d.evTpl)
		setField(t, "pid", dr.lpid)
		setField(t, "tid", dr.ltid)
		setField(t, "time", glua.LNumber(m.sessionTime(r.Time)))
		setField(t, "regs", regs)
	} else {
		t = m.L.CreateTable(0, len(probeEvKeys))
		t.RawSetString("reason", reasonProbe)
		t.RawSetString("pr", d.ud)
		t.RawSetString("pid", dr.lpid)
		t.RawSetString("tid", dr.ltid)
		t.RawSetString("addr", d.addr)
		t.RawSetString("time", glua.LNumber(m.sessionTime(r.Time)))
		t.RawSetString("regs", regs)
	}
	if m.isGo {
		// goid: the trampoline's reading, else read on demand
		// (probeEvMeta); a template's placeholder goes.
		switch {
		case r.Goid != 0 && d.evTpl != nil:
			setField(t, "goid", glua.LNumber(r.Goid))
		case r.Goid != 0:
			t.RawSetString("goid", glua.LNumber(r.Goid))
		case d.evTpl != nil:
			t.RawSetString("goid", glua.LNil)
		}
		if d.evTpl == nil {
			m.L.SetMetatable(t, m.probeEvMeta) // else the template's
		}
	}
	_, err := m.call(d.fn, t)
	return err
}

func checkProbe(L *glua.LState, n int) *engine.Probe {
	return checkHandle[*engine.Probe](L, n, "probe")
}

// probeHandle is the probes' Lua type (handle.go).
var probeHandle = &handleType[*engine.Probe]{
	meta:   probeType,
	what:   "probe",
	prefix: "pr",
	fields: map[string]func(*glua.LState, *engine.Probe) glua.LValue{
		"id":   func(_ *glua.LState, pr *engine.Probe) glua.LValue { return glua.LNumber(pr.ID) },
		"addr": func(_ *glua.LState, pr *engine.Probe) glua.LValue { return AddrNumber(uint64(pr.Addr)) },
		"loc":  func(_ *glua.LState, pr *engine.Probe) glua.LValue { return glua.LString(pr.Loc) },
		"hits": func(_ *glua.LState, pr *engine.Probe) glua.LValue { return glua.LNumber(pr.Hits()) },
		"lost": func(_ *glua.LState, pr *engine.Probe) glua.LValue { return glua.LNumber(pr.Lost()) },
		"kind": func(_ *glua.LState, pr *engine.Probe) glua.LValue { return glua.LString(pr.Kind) },
		"reason": func(_ *glua.LState, pr *engine.Probe) glua.LValue {
			if pr.Reason == "" {
				return glua.LNil
			}
			return glua.LString(pr.Reason)
		},
		"deleted": func(_ *glua.LState, pr *engine.Probe) glua.LValue { return glua.LBool(pr.Deleted()) },
	},
	methods: map[string]func(*Module, *glua.LState) int{
		// pr:delete(): the original bytes back; the records of the hits
		// so far are handed to fn first.
		"delete": func(m *Module, L *glua.LState) int {
			pr := checkProbe(L, 1)
			if m.p == nil || m.p.Exited() {
				return 0 // the bytes went with the process
			}
			if err := m.drainProbes(); err != nil {
				apiError(L, "%v", err)
			}
			if err := m.p.DeleteProbe(pr); err != nil {
				apiError(L, "%v", err)
			}
			return 0
		},
	},
	deleted:  func(pr *engine.Probe) (int, bool) { return pr.ID, pr.Deleted() },
	tostring: func(pr *engine.Probe) string { return "probe " + pr.Loc + " (" + pr.Kind + ")" },
}

func (m *Module) registerProbeType() {
	L := m.L
	registerHandle(m, probeHandle)
	m.probeEvMeta = L.NewTable()
	m.probeEvMeta.RawSetString("__index", L.NewFunction(func(L *glua.LState) int {
		t := L.CheckTable(1)
		ud, ok := t.RawGetString("regs").(*glua.LUserData)
		if L.CheckString(2) != "goid" || !ok {
			return 0
		}
		id, ok := m.p.Goid(ud.Value.(*engine.ProbeRecord))
		if !ok {
			return 0
		}
		t.RawSetString("goid", glua.LNumber(id))
		L.Push(glua.LNumber(id))
		return 1
	}))
	rt := L.NewTypeMetatable(probeRegsType)
	L.SetField(rt, "__index", m.api("ev.regs", func(L *glua.LState) int {
		ud := L.CheckUserData(1)
		r := ud.Value.(*engine.ProbeRecord)
		name := regName(L)
		v, ok := r.Regs.Get(name)
		if !ok {
			L.RaiseError("ev.regs.%s: unknown register (known: %s)", name, strings.Join(regNames(), " "))
		}
		L.Push(SignedNumber(v))
		return 1
	}))
	L.SetField(rt, "__newindex", m.api("ev.regs", func(L *glua.LState) int {
		L.RaiseError("ev.regs.%s: a probe's registers are a snapshot, read only", L.Get(2).String())
		return 0
	}))
}

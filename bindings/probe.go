package bindings

import (
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
// its callback, its userdata and its address as a Lua value, boxed once.
type prData struct {
	fn   *glua.LFunction
	ud   *glua.LUserData
	addr glua.LValue
}

// probeSlab is how many events' regs (a record and its userdata) are
// allocated at once: a drain allocates a slab, not two objects a record.
const probeSlab = 256

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
	d := &prData{fn: fn, addr: AddrNumber(uint64(pr.Addr))}
	pr.Data = d
	d.ud = newHandle(m, probeHandle, pr)
	L.Push(d.ud)
	return 1
}

// drainProbes calls each probe's fn for the records waiting: at every
// event the hook handles (before its own callbacks), at the end.
func (m *Module) drainProbes() error {
	if m.p == nil || !m.p.ProbesPending() {
		return nil
	}
	L := m.L
	regsMeta := L.GetTypeMetatable(probeRegsType)
	var (
		recs  []engine.ProbeRecord
		uds   []glua.LUserData
		tid   = -1
		ltid  glua.LValue
		evCap = 7
	)
	if m.isGo {
		evCap = 8
	}
	return m.p.DrainProbes(func(r *engine.ProbeRecord) error {
		d, _ := r.Probe.Data.(*prData)
		if d == nil || d.fn == nil {
			return nil
		}
		if len(recs) == 0 {
			recs, uds = make([]engine.ProbeRecord, probeSlab), make([]glua.LUserData, probeSlab)
		}
		rc, regs := &recs[0], &uds[0]
		recs, uds = recs[1:], uds[1:]
		*rc = *r
		regs.Value, regs.Env, regs.Metatable = rc, L.Env, regsMeta
		if r.Tid != tid {
			tid, ltid = r.Tid, glua.LNumber(r.Tid)
		}
		t := L.CreateTable(0, evCap)
		t.RawSetString("reason", reasonProbe)
		t.RawSetString("pr", d.ud)
		t.RawSetString("pid", glua.LNumber(r.Pid))
		t.RawSetString("tid", ltid)
		t.RawSetString("addr", d.addr)
		t.RawSetString("time", glua.LNumber(m.sessionTime(r.Time)))
		t.RawSetString("regs", regs)
		if m.isGo {
			L.SetMetatable(t, m.probeEvMeta) // goid, read on demand
		}
		_, err := m.call(d.fn, t)
		return err
	})
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

package bindings

import (
	"fmt"

	"github.com/godbg/godbg/engine"
	glua "github.com/yuin/gopher-lua"
)

// breakpointType is the metatable name of breakpoints.
const breakpointType = "godbg.Breakpoint"

// bpData is what a breakpoint carries for the bindings (engine
// Breakpoint.Data): its Lua callback.
type bpData struct {
	fn       *glua.LFunction
	onReturn *glua.LFunction // opts.on_return (returns.go)
}

// brk(loc [, fn] [, opts]) -> bp: a breakpoint at loc (an address, a
// function name: after its prologue, or "file:LINE"). fn(ev) runs on every
// hit; returning true stops (cont() returns ev); without fn every hit
// stops. opts.entry: at the function's first instruction; opts.once:
// deleted after its first hit; opts.goroutine = id: only that goroutine's
// calls hit (Go); opts.on_return(ev): called when each call
// that hit returns (ev.reason "return", ev.elapsed, regs the results).
// A function of a shared library is found there ("puts"; "libc.so.6:puts").
// opts.pending, or a name qualified by a library ("libplugin.so:fn"), makes
// a name no loaded object defines a pending breakpoint (bp.pending), placed
// when a library defining it is loaded (dlopen).
// brk(loc, opts) is brk(loc, nil, opts).
func (m *Module) brk(L *glua.LState) int {
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
		if L.Get(3) != glua.LNil {
			argError(L, 3, "nothing expected after the options table, got %s", typeName(L.Get(3)))
		}
	default:
		argError(L, 2, "function or options table expected, got %s", typeName(v))
	}
	entry, once, pending, goid := false, false, false, int64(0)
	var onReturn *glua.LFunction
	if opts != nil {
		opts.ForEach(func(k, v glua.LValue) {
			key, _ := k.(glua.LString)
			switch key {
			case "entry", "once", "pending":
				b := boolOption(L, string(key), v)
				switch key {
				case "entry":
					entry = b
				case "once":
					once = b
				default:
					pending = b
				}
			case "goroutine":
				n, ok := v.(glua.LNumber)
				id, err := IntFromNumber(float64(n))
				if !ok || err != nil || id < 1 {
					apiError(L, "opts.goroutine must be a goroutine id (a positive integer), got %s", L.ToStringMeta(v).String())
				}
				goid = id
			case "on_return":
				f, ok := v.(*glua.LFunction)
				if !ok {
					apiError(L, "opts.on_return: function expected, got %s", typeName(v))
				}
				onReturn = f
			default:
				apiError(L, "unknown option %s (want entry, once, pending, goroutine, on_return)", L.ToStringMeta(k).String())
			}
		})
	}
	if m.p == nil || m.exit != nil || m.p.Exited() {
		L.RaiseError("brk: the process has exited")
	}
	var bp *engine.Breakpoint
	if name, ok := L.Get(1).(glua.LString); ok && pendingWanted(string(name), pending) && !m.defined(L, string(name)) {
		b, err := m.proc().SetPendingBreakpoint(string(name), entry)
		if err != nil {
			L.RaiseError("brk %s: %v", string(name), err)
		}
		bp = b
	} else {
		addrs, loc := m.locations(L, 1, entry)
		b, err := m.proc().SetBreakpointAt(addrs, loc)
		if err != nil {
			L.RaiseError("brk %s: %v", loc, err)
		}
		bp = b
	}
	loc := bp.Loc
	bp.Once = once
	bp.Goroutine = goid
	if fn == nil && onReturn != nil {
		// on_return alone: the entry does not stop.
		fn = L.NewFunction(func(*glua.LState) int { return 0 })
	}
	bp.Data = &bpData{fn: fn, onReturn: onReturn}
	if onReturn != nil {
		if err := m.p.WatchReturns(bp); err != nil {
			L.RaiseError("brk %s: on_return: %v", loc, err)
		}
	}
	L.Push(m.pushBreakpoint(bp))
	return 1
}

// bps() -> { bp, ... }: the breakpoints, by id.
func (m *Module) bpsList(L *glua.LState) int {
	t := L.NewTable()
	for _, bp := range m.p.Breakpoints() {
		t.Append(m.pushBreakpoint(bp))
	}
	L.Push(t)
	return 1
}

// pushBreakpoint returns the one Lua value of bp (ev.bp == mybp holds).
func (m *Module) pushBreakpoint(bp *engine.Breakpoint) *glua.LUserData {
	if ud, ok := m.bps[bp]; ok {
		return ud
	}
	ud := newHandle(m, breakpointHandle, bp)
	m.bps[bp] = ud
	return ud
}

func checkBreakpoint(L *glua.LState, n int) *engine.Breakpoint {
	return checkHandle[*engine.Breakpoint](L, n, "breakpoint")
}

// breakpointHandle is the breakpoints' Lua type (handle.go).
var breakpointHandle = &handleType[*engine.Breakpoint]{
	meta:   breakpointType,
	what:   "breakpoint",
	prefix: "bp",
	fields: map[string]func(*glua.LState, *engine.Breakpoint) glua.LValue{
		"id": func(_ *glua.LState, bp *engine.Breakpoint) glua.LValue { return glua.LNumber(bp.ID) },
		"addr": func(_ *glua.LState, bp *engine.Breakpoint) glua.LValue {
			if bp.Pending() {
				return glua.LNil // no address until its library is loaded
			}
			return AddrNumber(uint64(bp.Addr))
		},
		"pending": func(_ *glua.LState, bp *engine.Breakpoint) glua.LValue { return glua.LBool(bp.Pending()) },
		"addrs": func(L *glua.LState, bp *engine.Breakpoint) glua.LValue {
			t := L.CreateTable(len(bp.Addrs), 0)
			for _, a := range bp.Addrs {
				t.Append(AddrNumber(uint64(a)))
			}
			return t
		},
		"loc":     func(_ *glua.LState, bp *engine.Breakpoint) glua.LValue { return glua.LString(bp.Loc) },
		"hits":    func(_ *glua.LState, bp *engine.Breakpoint) glua.LValue { return glua.LNumber(bp.Hits) },
		"enabled": func(_ *glua.LState, bp *engine.Breakpoint) glua.LValue { return glua.LBool(bp.Enabled) },
		"once":    func(_ *glua.LState, bp *engine.Breakpoint) glua.LValue { return glua.LBool(bp.Once) },
		"deleted": func(_ *glua.LState, bp *engine.Breakpoint) glua.LValue { return glua.LBool(bp.Deleted()) },
	},
	methods: map[string]func(*Module, *glua.LState) int{
		// bp:delete(): remove the breakpoint (its trap goes with its last user).
		"delete": func(m *Module, L *glua.LState) int {
			if err := m.p.ClearBreakpoint(checkBreakpoint(L, 1)); err != nil {
				apiError(L, "%v", err)
			}
			return 0
		},
		// bp:disable(): keep the breakpoint but stop it from hitting.
		"disable": func(m *Module, L *glua.LState) int {
			if err := m.p.DisableBreakpoint(checkBreakpoint(L, 1)); err != nil {
				apiError(L, "%v", err)
			}
			return 0
		},
		// bp:enable(): make a disabled breakpoint hit again.
		"enable": func(m *Module, L *glua.LState) int {
			if err := m.p.EnableBreakpoint(checkBreakpoint(L, 1)); err != nil {
				apiError(L, "%v", err)
			}
			return 0
		},
	},
	needsProcess: true,
	deleted:      func(bp *engine.Breakpoint) (int, bool) { return bp.ID, bp.Deleted() },
	tostring: func(bp *engine.Breakpoint) string {
		if bp.Pending() {
			return fmt.Sprintf("breakpoint %d pending %s (%d hits)", bp.ID, bp.Loc, bp.Hits)
		}
		return fmt.Sprintf("breakpoint %d at %#x %s (%d hits)", bp.ID, uint64(bp.Addr), bp.Loc, bp.Hits)
	},
}

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
	case *glua.LFunction:
		fn = v
		if L.GetTop() >= 3 && L.Get(3) != glua.LNil {
			opts = L.CheckTable(3)
		}
	case *glua.LTable:
		opts = v
	case *glua.LNilType:
		if L.GetTop() >= 3 && L.Get(3) != glua.LNil {
			opts = L.CheckTable(3)
		}
	default:
		L.ArgError(2, "function or options table expected, got "+v.Type().String())
	}
	entry, once, pending, goid := false, false, false, int64(0)
	var onReturn *glua.LFunction
	if opts != nil {
		opts.ForEach(func(k, v glua.LValue) {
			switch k.String() {
			case "entry":
				entry = glua.LVAsBool(v)
			case "once":
				once = glua.LVAsBool(v)
			case "pending":
				pending = glua.LVAsBool(v)
			case "goroutine":
				n, ok := v.(glua.LNumber)
				if !ok || n < 1 {
					L.RaiseError("brk: opts.goroutine must be a goroutine id (a positive number)")
				}
				goid = int64(n)
			case "on_return":
				f, ok := v.(*glua.LFunction)
				if !ok {
					L.RaiseError("brk: opts.on_return: function expected, got %s", v.Type().String())
				}
				onReturn = f
			default:
				L.RaiseError("brk: unknown option %s", k.String())
			}
		})
	}
	if m.p == nil || m.exit != nil || m.p.Exited() {
		L.RaiseError("brk: the process has exited")
	}
	var bp *engine.Breakpoint
	if name, ok := L.Get(1).(glua.LString); ok && pendingWanted(string(name), pending) && !m.defined(L, string(name)) {
		b, err := m.p.SetPendingBreakpoint(string(name), entry)
		if err != nil {
			L.RaiseError("brk %s: %v", string(name), err)
		}
		bp = b
	} else {
		addrs, loc := m.locations(L, 1, entry)
		b, err := m.p.SetBreakpointAt(addrs, loc)
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
	ud := m.L.NewUserData()
	ud.Value = bp
	m.L.SetMetatable(ud, m.L.GetTypeMetatable(breakpointType))
	m.bps[bp] = ud
	return ud
}

func checkBreakpoint(L *glua.LState, n int) *engine.Breakpoint {
	if bp, ok := L.CheckUserData(n).Value.(*engine.Breakpoint); ok {
		return bp
	}
	L.ArgError(n, "breakpoint expected")
	return nil
}

func (m *Module) registerBreakpointType() {
	L := m.L
	mt := L.NewTypeMetatable(breakpointType)
	methods := map[string]glua.LGFunction{
		// bp:delete(): remove the breakpoint (its trap goes with its last user).
		"delete": func(L *glua.LState) int {
			bp := checkBreakpoint(L, 1)
			if err := m.p.ClearBreakpoint(bp); err != nil {
				L.RaiseError("bp:delete(): %v", err)
			}
			return 0
		},
		// bp:disable(): keep the breakpoint but stop it from hitting.
		"disable": func(L *glua.LState) int {
			if err := m.p.DisableBreakpoint(checkBreakpoint(L, 1)); err != nil {
				L.RaiseError("bp:disable(): %v", err)
			}
			return 0
		},
		// bp:enable(): make a disabled breakpoint hit again.
		"enable": func(L *glua.LState) int {
			if err := m.p.EnableBreakpoint(checkBreakpoint(L, 1)); err != nil {
				L.RaiseError("bp:enable(): %v", err)
			}
			return 0
		},
	}
	fns := map[string]*glua.LFunction{}
	for k, f := range methods {
		fns[k] = L.NewFunction(f)
	}
	L.SetField(mt, "__index", L.NewFunction(func(L *glua.LState) int {
		bp := checkBreakpoint(L, 1)
		switch k := L.CheckString(2); k {
		case "id":
			L.Push(glua.LNumber(bp.ID))
		case "addr":
			if bp.Pending() {
				L.Push(glua.LNil) // no address until its library is loaded
			} else {
				L.Push(AddrNumber(uint64(bp.Addr)))
			}
		case "pending":
			L.Push(glua.LBool(bp.Pending()))
		case "addrs":
			t := L.CreateTable(len(bp.Addrs), 0)
			for _, a := range bp.Addrs {
				t.Append(AddrNumber(uint64(a)))
			}
			L.Push(t)
		case "loc":
			L.Push(glua.LString(bp.Loc))
		case "hits":
			L.Push(glua.LNumber(bp.Hits))
		case "enabled":
			L.Push(glua.LBool(bp.Enabled))
		case "once":
			L.Push(glua.LBool(bp.Once))
		case "deleted":
			L.Push(glua.LBool(bp.Deleted()))
		default:
			if f, ok := fns[k]; ok {
				L.Push(f)
			} else {
				L.Push(glua.LNil)
			}
		}
		return 1
	}))
	L.SetField(mt, "__tostring", L.NewFunction(func(L *glua.LState) int {
		bp := checkBreakpoint(L, 1)
		if bp.Pending() {
			L.Push(glua.LString(fmt.Sprintf("breakpoint %d pending %s (%d hits)", bp.ID, bp.Loc, bp.Hits)))
			return 1
		}
		L.Push(glua.LString(fmt.Sprintf("breakpoint %d at %#x %s (%d hits)", bp.ID, uint64(bp.Addr), bp.Loc, bp.Hits)))
		return 1
	}))
}

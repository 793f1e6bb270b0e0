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
	ud := m.L.NewUserData()
	ud.Value = bp
	m.L.SetMetatable(ud, m.L.GetTypeMetatable(breakpointType))
	m.bps[bp] = ud
	return ud
}

func checkBreakpoint(L *glua.LState, n int) *engine.Breakpoint {
	if ud, ok := L.Get(n).(*glua.LUserData); ok {
		if bp, ok := ud.Value.(*engine.Breakpoint); ok {
			return bp
		}
	}
	typeError(L, n, "breakpoint")
	return nil
}

func (m *Module) registerBreakpointType() {
	L := m.L
	mt := L.NewTypeMetatable(breakpointType)
	methods := map[string]glua.LGFunction{
		// bp:delete(): remove the breakpoint (its trap goes with its last user).
		"delete": func(L *glua.LState) int {
			bp := checkBreakpoint(L, 1)
			m.checkLive(L, "bp:delete")
			if bp.Deleted() {
				apiError(L, "breakpoint %d is already deleted", bp.ID)
			}
			if err := m.p.ClearBreakpoint(bp); err != nil {
				apiError(L, "%v", err)
			}
			return 0
		},
		// bp:disable(): keep the breakpoint but stop it from hitting.
		"disable": func(L *glua.LState) int {
			bp := checkBreakpoint(L, 1)
			m.checkLive(L, "bp:disable")
			if err := m.p.DisableBreakpoint(bp); err != nil {
				apiError(L, "%v", err)
			}
			return 0
		},
		// bp:enable(): make a disabled breakpoint hit again.
		"enable": func(L *glua.LState) int {
			bp := checkBreakpoint(L, 1)
			m.checkLive(L, "bp:enable")
			if err := m.p.EnableBreakpoint(bp); err != nil {
				apiError(L, "%v", err)
			}
			return 0
		},
	}
	fns := map[string]*glua.LFunction{}
	for k, f := range methods {
		fns[k] = m.api("bp:"+k, f)
	}
	L.SetField(mt, "__index", m.api("bp", func(L *glua.LState) int {
		bp := checkBreakpoint(L, 1)
		switch k := L.Get(2).String(); k {
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
			f, ok := fns[k]
			if !ok {
				apiError(L, "a breakpoint has no field %s", L.ToStringMeta(L.Get(2)).String())
			}
			L.Push(f)
		}
		return 1
	}))
	L.SetField(mt, "__newindex", m.api("bp", func(L *glua.LState) int {
		apiError(L, "a breakpoint's fields are read-only (%s)", L.ToStringMeta(L.Get(2)).String())
		return 0
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

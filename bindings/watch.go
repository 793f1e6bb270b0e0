package bindings

import (
	"fmt"

	"github.com/godbg/godbg/engine"
	glua "github.com/yuin/gopher-lua"
)

func init() {
	exports["watch"] = (*Module).watch
}

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
	size := L.CheckInt(2)
	mode, err := engine.ParseWatchMode(L.OptString(3, "w"))
	if err != nil {
		L.ArgError(3, err.Error())
	}
	var fn *glua.LFunction
	if L.GetTop() >= 4 && L.Get(4) != glua.LNil {
		fn = L.CheckFunction(4)
	}
	kind := engine.WatchAuto
	if L.GetTop() >= 5 && L.Get(5) != glua.LNil {
		opts := L.CheckTable(5)
		if v := opts.RawGetString("kind"); v != glua.LNil {
			s, ok := v.(glua.LString)
			k, err := engine.ParseWatchKind(string(s))
			if !ok || err != nil {
				L.ArgError(5, fmt.Sprintf("opts.kind %v: want \"hardware\", \"software\" or \"auto\"", v))
			}
			kind = k
		}
	}
	m.checkLive(L, "watch")
	wp, err := m.p.SetWatchpointKind(engine.Addr(addr), size, mode, kind)
	if err != nil {
		L.RaiseError("%v", err)
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
		d.ud = m.L.NewUserData()
		d.ud.Value = wp
		m.L.SetMetatable(d.ud, m.watchpointMeta())
	}
	return d.ud
}

func checkWatchpoint(L *glua.LState, n int) *engine.Watchpoint {
	if wp, ok := L.CheckUserData(n).Value.(*engine.Watchpoint); ok {
		return wp
	}
	L.ArgError(n, "watchpoint expected")
	return nil
}

// watchpointMeta builds the watchpoints' metatable on first use.
func (m *Module) watchpointMeta() glua.LValue {
	L := m.L
	if mt, ok := L.GetTypeMetatable(watchpointType).(*glua.LTable); ok {
		return mt
	}
	mt := L.NewTypeMetatable(watchpointType)
	// wp:delete(): clear the watchpoint on every thread.
	del := L.NewFunction(func(L *glua.LState) int {
		if err := m.p.ClearWatchpoint(checkWatchpoint(L, 1)); err != nil {
			L.RaiseError("wp:delete(): %v", err)
		}
		return 0
	})
	L.SetField(mt, "__index", L.NewFunction(func(L *glua.LState) int {
		wp := checkWatchpoint(L, 1)
		switch L.CheckString(2) {
		case "id":
			L.Push(glua.LNumber(wp.ID))
		case "addr":
			L.Push(AddrNumber(uint64(wp.Addr)))
		case "size":
			L.Push(glua.LNumber(wp.Size))
		case "mode":
			L.Push(glua.LString(wp.Mode.String()))
		case "kind":
			L.Push(glua.LString(wp.Kind.String()))
		case "hits":
			L.Push(glua.LNumber(wp.Hits))
		case "deleted":
			L.Push(glua.LBool(wp.Deleted()))
		case "delete":
			L.Push(del)
		default:
			L.Push(glua.LNil)
		}
		return 1
	}))
	L.SetField(mt, "__tostring", L.NewFunction(func(L *glua.LState) int {
		wp := checkWatchpoint(L, 1)
		L.Push(glua.LString(fmt.Sprintf("watchpoint %d on %d bytes at %#x (%s, %s, %d hits)", wp.ID, wp.Size, uint64(wp.Addr), wp.Mode, wp.Kind, wp.Hits)))
		return 1
	}))
	return mt
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

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
	wp, err := m.p.SetWatchpointKind(engine.Addr(addr), size, mode, kind)
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
		d.ud = m.L.NewUserData()
		d.ud.Value = wp
		m.L.SetMetatable(d.ud, m.watchpointMeta())
	}
	return d.ud
}

func checkWatchpoint(L *glua.LState, n int) *engine.Watchpoint {
	if ud, ok := L.Get(n).(*glua.LUserData); ok {
		if wp, ok := ud.Value.(*engine.Watchpoint); ok {
			return wp
		}
	}
	typeError(L, n, "watchpoint")
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
	del := m.api("wp:delete", func(L *glua.LState) int {
		wp := checkWatchpoint(L, 1)
		if wp.Deleted() {
			apiError(L, "watchpoint %d is already deleted", wp.ID)
		}
		if err := m.p.ClearWatchpoint(wp); err != nil {
			apiError(L, "%v", err)
		}
		return 0
	})
	L.SetField(mt, "__index", m.api("wp", func(L *glua.LState) int {
		wp := checkWatchpoint(L, 1)
		switch L.Get(2).String() {
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
			apiError(L, "a watchpoint has no field %s", L.ToStringMeta(L.Get(2)).String())
		}
		return 1
	}))
	L.SetField(mt, "__newindex", m.api("wp", func(L *glua.LState) int {
		apiError(L, "a watchpoint's fields are read-only (%s)", L.ToStringMeta(L.Get(2)).String())
		return 0
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

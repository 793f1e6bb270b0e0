package bindings

import (
	"fmt"
	"math"
	"path/filepath"

	"github.com/godbg/godbg/engine"
	"github.com/godbg/godbg/engine/debuginfo"
	glua "github.com/yuin/gopher-lua"
)

const frameType = "godbg.Frame"

func init() {
	exports["frame"] = (*Module).frame
}

// luaFrame is one frame of a stack, as frame() returns it.
type luaFrame struct {
	f    debuginfo.Frame
	n    int
	goid int64 // 0: no goroutine (not Go, or a thread without one)
	stop *engine.Event
}

// frame([n] [, goid]) -> fr: frame n of the current thread's stack (0, the
// default, is the innermost; n counts as bt numbers its lines, inlined
// calls included), or of goroutine goid's (parked or running, as bt(max,
// goid) unwinds it). fr has the fields of a bt entry (n, pc, sp, sym, off,
// file, line, inlined) and goid (the goroutine's, nil outside one) and the methods fr:args(), fr:locals(),
// fr:var(expr) and fr:vars(), which read that frame's variables as
// args(), locals() and var() read the current one's. A frame is valid at
// the stop it was taken at; once the tracee has run, its methods raise.
func (m *Module) frame(L *glua.LState) int {
	n := int(optInt(L, 1, "n", 0, 0, btMax-1))
	var frames []debuginfo.Frame
	var goid int64
	var err error
	if L.GetTop() >= 2 && L.Get(2) != glua.LNil {
		goid = checkInt(L, 2, "goid", 1, math.MaxInt64)
		m.checkLive(L, "frame")
		gs, gerr := m.p.Goroutines()
		if gerr != nil {
			apiError(L, "%v", gerr)
		}
		found := false
		for _, g := range gs {
			if g.ID == goid {
				frames, err = m.p.GoroutineBacktrace(g, n+1)
				found = true
				break
			}
		}
		if !found {
			apiError(L, "no goroutine %d", goid)
		}
	} else {
		th := m.currentThread(L)
		frames, err = th.Backtrace(n + 1)
		if id, ok := th.GoroutineID(); ok && id > 0 {
			goid = id // the goroutine the thread runs
		}
	}
	if err != nil {
		apiError(L, "%v", err)
	}
	if n >= len(frames) {
		apiError(L, "no frame %d: the stack has %d", n, len(frames))
	}
	ud := L.NewUserData()
	ud.Value = &luaFrame{f: frames[n], n: n, goid: goid, stop: m.stop}
	L.SetMetatable(ud, L.GetTypeMetatable(frameType))
	L.Push(ud)
	return 1
}

func checkFrame(L *glua.LState) *luaFrame {
	if ud, ok := L.Get(1).(*glua.LUserData); ok {
		if f, ok := ud.Value.(*luaFrame); ok {
			return f
		}
	}
	typeError(L, 1, "frame")
	return nil
}

// liveFrame checks that fr's stop is still the one at hand.
func (m *Module) liveFrame(L *glua.LState) *luaFrame {
	fr := checkFrame(L)
	m.checkLive(L, apiName(L))
	if fr.stop != m.stop {
		apiError(L, "the frame is from an earlier stop: the tracee has run since")
	}
	return fr
}

func (m *Module) registerFrameType() {
	L := m.L
	mt := L.NewTypeMetatable(frameType)
	methods := map[string]glua.LGFunction{
		// fr:args() -> {name=value}: the frame's arguments, as args().
		"args": func(L *glua.LState) int {
			fr := m.liveFrame(L)
			vs, err := m.p.FrameArgs(fr.f)
			if err != nil {
				apiError(L, "%v", err)
			}
			L.Push(m.valuesTable(vs))
			return 1
		},
		// fr:locals() -> {name=value}: the frame's locals, as locals().
		"locals": func(L *glua.LState) int {
			fr := m.liveFrame(L)
			vs, err := m.p.FrameLocals(fr.f)
			if err != nil {
				apiError(L, "%v", err)
			}
			L.Push(m.valuesTable(vs))
			return 1
		},
		// fr:var(expr) -> value: an expression in the frame's scope.
		"var": func(L *glua.LState) int {
			fr := m.liveFrame(L)
			expr := checkString(L, 2)
			v, err := m.p.FrameEval(fr.f, expr)
			if err != nil {
				L.RaiseError("%s(%q): %v", apiName(L), expr, err)
			}
			L.Push(m.valueToLua(v))
			return 1
		},
		// fr:vars() -> { {name=, type=, kind=, value=, arg=}, ... }: the
		// arguments then the locals, in declaration order, each with its
		// Go or C type and its kind (valueKinds); a nil one has kind
		// "nil" and no value.
		"vars": func(L *glua.LState) int {
			fr := m.liveFrame(L)
			args, err := m.p.FrameArgs(fr.f)
			if err != nil {
				apiError(L, "%v", err)
			}
			locals, err := m.p.FrameLocals(fr.f)
			if err != nil {
				apiError(L, "%v", err)
			}
			t := L.CreateTable(len(args)+len(locals), 0)
			for k, v := range append(args, locals...) {
				e := L.CreateTable(0, 5)
				e.RawSetString("name", glua.LString(v.Name))
				e.RawSetString("type", glua.LString(v.Type))
				e.RawSetString("kind", glua.LString(v.Kind.String()))
				e.RawSetString("value", m.valueToLua(v))
				if k < len(args) {
					e.RawSetString("arg", glua.LTrue)
				}
				t.Append(e)
			}
			L.Push(t)
			return 1
		},
	}
	index := L.NewTable()
	for name, fn := range methods {
		index.RawSetString(name, m.api("fr:"+name, fn))
	}
	L.SetField(mt, "__index", m.api("frame", func(L *glua.LState) int {
		fr := checkFrame(L)
		key := L.CheckString(2)
		if fn := index.RawGetString(key); fn != glua.LNil {
			L.Push(fn)
			return 1
		}
		L.Push(m.frameField(fr, key))
		return 1
	}))
	L.SetField(mt, "__tostring", L.NewFunction(func(L *glua.LState) int {
		fr := checkFrame(L)
		s := fmt.Sprintf("#%d %#x in %s", fr.n, fr.f.PC, m.frameSym(fr))
		if fr.f.File != "" {
			s += fmt.Sprintf(" at %s:%d", filepath.Base(fr.f.File), fr.f.Line)
		}
		L.Push(glua.LString(s))
		return 1
	}))
}

func (m *Module) frameSym(fr *luaFrame) string {
	if fr.f.Func != "" {
		return fr.f.Func
	}
	if s, ok := m.p.FuncAt(engine.Addr(fr.f.PC)); ok {
		return s.Sym.Name
	}
	return "??"
}

// frameField serves a frame's fields, those of its bt entry; an unknown
// one is an error.
func (m *Module) frameField(fr *luaFrame, key string) glua.LValue {
	switch key {
	case "n":
		return glua.LNumber(fr.n)
	case "goid":
		if fr.goid == 0 {
			return glua.LNil
		}
		return glua.LNumber(fr.goid)
	case "pc", "sp", "sym", "off", "file", "line", "inlined":
		return m.unwoundFrame(fr.f, fr.n > 0).RawGetString(key)
	}
	m.L.RaiseError("frame: no field %q (fields: n, pc, sp, sym, off, file, line, inlined, goid; methods: args, locals, var, vars)", key)
	return glua.LNil
}

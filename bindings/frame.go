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

// luaFrame is one frame of a stack, as frame() returns it.
type luaFrame struct {
	m    *Module
	f    debuginfo.Frame
	n    int
	goid int64 // 0: no goroutine (not Go, or a thread without one)
	stop *engine.Event
}

// frame([n] [, goid]) -> fr: frame n of the current thread's stack (0, the
// default, is the innermost; n counts as bt numbers its lines, inlined
// calls included), or of goroutine goid's (parked or running, as bt(max,
// goid) unwinds it). fr has the fields of a bt entry (n, pc, sp, sym, off,
// file, line, inlined), goid (the goroutine's, nil outside one), and the
// methods fr:args(), fr:locals(), fr:var(expr) and fr:vars(), which read
// that frame's variables as args(), locals() and var() read the current
// one's (frameHandle). A frame is valid at the stop it was taken at; once
// the tracee has run, its methods raise.
func (m *Module) frame(L *glua.LState) int {
	n := int(optInt(L, 1, "n", 0, 0, btMax-1))
	var frames []debuginfo.Frame
	var goid int64
	var err error
	if L.GetTop() >= 2 && L.Get(2) != glua.LNil {
		goid = checkInt(L, 2, "goid", 1, math.MaxInt64)
		m.checkLive(L, "frame")
		gs, gerr := m.proc().Goroutines()
		if gerr != nil {
			apiError(L, "%v", gerr)
		}
		found := false
		for _, g := range gs {
			if g.ID == goid {
				frames, err = m.proc().GoroutineBacktrace(g, n+1)
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
	L.Push(newHandle(m, frameHandle, &luaFrame{m: m, f: frames[n], n: n, goid: goid, stop: m.stop}))
	return 1
}

// liveFrame checks that the frame (argument 1, checked by the handle
// builder) was taken at the stop at hand.
func (m *Module) liveFrame(L *glua.LState) *luaFrame {
	fr := checkHandle[*luaFrame](L, 1, "frame")
	if fr.stop != m.stop {
		apiError(L, "the frame is from an earlier stop: the tracee has run since")
	}
	return fr
}

// frameField is a field of a frame's bt entry (unwoundFrame).
func frameField(key string) func(*glua.LState, *luaFrame) glua.LValue {
	return func(_ *glua.LState, fr *luaFrame) glua.LValue {
		return fr.m.unwoundFrame(fr.f, fr.n > 0).RawGetString(key)
	}
}

// frameHandle is the frames' Lua type (handle.go).
var frameHandle = &handleType[*luaFrame]{
	meta:   frameType,
	what:   "frame",
	prefix: "fr",
	fields: map[string]func(*glua.LState, *luaFrame) glua.LValue{
		"n": func(_ *glua.LState, fr *luaFrame) glua.LValue { return glua.LNumber(fr.n) },
		"goid": func(_ *glua.LState, fr *luaFrame) glua.LValue {
			if fr.goid == 0 {
				return glua.LNil
			}
			return glua.LNumber(fr.goid)
		},
		"pc": frameField("pc"), "sp": frameField("sp"), "sym": frameField("sym"), "off": frameField("off"),
		"file": frameField("file"), "line": frameField("line"), "inlined": frameField("inlined"),
	},
	methods: map[string]func(*Module, *glua.LState) int{
		// fr:args() -> {name=value}: the frame's arguments, as args().
		"args": func(m *Module, L *glua.LState) int {
			vs, err := m.p.FrameArgs(m.liveFrame(L).f)
			if err != nil {
				apiError(L, "%v", err)
			}
			L.Push(m.valuesTable(vs))
			return 1
		},
		// fr:locals() -> {name=value}: the frame's locals, as locals().
		"locals": func(m *Module, L *glua.LState) int {
			vs, err := m.p.FrameLocals(m.liveFrame(L).f)
			if err != nil {
				apiError(L, "%v", err)
			}
			L.Push(m.valuesTable(vs))
			return 1
		},
		// fr:var(expr) -> value: an expression in the frame's scope.
		"var": func(m *Module, L *glua.LState) int {
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
		// Go or C type and its kind (debuginfo.Kind's names); a nil one
		// has kind "nil" and no value.
		"vars": func(m *Module, L *glua.LState) int {
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
	},
	needsProcess: true,
	tostring: func(fr *luaFrame) string {
		sym := fr.f.Func
		if sym == "" {
			sym = "??"
			if s, ok := fr.m.proc().FuncAt(engine.Addr(fr.f.PC)); ok {
				sym = s.Sym.Name
			}
		}
		s := fmt.Sprintf("#%d %#x in %s", fr.n, fr.f.PC, sym)
		if fr.f.File != "" {
			s += fmt.Sprintf(" at %s:%d", filepath.Base(fr.f.File), fr.f.Line)
		}
		return s
	},
}

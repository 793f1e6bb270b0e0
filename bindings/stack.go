package bindings

import (
	"math"

	"encoding/binary"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/godbg/godbg/engine"
	"github.com/godbg/godbg/engine/debuginfo"
	glua "github.com/yuin/gopher-lua"
)

const (
	btDefaultMax  = 64
	btMax         = 10000 // frames, at most
	backtraceType = "godbg.Backtrace"
)

// frame is one frame of a backtrace.
type frame struct {
	pc, sp engine.Addr
}

// bt([max] [, goid]) -> { {pc=, sp=, sym=, off=, file=, line=}, ... }: the
// current thread's stack, or goroutine goid's (parked or running),
// innermost first, at most max frames (default 64, at most btMax).
// tostring renders one line a frame: `#0 0x401136 in inner at crash.c:5`.
// A caller's frame shows the line of its call; an inlined call is a frame of
// its own (inlined=true). The engine unwinds with call-frame information
// (.eh_frame/.debug_frame) where present and frame pointers elsewhere; if
// that fails the walk follows the rbp chain alone.
func (m *Module) bt(L *glua.LState) int {
	max := int(optInt(L, 1, "max", btDefaultMax, 1, btMax))
	if L.GetTop() >= 2 && L.Get(2) != glua.LNil {
		return m.goroutineBt(L, max, int64(checkInt(L, 2, "goid", 1, math.MaxInt64)))
	}
	th := m.currentThread(L)
	t := L.CreateTable(max, 0)
	if frames, err := th.Backtrace(max); err == nil && len(frames) > 0 {
		for i, f := range frames {
			t.Append(m.unwoundFrame(f, i > 0))
		}
	} else {
		for i, f := range m.framePointerWalk(L, th, max) {
			t.Append(m.frameTable(f, i > 0))
		}
	}
	L.SetMetatable(t, L.GetTypeMetatable(backtraceType))
	L.Push(t)
	return 1
}

// goroutineBt is bt(max, goid): the stack of any goroutine, from its
// thread's registers when it runs, else from g.sched.
func (m *Module) goroutineBt(L *glua.LState, max int, goid int64) int {
	if m.p == nil || m.p.Exited() {
		L.RaiseError("bt: the process has exited")
	}
	gs, err := m.proc().Goroutines()
	if err != nil {
		L.RaiseError("bt: %v", err)
	}
	for _, g := range gs {
		if g.ID != goid {
			continue
		}
		frames, err := m.proc().GoroutineBacktrace(g, max)
		if err != nil {
			L.RaiseError("bt: %v", err)
		}
		t := L.CreateTable(len(frames), 0)
		for i, f := range frames {
			t.Append(m.unwoundFrame(f, i > 0))
		}
		L.SetMetatable(t, L.GetTypeMetatable(backtraceType))
		L.Push(t)
		return 1
	}
	L.RaiseError("bt: no goroutine %d", goid)
	return 0
}

// unwoundFrame describes a frame found by the engine's unwinder; a caller's
// line is that of its call (pc-1).
func (m *Module) unwoundFrame(f debuginfo.Frame, caller bool) *glua.LTable {
	L := m.L
	t := L.CreateTable(0, 7)
	t.RawSetString("pc", AddrNumber(f.PC))
	t.RawSetString("sp", AddrNumber(f.SP))
	s, ok := m.proc().FuncAt(engine.Addr(f.PC))
	if f.Func != "" {
		t.RawSetString("sym", glua.LString(f.Func))
	} else if ok {
		// Without DWARF or .symtab (go build -ldflags='-s -w') the
		// unwinder knows no names; the Go pclntab, or a shared library's
		// symbols (a frame in libc), still do.
		t.RawSetString("sym", glua.LString(s.Sym.Name))
	}
	if ok && !f.Inlined {
		t.RawSetString("off", glua.LNumber(engine.Addr(f.PC)-s.Addr))
	}
	if f.File == "" && ok && !s.Object.Main {
		// A shared library's frame: its own line table, if it has one.
		look := engine.Addr(f.PC)
		if caller {
			look--
		}
		f.File, f.Line, _ = m.proc().PCToLine(look)
	}
	if f.File != "" {
		t.RawSetString("file", glua.LString(f.File))
		t.RawSetString("line", glua.LNumber(f.Line))
	}
	if f.Inlined {
		t.RawSetString("inlined", glua.LTrue)
	}
	return t
}

// framePointerWalk follows the rbp chain, which gcc -O0 and the Go compiler
// keep; a frame stopped before its own prologue ran hides its caller.
func (m *Module) framePointerWalk(L *glua.LState, th *engine.Thread, max int) []frame {
	r, err := th.Regs()
	if err != nil {
		L.RaiseError("bt: %v", err)
	}
	pc, err := th.PC()
	if err != nil {
		L.RaiseError("bt: %v", err)
	}
	frames := []frame{{pc: pc, sp: engine.Addr(r.SP())}}
	fp, _ := r.Get("rbp")
	var buf [16]byte
	for len(frames) < max && fp != 0 {
		if err := m.proc().ReadMemory(engine.Addr(fp), buf[:]); err != nil {
			break // the chain left mapped memory: the walk ends there
		}
		next := binary.LittleEndian.Uint64(buf[:8])
		ret := engine.Addr(binary.LittleEndian.Uint64(buf[8:]))
		if ret == 0 {
			break
		}
		if _, ok := m.proc().FuncAt(ret - 1); !ok {
			break
		}
		frames = append(frames, frame{pc: ret, sp: engine.Addr(fp + 16)})
		if next <= fp {
			break // frames grow toward higher addresses; anything else is garbage
		}
		fp = next
	}
	return frames
}

// frameTable describes a frame; for a caller (a return address) the symbol
// and line are those of the call instruction, pc-1.
func (m *Module) frameTable(f frame, caller bool) *glua.LTable {
	L := m.L
	t := L.CreateTable(0, 6)
	t.RawSetString("pc", AddrNumber(uint64(f.pc)))
	t.RawSetString("sp", AddrNumber(uint64(f.sp)))
	look := f.pc
	if caller {
		look--
	}
	if s, ok := m.proc().FuncAt(look); ok {
		t.RawSetString("sym", glua.LString(s.Sym.Name))
		t.RawSetString("off", glua.LNumber(f.pc-s.Addr))
	}
	if file, line, ok := m.proc().PCToLine(look); ok {
		t.RawSetString("file", glua.LString(file))
		t.RawSetString("line", glua.LNumber(line))
	}
	return t
}

// renderBacktrace is a backtrace's __tostring.
func renderBacktrace(L *glua.LState) int {
	t := L.CheckTable(1)
	var b strings.Builder
	for i := 1; i <= t.Len(); i++ {
		f, ok := t.RawGetInt(i).(*glua.LTable)
		if !ok {
			continue
		}
		pc, _ := U64FromLua(f.RawGetString("pc"))
		sym := "??"
		if s, ok := f.RawGetString("sym").(glua.LString); ok {
			sym = string(s)
		}
		fmt.Fprintf(&b, "#%d %#x in %s", i-1, pc, sym)
		if file, ok := f.RawGetString("file").(glua.LString); ok {
			fmt.Fprintf(&b, " at %s:%s", filepath.Base(string(file)), f.RawGetString("line").String())
		}
		b.WriteByte('\n')
	}
	L.Push(glua.LString(strings.TrimSuffix(b.String(), "\n")))
	return 1
}

func (m *Module) registerBacktraceType() {
	mt := m.L.NewTypeMetatable(backtraceType)
	m.L.SetField(mt, "__tostring", m.L.NewFunction(renderBacktrace))
}

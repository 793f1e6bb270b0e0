package bindings

import (
	"sort"
	"strings"

	"github.com/godbg/godbg/engine"
	glua "github.com/yuin/gopher-lua"
)

const regsType = "godbg.Regs"

// regs.NAME -> number; regs.NAME = v: the registers of the current thread
// (the one whose stop is being handled): every 64-bit general register,
// rip, eflags, fs_base, gs_base, orig_rax and the segment registers. Reads
// are signed 64-bit (so -1 is -1); writes take any integer in [-2^63, 2^64)
// and reach the thread when it resumes.
func (m *Module) registerRegs() {
	L := m.L
	mt := L.NewTypeMetatable(regsType)
	L.SetField(mt, "__index", m.api("regs", func(L *glua.LState) int {
		name := regName(L)
		r, err := m.currentThread(L).Regs()
		if err != nil {
			L.RaiseError("regs.%s: %v", name, err)
		}
		v, ok := r.Get(name)
		if !ok {
			L.RaiseError("regs.%s: unknown register (known: %s)", name, strings.Join(regNames(), " "))
		}
		L.Push(SignedNumber(v))
		return 1
	}))
	L.SetField(mt, "__newindex", m.api("regs", func(L *glua.LState) int {
		name := regName(L)
		v, err := U64FromLua(L.Get(3))
		if err != nil {
			L.RaiseError("regs.%s = %s: %v", name, L.ToStringMeta(L.Get(3)).String(), err)
		}
		if _, ok := new(engine.Regs).Get(name); !ok {
			L.RaiseError("regs.%s: unknown register (known: %s)", name, strings.Join(regNames(), " "))
		}
		if err := m.currentThread(L).SetReg(name, v); err != nil {
			L.RaiseError("regs.%s = %s: %v", name, Hex(v), err)
		}
		return 0
	}))
	L.SetField(mt, "__tostring", L.NewFunction(func(L *glua.LState) int {
		L.Push(glua.LString(m.renderRegs(L)))
		return 1
	}))
	ud := L.NewUserData()
	L.SetMetatable(ud, mt)
	L.SetGlobal("regs", ud)
}

// regName is the register a regs index names (argument 2).
func regName(L *glua.LState) string {
	name, ok := L.Get(2).(glua.LString)
	if !ok {
		apiError(L, "register name expected, got %s %s", typeName(L.Get(2)), L.ToStringMeta(L.Get(2)).String())
	}
	return string(name)
}

func regNames() []string {
	n := engine.RegNames()
	sort.Strings(n)
	return n
}

// currentThread is the thread whose stop is being handled.
func (m *Module) currentThread(L *glua.LState) *engine.Thread {
	if m.ended != "" {
		L.RaiseError("the session has ended (%s): the process is no longer traced", m.ended)
	}
	if m.p == nil || m.exit != nil || m.p.Exited() {
		apiError(L, "the process has exited")
	}
	if m.detached {
		apiError(L, "the process was detached")
	}
	t := m.p.CurrentThread()
	if t == nil {
		apiError(L, "no current thread")
	}
	return t
}

// threads() -> { tid, ... }: the tracee's threads, by id.
func (m *Module) threads(L *glua.LState) int {
	t := L.NewTable()
	if m.p != nil && !m.p.Exited() && !m.detached {
		for _, id := range sortedTids(m.p.Threads()) {
			t.Append(glua.LNumber(id))
		}
	}
	L.Push(t)
	return 1
}

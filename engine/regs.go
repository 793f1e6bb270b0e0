package engine

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Regs is a thread's general registers as of its current stop.
type Regs struct {
	unix.PtraceRegs
}

// regDesc describes one register: its name, DWARF number (-1: none) and
// accessor. One table serves names, DWARF unwinding and the Lua binding.
type regDesc struct {
	name  string
	dwarf int
	ptr   func(r *unix.PtraceRegs) *uint64
}

var regTable = []regDesc{
	{"rax", 0, func(r *unix.PtraceRegs) *uint64 { return &r.Rax }},
	{"rdx", 1, func(r *unix.PtraceRegs) *uint64 { return &r.Rdx }},
	{"rcx", 2, func(r *unix.PtraceRegs) *uint64 { return &r.Rcx }},
	{"rbx", 3, func(r *unix.PtraceRegs) *uint64 { return &r.Rbx }},
	{"rsi", 4, func(r *unix.PtraceRegs) *uint64 { return &r.Rsi }},
	{"rdi", 5, func(r *unix.PtraceRegs) *uint64 { return &r.Rdi }},
	{"rbp", 6, func(r *unix.PtraceRegs) *uint64 { return &r.Rbp }},
	{"rsp", 7, func(r *unix.PtraceRegs) *uint64 { return &r.Rsp }},
	{"r8", 8, func(r *unix.PtraceRegs) *uint64 { return &r.R8 }},
	{"r9", 9, func(r *unix.PtraceRegs) *uint64 { return &r.R9 }},
	{"r10", 10, func(r *unix.PtraceRegs) *uint64 { return &r.R10 }},
	{"r11", 11, func(r *unix.PtraceRegs) *uint64 { return &r.R11 }},
	{"r12", 12, func(r *unix.PtraceRegs) *uint64 { return &r.R12 }},
	{"r13", 13, func(r *unix.PtraceRegs) *uint64 { return &r.R13 }},
	{"r14", 14, func(r *unix.PtraceRegs) *uint64 { return &r.R14 }},
	{"r15", 15, func(r *unix.PtraceRegs) *uint64 { return &r.R15 }},
	{"rip", 16, func(r *unix.PtraceRegs) *uint64 { return &r.Rip }},
	{"eflags", 49, func(r *unix.PtraceRegs) *uint64 { return &r.Eflags }},
	{"fs_base", 58, func(r *unix.PtraceRegs) *uint64 { return &r.Fs_base }},
	{"gs_base", 59, func(r *unix.PtraceRegs) *uint64 { return &r.Gs_base }},
	{"orig_rax", -1, func(r *unix.PtraceRegs) *uint64 { return &r.Orig_rax }},
	{"cs", 51, func(r *unix.PtraceRegs) *uint64 { return &r.Cs }},
	{"ss", 52, func(r *unix.PtraceRegs) *uint64 { return &r.Ss }},
	{"ds", 53, func(r *unix.PtraceRegs) *uint64 { return &r.Ds }},
	{"es", 50, func(r *unix.PtraceRegs) *uint64 { return &r.Es }},
	{"fs", 54, func(r *unix.PtraceRegs) *uint64 { return &r.Fs }},
	{"gs", 55, func(r *unix.PtraceRegs) *uint64 { return &r.Gs }},
}

var regIndex = func() map[string]int {
	m := make(map[string]int, len(regTable))
	for i, d := range regTable {
		m[d.name] = i
	}
	return m
}()

// RegNames lists every register name Get and Set accept, in table order.
func RegNames() []string {
	names := make([]string, len(regTable))
	for i, d := range regTable {
		names[i] = d.name
	}
	return names
}

// Get returns the named register.
func (r *Regs) Get(name string) (uint64, bool) {
	i, ok := regIndex[name]
	if !ok {
		return 0, false
	}
	return *regTable[i].ptr(&r.PtraceRegs), true
}

// DwarfReg returns the register with DWARF number n (x86-64 psABI numbering).
func (r *Regs) DwarfReg(n int) (uint64, bool) {
	if n >= 0 && n <= 16 {
		return *regTable[n].ptr(&r.PtraceRegs), true
	}
	for _, d := range regTable[17:] {
		if d.dwarf == n {
			return *d.ptr(&r.PtraceRegs), true
		}
	}
	return 0, false
}

func (r *Regs) PC() uint64 { return r.Rip }
func (r *Regs) SP() uint64 { return r.Rsp }

// Reg is DwarfReg for the debuginfo.Registers interface.
func (r *Regs) Reg(n int) (uint64, bool) { return r.DwarfReg(n) }

func (r *Regs) set(name string, v uint64) error {
	i, ok := regIndex[name]
	if !ok {
		return fmt.Errorf("unknown register %q", name)
	}
	*regTable[i].ptr(&r.PtraceRegs) = v
	return nil
}

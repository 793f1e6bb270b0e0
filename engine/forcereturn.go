package engine

// force_return: the function a thread is stopped in returns at once, its
// frame unwound by frameAt (frame.go).

import (
	"fmt"
	"math"
)

// ReturnValue is what ForceReturn makes the function return.
type ReturnValue struct {
	Int   uint64   // rax (in C, only when Float is nil)
	Float *float64 // xmm0 (low 64 bits, a double), when set
}

// goResultRegs are the integer result registers of the Go internal ABI after
// rax: ForceReturn zeroes them, so that a Go function returning (T, error)
// returns (v, nil).
var goResultRegs = []string{"rbx", "rcx", "rdi", "rsi", "r8", "r9", "r10", "r11"}

// ForceReturn makes the function t is stopped in return at once to its
// caller with v: rsp = the frame's CFA, rip = its return address, the
// callee-saved registers the prologue saved put back, rax = v.Int (Go: the
// other integer result registers zeroed), xmm0 = v.Float if set. It works at
// any pc of the function with unwind information, the breakpoint after the
// prologue included. A return trap at the return address then reports the
// return (with the forced value) as it would a normal one.
func (t *Thread) ForceReturn(v ReturnValue) error {
	p := t.p
	if p.exited {
		return ErrExited
	}
	fr, err := p.frameAt(t)
	if err != nil {
		return err // "unwind at PC (FUNC): why": the caller names the operation
	}
	r, err := t.Regs()
	if err != nil {
		return err
	}
	for reg, val := range fr.Saved {
		if reg != 7 && reg != 16 {
			*dwarfRegPtr(r, reg) = val
		}
	}
	r.Rsp = fr.CFA
	r.Rip = fr.Ret
	// With a float, C's rax is left alone: gcc's -fipa-ra lets a caller
	// keep values in the registers a local callee is known not to touch.
	if v.Float == nil || p.bin.IsGo() {
		r.Rax = v.Int
	}
	if p.bin.IsGo() {
		for _, name := range goResultRegs {
			r.set(name, 0)
		}
	}
	// orig_rax = -1: the kernel must not restart a system call at the new
	// pc (arch/x86/kernel/signal.c).
	r.Orig_rax = ^uint64(0)
	t.regsDirty = true
	t.atSite = 0
	if v.Float != nil {
		if err := t.setXMM0(math.Float64bits(*v.Float)); err != nil {
			return fmt.Errorf("force_return: %w", err)
		}
	}
	return nil
}

func dwarfRegPtr(r *Regs, n int) *uint64 {
	for _, d := range regTable {
		if d.dwarf == n {
			return d.ptr(&r.PtraceRegs)
		}
	}
	var sink uint64
	return &sink
}

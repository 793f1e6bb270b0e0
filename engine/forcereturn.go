package engine

// force_return, and the one-frame unwinding that it, return events, Finish
// and Next share: debuginfo.CallerOf, the step bt()'s unwinder
// (debuginfo.UnwindAcross) takes, over the call frame information of
// whichever mapped object holds the pc (the program, libc, libpython...),
// wherever in the prologue the pc is.

import (
	"fmt"
	"math"

	"github.com/godbg/godbg/engine/debuginfo"
	"github.com/godbg/godbg/engine/internal/ptrace"
)

// infoAt is the debug information (CFI, symbols) of the object whose code
// holds the runtime address pc: the program's, else the library's; nil
// where no mapped object has code (CallerOf then refuses).
func (p *Process) infoAt(pc uint64) *debuginfo.Info {
	if d, _ := p.DebugInfo(); d != nil && d.InText(pc) {
		return d
	}
	if o := p.ObjectAt(Addr(pc)); o != nil && !o.Main {
		return p.objectDebugInfo(o)
	}
	return nil
}

// frameAt unwinds t's innermost frame: its CFA, return address and the
// caller's registers it saved. It fails, changing nothing, unless the
// unwinder trusts the frame and the return address lies in code.
func (p *Process) frameAt(t *Thread) (debuginfo.Caller, error) {
	fr, err := t.frameRegs()
	if err != nil {
		return debuginfo.Caller{}, err
	}
	return debuginfo.CallerOf(memory{p}, fr, p.infoAt)
}

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

// setXMM0 writes the low 64 bits of xmm0 (its high half becomes 0).
func (t *Thread) setXMM0(bits uint64) error {
	f, err := t.fpRegs()
	if err != nil {
		return err
	}
	f.SetXMM(0, bits)
	if err := ptrace.SetFPRegs(t.tid, f); err != nil {
		return fmt.Errorf("write fp registers of thread %d: %w", t.tid, err)
	}
	return nil
}

// XMM0 reads the low 64 bits of xmm0: a float result (C's double, Go's
// first float64).
func (t *Thread) XMM0() (uint64, error) {
	f, err := t.fpRegs()
	if err != nil {
		return 0, err
	}
	return f.XMM(0), nil
}

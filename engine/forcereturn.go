package engine

// force_return, and the one-frame unwinding that it, return events and
// Finish share: the canonical frame address (CFA), the return address and
// the callee-saved registers the function has saved so far, read from the
// call frame information (.debug_frame, .eh_frame; DWARF 5, 6.4) at the pc,
// wherever in the prologue the pc is.

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"

	"github.com/go-delve/delve/pkg/dwarf/frame"
	"golang.org/x/sys/unix"
)

// callFrame is the innermost frame of a thread, unwound once.
type callFrame struct {
	cfa, ret uint64
	// saved are the caller's values of the registers the function has
	// saved (DWARF numbers: 3 rbx, 6 rbp, 12-15 r12-r15).
	saved map[int]uint64
}

// frameRule is the unwind rule at one pc: CFA = reg + off, and where the
// return address and the saved registers are (offsets from the CFA).
type frameRule struct {
	ok      bool
	cfaReg  int
	cfaOff  int64
	retOff  int64
	savedAt map[int]int64
}

// frameCache keeps the rule of each pc met; the entries come from
// debuginfo, which parses the call frame information once for the unwinder
// and for this.
type frameCache struct {
	rules map[Addr]frameRule // by file address
}

// ruleAt returns the unwind rule at the file address pc (cached: the rules
// of a pc never change).
func (p *Process) ruleAt(pc Addr) frameRule {
	fc := &p.returns().frames
	if r, ok := fc.rules[pc]; ok {
		return r
	}
	if fc.rules == nil {
		fc.rules = map[Addr]frameRule{}
	}
	r := frameRule{}
	if fde, err := p.frameEntries().FDEForPC(uint64(pc)); err == nil {
		if ctx, err := establishFrame(fde, uint64(pc)); err == nil && ctx.CFA.Rule == frame.RuleCFA {
			r = frameRule{ok: true, cfaReg: int(ctx.CFA.Reg), cfaOff: ctx.CFA.Offset, retOff: -8, savedAt: map[int]int64{}}
			for reg, rule := range ctx.Regs {
				if rule.Rule != frame.RuleOffset {
					continue
				}
				if reg == ctx.RetAddrReg {
					r.retOff = rule.Offset
				} else if reg < 16 {
					r.savedAt[int(reg)] = rule.Offset
				}
			}
		}
	}
	fc.rules[pc] = r
	return r
}

// frameEntries is the program's call frame information; a damaged section
// gives none, and the frame pointers serve instead.
func (p *Process) frameEntries() frame.FrameDescriptionEntries {
	d, err := p.DebugInfo()
	if err != nil {
		return nil
	}
	fdes, _ := d.FrameEntries()
	return fdes
}

func establishFrame(fde *frame.FrameDescriptionEntry, pc uint64) (ctx *frame.FrameContext, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("CFI at %#x: %v", pc, r)
		}
	}()
	return fde.EstablishFrame(pc)
}

// frameAt unwinds t's innermost frame.
func (p *Process) frameAt(t *Thread) (callFrame, error) {
	r, err := t.Regs()
	if err != nil {
		return callFrame{}, err
	}
	pc := p.RealPC(Addr(r.Rip))
	fr := callFrame{saved: map[int]uint64{}}
	rule := p.ruleAt(pc - p.bias)
	if rule.ok {
		base, ok := r.DwarfReg(rule.cfaReg)
		if !ok {
			return callFrame{}, fmt.Errorf("unwind at %#x: CFA register %d unknown", uint64(pc), rule.cfaReg)
		}
		fr.cfa = uint64(int64(base) + rule.cfaOff)
		for reg, off := range rule.savedAt {
			v, err := p.readU64(Addr(int64(fr.cfa) + off))
			if err != nil {
				return callFrame{}, fmt.Errorf("unwind at %#x: saved register %d: %w", uint64(pc), reg, err)
			}
			fr.saved[reg] = v
		}
		// Go's CFI describes no rbp; every Go frame that is more than its
		// return address saved the caller's rbp just below it (push rbp;
		// mov rbp, rsp: the Go internal ABI's frame layout).
		if _, ok := rule.savedAt[6]; !ok && p.bin.IsGo() && fr.cfa > r.Rsp+8 {
			if v, err := p.readU64(Addr(fr.cfa - 16)); err == nil {
				fr.saved[6] = v
			}
		}
		ret, err := p.readU64(Addr(int64(fr.cfa) + rule.retOff))
		if err != nil {
			return callFrame{}, fmt.Errorf("unwind at %#x: return address: %w", uint64(pc), err)
		}
		fr.ret = ret
		return fr, nil
	}
	// No CFI: the frame pointer chain (System V psABI 3.2.2).
	var start Addr
	if s, ok := p.bin.FuncAt(pc - p.bias); ok {
		start = s.Addr + p.bias
	}
	var b [1]byte
	switch {
	case pc == start:
		fr.cfa = r.Rsp + 8
	case pc == start+1 && p.ReadOriginal(start, b[:]) == nil && b[0] == 0x55: // push rbp
		fr.cfa = r.Rsp + 16
		v, err := p.readU64(Addr(r.Rsp))
		if err != nil {
			return callFrame{}, err
		}
		fr.saved[6] = v
	default:
		if r.Rbp < r.Rsp {
			return callFrame{}, fmt.Errorf("unwind at %#x: no call frame information and no frame pointer", uint64(pc))
		}
		fr.cfa = r.Rbp + 16
		v, err := p.readU64(Addr(r.Rbp))
		if err != nil {
			return callFrame{}, err
		}
		fr.saved[6] = v
	}
	ret, err := p.readU64(Addr(fr.cfa - 8))
	if err != nil {
		return callFrame{}, fmt.Errorf("unwind at %#x: return address: %w", uint64(pc), err)
	}
	fr.ret = ret
	return fr, nil
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
		return fmt.Errorf("force_return: %w", err)
	}
	r, err := t.Regs()
	if err != nil {
		return err
	}
	for reg, val := range fr.saved {
		if reg != 7 && reg != 16 {
			*dwarfRegPtr(r, reg) = val
		}
	}
	r.Rsp = fr.cfa
	r.Rip = fr.ret
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

// fpregsXMM0 is the offset of xmm0 in struct user_fpregs_struct (the
// FXSAVE area, Intel SDM vol. 1, 10.5.1).
const fpregsXMM0 = 160

// setXMM0 writes the low 64 bits of xmm0 (PTRACE_GETFPREGS/SETFPREGS,
// ptrace(2)).
func (t *Thread) setXMM0(bits uint64) error {
	var area [512]byte
	if _, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GETFPREGS, uintptr(t.tid), 0, uintptr(unsafe.Pointer(&area[0])), 0, 0); e != 0 {
		return fmt.Errorf("read fp registers of thread %d: %w", t.tid, e)
	}
	binary.LittleEndian.PutUint64(area[fpregsXMM0:], bits)
	binary.LittleEndian.PutUint64(area[fpregsXMM0+8:], 0)
	if _, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SETFPREGS, uintptr(t.tid), 0, uintptr(unsafe.Pointer(&area[0])), 0, 0); e != 0 {
		return fmt.Errorf("write fp registers of thread %d: %w", t.tid, e)
	}
	return nil
}

// XMM0 reads the low 64 bits of xmm0: a float result (C's double, Go's
// first float64).
func (t *Thread) XMM0() (uint64, error) {
	var area [512]byte
	if _, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GETFPREGS, uintptr(t.tid), 0, uintptr(unsafe.Pointer(&area[0])), 0, 0); e != 0 {
		return 0, fmt.Errorf("read fp registers of thread %d: %w", t.tid, e)
	}
	return binary.LittleEndian.Uint64(area[fpregsXMM0:]), nil
}

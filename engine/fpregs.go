package engine

// The SSE registers, from the FXSAVE area (struct user_fpregs_struct, Intel
// SDM vol. 1, 10.5.1) the backend reads and writes (ptrace.GetFPRegs,
// SetFPRegs: the one PTRACE_GETFPREGS reader): float results (rets.go) and
// force_return's float (forcereturn.go).

import (
	"fmt"

	"github.com/godbg/godbg/engine/internal/ptrace"
)

// fpregs reads t's FXSAVE area.
func (t *Thread) fpregs() (*ptrace.FPRegs, error) {
	var area ptrace.FPRegs
	if err := ptrace.GetFPRegs(t.tid, &area); err != nil {
		return nil, fmt.Errorf("read fp registers of thread %d: %w", t.tid, err)
	}
	return &area, nil
}

// setFpregs writes t's FXSAVE area.
func (t *Thread) setFpregs(area *ptrace.FPRegs) error {
	if err := ptrace.SetFPRegs(t.tid, area); err != nil {
		return fmt.Errorf("write fp registers of thread %d: %w", t.tid, err)
	}
	return nil
}

// xmmRegs reads the low 64 bits of xmm0-xmm15.
func (t *Thread) xmmRegs() ([16]uint64, error) {
	var out [16]uint64
	area, err := t.fpregs()
	if err != nil {
		return out, err
	}
	for k := range out {
		out[k] = area.XMM(k)
	}
	return out, nil
}

// XMM0 reads the low 64 bits of xmm0: a float result (C's double, Go's
// first float64).
func (t *Thread) XMM0() (uint64, error) {
	area, err := t.fpregs()
	if err != nil {
		return 0, err
	}
	return area.XMM(0), nil
}

// setXMM0 writes the low 64 bits of xmm0 and zeroes its high ones.
func (t *Thread) setXMM0(bits uint64) error {
	area, err := t.fpregs()
	if err != nil {
		return err
	}
	area.SetXMM(0, bits)
	return t.setFpregs(area)
}

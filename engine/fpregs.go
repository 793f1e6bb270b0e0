package engine

// The SSE registers, from the FXSAVE area PTRACE_GETFPREGS reads (struct
// user_fpregs_struct, Intel SDM vol. 1, 10.5.1): float results (rets.go)
// and force_return's float (forcereturn.go). One reader and one writer of
// the area.

import (
	"encoding/binary"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// fpregsXMM0 is the offset of xmm0 in the FXSAVE area; xmm1-xmm15 follow,
// 16 bytes each.
const fpregsXMM0 = 160

// fpregsArea is struct user_fpregs_struct.
type fpregsArea [512]byte

// fpregs reads t's FXSAVE area (PTRACE_GETFPREGS, ptrace(2)).
func (t *Thread) fpregs() (*fpregsArea, error) {
	var area fpregsArea
	if _, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GETFPREGS, uintptr(t.tid), 0, uintptr(unsafe.Pointer(&area[0])), 0, 0); e != 0 {
		return nil, fmt.Errorf("read fp registers of thread %d: %w", t.tid, e)
	}
	return &area, nil
}

// setFpregs writes t's FXSAVE area (PTRACE_SETFPREGS).
func (t *Thread) setFpregs(area *fpregsArea) error {
	if _, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SETFPREGS, uintptr(t.tid), 0, uintptr(unsafe.Pointer(&area[0])), 0, 0); e != 0 {
		return fmt.Errorf("write fp registers of thread %d: %w", t.tid, e)
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
		out[k] = binary.LittleEndian.Uint64(area[fpregsXMM0+16*k:])
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
	return binary.LittleEndian.Uint64(area[fpregsXMM0:]), nil
}

// setXMM0 writes the low 64 bits of xmm0 and zeroes its high ones.
func (t *Thread) setXMM0(bits uint64) error {
	area, err := t.fpregs()
	if err != nil {
		return err
	}
	binary.LittleEndian.PutUint64(area[fpregsXMM0:], bits)
	binary.LittleEndian.PutUint64(area[fpregsXMM0+8:], 0)
	return t.setFpregs(area)
}

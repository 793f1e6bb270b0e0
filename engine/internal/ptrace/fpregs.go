package ptrace

import (
	"encoding/binary"
	"unsafe"

	"golang.org/x/sys/unix"
)

// FPRegs is struct user_fpregs_struct: the FXSAVE area (Intel SDM vol. 1,
// 10.5.1).
type FPRegs [512]byte

// xmm0 is the offset of xmm0 in the FXSAVE area; each xmm register takes 16
// bytes.
const xmm0 = 160

// XMM returns the low 64 bits of xmm n (0-15).
func (f *FPRegs) XMM(n int) uint64 { return binary.LittleEndian.Uint64(f[xmm0+16*n:]) }

// SetXMM sets xmm n to bits, its high 64 bits to 0.
func (f *FPRegs) SetXMM(n int, bits uint64) {
	binary.LittleEndian.PutUint64(f[xmm0+16*n:], bits)
	binary.LittleEndian.PutUint64(f[xmm0+16*n+8:], 0)
}

// GetFPRegs reads tid's FXSAVE area (PTRACE_GETFPREGS).
func GetFPRegs(tid int, f *FPRegs) error {
	checkThread()
	if _, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GETFPREGS, uintptr(tid), 0, uintptr(unsafe.Pointer(f)), 0, 0); e != 0 {
		return e
	}
	return nil
}

// SetFPRegs writes tid's FXSAVE area (PTRACE_SETFPREGS).
func SetFPRegs(tid int, f *FPRegs) error {
	checkThread()
	if _, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SETFPREGS, uintptr(tid), 0, uintptr(unsafe.Pointer(f)), 0, 0); e != 0 {
		return e
	}
	return nil
}

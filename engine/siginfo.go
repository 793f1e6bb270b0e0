package engine

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// siginfoAddr is si_addr: for SIGSEGV, SIGBUS, SIGILL, SIGFPE the faulting
// address (sigaction(2)); it sits after si_signo, si_errno, si_code and
// padding, at offset 16 on x86-64.
func siginfoAddr(si *unix.Siginfo) uint64 {
	b := (*[32]byte)(unsafe.Pointer(si))
	return le64(b[16:24])
}

// siginfoSender is si_pid and si_uid of a signal a process sent (kill,
// tkill, sigqueue: si_code <= 0): right after si_code and its padding, at
// offsets 16 and 20 (sigaction(2), the kernel's union __sifields).
func siginfoSender(si *unix.Siginfo) (pid, uid int) {
	b := (*[32]byte)(unsafe.Pointer(si))
	return int(int32(le32(b[16:20]))), int(le32(b[20:24]))
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

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

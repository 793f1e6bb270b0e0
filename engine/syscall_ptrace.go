package engine

// ptrace(2) requests for system call stops. Like every ptrace call they run
// on the tracer thread (see doc.go).

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ptraceSyscall resumes tid until its next system call entry or exit.
func ptraceSyscall(tid int, sig syscall.Signal) error {
	return unix.PtraceSyscall(tid, int(sig))
}

// The op values of struct ptrace_syscall_info (linux/ptrace.h).
const (
	syscallInfoNone    = 0
	syscallInfoEntry   = 1
	syscallInfoExit    = 2
	syscallInfoSeccomp = 3
)

// syscallInfo is struct ptrace_syscall_info (linux/ptrace.h, Linux 5.3).
// For an exit stop the union holds rval in Nr and is_error in the low byte
// of Args[0]; for a seccomp stop, ret_data follows the arguments.
type syscallInfo struct {
	Op      uint8
	_       [3]uint8
	Arch    uint32
	IP      uint64
	SP      uint64
	Nr      uint64
	Args    [6]uint64
	RetData uint32
	_       uint32
}

// ptraceSyscallInfo reads what the syscall stop of tid is (PTRACE_GET_SYSCALL_INFO).
func ptraceSyscallInfo(tid int) (*syscallInfo, error) {
	var si syscallInfo
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_GET_SYSCALL_INFO, uintptr(tid),
		unsafe.Sizeof(si), uintptr(unsafe.Pointer(&si)), 0, 0)
	if e != 0 {
		return nil, e
	}
	return &si, nil
}

package ptrace

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The op values of struct ptrace_syscall_info (linux/ptrace.h).
const (
	SyscallInfoNone    = 0
	SyscallInfoEntry   = 1
	SyscallInfoExit    = 2
	SyscallInfoSeccomp = 3
)

// SyscallInfo is struct ptrace_syscall_info (linux/ptrace.h, Linux 5.3).
// For an exit stop the union holds rval in Nr and is_error in the low byte
// of Args[0]; for a seccomp stop, ret_data follows the arguments.
type SyscallInfo struct {
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

// GetSyscallInfo reads what the syscall stop of tid is (PTRACE_GET_SYSCALL_INFO).
func GetSyscallInfo(tid int) (*SyscallInfo, error) {
	checkThread()
	var si SyscallInfo
	if _, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_GET_SYSCALL_INFO, uintptr(tid),
		unsafe.Sizeof(si), uintptr(unsafe.Pointer(&si)), 0, 0); e != 0 {
		return nil, e
	}
	return &si, nil
}

package engine

// System call stops as the backend reads them (engine/internal/ptrace).

import "github.com/godbg/godbg/engine/internal/ptrace"

// The op values of struct ptrace_syscall_info.
const (
	syscallInfoNone    = ptrace.SyscallInfoNone
	syscallInfoEntry   = ptrace.SyscallInfoEntry
	syscallInfoExit    = ptrace.SyscallInfoExit
	syscallInfoSeccomp = ptrace.SyscallInfoSeccomp
)

// syscallInfo is struct ptrace_syscall_info.
type syscallInfo = ptrace.SyscallInfo

// ptraceSyscallInfo reads what the syscall stop of tid is.
func ptraceSyscallInfo(tid int) (*syscallInfo, error) { return ptrace.GetSyscallInfo(tid) }

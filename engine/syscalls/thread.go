package syscalls

import "time"

// AuditArchI386 is AUDIT_ARCH_I386 (linux/audit.h), the arch
// PTRACE_GET_SYSCALL_INFO reports for an int 0x80 call.
const AuditArchI386 = 0x40000003

// IsCompat tells whether a PTRACE_GET_SYSCALL_INFO arch is the i386 ABI.
func IsCompat(arch uint32) bool { return arch == AuditArchI386 }

// NameOf is the name of call nr of its ABI, "" when the table has none.
func NameOf(nr int, compat bool) string {
	if compat {
		return Name32(nr)
	}
	return Name(nr)
}

// Thread is where a thread is in a system call; the zero value is outside
// any.
type Thread struct {
	AtEntry bool // stopped at an entry stop now (SkipSyscall is allowed)
	InCall  bool // an entry was seen and its exit not yet
	Nr      int
	Args    [6]uint64
	Compat  bool  // an i386 call (int 0x80)
	Skip    bool  // SkipSyscall: rax must read Ret at the exit
	Ret     int64 // Skip: the result
	Entered time.Time
	// WantExit: resume with PTRACE_SYSCALL (seccomp mode: the exit stop
	// of a call that was reported at its seccomp stop).
	WantExit bool
	// SoftRetry: the call is made again after an EFAULT from a software
	// watchpoint's page (the engine's softSyscallExit); its second entry
	// is silent.
	SoftRetry bool
}

// ExitNr is the number and result an exit stop reports, from its
// orig_rax and rax. orig_rax names the call (execve(2) may have replaced
// the thread that entered), except when it is -1: a skipped call, or
// rt_sigreturn(2), which restores orig_rax = -1 from the signal frame
// (arch/x86/kernel/signal.c) so that nothing is restarted; then the
// entry's number is the one. A skipped call reports the entry's number
// and the result it was given.
func (ts *Thread) ExitNr(origRax uint64, ret int64) (int, int64) {
	nr := int(int64(origRax))
	if nr < 0 && ts.InCall {
		nr = ts.Nr
	}
	if ts.Skip {
		nr, ret = ts.Nr, ts.Ret
	}
	return nr, ret
}

// Entry tells whether the exit of call nr (of its ABI) closes the entry ts
// recorded: its arguments and entry time are then known.
func (ts *Thread) Entry(nr int, compat bool) bool {
	return ts.InCall && ts.Nr == nr && ts.Compat == compat
}

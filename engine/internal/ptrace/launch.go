package ptrace

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// addrNoRandomize is ADDR_NO_RANDOMIZE from personality(2).
const addrNoRandomize = 0x0040000

// Start runs the program at path (argv[0] names it in errors) under ptrace:
// the child calls PTRACE_TRACEME before exec, and the exec stops it with
// SIGTRAP (ptrace(2), "execve(2) under ptrace") before its first
// instruction. The calling thread becomes the tracer (Bind). ASLR is off
// for the child unless keepASLR. It returns once the child is stopped.
func Start(path string, argv []string, attr *syscall.ProcAttr, keepASLR bool) (int, error) {
	if attr.Sys == nil {
		attr.Sys = &syscall.SysProcAttr{}
	}
	attr.Sys.Ptrace = true
	// personality is per task and inherited over fork: set it on this
	// (locked) thread around the fork only, as gdb and Delve do. A kernel
	// that refuses personality(2) leaves ASLR on.
	if !keepASLR {
		old, _, e := unix.RawSyscall(unix.SYS_PERSONALITY, 0xffffffff, 0, 0)
		if e == 0 {
			unix.RawSyscall(unix.SYS_PERSONALITY, old|addrNoRandomize, 0, 0)
			defer unix.RawSyscall(unix.SYS_PERSONALITY, old, 0, 0)
		}
	}
	Bind()
	pid, err := syscall.ForkExec(path, argv, attr)
	if err != nil {
		return 0, fmt.Errorf("start %s: %w", argv[0], err)
	}
	_, ws, err := Wait4(pid, false)
	if err != nil {
		return 0, err
	}
	if !ws.Stopped() {
		return 0, fmt.Errorf("start %s: the program ended before its first instruction (%v)", argv[0], ws)
	}
	return pid, nil
}

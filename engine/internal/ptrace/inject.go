package ptrace

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// InjectSyscall makes the stopped thread tid execute the `syscall`
// instruction at at with number nr and args, and puts its registers back:
// saved, with rax of the call tid was stopped in when that call's trap came
// first. step runs one instruction of tid and waits for it (the engine's,
// which keeps a signal that arrives meanwhile). It returns the call's
// result and the registers tid now has.
//
// orig_rax is -1 in the injected set: no system call is being restarted
// (else the kernel would rewind rip on resume; arch/x86/kernel/signal.c).
func InjectSyscall(tid int, saved unix.PtraceRegs, at, nr uint64, args []uint64, step func() error) (uint64, unix.PtraceRegs, error) {
	call := saved
	call.Rip = at
	call.Rax = nr
	dst := []*uint64{&call.Rdi, &call.Rsi, &call.Rdx, &call.R10, &call.R8, &call.R9}
	for i, a := range args {
		*dst[i] = a
	}
	call.Orig_rax = ^uint64(0)
	var after unix.PtraceRegs
	for try := 0; ; try++ {
		if err := SetRegs(tid, &call); err != nil {
			return 0, saved, fmt.Errorf("inject syscall %d: %w", nr, err)
		}
		if err := step(); err != nil {
			return 0, saved, err
		}
		if err := GetRegs(tid, &after); err != nil {
			return 0, saved, err
		}
		if after.Rip == at+2 {
			break
		}
		// The trap of the call tid was stopped in, before the injected
		// instruction ran: rax holds that call's result, which is tid's to
		// keep; the injected registers are set again.
		if after.Rip != at || try == 2 {
			return 0, saved, fmt.Errorf("inject syscall %d: thread %d stopped at %#x, not after the instruction at %#x", nr, tid, after.Rip, at)
		}
		saved.Rax = after.Rax
	}
	if err := SetRegs(tid, &saved); err != nil {
		return 0, saved, err
	}
	return after.Rax, saved, nil
}

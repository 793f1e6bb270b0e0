package engine

// Thin wrappers over ptrace(2) and wait4(2). Every call here must run on the
// OS thread that launched or attached the tracee (see doc.go).

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

const ptraceOptions = unix.PTRACE_O_TRACECLONE | unix.PTRACE_O_TRACEEXEC | unix.PTRACE_O_TRACEFORK |
	unix.PTRACE_O_TRACEVFORK | unix.PTRACE_O_TRACESYSGOOD | unix.PTRACE_O_EXITKILL

// ptraceCont resumes tid, delivering sig (0 for none).
//
// The requests made on every hit (CONT, GETREGS, SETREGS) are raw system
// calls: they never block (the tracee is stopped), so the runtime's
// entersyscall/exitsyscall bookkeeping that unix.Ptrace* pay is not needed.
func ptraceCont(tid int, sig syscall.Signal) error {
	return ptraceRaw(unix.PTRACE_CONT, tid, 0, uintptr(sig))
}

func ptraceRaw(req, tid int, addr, data uintptr) error {
	if _, _, e := unix.RawSyscall6(unix.SYS_PTRACE, uintptr(req), uintptr(tid), addr, data, 0, 0); e != 0 {
		return e
	}
	return nil
}

func ptraceStep(tid int, sig syscall.Signal) error {
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_SINGLESTEP, uintptr(tid), 0, uintptr(sig), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

func ptraceGetRegs(tid int, r *unix.PtraceRegs) error {
	return ptraceRaw(unix.PTRACE_GETREGS, tid, 0, uintptrOf(r))
}

func ptraceSetRegs(tid int, r *unix.PtraceRegs) error {
	return ptraceRaw(unix.PTRACE_SETREGS, tid, 0, uintptrOf(r))
}

func ptraceEventMsg(tid int) (uint, error) { return unix.PtraceGetEventMsg(tid) }

func ptraceSigInfo(tid int) (*unix.Siginfo, error) {
	var si unix.Siginfo
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_GETSIGINFO, uintptr(tid), 0, uintptrOf(&si), 0, 0)
	if e != 0 {
		return nil, e
	}
	return &si, nil
}

// ptracePokeUser writes one word of the USER area (debug registers).
func ptracePokeUser(tid int, off uintptr, v uint64) error {
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_POKEUSR, uintptr(tid), off, uintptr(v), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

func ptracePeekUser(tid int, off uintptr) (uint64, error) {
	var v uint64
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_PEEKUSR, uintptr(tid), off, uintptrOf(&v), 0, 0)
	if e != 0 {
		return 0, e
	}
	return v, nil
}

// waitStatus is one wait4 result.
type waitStatus struct {
	tid    int
	status unix.WaitStatus
	// watch, when not 0, makes this a stop the engine made up: the
	// watchpoints (DR6's B0-B3) that fired during a step-over of tid
	// (resume), reported through Continue like a watch trap. status then
	// reads as a SIGTRAP stop.
	watch uint64
}

// watchStopStatus is the status of a made-up watch stop: stopped by SIGTRAP
// (wait(2): 0x7f in the low byte, the signal in the next).
const watchStopStatus = unix.WaitStatus(uint32(unix.SIGTRAP)<<8 | 0x7f)

// wait4 waits for pid (-1: any tracee), with __WALL so that clone children
// (threads) are reported too (wait(2)).
func wait4(pid int, nohang bool) (waitStatus, error) {
	var ws unix.WaitStatus
	opts := unix.WALL
	if nohang {
		opts |= unix.WNOHANG
	}
	for {
		tid, err := unix.Wait4(pid, &ws, opts, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return waitStatus{}, fmt.Errorf("wait4(%d): %w", pid, err)
		}
		return waitStatus{tid: tid, status: ws}, nil
	}
}

func tgkill(pid, tid int, sig syscall.Signal) error {
	return unix.Tgkill(pid, tid, sig)
}

package engine

// Thin wrappers over ptrace(2) and wait4(2). Every call here must run on the
// OS thread that launched or attached the tracee (see doc.go).

import (
	"fmt"
	"syscall"
	"unsafe"

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

// The pointer arguments below are converted to uintptr in the system
// call's own argument list, as unsafe.Pointer's rule 4 requires: a
// conversion done earlier (in a helper) leaves a stack object free to move
// when the goroutine's stack grows before the call, and the kernel then
// writes into the old stack (seen: PTRACE_GETSIGINFO filled with stale text).

func ptraceGetRegs(tid int, r *unix.PtraceRegs) error {
	if _, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_GETREGS, uintptr(tid), 0, uintptr(unsafe.Pointer(r)), 0, 0); e != 0 {
		return e
	}
	return nil
}

func ptraceSetRegs(tid int, r *unix.PtraceRegs) error {
	if _, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_SETREGS, uintptr(tid), 0, uintptr(unsafe.Pointer(r)), 0, 0); e != 0 {
		return e
	}
	return nil
}

func ptraceEventMsg(tid int) (uint, error) { return unix.PtraceGetEventMsg(tid) }

func ptraceSigInfo(tid int) (*unix.Siginfo, error) {
	var si unix.Siginfo
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_GETSIGINFO, uintptr(tid), 0, uintptr(unsafe.Pointer(&si)), 0, 0)
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
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_PEEKUSR, uintptr(tid), off, uintptr(unsafe.Pointer(&v)), 0, 0)
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

// ptracePeekWord reads the 8 bytes at addr into the start of buf
// (PTRACE_PEEKDATA: the raw system call stores the word at data).
func ptracePeekWord(tid int, addr Addr, buf *[maxInstLen]byte) error {
	if _, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_PEEKDATA, uintptr(tid), uintptr(addr), uintptr(unsafe.Pointer(buf)), 0, 0); e != 0 {
		return e
	}
	return nil
}

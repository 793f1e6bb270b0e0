package ptrace

// The ptrace(2) requests. The ones made on every breakpoint hit (CONT,
// GETREGS, SETREGS, POKEUSER) are raw system calls: they never block (the
// tracee is stopped), so the runtime's entersyscall/exitsyscall bookkeeping
// that unix.Ptrace* pay is not needed.
//
// The pointer arguments are converted to uintptr in the system call's own
// argument list, as unsafe.Pointer's rule 4 requires: a conversion done
// earlier (in a helper) leaves a stack object free to move when the
// goroutine's stack grows before the call, and the kernel then writes into
// the old stack (seen: PTRACE_GETSIGINFO filled with stale text).

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Options are the options every tracee gets: threads, exec, fork and vfork
// children traced, syscall stops marked (SIGTRAP|0x80), the tracee killed
// when the tracer dies.
const Options = unix.PTRACE_O_TRACECLONE | unix.PTRACE_O_TRACEEXEC | unix.PTRACE_O_TRACEFORK |
	unix.PTRACE_O_TRACEVFORK | unix.PTRACE_O_TRACESYSGOOD | unix.PTRACE_O_EXITKILL

func raw(req, tid int, addr, data uintptr) error {
	checkThread()
	if _, _, e := unix.RawSyscall6(unix.SYS_PTRACE, uintptr(req), uintptr(tid), addr, data, 0, 0); e != 0 {
		return e
	}
	return nil
}

// Mode is how Resume lets a thread run.
type Mode int

const (
	Cont    Mode = iota // until its next signal or event (PTRACE_CONT)
	Syscall             // also until its next system call entry or exit (PTRACE_SYSCALL)
	Step                // one instruction (PTRACE_SINGLESTEP)
)

var modeReq = [...]int{Cont: unix.PTRACE_CONT, Syscall: unix.PTRACE_SYSCALL, Step: unix.PTRACE_SINGLESTEP}

// Resume lets tid run in mode m, delivering sig (0 for none).
func Resume(tid int, m Mode, sig syscall.Signal) error {
	return raw(modeReq[m], tid, 0, uintptr(sig))
}

// GetRegs reads tid's general registers.
func GetRegs(tid int, r *unix.PtraceRegs) error {
	checkThread()
	if _, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_GETREGS, uintptr(tid), 0, uintptr(unsafe.Pointer(r)), 0, 0); e != 0 {
		return e
	}
	return nil
}

// SetRegs writes tid's general registers.
func SetRegs(tid int, r *unix.PtraceRegs) error {
	checkThread()
	if _, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_SETREGS, uintptr(tid), 0, uintptr(unsafe.Pointer(r)), 0, 0); e != 0 {
		return e
	}
	return nil
}

// RipOffset is rip's place in the USER area (struct user_regs_struct,
// sys/user.h), for PokeUser.
const RipOffset = 16 * 8

// PokeUser writes one word of the USER area (rip alone, debug registers).
func PokeUser(tid int, off uintptr, v uint64) error {
	return raw(unix.PTRACE_POKEUSR, tid, off, uintptr(v))
}

// PeekUser reads one word of the USER area.
func PeekUser(tid int, off uintptr) (uint64, error) {
	checkThread()
	var v uint64
	if _, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_PEEKUSR, uintptr(tid), off, uintptr(unsafe.Pointer(&v)), 0, 0); e != 0 {
		return 0, e
	}
	return v, nil
}

// PeekWord reads the 8 bytes at addr into the start of buf (PTRACE_PEEKDATA:
// the raw system call stores the word at data).
func PeekWord(tid int, addr uint64, buf *[8]byte) error {
	checkThread()
	if _, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_PEEKDATA, uintptr(tid), uintptr(addr), uintptr(unsafe.Pointer(buf)), 0, 0); e != 0 {
		return e
	}
	return nil
}

// EventMsg is the message of tid's ptrace event stop (a new thread's tid,
// an exit status).
func EventMsg(tid int) (uint, error) {
	checkThread()
	return unix.PtraceGetEventMsg(tid)
}

// SigInfo reads the siginfo of tid's signal stop.
func SigInfo(tid int) (*unix.Siginfo, error) {
	checkThread()
	var si unix.Siginfo
	if _, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_GETSIGINFO, uintptr(tid), 0, uintptr(unsafe.Pointer(&si)), 0, 0); e != 0 {
		return nil, e
	}
	return &si, nil
}

// SetSigInfo sets the siginfo of tid's signal stop: the signal it is
// resumed with, when that is si's, is delivered with it.
func SetSigInfo(tid int, si *unix.Siginfo) error {
	checkThread()
	if _, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_SETSIGINFO, uintptr(tid), 0, uintptr(unsafe.Pointer(si)), 0, 0); e != 0 {
		return e
	}
	return nil
}

// Seize attaches tid with opts given at once: the thread keeps running, and
// PTRACE_SETOPTIONS would need it stopped (x/sys/unix's PtraceSeize passes
// no options).
func Seize(tid int, opts int) error { return raw(unix.PTRACE_SEIZE, tid, 0, uintptr(opts)) }

// Interrupt stops a seized thread (PTRACE_INTERRUPT).
func Interrupt(tid int) error { return raw(unix.PTRACE_INTERRUPT, tid, 0, 0) }

// SetOptions sets the ptrace options of a stopped tid.
func SetOptions(tid int, opts int) error { return raw(unix.PTRACE_SETOPTIONS, tid, 0, uintptr(opts)) }

// Detach lets tid go, delivering sig (0 for none).
func Detach(tid int, sig syscall.Signal) error { return raw(unix.PTRACE_DETACH, tid, 0, uintptr(sig)) }

// Tgkill sends sig to thread tid of thread group pid (tgkill(2)).
func Tgkill(pid, tid int, sig syscall.Signal) error {
	return unix.Tgkill(pid, tid, sig)
}

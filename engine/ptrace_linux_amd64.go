package engine

// The engine's names for the backend's requests (engine/internal/ptrace),
// and the wait status the engine passes around. Every call here must run on
// the OS thread that launched or attached the tracee (see doc.go); the
// backend checks it.

import (
	"syscall"

	"github.com/godbg/godbg/engine/internal/ptrace"
	"golang.org/x/sys/unix"
)

const ptraceOptions = ptrace.Options

// ptraceCont resumes tid, delivering sig (0 for none).
func ptraceCont(tid int, sig syscall.Signal) error { return ptrace.Resume(tid, ptrace.Cont, sig) }

func ptraceStep(tid int, sig syscall.Signal) error { return ptrace.Resume(tid, ptrace.Step, sig) }

// ptraceSyscall resumes tid until its next system call entry or exit.
func ptraceSyscall(tid int, sig syscall.Signal) error {
	return ptrace.Resume(tid, ptrace.Syscall, sig)
}

func ptraceGetRegs(tid int, r *unix.PtraceRegs) error { return ptrace.GetRegs(tid, r) }
func ptraceSetRegs(tid int, r *unix.PtraceRegs) error { return ptrace.SetRegs(tid, r) }
func ptraceEventMsg(tid int) (uint, error)            { return ptrace.EventMsg(tid) }
func ptraceSigInfo(tid int) (*unix.Siginfo, error)    { return ptrace.SigInfo(tid) }

// ptracePokeUser writes one word of the USER area (debug registers).
func ptracePokeUser(tid int, off uintptr, v uint64) error { return ptrace.PokeUser(tid, off, v) }

func ptracePeekUser(tid int, off uintptr) (uint64, error) { return ptrace.PeekUser(tid, off) }

// ptracePeekWord reads the 8 bytes at addr into the start of buf.
func ptracePeekWord(tid int, addr Addr, buf *[maxInstLen]byte) error {
	return ptrace.PeekWord(tid, uint64(addr), (*[8]byte)(buf[:8]))
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

// wait4 waits for pid (-1: any tracee) (ptrace.Wait4).
func wait4(pid int, nohang bool) (waitStatus, error) {
	tid, ws, err := ptrace.Wait4(pid, nohang)
	return waitStatus{tid: tid, status: ws}, err
}

func tgkill(pid, tid int, sig syscall.Signal) error { return ptrace.Tgkill(pid, tid, sig) }

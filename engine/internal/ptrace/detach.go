package ptrace

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// StopAndDetach stops the running task tid of process pid and detaches it,
// once the SIGSTOP sent for it arrives: the signals it stops with meanwhile
// are sent again after the detach (syscall stops and ptrace events are
// passed). False when the task is gone.
func StopAndDetach(pid, tid int) bool {
	if err := Tgkill(pid, tid, unix.SIGSTOP); err != nil {
		return false
	}
	var resend []syscall.Signal
	for {
		_, ws, err := Wait4(tid, false)
		if err != nil || ws.Exited() || ws.Signaled() {
			return false
		}
		if !ws.Stopped() {
			continue
		}
		sig := ws.StopSignal()
		if sig == unix.SIGSTOP && ws.TrapCause() <= 0 {
			// The one failure is ESRCH: it is gone. The signals resent
			// then find no task (ESRCH) either.
			_ = Detach(tid, 0)
			for _, s := range resend {
				_ = Tgkill(pid, tid, s)
			}
			return true
		}
		if ws.TrapCause() <= 0 && sig != unix.SIGTRAP|0x80 {
			resend = append(resend, sig)
		}
		if err := Resume(tid, Cont, 0); err != nil {
			return false
		}
	}
}

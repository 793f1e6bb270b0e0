package ptrace

// Children auto-attached by PTRACE_O_TRACEFORK, TRACEVFORK and TRACECLONE:
// each is traced from its birth, and stops first.

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// WaitBirth waits for the first stop of tid, a task auto-attached at its
// birth: true once it is stopped, false when it is gone.
func WaitBirth(tid int) bool {
	for {
		_, ws, err := Wait4(tid, false)
		if err != nil || ws.Exited() || ws.Signaled() {
			return false
		}
		if ws.Stopped() {
			return true
		}
	}
}

// Patch is bytes to write at an address of a tracee.
type Patch struct {
	Addr  uint64
	Bytes []byte
}

// PatchMem writes each patch into the memory of stopped task tid through
// /proc/PID/mem, which writes read-only code as ptrace access permits: a fork
// child's copy of the tracer's traps, put back to the original bytes before
// its release. Best effort: a patch that cannot be written is skipped (the
// child is gone, or the page was unmapped).
func PatchMem(tid int, patches []Patch) {
	f, err := os.OpenFile(fmt.Sprintf("/proc/%d/mem", tid), os.O_RDWR, 0)
	if err != nil {
		return
	}
	defer f.Close()
	for _, pt := range patches {
		f.WriteAt(pt.Bytes, int64(pt.Addr))
	}
}

// Release detaches tid, delivering sig (0 for none): a task that is gone
// (ESRCH) is no error.
func Release(tid int, sig syscall.Signal) error {
	if err := Detach(tid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
		return err
	}
	return nil
}

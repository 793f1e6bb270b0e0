package engine

// fork(2) children: PTRACE_O_TRACEFORK attaches them automatically, so that
// they can be released clean: a child is a copy of the parent's memory, traps
// included, and would die of SIGTRAP at its first hit. Each child gets the
// original bytes back and is detached; only the process godbg started or
// attached is debugged. (vfork children share the parent's memory and are not
// traced: TRACEVFORK is off.)
//
// In seccomp mode, once a filter is installed, children carry it and would
// get ENOSYS from the hooked calls untraced: they are kept traced passively
// instead of detached (seccomp.go), vfork children too (TRACEVFORK is on
// then; their memory, traps included, is the parent's and stays as is).

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// isForkChild tells a stop of a task that is not one of our threads: a fork
// child whose first stop came before its parent's fork event.
func (p *Process) isForkChild(tid int) bool {
	if _, ok := p.forks[tid]; ok {
		return true
	}
	if _, ok := p.sys.passive[tid]; ok {
		return true
	}
	return tgidOf(tid) != p.pid
}

func tgidOf(tid int) int {
	return statusInt(fmt.Sprintf("/proc/%d/status", tid), "Tgid:")
}

// forkChildBorn handles the parent's fork event.
func (p *Process) forkChildBorn(child int) error {
	if p.forks == nil {
		p.forks = map[int]bool{}
	}
	if p.forks[child] {
		return p.releaseChild(child)
	}
	// Its first stop is still to come: wait for it now, so the child never
	// runs with our traps.
	for {
		ws, err := wait4(child, false)
		if err != nil {
			delete(p.forks, child)
			return nil // it is gone
		}
		if ws.status.Stopped() {
			return p.releaseChild(child)
		}
		if ws.status.Exited() || ws.status.Signaled() {
			delete(p.forks, child)
			return nil
		}
	}
}

// vforkChildBorn handles the parent's vfork event (seccomp mode).
func (p *Process) vforkChildBorn(child int) error {
	if p.sys.vforks == nil {
		p.sys.vforks = map[int]bool{}
	}
	p.sys.vforks[child] = true
	return p.forkChildBorn(child)
}

// forkChildStopped handles a fork child's first stop seen by the loop, and
// (seccomp mode) every stop of a child kept traced.
func (p *Process) forkChildStopped(child int) error {
	if _, ok := p.sys.passive[child]; ok {
		return p.passiveStop(child)
	}
	if p.forks == nil {
		p.forks = map[int]bool{}
	}
	if _, ok := p.forks[child]; ok {
		return p.releaseChild(child)
	}
	p.forks[child] = true // its parent's fork event will release it
	return nil
}

// releaseChild puts the original bytes back in the child's copy of the code
// and detaches it.
func (p *Process) releaseChild(child int) error {
	delete(p.forks, child)
	shared := p.sys.vforks[child]
	delete(p.sys.vforks, child)
	if !shared {
		if err := p.softRestoreChild(child); err != nil {
			return fmt.Errorf("release fork child %d: %w", child, err)
		}
	}
	f, err := os.OpenFile(fmt.Sprintf("/proc/%d/mem", child), os.O_RDWR, 0)
	if err == nil && !shared {
		for _, s := range p.sites {
			if s.inserted {
				f.WriteAt([]byte{s.saved}, int64(s.addr))
			}
		}
	}
	if f != nil {
		f.Close()
	}
	if p.keepChildren() {
		return p.keepPassive(child)
	}
	if err := unix.PtraceDetach(child); err != nil && err != unix.ESRCH {
		return fmt.Errorf("release fork child %d: %w", child, err)
	}
	return nil
}

package engine

// fork(2) children: PTRACE_O_TRACEFORK attaches them automatically, so that
// they can be released clean: a child is a copy of the parent's memory, traps
// included, and would die of SIGTRAP at its first hit. Each child gets the
// original bytes back and is detached; only the process godbg started or
// attached is debugged.
//
// vfork(2) children (and clone(CLONE_VM|CLONE_VFORK): glibc's posix_spawn,
// Go's os/exec) run in the program's own memory, traps and scratch area
// included, so they cannot be cleaned and let go. PTRACE_O_TRACEVFORK
// attaches them, and each is traced as one more thread of the program until
// its exec (PTRACE_EVENT_EXEC: its new image has no traps, it is detached)
// or its exit: its hits are the program's, counted and reported with its
// tid. The thread that called vfork is held at its PTRACE_EVENT_VFORK stop
// meanwhile; the kernel would keep it waiting for the child anyway, in a
// wait that only a fatal signal ends (kernel/fork.c, wait_for_vfork_done), so
// it is as good as stopped and a SIGSTOP could not stop it.
//
// In seccomp mode, once a filter is installed, children carry it and would
// get ENOSYS from the hooked calls untraced: they are kept traced passively
// instead of detached (seccomp.go), vfork children from their exec on.

import (
	"fmt"

	"github.com/godbg/godbg/engine/internal/ptrace"
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
	return ptrace.Tgid(tid) != p.pid
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
	if !ptrace.WaitBirth(child) {
		delete(p.forks, child)
		return nil // it is gone
	}
	return p.releaseChild(child)
}

// vforkChildBorn handles parent's vfork event: the child becomes a thread of
// ours until its exec or exit, and parent stays stopped until then (resume).
func (p *Process) vforkChildBorn(parent *Thread, child int) error {
	c := p.addThread(child)
	c.vforkOf = parent
	parent.vforkChild = c
	if _, seen := p.forks[child]; seen {
		// Its first stop came before the event and is held: it runs now.
		delete(p.forks, child)
		return p.resume(c)
	}
	c.newborn, c.running = true, true
	return nil
}

// vforkHeld tells whether t is a thread held stopped for its vfork child.
func (p *Process) vforkHeld(t *Thread) bool {
	c := t.vforkChild
	if c != nil && p.threads[c.tid] != c {
		t.vforkChild = nil // the child is gone
		c = nil
	}
	return c != nil
}

// vforkChildGone ends the tracing of a vfork child that exited or execed
// and resumes the thread held for it.
func (p *Process) vforkChildGone(c *Thread) error {
	delete(p.threads, c.tid)
	parent := c.vforkOf
	if parent == nil || parent.vforkChild != c {
		return nil
	}
	parent.vforkChild = nil
	if p.threads[parent.tid] != parent || parent.running {
		return nil
	}
	return p.resume(parent)
}

// vforkChildExeced releases a vfork child at its exec stop: its new image
// has none of our traps.
func (p *Process) vforkChildExeced(c *Thread) error {
	if stopPending(fmt.Sprintf("/proc/%d/status", c.tid), "SigPnd:") {
		// A stop request of ours that crossed the exec: taken now, or it
		// would stop the new program once detached.
		p.takeStop(c)
	}
	if p.keepChildren() {
		if err := p.keepPassive(c.tid); err != nil {
			return err
		}
	} else if err := ptrace.Release(c.tid, c.pendingSig); err != nil {
		return fmt.Errorf("release vfork child %d: %w", c.tid, err)
	} else {
		c.sendHeld()
	}
	return p.vforkChildGone(c)
}

// releaseVforkUntraced lets a vfork child go untraced, its traps (the
// program's) in place: the vfork came while the engine single-stepped its
// caller, which must complete the call, and so wait for the child, before
// anything else runs.
func (p *Process) releaseVforkUntraced(child int) {
	if _, seen := p.forks[child]; !seen && !ptrace.WaitBirth(child) {
		return
	}
	delete(p.forks, child)
	_ = ptrace.Release(child, 0) // the child is gone
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
	if err := p.softRestoreChild(child); err != nil {
		return fmt.Errorf("release fork child %d: %w", child, err)
	}
	var patches []ptrace.Patch
	for _, s := range p.sites {
		if s.inserted {
			patches = append(patches, ptrace.Patch{Addr: uint64(s.addr), Bytes: []byte{s.saved}})
		}
	}
	// Jump sites (jumpsite.go, killsafe.go): every replaced byte, after any
	// trap on top of the jmp.
	for _, js := range p.jumps.sites {
		patches = append(patches, ptrace.Patch{Addr: uint64(js.addr), Bytes: js.orig})
	}
	ptrace.PatchMem(child, patches)
	if p.keepChildren() {
		return p.keepPassive(child)
	}
	if err := ptrace.Release(child, 0); err != nil {
		return fmt.Errorf("release fork child %d: %w", child, err)
	}
	return nil
}

// releaseBorn lets go, at a detach, the tasks whose fork, vfork or clone
// event was still to be handled: each is auto-attached and stops at birth,
// and left traced it would stay stopped once godbg is gone. A new thread is
// detached; a child process is released clean (releaseChild).
func (p *Process) releaseBorn(born []int) {
	for _, tid := range born {
		if !p.forks[tid] {
			ptrace.WaitBirth(tid) // stopped at birth, or gone
		}
		delete(p.forks, tid)
		if ptrace.Tgid(tid) == p.pid {
			ptrace.Release(tid, 0) // its error: it is gone
			continue
		}
		p.releaseChild(tid) // its error: the child is gone
	}
}

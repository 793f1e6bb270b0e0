package engine

// Watchpoints in followed processes (follow.go): a fork child gets its
// parent's watchpoints, the same Watchpoint objects (one hit count, one
// delete), as it gets its breakpoints. A software watchpoint's page is
// protected in the child's copy too (the copy inherits the protection) and
// the child's own Process handles its faults: the child gets a copy of the
// parent's protected pages and watchpoint slots. A hardware one is in the
// child's debug registers, which the kernel does not copy at fork: the
// child gets the parent's slots and its threads are written at their first
// resume, as a new thread's are. A watchpoint set while processes are
// followed goes into every live process that runs the same program and has
// the address mapped (the same variable at the same place), and a delete
// takes it out of every one.

import (
	"fmt"

	"github.com/godbg/godbg/engine/internal/hwdebug"
	"github.com/godbg/godbg/engine/internal/ptrace"
)

// watchIDs is the process whose counter numbers watchpoints: the first
// process of a family, so that ids are the family's.
func (p *Process) watchIDs() *Process {
	if p.fam != nil {
		return p.fam.root
	}
	return p
}

// inheritWatch gives q, a fork child of p stopped at its first stop, p's
// watchpoints. Its copy of the protected pages is made to have what p's
// watchpoints want: a page p opened for a retried system call, or one a
// watchpoint set or deleted between the fork and now changed, differs.
func (q *Process) inheritWatch(p *Process) error {
	q.watch.slots = p.watch.slots
	q.watch.gen = p.watch.gen // q's threads (drGen 0) are written at their first resume
	if !p.watch.soft.active() {
		return nil
	}
	q.watch.soft.wps = p.watch.soft.wps
	q.watch.soft.pages = map[Addr]*softPage{}
	for pg, sp := range p.watch.soft.pages {
		q.watch.soft.pages[pg] = &softPage{prot: sp.prot, cur: sp.cur}
		if m, ok := ptrace.MappingAt(q.pid, uint64(pg)); ok && m.Prot == sp.cur {
			continue
		}
		if err := q.mprotectBy(q.threads[q.pid], pg, sp.cur); err != nil {
			return err
		}
	}
	return nil
}

// sameData tells whether q has at a the memory p has there: the same
// program, a mapped, and the same file mapped with the same bias when a
// lies in one of p's objects.
func sameData(p, q *Process, a Addr) bool {
	if q.bin.Path() != p.bin.Path() {
		return false
	}
	if _, ok := ptrace.MappingAt(q.pid, uint64(a)); !ok {
		return false
	}
	if po := p.ObjectAt(a); po != nil {
		qo := q.ObjectAt(a)
		return qo != nil && qo.Path == po.Path && qo.Bias == po.Bias
	}
	return true
}

// holdsWatch tells whether q has wp.
func (q *Process) holdsWatch(wp *Watchpoint) bool {
	for n := 0; n < hwdebug.NumSlots+maxSoftWatch; n++ {
		if q.wpAt(n) == wp {
			return true
		}
	}
	return false
}

// shareWatch puts wp, just set in p, into every other live process of the
// family that has the same memory at its address. A process it cannot go
// into (its memory is going, no free slot) is left without it.
func (p *Process) shareWatch(wp *Watchpoint) {
	if p.fam == nil {
		return
	}
	for _, q := range p.Processes() {
		if q == p || q.exited || q.holdsWatch(wp) || !sameData(p, q, wp.Addr) {
			continue
		}
		q.addWatchCopy(wp)
	}
}

// addWatchCopy puts wp into q: a software one in the slot it has in the
// process it was set in when that one is free (any slot works: a fired
// mask is read with the process's own slots).
func (q *Process) addWatchCopy(wp *Watchpoint) error {
	if wp.Kind == WatchHardware {
		if _, ok := q.watch.slots.Alloc(wp, hwdebug.Spec{Addr: uint64(wp.Addr), Size: wp.Size, Mode: wp.Mode}); !ok {
			return fmt.Errorf("watch %#x in process %d: all 4 hardware watchpoints are in use", uint64(wp.Addr), q.pid)
		}
		return q.applyDebugRegs()
	}
	return q.withStoppedThread(func() error {
		if _, err := q.addSoftWatch(wp, wp.slot-hwdebug.NumSlots); err != nil {
			return err
		}
		return q.restartRunning()
	})
}

// clearWatchFamily takes wp out of every live process of the family that
// has it.
func (p *Process) clearWatchFamily(wp *Watchpoint) error {
	var first error
	for _, q := range p.Processes() {
		if q.exited || !q.holdsWatch(wp) {
			continue
		}
		var err error
		if wp.Kind == WatchSoftware {
			err = q.withStoppedThread(func() error { return q.clearWatch(wp) })
		} else {
			err = q.clearWatch(wp)
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return first
}

// withStoppedThread runs fn, which injects system calls into q (mprotect),
// with a thread of q able to run one: when q has none
// (its threads run: the event being handled is another process's), q's
// threads are stopped for fn and resumed after. A thread stopped outside a
// system call can run one; so can one stopped at the exit of the call it
// was in (a thread blocked in a call, wait4 say, stops there first when
// asked to stop: the call is made again after, as for any stop), as
// softSyscallExit runs them. One at a call's entry cannot.
func (q *Process) withStoppedThread(fn func() error) error {
	if t := q.stoppedThread(); t != nil {
		return fn()
	}
	restart, err := q.holdOthers(nil)
	if err != nil {
		return err
	}
	if t := q.injectThread(); t != nil {
		q.watch.soft.runner = t
		err = fn()
		q.watch.soft.runner = nil
	} else if t, i := q.deferredEntry(); t != nil {
		// Every thread is at a call's entry: one runs the calls from
		// there and makes its own call again; the entry stop collected
		// for it is stale, and it comes again.
		q.deferred = append(q.deferred[:i], q.deferred[i+1:]...)
		err = q.runAtEntry(t, fn)
		if rerr := q.resume(t); err == nil {
			err = rerr
		}
	} else {
		err = fn() // it says that no thread can run the calls
	}
	if rerr := restart(); err == nil {
		err = rerr
	}
	return err
}

// deferredEntry is a thread of q stopped at a call's entry still to be
// handled, and the index of that stop in q.deferred.
func (q *Process) deferredEntry() (*Thread, int) {
	for i, ws := range q.deferred {
		t := q.threads[ws.tid]
		if t == nil || t.running || t.sys.InCall || !ws.status.Stopped() || ws.watch != 0 {
			continue
		}
		if info, err := ptraceSyscallInfo(t.tid); err == nil && info.Op == syscallInfoEntry {
			return t, i
		}
	}
	return nil, -1
}

// entryThread is a thread of q, every one stopped, at a call's entry.
func (q *Process) entryThread() *Thread {
	return q.pickThread(func(t *Thread) bool {
		info, err := ptraceSyscallInfo(t.tid)
		return err == nil && info.Op == syscallInfoEntry
	})
}

// runAtEntry runs fn with t, stopped at a system call's entry, running
// its injected calls: injected there, the first one takes the place of
// t's call, which never runs (ptrace.InjectSyscall). t is put back on its
// `syscall` instruction with the call's number, to make it again when it
// resumes: a new entry.
func (q *Process) runAtEntry(t *Thread, fn func() error) error {
	r, err := t.Regs()
	if err != nil {
		return err
	}
	saved := *r
	q.watch.soft.runner = t
	err = fn()
	q.watch.soft.runner = nil
	r, rerr := t.Regs()
	if rerr != nil {
		return rerr
	}
	*r = saved
	r.Rip -= 2 // syscall and int 0x80 are 2 bytes long
	r.Rax = saved.Orig_rax
	r.Orig_rax = ^uint64(0) // no call is being restarted
	t.regsDirty = true
	return err
}

// watchLivesOn tells whether another live process of p's family has wp:
// p losing it (its exec) does not delete it.
func (p *Process) watchLivesOn(wp *Watchpoint) bool {
	if p.fam == nil {
		return false
	}
	for _, q := range p.Processes() {
		if q != p && !q.exited && q.holdsWatch(wp) {
			return true
		}
	}
	return false
}

// injectThread is a thread of q, every one stopped, that can run an
// injected system call; nil when none can.
func (q *Process) injectThread() *Thread { return q.pickThread(q.canInject) }

// canInject tells whether t, stopped, can run an injected system call:
// not at a call's entry (nor a seccomp stop, an entry too), where the
// call is still to run; at its exit, or any other stop, it can
// (PTRACE_GET_SYSCALL_INFO says which).
func (q *Process) canInject(t *Thread) bool {
	if t.running {
		return false
	}
	info, err := ptraceSyscallInfo(t.tid)
	return err == nil && (info.Op == syscallInfoNone || info.Op == syscallInfoExit)
}

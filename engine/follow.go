package engine

// Following processes (FollowForks, godbg run -f): the children the program
// makes with fork, vfork and clone without CLONE_THREAD are traced from
// birth, each a Process of its own (its address space: sites, scratch
// area, symbols, syscall hooks), all in one family whose first process,
// the root, runs the one event loop: Continue waits for any task
// (wait4(-1, __WALL)) and hands each status to the process that owns the
// task. A fork child starts as a copy of its parent, traps and saved bytes
// included, so it gets a copy of the parent's sites with the same
// breakpoints (the Breakpoint objects are shared: a hit in any process
// counts on the one breakpoint). A vfork child shares its parent's memory
// until its exec and is traced as a thread of the parent meanwhile
// (fork_linux.go); at the exec it becomes a Process of its own.

import (
	"fmt"
	"os"
	"sort"

	"github.com/godbg/godbg/engine/internal/ptrace"
	"golang.org/x/sys/unix"
)

// family is the set of processes followed together.
type family struct {
	root *Process
	// procs are the live children, in birth order.
	procs []*Process
	// focus is the thread of the event being handled when it belongs to a
	// child: CurrentThread and Focus answer with it.
	focus *Thread
}

// EventFork is reported when a followed child is born (ev.Pid the child,
// ev.Parent its parent); ev.Thread is the child's thread, or the parent's
// for a vfork child (which shares the parent's memory until its exec).
const EventFork EventKind = 110

// EventProcessExit is reported when a followed child process ends
// (ev.Pid, ExitCode or ExitSignal); the first process's end is EventExit.
const EventProcessExit EventKind = 111

// FollowForks makes the process follow its children: call it before the
// first Continue.
func (p *Process) FollowForks() {
	if p.fam != nil {
		return
	}
	p.fam = &family{root: p}
	if p.forks == nil {
		p.forks = map[int]bool{}
	}
}

// Following tells whether children are followed.
func (p *Process) Following() bool { return p.fam != nil }

// Parent is the pid of the followed process this one was forked from (0 for
// the first process).
func (p *Process) Parent() int { return p.parent }

// Pid is the process the thread belongs to.
func (t *Thread) Pid() int { return t.tgid() }

// Process is the process whose address space the thread runs in.
func (t *Thread) Process() *Process { return t.p }

// Focus is the process of the event being handled: a followed child's
// during its events, else p itself. Memory, symbols and new breakpoints
// are that process's.
func (p *Process) Focus() *Process {
	if p == nil {
		return nil
	}
	if p.fam != nil && p.fam.focus != nil && p.fam.focus.p != p {
		return p.fam.focus.p
	}
	return p
}

// Processes lists the live followed processes, the first one first.
func (p *Process) Processes() []*Process {
	if p.fam == nil {
		return []*Process{p}
	}
	out := []*Process{}
	if !p.fam.root.exited {
		out = append(out, p.fam.root)
	}
	return append(out, p.fam.procs...)
}

// liveChildren counts the followed children still running.
func (p *Process) liveChildren() int {
	if p.fam == nil {
		return 0
	}
	return len(p.fam.procs)
}

// setCurrent makes t the thread the event's handling refers to.
func (p *Process) setCurrent(t *Thread) {
	if t == nil {
		return
	}
	if p.fam == nil || t.p == p {
		p.current = t
		if p.fam != nil {
			p.fam.focus = nil
		}
		return
	}
	t.p.current = t
	p.fam.focus = t
}

// route is the process a wait status is for: the one that owns the task,
// or (a fork child's first stop before its parent's event, an unknown task)
// the root, which keeps such stops in the family's forks map.
func (f *family) route(tid int) *Process {
	if f.root.threads[tid] != nil {
		return f.root
	}
	for _, q := range f.procs {
		if q.threads[tid] != nil {
			return q
		}
	}
	// A new thread whose first stop came before its clone event.
	tg := ptrace.Tgid(tid)
	for _, q := range f.procs {
		if q.pid == tg {
			return q
		}
	}
	return f.root
}

// otherOwner is, in a family, the process other than p a stop collected by
// p's wait belongs to (stopAll): its stop is kept in that process's
// deferred queue.
func (p *Process) otherOwner(tid int) *Process {
	if p.fam == nil || p.threads[tid] != nil {
		return nil
	}
	q := p.fam.route(tid)
	if q == p || (q == p.fam.root && q.threads[tid] == nil) {
		return nil
	}
	return q
}

// takeDeferred pops the first stop collected while stopping threads, the
// root's first, then each child's.
func (p *Process) takeDeferred() (waitStatus, bool) {
	if len(p.deferred) > 0 {
		ws := p.deferred[0]
		p.deferred = p.deferred[1:]
		return ws, true
	}
	if p.fam != nil {
		for _, q := range p.fam.procs {
			if len(q.deferred) > 0 {
				ws := q.deferred[0]
				q.deferred = q.deferred[1:]
				return ws, true
			}
		}
	}
	return waitStatus{}, false
}

// hasDeferred tells whether any process of the family has a stop queued.
func (p *Process) hasDeferred() bool {
	if len(p.deferred) > 0 {
		return true
	}
	if p.fam != nil {
		for _, q := range p.fam.procs {
			if len(q.deferred) > 0 {
				return true
			}
		}
	}
	return false
}

// resumeFamily resumes every stopped thread of every followed process.
func (p *Process) resumeFamily() error {
	if err := p.resumeAll(); err != nil {
		return err
	}
	if p.fam != nil {
		for _, q := range append([]*Process(nil), p.fam.procs...) {
			if err := q.resumeAll(); err != nil {
				return err
			}
		}
	}
	return nil
}

// stopFamily stops every thread of every followed process.
func (p *Process) stopFamily() error {
	if err := p.stopAll(nil); err != nil {
		return err
	}
	if p.fam != nil {
		for _, q := range append([]*Process(nil), p.fam.procs...) {
			if err := q.stopAll(nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// childExited turns the exit event of a followed child into its
// EventProcessExit and forgets the child.
func (p *Process) childExited(q *Process, ev *Event) *Event {
	f := p.fam
	for i, c := range f.procs {
		if c == q {
			f.procs = append(f.procs[:i], f.procs[i+1:]...)
			break
		}
	}
	if f.focus != nil && f.focus.p == q {
		f.focus = nil
	}
	q.deferred = nil
	q.probesGone()
	return &Event{Kind: EventProcessExit, Pid: q.pid, Parent: q.parent, ExitCode: ev.ExitCode, ExitSignal: ev.ExitSignal}
}

// childBorn handles t's fork event (or clone without CLONE_THREAD): the
// child is followed, or (without FollowForks) released clean.
func (p *Process) childBorn(t *Thread, child int) (*Event, error) {
	if p.fam == nil {
		if err := p.forkChildBorn(child); err != nil {
			return nil, err
		}
		return nil, p.resume(t)
	}
	if !p.forks[child] {
		// Its first stop is still to come: taken now, so that the child
		// never runs before its process is made.
		for {
			ws, err := wait4(child, false)
			if err != nil || ws.status.Exited() || ws.status.Signaled() {
				delete(p.forks, child)
				return nil, p.resume(t) // it is gone
			}
			if ws.status.Stopped() {
				break
			}
		}
	}
	delete(p.forks, child)
	return p.followFork(t, child)
}

// followFork adopts a fork (or clone without CLONE_THREAD) child of t's
// process, stopped at its first stop: a copy of the parent's sites and
// breakpoints, its own memory file. t resumes; the child waits for the
// hook of its EventFork (Continue resumes it after).
func (p *Process) followFork(t *Thread, child int) (*Event, error) {
	q, err := p.newChild(child, false)
	if err == nil {
		err = q.inheritReturns(p, t)
	}
	if err == nil {
		err = q.inheritProbes(p)
	}
	if err != nil {
		unix.Kill(child, unix.SIGKILL)
		return nil, err
	}
	if err := p.resume(t); err != nil {
		return nil, err
	}
	c := q.threads[child]
	return &Event{Kind: EventFork, Thread: c, Tid: child, Pid: child, Parent: p.pid}, nil
}

// newChild makes the Process of a new child of p, its one thread stopped.
// A fork child's memory is a copy of p's: p's traps are in it, and each
// site comes over with its breakpoints and its INT3 probes; the traps of
// the engine's own are taken out: a finish or next trap (the stepped
// thread is p's), the loader's (inheritPending makes the child's), the
// return traps (inheritReturns puts back those of the forking thread's
// calls, the only ones the child makes); it gets p's watchpoints
// (followwatch.go). With
// execed the child has just run execve (a vfork child): its memory is a
// new image, to which the caller applies execed.
func (p *Process) newChild(pid int, execed bool) (*Process, error) {
	root := p.fam.root
	q := &Process{
		pid:         pid,
		parent:      p.pid,
		bin:         p.bin,
		binShared:   true,
		bias:        p.bias,
		lowAddr:     p.lowAddr,
		attached:    p.attached,
		threads:     map[int]*Thread{},
		sites:       map[Addr]*site{},
		nextID:      p.nextID,
		scratch:     p.scratch,
		forks:       root.forks,
		noDisplaced: p.noDisplaced,
		fam:         p.fam,
		onExec:      p.onExec,
		dbg:         p.dbg,
		dbgErr:      p.dbgErr,
		goids:       p.goids,
		goidsErr:    p.goidsErr,
	}
	q.sys.catches = p.sys.catches.Clone()
	q.sys.on = p.sys.on
	q.sys.seccomp = p.sys.seccomp
	q.sys.filtered = p.sys.filtered.Clone()
	q.watch.kind = p.watch.kind
	q.watch.hw = p.watch.hw
	q.libs.objs = append([]*Object(nil), p.libs.objs...)
	q.libs.files = p.libs.files
	q.libs.dynamic = p.libs.dynamic
	q.libs.interp = p.libs.interp
	q.libs.entryDone = p.libs.entryDone
	t := q.addThread(pid)
	q.current = t
	f, err := os.OpenFile(fmt.Sprintf("/proc/%d/mem", pid), os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("follow child %d: %w", pid, err)
	}
	q.mem = f
	if !execed {
		if err := q.inheritWatch(p); err != nil {
			f.Close()
			return nil, fmt.Errorf("follow child %d: %w", pid, err)
		}
		for _, s := range p.sites {
			if !s.inserted {
				if len(s.bps) > 0 {
					// Only disabled breakpoints: the child gets them,
					// for an enable to insert there too.
					q.sites[s.addr] = &site{addr: s.addr, bps: append([]*Breakpoint(nil), s.bps...)}
				}
				continue
			}
			ns := &site{addr: s.addr, saved: s.saved, inserted: true, plan: s.plan, jump: s.jump}
			for _, bp := range s.bps {
				ns.bps = append(ns.bps, bp)
			}
			for _, u := range s.users {
				if pr, ok := u.(*Probe); ok && !pr.deleted {
					ns.users = append(ns.users, pr) // an INT3 probe: inheritProbes
				}
			}
			if len(ns.bps) == 0 && len(ns.users) == 0 && s.jump == nil {
				// Only the engine's own users: not followed into the child.
				f.WriteAt([]byte{s.saved}, int64(s.addr))
				continue
			}
			q.sites[s.addr] = ns
		}
		q.bps = append([]*Breakpoint(nil), p.bps...)
		// The counting trampolines' data is shared memory, and the
		// child's threads have the TLS of p's: its copies count with the
		// locked add (probecount.go).
		q.probes.count.key = keyNone
		if err := p.patchTramps(q.writeRaw, keyJump); err != nil {
			f.Close()
			return nil, fmt.Errorf("follow child %d: %w", pid, err)
		}
		if err := q.fixForkCopy(p); err != nil {
			f.Close()
			return nil, fmt.Errorf("follow child %d: %w", pid, err)
		}
		q.inheritPending(p)
	}
	p.fam.procs = append(p.fam.procs, q)
	return q, nil
}

// adoptVforkChild makes a vfork child, traced as a thread of p until now,
// a process of its own at its exec, and resumes the thread held for it.
func (p *Process) adoptVforkChild(c *Thread) (*Event, error) {
	q, err := p.newChild(c.tid, true)
	if err != nil {
		return nil, err
	}
	// The sites and breakpoints of p, for execed to keep (the same program
	// again) or drop (another one).
	for addr, s := range p.sites {
		if len(s.bps) > 0 {
			q.sites[addr] = &site{addr: addr, bps: append([]*Breakpoint(nil), s.bps...)}
		}
	}
	q.bps = append([]*Breakpoint(nil), p.bps...)
	nt := q.threads[c.tid]
	nt.pendingSig = c.pendingSig
	nt.heldSigs = c.heldSigs
	if err := p.vforkChildGone(c); err != nil {
		return nil, err
	}
	info, err := q.execed(nt)
	if err != nil {
		return nil, err
	}
	return &Event{Kind: EventExec, Thread: nt, Tid: nt.tid, Pid: q.pid, Exec: &info}, nil
}

// holdsBp tells whether a child holds bp (copied at its fork) without
// owning it.
func (q *Process) holdsBp(bp *Breakpoint) bool {
	for _, b := range q.bps {
		if b == bp {
			return true
		}
	}
	return false
}

// copiesSync brings the traps of bp in every other process of the family
// that holds it in line with bp.Enabled; with drop, bp is taken out of
// them.
func (p *Process) copiesSync(bp *Breakpoint, drop bool) error {
	if p.fam == nil {
		return nil
	}
	var first error
	for _, q := range p.Processes() {
		if q == bp.owner || q.exited || !q.holdsBp(bp) {
			continue
		}
		if drop {
			for i, b := range q.bps {
				if b == bp {
					q.bps = append(q.bps[:i], q.bps[i+1:]...)
					break
				}
			}
		}
		for _, s := range q.copySites(bp) {
			if drop {
				for i, b := range s.bps {
					if b == bp {
						s.bps = append(s.bps[:i], s.bps[i+1:]...)
						break
					}
				}
			}
			if err := q.syncSite(s); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

// allThreads lists the threads of every followed process, by tid.
func (p *Process) allThreads() []*Thread {
	var ts []*Thread
	for _, q := range p.Processes() {
		ts = append(ts, q.ownThreads()...)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].tid < ts[j].tid })
	return ts
}

// killChildren sends SIGKILL to every followed child (and the vfork
// children traced as their threads); it returns their pids, for killNow to
// reap with the rest.
func (p *Process) killChildren() map[int]bool {
	left := map[int]bool{}
	if p.fam == nil {
		return left
	}
	for _, q := range p.fam.procs {
		for _, t := range q.threads {
			if t.vforkOf != nil {
				unix.Kill(t.tid, unix.SIGKILL)
				left[t.tid] = true
			}
		}
		unix.Kill(q.pid, unix.SIGKILL)
		left[q.pid] = true
	}
	for _, q := range p.fam.procs {
		q.exited = true
		q.threads = map[int]*Thread{}
		if q.mem != nil {
			q.mem.Close()
		}
	}
	p.fam.procs = nil
	p.fam.focus = nil
	return left
}

// unpoolAny takes ev away from the site that lent it, in whichever
// process of the family it hit.
func (p *Process) unpoolAny(ev *Event) {
	if ev != nil && ev.Thread != nil && ev.Thread.p != p {
		ev.Thread.p.unpool(ev)
		return
	}
	p.unpool(ev)
}

// loop is the process that runs the family's event loop (Continue, the
// hook calls, the current thread): the first process; p itself when
// children are not followed. The stepping calls (StepInstruction, Next,
// Finish) move a thread in its own process, p, and report through the
// loop, so that a step in a followed child is the same as in the first
// process.
func (p *Process) loop() *Process {
	if p.fam != nil {
		return p.fam.root
	}
	return p
}

// stepEnded is the event a stepping call in p returns when p ended during
// it: the first process's exit as it is (its exit handlers run after the
// session); a followed child's becomes its EventProcessExit, given to hook
// first as Continue gives it (on("exit") runs for it).
func (p *Process) stepEnded(hook Hook) (*Event, error) {
	r := p.loop()
	if r == p {
		return p.exit, nil
	}
	if r.Exited() {
		return r.exit, nil // kill(): the whole family
	}
	ev := r.childExited(p, p.exit)
	if hook != nil {
		if _, _, err := r.callHook(hook, ev); err != nil || r.Exited() {
			if r.Exited() {
				return r.exit, err
			}
			return nil, err
		}
	}
	return ev, nil
}

// untilEnd wraps the hook of a Continue run for a stepping call in p
// (Finish, Next over a call): when p is a followed child, its end is given
// to hook and then stops the Continue, as the first process's end stops
// it, instead of leaving the others running with nothing left to finish.
func (p *Process) untilEnd(hook Hook) Hook {
	if p.fam == nil || p == p.fam.root {
		return hook
	}
	return func(ev *Event) (bool, error) {
		if ev.Kind == EventProcessExit && ev.Pid == p.pid {
			_, err := hook(ev)
			return true, err
		}
		return hook(ev)
	}
}

// foreignStop takes a wait status of q's collected by another process's
// stopAll: the thread is stopped (or gone) from now on, as q's own stopAll
// would have recorded it, and the stop waits in q.deferred for Continue
// (q's stop request answered is simply taken).
func (q *Process) foreignStop(ws waitStatus) {
	if t := q.threads[ws.tid]; t != nil {
		t.running, t.regsValid = false, false
		st := ws.status
		if st.Stopped() && st.StopSignal() == unix.SIGSTOP && (t.stopWanted || t.newborn) && st.TrapCause() <= 0 {
			t.stopWanted, t.newborn = false, false
			return
		}
	}
	q.deferred = append(q.deferred, ws)
}

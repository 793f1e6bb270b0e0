package engine

import (
	"fmt"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Hook is called on the ptrace thread for each event while the tracee runs.
// It returns stop=true to make Continue return the event with every thread
// stopped; an error does the same and Continue returns the error.
type Hook func(*Event) (stop bool, err error)

// silentSignals pass to the tracee without a stop being reported (gdb's
// default `handle` table: nostop noprint pass).
var silentSignals = map[syscall.Signal]bool{
	unix.SIGALRM: true, unix.SIGURG: true, unix.SIGCHLD: true, unix.SIGWINCH: true,
	unix.SIGPROF: true, unix.SIGIO: true, unix.SIGVTALRM: true,
}

// EventThread is reported to the hook when a new thread starts (ev.Tid).
const EventThread EventKind = 100

// EventExec is reported to the hook after the process called execve(2)
// (ev.Exec says what now runs).
const EventExec EventKind = 101

// Notice tells the events that inform and never stop the tracee: a new
// thread, an exec.
func (e *Event) Notice() bool { return e.Kind == EventThread || e.Kind == EventExec }

// Continue resumes every thread and runs until the hook asks to stop, a
// signal stops with a nil hook, or the process exits. Threads run on while
// the hook handles one thread's stop ("non-stop"); Continue returns with all
// of them stopped ("all-stop"), as gdb's user sees it.
func (p *Process) Continue(hook Hook) (*Event, error) {
	if p.exited {
		return nil, ErrExited
	}
	quietChildStops.Do(noChildStopSignals)
	pending := p.deferred
	p.deferred = nil
	held := map[int]bool{}
	for _, ws := range pending {
		held[ws.tid] = true
	}
	for _, t := range p.Threads() {
		if !t.running && !held[t.tid] {
			if err := p.resume(t); err != nil {
				return nil, err
			}
		}
	}
	for {
		var ws waitStatus
		if len(pending) > 0 {
			ws, pending = pending[0], pending[1:]
		} else if len(p.deferred) > 0 {
			ws, p.deferred = p.deferred[0], p.deferred[1:]
		} else {
			if p.interrupted.Load() {
				return nil, p.interruptStop()
			}
			var err error
			if ws, err = p.poll.wait(); err != nil {
				return nil, err
			}
			p.stops++
		}
		ev, err := p.handleStatus(ws)
		if err != nil {
			return nil, err
		}
		if ev == nil {
			continue
		}
		if ev.Kind == EventExit {
			return ev, nil
		}
		stop := true
		first := ev
		if hook != nil {
			p.current = ev.Thread
			stop, ev, err = callHook(hook, ev)
			if p.exited {
				p.unpool(first)
				return p.exit, err
			}
			if err != nil {
				p.unpool(first)
				p.deferred = append(p.deferred, pending...)
				if serr := p.stopAll(nil); serr != nil {
					return nil, serr
				}
				return nil, err
			}
		} else if ev.Notice() {
			stop = false
		}
		if stop && !ev.Notice() {
			p.unpool(first)
			p.deferred = append(p.deferred, pending...)
			if err := p.stopAll(nil); err != nil {
				return nil, err
			}
			p.current = ev.Thread
			return ev, nil
		}
		if t := ev.Thread; t != nil && !t.running && p.threads[t.tid] == t {
			if err := p.resume(t); err != nil {
				return nil, err
			}
		}
	}
}

var quietChildStops sync.Once

// noChildStopSignals asks the kernel not to send godbg a SIGCHLD for each
// stop of a tracee (SA_NOCLDSTOP, sigaction(2)). The Go runtime handles
// SIGCHLD, so otherwise every breakpoint hit also costs godbg a signal
// delivery, the runtime's handler and a sigreturn; wait4 is woken whether
// the signal is sent or not (kernel/signal.c, do_notify_parent_cldstop).
// The handler, its mask and its other flags stay the runtime's, and exits
// still raise SIGCHLD. Best effort: on failure the stops are only slower.
func noChildStopSignals() {
	// The kernel's struct sigaction on x86-64 (arch/x86/include/uapi/asm/signal.h).
	type sigaction struct {
		handler  uintptr
		flags    uint64
		restorer uintptr
		mask     uint64
	}
	var sa sigaction
	if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD), 0,
		uintptrOf(&sa), 8, 0, 0); e != 0 {
		return
	}
	if sa.handler == 0 || sa.handler == 1 { // SIG_DFL, SIG_IGN: no signal is delivered
		return
	}
	const saNoCldStop = 1 // SA_NOCLDSTOP, asm-generic/signal-defs.h
	sa.flags |= saNoCldStop
	unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD), uintptrOf(&sa), 0, 8, 0, 0)
}

// callHook runs the hook for ev and then for each other event of the same
// stop (every breakpoint at one address has its hit and its callback); it
// stops when any of them asks to, and returns the first that did.
func callHook(hook Hook, ev *Event) (bool, *Event, error) {
	stop, err := hook(ev)
	if err != nil {
		return true, ev, err
	}
	first := ev
	for _, e := range ev.more {
		s, err := hook(e)
		if err != nil {
			return true, e, err
		}
		if s && !stop {
			stop, first = true, e
		}
	}
	return stop, first, nil
}

func (p *Process) interruptStop() error {
	p.interrupted.Store(false)
	if err := p.stopAll(nil); err != nil {
		return err
	}
	return ErrInterrupted
}

// Interrupt may be called from any goroutine: a running Continue stops every
// thread and returns ErrInterrupted soon after.
func (p *Process) Interrupt() {
	p.interrupted.Store(true)
	// Wake the waiting thread: any stop of the tracee will do. The SIGSTOP
	// is recognised and swallowed (handleStatus).
	unix.Kill(p.pid, unix.SIGSTOP)
}

// handleStatus classifies one wait status. It returns nil when the stop was
// internal (the thread has been resumed or left stopped as needed).
func (p *Process) handleStatus(ws waitStatus) (*Event, error) {
	st := ws.status
	t := p.threads[ws.tid]
	if st.Exited() || st.Signaled() {
		if t != nil {
			delete(p.threads, ws.tid)
		}
		if ws.tid != p.pid {
			return nil, nil
		}
		return p.exitEvent(st), nil
	}
	if !st.Stopped() {
		return nil, nil
	}
	if t == nil {
		if p.isForkChild(ws.tid) {
			return nil, p.forkChildStopped(ws.tid)
		}
		// A new thread's first stop can come before its creator's clone
		// event (ptrace(2), PTRACE_O_TRACECLONE).
		t = p.addThread(ws.tid)
		t.newborn = true
	}
	t.running = false
	t.regsValid = false
	sig := st.StopSignal()
	if sig == unix.SIGTRAP|0x80 {
		// PTRACE_O_TRACESYSGOOD marks syscall stops (ptrace(2)).
		return p.syscallStop(t)
	}
	if sig == unix.SIGTRAP && st.TrapCause() > 0 {
		return p.handlePtraceEvent(t, st.TrapCause())
	}
	if sig == unix.SIGSTOP && (t.newborn || t.stopWanted) {
		t.newborn, t.stopWanted = false, false
		return nil, p.resume(t)
	}
	if sig == unix.SIGSTOP && p.interrupted.Load() {
		return nil, nil // Interrupt's wake-up; Continue stops everything next
	}
	if sig == unix.SIGTRAP {
		r, err := t.Regs()
		if err != nil {
			return nil, p.vanished(t, err)
		}
		if s := p.sites[Addr(r.Rip-1)]; s != nil && s.inserted {
			return p.hitSiteEvent(t, s, true)
		}
		if p.staleTrap(t, r) {
			return nil, p.resume(t)
		}
		if ev, ok, err := p.watchStop(t); ok || err != nil {
			return ev, err
		}
	}
	return p.signalStop(t, sig)
}

func (p *Process) exitEvent(st unix.WaitStatus) *Event {
	p.exited = true
	ev := &Event{Kind: EventExit}
	if st.Signaled() {
		ev.ExitSignal = st.Signal()
	} else {
		ev.ExitCode = st.ExitStatus()
	}
	p.exit = ev
	p.threads = map[int]*Thread{}
	if p.mem != nil {
		p.mem.Close()
	}
	return ev
}

// vanished handles a thread that died under us (ESRCH: killed by an
// exit_group of another thread while stopped); its exit status follows.
func (p *Process) vanished(t *Thread, err error) error {
	if err != nil && isESRCH(err) {
		t.running = true // its exit will be reported by wait4
		return nil
	}
	return err
}

func isESRCH(err error) bool {
	for e := err; e != nil; {
		if e == unix.ESRCH {
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}

func (p *Process) handlePtraceEvent(t *Thread, cause int) (*Event, error) {
	switch cause {
	case unix.PTRACE_EVENT_CLONE:
		msg, err := ptraceEventMsg(t.tid)
		if err != nil {
			return nil, p.vanished(t, err)
		}
		tid := int(msg)
		if p.threads[tid] == nil {
			nt := p.addThread(tid)
			nt.newborn = true
			nt.running = true
		}
		return &Event{Kind: EventThread, Thread: t, Tid: tid}, nil
	case unix.PTRACE_EVENT_STOP:
		// A seized thread's first stop, or the stop PTRACE_INTERRUPT asked
		// for (ptrace(2), "PTRACE_EVENT_STOP").
		t.newborn, t.stopWanted = false, false
		if p.interrupted.Load() {
			return nil, nil
		}
		return nil, p.resume(t)
	case unix.PTRACE_EVENT_FORK:
		msg, err := ptraceEventMsg(t.tid)
		if err != nil {
			return nil, p.vanished(t, err)
		}
		if err := p.forkChildBorn(int(msg)); err != nil {
			return nil, err
		}
		return nil, p.resume(t)
	case unix.PTRACE_EVENT_VFORK: // seccomp mode only (seccomp.go)
		msg, err := ptraceEventMsg(t.tid)
		if err != nil {
			return nil, p.vanished(t, err)
		}
		if err := p.vforkChildBorn(int(msg)); err != nil {
			return nil, err
		}
		return nil, p.resume(t)
	case unix.PTRACE_EVENT_SECCOMP:
		return p.seccompStop(t)
	case unix.PTRACE_EVENT_EXEC:
		for tid := range p.threads {
			if tid != p.pid {
				delete(p.threads, tid)
			}
		}
		info, err := p.execed(t)
		if err != nil {
			return nil, err
		}
		return &Event{Kind: EventExec, Thread: t, Tid: t.tid, Exec: &info}, nil
	}
	return nil, p.resume(t)
}

func (p *Process) hitSite(t *Thread, s *site) (*Event, error) {
	return p.hitSiteEvent(t, s, false)
}

// hitSiteEvent reports a hit of s by t. With pooled, the first breakpoint's
// event is the site's spare, reused from hit to hit: the hot path allocates
// nothing. Only Continue asks for it, since it alone knows whether the event
// goes further than the hook; when it does, Continue takes the spare away
// from the site (unpool).
func (p *Process) hitSiteEvent(t *Thread, s *site, pooled bool) (*Event, error) {
	t.regs.Rip = uint64(s.addr)
	t.regsDirty = true
	t.atSite = s.addr
	var ev *Event
	once := false
	goid, haveGoid := int64(0), false
	for _, bp := range s.bps {
		if !bp.Enabled {
			continue
		}
		if bp.Goroutine != 0 {
			if !haveGoid {
				goid, _ = t.GoroutineID()
				haveGoid = true
			}
			if goid != bp.Goroutine {
				continue
			}
		}
		bp.Hits++
		once = once || bp.Once
		if ev == nil {
			if pooled {
				if s.spare == nil {
					s.spare = &Event{}
				}
				ev = s.spare
				*ev = Event{Kind: EventBreakpoint, Thread: t, Tid: t.tid, Addr: s.addr, Bp: bp, more: ev.more[:0]}
			} else {
				ev = &Event{Kind: EventBreakpoint, Thread: t, Tid: t.tid, Addr: s.addr, Bp: bp}
			}
			continue
		}
		ev.more = append(ev.more, &Event{Kind: EventBreakpoint, Thread: t, Tid: t.tid, Addr: s.addr, Bp: bp})
	}
	if err := p.returnsBreakpointHit(t, s); err != nil {
		return nil, err
	}
	if once {
		for _, bp := range append([]*Breakpoint(nil), s.bps...) {
			if bp.Once && bp.Hits > 0 {
				if err := p.ClearBreakpoint(bp); err != nil {
					return nil, err
				}
			}
		}
	}
	if len(s.users) > 0 {
		for _, u := range append([]siteUser(nil), s.users...) {
			evs, err := u.siteHit(t, s)
			if err != nil {
				return nil, err
			}
			for _, e := range evs {
				if ev == nil {
					ev = e
				} else {
					ev.more = append(ev.more, e)
				}
			}
		}
	}
	if ev == nil {
		if t.running || p.holds(t) {
			return nil, nil // a user resumed it (or it is gone), or Next holds it
		}
		return nil, p.resume(t)
	}
	return ev, nil
}

// unpool takes ev away from the site that lent it (hitSiteEvent): it is
// about to outlive the hook call.
func (p *Process) unpool(ev *Event) {
	if ev == nil || ev.Kind != EventBreakpoint {
		return
	}
	for _, s := range p.sites {
		if s.spare == ev {
			s.spare = nil
		}
	}
}

func (p *Process) signalStop(t *Thread, sig syscall.Signal) (*Event, error) {
	r, err := t.Regs()
	if err != nil {
		return nil, p.vanished(t, err)
	}
	pc := Addr(r.Rip)
	if p.scratch.contains(pc) {
		if err := p.leaveScratch(t, sig); err != nil {
			return nil, err
		}
		if r, err = t.Regs(); err != nil {
			return nil, p.vanished(t, err)
		}
		pc = Addr(r.Rip)
	}
	t.pendingSig = sig
	if silentSignals[sig] {
		return nil, p.resume(t)
	}
	ev := &Event{Kind: EventSignal, Thread: t, Tid: t.tid, Addr: pc, Signal: sig}
	switch sig {
	case unix.SIGSEGV, unix.SIGBUS, unix.SIGFPE, unix.SIGILL, unix.SIGTRAP:
		if si, err := ptraceSigInfo(t.tid); err == nil {
			ev.FaultAddr = Addr(siginfoAddr(si))
		}
	}
	return ev, nil
}

// leaveScratch gets a thread that stopped for a signal inside the scratch
// area back into the program's code before the signal is delivered: the Go
// runtime's handlers inspect the interrupted pc and must not see a scratch
// address. A fault raised by the copied instruction itself is reported at
// the original instruction (faults leave no effect, so rip is rewound);
// anything else finishes the copy and its jump back first.
func (p *Process) leaveScratch(t *Thread, sig syscall.Signal) error {
	r, _ := t.Regs()
	slot := Addr(r.Rip) &^ (slotSize - 1)
	if Addr(r.Rip) == slot && (sig == unix.SIGSEGV || sig == unix.SIGBUS || sig == unix.SIGFPE || sig == unix.SIGILL) {
		r.Rip = uint64(p.RealPC(slot))
		t.regsDirty = true
		return t.flushRegs()
	}
	keep := t.pendingSig
	for {
		r, err := t.Regs()
		if err != nil {
			return err
		}
		if !p.scratch.contains(Addr(r.Rip)) {
			break
		}
		if err := p.singleStep(t); err != nil {
			return err
		}
	}
	t.pendingSig = keep
	return nil
}

// resume continues t: over the trap it reported, if it is still there.
func (p *Process) resume(t *Thread) error {
	if t.atSite != 0 {
		at := t.atSite
		t.atSite = 0
		if s := p.sites[at]; s != nil && s.inserted {
			if r, err := t.Regs(); err == nil && Addr(r.Rip) == at && t.pendingSig == 0 {
				return p.stepOver(t, s, true)
			}
		}
	}
	return p.resumeRaw(t)
}

func (p *Process) resumeRaw(t *Thread) error {
	if err := t.flushRegs(); err != nil {
		return p.vanished(t, err)
	}
	sig := t.pendingSig
	t.pendingSig = 0
	t.regsValid = false
	if err := p.resumeRequest(t.tid, sig); err != nil {
		return p.vanished(t, fmt.Errorf("resume thread %d: %w", t.tid, err))
	}
	t.running = true
	return nil
}

// resumeAll continues every stopped thread that has no deferred stop.
func (p *Process) resumeAll() error {
	held := map[int]bool{}
	for _, ws := range p.deferred {
		held[ws.tid] = true
	}
	for _, t := range p.Threads() {
		if !t.running && !held[t.tid] {
			if err := p.resume(t); err != nil {
				return err
			}
		}
	}
	return nil
}

// stopAll stops every running thread but except. A thread that stops for
// another reason meanwhile keeps that stop in p.deferred for Continue.
func (p *Process) stopAll(except *Thread) error {
	waiting := 0
	for _, t := range p.threads {
		if t == except || !t.running {
			continue
		}
		if !t.stopWanted && !t.newborn {
			if err := tgkill(p.pid, t.tid, unix.SIGSTOP); err != nil {
				continue // ESRCH: it is exiting; wait4 reports that
			}
			t.stopWanted = true
		}
		waiting++
	}
	for waiting > 0 {
		ws, err := wait4(-1, false)
		if err != nil {
			return err
		}
		p.stops++
		t := p.threads[ws.tid]
		st := ws.status
		if st.Exited() || st.Signaled() {
			if t != nil && t.running && t != except {
				waiting--
			}
			if t != nil {
				delete(p.threads, ws.tid)
			}
			if ws.tid == p.pid {
				p.deferred = append(p.deferred, ws)
			}
			continue
		}
		if t == nil {
			if p.isForkChild(ws.tid) {
				if err := p.forkChildStopped(ws.tid); err != nil {
					return err
				}
				continue
			}
			t = p.addThread(ws.tid)
			t.newborn = true
		}
		wasRunning := t.running && t != except
		t.running = false
		t.regsValid = false
		if st.StopSignal() == unix.SIGSTOP && (t.stopWanted || t.newborn) && st.TrapCause() <= 0 {
			t.stopWanted, t.newborn = false, false
		} else {
			p.deferred = append(p.deferred, ws)
		}
		if wasRunning {
			waiting--
		}
	}
	return nil
}

package engine

// The stop classification: what one wait status of a tracee thread means.

import (
	"errors"
	"syscall"

	"github.com/godbg/godbg/engine/internal/ptrace"
	"golang.org/x/sys/unix"
)

// handleStatus classifies one wait status. It returns nil when the stop was
// internal (the thread has been resumed or left stopped as needed).
func (p *Process) handleStatus(ws waitStatus) (*Event, error) {
	st := ws.status
	t := p.threads[ws.tid]
	if st.Exited() || st.Signaled() {
		if t != nil && t.vforkOf != nil {
			if err := p.vforkChildGone(t); err != nil || p.fam == nil {
				return nil, err
			}
			// A followed vfork child that ended before any exec.
			ev := &Event{Kind: EventProcessExit, Pid: t.tid, Parent: p.pid}
			ev.setExitStatus(st)
			return ev, nil
		}
		if t != nil {
			delete(p.threads, ws.tid)
			p.softThreadGone(ws.tid)
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
	if p.probes.tidUnchecked {
		if err := p.checkGlibcTid(t); err != nil {
			return nil, err
		}
	}
	if ev, ok, err := p.classify(t, ws, phaseFirst); ok {
		return ev, err
	}
	sig := st.StopSignal()
	if stopStatsFile != "" {
		p.countStop(t, sig)
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
	if sig == unix.SIGURG && p.probeWake(t) {
		return nil, p.resume(t) // the probe watcher's wake-up (probe.go)
	}
	if sig == unix.SIGURG && len(p.jumps.sites) > 0 {
		// A probe's full ring: its thread sent itself SIGURG (probe.go).
		r, err := t.Regs()
		if err != nil {
			return nil, p.vanished(t, err)
		}
		if js := p.jumpSiteAt(Addr(r.Rip)); js != nil && js.trap != nil && js.isTrap(Addr(r.Rip)) {
			return js.trap(t, Addr(r.Rip))
		}
	}
	if (sig == unix.SIGURG || sig == unix.SIGTRAP) && len(p.tramps) > 0 {
		if ev, ok, err := p.trampolineStop(t, sig); ok || err != nil {
			return ev, err
		}
	}
	if sig == unix.SIGTRAP {
		r, err := t.Regs()
		if err != nil {
			return nil, p.vanished(t, err)
		}
		if s := p.sites[Addr(r.Rip-1)]; s != nil && s.inserted {
			return p.hitSiteEvent(t, s, true)
		}
		if js := p.jumpSiteAt(Addr(r.Rip - 1)); js != nil && js.trap != nil {
			return js.trap(t, Addr(r.Rip-1))
		}
		if p.staleTrap(t, r) {
			return nil, p.resume(t)
		}
	}
	if ev, ok, err := p.classify(t, ws, phaseLast); ok {
		return ev, err // a tick's SIGSTOP, a watch trap (components.go)
	}
	return p.signalStop(t, sig)
}

func (p *Process) exitEvent(st unix.WaitStatus) *Event {
	p.exited = true
	ev := &Event{Kind: EventExit}
	ev.setExitStatus(st)
	p.exit = ev
	p.stopTicker()
	p.stopProbeWatch()
	p.writeStopStats()
	p.dropLiveWord()
	p.threads = map[int]*Thread{}
	if p.mem != nil {
		p.mem.Close()
	}
	return ev
}

// setExitStatus records how a process ended (wait(2)): killed by a signal,
// or the status it exited with.
func (ev *Event) setExitStatus(st unix.WaitStatus) {
	if st.Signaled() {
		ev.ExitSignal = st.Signal()
	} else {
		ev.ExitCode = st.ExitStatus()
	}
}

// vanished handles a thread that died under us (ESRCH: killed by an
// exit_group of another thread while stopped); its exit status follows.
func (p *Process) vanished(t *Thread, err error) error {
	if errors.Is(err, unix.ESRCH) {
		t.running = true // its exit will be reported by wait4
		return nil
	}
	return err
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
			if tg := ptrace.Tgid(tid); tg != 0 && tg != p.pid {
				// clone without CLONE_THREAD: a child process, as from
				// fork (its first stop not seen yet, or seen: p.forks).
				return p.childBorn(t, tid)
			}
		}
		if p.threads[tid] == nil {
			nt := p.addThread(tid)
			nt.newborn = true
			nt.running = true
		}
		// After the new thread is known: a demotion holds every thread,
		// and its birth stop is the one it waits for.
		if err := p.checkCloneTLS(t, tid); err != nil {
			return nil, err
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
		return p.childBorn(t, int(msg))
	case unix.PTRACE_EVENT_VFORK:
		msg, err := ptraceEventMsg(t.tid)
		if err != nil {
			return nil, p.vanished(t, err)
		}
		// t stays stopped here until the child execs or exits (resume).
		if err := p.vforkChildBorn(t, int(msg)); err != nil {
			return nil, err
		}
		if p.fam != nil {
			return &Event{Kind: EventFork, Thread: t, Tid: int(msg), Pid: int(msg), Parent: p.pid}, nil
		}
		return nil, nil
	case unix.PTRACE_EVENT_EXEC:
		if t.vforkOf != nil {
			if p.fam != nil {
				return p.adoptVforkChild(t)
			}
			return nil, p.vforkChildExeced(t)
		}
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
	if sig == unix.SIGSEGV {
		// An access to a page a software watchpoint protects: it has run
		// now (softwatch.go), and the program never sees the fault.
		fired, ours, err := p.softFault(t)
		if err != nil || t.running {
			return nil, err // t vanished: its exit follows
		}
		if ours && t.pendingSig != unix.SIGSEGV {
			if fired != 0 {
				return p.watchHit(t, fired)
			}
			return nil, p.resume(t)
		}
		t.pendingSig = 0 // a real fault: reported below like any
	}
	if len(t.resent) > 0 {
		t.restoreSigInfo(sig)
	}
	r, err := t.Regs()
	if err != nil {
		return nil, p.vanished(t, err)
	}
	pc := Addr(r.Rip)
	if ref, off, ok := p.trampAt(pc); ok && off >= trampCopy && sig == unix.SIGURG {
		// In a breakpoint trampoline's relocated code: a Go preemption
		// request (or a C program's SIGURG) is delivered there. Go's
		// handler declines an unknown pc (isAsyncSafePoint), and no
		// single-step is made whose SIGTRAP stop would kill the program
		// if godbg died meanwhile (killsafe.go).
	} else if ok && off <= trampTrap {
		// In a trampoline before its copy: back onto the site, where
		// the signal is delivered and the site hit again after it.
		if err := p.rewindTramp(t, r, ref); err != nil {
			return nil, err
		}
		pc = ref.site
	} else if sig == unix.SIGURG && p.jumpSiteAt(pc) != nil {
		// In a probe's trampoline: delivered there too, for the same
		// reasons (probe.go); the signal event reports the site.
		pc = p.RealPC(pc)
	} else if ok, err := p.keyFault(t, sig, pc); err != nil {
		return nil, err
	} else if ok {
		// A counting probe's key load without a TLS (probecount.go):
		// not the program's fault.
		t.pendingSig = 0
		return nil, p.resume(t)
	} else if p.inOOL(pc) {
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
	// One more ptrace call a signal the script sees (silent ones never get
	// here); without siginfo the event keeps the signal alone.
	if si, err := ptraceSigInfo(t.tid); err == nil {
		ev.SigCode = si.Code
		switch {
		case si.Code <= 0: // sent by a process: kill, tkill, sigqueue (SI_FROMUSER)
			ev.SigPid, ev.SigUid = siginfoSender(si)
		case faultSignal(sig) || sig == unix.SIGTRAP:
			ev.FaultAddr = Addr(siginfoAddr(si))
		}
	}
	return ev, nil
}

// clearPushedTF clears the trap flag (bit 8) in the flags word on top of
// t's stack.
func (p *Process) clearPushedTF(t *Thread) error {
	r, err := t.Regs()
	if err != nil {
		return err
	}
	v, err := p.readU64(Addr(r.Rsp))
	if err != nil || v&0x100 == 0 {
		return err
	}
	var b [8]byte
	putLE64(b[:], v&^0x100)
	return p.writeRaw(Addr(r.Rsp), b[:])
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
	if p.scratch.contains(slot) && Addr(r.Rip) == slot && faultSignal(sig) {
		if err := p.faultAtOriginal(t); err != nil {
			return err
		}
		return t.flushRegs()
	}
	keep := t.pendingSig
	for {
		r, err := t.Regs()
		if err != nil {
			return err
		}
		if !p.inOOL(Addr(r.Rip)) {
			break
		}
		if js := p.jumpSiteAt(Addr(r.Rip)); js != nil && faultSignal(sig) {
			// A fault of a relocated instruction: reported at the
			// original one, whose state it is (faults leave no effect).
			if at := js.realPC(Addr(r.Rip)); at != js.addr || Addr(r.Rip) == js.body {
				r.Rip = uint64(at)
				t.regsDirty = true
				break
			}
		}
		if js := p.jumpSiteAt(Addr(r.Rip)); js != nil && js.unstick != nil && js.isTrap(Addr(r.Rip)) {
			// The owner's int3 (a full buffer): let it make room first,
			// else the step would loop on it.
			if err := js.unstick(t); err != nil {
				return err
			}
		}
		if err := t.flushRegs(); err != nil {
			return err
		}
		var op [1]byte
		pushf := p.ReadMemory(Addr(r.Rip), op[:]) == nil && op[0] == 0x9c
		if op[0] == 0x9d {
			// popfq is emulated: the kernel takes a stepped popf for the
			// program setting TF itself, and the trap flag would stay
			// set after the steps (arch/x86/kernel/step.c,
			// enable_single_step), into the program.
			v, err := p.readU64(Addr(r.Rsp))
			if err != nil {
				return err
			}
			r.Eflags = v &^ 0x100
			r.Rsp += 8
			r.Rip++
			t.regsDirty = true
			continue
		}
		if err := p.singleStep(t); errors.Is(err, errStepFault) {
			keep = t.pendingSig
			if err := p.faultAtOriginal(t); err != nil {
				return err
			}
			break
		} else if err != nil {
			return err
		}
		if pushf {
			// pushfq under a single-step pushes TF set: popfq would then
			// trap after the next instruction, into the program.
			if err := p.clearPushedTF(t); err != nil {
				return err
			}
		}
	}
	t.pendingSig = keep
	return nil
}

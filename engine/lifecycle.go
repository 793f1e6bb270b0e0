package engine

import (
	"fmt"
	"strconv"
	"time"

	"github.com/godbg/godbg/engine/internal/ptrace"
	"golang.org/x/sys/unix"
)

// Kill ends the process with SIGKILL and reaps every thread; it returns the
// exit event (signal SIGKILL).
func (p *Process) Kill() (*Event, error) {
	if p.Exited() {
		return p.exit, nil
	}
	p.killNow()
	if p.exit == nil {
		return nil, fmt.Errorf("kill %d: no exit status", p.pid)
	}
	return p.exit, nil
}

// killNow sends SIGKILL and reaps until the leader's status comes, so that
// no zombie is left.
func (p *Process) killNow() {
	p.killPassive()
	left := p.killChildren() // followed children (follow.go): reaped below
	var vforks []int
	for _, t := range p.threads {
		if t.vforkOf != nil {
			// A vfork child, part of the program until its exec.
			unix.Kill(t.tid, unix.SIGKILL)
			vforks = append(vforks, t.tid)
		}
	}
	if !p.exited {
		unix.Kill(p.pid, unix.SIGKILL)
	}
	for _, ws := range p.deferred {
		if ws.tid == p.pid && (ws.status.Exited() || ws.status.Signaled()) {
			p.exitEvent(ws.status)
		}
	}
	p.deferred = nil
	for !p.exited || len(left) > 0 {
		ws, err := wait4(-1, false)
		if err != nil {
			// ECHILD: nothing left to reap.
			p.exited = true
			if p.exit == nil {
				p.exit = &Event{Kind: EventExit, ExitSignal: unix.SIGKILL}
			}
			p.dropLiveWord()
			break
		}
		if ws.status.Exited() || ws.status.Signaled() {
			if ws.tid == p.pid && !p.exited {
				p.exitEvent(ws.status)
			}
			delete(left, ws.tid)
		}
	}
	for _, tid := range vforks {
		// Its tracer reaps it first (ptrace(2)); then its parent's parent
		// does. ECHILD: reaped above already.
		for {
			ws, err := wait4(tid, false)
			if err != nil || ws.status.Exited() || ws.status.Signaled() {
				break
			}
		}
	}
	// The binary and the libraries' files stay open, as after an exit of
	// the program's own: symbols and lines are still looked up after the
	// end (a script's on("end") summary names what it collected).
}

// Detach puts every original byte back, lets threads that are inside the
// scratch area finish their copied instruction, unmaps the area, and
// releases every thread running, with the signal it stopped with.
func (p *Process) Detach() error {
	if p.Exited() {
		return ErrExited
	}
	for _, c := range p.features() {
		if err := c.prepareDetach(); err != nil {
			return err
		}
	}
	if p.fam != nil && p.fam.root == p {
		// The followed children first, each as a process of its own.
		for _, q := range append([]*Process(nil), p.fam.procs...) {
			if err := q.Detach(); err != nil {
				return fmt.Errorf("detach child %d: %w", q.pid, err)
			}
			p.fam.procs = p.fam.procs[1:]
		}
		p.fam.focus = nil
		if p.exited {
			return nil
		}
	}
	p.stopProbeWatch()
	if err := p.stopAll(nil); err != nil {
		return err
	}
	// From now on a thread in a trampoline runs the original instructions
	// and leaves it (killsafe.go).
	p.live.markDead()
	// Stops collected meanwhile: a trap hit is undone (rip back on the
	// instruction, which runs again once the trap is gone); a signal is
	// delivered at detach.
	var born []int // tasks made by a fork or clone event not handled yet
	for _, ws := range p.deferred {
		t := p.threads[ws.tid]
		if t == nil || !ws.status.Stopped() || ws.watch != 0 {
			continue // a made-up watch stop: the thread simply runs on
		}
		switch ws.status.TrapCause() {
		case unix.PTRACE_EVENT_FORK, unix.PTRACE_EVENT_VFORK, unix.PTRACE_EVENT_CLONE:
			if msg, err := ptraceEventMsg(t.tid); err == nil && p.threads[int(msg)] == nil {
				born = append(born, int(msg))
			}
			continue
		}
		sig := ws.status.StopSignal()
		if r, err := t.Regs(); err == nil && (sig == unix.SIGURG || sig == unix.SIGTRAP) {
			if _, ok := p.tramps[Addr(r.Rip)]; ok {
				continue // its own stop in a trampoline: it runs on through the copy
			}
		}
		if sig == unix.SIGTRAP {
			if r, err := t.Regs(); err == nil {
				if s := p.sites[Addr(r.Rip-1)]; s != nil && s.inserted {
					r.Rip--
					t.regsDirty = true
				}
			}
		} else if sig != unix.SIGSTOP {
			t.pendingSig = sig
		}
	}
	p.deferred = nil
	p.releaseBorn(born) // before the traps go: a fork child gets its bytes back by them
	p.drainStops()
	for _, t := range p.threads {
		if !t.regsDirty {
			// Read afresh: a cached rip outside a trampoline can be stale
			// after the stops above, and a thread left inside one would
			// run into unmapped memory (TestStopSignalsDetachAttached).
			t.regsValid = false
		}
		if r, err := t.Regs(); err == nil && p.inOOL(Addr(r.Rip)) {
			p.leaveScratch(t, 0)
		}
	}
	err := p.removeAllTraps()
	if jerr := p.removeAllJumps(); err == nil {
		err = jerr
	}
	kept, jerr := p.unmapJumpAreas()
	if err == nil {
		err = jerr
	}
	for _, c := range p.features() {
		if ferr := c.teardown(); err == nil {
			err = ferr
		}
	}
	if kept {
		p.live.markDead() // the page stays for the trampolines left
	} else if uerr := p.unmapLiveWord(); err == nil {
		err = uerr
	}
	if uerr := p.unmapScratch(); err == nil {
		err = uerr
	}
	p.dropLiveWord()
	for _, t := range p.threads {
		t.flushRegs()
		sig := t.pendingSig
		// The one failure is ESRCH: the thread exited meanwhile.
		_ = ptrace.Detach(t.tid, 0)
		if sig != 0 {
			tgkill(t.tgid(), t.tid, sig)
		}
		t.sendHeld()
	}
	p.exited = true
	p.exit = &Event{Kind: EventExit}
	p.threads = map[int]*Thread{}
	if p.mem != nil {
		p.mem.Close()
	}
	return err
}

// drainExit waits for the exit status after the current thread died. A
// status of another followed process's is kept for it (foreignStop).
func (p *Process) drainExit() (*Event, error) {
	for !p.exited {
		ws, err := wait4(-1, false)
		if err != nil {
			return nil, err
		}
		if o := p.otherOwner(ws.tid); o != nil {
			o.foreignStop(ws)
			continue
		}
		if _, err := p.handleStatus(ws); err != nil {
			return nil, err
		}
	}
	return p.exit, nil
}

// now is the clock for elapsed times.
var now = time.Now

// drainStops takes every SIGSTOP still pending in the kernel before a
// detach: a stop request of ours that crossed another stop, or Interrupt's
// process-directed one (Ctrl-C while a callback ran). Left pending, it would
// stop the program right after the detach. Each thread with one pending is
// resumed until it takes it; other signals it takes meanwhile are kept for
// delivery at the detach. The rest of the threads stay stopped, so a
// process-wide one can only go to the thread resumed.
func (p *Process) drainStops() {
	for round := 0; round < 4; round++ {
		drained := false
		for _, t := range p.ownThreads() {
			if p.vforkHeld(t) {
				// Resumed, it would wait for its vfork child, stopped.
				continue
			}
			if !stopPending(fmt.Sprintf("/proc/%d/task/%d/status", t.tgid(), t.tid), "SigPnd:") &&
				!(t.tid == p.pid && stopPending(fmt.Sprintf("/proc/%d/status", p.pid), "ShdPnd:")) {
				continue
			}
			drained = true
			if err := p.takeStop(t); err != nil {
				return
			}
		}
		if !drained {
			return
		}
	}
}

// takeStop resumes t until its SIGSTOP stops it.
func (p *Process) takeStop(t *Thread) error {
	if err := t.flushRegs(); err != nil {
		return err
	}
	for {
		t.regsValid = false
		if err := ptraceCont(t.tid, 0); err != nil {
			return err
		}
		ws, err := wait4(t.tid, false)
		if err != nil {
			return err
		}
		if !ws.status.Stopped() {
			delete(p.threads, t.tid)
			return fmt.Errorf("thread %d ended", t.tid)
		}
		sig := ws.status.StopSignal()
		if sig == unix.SIGSTOP {
			return nil
		}
		if sig != unix.SIGTRAP && sig != unix.SIGTRAP|0x80 {
			t.keepSignal(sig)
		}
	}
}

// stopPending reads a pending-signal mask line of a /proc status file and
// tells whether SIGSTOP is in it (proc(5): SigPnd, ShdPnd).
func stopPending(path, field string) bool {
	mask, err := strconv.ParseUint(statusField(path, field), 16, 64)
	return err == nil && mask&(1<<(unix.SIGSTOP-1)) != 0
}

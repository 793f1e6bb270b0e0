package engine

import (
	"fmt"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// Kill ends the process with SIGKILL and reaps every thread; it returns the
// exit event (signal SIGKILL).
func (p *Process) Kill() (*Event, error) {
	if p.exited {
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
	unix.Kill(p.pid, unix.SIGKILL)
	for _, ws := range p.deferred {
		if ws.tid == p.pid && (ws.status.Exited() || ws.status.Signaled()) {
			p.exitEvent(ws.status)
		}
	}
	p.deferred = nil
	for !p.exited {
		ws, err := wait4(-1, false)
		if err != nil {
			// ECHILD: nothing left to reap.
			p.exited = true
			if p.exit == nil {
				p.exit = &Event{Kind: EventExit, ExitSignal: unix.SIGKILL}
			}
			break
		}
		if ws.tid == p.pid && (ws.status.Exited() || ws.status.Signaled()) {
			p.exitEvent(ws.status)
		}
	}
	if p.bin != nil {
		p.bin.Close()
	}
	p.closeObjects()
}

// Detach puts every original byte back, lets threads that are inside the
// scratch area finish their copied instruction, and releases every thread
// running, with the signal it stopped with.
func (p *Process) Detach() error {
	if p.exited {
		return ErrExited
	}
	if p.sys.filters > 0 {
		return ErrSeccompDetach
	}
	p.stopTicker() // no wake-up after drainStops
	if err := p.stopAll(nil); err != nil {
		return err
	}
	// Stops collected meanwhile: a trap hit is undone (rip back on the
	// instruction, which runs again once the trap is gone); a signal is
	// delivered at detach.
	for _, ws := range p.deferred {
		t := p.threads[ws.tid]
		if t == nil || !ws.status.Stopped() || ws.watch != 0 {
			continue // a made-up watch stop: the thread simply runs on
		}
		sig := ws.status.StopSignal()
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
	p.drainStops()
	for _, t := range p.threads {
		if r, err := t.Regs(); err == nil && p.scratch.contains(Addr(r.Rip)) {
			p.leaveScratch(t, 0)
		}
	}
	err := p.removeAllTraps()
	if werr := p.clearDebugRegs(); err == nil {
		err = werr
	}
	for _, t := range p.threads {
		t.flushRegs()
		sig := t.pendingSig
		if e := unix.PtraceDetach(t.tid); e != nil && sig == 0 {
			_ = e // ESRCH: the thread exited meanwhile.
		} else if sig != 0 {
			tgkill(p.pid, t.tid, sig)
		}
	}
	p.exited = true
	p.exit = &Event{Kind: EventExit}
	p.threads = map[int]*Thread{}
	if p.mem != nil {
		p.mem.Close()
	}
	return err
}

// drainExit waits for the exit status after the current thread died.
func (p *Process) drainExit() (*Event, error) {
	for !p.exited {
		ws, err := wait4(-1, false)
		if err != nil {
			return nil, err
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
		for _, t := range p.Threads() {
			if !stopPending(fmt.Sprintf("/proc/%d/task/%d/status", p.pid, t.tid), "SigPnd:") &&
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
		if sig != unix.SIGTRAP && sig != unix.SIGTRAP|0x80 && t.pendingSig == 0 {
			t.pendingSig = sig
		}
	}
}

// stopPending reads a pending-signal mask line of a /proc status file and
// tells whether SIGSTOP is in it (proc(5): SigPnd, ShdPnd).
func stopPending(path, field string) bool {
	mask, err := strconv.ParseUint(statusField(path, field), 16, 64)
	return err == nil && mask&(1<<(unix.SIGSTOP-1)) != 0
}

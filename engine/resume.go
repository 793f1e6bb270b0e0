package engine

// Resuming and stopping threads.

import (
	"fmt"

	"github.com/godbg/godbg/engine/internal/ptrace"
)

// resume continues t: over the trap it reported, if it is still there.
func (p *Process) resume(t *Thread) error {
	if t.vforkChild != nil && p.vforkHeld(t) {
		return nil // until its vfork child execs or exits (fork_linux.go)
	}
	if t.watchFired != 0 {
		// A watchpoint fired during an engine single-step of t (the step
		// over a trap without displaced stepping): t stays stopped and its
		// hit comes to Continue as a stop of its own, before t runs on.
		// Registers changed meanwhile (a call's result set again by
		// softSyscallExit) are written now: that stop reads them anew.
		if err := t.flushRegs(); err != nil {
			return p.vanished(t, err)
		}
		p.deferred = append(p.deferred, waitStatus{tid: t.tid, status: watchStopStatus, watch: t.watchFired})
		t.watchFired = 0
		return nil
	}
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
	if t.pendingInfo != nil {
		if t.pendingInfo.Signo == int32(sig) {
			ptrace.SetSigInfo(t.tid, t.pendingInfo)
		}
		t.pendingInfo = nil
	}
	t.sendHeld()
	t.regsValid = false
	if err := p.resumeRequest(t, sig); err != nil {
		return p.vanished(t, fmt.Errorf("resume thread %d: %w", t.tid, err))
	}
	t.running = true
	return nil
}

// resumeAll continues every stopped thread that has no deferred stop.
func (p *Process) resumeAll() error { return p.resumeHeld(p.ownThreads()) }

// resumeHeld continues each of ts that is still a thread of p, stopped, and
// has no deferred stop: the one way back from stopAll.
func (p *Process) resumeHeld(ts []*Thread) error {
	held := heldTids(p.deferred)
	for _, t := range ts {
		if p.threads[t.tid] == t && !t.running && !held[t.tid] {
			if err := p.resume(t); err != nil {
				return err
			}
		}
	}
	return nil
}

// holdOthers stops every running thread but except; the func resumes them.
func (p *Process) holdOthers(except *Thread) (func() error, error) {
	var running []*Thread
	for _, t := range p.threads {
		if t.running && t != except {
			running = append(running, t)
		}
	}
	restart := func() error { return p.resumeHeld(running) }
	if len(running) == 0 {
		return restart, nil
	}
	return restart, p.stopAll(except)
}

// heldTids are the threads with a stop in ws (p.deferred): Continue takes
// those stops first, so the threads stay stopped until then.
func heldTids(ws []waitStatus) map[int]bool {
	held := map[int]bool{}
	for _, w := range ws {
		held[w.tid] = true
	}
	return held
}

// stopAll stops every running thread but except (ptrace.StopAll). A thread
// that stops for another reason meanwhile keeps that stop in p.deferred for
// Continue.
func (p *Process) stopAll(except *Thread) error {
	ts := p.stopTasks[:0]
	for _, t := range p.threads {
		if t != except && t.running {
			ts = append(ts, ptrace.Task{Tid: t.tid, Tgid: t.tgid(), Asked: t.stopWanted || t.newborn})
		}
	}
	p.stopTasks = ts
	if len(ts) == 0 {
		return nil
	}
	met, waited, err := ptrace.StopAll(ts, p.attached)
	p.stops += uint64(waited)
	for _, tk := range ts {
		t := p.threads[tk.Tid]
		if tk.Stopped {
			t.running, t.regsValid = false, false
		}
		if !tk.Asked {
			t.newborn = false // its birth stop taken
		}
		t.stopWanted = tk.Asked && !t.newborn
	}
	for _, ws := range met {
		if e := p.metWhileStopping(waitStatus{tid: ws.Tid, status: ws.Status}); e != nil && err == nil {
			err = e
		}
	}
	return err
}

// metWhileStopping takes a status stopAll met that was not the stop it
// asked for: another followed process's, an end, a fork child's or a new
// thread's first stop, another stop of a thread (deferred).
func (p *Process) metWhileStopping(ws waitStatus) error {
	if o := p.otherOwner(ws.tid); o != nil {
		o.foreignStop(ws) // another followed process's (follow.go)
		return nil
	}
	t := p.threads[ws.tid]
	st := ws.status
	if st.Exited() || st.Signaled() {
		if t != nil {
			delete(p.threads, ws.tid)
		}
		if ws.tid == p.pid {
			p.deferred = append(p.deferred, ws)
		}
		return nil
	}
	if t == nil {
		if p.isForkChild(ws.tid) {
			return p.forkChildStopped(ws.tid)
		}
		t = p.addThread(ws.tid)
		t.newborn = true
	}
	t.running = false
	t.regsValid = false
	if ptrace.IsStopRequest(st) && (t.stopWanted || t.newborn) {
		t.stopWanted, t.newborn = false, false
		return nil
	}
	p.deferred = append(p.deferred, ws)
	if p.attached {
		// Any ptrace stop takes a pending PTRACE_INTERRUPT with it
		// (kernel/signal.c, ptrace_stop: "any trap clears pending STOP
		// trap"), where a SIGSTOP would stay pending.
		t.stopWanted = false
	}
	return nil
}

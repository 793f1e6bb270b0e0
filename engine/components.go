package engine

// Features that change how threads run plug into the engine as components:
// resume and Detach go through this interface and name no feature. A
// feature keeps its state in Process (watch, sys, tick) and its logic in
// its own file; the component is the adapter the resume path and the
// teardown see.

import (
	"syscall"

	"github.com/godbg/godbg/engine/internal/ptrace"
	"golang.org/x/sys/unix"
)

type component interface {
	// beforeResume prepares t to run (a thread gets the current debug
	// registers here: clone(2) does not copy them to a new one).
	beforeResume(t *Thread) error
	// resumeMode is how t must run for the feature: ptrace.Syscall when it
	// needs t's system call stops, else ptrace.Cont.
	resumeMode(t *Thread) ptrace.Mode
	// classify takes the stops that are the feature's own in phase
	// (ok: handled, ev may be nil for an internal stop; an error ends
	// the classification too).
	classify(t *Thread, ws waitStatus, phase classifyPhase) (ev *Event, ok bool, err error)
	// prepareDetach runs first in Detach, while threads may run: it refuses
	// (an error) when the feature cannot be taken out, or quiesces it.
	prepareDetach() error
	// teardown takes the feature out of the tracee at Detach, every
	// thread stopped.
	teardown() error
}

// classifyPhase is where the components' classify runs among the engine's
// own explanations of a stop (stop.go): the order matters where a signal
// may be the engine's or a feature's.
type classifyPhase int

const (
	// phaseFirst: before anything, by the status alone (system call and
	// seccomp stops, a made-up watch stop).
	phaseFirst classifyPhase = iota
	// phaseLast: after the engine's own (ptrace events, the SIGSTOPs it
	// or Interrupt asked for, probe wake-ups, trampolines, breakpoint and
	// jump sites, stale traps), before the stop becomes a signal: a tick's
	// SIGSTOP, a watch trap (a SIGTRAP no site explains).
	phaseLast
)

// classify offers the stop to every component in phase.
func (p *Process) classify(t *Thread, ws waitStatus, phase classifyPhase) (*Event, bool, error) {
	for _, c := range p.features() {
		if ev, ok, err := c.classify(t, ws, phase); ok || err != nil {
			return ev, true, err
		}
	}
	return nil, false, nil
}

// features are the components, in the order they are asked.
func (p *Process) features() [3]component {
	return [...]component{watchFeature{p}, syscallFeature{p}, tickFeature{p}}
}

// resumeRequest resumes t with signal sig: every component prepares it,
// and it runs in the strongest mode one asks for (PTRACE_SYSCALL over
// PTRACE_CONT). Every resume but the engine's own single-steps comes here.
func (p *Process) resumeRequest(t *Thread, sig syscall.Signal) error {
	mode := ptrace.Cont
	live := p.threads[t.tid] == t // else it is on its way out: nothing to prepare
	for _, c := range p.features() {
		if live {
			if err := c.beforeResume(t); err != nil {
				return err
			}
		}
		if m := c.resumeMode(t); m > mode {
			mode = m
		}
	}
	if err := ptrace.Resume(t.tid, mode, sig); err != nil {
		return err
	}
	// A running thread's registers are the kernel's to change: the cache
	// is read afresh at its next stop, whoever reads it.
	t.regsValid = false
	return nil
}

// watchFeature: hardware and software watchpoints (watch.go, softwatch.go).
type watchFeature struct{ p *Process }

func (w watchFeature) beforeResume(t *Thread) error {
	if t.drGen != w.p.watch.gen {
		return w.p.writeDebugRegs(t)
	}
	return nil
}

// resumeMode: a software watchpoint needs the system call stops, where a
// kernel write into a protected page shows (softSyscallExit).
func (w watchFeature) resumeMode(*Thread) ptrace.Mode {
	if w.p.softSyscallStops() {
		return ptrace.Syscall
	}
	return ptrace.Cont
}

// classify: first, a made-up watch stop (a hit during an engine
// single-step, resume.go); last, a real watch trap: a SIGTRAP that no site
// explains.
func (w watchFeature) classify(t *Thread, ws waitStatus, phase classifyPhase) (*Event, bool, error) {
	switch {
	case phase == phaseFirst && ws.watch != 0:
		ev, err := w.p.watchHit(t, ws.watch)
		return ev, true, err
	case phase == phaseLast && ws.status.StopSignal() == unix.SIGTRAP:
		return w.p.watchStop(t)
	}
	return nil, false, nil
}

func (w watchFeature) prepareDetach() error { return nil }
func (w watchFeature) teardown() error      { return w.p.clearDebugRegs() }

// syscallFeature: system call catches (syscall.go, seccomp.go).
type syscallFeature struct{ p *Process }

func (s syscallFeature) beforeResume(*Thread) error { return nil }

// resumeMode: PTRACE_SYSCALL while a catch exists (not in seccomp mode,
// where the filter stops the calls), or for the exit stop of a call a
// seccomp stop reported.
func (s syscallFeature) resumeMode(t *Thread) ptrace.Mode {
	if s.p.sys.on || t.sys.WantExit {
		return ptrace.Syscall
	}
	return ptrace.Cont
}

// classify, first: syscall stops (PTRACE_O_TRACESYSGOOD marks them
// SIGTRAP|0x80, ptrace(2)) and seccomp stops (PTRACE_EVENT_SECCOMP).
func (s syscallFeature) classify(t *Thread, ws waitStatus, phase classifyPhase) (*Event, bool, error) {
	if phase != phaseFirst {
		return nil, false, nil
	}
	switch sig := ws.status.StopSignal(); {
	case sig == unix.SIGTRAP|0x80:
		ev, err := s.p.syscallStop(t)
		return ev, true, err
	case sig == unix.SIGTRAP && ws.status.TrapCause() == unix.PTRACE_EVENT_SECCOMP:
		ev, err := s.p.seccompStop(t)
		return ev, true, err
	}
	return nil, false, nil
}

// prepareDetach: a seccomp filter cannot be removed.
func (s syscallFeature) prepareDetach() error {
	if s.p.sys.filtered.Installed() > 0 {
		return ErrSeccompDetach
	}
	return nil
}

func (s syscallFeature) teardown() error { return nil }

// tickFeature: periodic stops (ticks.go).
type tickFeature struct{ p *Process }

func (k tickFeature) beforeResume(*Thread) error     { return nil }
func (k tickFeature) resumeMode(*Thread) ptrace.Mode { return ptrace.Cont }

// classify, last: a tick's wake-up, a SIGSTOP that is neither the
// engine's own nor Interrupt's (ticks.go).
func (k tickFeature) classify(t *Thread, ws waitStatus, phase classifyPhase) (*Event, bool, error) {
	if phase != phaseLast || ws.status.StopSignal() != unix.SIGSTOP {
		return nil, false, nil
	}
	wake, err := k.p.tickWake(t)
	return nil, wake, err
}

// prepareDetach ends the timer: no wake-up comes after Detach drains the
// pending stops.
func (k tickFeature) prepareDetach() error {
	k.p.stopTicker()
	return nil
}

func (k tickFeature) teardown() error { return nil }

package bindings

import (
	"errors"

	"github.com/godbg/godbg/engine"
	glua "github.com/yuin/gopher-lua"
)

// cont() -> ev: resume the tracee until a callback returns true, a
// breakpoint without fn is hit, a signal arrives or the process exits. A
// Lua error in a callback is raised again here.
func (m *Module) cont(L *glua.LState) int {
	m.notFromCallback(L, "cont")
	m.checkLive(L, "cont")
	ev, err := m.resume()
	if err != nil {
		m.raise(L, "cont", err)
	}
	L.Push(m.runEvent(ev))
	return 1
}

// resume runs one Continue with the callbacks; the event it returns is the
// one whose callback said stop (several breakpoints may share a site).
func (m *Module) resume() (*engine.Event, error) {
	return m.runWith(m.p.Continue)
}

// runWith runs the tracee through one of the engine's resuming calls
// (Continue, Next, Finish) with the callbacks as its hook: a callback's Lua
// error comes back as the error, the exit is remembered. The event is nil
// when a callback detached.
func (m *Module) runWith(run func(engine.Hook) (*engine.Event, error)) (*engine.Event, error) {
	m.out.Flush()
	m.cbErr, m.stopEv = nil, nil
	if m.resuming != nil {
		m.resuming(true)
	}
	ev, err := run(m.hook)
	if m.resuming != nil {
		m.resuming(false)
	}
	m.stop = nil
	if err == nil && m.cbErr == nil && !m.detached {
		// Every thread is stopped: the records of hits up to now.
		if derr := m.drainProbes(); derr != nil {
			m.cbErr, _ = derr.(*glua.ApiError)
			if m.cbErr == nil {
				err = derr
			}
		}
	}
	if m.cbErr != nil {
		return nil, m.cbErr
	}
	if err != nil {
		return nil, err
	}
	if m.detached {
		return nil, nil // a callback called detach()
	}
	if m.p.Exited() && ev.Kind != engine.EventExit {
		ev = m.p.ExitEvent() // a callback called kill() during a step, finish or next_line
	}
	if ev.Kind == engine.EventExit {
		m.exit = ev
	}
	if m.stopEv != nil && ev.Kind == engine.EventBreakpoint {
		ev = m.stopEv
	}
	m.stop = ev
	return ev, nil
}

// runEvent is the table cont, step, finish and next_line return for the
// event runWith gave: {reason="detach"} when a callback detached.
func (m *Module) runEvent(ev *engine.Event) *glua.LTable {
	if ev == nil {
		t := m.L.CreateTable(0, 1)
		t.RawSetString("reason", glua.LString("detach"))
		m.L.SetMetatable(t, m.eventStr)
		return t
	}
	return m.eventTable(ev)
}

// raise turns an error of op into a Lua error: a callback's Lua error as it
// was (its message already says SCRIPT:LINE), any other with the caller's
// position.
func (m *Module) raise(L *glua.LState, op string, err error) {
	var ae *glua.ApiError
	if errors.As(err, &ae) {
		L.Error(ae.Object, 0)
	}
	L.RaiseError("%s: %v", op, err)
}

// notFromCallback refuses op (cont, step, finish, next_line) in a callback
// the event loop runs: the loop owns the stopped threads and the stops
// already seen, and a second loop run from the callback would not see them
// (hits lost, threads resumed from a trap's middle).
func (m *Module) notFromCallback(L *glua.LState, op string) {
	if m.inCallback > 0 && m.ended == "" { // after the end, checkLive says so
		L.RaiseError("%s: cannot be called from a callback (the cont(), step(), finish() or next_line() that runs the "+
			"callback already runs the tracee): return true from the callback to stop there, that call then "+
			"returns its event; to see a function return, use brk's opts.on_return", op)
	}
}

func (m *Module) checkLive(L *glua.LState, op string) {
	switch {
	case m.p == nil:
		L.RaiseError("%s: no process", op)
	case m.ended != "":
		L.RaiseError("%s: the session has ended", op)
	case m.detached:
		L.RaiseError("%s: the process was detached", op)
	case m.exit != nil || m.p.Exited():
		L.RaiseError("%s: the process has exited", op)
	}
}

// step() -> ev: execute one instruction on the current thread. A system
// call the instruction makes while sys() hooks it, and a watchpoint it hits,
// run their callbacks as under cont(); step() returns the first event whose
// callback returns true (one without fn stops), else the step event. A
// `syscall` instruction thus steps through the call's entry and exit.
func (m *Module) step(L *glua.LState) int {
	m.notFromCallback(L, "step")
	m.checkLive(L, "step")
	ev, err := m.runWith(m.p.StepInstruction)
	if err != nil {
		m.raise(L, "step", err)
	}
	L.Push(m.runEvent(ev))
	return 1
}

// kill() -> ev: kill the tracee (SIGKILL) and reap it; returns the exit
// event {reason="exit", signal="SIGKILL"}; godbg then exits 137.
func (m *Module) kill(L *glua.LState) int {
	m.checkLive(L, "kill")
	ev, err := m.p.Kill()
	if err != nil {
		m.raise(L, "kill", err)
	}
	m.exit = ev
	m.endedBy = EndKill
	L.Push(m.eventTable(ev))
	return 1
}

// detach(): remove every breakpoint and let the tracee run on untraced;
// godbg then exits 0 when the script ends.
func (m *Module) detach(L *glua.LState) int {
	m.checkLive(L, "detach")
	m.out.Flush()
	if err := m.p.Detach(); err != nil {
		m.raise(L, "detach", err)
	}
	m.detached = true
	m.endedBy = EndDetach
	return 0
}

// RunToExit keeps the tracee running, its callbacks called, until it exits
// (the lifecycle after the main chunk). Stops requested by callbacks,
// breakpoints without fn and signals are passed over: there is no script
// left to return them to; a signal is delivered as the tracee resumes.
func (m *Module) RunToExit() error {
	for m.exit == nil && !m.detached && !m.p.Exited() {
		if _, err := m.resume(); err != nil {
			return err
		}
	}
	return nil
}

// Detached tells whether the script called detach().
func (m *Module) Detached() bool { return m.detached }

// ExitEvent is the tracee's exit event, nil while it lives.
func (m *Module) ExitEvent() *engine.Event {
	if m.exit == nil && m.p != nil && m.p.Exited() {
		m.exit = m.p.ExitEvent()
	}
	return m.exit
}

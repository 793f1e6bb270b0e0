package bindings

import (
	glua "github.com/yuin/gopher-lua"
)

// next_line() -> ev: run the current thread to the next source line of its
// function, stepping over calls: {reason="step", tid=, addr=, sym=} at the
// first statement of another line (where(ev.addr) gives file and line), or
// in the caller, at the return address, once the function returns. Calls
// (and inlined calls) run at full speed with every thread; while next_line
// single-steps, the other threads stay stopped (gdb's scheduler-locking
// "step" mode). Callbacks run as with cont(); one returning true ends
// next_line() early with its event, as does the exit.
func (m *Module) nextLine(L *glua.LState) int {
	m.notFromCallback(L, "next_line")
	m.checkLive(L, "next_line")
	ev, err := m.runWith(m.p.Next)
	if err != nil {
		m.raise(L, "next_line", err)
	}
	L.Push(m.runEvent(ev))
	return 1
}

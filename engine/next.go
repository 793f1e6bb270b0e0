package engine

// Next: one source line of the current thread, stepping over calls (gdb's
// `next`, Delve's `next`).
//
// The thread single-steps instruction by instruction while the other
// threads stay stopped; a call is stepped over at full speed: a one-shot
// trap at the call's return address, matched like Finish's by stack and
// depth (goroutine plus distance from its stack top in Go, so a stack that
// grows and moves during the call still matches, and a goroutine that comes
// back on another thread too), and a Continue, during which every thread
// runs and breakpoints call the hook as usual. That is gdb's
// `scheduler-locking step` mode.
//
// It stops at the first is_stmt line-table row of another source line in
// the same frame (code inlined from another function is stepped through as
// a call), or in the caller once the frame returns (at the return
// address, mid-line, as Delve does), or wherever control leaves the
// function without a call (a tail jump). A breakpoint met on the way is a
// hit: its hook call runs and, when it asks to stop, Next returns its event.

import (
	"fmt"

	"golang.org/x/arch/x86/x86asm"
)

// Next runs the current thread to the next source line, stepping over
// calls, and returns an EventStep there (Addr the new pc); or the event a
// hook asked to stop at on the way, or the exit.
func (p *Process) Next(hook Hook) (*Event, error) {
	t, err := p.steppingThread("next")
	if err != nil {
		return nil, err
	}
	return t.p.next(t, hook)
}

// next is Next of t, a thread of p.
func (p *Process) next(t *Thread, hook Hook) (*Event, error) {
	if hook == nil {
		hook = func(ev *Event) (bool, error) { return !ev.Notice(), nil }
	}
	r, err := t.Regs()
	if err != nil {
		return nil, err
	}
	pc := p.RealPC(Addr(r.Rip))
	fn, ok := p.bin.FuncAt(pc - p.bias)
	if !ok {
		return nil, fmt.Errorf("next: no function at %#x", uint64(pc))
	}
	lo, hi := fn.Addr+p.bias, fn.Addr+p.bias+Addr(fn.Size)
	file, line, _ := p.bin.PCToLine(pc - p.bias)
	fr, err := p.frameAt(t)
	if err != nil {
		return nil, fmt.Errorf("next: %w", err)
	}
	key, top := p.stackOf(t)
	cfaOff := top - fr.CFA // survives Go's stack moves (see returns.go)
	depth := func(Addr) int { return 0 }
	if p.bin.HasDWARF() {
		if d, err := p.DebugInfo(); err == nil {
			depth = func(pc Addr) int { return d.InlineDepth(uint64(pc)) }
		}
	}
	inl := depth(pc)
	for {
		if r, err = t.Regs(); err != nil {
			return nil, err
		}
		pc = Addr(r.Rip)
		var code [maxInstLen]byte
		n := len(code)
		for n > 0 && p.ReadOriginal(pc, code[:n]) != nil {
			n-- // near the end of a mapping
		}
		inst, derr := x86asm.Decode(code[:n], 64)
		if derr == nil && inst.Op == x86asm.CALL {
			ev, back, err := p.stepOverCall(t, key, top-r.Rsp, pc+Addr(inst.Len), hook)
			if err != nil || back == nil {
				return ev, err
			}
			t = back
			if r, err = t.Regs(); err != nil {
				return nil, err
			}
			key, top = p.stackOf(t)
		} else {
			ev, err := p.stepInstruction(t, hook)
			if err != nil || ev.Kind == EventExit || ev.Kind == EventProcessExit {
				return ev, err
			}
			if ev.Kind == EventSyscall || ev.Kind == EventWatch {
				// The hook saw it and asked to stop (StepInstruction).
				return ev, nil
			}
			if ev.Kind != EventStep {
				// StepInstruction ran a trap not reported yet: a hit.
				if stop, sev, err := p.loop().callHook(hook, ev); err != nil || stop {
					return sev, err
				}
			} else if ev, err := p.landOnSite(t, hook); err != nil || ev != nil {
				return ev, err
			}
		}
		if r, err = t.Regs(); err != nil {
			return nil, err
		}
		npc := p.RealPC(Addr(r.Rip))
		if npc < lo || npc >= hi || r.Rsp >= top-cfaOff {
			// Left the function: returned (sp above the frame's CFA) or
			// jumped elsewhere.
			return &Event{Kind: EventStep, Thread: t, Tid: t.tid, Addr: Addr(r.Rip)}, nil
		}
		switch d := depth(npc); {
		case d > inl:
			continue // in a call inlined here: stepped over as a real one
		case d < inl:
			// Out of the inlined function we started in: its "return".
			return &Event{Kind: EventStep, Thread: t, Tid: t.tid, Addr: Addr(r.Rip)}, nil
		}
		if p.lineChanged(npc, file, line) {
			return &Event{Kind: EventStep, Thread: t, Tid: t.tid, Addr: Addr(r.Rip)}, nil
		}
	}
}

// lineChanged tells whether pc starts a statement of another line than
// file:line.
func (p *Process) lineChanged(pc Addr, file string, line int) bool {
	f, l, ok := p.bin.PCToLine(pc - p.bias)
	if !ok || l == 0 || (f == file && l == line) {
		return false
	}
	stmt, known := p.bin.IsStmt(pc - p.bias)
	return stmt || !known
}

// landOnSite reports the hit of a trap the thread has just stepped onto,
// before the instruction under it runs, as Continue would when executing
// it: the hook runs for its events; the first that asks to stop is
// returned. The thread stays stopped either way.
func (p *Process) landOnSite(t *Thread, hook Hook) (*Event, error) {
	r, err := t.Regs()
	if err != nil {
		return nil, err
	}
	pc := Addr(r.Rip)
	s := p.sites[pc]
	if s == nil || !s.inserted {
		return nil, nil
	}
	// hitSiteEvent resumes a thread whose hit makes no event (a return trap
	// of another call), unless held.
	p.hold = t
	ev, err := p.hitSiteEvent(t, s, false)
	p.hold = nil
	if err != nil || ev == nil {
		return nil, err
	}
	lp := p.loop()
	lp.setCurrent(t)
	stop, sev, err := lp.callHook(hook, ev)
	if err != nil || stop {
		return sev, err
	}
	return nil, nil
}

// stepOverCall runs the call t is stopped at until it returns to ret on the
// same stack at the same depth (off = stack top - sp before the call). It
// returns the thread that came back (a goroutine may return on another
// thread), or, when a hook stopped first or the process exited, that event.
func (p *Process) stepOverCall(t *Thread, key callKey, off uint64, ret Addr, hook Hook) (*Event, *Thread, error) {
	f := &finishTrap{p: p, addr: ret, key: key, off: off}
	if err := p.addSiteUser(ret, f); err != nil {
		return nil, nil, fmt.Errorf("next: %w", err)
	}
	defer func() {
		if !p.exited {
			p.removeSiteUser(ret, f)
		}
	}()
	ev, err := p.loop().Continue(p.untilEnd(func(ev *Event) (bool, error) {
		if ev == f.ev {
			return true, nil
		}
		return hook(ev)
	}))
	if err != nil {
		return nil, nil, err
	}
	if ev != f.ev {
		return ev, nil, nil
	}
	return nil, ev.Thread, nil
}

// holds tells hitSiteEvent to leave t stopped after a hit without event:
// Next and StepInstruction take such hits in place and step on.
func (p *Process) holds(t *Thread) bool { return p.hold == t }

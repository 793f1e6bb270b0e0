package engine

import "fmt"

// finishTrap is Finish's one-shot trap at the return address of the
// current frame; it reports only the return of that frame: on its
// goroutine or thread, with sp back at the frame's CFA.
type finishTrap struct {
	p    *Process
	addr Addr
	key  callKey
	off  uint64 // stack top - CFA, as for return events
	fn   Addr   // a pc in the function being finished (for rets())
	ev   *Event
}

func (f *finishTrap) siteHit(t *Thread, s *site) ([]*Event, error) {
	if f.ev != nil {
		return nil, nil
	}
	r, err := t.Regs()
	if err != nil {
		return nil, err
	}
	key, top := f.p.stackOf(t)
	if key != f.key || top-f.off != r.Rsp {
		return nil, nil // another goroutine, or a deeper call of the same function
	}
	f.ev = &Event{Kind: EventFinish, Thread: t, Tid: t.tid, Addr: f.addr}
	f.p.noteReturn(t, f.fn, f.addr)
	return []*Event{f.ev}, nil
}

// Finish runs until the function the current thread is stopped in returns
// to its caller, and returns the EventFinish there (the thread stopped at
// the return address). Other threads run meanwhile and their events go to
// hook as in Continue; if the hook stops first, or the process exits, that
// event is returned instead and the finish is abandoned.
func (p *Process) Finish(hook Hook) (*Event, error) {
	t, err := p.steppingThread("finish")
	if err != nil {
		return nil, err
	}
	return t.p.finish(t, hook)
}

// finish is Finish of t, a thread of p; the family's loop runs meanwhile.
func (p *Process) finish(t *Thread, hook Hook) (ev *Event, err error) {
	fr, err := p.frameAt(t)
	if err != nil {
		return nil, err // "unwind at PC (FUNC): why": the caller names the operation
	}
	r, err := t.Regs()
	if err != nil {
		return nil, err
	}
	key, top := p.stackOf(t)
	f := &finishTrap{p: p, addr: Addr(fr.Ret), key: key, off: top - fr.CFA, fn: p.RealPC(Addr(r.Rip))}
	if err := p.addSiteUser(f.addr, f); err != nil {
		return nil, fmt.Errorf("finish: %w", err)
	}
	defer func() {
		if p.exited {
			return
		}
		if rerr := p.removeSiteUser(f.addr, f); rerr != nil && err == nil {
			ev, err = nil, fmt.Errorf("finish: remove the trap at %#x: %w", uint64(f.addr), rerr)
		}
	}()
	return p.loop().Continue(p.untilEnd(func(ev *Event) (bool, error) {
		if ev == f.ev {
			return true, nil
		}
		if hook == nil {
			return !ev.Notice(), nil
		}
		return hook(ev)
	}))
}

package engine

// Reading a returned function's results (rets() in the bindings): the
// engine remembers, for each thread, which function its last return event
// or finish came back from and where; debuginfo.Results reads the results
// from the registers and the stack by the calling convention.

import (
	"fmt"

	"github.com/godbg/godbg/engine/debuginfo"
)

// lastReturn is a thread's latest return: from fn, stopped at at.
type lastReturn struct {
	fn, at Addr
}

func (p *Process) noteReturn(t *Thread, fn, at Addr) {
	if fn == 0 {
		return // Next's trap over a call: no function to read
	}
	rt := p.returns()
	if rt.last == nil {
		rt.last = map[int]lastReturn{}
	}
	rt.last[t.tid] = lastReturn{fn: fn, at: at}
}

// Results reads the results of the call t has just returned from: t must be
// stopped where a return event (on_return) or Finish left it. See
// debuginfo.Results for where the values are found and how they are named.
func (t *Thread) Results() ([]debuginfo.Value, error) {
	p := t.p
	if p.exited {
		return nil, ErrExited
	}
	var lr lastReturn
	ok := false
	if p.rets != nil {
		lr, ok = p.rets.last[t.tid]
	}
	pc, err := t.PC()
	if err != nil {
		return nil, err
	}
	if !ok || p.RealPC(pc) != lr.at {
		return nil, fmt.Errorf("thread %d is not stopped at a return (use rets() in an on_return callback or after finish())", t.tid)
	}
	return t.ResultsOf(lr.fn)
}

// ResultsOf reads the results of the function holding fn, as if t had just
// returned from it.
func (t *Thread) ResultsOf(fn Addr) ([]debuginfo.Value, error) {
	var d *debuginfo.Info
	var fr frameRegs
	var err error
	o := t.p.ObjectAt(fn)
	if o != nil && !o.Main {
		// A library function: the library's own DWARF types its results.
		if d = t.p.objectDebugInfo(o); d == nil {
			return nil, fmt.Errorf("no debug info for %s", o.Path)
		}
		fr, err = t.frameRegs()
	} else {
		d, fr, err = t.debugFrame()
	}
	if err != nil {
		return nil, err
	}
	xmm, err := t.xmmRegs()
	if err != nil {
		return nil, err
	}
	vs, err := d.Results(memory{t.p}, uint64(fn), retRegs{frameRegs: fr, xmm: xmm})
	if err != nil && o != nil && !o.Main {
		return nil, fmt.Errorf("%s: %w", o.Name(), err)
	}
	return vs, err
}

// retRegs adds xmm0-xmm15 (low 64 bits, DWARF 17-32) to a thread's
// general registers.
type retRegs struct {
	frameRegs
	xmm [16]uint64
}

func (r retRegs) Reg(n int) (uint64, bool) {
	if n >= 17 && n <= 32 {
		return r.xmm[n-17], true
	}
	return r.frameRegs.Reg(n)
}

package engine

// One-frame unwinding, shared by ForceReturn, return events, Finish and
// Next: debuginfo.CallerOf (the step bt()'s unwinder, debuginfo.UnwindAcross,
// takes) over the call frame information of whichever mapped object holds
// the pc (the program, libc, libpython...), wherever in the prologue the pc
// is.

import "github.com/godbg/godbg/engine/debuginfo"

// infoAt is the debug information (CFI, symbols) of the object whose code
// holds the runtime address pc: the program's, else the library's; nil
// where no mapped object has code (CallerOf then refuses).
func (p *Process) infoAt(pc uint64) *debuginfo.Info {
	if d, _ := p.DebugInfo(); d != nil && d.InText(pc) {
		return d
	}
	if o := p.ObjectAt(Addr(pc)); o != nil && !o.Main {
		return p.objectDebugInfo(o)
	}
	return nil
}

// frameAt unwinds t's innermost frame: its CFA, return address and the
// caller's registers it saved. It fails, changing nothing, unless the
// unwinder trusts the frame and the return address lies in code.
func (p *Process) frameAt(t *Thread) (debuginfo.Caller, error) {
	fr, err := t.frameRegs()
	if err != nil {
		return debuginfo.Caller{}, err
	}
	return debuginfo.CallerOf(memory{p}, fr, p.infoAt)
}

package engine

import (
	"fmt"

	"github.com/godbg/godbg/engine/debuginfo"
	"github.com/godbg/godbg/engine/symtab"
)

// memory adapts the process to debuginfo.Memory: reads see the original
// code bytes, not the traps.
type memory struct{ p *Process }

func (m memory) ReadMemory(addr uint64, buf []byte) error {
	return m.p.ReadOriginal(Addr(addr), buf)
}

// Memory is the process as a debuginfo.Memory.
func (p *Process) Memory() debuginfo.Memory { return memory{p} }

// frameRegs presents a thread's registers with a scratch-area pc mapped back
// to its breakpoint site, so unwinding and variable lookup never see the
// scratch page.
type frameRegs struct {
	r  *Regs
	pc uint64
}

func (f frameRegs) PC() uint64 { return f.pc }
func (f frameRegs) SP() uint64 { return f.r.Rsp }
func (f frameRegs) Reg(n int) (uint64, bool) {
	if n == 16 {
		return f.pc, true
	}
	return f.r.DwarfReg(n)
}

// DebugInfo returns the program's DWARF, CFI and runtime knowledge, read on
// first use and kept.
func (p *Process) DebugInfo() (*debuginfo.Info, error) {
	if p.dbg != nil || p.dbgErr != nil {
		return p.dbg, p.dbgErr
	}
	f := p.bin.ELF()
	d, _ := p.bin.DWARF() // nil without DWARF: symbols and CFI still serve
	p.dbg, p.dbgErr = debuginfo.NewWithSymbols(f, d, uint64(p.bias), funcLookup(p.bin))
	if p.dbg != nil && p.bin.IsGo() {
		p.dbg.SetGoTable(goTable{p.bin})
	}
	if p.dbg != nil {
		p.dbg.SetDebugFile(p.bin.DebugELF())
	}
	return p.dbg, p.dbgErr
}

// goTable hands symtab's pclntab reader to debuginfo, for Go programs
// without DWARF.
type goTable struct{ b *symtab.Binary }

func (g goTable) PCToLine(pc uint64) (string, int, bool) { return g.b.PCToLine(symtab.Addr(pc)) }
func (g goTable) SPDelta(pc uint64) (int64, bool)        { return g.b.SPDelta(symtab.Addr(pc)) }
func (g goTable) GoVersion() string                      { return g.b.GoVersion() }
func (g goTable) Func(name string) (uint64, uint64, bool) {
	s, ok := g.b.LookupSym(name)
	return uint64(s.Addr), s.Size, ok && s.Kind == symtab.Func
}

// funcLookup hands symtab's function index to debuginfo, which then reads
// no symbol table of its own.
func funcLookup(b *symtab.Binary) debuginfo.FuncLookup {
	return func(a uint64) (string, uint64, uint64, bool) {
		s, ok := b.FuncAt(symtab.Addr(a))
		return s.Name, uint64(s.Addr), s.Size, ok
	}
}

func (t *Thread) frameRegs() (frameRegs, error) {
	r, err := t.Regs()
	if err != nil {
		return frameRegs{}, err
	}
	return frameRegs{r: r, pc: uint64(t.p.RealPC(Addr(r.Rip)))}, nil
}

// GoroutineID reads the id of the goroutine running on t (Go programs);
// ok is false elsewhere or when t runs no goroutine.
func (t *Thread) GoroutineID() (id int64, ok bool) {
	id, _, ok = t.goroutineStack()
	return id, ok
}

// goroutineStack is the goroutine t runs and the top of its stack
// (g.stack.hi); ok is false where GoroutineID's is. A g0 (a system stack)
// has id 0.
func (t *Thread) goroutineStack() (id int64, hi uint64, ok bool) {
	p := t.p
	if !p.goidReader() {
		return 0, 0, false
	}
	fr, err := t.frameRegs()
	if err != nil {
		return 0, 0, false
	}
	return p.goids.GoroutineStack(memory{p}, fr)
}

// goidReader makes p.goids once; false when there is none (not Go).
func (p *Process) goidReader() bool {
	if !p.bin.IsGo() {
		return false
	}
	if p.goids == nil && p.goidsErr == nil {
		d, err := p.bin.DWARF()
		if err == nil {
			p.goids, err = debuginfo.NewGoidReader(d)
		} else {
			// Without DWARF (-ldflags=-w, the go command itself): the
			// layout of runtime.g for the program's Go release.
			p.goids, err = debuginfo.NewGoidReaderForVersion(p.bin.GoVersion())
		}
		p.goidsErr = err
	}
	return p.goids != nil
}

// GoroutineIDsError says why a Go program's events will carry no goroutine
// id: it has no DWARF and its Go release's runtime.g layout is not in
// debuginfo's table. nil for other programs and when the ids can be read.
func (p *Process) GoroutineIDsError() error {
	if !p.bin.IsGo() || p.bin.HasDWARF() {
		return nil
	}
	_, err := debuginfo.NewGoidReaderForVersion(p.bin.GoVersion())
	return err
}

// Backtrace unwinds t's stack, innermost frame first, at most max frames.
func (t *Thread) Backtrace(max int) ([]debuginfo.Frame, error) {
	d, err := t.p.DebugInfo()
	if err != nil {
		return nil, err
	}
	fr, err := t.frameRegs()
	if err != nil {
		return nil, err
	}
	return t.p.unwind(d, fr, max)
}

// unwind walks a stack from regs through the program and its libraries.
func (p *Process) unwind(d *debuginfo.Info, regs debuginfo.Registers, max int) ([]debuginfo.Frame, error) {
	if len(p.libs.objs) <= 1 && !p.isDynamic() {
		return d.Unwind(memory{p}, regs, max) // a static program: no library
	}
	return debuginfo.UnwindAcross(memory{p}, regs, max, func(pc uint64) *debuginfo.Info {
		if o := p.objectForUnwind(Addr(pc)); o != nil {
			if od := p.objectDebugInfo(o); od != nil {
				return od
			}
		}
		return d
	})
}

// GoroutineBacktrace unwinds goroutine g's stack (one of Goroutines'),
// innermost frame first, at most max frames: from its thread's registers
// when it runs, else from the registers the scheduler saved in g.sched.
func (p *Process) GoroutineBacktrace(g debuginfo.Goroutine, max int) ([]debuginfo.Frame, error) {
	d, err := p.DebugInfo()
	if err != nil {
		return nil, err
	}
	if g.PC == 0 || g.SP == 0 {
		return nil, fmt.Errorf("goroutine %d has no saved registers (status %s)", g.ID, g.Status)
	}
	return p.unwind(d, g.Regs(), max)
}

// Args reads the arguments of the function t is stopped in.
func (t *Thread) Args() ([]debuginfo.Value, error) {
	d, fr, err := t.debugFrame()
	if err != nil {
		return nil, err
	}
	return d.Args(memory{t.p}, fr)
}

// Locals reads the local variables in scope at t's pc.
func (t *Thread) Locals() ([]debuginfo.Value, error) {
	d, fr, err := t.debugFrame()
	if err != nil {
		return nil, err
	}
	return d.Locals(memory{t.p}, fr)
}

// Eval evaluates a variable expression (a.b, a[i], *p) in t's frame.
func (t *Thread) Eval(expr string) (debuginfo.Value, error) {
	d, fr, err := t.debugFrame()
	if err != nil {
		return debuginfo.Value{}, err
	}
	return d.Eval(memory{t.p}, fr, expr)
}

func (t *Thread) debugFrame() (*debuginfo.Info, frameRegs, error) {
	// Stopped in a library whose DWARF godbg has (its own, or a separate
	// debug file: libc6-dbg's): that library's.
	if fr, err := t.frameRegs(); err == nil {
		if o := t.p.objectForUnwind(Addr(fr.pc)); o != nil && o.File.Bin.HasDWARF() {
			d, derr := t.p.objectDebugInfoErr(o)
			if d != nil {
				return d, fr, nil
			}
			return nil, frameRegs{}, fmt.Errorf("debug info of %s: %w", o.Name(), derr)
		}
	}
	if !t.p.bin.HasDWARF() {
		return nil, frameRegs{}, fmt.Errorf("no debug info (DWARF) in %s: build with -g (C) or without -ldflags=-w (Go)", t.p.bin.Path())
	}
	d, err := t.p.DebugInfo()
	if err != nil {
		return nil, frameRegs{}, err
	}
	fr, err := t.frameRegs()
	return d, fr, err
}

// Goroutines lists the program's goroutines (Go programs).
func (p *Process) Goroutines() ([]debuginfo.Goroutine, error) {
	if !p.bin.IsGo() {
		return nil, fmt.Errorf("%s is not a Go program", p.bin.Path())
	}
	d, err := p.DebugInfo()
	if err != nil {
		return nil, err
	}
	// A running goroutine's pc is in its thread's registers, not in its g.
	var regs []debuginfo.Registers
	for _, t := range p.ownThreads() {
		if fr, err := t.frameRegs(); err == nil {
			regs = append(regs, fr)
		}
	}
	return d.GoroutinesWithThreads(memory{p}, regs)
}

// frameDebug returns the debug information and registers of frame f (one of
// Backtrace's or GoroutineBacktrace's): a library's own DWARF when the
// frame is in a library that has it, else the program's.
func (p *Process) frameDebug(f debuginfo.Frame) (*debuginfo.Info, debuginfo.Registers, error) {
	regs := f.Registers()
	if regs == nil {
		return nil, nil, fmt.Errorf("frame at %#x was not unwound", f.PC)
	}
	if o := p.objectForUnwind(Addr(f.PC)); o != nil && o.File.Bin.HasDWARF() {
		d, derr := p.objectDebugInfoErr(o)
		if d != nil {
			return d, regs, nil
		}
		return nil, nil, fmt.Errorf("debug info of %s: %w", o.Name(), derr)
	}
	if !p.bin.HasDWARF() {
		return nil, nil, fmt.Errorf("no debug info (DWARF) in %s: build with -g (C) or without -ldflags=-w (Go)", p.bin.Path())
	}
	d, err := p.DebugInfo()
	return d, regs, err
}

// FrameArgs reads the arguments of frame f (any frame of a thread's or a
// goroutine's backtrace).
func (p *Process) FrameArgs(f debuginfo.Frame) ([]debuginfo.Value, error) {
	d, regs, err := p.frameDebug(f)
	if err != nil {
		return nil, err
	}
	return d.Args(memory{p}, regs)
}

// FrameLocals reads the local variables in scope in frame f.
func (p *Process) FrameLocals(f debuginfo.Frame) ([]debuginfo.Value, error) {
	d, regs, err := p.frameDebug(f)
	if err != nil {
		return nil, err
	}
	return d.Locals(memory{p}, regs)
}

// FrameEval evaluates an expression in frame f's scope.
func (p *Process) FrameEval(f debuginfo.Frame, expr string) (debuginfo.Value, error) {
	d, regs, err := p.frameDebug(f)
	if err != nil {
		return debuginfo.Value{}, err
	}
	return d.Eval(memory{p}, regs, expr)
}

package debuginfo

import (
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"fmt"

	"github.com/go-delve/delve/pkg/dwarf/frame"
	"github.com/go-delve/delve/pkg/dwarf/godwarf"
	"github.com/go-delve/delve/pkg/dwarf/op"
)

// Frame is one frame of a call stack. PC and SP are the frame's own (for a
// caller: the return address and the stack pointer after the callee
// returned); CFA is the canonical frame address (SP before the call that
// made the frame, DWARF 5, 6.4). File and Line are those of PC for frame 0
// and of the call instruction (PC-1) for callers, as gdb and Delve show.
// An inlined call is a frame of its own with Inlined=true, sharing PC, SP
// and CFA with the frame of the function it was inlined into.
type Frame struct {
	PC, SP, CFA uint64
	Func        string
	File        string
	Line        int
	Inlined     bool

	state *frameState // for Registers: the unwound registers
}

// stackEnds are the functions where a stack begins: a goroutine's
// (runtime.goexit), the g0 stacks (runtime.mstart, runtime.rt0_go), and a
// C program's entry (_start).
var stackEnds = map[string]bool{
	"runtime.goexit":    true,
	"runtime.mstart":    true,
	"runtime.mstart0":   true,
	"runtime.rt0_go":    true,
	"_start":            true,
	"_rt0_amd64":        true,
	"__libc_start_main": true,
}

// regSet is one frame's register values, DWARF numbered.
type regSet struct {
	val [numRegs]uint64
	ok  [numRegs]bool
}

func regsFrom(r Registers) *regSet {
	rs := &regSet{}
	for n := 0; n < numRegs; n++ {
		rs.val[n], rs.ok[n] = r.Reg(n)
	}
	rs.val[regRIP], rs.ok[regRIP] = r.PC(), true
	rs.val[regRSP], rs.ok[regRSP] = r.SP(), true
	return rs
}

func (rs *regSet) dwarfRegs(staticBase uint64) *op.DwarfRegisters {
	regs := make([]*op.DwarfRegister, numRegs)
	for n := range regs {
		if rs.ok[n] {
			regs[n] = op.DwarfRegisterFromUint64(rs.val[n])
		}
	}
	return op.NewDwarfRegisters(staticBase, regs, binary.LittleEndian, regRIP, regRSP, regRBP, 0)
}

func readMemFunc(mem Memory) op.ReadMemoryFunc {
	return func(buf []byte, addr uint64) (int, error) {
		if err := mem.ReadMemory(addr, buf); err != nil {
			return 0, err
		}
		return len(buf), nil
	}
}

func readU64(mem Memory, addr uint64) (uint64, error) {
	var b [8]byte
	if err := mem.ReadMemory(addr, b[:]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b[:]), nil
}

// Unwind walks the stack of the thread whose registers are regs, at most
// max frames (inlined frames count). Frame 0 is the current pc. It uses
// CFI (.debug_frame, .eh_frame) where an FDE covers the pc and the rbp
// chain otherwise, and stops at a stack's first function, at a return
// address of 0, or where the stack pointer stops growing. A frame it cannot
// unwind further ends the walk without error; the error is for a failure
// before any frame.
func (i *Info) Unwind(mem Memory, regs Registers, max int) ([]Frame, error) {
	return UnwindAcross(mem, regs, max, func(uint64) *Info { return i })
}

// UnwindAcross is Unwind over several binaries, a program and its shared
// libraries: infoFor gives the Info (its CFI, symbols and lines) of the
// binary holding a runtime pc, nil for none. A frame in libc's puts thus
// unwinds by libc's .eh_frame to the program's frame that called it.
func UnwindAcross(mem Memory, regs Registers, max int, infoFor func(pc uint64) *Info) ([]Frame, error) {
	if max <= 0 {
		max = 1 << 16
	}
	rs := regsFrom(regs)
	var frames []Frame
	for depth := 0; len(frames) < max; depth++ {
		pc := rs.val[regRIP]
		lookup := pc
		if depth > 0 {
			lookup = pc - 1 // the call, which may be the function's last instruction
		}
		i := infoFor(lookup)
		if i == nil {
			break
		}
		if _, err := i.cfi(); err != nil && depth == 0 {
			return nil, err // a damaged binary, as New reported it before CFI was lazy
		}
		cfa, caller, _, err := i.unwindOne(mem, rs, lookup)
		if err != nil && depth == 0 {
			cfa = 0
		}
		frames = i.appendFrames(frames, pc, lookup, rs, cfa, depth, max)
		last := frames[len(frames)-1].Func
		if err != nil || caller == nil || stackEnds[last] || (last == "main" && !i.isGoPC(lookup)) {
			break // C: gdb stops at main too ("backtrace past-main" off)
		}
		ra := caller.val[regRIP]
		if ra == 0 || caller.val[regRSP] <= rs.val[regRSP] {
			break
		}
		if next := infoFor(ra - 1); next == nil || !next.inText(ra-1) {
			break // a return address outside the binaries we have CFI for
		}
		rs = caller
	}
	return frames, nil
}

// Caller is what returning from the innermost frame gives back: the
// caller's stack pointer (the frame's CFA), the return address, and the
// caller's values of the registers the frame has saved so far (DWARF
// numbers below 16, rsp and rip aside): those a return restores.
type Caller struct {
	CFA, Ret uint64
	Saved    map[int]uint64
}

// CallerOf unwinds the innermost frame of regs by the rules UnwindAcross
// walks with (infoFor as there: the Info of the object holding a runtime
// pc, nil for none): for return hooks, finish and force_return. Unlike a
// backtrace, which shows what it can, it fails rather than guess: the
// frame's rule must be one that describes it (CFI, a function's entry, a
// frame pointer the function keeps), and the return address must lie in
// an executable segment of a mapped object.
func CallerOf(mem Memory, regs Registers, infoFor func(pc uint64) *Info) (Caller, error) {
	rs := regsFrom(regs)
	pc, sp := rs.val[regRIP], rs.val[regRSP]
	i := infoFor(pc)
	if i == nil || !i.inText(pc) {
		return Caller{}, fmt.Errorf("unwind at %#x: no mapped object has code there", pc)
	}
	where := func() string {
		if name := i.FuncName(pc); name != "" {
			return fmt.Sprintf("%#x (%s)", pc, name)
		}
		return fmt.Sprintf("%#x", pc)
	}
	cfa, caller, trusted, err := i.unwindOne(mem, rs, pc)
	switch {
	case err != nil:
		return Caller{}, err
	case caller == nil:
		return Caller{}, fmt.Errorf("unwind at %s: the outermost frame has no caller", where())
	case !trusted:
		return Caller{}, fmt.Errorf("unwind at %s: no call frame information, and the function keeps no frame pointer", where())
	case cfa <= sp:
		return Caller{}, fmt.Errorf("unwind at %s: frame address %#x not above the stack pointer %#x", where(), cfa, sp)
	}
	ra := caller.val[regRIP]
	if next := infoFor(ra); next == nil || !next.inText(ra) {
		return Caller{}, fmt.Errorf("unwind at %s: return address %#x is in no executable mapping", where(), ra)
	}
	c := Caller{CFA: cfa, Ret: ra, Saved: map[int]uint64{}}
	for n := 0; n < 16; n++ {
		if n != regRSP && caller.ok[n] && caller.val[n] != rs.val[n] {
			c.Saved[n] = caller.val[n]
		}
	}
	return c, nil
}

// appendFrames adds the frames of one physical frame: the inlined calls at
// pc, innermost first, then the function they were inlined into.
func (i *Info) appendFrames(frames []Frame, pc, lookup uint64, rs *regSet, cfa uint64, depth, max int) []Frame {
	file, line := i.PCToLine(lookup)
	fp := lookup - i.bias
	fn := i.funcAt(fp)
	sp := rs.val[regRSP]
	state := func(inl int) *frameState {
		return &frameState{rs: rs, caller: depth > 0, inl: inl, isGo: i.isGoPC(lookup)}
	}
	if fn == nil {
		return append(frames, Frame{PC: pc, SP: sp, CFA: cfa, Func: i.FuncName(lookup), File: file, Line: line, state: state(-1)})
	}
	chain := i.inlineChain(fn, fp)
	for k := len(chain) - 1; k >= 0 && len(frames) < max; k-- {
		n := chain[k]
		frames = append(frames, Frame{PC: pc, SP: sp, CFA: cfa, Func: i.dieName(n), File: file, Line: line, Inlined: true, state: state(k)})
		file, line = i.callSite(fn, n)
	}
	if len(frames) < max {
		frames = append(frames, Frame{PC: pc, SP: sp, CFA: cfa, Func: fn.name, File: file, Line: line, state: state(-1)})
	}
	return frames
}

// inlineChain returns the DW_TAG_inlined_subroutine DIEs holding the file
// address pc, outermost first.
func (i *Info) inlineChain(fn *fnRange, pc uint64) []*godwarf.Tree {
	t := i.tree(fn.off)
	if t == nil {
		return nil
	}
	var chain []*godwarf.Tree
	var walk func(n *godwarf.Tree)
	walk = func(n *godwarf.Tree) {
		for _, c := range n.Children {
			switch c.Tag {
			case dwarf.TagInlinedSubroutine:
				if c.ContainsPC(pc) {
					chain = append(chain, c)
					walk(c)
					return
				}
			case dwarf.TagLexDwarfBlock:
				if len(c.Ranges) == 0 || c.ContainsPC(pc) {
					walk(c)
				}
			}
		}
	}
	walk(t)
	return chain
}

// tree loads (once) the DIE tree of the subprogram at off.
func (i *Info) tree(off dwarf.Offset) *godwarf.Tree {
	if t, ok := i.trees[off]; ok {
		return t
	}
	t, err := loadTree(off, i.dw, 0)
	if err != nil {
		t = nil
	}
	i.trees[off] = t
	return t
}

func (i *Info) dieName(n *godwarf.Tree) string {
	name, _ := n.Val(dwarf.AttrName).(string)
	return name
}

// callSite is the position of an inlined call: DW_AT_call_file/call_line.
func (i *Info) callSite(fn *fnRange, n *godwarf.Tree) (string, int) {
	line, _ := n.Val(dwarf.AttrCallLine).(int64)
	idx, _ := n.Val(dwarf.AttrCallFile).(int64)
	file := ""
	if fn.cu != nil && idx >= 0 && int(idx) < len(fn.cu.files) && fn.cu.files[idx] != nil {
		file = fn.cu.files[idx].Name
	}
	return file, int(line)
}

// unwindOne computes the CFA of the frame at rs and the caller's registers.
// lookup is the address to find the unwind rules at (pc, or pc-1 for a
// caller). caller is nil at the outermost frame. trusted tells whether the
// return address came from a rule that describes this very frame: the CFI,
// a function's entry, or a frame pointer the function is known to keep;
// not from an rbp that merely looked like a frame pointer.
func (i *Info) unwindOne(mem Memory, rs *regSet, lookup uint64) (cfa uint64, caller *regSet, trusted bool, err error) {
	fdes, err := i.cfi()
	if err != nil {
		return 0, nil, false, err
	}
	fde, ferr := fdes.FDEForPC(lookup - i.bias)
	if ferr != nil {
		if i.gotab != nil {
			// A Go program without .debug_frame: the pclntab's pcsp table
			// says where the frame ends at every pc, prologue included.
			if d, ok := i.gotab.SPDelta(lookup - i.bias); ok {
				return i.unwindPcsp(mem, rs, lookup, d)
			}
		}
		return i.unwindFP(mem, rs, lookup)
	}
	ctx, err := establish(fde, lookup-i.bias)
	if err != nil {
		return i.unwindFP(mem, rs, lookup)
	}
	switch ctx.CFA.Rule {
	case frame.RuleCFA:
		if ctx.CFA.Reg >= numRegs || !rs.ok[ctx.CFA.Reg] {
			return 0, nil, false, fmt.Errorf("unwind at %#x: CFA register %d unknown", lookup, ctx.CFA.Reg)
		}
		cfa = uint64(int64(rs.val[ctx.CFA.Reg]) + ctx.CFA.Offset)
	case frame.RuleExpression:
		v, _, err := execStack(*rs.dwarfRegs(i.bias), ctx.CFA.Expression, 8, readMemFunc(mem))
		if err != nil {
			return 0, nil, false, fmt.Errorf("unwind at %#x: CFA expression: %w", lookup, err)
		}
		cfa = uint64(v)
	default:
		return 0, nil, false, fmt.Errorf("unwind at %#x: CFA rule %d unsupported", lookup, ctx.CFA.Rule)
	}
	caller = &regSet{}
	// Registers without a rule keep their value: callee-saved ones are
	// unchanged (DWARF 5, 6.4.1 "same value"), the others are not
	// meaningful in the caller anyway.
	*caller = *rs
	caller.val[regRSP], caller.ok[regRSP] = cfa, true
	for reg, rule := range ctx.Regs {
		if reg >= numRegs {
			continue
		}
		v, ok, err := i.applyRule(mem, rs, rule, cfa)
		if err != nil {
			return cfa, nil, false, fmt.Errorf("unwind at %#x: register %d: %w", lookup, reg, err)
		}
		caller.val[reg], caller.ok[reg] = v, ok
	}
	// Go's CFI describes no rbp; every Go frame that is more than its
	// return address saved the caller's rbp just below it (push rbp;
	// mov rbp, rsp: the Go internal ABI's frame layout).
	if _, ok := ctx.Regs[regRBP]; !ok && cfa > rs.val[regRSP]+8 && i.isGoPC(lookup) {
		if v, err := readU64(mem, cfa-16); err == nil {
			caller.val[regRBP], caller.ok[regRBP] = v, true
		}
	}
	ra := ctx.RetAddrReg
	if ra != regRIP && ra < numRegs {
		caller.val[regRIP], caller.ok[regRIP] = caller.val[ra], caller.ok[ra]
	}
	if rule, ok := ctx.Regs[ctx.RetAddrReg]; !ok || rule.Rule == frame.RuleUndefined {
		return cfa, nil, true, nil // the outermost frame (DWARF 5, 6.4.4)
	}
	return cfa, caller, true, nil
}

// establish runs the FDE's rules up to pc; Delve's parser panics on some
// malformed programs, reported here as an error.
func establish(fde *frame.FrameDescriptionEntry, pc uint64) (ctx *frame.FrameContext, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("CFI at %#x: %v", pc, r)
		}
	}()
	return fde.EstablishFrame(pc)
}

func (i *Info) applyRule(mem Memory, rs *regSet, rule frame.DWRule, cfa uint64) (uint64, bool, error) {
	switch rule.Rule {
	case frame.RuleUndefined:
		return 0, false, nil
	case frame.RuleSameVal:
		return rs.val[rule.Reg%numRegs], rs.ok[rule.Reg%numRegs], nil
	case frame.RuleOffset:
		v, err := readU64(mem, uint64(int64(cfa)+rule.Offset))
		return v, err == nil, err
	case frame.RuleValOffset:
		return uint64(int64(cfa) + rule.Offset), true, nil
	case frame.RuleRegister:
		if rule.Reg >= numRegs {
			return 0, false, nil
		}
		return rs.val[rule.Reg], rs.ok[rule.Reg], nil
	case frame.RuleExpression, frame.RuleValExpression:
		dr := rs.dwarfRegs(i.bias)
		dr.CFA = int64(cfa)
		v, _, err := execStack(*dr, rule.Expression, 8, readMemFunc(mem))
		if err != nil {
			return 0, false, err
		}
		if rule.Rule == frame.RuleValExpression {
			return uint64(v), true, nil
		}
		r, err := readU64(mem, uint64(v))
		return r, err == nil, err
	case frame.RuleCFA:
		return uint64(int64(rs.val[rule.Reg%numRegs]) + rule.Offset), true, nil
	}
	return 0, false, fmt.Errorf("rule %d unsupported", rule.Rule)
}

// unwindFP unwinds through the frame pointer where no CFI covers the pc
// (Go binaries without .debug_frame, hand-written assembly): at the first
// instruction (or after an endbr64) the return address is at [rsp]; after
// `push rbp` at [rsp+8]; after `mov rbp, rsp` the chain is [rbp] =
// caller's rbp, [rbp+8] = return address (System V psABI 3.2.2; Go's frame
// layout keeps the same two words). The chain is trusted only in a function
// known to keep a frame pointer: Go code, or one whose code starts with
// `[endbr64] push rbp; mov rbp, rsp`.
func (i *Info) unwindFP(mem Memory, rs *regSet, lookup uint64) (uint64, *regSet, bool, error) {
	fp := lookup - i.bias
	var start uint64
	if f := i.funcAt(fp); f != nil {
		start = f.low
	} else if s := i.symAt(fp); s != nil {
		start = s.addr
	}
	entry := start // after the endbr64 (CET, Intel SDM vol. 1, 18.3) nothing has moved yet
	if start != 0 && i.hasBytes(start, 0xf3, 0x0f, 0x1e, 0xfa) {
		entry = start + 4
	}
	sp, bp := rs.val[regRSP], rs.val[regRBP]
	caller := *rs
	var cfa uint64
	trusted := true
	switch {
	case start != 0 && (fp == start || fp == entry):
		cfa = sp + 8
	case start != 0 && fp == entry+1 && i.hasBytes(entry, 0x55): // push rbp
		cfa = sp + 16
		v, err := readU64(mem, sp)
		if err != nil {
			return 0, nil, false, fmt.Errorf("unwind at %#x: read saved rbp: %w", lookup, err)
		}
		caller.val[regRBP] = v
	default:
		if bp == 0 || bp < sp {
			return 0, nil, false, fmt.Errorf("unwind at %#x: no CFI and no frame pointer", lookup)
		}
		trusted = i.isGoPC(lookup) || (start != 0 && fp >= entry+4 &&
			(i.hasBytes(entry, 0x55, 0x48, 0x89, 0xe5) || i.hasBytes(entry, 0x55, 0x48, 0x8b, 0xec)))
		cfa = bp + 16
		v, err := readU64(mem, bp)
		if err != nil {
			return 0, nil, false, fmt.Errorf("unwind at %#x: read saved rbp at %#x: %w", lookup, bp, err)
		}
		caller.val[regRBP] = v
	}
	ra, err := readU64(mem, cfa-8)
	if err != nil {
		return 0, nil, false, fmt.Errorf("unwind at %#x: read return address at %#x: %w", lookup, cfa-8, err)
	}
	caller.val[regRIP] = ra
	caller.val[regRSP] = cfa
	return cfa, &caller, trusted, nil
}

// hasBytes tells whether the program's code at the file address addr
// starts with want (read from the file).
func (i *Info) hasBytes(addr uint64, want ...byte) bool {
	for _, p := range i.elf.Progs {
		if p.Type == elf.PT_LOAD && addr >= p.Vaddr && addr+uint64(len(want)) <= p.Vaddr+p.Filesz {
			b := make([]byte, len(want))
			if _, err := p.ReadAt(b, int64(addr-p.Vaddr)); err == nil {
				return string(b) == string(want)
			}
		}
	}
	return false
}

// isGoPC tells whether the runtime address pc is in a Go compile unit.
func (i *Info) isGoPC(pc uint64) bool {
	f := i.funcAt(pc - i.bias)
	if f == nil {
		return i.isGo && i.dw == nil
	}
	return f.isGo()
}

// inText tells whether the runtime address pc is in an executable segment
// of this binary.
func (i *Info) inText(pc uint64) bool {
	fp := pc - i.bias
	for _, p := range i.elf.Progs {
		if p.Type == elf.PT_LOAD && p.Flags&elf.PF_X != 0 && fp >= p.Vaddr && fp < p.Vaddr+p.Memsz {
			return true
		}
	}
	return false
}

package debuginfo

import (
	"debug/dwarf"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
	"github.com/go-delve/delve/pkg/dwarf/op"
)

// scope is what variable lookups need at one stop: the function (or
// inlined call) at pc, the registers with CFA and frame base set, and the
// DIEs of the lexical blocks holding pc.
type scope struct {
	pc    uint64 // file address
	fn    *fnRange
	fnDIE *godwarf.Tree   // innermost function: subprogram or inlined call
	path  []*godwarf.Tree // fnDIE, then the lexical blocks holding pc, outermost first
	regs  *op.DwarfRegisters
	line  int
	file  string
}

var errNoDWARF = errors.New("no DWARF debug information")

func (i *Info) scopeAt(mem Memory, regs Registers) (*scope, error) {
	if i.dw == nil {
		return nil, errNoDWARF
	}
	pc := regs.PC()
	fr, isFrame := regs.(frameRegisters)
	if isFrame && fr.st.caller {
		pc-- // a return address: the scope, lines and locations of the call
	}
	fp := pc - i.bias
	fn := i.funcAt(fp)
	if fn == nil && i.dwErr != nil {
		return nil, i.dwErr
	}
	if fn == nil {
		return nil, fmt.Errorf("no debug information for pc %#x", pc)
	}
	t := i.tree(fn.off)
	if t == nil {
		return nil, fmt.Errorf("read DWARF of %s", fn.name)
	}
	s := &scope{pc: fp, fn: fn, fnDIE: t}
	s.file, s.line = i.PCToLine(pc)
	if chain := i.inlineChain(fn, fp); isFrame {
		// One frame of a backtrace: the inlined call it shows, or the
		// function itself at the line of its outermost inlined call.
		if k := fr.st.inl; k >= 0 && k < len(chain) {
			s.fnDIE = chain[k]
		}
		s.file, s.line = fr.f.File, fr.f.Line
	} else if len(chain) > 0 {
		s.fnDIE = chain[len(chain)-1]
	}
	s.path = []*godwarf.Tree{s.fnDIE}
	for n := s.fnDIE; ; {
		var next *godwarf.Tree
		for _, c := range n.Children {
			if c.Tag == dwarf.TagLexDwarfBlock && c.ContainsPC(fp) {
				next = c
				break
			}
		}
		if next == nil {
			break
		}
		s.path = append(s.path, next)
		n = next
	}

	rs := regsFrom(regs)
	var cfa uint64
	var err error
	if isFrame && fr.f.CFA != 0 {
		cfa = fr.f.CFA
	} else {
		cfa, _, _, err = i.unwindOne(mem, rs, pc)
	}
	dr := rs.dwarfRegs(i.bias)
	if err == nil {
		dr.CFA = int64(cfa)
	}
	// DW_AT_frame_base is on the subprogram (DWARF 5, 3.3.5), also for
	// variables of calls inlined into it.
	if fb, ok := t.Val(dwarf.AttrFrameBase).([]byte); ok && len(fb) > 0 {
		if v, pieces, err := execStack(*dr, fb, 8, readMemFunc(mem)); err == nil {
			if len(pieces) == 1 && pieces[0].Kind == op.RegPiece {
				v = int64(dr.Uint64Val(pieces[0].Val)) // DW_OP_reg6: rbp is the base
			}
			dr.FrameBase = v
		}
	}
	s.regs = dr
	return s, nil
}

// isResult tells Go's named and unnamed results, which Go's DWARF marks
// with DW_AT_variable_parameter (cmd/compile/internal/dwarfgen).
func isResult(n *godwarf.Tree) bool {
	b, _ := n.Val(dwarf.AttrVarParam).(bool)
	return b
}

// Args returns the formal parameters of the function at regs.PC(), in
// declaration order; Go results are not arguments.
func (i *Info) Args(mem Memory, regs Registers) ([]Value, error) {
	s, err := i.scopeAt(mem, regs)
	if err != nil {
		return nil, err
	}
	var out []Value
	for _, c := range s.fnDIE.Children {
		if c.Tag == dwarf.TagFormalParameter && !isResult(c) {
			out = append(out, i.varValue(mem, s, c))
		}
	}
	return out, nil
}

// Locals returns the local variables in scope at regs.PC(): those of the
// function and of the lexical blocks holding the pc, outermost first (so
// an inner variable comes after the outer one it shadows). In Go code a
// variable declared below the current line is left out, as Delve does:
// its slot holds garbage until the declaration runs.
func (i *Info) Locals(mem Memory, regs Registers) ([]Value, error) {
	s, err := i.scopeAt(mem, regs)
	if err != nil {
		return nil, err
	}
	var out []Value
	for _, n := range s.path {
		for _, c := range n.Children {
			if c.Tag == dwarf.TagVariable && i.visible(s, c) {
				out = append(out, i.varValue(mem, s, c))
			}
		}
	}
	return out, nil
}

func (i *Info) visible(s *scope, v *godwarf.Tree) bool {
	if !s.fn.isGo() {
		return true
	}
	// The compiler's temporaries (.autotmp_5, and ~r0.ptr, the pieces of
	// an inlined call's result) are no source variables: Delve hides
	// them too.
	if name, _ := v.Val(dwarf.AttrName).(string); strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~") {
		return false
	}
	decl, ok := v.Val(dwarf.AttrDeclLine).(int64)
	return !ok || s.line == 0 || int(decl) <= s.line
}

func (i *Info) varValue(mem Memory, s *scope, n *godwarf.Tree) Value {
	o := i.varObject(mem, s, n)
	return i.decode(mem, o, 0)
}

// varObject locates a variable DIE at the scope's pc.
func (i *Info) varObject(mem Memory, s *scope, n *godwarf.Tree) *object {
	name, _ := n.Val(dwarf.AttrName).(string)
	typ, err := treeType(n, i.dw, i.typeCache)
	if err != nil {
		return &object{name: name, typ: &godwarf.VoidType{}, err: fmt.Errorf("type: %w", err)}
	}
	o := &object{name: name, typ: typ}
	instr, err := i.locationExpr(s, n)
	if err != nil {
		o.err = err
		return o
	}
	addr, pieces, err := execStack(*s.regs, instr, 8, readMemFunc(mem))
	if err != nil {
		o.err = fmt.Errorf("location: %w", err)
		return o
	}
	if pieces == nil {
		o.addr, o.inMem = uint64(addr), true
		return o
	}
	if s.fn.isGo() && emptyPiece(instr) {
		// Go's compiler gives a part it no longer has (a slice's length
		// after its last use) a piece with no location; read as zero it
		// would show a wrong value.
		o.err = errors.New("optimized out in part")
		return o
	}
	o.buf, o.err = i.assemble(mem, s.regs, pieces, typ.Size())
	return o
}

// emptyPiece tells whether a location expression has a piece with no
// location: a DW_OP_piece first, or right after another piece (DWARF 5,
// 2.6.1.2: that part of the object is not available). Delve's op gives
// such a piece as the immediate 0, which is no value at all; its
// PrettyPrint knows every opcode's operands, so the scan reads its
// listing rather than a second operand table.
func emptyPiece(instr []byte) bool {
	var b strings.Builder
	op.PrettyPrint(&b, instr, nil)
	prev := ""
	for _, tok := range strings.Fields(b.String()) {
		if !strings.HasPrefix(tok, "DW_OP_") {
			continue // an operand
		}
		isPiece := tok == "DW_OP_piece" || tok == "DW_OP_bit_piece"
		if isPiece && (prev == "" || prev == "DW_OP_piece" || prev == "DW_OP_bit_piece") {
			return true
		}
		prev = tok
	}
	return false
}

// locationExpr returns the DWARF expression locating n at the scope's pc:
// DW_AT_location as an expression, or the matching entry of its location
// list (.debug_loc for DWARF 2-4, .debug_loclists for DWARF 5).
func (i *Info) locationExpr(s *scope, n *godwarf.Tree) ([]byte, error) {
	f := n.AttrField(dwarf.AttrLocation)
	if f == nil {
		if cv := n.AttrField(dwarf.AttrConstValue); cv != nil {
			return constExpr(cv.Val)
		}
		return nil, errors.New("optimized out")
	}
	switch v := f.Val.(type) {
	case []byte:
		if len(v) == 0 {
			// An empty location description: the variable exists in
			// the source but not in the program (DWARF 5, 2.6.1.1.1;
			// Go gives one to a constant-folded local).
			return nil, errors.New("optimized out")
		}
		return v, nil
	case int64:
		cu := s.fn.cu
		i.loadLocLists()
		var entry []byte
		var err error
		if cu.version >= 5 && i.loc5 != nil {
			var da *godwarf.DebugAddr
			if i.debugAddr != nil {
				da = i.debugAddr.GetSubsection(cu.addrBase)
			}
			le, ferr := i.loc5.Find(int(v), 0, cu.base, s.pc, da)
			if le != nil {
				entry = le.Instr
			}
			err = ferr
		} else if i.loc2 != nil {
			le, ferr := i.loc2.Find(int(v), 0, cu.base, s.pc, nil)
			if le != nil {
				entry = le.Instr
			}
			err = ferr
		} else {
			return nil, errors.New("location list without a location list section")
		}
		if err != nil {
			return nil, fmt.Errorf("location list: %w", err)
		}
		if entry == nil {
			return nil, fmt.Errorf("not available at pc %#x", s.pc+i.bias)
		}
		if len(entry) == 0 {
			return nil, errors.New("optimized out")
		}
		return entry, nil
	}
	return nil, fmt.Errorf("location of class %v unsupported", f.Class)
}

// constExpr turns DW_AT_const_value into DW_OP_constu; DW_OP_stack_value.
func constExpr(v any) ([]byte, error) {
	var u uint64
	switch c := v.(type) {
	case int64:
		u = uint64(c)
	case uint64:
		u = c
	default:
		return nil, errors.New("constant of this form unsupported")
	}
	b := []byte{byte(op.DW_OP_const8u), 0, 0, 0, 0, 0, 0, 0, 0, byte(op.DW_OP_stack_value)}
	binary.LittleEndian.PutUint64(b[1:], u)
	return b, nil
}

// assemble builds a value's bytes from its pieces (DWARF 5, 2.6.1.2):
// registers, memory and immediates, in order.
func (i *Info) assemble(mem Memory, regs *op.DwarfRegisters, pieces []op.Piece, size int64) ([]byte, error) {
	var out []byte
	for _, p := range pieces {
		n := p.Size
		if n == 0 && len(pieces) == 1 {
			n = int(size)
		}
		switch p.Kind {
		case op.RegPiece:
			r := regs.Reg(p.Val)
			if r == nil {
				return nil, fmt.Errorf("register %d unavailable", p.Val)
			}
			var b [8]byte
			binary.LittleEndian.PutUint64(b[:], r.Uint64Val)
			for k := 0; k < n; k++ {
				if k < 8 {
					out = append(out, b[k])
				} else {
					out = append(out, 0)
				}
			}
		case op.AddrPiece:
			b := make([]byte, n)
			if err := mem.ReadMemory(p.Val, b); err != nil {
				return nil, fmt.Errorf("read piece at %#x: %w", p.Val, err)
			}
			out = append(out, b...)
		case op.ImmPiece:
			b := p.Bytes
			if b == nil {
				var w [8]byte
				binary.LittleEndian.PutUint64(w[:], p.Val)
				b = w[:]
			}
			for k := 0; k < n; k++ {
				if k < len(b) {
					out = append(out, b[k])
				} else {
					out = append(out, 0)
				}
			}
		}
	}
	if int64(len(out)) < size {
		return nil, fmt.Errorf("pieces cover %d of %d bytes", len(out), size)
	}
	return out, nil
}

package disasm

import (
	"fmt"

	"golang.org/x/arch/x86/x86asm"

	"github.com/godbg/godbg/engine/symtab"
)

// Addr is an address, as in symtab.
type Addr = symtab.Addr

// Inst is one decoded instruction.
type Inst struct {
	Addr  Addr
	Len   int
	Bytes []byte // the instruction's bytes (a sub-slice of Decode's input)
	Text  string // Intel syntax, targets named: "call fmt.Println"
	Inst  x86asm.Inst
	// Target is the destination of a direct call, jmp or conditional jump
	// (pc-relative), 0 if none.
	Target Addr
	// Sym names what the instruction refers to: the symbol at Target, or
	// at a rip-relative memory operand, with "+0x.." when not at its start;
	// "" if none or unknown.
	Sym string
	// Bad marks a byte that did not decode (Text "(bad)", Len 1).
	Bad bool
}

// Symbolizer names an address: the symbol containing it and that symbol's
// start. ok is false for an address no symbol covers.
type Symbolizer func(addr uint64) (name string, base uint64, ok bool)

// Decode decodes code, whose first byte is at pc, to the end. A byte that
// does not decode becomes a one-byte "(bad)" entry and decoding resumes
// after it, so the result always covers the input. sym may be nil.
func Decode(code []byte, pc uint64, sym Symbolizer) []Inst {
	lookup := func(addr uint64) (string, uint64) {
		if sym == nil {
			return "", 0
		}
		if name, base, ok := sym(addr); ok {
			return name, base
		}
		return "", 0
	}
	var out []Inst
	for off := 0; off < len(code); {
		addr := pc + uint64(off)
		in, err := x86asm.Decode(code[off:], 64)
		// A truncated instruction may come back as a bare prefix or
		// Op 0 without an error: that is a bad byte too.
		if err != nil || in.Len == 0 || in.Op == 0 {
			out = append(out, Inst{Addr: Addr(addr), Len: 1, Bytes: code[off : off+1], Text: "(bad)", Bad: true})
			off++
			continue
		}
		d := Inst{
			Addr:  Addr(addr),
			Len:   in.Len,
			Bytes: code[off : off+in.Len],
			Text:  x86asm.IntelSyntax(in, addr, lookup),
			Inst:  in,
		}
		if t, ok := branchTarget(in, addr); ok {
			d.Target = Addr(t)
			d.Sym = symName(lookup, t)
		} else if t, ok := ripOperand(in, addr); ok {
			d.Sym = symName(lookup, t)
		}
		out = append(out, d)
		off += in.Len
	}
	return out
}

// branchTarget is the destination of a pc-relative call or jump.
func branchTarget(in x86asm.Inst, pc uint64) (uint64, bool) {
	switch in.Op {
	case x86asm.CALL, x86asm.JMP, x86asm.JA, x86asm.JAE, x86asm.JB, x86asm.JBE, x86asm.JCXZ,
		x86asm.JE, x86asm.JECXZ, x86asm.JG, x86asm.JGE, x86asm.JL, x86asm.JLE, x86asm.JNE,
		x86asm.JNO, x86asm.JNP, x86asm.JNS, x86asm.JO, x86asm.JP, x86asm.JRCXZ, x86asm.JS,
		x86asm.LOOP, x86asm.LOOPE, x86asm.LOOPNE, x86asm.XBEGIN:
	default:
		return 0, false
	}
	if rel, ok := in.Args[0].(x86asm.Rel); ok {
		return pc + uint64(in.Len) + uint64(int64(rel)), true
	}
	return 0, false
}

// ripOperand is the address a rip-relative memory operand points at.
func ripOperand(in x86asm.Inst, pc uint64) (uint64, bool) {
	for _, a := range in.Args {
		if a == nil {
			break
		}
		if m, ok := a.(x86asm.Mem); ok && m.Base == x86asm.RIP && m.Index == 0 {
			return pc + uint64(in.Len) + uint64(m.Disp), true
		}
	}
	return 0, false
}

func symName(lookup func(uint64) (string, uint64), addr uint64) string {
	name, base := lookup(addr)
	if name == "" {
		return ""
	}
	if addr != base {
		return fmt.Sprintf("%s+%#x", name, addr-base)
	}
	return name
}

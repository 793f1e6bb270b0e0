// Package oolstep relocates x86-64 instructions so that they run at another
// address with the same effect ("out-of-line" execution): RIP-relative
// operands get a new displacement, relative jumps and conditional jumps are
// re-targeted (rel8 forms widened), a relative call pushes the original
// return address and jumps, and what cannot be moved is refused with a
// reason. It also holds a small emitter (Asm) for trampolines. The package
// is pure: bytes in, bytes out; it never touches a process.
//
// Two users: out-of-line stepping of one instruction under a trap
// (engine/displaced.go, Relocate) and jump sites, where the instructions
// covering the 5 bytes of a `jmp rel32` are moved into a trampoline
// (RelocateRun).
package oolstep

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/arch/x86/x86asm"
)

// JmpLen is the length of the `jmp rel32` a jump site writes.
const JmpLen = 5

// Error is a reason why code cannot be relocated.
type Error struct {
	At     uint64 // address of the instruction
	Reason string
}

func (e *Error) Error() string { return fmt.Sprintf("%#x: %s", e.At, e.Reason) }

// Inst is one decoded instruction at its original address.
type Inst struct {
	Addr uint64
	Code []byte
	x86asm.Inst
}

// Decode decodes the instruction at the start of code, placed at addr.
func Decode(code []byte, addr uint64) (Inst, error) {
	if len(code) >= 4 && code[0] == 0xf3 && code[1] == 0x0f && code[2] == 0x1e && (code[3] == 0xfa || code[3] == 0xfb) {
		// endbr64, endbr32 (CET): x86asm does not know them; they are
		// hints, moved as they are.
		return Inst{Addr: addr, Code: code[:4], Inst: x86asm.Inst{Op: x86asm.NOP, Len: 4}}, nil
	}
	in, err := x86asm.Decode(code, 64)
	if err != nil {
		return Inst{}, &Error{At: addr, Reason: "undecodable instruction"}
	}
	return Inst{Addr: addr, Code: code[:in.Len], Inst: in}, nil
}

// Next is the address after the instruction.
func (in Inst) Next() uint64 { return in.Addr + uint64(in.Len) }

// RelTarget is the target of a relative branch (jmp, jcc, call, loop,
// jrcxz), and whether the instruction is one.
func (in Inst) RelTarget() (uint64, bool) {
	rel, ok := in.Args[0].(x86asm.Rel)
	if !ok {
		return 0, false
	}
	return in.Next() + uint64(int64(rel)), true
}

// IsJcc tells the conditional jumps with a condition code in the opcode.
func IsJcc(op x86asm.Op) bool {
	switch op {
	case x86asm.JA, x86asm.JAE, x86asm.JB, x86asm.JBE, x86asm.JE, x86asm.JG, x86asm.JGE,
		x86asm.JL, x86asm.JLE, x86asm.JNE, x86asm.JNO, x86asm.JNP, x86asm.JNS, x86asm.JO,
		x86asm.JP, x86asm.JS:
		return true
	}
	return false
}

// Relocate returns in's bytes rewritten to run at `to` with the same
// effect, without the jump back: execution falls through the returned code
// when in would fall through. A relative call becomes a push of the
// original return address and a jump (the callee returns to the original
// code); a call through a register or memory is refused, as its pushed
// return address would be the copy's.
func Relocate(in Inst, to uint64) ([]byte, error) {
	a := &Asm{Base: to}
	if err := a.Relocated(in); err != nil {
		return nil, err
	}
	return a.B, nil
}

// Relocated appends in, relocated to where the emitter stands.
func (a *Asm) Relocated(in Inst) error {
	fail := func(why string) error { return &Error{At: in.Addr, Reason: why} }
	target, isRel := in.RelTarget()
	switch {
	case in.Op == x86asm.CALL && isRel:
		a.PushImm64(in.Next())
		a.Jmp(target)
	case in.Op == x86asm.CALL:
		return fail("an indirect call (its return address would be the copy's)")
	case in.Op == x86asm.JMP && isRel:
		a.Jmp(target)
	case isRel && IsJcc(in.Op):
		// The opcode byte before the displacement is 7x (rel8) or 0f 8x
		// (rel32): its low nibble is the condition.
		a.Jcc(in.Code[in.PCRelOff-1]&0x0f, target)
	case isRel:
		return fail(fmt.Sprintf("a %v (rel8 only, cannot be widened)", in.Op))
	default:
		code := append([]byte(nil), in.Code...)
		off, ok := ripDispOffset(in)
		if off < 0 {
			return fail("a RIP-relative operand whose displacement was not found")
		}
		if ok {
			disp := int64(int32(binary.LittleEndian.Uint32(code[off:])))
			nd := disp + int64(in.Addr) - int64(a.PC())
			if nd != int64(int32(nd)) {
				return fail("a RIP-relative operand out of reach of the copy")
			}
			binary.LittleEndian.PutUint32(code[off:], uint32(int32(nd)))
		}
		a.Bytes(code...)
	}
	return nil
}

// Run is a run of whole instructions relocated together.
type Run struct {
	Insts []Inst
	Len   int // bytes covered at the original address
}

// DecodeRun decodes whole instructions from code (placed at addr) until
// they cover at least min bytes.
func DecodeRun(code []byte, addr uint64, min int) (Run, error) {
	var r Run
	for r.Len < min {
		if r.Len >= len(code) {
			return r, &Error{At: addr + uint64(r.Len), Reason: "the code ends before the run"}
		}
		in, err := Decode(code[r.Len:], addr+uint64(r.Len))
		if err != nil {
			return r, err
		}
		r.Insts = append(r.Insts, in)
		r.Len += in.Len
	}
	return r, nil
}

// RelocateRun appends the relocated instructions of r and a jump back to
// the first byte after the run. A call is only allowed last (its callee
// returns to the original code after it, outside the run); a return or an
// unconditional jump before the end leaves the rest of the run unreachable
// from it, which is fine.
func (a *Asm) RelocateRun(r Run) error {
	for i, in := range r.Insts {
		if in.Op == x86asm.CALL && i != len(r.Insts)-1 {
			return &Error{At: in.Addr, Reason: "a call inside the replaced bytes (it would return into them)"}
		}
		if err := a.Relocated(in); err != nil {
			return err
		}
	}
	if n := len(r.Insts); n > 0 {
		a.Jmp(r.Insts[n-1].Next())
	}
	return nil
}

// ripDispOffset finds where in's RIP-relative displacement sits in its
// code. x86asm does not say, so each place holding the displacement's
// bytes is tried: changing it must change the decoded displacement and
// nothing else. off < 0 means a RIP-relative operand whose place was not
// found; ok false with off 0 means none.
func ripDispOffset(in Inst) (off int, ok bool) {
	var mem x86asm.Mem
	found := false
	for _, a := range in.Args {
		if m, isMem := a.(x86asm.Mem); isMem && m.Base == x86asm.RIP {
			mem, found = m, true
		}
	}
	if !found {
		return 0, false
	}
	code := in.Code
	want := uint32(int32(mem.Disp))
	trial := make([]byte, len(code))
	for i := len(code) - 4; i >= 1; i-- {
		if binary.LittleEndian.Uint32(code[i:]) != want {
			continue
		}
		copy(trial, code)
		binary.LittleEndian.PutUint32(trial[i:], want+0x10)
		d, err := x86asm.Decode(trial, 64)
		if err != nil || d.Len != in.Len || d.Op != in.Op {
			continue
		}
		for _, a := range d.Args {
			if m, isMem := a.(x86asm.Mem); isMem && m.Base == x86asm.RIP && m.Disp == mem.Disp+0x10 {
				return i, true
			}
		}
	}
	return -1, false
}

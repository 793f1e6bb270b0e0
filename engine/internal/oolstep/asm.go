package oolstep

import "encoding/binary"

// Asm emits x86-64 code meant to run at Base (the trampolines of jump
// sites, the slots of out-of-line stepping). Only what they need.
type Asm struct {
	Base uint64
	B    []byte
}

// PC is the address the next byte will have.
func (a *Asm) PC() uint64 { return a.Base + uint64(len(a.B)) }

// Bytes appends raw bytes.
func (a *Asm) Bytes(b ...byte) { a.B = append(a.B, b...) }

func (a *Asm) u32(v uint32) { a.B = binary.LittleEndian.AppendUint32(a.B, v) }
func (a *Asm) u64(v uint64) { a.B = binary.LittleEndian.AppendUint64(a.B, v) }

// rel32 is the displacement from the end of an instruction of n more bytes
// to target, and whether it fits.
func (a *Asm) rel32(n int, target uint64) (uint32, bool) {
	d := int64(target) - int64(a.PC()+uint64(n))
	return uint32(int32(d)), d == int64(int32(d))
}

// Jmp jumps to target: jmp rel32 when it reaches, else jmp [rip+0]
// followed by the absolute address (14 bytes, no register touched).
func (a *Asm) Jmp(target uint64) {
	if d, ok := a.rel32(5, target); ok {
		a.Bytes(0xe9)
		a.u32(d)
		return
	}
	a.JmpAbs(target)
}

// Jcc jumps to target when condition cc (the low nibble of the 7x/0f 8x
// opcodes) holds: jcc rel32 when it reaches, else the inverted condition
// over an absolute jump.
func (a *Asm) Jcc(cc byte, target uint64) {
	if d, ok := a.rel32(6, target); ok {
		a.Bytes(0x0f, 0x80|cc)
		a.u32(d)
		return
	}
	a.Bytes(0x70|(cc^1), 14)
	a.JmpAbs(target)
}

// JmpAbs jumps to target through jmp [rip+0] and the absolute address
// (14 bytes, no register touched).
func (a *Asm) JmpAbs(target uint64) {
	a.Bytes(0xff, 0x25, 0, 0, 0, 0)
	a.u64(target)
}

// JccTo emits a jcc rel32 whose target is patched later (Patch32 at the
// returned offset).
func (a *Asm) JccTo(cc byte) int {
	a.Bytes(0x0f, 0x80|cc, 0, 0, 0, 0)
	return len(a.B) - 4
}

// JmpTo emits a jmp rel32 whose target is patched later.
func (a *Asm) JmpTo() int {
	a.Bytes(0xe9, 0, 0, 0, 0)
	return len(a.B) - 4
}

// Land points the rel32 at offset off (from JccTo, JmpTo) to the current pc.
func (a *Asm) Land(off int) {
	binary.LittleEndian.PutUint32(a.B[off:], uint32(len(a.B)-(off+4)))
}

// PushImm64 pushes a 64-bit value without touching flags or registers:
// push imm32 when it sign-extends to v, else room made with lea and two
// 32-bit moves.
func (a *Asm) PushImm64(v uint64) {
	if v == uint64(int64(int32(v))) {
		a.Bytes(0x68)
		a.u32(uint32(v))
		return
	}
	a.Bytes(0x48, 0x8d, 0x64, 0x24, 0xf8) // lea rsp, [rsp-8]
	a.Bytes(0xc7, 0x04, 0x24)             // mov dword [rsp], lo
	a.u32(uint32(v))
	a.Bytes(0xc7, 0x44, 0x24, 0x04) // mov dword [rsp+4], hi
	a.u32(uint32(v >> 32))
}

// LeaRSP moves rsp by d without touching flags (lea rsp, [rsp+d]).
func (a *Asm) LeaRSP(d int32) {
	if d == int32(int8(d)) {
		a.Bytes(0x48, 0x8d, 0x64, 0x24, byte(int8(d)))
		return
	}
	a.Bytes(0x48, 0x8d, 0xa4, 0x24)
	a.u32(uint32(d))
}

// RipRel emits an instruction with a RIP-relative memory operand:
// the opcode bytes (prefixes included), then ModRM with reg in bits 3-5,
// the displacement to target, then imm. It reports false when target is
// out of reach.
func (a *Asm) RipRel(op []byte, reg byte, target uint64, imm ...byte) bool {
	n := len(op) + 1 + 4 + len(imm)
	d, ok := a.rel32(n, target)
	if !ok {
		return false
	}
	a.Bytes(op...)
	a.Bytes(0x05 | (reg&7)<<3)
	a.u32(d)
	a.Bytes(imm...)
	return true
}

// MovImm64 loads a 64-bit constant into register r (0-15): movabs.
func (a *Asm) MovImm64(r byte, v uint64) {
	a.Bytes(0x48|r>>3, 0xb8|(r&7))
	a.u64(v)
}

// Store64 writes register r to [base+disp] (base not rsp/r12, disp32).
func (a *Asm) Store64(base, r byte, disp int32) {
	a.Bytes(0x48|(r>>3)<<2|base>>3, 0x89, 0x80|(r&7)<<3|(base&7))
	a.u32(uint32(disp))
}

// Load64 reads [base+disp] into register r (base not rsp/r12, disp32).
func (a *Asm) Load64(r, base byte, disp int32) {
	a.Bytes(0x48|(r>>3)<<2|base>>3, 0x8b, 0x80|(r&7)<<3|(base&7))
	a.u32(uint32(disp))
}

// LoadRSP64 reads [rsp+disp8] into register r.
func (a *Asm) LoadRSP64(r byte, disp int8) {
	a.Bytes(0x48|(r>>3)<<2, 0x8b, 0x44|(r&7)<<3, 0x24, byte(disp))
}

// Register numbers as the encoding has them.
const (
	RAX byte = iota
	RCX
	RDX
	RBX
	RSP
	RBP
	RSI
	RDI
	R8
	R9
	R10
	R11
	R12
	R13
	R14
	R15
)

package engine

import (
	"fmt"
	"strings"

	"github.com/godbg/godbg/engine/internal/ptrace"
	"github.com/godbg/godbg/engine/symtab"
	"golang.org/x/arch/x86/x86asm"
	"golang.org/x/sys/unix"
)

// checkTrapAddr refuses a breakpoint address where an int3 would harm the
// program instead of stopping it: data (the 0xcc would change a value),
// memory that is not mapped or not executable, or the middle of an
// instruction (the CPU would run a different instruction stream and the
// trap would corrupt an operand). Instruction boundaries are found by
// decoding from the start of the containing function, as objdump does;
// code godbg has no symbols for (a library) is checked by its mapping only.
func (p *Process) checkTrapAddr(addr Addr) error {
	fa := addr - p.bias
	if p.bin.IsCode(fa) {
		if fn, ok := p.bin.FuncAt(fa); ok && fn.Size > 0 && fa < fn.Addr+Addr(fn.Size) {
			return p.checkBoundary(fn, fa)
		}
		return nil
	}
	if s, ok := p.bin.SymAt(fa); ok && s.Kind == symtab.Data {
		return fmt.Errorf("%#x is data (%s+%d), not code", uint64(addr), s.Name, fa-s.Addr)
	}
	m, ok := ptrace.MappingAt(p.pid, uint64(addr))
	switch {
	case !ok:
		return fmt.Errorf("no memory is mapped at %#x", uint64(addr))
	case m.Prot&unix.PROT_EXEC == 0:
		return fmt.Errorf("%#x is not code (its memory is %s, not executable)", uint64(addr), m.Perms)
	}
	return nil
}

// checkBoundary decodes fn from its first byte (the file's bytes: no trap
// shows) until it reaches fa or passes it.
func (p *Process) checkBoundary(fn symtab.Symbol, fa Addr) error {
	code, err := p.bin.ReadCode(fn.Addr, int(fn.Size))
	if err != nil {
		return nil // no bytes to judge by (e.g. .bss-like code): let the write decide
	}
	off := 0
	target := int(fa - fn.Addr)
	for off < target && off < len(code) {
		inst, err := x86asm.Decode(code[off:], 64)
		if err != nil || inst.Len == 0 {
			return nil // undecodable bytes (data in code): boundaries unknown
		}
		if off+inst.Len > target {
			return fmt.Errorf("%#x is inside the instruction at %#x (%s+%d: %s), not at its start",
				uint64(fa+p.bias), uint64(fn.Addr+Addr(off)+p.bias), fn.Name, off,
				strings.ToLower(x86asm.IntelSyntax(inst, uint64(fn.Addr)+uint64(off), nil)))
		}
		off += inst.Len
	}
	return nil
}

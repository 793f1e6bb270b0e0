package engine

import "github.com/godbg/godbg/engine/objects"

// LineLocations resolves a source line to the runtime addresses where a
// line breakpoint goes: of the line table's is_stmt addresses of the line,
// the lowest in each function and in each inlined copy, as gdb and Delve
// choose them. A loop's line thus traps once per iteration at its
// first address, and a line inlined twice traps in both copies.
//
// A file the program's line table does not know is looked up in the
// libraries with DWARF (their own or a separate debug file), in the
// order of Objects; the program's error is returned when none has it.
func (p *Process) LineLocations(file string, line int) ([]Addr, error) {
	pcs, err := p.bin.LineStmtPCs(file, line)
	if err == nil {
		d, _ := p.DebugInfo()
		return objects.Lines(pcs, p.bin, p.bias, d), nil
	}
	if p.exited {
		return nil, err
	}
	if addrs, ok := objects.List(p.Objects()).LibraryLines(file, line, p.objectDebugInfo); ok {
		return addrs, nil
	}
	return nil, err
}

package engine

import (
	"sort"

	"github.com/godbg/godbg/engine/debuginfo"
	"github.com/godbg/godbg/engine/symtab"
)

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
		return lineLocations(pcs, p.bin, p.bias, d), nil
	}
	if p.exited {
		return nil, err
	}
	for _, o := range p.Objects() {
		if o.Main || !o.File.Bin.HasDWARF() {
			continue
		}
		lpcs, lerr := o.File.Bin.LineStmtPCs(file, line)
		if lerr != nil {
			continue // not this library's file
		}
		return lineLocations(lpcs, o.File.Bin, o.Bias, p.objectDebugInfo(o)), nil
	}
	return nil, err
}

// lineLocations keeps the lowest of pcs (file addresses of bin) in each
// function and inlined copy, relocated by bias.
func lineLocations(pcs []symtab.Addr, bin *symtab.Binary, bias Addr, d *debuginfo.Info) []Addr {
	sort.Slice(pcs, func(i, j int) bool { return pcs[i] < pcs[j] })
	seen := map[uint64]bool{}
	var out []Addr
	for _, pc := range pcs {
		var key uint64
		ok := false
		if d != nil {
			key, ok = d.CodeInstance(uint64(pc + bias))
		}
		if !ok {
			if s, found := bin.FuncAt(pc); found {
				key = uint64(s.Addr)
			} else {
				key = uint64(pc)
			}
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, pc+bias)
	}
	return out
}

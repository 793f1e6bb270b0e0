package objects

import (
	"sort"

	"github.com/godbg/godbg/engine/debuginfo"
	"github.com/godbg/godbg/engine/symtab"
)

// Lines keeps, of pcs (a line's is_stmt addresses, file addresses of
// bin), the lowest in each function and in each inlined copy (d's
// CodeInstance, else bin's function), relocated by bias: where a line
// breakpoint goes, as gdb and Delve choose.
func Lines(pcs []symtab.Addr, bin *symtab.Binary, bias Addr, d *debuginfo.Info) []Addr {
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

// LibraryLines resolves file:line in the first library, in order, whose
// DWARF has the file (dbg gives a library's debug info, read on first
// use); ok is false when none has it.
func (l List) LibraryLines(file string, line int, dbg func(*Object) *debuginfo.Info) ([]Addr, bool) {
	for _, o := range l {
		if o.Main || !o.File.Bin.HasDWARF() {
			continue
		}
		pcs, err := o.File.Bin.LineStmtPCs(file, line)
		if err != nil {
			continue // not this library's file
		}
		return Lines(pcs, o.File.Bin, o.Bias, dbg(o)), true
	}
	return nil, false
}

package engine

import "sort"

// LineLocations resolves a source line to the runtime addresses where a
// line breakpoint goes: of the line table's is_stmt addresses of the line,
// the lowest in each function and in each inlined copy, as gdb and Delve
// choose them. A loop's line thus traps once per iteration at its
// first address, and a line inlined twice traps in both copies.
func (p *Process) LineLocations(file string, line int) ([]Addr, error) {
	pcs, err := p.bin.LineStmtPCs(file, line)
	if err != nil {
		return nil, err
	}
	sort.Slice(pcs, func(i, j int) bool { return pcs[i] < pcs[j] })
	d, _ := p.DebugInfo()
	seen := map[uint64]bool{}
	var out []Addr
	for _, pc := range pcs {
		var key uint64
		ok := false
		if d != nil {
			key, ok = d.CodeInstance(uint64(pc + p.bias))
		}
		if !ok {
			if s, found := p.bin.FuncAt(pc); found {
				key = uint64(s.Addr)
			} else {
				key = uint64(pc)
			}
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, pc+p.bias)
	}
	return out, nil
}

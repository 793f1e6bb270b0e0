package symtab

import "sort"

// IsStmt reports whether the DWARF line table has an is_stmt row at exactly
// pc (a file address): a place where a debugger stops when stepping by
// source line (DWARF 5, 6.2.2). known is false when pc has no line table
// (no DWARF, or code outside every sequence); callers then fall back to
// PCToLine alone.
func (b *Binary) IsStmt(pc Addr) (stmt, known bool) {
	li, err := b.lineIdx()
	if err != nil || li == nil {
		return false, false
	}
	_, s := li.seqFor(uint64(pc))
	if s == nil {
		return false, false
	}
	k := sort.Search(len(s.rows), func(k int) bool { return s.rows[k].addr >= uint64(pc) })
	for ; k < len(s.rows) && s.rows[k].addr == uint64(pc); k++ {
		if s.rows[k].stmt && !s.rows[k].end {
			return true, true
		}
	}
	return false, true
}

package debuginfo

// InlineDepth is how many inlined calls (DW_TAG_inlined_subroutine) hold
// pc, a runtime address: 0 in a function's own code or without DWARF.
// Stepping by line (engine.Next) uses it to step over inlined calls as over
// real ones.
func (i *Info) InlineDepth(pc uint64) int {
	if i.dw == nil {
		return 0
	}
	fn := i.funcAt(pc - i.bias)
	if fn == nil {
		return 0
	}
	return len(i.inlineChain(fn, pc-i.bias))
}

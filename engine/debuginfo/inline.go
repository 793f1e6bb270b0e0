package debuginfo

// CodeInstance names the piece of code that holds the runtime address pc: the
// innermost inlined call containing it (its DIE offset), else the function
// (its start). Two addresses of one source line with the same instance are
// one place in the program; different instances (two functions, two inlined
// copies) are different places: a line breakpoint takes one address of each,
// as gdb and Delve do. ok is false without DWARF for pc.
func (i *Info) CodeInstance(pc uint64) (key uint64, ok bool) {
	if i.dw == nil {
		return 0, false
	}
	fp := pc - i.bias
	fn := i.funcAt(fp)
	if fn == nil {
		return 0, false
	}
	if chain := i.inlineChain(fn, fp); len(chain) > 0 {
		// DIE offsets and code addresses are different spaces: mark the
		// offsets so a key can't equal a function start.
		return uint64(chain[len(chain)-1].Offset) | 1<<63, true
	}
	return fn.low, true
}

package debuginfo

import (
	"debug/dwarf"
	"errors"
	"fmt"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
	"github.com/go-delve/delve/pkg/dwarf/op"
)

// The binary is input: a damaged one must give errors, never a panic or a
// hang (FuzzNew). Delve's godwarf and op panic on some malformed DWARF
// (a nil type in a DIE tree, an unterminated LEB128 in an expression), so
// the calls into them recover here, as loadCFI and establish do for CFI.

// errMalformedDWARF ends a walk of .debug_info that no longer advances.
var errMalformedDWARF = errors.New("debuginfo: malformed .debug_info (a DIE walk does not advance)")

// maxNullEntries bounds the null entries a walk may meet in a row. Real
// DWARF has one a nesting level (and a little padding); debug/dwarf decodes
// an abbreviation code whose LEB128 runs to the end of its unit as a null
// entry without consuming it, so Reader.Next returns it forever.
const maxNullEntries = 1 << 16

// dieReader is a dwarf.Reader whose Next fails instead of looping.
type dieReader struct {
	*dwarf.Reader
	nulls int
}

func (i *Info) reader() *dieReader { return &dieReader{Reader: i.dw.Reader()} }

// walk visits the entries of .debug_info in order, up to the end or the
// first error; it skips the children of an entry for which visit returns
// false. The indexes built on first use (names, globals, runtime types)
// are one walk each.
func (i *Info) walk(visit func(e *dwarf.Entry) (descend bool)) {
	r := i.reader()
	for {
		e, err := r.Next()
		if err != nil || e == nil {
			return
		}
		if !visit(e) && e.Children {
			r.SkipChildren()
		}
	}
}

func (r *dieReader) Next() (*dwarf.Entry, error) {
	e, err := r.Reader.Next()
	if err != nil || e == nil {
		return e, err
	}
	if e.Tag != 0 {
		r.nulls = 0
	} else if r.nulls++; r.nulls > maxNullEntries {
		return nil, errMalformedDWARF
	}
	return e, nil
}

// loadTree is godwarf.LoadTree, recovering from its panics.
func loadTree(off dwarf.Offset, d *dwarf.Data, staticBase uint64) (t *godwarf.Tree, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, fmt.Errorf("debuginfo: DIE tree at %#x: %v", off, r)
		}
	}()
	return godwarf.LoadTree(off, d, staticBase)
}

// readType is godwarf.ReadType, recovering from its panics.
func readType(d *dwarf.Data, index int, off dwarf.Offset, cache map[dwarf.Offset]godwarf.Type) (t godwarf.Type, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, fmt.Errorf("debuginfo: type at %#x: %v", off, r)
		}
	}()
	return godwarf.ReadType(d, index, off, cache)
}

// execStack is op.ExecuteStackProgram, recovering from its panics.
func execStack(regs op.DwarfRegisters, instr []byte, ptrSize int, read op.ReadMemoryFunc) (v int64, pieces []op.Piece, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, pieces, err = 0, nil, fmt.Errorf("debuginfo: DWARF expression % x: %v", instr, r)
		}
	}()
	return op.ExecuteStackProgram(regs, instr, ptrSize, read)
}

// maxValueBytes caps one read of a value's bytes: a damaged DW_AT_byte_size
// must not allocate gigabytes.
const maxValueBytes = 1 << 26

func checkValueSize(size int64) error {
	if size < 0 || size > maxValueBytes {
		return fmt.Errorf("value of %d bytes: not read (the limit is %d)", size, maxValueBytes)
	}
	return nil
}

// treeType is (*godwarf.Tree).Type, recovering from its panics.
func treeType(n *godwarf.Tree, d *dwarf.Data, cache map[dwarf.Offset]godwarf.Type) (t godwarf.Type, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, fmt.Errorf("debuginfo: type of the DIE at %#x: %v", n.Offset, r)
		}
	}()
	return n.Type(d, 0, cache)
}

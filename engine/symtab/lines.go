package symtab

import (
	"debug/dwarf"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// row is one line-table row, its file an index into its unit's files.
type row struct {
	addr     uint64
	line     int32
	file     int32
	stmt     bool
	prologue bool // prologue_end
	start    bool // is_stmt and begins a run of its file:line in the sequence
	end      bool // end_sequence: addr is one past the sequence
}

// seq is one DWARF line-number sequence: rows in address order.
type seq struct {
	lo, hi uint64
	rows   []row
}

// unit is one compile unit's line table, read on demand.
type unit struct {
	entry  *dwarf.Entry
	ranges [][2]uint64
	files  []string // DWARF file table (full names); "" for unused slots
	seqs   []seq    // nil until read; sorted by lo
	read   bool
}

// lineIndex maps pcs to compile units; units read their rows lazily.
type lineIndex struct {
	d     *dwarf.Data
	units []*unit
	byPC  []pcRange // sorted by lo
}

type pcRange struct {
	lo, hi uint64
	u      *unit
}

func (b *Binary) lineIdx() (*lineIndex, error) {
	if b.lines != nil {
		return b.lines, nil
	}
	d, err := b.DWARF()
	if err != nil {
		return nil, err
	}
	li, err := safe(func() (*lineIndex, error) { return buildLineIndex(d) })
	if err != nil {
		return nil, fmt.Errorf("read DWARF units of %s: %w", b.path, err)
	}
	b.lines = li
	return li, nil
}

// buildLineIndex lists the compile units and their pc ranges without
// reading any line program.
func buildLineIndex(d *dwarf.Data) (*lineIndex, error) {
	li := &lineIndex{d: d}
	r := d.Reader()
	for nulls := 0; ; {
		e, err := r.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			break
		}
		// debug/dwarf decodes an abbreviation code whose LEB128 runs to the
		// end of its unit as a null entry without consuming it: Next would
		// return it forever (a binary with a damaged .debug_info hung here).
		if e.Tag != 0 {
			nulls = 0
		} else if nulls++; nulls > 1<<16 {
			return nil, fmt.Errorf("malformed .debug_info: the DIE walk does not advance")
		}
		if e.Tag == dwarf.TagCompileUnit || e.Tag == dwarf.TagPartialUnit {
			u := &unit{entry: e}
			if rs, err := d.Ranges(e); err == nil {
				u.ranges = rs
				for _, rg := range rs {
					if rg[1] > rg[0] {
						li.byPC = append(li.byPC, pcRange{rg[0], rg[1], u})
					}
				}
			}
			li.units = append(li.units, u)
		}
		r.SkipChildren()
	}
	sort.Slice(li.byPC, func(i, j int) bool { return li.byPC[i].lo < li.byPC[j].lo })
	return li, nil
}

// unitFor is the compile unit whose ranges hold pc, or nil.
func (li *lineIndex) unitFor(pc uint64) *unit {
	k := sort.Search(len(li.byPC), func(k int) bool { return li.byPC[k].lo > pc }) - 1
	// Ranges may nest or overlap (rare); look back a little.
	for j := 0; k >= 0 && j < 4; k, j = k-1, j+1 {
		if pc >= li.byPC[k].lo && pc < li.byPC[k].hi {
			return li.byPC[k].u
		}
	}
	return nil
}

// fileTable reads only the header of u's line program.
func (li *lineIndex) fileTable(u *unit) (*dwarf.LineReader, error) {
	lr, err := li.d.LineReader(u.entry)
	if err != nil || lr == nil {
		return nil, err
	}
	if u.files == nil {
		fs := lr.Files()
		u.files = make([]string, len(fs))
		for i, f := range fs {
			if f != nil {
				u.files[i] = f.Name
			}
		}
	}
	return lr, nil
}

// load reads u's rows once; a corrupt line program is an error, never a
// panic (debug/dwarf can panic on bad input).
func (li *lineIndex) load(u *unit) error {
	if u.read {
		return nil
	}
	u.read = true
	_, err := safe(func() (struct{}, error) { return struct{}{}, li.readRows(u) })
	if err != nil {
		u.seqs = nil
	}
	return err
}

func (li *lineIndex) readRows(u *unit) error {
	lr, err := li.fileTable(u)
	if err != nil || lr == nil {
		return err
	}
	fileIdx := map[*dwarf.LineFile]int32{}
	for i, f := range lr.Files() {
		if f != nil {
			fileIdx[f] = int32(i)
		}
	}
	var cur []row
	var le dwarf.LineEntry
	for {
		if err := lr.Next(&le); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return err
		}
		fi, ok := fileIdx[le.File]
		if !ok && le.File != nil {
			// A file defined mid-program (DW_LNE_define_file, DWARF 4).
			fi = int32(len(u.files))
			u.files = append(u.files, le.File.Name)
			fileIdx[le.File] = fi
		}
		rw := row{addr: le.Address, line: int32(le.Line), file: fi, stmt: le.IsStmt, prologue: le.PrologueEnd, end: le.EndSequence}
		if n := len(cur); rw.stmt && !rw.end && (n == 0 || cur[n-1].line != rw.line || cur[n-1].file != rw.file) {
			rw.start = true
		}
		cur = append(cur, rw)
		if le.EndSequence {
			if len(cur) > 1 && cur[0].addr < rw.addr {
				u.seqs = append(u.seqs, seq{lo: cur[0].addr, hi: rw.addr, rows: cur})
			}
			cur = nil
		}
	}
	sort.Slice(u.seqs, func(i, j int) bool { return u.seqs[i].lo < u.seqs[j].lo })
	return nil
}

// seqFor finds the sequence holding pc, reading its unit if needed.
func (li *lineIndex) seqFor(pc uint64) (*unit, *seq) {
	u := li.unitFor(pc)
	if u == nil {
		return nil, nil
	}
	if err := li.load(u); err != nil {
		return nil, nil
	}
	// Sequences do not overlap: the last one starting at or below pc is
	// the only candidate.
	k := sort.Search(len(u.seqs), func(k int) bool { return u.seqs[k].lo > pc }) - 1
	if k >= 0 && pc < u.seqs[k].hi {
		return u, &u.seqs[k]
	}
	return nil, nil
}

// rowAt is the index in s.rows of the row describing pc: among the rows at
// the greatest address <= pc, the last one with is_stmt, else the last one.
// That is the row gdb reports (find_pc_sect_line steps back to a statement
// at the same address).
func rowAt(s *seq, pc uint64) int {
	k := sort.Search(len(s.rows), func(k int) bool { return s.rows[k].addr > pc }) - 1
	if k < 0 {
		return -1
	}
	for j := k; j >= 0 && s.rows[j].addr == s.rows[k].addr; j-- {
		if s.rows[j].stmt && !s.rows[j].end {
			return j
		}
	}
	return k
}

// PCToLine maps a pc to its source position. Go binaries use the pclntab
// (debug/gosym), which works without DWARF and reports the innermost
// inlined position; others use the DWARF line table.
func (b *Binary) PCToLine(pc Addr) (file string, line int, ok bool) {
	if b.IsGo() {
		if t, err := b.goTable(); err == nil && t != nil {
			type pos struct {
				file string
				line int
			}
			p, err := safe(func() (pos, error) {
				f, l, fn := t.PCToLine(uint64(pc))
				if fn == nil {
					return pos{}, nil
				}
				return pos{f, l}, nil
			})
			if err == nil && p.line > 0 {
				return p.file, p.line, true
			}
		}
	}
	return b.dwarfPCToLine(pc)
}

func (b *Binary) dwarfPCToLine(pc Addr) (string, int, bool) {
	li, err := b.lineIdx()
	if err != nil {
		return "", 0, false
	}
	u, s := li.seqFor(uint64(pc))
	if s == nil {
		return "", 0, false
	}
	k := rowAt(s, uint64(pc))
	if k < 0 || s.rows[k].end || s.rows[k].line == 0 {
		return "", 0, false
	}
	return u.files[s.rows[k].file], int(s.rows[k].line), true
}

// fileMatches reports whether full names the file the user wrote: equal, or
// ending in "/"+file ("main.go", "testdata/hello.c").
func fileMatches(full, file string) bool {
	return full == file || strings.HasSuffix(full, "/"+strings.TrimPrefix(file, "./"))
}

// LineToPCs returns, in address order, every is_stmt address that begins
// file:line: the first row of each run of that line in the line table, so
// a line the compiler split (a loop header, a duplicated block, inlined
// copies) gives several. file matches by path suffix. Errors say when no
// file matches, when several distinct files do, and when the line has no
// code (naming the next line that has some).
//
// Callers wanting one address a function, as `break file:line` in gdb and
// Delve, keep the lowest per FuncAt.
func (b *Binary) LineToPCs(file string, line int) ([]Addr, error) {
	return b.lineToPCs(file, line, false)
}

// LineStmtPCs is LineToPCs with every is_stmt address of the line, also
// those that continue a run of the same line (a second inlined copy of a
// call can follow the first without a line change between them). The
// engine groups them by function and inlined copy.
func (b *Binary) LineStmtPCs(file string, line int) ([]Addr, error) {
	return b.lineToPCs(file, line, true)
}

func (b *Binary) lineToPCs(file string, line int, allStmt bool) ([]Addr, error) {
	if file == "" || line <= 0 {
		return nil, fmt.Errorf("bad location %s:%d", file, line)
	}
	li, err := b.lineIdx()
	if err != nil {
		if b.IsGo() {
			return b.goLineToPC(file, line, err)
		}
		return nil, err
	}
	matched := map[string]bool{}
	var units []*unit
	for _, u := range li.units {
		if _, err := li.fileTable(u); err != nil {
			continue
		}
		hit := false
		for _, f := range u.files {
			if f != "" && fileMatches(f, file) {
				matched[f] = true
				hit = true
			}
		}
		if hit {
			units = append(units, u)
		}
	}
	switch len(matched) {
	case 0:
		return nil, fmt.Errorf("no source file matches %q in %s", file, b.path)
	case 1:
	default:
		names := make([]string, 0, len(matched))
		for f := range matched {
			names = append(names, f)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("%q is ambiguous in %s: %s", file, b.path, strings.Join(names, ", "))
	}
	var full string
	for f := range matched {
		full = f
	}
	var pcs []Addr
	next := 0
	for _, u := range units {
		if err := li.load(u); err != nil {
			return nil, fmt.Errorf("read line table of %s: %w", b.path, err)
		}
		for si := range u.seqs {
			for _, r := range u.seqs[si].rows {
				if r.end || u.files[r.file] != full {
					continue
				}
				if int(r.line) == line && (r.start || allStmt && r.stmt) {
					pcs = append(pcs, Addr(r.addr))
				} else if int(r.line) > line && r.stmt && (next == 0 || int(r.line) < next) {
					next = int(r.line)
				}
			}
		}
	}
	if len(pcs) == 0 {
		if next > 0 {
			return nil, fmt.Errorf("no code at %s:%d; the next line with code is %d", full, line, next)
		}
		return nil, fmt.Errorf("no code at %s:%d", full, line)
	}
	sort.Slice(pcs, func(i, j int) bool { return pcs[i] < pcs[j] })
	out := pcs[:1]
	for _, pc := range pcs[1:] {
		if pc != out[len(out)-1] {
			out = append(out, pc)
		}
	}
	return out, nil
}

// goLineToPC serves a Go binary without DWARF from the pclntab, which has
// no is_stmt flags: one address, the lowest gosym finds.
func (b *Binary) goLineToPC(file string, line int, dwarfErr error) ([]Addr, error) {
	t, err := b.goTable()
	if err != nil || t == nil {
		return nil, dwarfErr
	}
	var names []string
	for f := range t.Files {
		if fileMatches(f, file) {
			names = append(names, f)
		}
	}
	sort.Strings(names)
	switch len(names) {
	case 0:
		return nil, fmt.Errorf("no source file matches %q in %s", file, b.path)
	case 1:
	default:
		return nil, fmt.Errorf("%q is ambiguous in %s: %s", file, b.path, strings.Join(names, ", "))
	}
	pc, err := safe(func() (uint64, error) {
		pc, _, err := t.LineToPC(names[0], line)
		return pc, err
	})
	if err != nil {
		return nil, fmt.Errorf("no code at %s:%d", names[0], line)
	}
	return []Addr{Addr(pc)}, nil
}

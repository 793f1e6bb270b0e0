package debuginfo

import (
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/frame"
	"github.com/go-delve/delve/pkg/dwarf/godwarf"
	"github.com/go-delve/delve/pkg/dwarf/loclist"
)

// Memory reads the tracee's memory.
type Memory interface {
	ReadMemory(addr uint64, buf []byte) error
}

// Registers of one thread at a stop, in DWARF register numbering for x86-64
// (System V psABI, figure 3.36): 0 rax, 1 rdx, 2 rcx, 3 rbx, 4 rsi, 5 rdi,
// 6 rbp, 7 rsp, 8-15 r8-r15, 16 rip (the return address column), 17-32
// xmm0-xmm15 (low 64 bits; optional), 58 fs_base (optional).
type Registers interface {
	PC() uint64
	SP() uint64
	Reg(dwarfNum int) (uint64, bool)
}

// DWARF register numbers used here (System V x86-64 psABI, figure 3.36).
const (
	regRBP    = 6
	regRSP    = 7
	regR14    = 14
	regRIP    = 16
	regXMM0   = 17
	regFSBase = 58
	numRegs   = 33 // rax..rip and xmm0..xmm15
)

// dwLangGo is DW_LANG_Go (DWARF 5, table 7.17).
const dwLangGo = 0x16

// Info is the debug information of one program: its ELF symbols, DWARF
// (when present), call frame information and the load bias.
//
// New reads nothing but the ELF symbol table; each other table is built on
// first need: the CFI when a frame has to be unwound, the list of compile
// units (their entries and address ranges) when a pc has to be placed, and
// a unit's functions and line rows when a pc inside it is looked up. A
// backtrace of a large Go program thus decodes the few units its frames are
// in, not every line table of the program (cmd/go: 100 MB of rows).
type Info struct {
	elf   *elf.File
	dwelf *elf.File // the separate debug file holding the DWARF, or nil (SetDebugFile)
	dw    *dwarf.Data
	bias  uint64

	syms   []elfSym   // functions, sorted by address (without lookup)
	lookup FuncLookup // the caller's symbol index, when given

	cfiDone bool
	cfiErr  error
	fdes    frame.FrameDescriptionEntries // file addresses

	cusDone  bool
	cus      []*cuInfo // in .debug_info order
	cuRanges []cuRange // sorted by low
	unranged []*cuInfo // units without address ranges: searched last
	dwErr    error     // the first failure reading .debug_info, if any

	locDone   bool
	loc2      *loclist.Dwarf2Reader
	loc5      *loclist.Dwarf5Reader
	debugAddr *godwarf.DebugAddrSection

	isGo  bool
	gotab GoTable // the pclntab, for a Go program without DWARF

	// Lazily filled caches.
	trees      map[dwarf.Offset]*godwarf.Tree
	typeCache  map[dwarf.Offset]godwarf.Type
	globals    map[string]dwarf.Offset
	rtypes     map[uint64]dwarf.Offset // runtime type address (file) -> DWARF type
	goff       *GOffsets
	goffErr    error
	namedTypes map[string]godwarf.Type
	nidx       *nameIndex // Eval's functions, constants, types and packages
	dataSyms   map[string]uint64
}

type elfSym struct {
	name       string
	addr, size uint64
}

type fnRange struct {
	low, high uint64
	off       dwarf.Offset // the DW_TAG_subprogram
	name      string
	cu        *cuInfo
}

type cuInfo struct {
	off      dwarf.Offset
	entry    *dwarf.Entry
	lang     int64
	version  int    // of the unit header; set by loadLocLists
	base     uint64 // DW_AT_low_pc, the base of location lists
	addrBase uint64

	// Filled by (*Info).loadUnit on first need.
	loaded bool
	funcs  []fnRange // subprogram ranges, sorted by low
	lines  []lineRow // the unit's rows, sorted by address
	files  []*dwarf.LineFile
}

type cuRange struct {
	low, high uint64
	cu        *cuInfo
}

type lineRow struct {
	addr   uint64
	file   string
	line   int
	endSeq bool
}

// New reads the debug information of a program. d may be nil (no DWARF):
// then only symbols and CFI are used. bias is the runtime address minus the
// file address (0 for a non-PIE executable). Only the symbol table is read
// here; the rest is read when first needed (see Info).
func New(f *elf.File, d *dwarf.Data, bias uint64) (*Info, error) {
	return NewWithSymbols(f, d, bias, nil)
}

// FuncLookup finds the function symbol holding a file address.
type FuncLookup func(fileAddr uint64) (name string, start, size uint64, ok bool)

// NewWithSymbols is New with the caller's own symbol index (the engine
// passes symtab's, which also knows a stripped Go program's pclntab), so
// that the ELF symbol table is not read a second time. nil: New's own.
func NewWithSymbols(f *elf.File, d *dwarf.Data, bias uint64, lookup FuncLookup) (*Info, error) {
	if f == nil {
		return nil, errors.New("debuginfo: nil ELF file")
	}
	i := &Info{
		elf:       f,
		dw:        d,
		bias:      bias,
		trees:     map[dwarf.Offset]*godwarf.Tree{},
		typeCache: map[dwarf.Offset]godwarf.Type{},
	}
	if lookup != nil {
		i.lookup = lookup
	} else {
		i.loadSymbols()
	}
	if f.Section(".go.buildinfo") != nil || f.Section(".gopclntab") != nil {
		i.isGo = true
	}
	return i, nil
}

func (i *Info) loadSymbols() {
	syms, _ := i.elf.Symbols() // a stripped binary has none; that is not an error
	for _, s := range syms {
		if elf.ST_TYPE(s.Info) != elf.STT_FUNC || s.Value == 0 {
			continue
		}
		i.syms = append(i.syms, elfSym{name: s.Name, addr: s.Value, size: s.Size})
	}
	sort.Slice(i.syms, func(a, b int) bool { return i.syms[a].addr < i.syms[b].addr })
}

// InText tells whether the runtime address pc is in an executable segment
// of this binary.
func (i *Info) InText(pc uint64) bool { return i.inText(pc) }

// cfi returns the call frame information, parsed on first use.
func (i *Info) cfi() (frame.FrameDescriptionEntries, error) {
	if !i.cfiDone {
		i.cfiDone = true
		i.cfiErr = i.loadCFI()
	}
	return i.fdes, i.cfiErr
}

// loadCFI parses .debug_frame and .eh_frame. A malformed section is an error
// of the binary, reported as such; Delve's parser panics on some, hence the
// recover.
func (i *Info) loadCFI() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("debuginfo: parse call frame information: %v", r)
		}
	}()
	var all frame.FrameDescriptionEntries
	if data, e := godwarf.GetDebugSectionElf(i.dwarfELF(), "frame"); e == nil && len(data) > 0 {
		fdes, e := frame.Parse(data, binary.LittleEndian, 0, 8, 0)
		if e != nil {
			return fmt.Errorf("debuginfo: parse .debug_frame: %w", e)
		}
		all = all.Append(fdes)
	}
	if sec := i.elf.Section(".eh_frame"); sec != nil && sec.Type != elf.SHT_NOBITS {
		data, e := sec.Data()
		if e != nil {
			return fmt.Errorf("debuginfo: read .eh_frame: %w", e)
		}
		fdes, e := frame.Parse(data, binary.LittleEndian, 0, 8, sec.Addr)
		if e != nil {
			return fmt.Errorf("debuginfo: parse .eh_frame: %w", e)
		}
		all = all.Append(fdes)
	}
	i.fdes = all
	return nil
}

// loadLocLists opens the location list sections on first use.
func (i *Info) loadLocLists() {
	if i.locDone || i.dw == nil {
		return
	}
	i.locDone = true
	if data, err := godwarf.GetDebugSectionElf(i.dwarfELF(), "loc"); err == nil && len(data) > 0 {
		i.loc2 = loclist.NewDwarf2Reader(data, 8)
	}
	if data, err := godwarf.GetDebugSectionElf(i.dwarfELF(), "loclists"); err == nil && len(data) > 0 {
		i.loc5 = loclist.NewDwarf5Reader(data)
	}
	if data, err := godwarf.GetDebugSectionElf(i.dwarfELF(), "addr"); err == nil && len(data) > 0 {
		i.debugAddr = godwarf.ParseAddr(data)
	}
	// The unit versions pick the list format. debug/dwarf keeps them to
	// itself, so they are read from the headers, here rather than in
	// loadCUs: .debug_info is decompressed again to get them.
	i.loadCUs()
	info, _ := godwarf.GetDebugSectionElf(i.dwarfELF(), "info")
	for _, cu := range i.cus {
		cu.version = cuVersion(info, cu.off)
	}
}

// loadCUs lists the compile units and their address ranges, reading only
// each unit's first entry (Reader.SkipChildren moves to the next unit).
func (i *Info) loadCUs() {
	if i.cusDone || i.dw == nil {
		return
	}
	i.cusDone = true
	r := i.reader()
	for {
		e, err := r.Next()
		if err != nil {
			i.noteDWARFErr(err)
			break // a damaged unit ends the list; the units before it serve
		}
		if e == nil {
			break
		}
		if e.Tag != dwarf.TagCompileUnit && e.Tag != dwarf.TagPartialUnit {
			if e.Children {
				r.SkipChildren()
			}
			continue
		}
		cu := &cuInfo{off: e.Offset, entry: e}
		cu.lang, _ = e.Val(dwarf.AttrLanguage).(int64)
		if cu.lang == dwLangGo {
			i.isGo = true
		}
		cu.base, _ = e.Val(dwarf.AttrLowpc).(uint64)
		if ab, ok := e.Val(dwarf.AttrAddrBase).(int64); ok {
			cu.addrBase = uint64(ab)
		}
		i.cus = append(i.cus, cu)
		ranges, err := i.dw.Ranges(e)
		ranged := false
		for _, rg := range ranges {
			if err == nil && rg[0] < rg[1] {
				i.cuRanges = append(i.cuRanges, cuRange{low: rg[0], high: rg[1], cu: cu})
				ranged = true
			}
		}
		if !ranged {
			i.unranged = append(i.unranged, cu)
		}
		if e.Children {
			r.SkipChildren()
		}
	}
	sort.Slice(i.cuRanges, func(a, b int) bool { return i.cuRanges[a].low < i.cuRanges[b].low })
}

// noteDWARFErr keeps the first error met walking .debug_info: a lookup
// that finds nothing reports it.
func (i *Info) noteDWARFErr(err error) {
	if i.dwErr == nil {
		i.dwErr = fmt.Errorf("debuginfo: read DWARF: %w", err)
	}
}

// unitsAt returns the units that may hold the file address pc: those whose
// ranges contain it, then those without ranges.
func (i *Info) unitsAt(pc uint64) []*cuInfo {
	i.loadCUs()
	var out []*cuInfo
	k := sort.Search(len(i.cuRanges), func(n int) bool { return i.cuRanges[n].low > pc }) - 1
	// Units do not overlap; a few steps back cover a damaged table's.
	for n := 0; k >= 0 && n < 16; k, n = k-1, n+1 {
		if rg := i.cuRanges[k]; pc >= rg.low && pc < rg.high {
			out = append(out, rg.cu)
		}
	}
	return append(out, i.unranged...)
}

// loadUnit indexes one unit's subprograms and line rows.
func (i *Info) loadUnit(cu *cuInfo) *cuInfo {
	if cu.loaded {
		return cu
	}
	cu.loaded = true
	i.loadLines(cu)
	if cu.entry.Children {
		r := i.reader()
		r.Seek(cu.off)
		if _, err := r.Next(); err == nil { // the unit entry itself
			i.loadFuncs(r, cu)
		}
	}
	sort.Slice(cu.funcs, func(a, b int) bool { return cu.funcs[a].low < cu.funcs[b].low })
	// At one address an end of sequence sorts before the next sequence's
	// first row, so a lookup lands on the live row.
	sort.SliceStable(cu.lines, func(a, b int) bool {
		ra, rb := cu.lines[a], cu.lines[b]
		if ra.addr != rb.addr {
			return ra.addr < rb.addr
		}
		return ra.endSeq && !rb.endSeq
	})
	return cu
}

// loadFuncs reads the unit's children up to its end, indexing subprograms
// (also those inside namespaces and modules).
func (i *Info) loadFuncs(r *dieReader, cu *cuInfo) {
	depth := 1
	for depth > 0 {
		e, err := r.Next()
		if err != nil {
			i.noteDWARFErr(err)
			return
		}
		if e == nil {
			return
		}
		switch e.Tag {
		case 0:
			depth--
		case dwarf.TagCompileUnit, dwarf.TagPartialUnit:
			return // the next unit: this one had no terminating null
		case dwarf.TagSubprogram:
			i.addFunc(e, cu)
			if e.Children {
				r.SkipChildren() // nested subprograms do not occur in C or Go
			}
		case dwarf.TagNamespace, dwarf.TagModule:
			if e.Children {
				depth++
			}
		default:
			if e.Children {
				r.SkipChildren()
			}
		}
	}
}

// cuVersion reads the version field of the unit header at off in
// .debug_info (DWARF 5, 7.5.1.1): it picks the location list format.
func cuVersion(info []byte, off dwarf.Offset) int {
	o := int(off)
	if o < 0 || o+12 > len(info) {
		return 4
	}
	// The CU entry follows its header; the header starts at the unit
	// offset, which debug/dwarf gives only as the first DIE's offset. Walk
	// back to the header: 11 bytes (v2-4) or 12 bytes (v5) for 32-bit DWARF.
	for _, hl := range []int{12, 11} {
		h := o - hl
		if h < 0 {
			continue
		}
		v := int(binary.LittleEndian.Uint16(info[h+4:]))
		if (hl == 12 && v == 5) || (hl == 11 && v >= 2 && v <= 4) {
			return v
		}
	}
	return 4
}

func (i *Info) addFunc(e *dwarf.Entry, cu *cuInfo) {
	if _, ok := e.Val(dwarf.AttrInline).(int64); ok {
		return // abstract instance: no code of its own
	}
	ranges, err := i.dw.Ranges(e)
	if err != nil || len(ranges) == 0 {
		return
	}
	name, _ := e.Val(dwarf.AttrName).(string)
	if name == "" {
		name = i.originName(e)
	}
	for _, rg := range ranges {
		if rg[0] < rg[1] {
			cu.funcs = append(cu.funcs, fnRange{low: rg[0], high: rg[1], off: e.Offset, name: name, cu: cu})
		}
	}
}

// originName follows DW_AT_abstract_origin and DW_AT_specification to the
// DIE that carries the name (gcc's out-of-line copies of inline functions).
func (i *Info) originName(e *dwarf.Entry) string {
	r := i.dw.Reader()
	for n := 0; n < 4; n++ {
		off, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset)
		if !ok {
			off, ok = e.Val(dwarf.AttrSpecification).(dwarf.Offset)
		}
		if !ok {
			return ""
		}
		r.Seek(off)
		next, err := r.Next()
		if err != nil || next == nil {
			return ""
		}
		if name, _ := next.Val(dwarf.AttrName).(string); name != "" {
			return name
		}
		e = next
	}
	return ""
}

func (i *Info) loadLines(cu *cuInfo) {
	lr, err := i.dw.LineReader(cu.entry)
	if err != nil || lr == nil {
		return
	}
	cu.files = lr.Files()
	var le dwarf.LineEntry
	for lr.Next(&le) == nil {
		row := lineRow{addr: le.Address, line: le.Line, endSeq: le.EndSequence}
		if le.File != nil {
			row.file = le.File.Name
		}
		cu.lines = append(cu.lines, row)
	}
}

// funcAt returns the subprogram whose code holds the file address pc.
func (i *Info) funcAt(pc uint64) *fnRange {
	for _, cu := range i.unitsAt(pc) {
		fs := i.loadUnit(cu).funcs
		k := sort.Search(len(fs), func(n int) bool { return fs[n].low > pc }) - 1
		for ; k >= 0; k-- {
			f := &fs[k]
			if pc >= f.low && pc < f.high {
				return f
			}
			if pc-f.low > 1<<24 {
				break
			}
		}
	}
	return nil
}

// symAt returns the ELF function symbol covering the file address pc.
func (i *Info) symAt(pc uint64) *elfSym {
	if i.lookup != nil {
		name, start, size, ok := i.lookup(pc)
		if !ok {
			return nil
		}
		return &elfSym{name: name, addr: start, size: size}
	}
	k := sort.Search(len(i.syms), func(n int) bool { return i.syms[n].addr > pc }) - 1
	for ; k >= 0; k-- {
		s := &i.syms[k]
		if pc >= s.addr && (pc < s.addr+s.size || (s.size == 0 && k == len(i.syms)-1 && i.inText(pc+i.bias))) {
			return s
		}
		if s.size != 0 && pc-s.addr > 1<<24 {
			break
		}
	}
	return nil
}

// FuncName names the function holding the runtime address pc: from DWARF,
// or from the ELF symbol table without it. "" when neither knows pc.
func (i *Info) FuncName(pc uint64) string {
	fp := pc - i.bias
	if f := i.funcAt(fp); f != nil && f.name != "" {
		return f.name
	}
	if s := i.symAt(fp); s != nil {
		// Go's assembly functions carry their ABI in the ELF name only.
		return strings.TrimSuffix(s.name, ".abi0")
	}
	return ""
}

// PCToLine returns the source position of the runtime address pc: from
// DWARF, or from a Go program's pclntab without it.
func (i *Info) PCToLine(pc uint64) (file string, line int) {
	fp := pc - i.bias
	for _, cu := range i.unitsAt(fp) {
		ls := i.loadUnit(cu).lines
		k := sort.Search(len(ls), func(n int) bool { return ls[n].addr > fp }) - 1
		if k >= 0 && !ls[k].endSeq {
			return ls[k].file, ls[k].line
		}
	}
	if i.dw == nil {
		if f, l, ok := i.goPCToLine(pc); ok {
			return f, l
		}
	}
	return "", 0
}

// LineToPC returns the lowest runtime address of a statement at file:line,
// file matched as a path suffix. It reads the line table of every unit
// that names such a file.
func (i *Info) LineToPC(file string, line int) (uint64, bool) {
	i.loadCUs()
	best, found := uint64(0), false
	for _, cu := range i.cus {
		for _, r := range i.loadUnit(cu).lines {
			if r.line == line && !r.endSeq && strings.HasSuffix(r.file, file) && (!found || r.addr < best) {
				best, found = r.addr, true
			}
		}
	}
	return best + i.bias, found
}

// isGo tells a Go function from a C one (DW_AT_language of its unit).
func (f *fnRange) isGo() bool { return f.cu != nil && f.cu.lang == dwLangGo }

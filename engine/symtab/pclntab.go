package symtab

import (
	"debug/buildinfo"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// What debug/gosym does not expose of the pclntab: each function's
// stack-pointer delta table (pcsp), which is what lets a Go stack be
// unwound without DWARF call-frame information (the runtime's own
// traceback does exactly this), and the exact end of each function's code.
//
// Layout, from the Go sources (runtime/symtab.go: pcHeader, functab, _func,
// pcvalue and step; cmd/link/internal/ld/pcln.go writes them;
// debug/gosym/pclntab.go reads the same three versions):
//
//	pcHeader (Go 1.18+, magic 0xfffffff0 / 1.20+ 0xfffffff1):
//	  0 magic u32, 4 pad u8 u8, 6 minLC u8, 7 ptrSize u8, 8 nfunc int,
//	  16 nfiles uint, 24 textStart uintptr, 32 funcnameOffset,
//	  40 cuOffset, 48 filetabOffset, 56 pctabOffset, 64 pclnOffset
//	  (Go 1.16, magic 0xfffffffa: no textStart, the offsets from 24 on)
//	functab at pclnOffset: nfunc+1 pairs {entryoff u32, funcoff u32}
//	  (Go 1.16: {entry uintptr, funcoff uintptr}); the last entryoff is
//	  the end of the text.
//	_func at pclnOffset+funcoff: entryOff u32 (1.16: entry uintptr),
//	  nameOff i32, args i32, deferreturn u32, pcsp u32, pcfile u32, ...
//	a pc-value table at pctabOffset+off: pairs of a zig-zag varint value
//	  delta (the first relative to -1) and a varint pc delta (times minLC),
//	  ended by a value delta of 0 after the first pair. A value holds from
//	  the pc reached before its pc delta up to the pc after it.
const (
	pclnMagic116 = 0xfffffffa
	pclnMagic118 = 0xfffffff0
	pclnMagic120 = 0xfffffff1
)

// pcln is the parsed header of a Go pclntab.
type pcln struct {
	data      []byte
	legacy    bool // Go 1.16 layout
	minLC     uint64
	textStart uint64
	nfunc     int
	ftab      []byte // nfunc+1 functab entries
	pctab     []byte
	funcs     []byte // pclnOffset: functab, then the _func records
}

func parsePcln(data []byte, text uint64) (*pcln, error) {
	if len(data) < 72 {
		return nil, errors.New("pclntab too short")
	}
	le := binary.LittleEndian
	p := &pcln{data: data, minLC: uint64(data[6]), textStart: text}
	var offs [5]uint64 // funcname, cu, filetab, pctab, pcln
	switch le.Uint32(data) {
	case pclnMagic118, pclnMagic120:
		for k := range offs {
			offs[k] = le.Uint64(data[32+8*k:])
		}
	case pclnMagic116:
		p.legacy = true
		for k := range offs {
			offs[k] = le.Uint64(data[24+8*k:])
		}
	default:
		return nil, fmt.Errorf("pclntab magic %#x: Go before 1.16 or not a pclntab", le.Uint32(data))
	}
	if data[7] != 8 || p.minLC == 0 {
		return nil, fmt.Errorf("pclntab for pointer size %d", data[7])
	}
	p.nfunc = int(le.Uint64(data[8:]))
	if offs[3] > uint64(len(data)) || offs[4] > uint64(len(data)) {
		return nil, errors.New("pclntab offsets out of range")
	}
	p.pctab = data[offs[3]:]
	p.funcs = data[offs[4]:]
	entry := 8
	if p.legacy {
		entry = 16
	}
	if p.nfunc < 0 || uint64(p.nfunc+1)*uint64(entry) > uint64(len(p.funcs)) {
		return nil, errors.New("pclntab function table out of range")
	}
	p.ftab = p.funcs[:(p.nfunc+1)*entry]
	return p, nil
}

// entry returns function k's entry pc and the offset of its _func.
func (p *pcln) entry(k int) (pc uint64, funcoff uint64) {
	le := binary.LittleEndian
	if p.legacy {
		return le.Uint64(p.ftab[16*k:]), le.Uint64(p.ftab[16*k+8:])
	}
	return p.textStart + uint64(le.Uint32(p.ftab[8*k:])), uint64(le.Uint32(p.ftab[8*k+4:]))
}

// find returns the index of the function holding pc, or -1.
func (p *pcln) find(pc uint64) int {
	k := sort.Search(p.nfunc, func(k int) bool { e, _ := p.entry(k); return e > pc }) - 1
	if k < 0 {
		return -1
	}
	if end, _ := p.entry(p.nfunc); pc >= end {
		return -1
	}
	return k
}

// pcspOff is the offset in pctab of function k's pcsp table (0: none).
func (p *pcln) pcspOff(k int) (uint64, bool) {
	_, fo := p.entry(k)
	at := fo + 16 // entryOff, nameOff, args, deferreturn
	if p.legacy {
		at = fo + 20
	}
	if at+4 > uint64(len(p.funcs)) {
		return 0, false
	}
	return uint64(binary.LittleEndian.Uint32(p.funcs[at:])), true
}

// walk runs function k's pcsp table, calling fn(lo, hi, value) for each
// range [lo, hi) of pcs; fn returns false to stop. It returns the pc where
// the table ends (the end of the function's code).
func (p *pcln) walk(k int, fn func(lo, hi uint64, v int64) bool) (uint64, error) {
	off, ok := p.pcspOff(k)
	if !ok || off == 0 || off >= uint64(len(p.pctab)) {
		return 0, fmt.Errorf("function %d has no pcsp table", k)
	}
	pc, _ := p.entry(k)
	tab := p.pctab[off:]
	val := int64(-1)
	for first := true; ; first = false {
		uv, n := binary.Uvarint(tab)
		if n <= 0 {
			return 0, fmt.Errorf("function %d: pcsp table truncated", k)
		}
		if uv == 0 && !first {
			return pc, nil
		}
		tab = tab[n:]
		val += int64(-(uv & 1) ^ (uv >> 1))
		pd, n := binary.Uvarint(tab)
		if n <= 0 {
			return 0, fmt.Errorf("function %d: pcsp table truncated", k)
		}
		tab = tab[n:]
		next := pc + pd*p.minLC
		if fn != nil && !fn(pc, next, val) {
			return next, nil
		}
		pc = next
	}
}

// goPcln parses the pclntab header once (after goTable, whose data it shares).
func (b *Binary) goPcln() (*pcln, error) {
	if b.pclnDone {
		return b.pcln, b.pclnErr
	}
	b.pclnDone = true
	if _, err := b.goTable(); err != nil {
		b.pclnErr = err
		return nil, err
	}
	if b.pclnData == nil {
		b.pclnErr = fmt.Errorf("%s: no Go pclntab", b.path)
		return nil, b.pclnErr
	}
	b.pcln, b.pclnErr = safe(func() (*pcln, error) { return parsePcln(b.pclnData, b.pclnText) })
	if b.pclnErr != nil {
		b.pclnErr = fmt.Errorf("read Go pclntab of %s: %w", b.path, b.pclnErr)
	}
	return b.pcln, b.pclnErr
}

// SPDelta is the Go runtime's funcspdelta: how far the stack pointer at pc
// lies below its value at the function's entry (0 at the entry, the frame
// size plus the saved frame pointer in the body), from the function's pcsp
// table. The caller's frame starts 8 bytes (the return address) above
// sp+delta. ok is false outside Go functions.
func (b *Binary) SPDelta(pc Addr) (delta int64, ok bool) {
	p, err := b.goPcln()
	if err != nil {
		return 0, false
	}
	k := p.find(uint64(pc))
	if k < 0 {
		return 0, false
	}
	found := false
	_, err = safe(func() (uint64, error) {
		return p.walk(k, func(lo, hi uint64, v int64) bool {
			if uint64(pc) >= lo && uint64(pc) < hi {
				delta, found = v, true
				return false
			}
			return true
		})
	})
	return delta, err == nil && found && delta >= 0
}

// funcEnd is the end of function k's code: where its pcsp table ends,
// which is the size the linker gave the symbol (the pclntab's next entry
// also counts the alignment padding).
func (p *pcln) funcEnd(k int) (uint64, bool) {
	if k < 0 {
		return 0, false
	}
	end, err := safe(func() (uint64, error) { return p.walk(k, nil) })
	start, _ := p.entry(k)
	return end, err == nil && end > start
}

// GoVersion is the Go release the program was built with ("go1.26.8"),
// from its build information (debug/buildinfo); "" when it has none.
func (b *Binary) GoVersion() string {
	if !b.goVerDone {
		b.goVerDone = true
		if bi, err := safe(func() (*buildinfo.BuildInfo, error) { return buildinfo.Read(b.osf) }); err == nil {
			b.goVer = bi.GoVersion
		}
	}
	return b.goVer
}

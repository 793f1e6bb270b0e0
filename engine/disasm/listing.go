package disasm

import (
	"fmt"
	"strings"

	"github.com/godbg/godbg/engine/symtab"
)

// The listing model: what `godbg disas` prints and what the Lua disas()
// returns, one Entry an instruction, with its function, its source line
// and whether a breakpoint is set there. Where the bytes and the names
// come from is the caller's: the ELF file (BinarySymbols, ReadCode) or a
// live process (its objects, and its memory with each trap's saved byte).

// Entry is one instruction of a listing (runtime addresses).
type Entry struct {
	Addr  uint64
	Len   int
	Bytes []byte
	Text  string // Intel syntax, call and jump targets named
	Sym   string // the function holding it
	File  string
	Line  int
	Bp    bool // a user breakpoint is set here
}

// Symbols names runtime addresses for a listing.
type Symbols interface {
	// SymAt is the symbol holding addr: its name and start.
	SymAt(addr uint64) (name string, start uint64, ok bool)
	// FuncAt is the function holding pc: its name, start and size.
	FuncAt(pc uint64) (name string, start, size uint64, ok bool)
	PCToLine(pc uint64) (file string, line int, ok bool)
}

// BinarySymbols names the addresses of one binary loaded Bias bytes above
// its link-time addresses (0: the file's own addresses).
type BinarySymbols struct {
	Bin  *symtab.Binary
	Bias uint64
}

func (b BinarySymbols) SymAt(addr uint64) (string, uint64, bool) {
	s, ok := b.Bin.SymAt(symtab.Addr(addr - b.Bias))
	if !ok {
		return "", 0, false
	}
	return s.Name, uint64(s.Addr) + b.Bias, true
}

func (b BinarySymbols) FuncAt(pc uint64) (string, uint64, uint64, bool) {
	s, ok := b.Bin.FuncAt(symtab.Addr(pc - b.Bias))
	if !ok {
		return "", 0, 0, false
	}
	return s.Name, uint64(s.Addr) + b.Bias, s.Size, true
}

func (b BinarySymbols) PCToLine(pc uint64) (string, int, bool) {
	return b.Bin.PCToLine(symtab.Addr(pc - b.Bias))
}

// Listing is where a listing reads instructions from.
type Listing struct {
	Syms Symbols
	Read func(addr uint64, n int) ([]byte, error) // runtime addresses
	BpAt func(addr uint64) bool                   // nil: no breakpoints
}

// Disassemble decodes from start (runtime address) up to end (exclusive,
// 0: no limit) and at most max instructions (Decode: Intel syntax, targets
// named). Undecodable bytes become one-byte "(bad)" entries, as objdump
// shows them.
func (c *Listing) Disassemble(start, end uint64, max int) ([]Entry, error) {
	if end == 0 || end-start > uint64(max)*15 {
		end = start + uint64(max)*15 // x86 instructions are at most 15 bytes
	}
	code, err := c.Read(start, int(end-start))
	if err != nil {
		return nil, err
	}
	if len(code) == 0 {
		return nil, fmt.Errorf("no code at %#x", start)
	}
	decoded := Decode(code, start, func(addr uint64) (string, uint64, bool) {
		name, base, ok := c.Syms.SymAt(addr)
		return name, base, ok && name != ""
	})
	if len(decoded) > max {
		decoded = decoded[:max]
	}
	out := make([]Entry, 0, len(decoded))
	for _, d := range decoded {
		pc := uint64(d.Addr)
		in := Entry{Addr: pc, Len: d.Len, Bytes: append([]byte(nil), d.Bytes...), Text: d.Text}
		in.Sym, _, _, _ = c.Syms.FuncAt(pc)
		if file, line, ok := c.Syms.PCToLine(pc); ok {
			in.File, in.Line = file, line
		}
		if c.BpAt != nil {
			in.Bp = c.BpAt(pc)
		}
		out = append(out, in)
	}
	return out, nil
}

// FuncRange is the runtime [start, end) of the function holding addr.
func (c *Listing) FuncRange(addr uint64) (uint64, uint64, bool) {
	name, start, size, ok := c.Syms.FuncAt(addr)
	if !ok || name == "" || size == 0 {
		return 0, 0, false
	}
	return start, start + size, true
}

// RenderListing writes one line an entry, as Delve's disass does
// (Render): `main.go:6  0x496706  4883ec50  sub rsp, 0x50`.
func RenderListing(entries []Entry) string {
	ds := make([]Inst, len(entries))
	lines := make(map[uint64]Entry, len(entries))
	for i, in := range entries {
		ds[i] = Inst{Addr: Addr(in.Addr), Len: in.Len, Bytes: in.Bytes, Text: in.Text}
		lines[in.Addr] = in
	}
	return strings.TrimSuffix(Render(ds, func(addr uint64) (string, int, bool) {
		in := lines[addr]
		return in.File, in.Line, in.File != ""
	}), "\n")
}

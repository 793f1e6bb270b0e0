package bindings

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/godbg/godbg/engine"
	"github.com/godbg/godbg/engine/disasm"
	"github.com/godbg/godbg/engine/symtab"
	glua "github.com/yuin/gopher-lua"
)

const (
	listingType     = "godbg.Listing"
	disasDefaultMax = 4096 // instructions of a whole function, at most
	// disasMax is the most instructions disas(loc, n) lists: a listing
	// costs a few KB an instruction (its Lua tables), and no function
	// anyone reads is longer.
	disasMax = 10000
)

// Inst is one disassembled instruction (runtime addresses).
type Inst struct {
	Addr  uint64
	Len   int
	Bytes []byte
	Text  string // Intel syntax, call and jump targets named
	Sym   string // the function holding it
	File  string
	Line  int
	Bp    bool // a user breakpoint is set here
}

// Code is where a listing reads instructions from: the tracee's memory
// with each trap's saved byte (disas()) or the ELF file (godbg disas).
type Code struct {
	Bin  *symtab.Binary
	Bias uint64
	// Proc, when set, names addresses in every object of the live process
	// (its shared libraries too) instead of Bin alone.
	Proc *engine.Process
	Read func(addr uint64, n int) ([]byte, error) // runtime addresses
	BpAt func(addr uint64) bool                   // nil: no breakpoints
}

// Disassemble decodes from start (runtime address) up to end (exclusive,
// 0: no limit) and at most max instructions, with engine/disasm (Intel
// syntax, targets named). Undecodable bytes become one-byte "(bad)"
// entries, as objdump shows them.
func (c *Code) Disassemble(start, end uint64, max int) ([]Inst, error) {
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
	decoded := disasm.Decode(code, start, func(addr uint64) (string, uint64, bool) {
		name, base := c.symname(addr)
		return name, base, name != ""
	})
	if len(decoded) > max {
		decoded = decoded[:max]
	}
	out := make([]Inst, 0, len(decoded))
	for _, d := range decoded {
		pc := uint64(d.Addr)
		in := Inst{Addr: pc, Len: d.Len, Bytes: append([]byte(nil), d.Bytes...), Text: d.Text}
		in.Sym, _, _ = c.funcAt(pc)
		if file, line, ok := c.pcToLine(pc); ok {
			in.File, in.Line = file, line
		}
		if c.BpAt != nil {
			in.Bp = c.BpAt(pc)
		}
		out = append(out, in)
	}
	return out, nil
}

// symname names call and jump targets: the symbol holding addr and its
// start (runtime addresses).
func (c *Code) symname(addr uint64) (string, uint64) {
	if c.Proc != nil {
		r, ok := c.Proc.SymAt(engine.Addr(addr))
		if !ok {
			return "", 0
		}
		return r.Sym.Name, uint64(r.Addr)
	}
	s, ok := c.Bin.SymAt(symtab.Addr(addr - c.Bias))
	if !ok {
		return "", 0
	}
	return s.Name, uint64(s.Addr) + c.Bias
}

// funcAt is the function holding a runtime pc: its name, start and size.
func (c *Code) funcAt(pc uint64) (string, uint64, uint64) {
	if c.Proc != nil {
		if r, ok := c.Proc.FuncAt(engine.Addr(pc)); ok {
			return r.Sym.Name, uint64(r.Addr), r.Sym.Size
		}
		return "", 0, 0
	}
	if s, ok := c.Bin.FuncAt(symtab.Addr(pc - c.Bias)); ok {
		return s.Name, uint64(s.Addr) + c.Bias, s.Size
	}
	return "", 0, 0
}

func (c *Code) pcToLine(pc uint64) (string, int, bool) {
	if c.Proc != nil {
		return c.Proc.PCToLine(engine.Addr(pc))
	}
	return c.Bin.PCToLine(symtab.Addr(pc - c.Bias))
}

// FuncRange is the runtime [start, end) of the function holding addr.
func (c *Code) FuncRange(addr uint64) (uint64, uint64, bool) {
	name, start, size := c.funcAt(addr)
	if name == "" || size == 0 {
		return 0, 0, false
	}
	return start, start + size, true
}

// RenderListing writes one line an instruction, as Delve's disass does
// (engine/disasm.Render): `main.go:6  0x496706  4883ec50  sub rsp, 0x50`.
func RenderListing(insts []Inst) string {
	ds := make([]disasm.Inst, len(insts))
	lines := make(map[uint64]Inst, len(insts))
	for i, in := range insts {
		ds[i] = disasm.Inst{Addr: disasm.Addr(in.Addr), Len: in.Len, Bytes: in.Bytes, Text: in.Text}
		lines[in.Addr] = in
	}
	return strings.TrimSuffix(disasm.Render(ds, func(addr uint64) (string, int, bool) {
		in := lines[addr]
		return in.File, in.Line, in.File != ""
	}), "\n")
}

// liveCode reads the tracee as the listing wants it: original bytes.
func (m *Module) liveCode() *Code {
	return &Code{
		Bin:  m.proc().Binary(),
		Bias: uint64(m.proc().Bias()),
		Proc: m.p,
		Read: func(addr uint64, n int) ([]byte, error) {
			buf := make([]byte, n)
			// Shrink to what is mapped: a function near the end of the text
			// segment must still disassemble.
			for n > 0 {
				if err := m.proc().ReadOriginal(engine.Addr(addr), buf[:n]); err == nil {
					return buf[:n], nil
				} else if n <= 16 {
					return nil, err
				}
				n /= 2
			}
			return nil, fmt.Errorf("no code at %#x", addr)
		},
		BpAt: func(addr uint64) bool {
			for _, bp := range m.p.Breakpoints() {
				if uint64(bp.Addr) == addr && bp.Enabled {
					return true
				}
			}
			return false
		},
	}
}

// disas(loc [, n]) -> listing: the instructions at loc (an address, a
// function name, nil for the current pc): n of them, or without n the whole
// function (for a name: from its entry). Entries are {addr=, len=,
// bytes="4883ec50", text="sub rsp, 0x50", sym=, file=, line=, bp=bool},
// decoded from the original code (never the 0xcc of a breakpoint); Intel
// syntax with call targets named. tostring(listing) renders it.
func (m *Module) disas(L *glua.LState) int {
	c := m.liveCode()
	var start uint64
	whole := L.Get(2) == glua.LNil
	switch v := L.Get(1).(type) {
	case *glua.LNilType:
		pc, err := m.currentThread(L).PC()
		if err != nil {
			L.RaiseError("disas: %v", err)
		}
		start = uint64(pc)
	case glua.LString:
		a, _ := m.location(L, 1, true)
		if ref, ok := m.proc().LookupSym(string(v)); ok && ref.IFunc && ref.Addr == a {
			// An indirect function: its implementation, as sym() gives it.
			if impl, err := m.proc().ResolveIFunc(ref); err == nil {
				a = impl
			}
		}
		start = uint64(a)
	case glua.LNumber:
		start = checkU64(L, 1)
	default:
		argError(L, 1, "address, function name, file:line or nil expected, got %s", typeName(v))
	}
	end, max := uint64(0), disasDefaultMax
	if whole {
		fs, fe, ok := c.FuncRange(start)
		if !ok {
			max = 16 // no sized function here: a screenful
		} else {
			end = fe
			if _, isName := L.Get(1).(glua.LString); isName {
				start = fs
			}
		}
	} else {
		max = int(checkInt(L, 2, "count", 1, disasMax))
	}
	m.checkMem(L)
	insts, err := c.Disassemble(start, end, max)
	if err != nil {
		L.RaiseError("disas %s: %v", Hex(start), err)
	}
	t := L.CreateTable(len(insts), 0)
	for _, in := range insts {
		e := L.CreateTable(0, 8)
		e.RawSetString("addr", AddrNumber(in.Addr))
		e.RawSetString("len", glua.LNumber(in.Len))
		e.RawSetString("bytes", glua.LString(hex.EncodeToString(in.Bytes)))
		e.RawSetString("text", glua.LString(in.Text))
		if in.Sym != "" {
			e.RawSetString("sym", glua.LString(in.Sym))
		}
		if in.File != "" {
			e.RawSetString("file", glua.LString(in.File))
			e.RawSetString("line", glua.LNumber(in.Line))
		}
		e.RawSetString("bp", glua.LBool(in.Bp))
		t.Append(e)
	}
	L.SetMetatable(t, L.GetTypeMetatable(listingType))
	L.Push(t)
	return 1
}

// renderListingTable is a listing's __tostring.
func renderListingTable(L *glua.LState) int {
	t := L.CheckTable(1)
	insts := make([]Inst, 0, t.Len())
	for i := 1; i <= t.Len(); i++ {
		e, ok := t.RawGetInt(i).(*glua.LTable)
		if !ok {
			continue
		}
		addr, _ := U64FromLua(e.RawGetString("addr"))
		b, _ := hex.DecodeString(glua.LVAsString(e.RawGetString("bytes")))
		line, _ := e.RawGetString("line").(glua.LNumber)
		insts = append(insts, Inst{
			Addr: addr, Bytes: b, Text: glua.LVAsString(e.RawGetString("text")),
			File: glua.LVAsString(e.RawGetString("file")), Line: int(line),
		})
	}
	L.Push(glua.LString(RenderListing(insts)))
	return 1
}

func (m *Module) registerListingType() {
	mt := m.L.NewTypeMetatable(listingType)
	m.L.SetField(mt, "__tostring", m.L.NewFunction(renderListingTable))
}

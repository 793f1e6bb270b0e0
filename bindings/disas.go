package bindings

import (
	"encoding/hex"
	"fmt"

	"github.com/godbg/godbg/engine"
	"github.com/godbg/godbg/engine/disasm"
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

// procSymbols names a listing's addresses in every object of the live
// process (its shared libraries too).
type procSymbols struct{ p *engine.Process }

func (ps procSymbols) SymAt(addr uint64) (string, uint64, bool) {
	r, ok := ps.p.SymAt(engine.Addr(addr))
	if !ok {
		return "", 0, false
	}
	return r.Sym.Name, uint64(r.Addr), true
}

func (ps procSymbols) FuncAt(pc uint64) (string, uint64, uint64, bool) {
	r, ok := ps.p.FuncAt(engine.Addr(pc))
	if !ok {
		return "", 0, 0, false
	}
	return r.Sym.Name, uint64(r.Addr), r.Sym.Size, true
}

func (ps procSymbols) PCToLine(pc uint64) (string, int, bool) {
	return ps.p.PCToLine(engine.Addr(pc))
}

// liveCode reads the tracee as the listing wants it: original bytes.
func (m *Module) liveCode() *disasm.Listing {
	return &disasm.Listing{
		Syms: procSymbols{m.proc()},
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
	insts := make([]disasm.Entry, 0, t.Len())
	for i := 1; i <= t.Len(); i++ {
		e, ok := t.RawGetInt(i).(*glua.LTable)
		if !ok {
			continue
		}
		addr, _ := U64FromLua(e.RawGetString("addr"))
		b, _ := hex.DecodeString(glua.LVAsString(e.RawGetString("bytes")))
		line, _ := e.RawGetString("line").(glua.LNumber)
		insts = append(insts, disasm.Entry{
			Addr: addr, Bytes: b, Text: glua.LVAsString(e.RawGetString("text")),
			File: glua.LVAsString(e.RawGetString("file")), Line: int(line),
		})
	}
	L.Push(glua.LString(disasm.RenderListing(insts)))
	return 1
}

func (m *Module) registerListingType() {
	mt := m.L.NewTypeMetatable(listingType)
	m.L.SetField(mt, "__tostring", m.L.NewFunction(renderListingTable))
}

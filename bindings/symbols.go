package bindings

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/godbg/godbg/engine"
	"github.com/godbg/godbg/engine/symtab"
	glua "github.com/yuin/gopher-lua"
)

// sym(name) -> address | nil: the runtime address (load bias applied) of a
// function or data symbol; nil when there is none.
func (m *Module) sym(L *glua.LState) int {
	name := L.CheckString(1)
	s, ok := m.p.Binary().LookupSym(name)
	if !ok {
		L.Push(glua.LNil)
		return 1
	}
	L.Push(AddrNumber(uint64(s.Addr + m.p.Bias())))
	return 1
}

// syms(glob) -> { {name=, addr=, size=, kind="func"|"data"}, ... }: the
// symbols matching glob (* ? [..]), sorted by address, addresses at run time.
func (m *Module) syms(L *glua.LState) int {
	glob := L.OptString(1, "*")
	list, err := m.p.Binary().Syms(glob)
	if err != nil {
		L.ArgError(1, err.Error())
	}
	t := L.CreateTable(len(list), 0)
	for _, s := range list {
		e := L.CreateTable(0, 4)
		e.RawSetString("name", glua.LString(s.Name))
		e.RawSetString("addr", AddrNumber(uint64(s.Addr+m.p.Bias())))
		e.RawSetString("size", glua.LNumber(s.Size))
		e.RawSetString("kind", glua.LString(s.Kind.String()))
		t.Append(e)
	}
	L.Push(t)
	return 1
}

// where(addr) -> { sym=, off=, file=, line= } | nil: the symbol containing a
// runtime address and its source position (file and line nil without debug
// info); nil when no symbol contains it.
func (m *Module) where(L *glua.LState) int {
	addr := engine.Addr(checkU64(L, 1))
	bin := m.p.Binary()
	fa := addr - m.p.Bias()
	s, ok := bin.SymAt(fa)
	if !ok {
		L.Push(glua.LNil)
		return 1
	}
	t := L.CreateTable(0, 4)
	t.RawSetString("sym", glua.LString(s.Name))
	t.RawSetString("off", glua.LNumber(fa-s.Addr))
	if file, line, ok := bin.PCToLine(fa); ok {
		t.RawSetString("file", glua.LString(file))
		t.RawSetString("line", glua.LNumber(line))
	}
	L.Push(t)
	return 1
}

// fileLine matches "file.go:LINE".
var fileLine = regexp.MustCompile(`^(.+):([0-9]+)$`)

// Resolve turns a location into a file (link-time) address: a function
// name (after its prologue, or its entry with entry=true) or "file:LINE"
// (suffix match on the path; the lowest address of the line). Unknown
// symbols get a suggestion. It is pure: no tracee access.
func Resolve(bin *symtab.Binary, loc string, entry bool) (symtab.Addr, error) {
	if mm := fileLine.FindStringSubmatch(loc); mm != nil {
		line, _ := strconv.Atoi(mm[2])
		pcs, err := bin.LineToPCs(mm[1], line)
		if err != nil {
			return 0, err
		}
		if len(pcs) == 0 {
			return 0, fmt.Errorf("%s: no code at this line", loc)
		}
		return pcs[0], nil
	}
	s, ok := bin.LookupSym(loc)
	if !ok {
		return 0, unknownSymbol(bin, loc)
	}
	if entry || s.Kind != symtab.Func {
		return s.Addr, nil
	}
	return bin.FirstPCAfterPrologue(s)
}

func unknownSymbol(bin *symtab.Binary, name string) error {
	if sug := bin.Suggest(name, 3); len(sug) > 0 {
		return fmt.Errorf("unknown symbol %s (did you mean %s?)", name, strings.Join(sug, ", "))
	}
	if all, err := bin.Syms("*"); err == nil && len(all) == 0 {
		return fmt.Errorf("unknown symbol %s: %s has no symbols (stripped); use addresses", name, bin.Path())
	}
	return fmt.Errorf("unknown symbol %s", name)
}

// locations reads argument n as a breakpoint's runtime addresses: a
// "file:LINE" gives one address in each function and inlined copy of the
// line (engine LineLocations); anything else is location's one address.
func (m *Module) locations(L *glua.LState, n int, entry bool) ([]engine.Addr, string) {
	if s, ok := L.Get(n).(glua.LString); ok {
		if mm := fileLine.FindStringSubmatch(string(s)); mm != nil {
			line, _ := strconv.Atoi(mm[2])
			addrs, err := m.p.LineLocations(mm[1], line)
			if err != nil {
				L.RaiseError("%v", err)
			}
			if len(addrs) == 0 {
				L.RaiseError("%s: no code at this line", string(s))
			}
			return addrs, string(s)
		}
	}
	a, loc := m.location(L, n, entry)
	return []engine.Addr{a}, loc
}

// location reads argument n as a runtime address: a number is taken as is,
// a string resolved as Resolve does and relocated.
func (m *Module) location(L *glua.LState, n int, entry bool) (engine.Addr, string) {
	switch v := L.Get(n).(type) {
	case glua.LNumber:
		a, err := U64FromNumber(float64(v))
		if err != nil {
			L.ArgError(n, err.Error())
		}
		return engine.Addr(a), Hex(a)
	case glua.LString:
		a, err := Resolve(m.p.Binary(), string(v), entry)
		if err != nil {
			L.RaiseError("%v", err)
		}
		return a + m.p.Bias(), string(v)
	default:
		L.ArgError(n, "address, function name or file:line expected, got "+v.Type().String())
	}
	panic("unreachable")
}

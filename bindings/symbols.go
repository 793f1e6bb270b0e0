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
// function or data symbol of the program or, failing that, of its shared
// libraries ("malloc"; "libc.so.6:malloc" names the library); nil when
// there is none. An indirect function (strlen) gives the implementation
// its resolver chose.
func (m *Module) sym(L *glua.LState) int {
	name := checkString(L, 1)
	ref, ok := m.lookupSym(L, name)
	if !ok {
		L.Push(glua.LNil)
		return 1
	}
	addr := ref.Addr
	if ref.IFunc {
		a, err := m.proc().ResolveIFunc(ref)
		if err != nil {
			L.RaiseError("sym: %v", err)
		}
		addr = a
	}
	L.Push(AddrNumber(uint64(addr)))
	return 1
}

// syms(glob) -> { {name=, addr=, size=, kind="func"|"data"}, ... }: the
// program's symbols matching glob (* ? [..]), sorted by address, addresses
// at run time; "libc.so.6:mall*" lists a shared library's instead.
func (m *Module) syms(L *glua.LState) int {
	glob := optString(L, 1, "*")
	bin, bias := m.proc().Binary(), m.proc().Bias()
	if q, rest, ok := strings.Cut(glob, ":"); ok && strings.Contains(q, ".so") {
		if m.proc().LibrariesPending() {
			m.loadLibraries(L)
		}
		o := m.proc().ObjectNamed(q)
		if o == nil {
			m.proc().RefreshObjects()
			if o = m.proc().ObjectNamed(q); o == nil {
				argError(L, 1, "no library %s is loaded", q)
			}
		}
		bin, bias, glob = o.Binary(), o.Bias, rest
	}
	list, err := bin.Syms(glob)
	if err != nil {
		argError(L, 1, "%v", err)
	}
	t := L.CreateTable(len(list), 0)
	for _, s := range list {
		e := L.CreateTable(0, 4)
		e.RawSetString("name", glua.LString(s.Name))
		e.RawSetString("addr", AddrNumber(uint64(s.Addr+bias)))
		e.RawSetString("size", glua.LNumber(s.Size))
		e.RawSetString("kind", glua.LString(s.Kind.String()))
		t.Append(e)
	}
	L.Push(t)
	return 1
}

// where(addr) -> { sym=, off=, file=, line= [, obj=] } | nil: the symbol
// containing a runtime address, in the program or a shared library (obj:
// the library's file name), and its source position (file and line nil
// without debug info); nil when no symbol contains it.
func (m *Module) where(L *glua.LState) int {
	addr := engine.Addr(checkU64(L, 1))
	ref, ok := m.proc().SymAt(addr)
	if !ok {
		L.Push(glua.LNil)
		return 1
	}
	t := L.CreateTable(0, 5)
	t.RawSetString("sym", glua.LString(ref.Sym.Name))
	t.RawSetString("off", glua.LNumber(addr-ref.Addr))
	if !ref.Object.Main {
		t.RawSetString("obj", glua.LString(ref.Object.Name()))
	}
	if file, line, ok := m.proc().PCToLine(addr); ok {
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
			addrs, err := m.proc().LineLocations(mm[1], line)
			if err != nil && m.proc().LibrariesPending() {
				// Perhaps a library's file: map them and look again.
				m.loadLibraries(L)
				addrs, err = m.proc().LineLocations(mm[1], line)
			}
			if err != nil {
				apiError(L, "%v", err)
			}
			if len(addrs) == 0 {
				apiError(L, "%s: no code at this line", string(s))
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
			argError(L, n, "%v", err)
		}
		return engine.Addr(a), Hex(a)
	case glua.LString:
		name := string(v)
		if _, mine := m.proc().Binary().LookupSym(name); !mine && !fileLine.MatchString(name) {
			if a, ok := m.libLocation(L, name, entry); ok {
				return a, name
			}
		}
		a, err := Resolve(m.proc().Binary(), name, entry)
		if err != nil {
			if !fileLine.MatchString(name) {
				err = m.unknownHint(err, name)
			}
			apiError(L, "%v", err)
		}
		return a + m.proc().Bias(), name
	default:
		argError(L, n, "address, function name or file:line expected, got %s", typeName(v))
	}
	panic("unreachable")
}

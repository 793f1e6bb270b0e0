package bindings

import (
	"github.com/godbg/godbg/engine"
	"github.com/godbg/godbg/engine/locspec"
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
	if q, rest, ok := locspec.SplitLib(glob); ok {
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

// locations reads argument n as a breakpoint's runtime addresses: a
// "file:LINE" gives one address in each function and inlined copy of the
// line (engine LineLocations); anything else is location's one address.
func (m *Module) locations(L *glua.LState, n int, entry bool) ([]engine.Addr, string) {
	if s, ok := L.Get(n).(glua.LString); ok {
		if spec := locspec.Parse(string(s)); spec.Kind == locspec.FileLine {
			addrs, err := m.proc().LineLocations(spec.File, spec.Line)
			if err != nil && m.proc().LibrariesPending() {
				// Perhaps a library's file: map them and look again.
				m.loadLibraries(L)
				addrs, err = m.proc().LineLocations(spec.File, spec.Line)
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
// a string resolved as locspec.Resolve does and relocated.
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
		if _, mine := m.proc().Binary().LookupSym(name); !mine && !locspec.IsFileLine(name) {
			if a, ok := m.libLocation(L, name, entry); ok {
				return a, name
			}
		}
		a, err := locspec.Resolve(m.proc().Binary(), name, entry)
		if err != nil {
			if !locspec.IsFileLine(name) {
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

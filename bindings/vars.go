package bindings

import (
	"strconv"
	"strings"

	"github.com/godbg/godbg/engine"
	"github.com/godbg/godbg/engine/debuginfo"
	glua "github.com/yuin/gopher-lua"
)

// args() -> {name=value}: the arguments of the current frame's function,
// read through DWARF types and locations (see valueToLua for the mapping).
func (m *Module) args(L *glua.LState) int {
	vs, err := m.currentThread(L).Args()
	if err != nil {
		L.RaiseError("args: %v", err)
	}
	L.Push(m.valuesTable(vs))
	return 1
}

// locals() -> {name=value}: the local variables in scope at the current pc.
func (m *Module) locals(L *glua.LState) int {
	vs, err := m.currentThread(L).Locals()
	if err != nil {
		L.RaiseError("locals: %v", err)
	}
	L.Push(m.valuesTable(vs))
	return 1
}

// var(expr) -> value: a variable of the current frame or a global, then
// `.field`, `[i]` and `*p` (pointers followed as Go does for p.field).
func (m *Module) varExpr(L *glua.LState) int {
	expr := checkString(L, 1)
	v, err := m.currentThread(L).Eval(expr)
	if err != nil {
		L.RaiseError("var(%q): %v", expr, err)
	}
	L.Push(m.valueToLua(v))
	return 1
}

// goroutines() -> { {id=, status=, pc=, sym=, start=, wait=, user=, gopc=},
// ... }: every goroutine of a Go program, from the runtime's own allgs.
// wait is a waiting goroutine's reason ("chan receive"); user the first
// frame outside the runtime, as Delve's goroutines shows it; gopc the go
// statement that made it; both {pc=, sym=, file=, line=}.
func (m *Module) goroutines(L *glua.LState) int {
	if m.p == nil || m.p.Exited() {
		L.RaiseError("goroutines: the process has exited")
	}
	gs, err := m.proc().Goroutines()
	if err != nil {
		L.RaiseError("goroutines: %s", strings.TrimPrefix(err.Error(), "goroutines: "))
	}
	t := L.CreateTable(len(gs), 0)
	for _, g := range gs {
		e := L.CreateTable(0, 5)
		e.RawSetString("id", glua.LNumber(g.ID))
		e.RawSetString("status", glua.LString(g.Status))
		e.RawSetString("pc", AddrNumber(g.PC))
		if g.Func != "" {
			e.RawSetString("sym", glua.LString(g.Func))
		}
		if g.StartFunc != "" {
			e.RawSetString("start", glua.LString(g.StartFunc))
		}
		if g.WaitReason != "" {
			e.RawSetString("wait", glua.LString(g.WaitReason))
		}
		if frames, err := m.proc().GoroutineBacktrace(g, 30); err == nil {
			if f, ok := debuginfo.UserFrame(frames); ok {
				e.RawSetString("user", m.locTable(f.PC, f.Func, f.File, f.Line))
			}
		}
		if g.GoPC != 0 {
			// The go statement: the call to newproc before the return
			// address gopc (as runtime/traceback.go and Delve back up).
			look := engine.Addr(g.GoPC)
			if s, ok := m.proc().FuncAt(look); ok && look > s.Addr {
				look--
			}
			name := ""
			if s, ok := m.proc().FuncAt(look); ok {
				name = strings.TrimSuffix(s.Sym.Name, ".abi0") // as bt names it
			}
			file, line, _ := m.proc().PCToLine(look)
			e.RawSetString("gopc", m.locTable(g.GoPC, name, file, line))
		}
		t.Append(e)
	}
	L.Push(t)
	return 1
}

// valuesTable is {name=value} of locals() and args(). A nil variable (a
// nil pointer, interface, map, chan or func) is nil, so the table has no
// key for it (`l.err == nil`, `if l.err then` hold as in Go); the table's
// metatable lists every name in declaration order (__names), nil ones
// included, and tostring, pp and the prompt's `locals` render from it
// (sorted, as pp sorts keys): `np = nil` shows. A shadowed variable gives way to the inner one.
func (m *Module) valuesTable(vs []debuginfo.Value) *glua.LTable {
	L := m.L
	t := L.CreateTable(0, len(vs))
	names := L.CreateTable(len(vs), 0)
	seen := map[string]bool{}
	for _, v := range vs {
		t.RawSetString(v.Name, m.valueToLua(v))
		if !seen[v.Name] {
			seen[v.Name] = true
			names.Append(glua.LString(v.Name))
		}
	}
	mt := L.CreateTable(0, 2)
	mt.RawSetString("__names", names)
	mt.RawSetString("__tostring", L.NewFunction(func(L *glua.LState) int {
		L.Push(glua.LString(Pretty(L, L.Get(1))))
		return 1
	}))
	L.SetMetatable(t, mt)
	return t
}

// valueToLua maps a typed value to Lua, as the contract says: integers,
// floats, bools and strings as themselves; pointers as addresses; structs as
// tables by field name; arrays and slices as Lua arrays; maps as tables by
// key. A capped array, slice or map says so with `_len` (the full length)
// and `_more` (how many entries were left out). A Go interface is
// {type=dynamic type, value=...} (with `error` = the message for an error
// whose text is known); a Go func value is its function's name
// ("main.(*T).M"); nil pointers, interfaces, maps and funcs are nil; what
// could not be read is the string "<unreadable: why>".
func (m *Module) valueToLua(v debuginfo.Value) glua.LValue {
	L := m.L
	switch v.Kind {
	case debuginfo.Int:
		if v.Int > exactInt || v.Int < -exactInt {
			return glua.LString(strconv.FormatInt(v.Int, 10)) // exact, as Lua numbers cannot be
		}
		return glua.LNumber(float64(v.Int))
	case debuginfo.Uint:
		if v.Uint > exactInt {
			return glua.LString(strconv.FormatUint(v.Uint, 10))
		}
		return glua.LNumber(float64(v.Uint))
	case debuginfo.Float:
		return glua.LNumber(v.Float)
	case debuginfo.Bool:
		return glua.LBool(v.Bool)
	case debuginfo.String:
		return glua.LString(v.Str)
	case debuginfo.Pointer:
		return AddrNumber(v.Addr)
	case debuginfo.Struct:
		t := L.CreateTable(0, len(v.Fields))
		for _, f := range v.Fields {
			t.RawSetString(f.Name, m.valueToLua(f))
		}
		return t
	case debuginfo.Array:
		t := L.CreateTable(len(v.Fields), 0)
		holes := false
		for k, f := range v.Fields {
			// By index: a nil element (a nil interface or pointer)
			// leaves its hole, and the elements after it keep their place.
			e := m.valueToLua(f)
			holes = holes || e == glua.LNil
			t.RawSetInt(k+1, e)
		}
		m.markCapped(t, v, int64(len(v.Fields)))
		if holes && t.RawGetString("_len") == glua.LNil {
			t.RawSetString("_len", glua.LNumber(len(v.Fields))) // # is unreliable over holes
		}
		return t
	case debuginfo.Map:
		t := L.CreateTable(0, len(v.Fields)/2)
		for i := 0; i+1 < len(v.Fields); i += 2 {
			k := m.valueToLua(v.Fields[i])
			if k == glua.LNil {
				continue
			}
			t.RawSet(k, m.valueToLua(v.Fields[i+1]))
		}
		m.markCapped(t, v, int64(len(v.Fields)/2))
		return t
	case debuginfo.Interface:
		t := L.CreateTable(0, 3)
		t.RawSetString("type", glua.LString(v.Type))
		if len(v.Fields) > 0 {
			t.RawSetString("value", m.valueToLua(v.Fields[0]))
		}
		if v.Str != "" { // debuginfo reads a plain Go error's message
			t.RawSetString("error", glua.LString(v.Str))
		}
		return t
	case debuginfo.Nil:
		return glua.LNil
	case debuginfo.Func:
		if v.Str == "" {
			return AddrNumber(v.Addr) // code no symbol names
		}
		return glua.LString(v.Str) // Delve's main.afunc, main.(*T).M
	}
	return glua.LString("<unreadable: " + v.Err + ">")
}

// exactInt is 2^53: integers beyond it in magnitude are not all exact as
// Lua numbers (float64), so valueToLua gives them as decimal strings.
const exactInt = 1 << 53

func (m *Module) markCapped(t *glua.LTable, v debuginfo.Value, shown int64) {
	if v.Truncated || v.Len > shown {
		t.RawSetString("_len", glua.LNumber(v.Len))
		t.RawSetString("_more", glua.LNumber(v.Len-shown))
	}
}

// locTable is {pc=, sym=, file=, line=}, without the fields not known.
func (m *Module) locTable(pc uint64, sym, file string, line int) *glua.LTable {
	t := m.L.CreateTable(0, 4)
	t.RawSetString("pc", AddrNumber(pc))
	if sym != "" {
		t.RawSetString("sym", glua.LString(sym))
	}
	if file != "" {
		t.RawSetString("file", glua.LString(file))
		t.RawSetString("line", glua.LNumber(line))
	}
	return t
}

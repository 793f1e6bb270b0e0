package bindings

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/godbg/godbg/engine"
	glua "github.com/yuin/gopher-lua"
)

// pp(...): print the values as the interactive prompt shows them: tables
// pretty-printed (keys sorted, nested tables indented when a line would
// pass 80 columns), values with a __tostring (events, backtraces,
// listings, breakpoints) as tostring renders them, strings as they are
// at the top level and quoted inside tables. Several values are separated
// by tabs; no value prints nothing.
func (m *Module) pp(L *glua.LState) int {
	n := L.GetTop()
	if n == 0 {
		return 0
	}
	parts := make([]string, n)
	for i := 1; i <= n; i++ {
		parts[i-1] = Pretty(L, L.Get(i))
	}
	m.out.WriteString(strings.Join(parts, "\t") + "\n")
	return 0
}

// Pretty renders v as pp prints it.
func Pretty(L *glua.LState, v glua.LValue) string {
	if s, ok := v.(glua.LString); ok {
		return string(s)
	}
	p := &prettyPrinter{L: L, seen: map[*glua.LTable]bool{}}
	return p.value(v, 0)
}

type prettyPrinter struct {
	L    *glua.LState
	seen map[*glua.LTable]bool
}

const (
	prettyWidth    = 80
	prettyMaxDepth = 16
)

func (p *prettyPrinter) value(v glua.LValue, indent int) string {
	switch v := v.(type) {
	case glua.LString:
		return strconv.Quote(string(v))
	case *glua.LTable:
		if names, ok := p.L.GetMetaField(v, "__names").(*glua.LTable); ok {
			return p.vars(v, names, indent)
		}
		if p.L.GetMetaField(v, "__tostring") != glua.LNil {
			return p.L.ToStringMeta(v).String()
		}
		return p.table(v, indent)
	default:
		return p.L.ToStringMeta(v).String()
	}
}

func (p *prettyPrinter) table(t *glua.LTable, indent int) string {
	if p.seen[t] {
		return "<cycle>"
	}
	if indent/2 >= prettyMaxDepth {
		return "{...}"
	}
	p.seen[t] = true
	defer delete(p.seen, t)

	n := arrayLen(t)
	var items []string
	for i := 1; i <= n; i++ {
		items = append(items, p.value(t.RawGetInt(i), indent+2))
	}
	type kv struct {
		k    glua.LValue
		sort string
	}
	var keys []kv
	t.ForEach(func(k, _ glua.LValue) {
		if f, ok := k.(glua.LNumber); ok && float64(f) == float64(int(f)) && int(f) >= 1 && int(f) <= n {
			return // in the array part
		}
		s := k.String()
		if f, ok := k.(glua.LNumber); ok {
			s = fmt.Sprintf("0%020.6f", float64(f)) // numbers first, in order
		} else if _, ok := k.(glua.LString); ok {
			s = "1" + s
		} else {
			s = "2" + s
		}
		keys = append(keys, kv{k, s})
	})
	sort.Slice(keys, func(i, j int) bool { return keys[i].sort < keys[j].sort })
	for _, e := range keys {
		items = append(items, p.key(e.k)+" = "+p.value(t.RawGet(e.k), indent+2))
	}
	return p.join(items, indent)
}

// join lays items out on one line when it fits, else one a line.
func (p *prettyPrinter) join(items []string, indent int) string {
	if len(items) == 0 {
		return "{}"
	}
	one := "{" + strings.Join(items, ", ") + "}"
	if indent+len(one) <= prettyWidth && !strings.Contains(one, "\n") {
		return one
	}
	pad := strings.Repeat(" ", indent+2)
	return "{\n" + pad + strings.Join(items, ",\n"+pad) + ",\n" + strings.Repeat(" ", indent) + "}"
}

// vars renders a table of variables (locals(), args()) as table renders
// a table, keys sorted, with the names its metatable lists (__names): a
// nil variable, which the table cannot hold, shows as `name = nil`.
func (p *prettyPrinter) vars(t, names *glua.LTable, indent int) string {
	var keys []string
	for i := 1; i <= names.Len(); i++ {
		if k, ok := names.RawGetInt(i).(glua.LString); ok {
			keys = append(keys, string(k))
		}
	}
	sort.Strings(keys)
	var items []string
	for _, k := range keys {
		items = append(items, p.key(glua.LString(k))+" = "+p.value(t.RawGetString(k), indent+2))
	}
	return p.join(items, indent)
}

// arrayLen is how much of t prints as a list: its length, nil holes kept
// (an array of var() keeps a nil element's place), unless the holes are
// most of it ({[10] = "x"} is no list).
func arrayLen(t *glua.LTable) int {
	n, set := t.Len(), 0
	for i := 1; i <= n; i++ {
		if t.RawGetInt(i) != glua.LNil {
			set++
		}
	}
	if set*2 >= n {
		return n
	}
	n = 0
	for t.RawGetInt(n+1) != glua.LNil {
		n++
	}
	return n
}

// key renders a table key: a bare name when it is a Lua identifier.
func (p *prettyPrinter) key(k glua.LValue) string {
	if s, ok := k.(glua.LString); ok && isLuaName(string(s)) {
		return string(s)
	}
	return "[" + p.value(k, 0) + "]"
}

var luaKeywords = map[string]bool{
	"and": true, "break": true, "do": true, "else": true, "elseif": true, "end": true,
	"false": true, "for": true, "function": true, "goto": true, "if": true, "in": true,
	"local": true, "nil": true, "not": true, "or": true, "repeat": true, "return": true,
	"then": true, "true": true, "until": true, "while": true,
}

func isLuaName(s string) bool {
	if s == "" || luaKeywords[s] {
		return false
	}
	for i, c := range s {
		if c != '_' && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && (i == 0 || !(c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}

// memDump is mem.dump(addr [, n]) -> string: n bytes (default 64) from
// addr as a hex dump, 16 a line with their ASCII, as xxd and gdb's x/16xb
// show them (the bytes as the CPU sees them: a breakpoint's 0xcc shows).
func (m *Module) memDump(L *glua.LState) int {
	addr := checkU64(L, 1)
	n := int(optInt(L, 2, "byte count", 64, 0, memMax))
	if m.p == nil {
		L.RaiseError("mem.dump: no process")
	}
	buf := make([]byte, n)
	if err := m.proc().ReadMemory(engine.Addr(addr), buf); err != nil {
		L.RaiseError("mem.dump(%#x, %d): %v", addr, n, err)
	}
	var b strings.Builder
	for off := 0; off < n; off += 16 {
		row := buf[off:min(off+16, n)]
		fmt.Fprintf(&b, "%#x:", addr+uint64(off))
		for i := 0; i < 16; i++ {
			if i == 8 {
				b.WriteByte(' ')
			}
			if i < len(row) {
				fmt.Fprintf(&b, " %02x", row[i])
			} else {
				b.WriteString("   ")
			}
		}
		b.WriteString("  |")
		for _, c := range row {
			if c < 0x20 || c > 0x7e {
				c = '.'
			}
			b.WriteByte(c)
		}
		b.WriteString("|\n")
	}
	L.Push(glua.LString(strings.TrimSuffix(b.String(), "\n")))
	return 1
}

func (m *Module) registerMemDump() {
	if t, ok := m.L.GetGlobal("mem").(*glua.LTable); ok {
		t.RawSetString("dump", m.L.NewFunction(m.memDump))
	}
}

// SetResumeNotify makes the bindings call f(true) before the tracee runs
// (cont, step, finish, next_line) and f(false) once it is stopped again:
// the interactive prompt interrupts a running tracee on Ctrl-C only.
func (m *Module) SetResumeNotify(f func(running bool)) { m.resuming = f }

// Exports lists the API's global names, sorted (the prompt completes them).
func Exports() []string {
	names := []string{"mem", "regs", "params"}
	for k := range exports {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

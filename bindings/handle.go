package bindings

import (
	"fmt"
	"sort"
	"strings"

	glua "github.com/yuin/gopher-lua"
)

// handleType is one kind of Lua handle over a Go value of type T: a
// breakpoint, a watchpoint, a sys hook, a profile, a timeline, a sampler
// (a probe will be one too). Every handle type is built by registerHandle,
// so that all of them behave alike:
//   - fields and methods are read through one __index; an unknown key
//     raises `bp: no field "hitz" (breakpoint fields: ...)` instead of
//     returning nil, so a misspelt field is caught where it is written;
//   - fields are read-only: __newindex raises `bp: field "hits" is
//     read-only`;
//   - a method checks its receiver's type (`bad argument #1 to 'bp:delete'
//     (breakpoint expected, got userdata)`), then, when the type needs the
//     process, that it lives (checkLive), then that the handle is not
//     deleted (`bp:enable: breakpoint 3 was deleted`): one check, one
//     message, before the method runs;
//   - every error names the function (prefix "bp", method "bp:delete")
//     once: the messages are made here or by apiError, never both.
type handleType[T any] struct {
	meta   string // the metatable's name: "godbg.Breakpoint"
	what   string // the type in messages: "breakpoint"
	prefix string // the API name: "bp" (methods are "bp:delete")
	fields map[string]func(L *glua.LState, v T) glua.LValue
	// methods get the handle, checked, as argument 1.
	methods map[string]func(m *Module, L *glua.LState) int
	// needsProcess: the methods need a live process (checkLive).
	needsProcess bool
	// deleted, when set, tells whether v was deleted, and its id; the
	// methods but those in anyTime then refuse it.
	deleted func(v T) (id int, gone bool)
	anyTime map[string]bool
	// tostring, when set, is __tostring.
	tostring func(v T) string
}

// registerHandle builds h's metatable (once per Lua state: the handle
// types are package values, their methods take the Module) and returns it.
func registerHandle[T any](m *Module, h *handleType[T]) *glua.LTable {
	L := m.L
	if mt, ok := L.GetTypeMetatable(h.meta).(*glua.LTable); ok {
		return mt
	}
	mt := L.NewTypeMetatable(h.meta)
	methods := make(map[string]*glua.LFunction, len(h.methods))
	for name, fn := range h.methods {
		name, fn := name, fn
		methods[name] = m.api(h.prefix+":"+name, func(L *glua.LState) int {
			v := checkHandle[T](L, 1, h.what)
			if h.needsProcess {
				m.checkLive(L, h.prefix+":"+name)
			}
			if h.deleted != nil && !h.anyTime[name] {
				if id, gone := h.deleted(v); gone {
					apiError(L, "%s %d was deleted", h.what, id)
				}
			}
			return fn(m, L)
		})
	}
	L.SetField(mt, "__index", m.api(h.prefix, func(L *glua.LState) int {
		v := checkHandle[T](L, 1, h.what)
		if k, ok := L.Get(2).(glua.LString); ok {
			if f, ok := h.fields[string(k)]; ok {
				L.Push(f(L, v))
				return 1
			}
			if f, ok := methods[string(k)]; ok {
				L.Push(f)
				return 1
			}
		}
		apiError(L, "no field %s (%s)", keyName(L, L.Get(2)), h.members())
		return 0
	}))
	L.SetField(mt, "__newindex", m.api(h.prefix, func(L *glua.LState) int {
		apiError(L, "field %s is read-only", keyName(L, L.Get(2)))
		return 0
	}))
	if h.tostring != nil {
		L.SetField(mt, "__tostring", L.NewFunction(func(L *glua.LState) int {
			L.Push(glua.LString(h.tostring(checkHandle[T](L, 1, h.what))))
			return 1
		}))
	}
	return mt
}

// members lists h's fields and methods for the unknown-field error.
func (h *handleType[T]) members() string {
	names := func(n int, each func(func(string))) string {
		list := make([]string, 0, n)
		each(func(s string) { list = append(list, s) })
		sort.Strings(list)
		return strings.Join(list, ", ")
	}
	s := h.what + " fields: " + names(len(h.fields), func(add func(string)) {
		for k := range h.fields {
			add(k)
		}
	})
	if len(h.methods) > 0 {
		s += "; methods: " + names(len(h.methods), func(add func(string)) {
			for k := range h.methods {
				add(k)
			}
		})
	}
	return s
}

// keyName spells a table key in a message: a string quoted, anything
// else as tostring shows it.
func keyName(L *glua.LState, k glua.LValue) string {
	if s, ok := k.(glua.LString); ok {
		return fmt.Sprintf("%q", string(s))
	}
	return L.ToStringMeta(k).String()
}

// newHandle makes a userdata for v with h's metatable. The types whose
// values are pushed again (a breakpoint in ev.bp) keep the one userdata
// of each value, so that ev.bp == bp holds.
func newHandle[T any](m *Module, h *handleType[T], v T) *glua.LUserData {
	ud := m.L.NewUserData()
	ud.Value = v
	m.L.SetMetatable(ud, registerHandle(m, h))
	return ud
}

// checkHandle reads argument n as a handle over a T, raising `bad argument
// #n to 'NAME' (what expected, got TYPE)` otherwise.
func checkHandle[T any](L *glua.LState, n int, what string) T {
	if ud, ok := L.Get(n).(*glua.LUserData); ok {
		if v, ok := ud.Value.(T); ok {
			return v
		}
	}
	typeError(L, n, what)
	var zero T
	return zero
}

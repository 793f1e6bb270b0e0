package bindings

// Event tables made by copying a template (probe events, issue 13).
//
// gopher-lua's RawSetString stores a new key three times: in the table's
// string map, in k2i (key -> position, a map keyed by interface values)
// and in the keys slice, which pairs/next walk; both maps and the slice
// start empty and grow as the fields arrive. For a probe event, 7 or 8
// fields a record at a million records a second, that was most of godbg's
// cost of a record (a CPU profile: 36-38% in RawSetString, much of the
// rest in the GC of what it allocated).
//
// Every probe event has the same keys in the same order, so a template
// table holds them once: a new event is the template's struct copied, its
// two maps cloned (maps.Clone copies a small map's one group in one go,
// no hashing) and the fields that differ a record stored over existing
// keys. The keys slice is shared, clipped to its length: a key the
// callback adds appends to a fresh array, never to the template's, and
// nothing writes the slice in place (gopher-lua v1.1.2 table.go). The
// result is a table like any other: its own maps, the same fields in the
// same pairs order, free to be written to or kept.
//
// The maps are unexported fields: they are reached through ltableLayout,
// a copy of the LTable struct, which tableLayoutOK checks field by field
// (names, types, offsets) against the gopher-lua linked in; on a mismatch
// (another gopher-lua) templates are not used and the events are built
// with RawSetString as before. TestTableLayout fails then, so an upgrade
// of gopher-lua is noticed. No library offers this: gopher-lua has no
// table copy (its table.* functions are the Lua 5.1 ones).

import (
	"maps"
	"reflect"
	"unsafe"

	glua "github.com/yuin/gopher-lua"
)

// ltableLayout is glua.LTable's layout (gopher-lua v1.1.2 value.go).
type ltableLayout struct {
	Metatable glua.LValue
	array     []glua.LValue
	dict      map[glua.LValue]glua.LValue
	strdict   map[string]glua.LValue
	keys      []glua.LValue
	k2i       map[glua.LValue]int
}

// tableLayoutOK tells whether ltableLayout is glua.LTable's layout.
var tableLayoutOK = sameLayout(reflect.TypeOf(glua.LTable{}), reflect.TypeOf(ltableLayout{}))

func sameLayout(a, b reflect.Type) bool {
	if a.Size() != b.Size() || a.NumField() != b.NumField() {
		return false
	}
	for i := 0; i < a.NumField(); i++ {
		fa, fb := a.Field(i), b.Field(i)
		if fa.Name != fb.Name || fa.Type != fb.Type || fa.Offset != fb.Offset {
			return false
		}
	}
	return true
}

func layoutOf(t *glua.LTable) *ltableLayout { return (*ltableLayout)(unsafe.Pointer(t)) }

// newTemplate makes a template of the string keys given, in that order,
// with the values given (nil: a placeholder, stored over for each table);
// nil when templates cannot be used.
func newTemplate(L *glua.LState, keys []string, vals []glua.LValue) *glua.LTable {
	if !tableLayoutOK {
		return nil
	}
	t := L.CreateTable(0, len(keys))
	for i, k := range keys {
		v := vals[i]
		if v == nil {
			v = glua.LFalse // stored over for each table
		}
		t.RawSetString(k, v)
	}
	l := layoutOf(t)
	l.keys = l.keys[:len(l.keys):len(l.keys)] // an append copies
	return t
}

// fromTemplate is a new table with tmpl's keys and values, its own maps.
func fromTemplate(tmpl *glua.LTable) *glua.LTable {
	t := new(glua.LTable)
	*t = *tmpl
	l := layoutOf(t)
	l.strdict = maps.Clone(l.strdict)
	l.k2i = maps.Clone(l.k2i)
	return t
}

// setField stores v over t's existing string key k: RawSetString without
// the k2i lookup (the key is there, from the template).
func setField(t *glua.LTable, k string, v glua.LValue) { layoutOf(t).strdict[k] = v }

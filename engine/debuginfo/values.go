package debuginfo

import (
	"bytes"
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"math"

	"strings"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// Kind is the shape of a Value.
type Kind int

const (
	Unreadable Kind = iota // Err says why
	Int
	Uint
	Float
	Bool
	String    // a Go string or a C char*: Str, Len; Addr is the data
	Pointer   // Addr is the pointer; Fields[0] is the pointee when shown
	Struct    // Fields in declaration order; a complex number is {real, imag}
	Array     // arrays and slices: Fields are the elements, Len the length
	Map       // Fields are key, value, key, value...; Len the entry count
	Interface // Type is the dynamic type; Fields[0] the dynamic value; Str an error's message
	Nil       // a nil pointer, interface, map, chan or func
	Func      // a Go func value: Str the function's name, Addr its entry
)

var kindNames = [...]string{"unreadable", "int", "uint", "float", "bool", "string", "pointer", "struct", "array", "map", "interface", "nil", "func"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Value is a typed value read from the tracee.
type Value struct {
	Name, Type string
	Kind       Kind
	Int        int64
	Uint       uint64
	Float      float64
	Bool       bool
	Str        string
	Addr       uint64
	Fields     []Value
	Len        int64
	Truncated  bool
	Err        string
}

// Limits of the value reader: what a debugger shows at once.
const (
	maxElems     = 64   // array, slice and map entries
	maxString    = 1024 // bytes of a Go string or C string
	maxDepth     = 6    // nesting of structs, arrays and pointees
	maxPtrFollow = 2    // pointees shown below one value
)

// object is a value not yet decoded: its type and where it lives, in
// memory at addr, or (from registers or pieces) in buf.
type object struct {
	name  string
	typ   godwarf.Type
	addr  uint64
	buf   []byte // non-nil: the bytes themselves, not in memory
	err   error
	inMem bool
}

func (i *Info) readType(off dwarf.Offset) (godwarf.Type, error) {
	return readType(i.dw, 0, off, i.typeCache)
}

// resolve strips typedefs and qualifiers down to the type that says how
// the bytes are laid out; Go's named types (maps, interfaces, strings,
// slices) are kept, they are layouts of their own.
func resolve(t godwarf.Type) godwarf.Type {
	for n := 0; n < 32; n++ {
		switch tt := t.(type) {
		case *godwarf.TypedefType:
			t = tt.Type
		case *godwarf.QualType:
			t = tt.Type
		default:
			return t
		}
	}
	return t
}

// bytesOf returns size bytes of the object.
func (o *object) bytesOf(mem Memory, size int64) ([]byte, error) {
	if o.err != nil {
		return nil, o.err
	}
	if !o.inMem {
		if int64(len(o.buf)) < size {
			return nil, fmt.Errorf("value of %d bytes in a %d-byte location", size, len(o.buf))
		}
		return o.buf[:size], nil
	}
	if err := checkValueSize(size); err != nil {
		return nil, err
	}
	b := make([]byte, size)
	if err := mem.ReadMemory(o.addr, b); err != nil {
		return nil, fmt.Errorf("read %d bytes at %#x: %w", size, o.addr, err)
	}
	return b, nil
}

// sub is the part of o at off with type t.
func (o *object) sub(name string, t godwarf.Type, off int64) *object {
	s := &object{name: name, typ: t, inMem: o.inMem, err: o.err}
	if o.inMem {
		s.addr = o.addr + uint64(off)
	} else if o.err == nil {
		if off+t.Size() > int64(len(o.buf)) || off < 0 {
			s.err = fmt.Errorf("field %s out of its location", name)
		} else {
			s.buf = o.buf[off : off+t.Size()]
		}
	}
	return s
}

func memObject(name string, t godwarf.Type, addr uint64) *object {
	return &object{name: name, typ: t, addr: addr, inMem: true}
}

func unreadable(name, typ string, err error) Value {
	return Value{Name: name, Type: typ, Kind: Unreadable, Err: err.Error()}
}

// decode reads an object into a Value.
func (i *Info) decode(mem Memory, o *object, depth int) Value {
	typeName := typeString(o.typ)
	v := Value{Name: o.name, Type: typeName, Addr: o.addr}
	if o.err != nil {
		return unreadable(o.name, typeName, o.err)
	}
	if depth > maxDepth {
		return unreadable(o.name, typeName, fmt.Errorf("nested too deep"))
	}
	t := o.typ
	// Go's map and interface types are typedefs with a meaning of their own.
	switch tt := t.(type) {
	case *godwarf.MapType:
		return i.decodeMap(mem, o, tt, v, depth)
	case *godwarf.InterfaceType:
		return i.decodeInterface(mem, o, tt, v, depth)
	}
	switch tt := resolve(t).(type) {
	case *godwarf.MapType:
		return i.decodeMap(mem, o, tt, v, depth)
	case *godwarf.InterfaceType:
		return i.decodeInterface(mem, o, tt, v, depth)
	case *godwarf.BoolType:
		b, err := o.bytesOf(mem, tt.ByteSize)
		if err != nil {
			return unreadable(o.name, typeName, err)
		}
		v.Kind, v.Bool = Bool, b[0] != 0
	case *godwarf.IntType:
		return i.decodeInt(mem, o, tt.ByteSize, true, v)
	case *godwarf.CharType:
		return i.decodeInt(mem, o, tt.ByteSize, true, v)
	case *godwarf.EnumType:
		return i.decodeInt(mem, o, tt.ByteSize, true, v)
	case *godwarf.UintType:
		return i.decodeInt(mem, o, tt.ByteSize, false, v)
	case *godwarf.UcharType:
		return i.decodeInt(mem, o, tt.ByteSize, false, v)
	case *godwarf.AddrType:
		return i.decodeInt(mem, o, tt.ByteSize, false, v)
	case *godwarf.FloatType:
		b, err := o.bytesOf(mem, tt.ByteSize)
		if err != nil {
			return unreadable(o.name, typeName, err)
		}
		v.Kind = Float
		switch tt.ByteSize {
		case 4:
			v.Float = float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
		case 8:
			v.Float = math.Float64frombits(binary.LittleEndian.Uint64(b))
		default:
			return unreadable(o.name, typeName, fmt.Errorf("%d-byte float unsupported", tt.ByteSize))
		}
	case *godwarf.ComplexType:
		return decodeComplex(mem, o, tt.ByteSize, v)
	case *godwarf.StringType:
		return i.decodeGoString(mem, o, v)
	case *godwarf.SliceType:
		return i.decodeSlice(mem, o, tt, v, depth)
	case *godwarf.ArrayType:
		v.Kind, v.Len = Array, tt.Count
		n := tt.Count
		if n < 0 {
			n = 0
		}
		if n > maxElems {
			n, v.Truncated = maxElems, true
		}
		es := tt.Type.Size()
		for k := int64(0); k < n; k++ {
			v.Fields = append(v.Fields, i.decode(mem, o.sub(fmt.Sprintf("[%d]", k), tt.Type, k*es), depth+1))
		}
	case *godwarf.StructType:
		v.Kind = Struct
		for _, f := range tt.Field {
			v.Fields = append(v.Fields, i.decode(mem, o.sub(f.Name, f.Type, f.ByteOffset), depth+1))
		}
	case *godwarf.PtrType:
		return i.decodePointer(mem, o, tt, v, depth)
	case *godwarf.FuncType:
		return i.decodeFunc(mem, o, v)
	case *godwarf.ChanType:
		p, err := o.bytesOf(mem, 8)
		if err != nil {
			return unreadable(o.name, typeName, err)
		}
		v.Addr = binary.LittleEndian.Uint64(p)
		v.Kind = Pointer
		if v.Addr == 0 {
			v.Kind = Nil
		}
	default:
		return unreadable(o.name, typeName, fmt.Errorf("type %s unsupported", typeName))
	}
	return v
}

// typeString names a type as its language writes it: godwarf spells Go
// structs "struct main.Point"; Go says main.Point (C keeps "struct point").
func typeString(t godwarf.Type) string {
	if t == nil {
		return ""
	}
	// A Go type (one with DW_AT_go_kind) is named by the linker as Go
	// writes it (cmd/link/internal/ld/dwarf.go: the runtime type's
	// string): "*struct { A int; B int }", "func(int) string", where
	// godwarf would rebuild "*struct struct {...}" and list a func's
	// results as parameters before a "void".
	if c := t.Common(); c.ReflectKind != 0 && c.Name != "" {
		return c.Name
	}
	// An anonymous Go struct's DWARF name is already its Go spelling,
	// "struct { X int; Y string }".
	if st, ok := t.(*godwarf.StructType); ok && (strings.Contains(st.StructName, ".") || strings.HasPrefix(st.StructName, "struct {")) {
		return st.StructName
	}
	return t.String()
}

// decodeComplex reads a complex number (DW_ATE_complex_float: Go's
// complex64 and complex128, C's float/double _Complex) as a struct of two
// floats, real then imaginary part, the layout of both languages (Go spec
// "Numeric types", C11 6.2.5p13).
func decodeComplex(mem Memory, o *object, size int64, v Value) Value {
	b, err := o.bytesOf(mem, size)
	if err != nil {
		return unreadable(o.name, v.Type, err)
	}
	var re, im float64
	partType := "float64"
	switch size {
	case 8:
		re = float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
		im = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4:])))
		partType = "float32"
	case 16:
		re = math.Float64frombits(binary.LittleEndian.Uint64(b))
		im = math.Float64frombits(binary.LittleEndian.Uint64(b[8:]))
	default:
		return unreadable(o.name, v.Type, fmt.Errorf("%d-byte complex unsupported", size))
	}
	if !o.inMem {
		v.Addr = 0
	}
	part := func(name string, f float64, off int64) Value {
		p := Value{Name: name, Type: partType, Kind: Float, Float: f}
		if o.inMem {
			p.Addr = o.addr + uint64(off)
		}
		return p
	}
	v.Kind = Struct
	v.Fields = []Value{part("real", re, 0), part("imag", im, size/2)}
	return v
}

func (i *Info) decodeInt(mem Memory, o *object, size int64, signed bool, v Value) Value {
	b, err := o.bytesOf(mem, size)
	if err != nil {
		return unreadable(o.name, v.Type, err)
	}
	var u uint64
	for k := size - 1; k >= 0; k-- {
		u = u<<8 | uint64(b[k])
	}
	if signed {
		shift := uint(64 - 8*size)
		v.Kind, v.Int = Int, int64(u<<shift)>>shift
	} else {
		v.Kind, v.Uint = Uint, u
	}
	return v
}

func (i *Info) word(mem Memory, o *object, off int64) (uint64, error) {
	s := &object{name: o.name, typ: o.typ, addr: o.addr + uint64(off), inMem: o.inMem, err: o.err}
	if !o.inMem && o.err == nil {
		if off+8 > int64(len(o.buf)) {
			return 0, fmt.Errorf("word at %d out of its location", off)
		}
		s.buf = o.buf[off:]
	}
	b, err := s.bytesOf(mem, 8)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

func (i *Info) decodeGoString(mem Memory, o *object, v Value) Value {
	ptr, err1 := i.word(mem, o, 0)
	n, err2 := i.word(mem, o, 8)
	if err1 != nil || err2 != nil {
		return unreadable(o.name, v.Type, firstErr(err1, err2))
	}
	v.Kind, v.Len, v.Addr = String, int64(n), ptr
	if int64(n) < 0 {
		return unreadable(o.name, v.Type, fmt.Errorf("string length %d", int64(n)))
	}
	if n > maxString {
		n, v.Truncated = maxString, true
	}
	if n > 0 {
		b := make([]byte, n)
		if err := mem.ReadMemory(ptr, b); err != nil {
			return unreadable(o.name, v.Type, fmt.Errorf("read string at %#x: %w", ptr, err))
		}
		v.Str = string(b)
	}
	return v
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func (i *Info) decodeSlice(mem Memory, o *object, t *godwarf.SliceType, v Value, depth int) Value {
	ptr, err1 := i.word(mem, o, 0)
	n, err2 := i.word(mem, o, 8)
	if err1 != nil || err2 != nil {
		return unreadable(o.name, v.Type, firstErr(err1, err2))
	}
	v.Kind, v.Len, v.Addr = Array, int64(n), ptr
	if int64(n) < 0 || (n > 0 && ptr == 0) {
		return unreadable(o.name, v.Type, fmt.Errorf("slice of length %d at %#x", int64(n), ptr))
	}
	if n > maxElems {
		n, v.Truncated = maxElems, true
	}
	es := t.ElemType.Size()
	for k := uint64(0); k < n; k++ {
		v.Fields = append(v.Fields, i.decode(mem, memObject(fmt.Sprintf("[%d]", k), t.ElemType, ptr+k*uint64(es)), depth+1))
	}
	return v
}

// decodePointer shows a pointer as its address. A C char pointer is read
// as a NUL-terminated string; a pointer to a struct also carries the
// pointee in Fields[0] (Go's *errors.errorString shows its message that
// way), down to maxPtrFollow levels.
func (i *Info) decodePointer(mem Memory, o *object, t *godwarf.PtrType, v Value, depth int) Value {
	p, err := i.word(mem, o, 0)
	if err != nil {
		return unreadable(o.name, v.Type, err)
	}
	v.Addr = p
	if p == 0 {
		v.Kind = Nil
		return v
	}
	v.Kind = Pointer
	elem := t.Type
	if elem == nil {
		return v
	}
	switch et := resolve(elem).(type) {
	case *godwarf.CharType, *godwarf.UcharType:
		if et.Size() == 1 {
			return i.decodeCString(mem, p, v)
		}
	case *godwarf.IntType:
		if et.Size() == 1 && !i.isGo && strings.Contains(et.String(), "char") {
			return i.decodeCString(mem, p, v)
		}
	case *godwarf.StructType:
		if depth < maxPtrFollow+1 {
			v.Fields = []Value{i.decode(mem, memObject("", elem, p), depth+1)}
		}
	}
	return v
}

func (i *Info) decodeCString(mem Memory, p uint64, v Value) Value {
	var out []byte
	chunk := make([]byte, 64)
	for len(out) < maxString {
		if err := mem.ReadMemory(p+uint64(len(out)), chunk); err != nil {
			// The string may end just before an unmapped page: read bytewise.
			var b [1]byte
			if err := mem.ReadMemory(p+uint64(len(out)), b[:]); err != nil {
				if len(out) == 0 {
					return unreadable(v.Name, v.Type, fmt.Errorf("read C string at %#x: %w", p, err))
				}
				break
			}
			if b[0] == 0 {
				break
			}
			out = append(out, b[0])
			continue
		}
		if k := bytes.IndexByte(chunk, 0); k >= 0 {
			out = append(out, chunk[:k]...)
			v.Kind, v.Str, v.Len = String, string(out), int64(len(out))
			return v
		}
		out = append(out, chunk...)
	}
	if len(out) >= maxString {
		out, v.Truncated = out[:maxString], true
	}
	v.Kind, v.Str, v.Len = String, string(out), int64(len(out))
	return v
}

// decodeInterface reads a Go interface: runtime.eface {_type, data} or
// runtime.iface {tab, data}, the dynamic type at itab.Type (internal/abi
// ITab: Inter, Type, ...). The dynamic type's DWARF comes from the
// DW_AT_go_runtime_type attribute that the linker puts on each type; the
// value is the data word itself for pointer-shaped types
// (abi.TFlagDirectIface) and what it points at otherwise.
func (i *Info) decodeInterface(mem Memory, o *object, t *godwarf.InterfaceType, v Value, depth int) Value {
	w0, err1 := i.word(mem, o, 0)
	data, err2 := i.word(mem, o, 8)
	if err1 != nil || err2 != nil {
		return unreadable(o.name, v.Type, firstErr(err1, err2))
	}
	if w0 == 0 {
		v.Kind = Nil
		return v
	}
	rtype := w0
	if st, ok := resolve(t.Type).(*godwarf.StructType); ok && len(st.Field) > 0 && st.Field[0].Name == "tab" {
		rt, err := readU64(mem, w0+8)
		if err != nil {
			return unreadable(o.name, v.Type, fmt.Errorf("read itab at %#x: %w", w0, err))
		}
		rtype = rt
	}
	if rtype == 0 {
		// An itab without a type: not an interface value (a dead
		// variable's stale slot in optimized code).
		return unreadable(o.name, v.Type, fmt.Errorf("interface with itab %#x and no type", w0))
	}
	v.Kind, v.Addr = Interface, data
	dt, err := i.runtimeType(rtype)
	if err != nil {
		v.Type = fmt.Sprintf("<type at %#x>", rtype)
		v.Fields = []Value{unreadable("", v.Type, err)}
		return v
	}
	v.Type = typeString(dt)
	var dyn *object
	if i.directIface(mem, rtype, dt) {
		b := make([]byte, 8)
		binary.LittleEndian.PutUint64(b, data)
		dyn = &object{typ: dt, buf: b[:dt.Size()]}
	} else {
		dyn = memObject("", dt, data)
	}
	v.Fields = []Value{i.decode(mem, dyn, depth+1)}
	v.Str = errorMessage(v)
	return v
}

// errorFields are the message fields of the standard library's error
// types: errors.New and fmt.Errorf make these.
var errorFields = map[string]string{
	"*errors.errorString": "s",
	"*fmt.wrapError":      "msg",
	"*fmt.wrapErrors":     "msg",
}

// errorMessage is what Error() would return for the common error types,
// read from the value; "" for others.
func errorMessage(v Value) string {
	field, ok := errorFields[v.Type]
	if !ok || len(v.Fields) != 1 || len(v.Fields[0].Fields) != 1 {
		return ""
	}
	for _, f := range v.Fields[0].Fields[0].Fields {
		if f.Name == field && f.Kind == String {
			return f.Str
		}
	}
	return ""
}

// directIface reads abi.Type.TFlag&TFlagDirectIface (internal/abi/type.go);
// without the runtime type's layout it falls back to "pointer-shaped".
func (i *Info) directIface(mem Memory, rtype uint64, dt godwarf.Type) bool {
	if at, err := i.typeByNameCached("internal/abi.Type"); err == nil {
		if off, _, err := fieldPath(at, "TFlag"); err == nil {
			var b [1]byte
			if mem.ReadMemory(rtype+uint64(off), b[:]) == nil {
				return b[0]&(1<<5) != 0
			}
		}
	}
	switch resolve(dt).(type) {
	case *godwarf.PtrType, *godwarf.MapType, *godwarf.ChanType, *godwarf.FuncType:
		return true
	}
	return false
}

func (i *Info) typeByNameCached(name string) (godwarf.Type, error) {
	if i.namedTypes == nil {
		i.namedTypes = map[string]godwarf.Type{}
	}
	if t, ok := i.namedTypes[name]; ok {
		if t == nil {
			return nil, fmt.Errorf("no type %s", name)
		}
		return t, nil
	}
	t, err := i.typeByName(name)
	i.namedTypes[name] = t
	return t, err
}

// runtimeType maps a runtime type descriptor (runtime address) to its
// DWARF type through DW_AT_go_runtime_type, indexed on first use.
func (i *Info) runtimeType(addr uint64) (godwarf.Type, error) {
	if i.rtypes == nil {
		i.rtypes = map[uint64]dwarf.Offset{}
		i.walk(func(e *dwarf.Entry) bool {
			if a, ok := e.Val(godwarf.AttrGoRuntimeType).(uint64); ok {
				i.rtypes[a] = e.Offset
			}
			return e.Tag != dwarf.TagSubprogram
		})
	}
	// The attribute holds the descriptor's offset from the start of the
	// types section, the symbol runtime.types (moduledata.types).
	base, ok := i.symbolValue("runtime.types")
	if !ok {
		return nil, fmt.Errorf("no runtime.types symbol")
	}
	off, ok := i.rtypes[addr-i.bias-base]
	if !ok {
		return nil, fmt.Errorf("no DWARF type for runtime type at %#x", addr)
	}
	return i.readType(off)
}

// decodeMap reads a Go 1.24+ swiss-table map (internal/runtime/maps): a
// pointer to Map{used, dirPtr, dirLen, ...}. With dirLen == 0 the map is
// small and dirPtr points at one group; otherwise at dirLen table pointers
// (a table may fill several directory entries). A table's groups are
// lengthMask+1 groups; a group is a control word and 8 slots {key, elem};
// a slot is full when its control byte has the top bit clear
// (internal/runtime/maps/group.go). The linker's DWARF gives the exact
// map<K,V>, table<K,V> and group types, so no layout is hard-coded.
func (i *Info) decodeMap(mem Memory, o *object, t *godwarf.MapType, v Value, depth int) Value {
	v.Kind = Map
	mp, l, err := i.readMap(mem, o, t)
	if err != nil {
		return unreadable(o.name, v.Type, err)
	}
	if mp == 0 {
		v.Kind = Nil
		return v
	}
	v.Addr, v.Len = mp, int64(l.used)
	err = i.eachSlot(mem, l, func(key, elem uint64) bool {
		kv := i.slotValue(mem, "key", l.keyT, t.KeyType, key, depth)
		ev := i.slotValue(mem, "value", l.elemT, t.ElemType, elem, depth)
		v.Fields = append(v.Fields, kv, ev)
		return len(v.Fields) < 2*maxElems
	})
	if err != nil {
		return unreadable(o.name, v.Type, fmt.Errorf("map at %#x: %w", mp, err))
	}
	if int64(len(v.Fields)/2) < v.Len {
		v.Truncated = true
	}
	return v
}

// mapLayout is where a swiss-table map's slots are: its groups (one run of
// n groups a table, or the small map's one group) and the offsets inside a
// group and a slot, all from the map's DWARF types.
type mapLayout struct {
	used                          uint64
	runs                          []groupRun
	groupSize, slotsOff, slotSize uint64
	slots                         uint64 // slots a group
	keyOff, elemOff               uint64
	keyT, elemT                   godwarf.Type // the slot's types
}

type groupRun struct{ data, n uint64 }

// readMap reads the map header and the table directory; mp is 0 for a nil
// map.
func (i *Info) readMap(mem Memory, o *object, t *godwarf.MapType) (mp uint64, l *mapLayout, err error) {
	mp, err = i.word(mem, o, 0)
	if err != nil || mp == 0 {
		return mp, nil, err
	}
	pt, ok := resolve(t.TypedefType.Type).(*godwarf.PtrType)
	if !ok {
		return mp, nil, fmt.Errorf("map layout: %s is not a pointer", t.TypedefType.Type)
	}
	fail := func(err error) (uint64, *mapLayout, error) { return mp, nil, fmt.Errorf("map at %#x: %w", mp, err) }
	m := memObject("", pt.Type, mp)
	usedOff, _, err := fieldPath(pt.Type, "used")
	if err != nil {
		return fail(err)
	}
	dirPtrOff, dirPtrT, err := fieldPath(pt.Type, "dirPtr")
	if err != nil {
		return fail(err)
	}
	dirLenOff, _, err := fieldPath(pt.Type, "dirLen")
	if err != nil {
		return fail(err)
	}
	used, err1 := i.word(mem, m, usedOff)
	dirPtr, err2 := i.word(mem, m, dirPtrOff)
	dirLen, err3 := i.word(mem, m, dirLenOff)
	if e := firstErr(err1, err2, err3); e != nil {
		return fail(e)
	}
	// dirPtr is **table<K,V>; table.groups.data is *group<K,V>.
	tablePtr, ok := resolve(dirPtrT).(*godwarf.PtrType)
	if !ok {
		return fail(fmt.Errorf("dirPtr is %s", dirPtrT))
	}
	tableT, ok := resolve(tablePtr.Type).(*godwarf.PtrType)
	if !ok {
		return fail(fmt.Errorf("dirPtr is %s", dirPtrT))
	}
	dataOff, dataT, err := fieldPath(tableT.Type, "groups.data")
	if err != nil {
		return fail(err)
	}
	maskOff, _, err := fieldPath(tableT.Type, "groups.lengthMask")
	if err != nil {
		return fail(err)
	}
	groupPtr, ok := resolve(dataT).(*godwarf.PtrType)
	if !ok {
		return fail(fmt.Errorf("groups.data is %s", dataT))
	}
	groupT := groupPtr.Type
	slotsOff, slotsT, err := fieldPath(groupT, "slots")
	if err != nil {
		return fail(err)
	}
	slotsArr, ok := resolve(slotsT).(*godwarf.ArrayType)
	if !ok {
		return fail(fmt.Errorf("group slots are %s", slotsT))
	}
	keyOff, keyT, err1 := fieldPath(slotsArr.Type, "key")
	elemOff, elemT, err2 := fieldPath(slotsArr.Type, "elem")
	if e := firstErr(err1, err2); e != nil {
		return fail(e)
	}
	l = &mapLayout{
		used: used, groupSize: uint64(groupT.Size()), slotsOff: uint64(slotsOff), slotSize: uint64(slotsArr.Type.Size()),
		slots: uint64(min(max(slotsArr.Count, 0), 8)), keyOff: uint64(keyOff), elemOff: uint64(elemOff), keyT: keyT, elemT: elemT,
	}
	if dirLen == 0 {
		// A small map: one group, or none yet (map[K]V{} allocates no
		// group until its first insert: an empty map, not a read at 0).
		if dirPtr != 0 {
			l.runs = append(l.runs, groupRun{dirPtr, 1})
		}
		return mp, l, nil
	}
	seen := map[uint64]bool{}
	for k := uint64(0); k < dirLen && k < 1<<16; k++ {
		tp, err := readU64(mem, dirPtr+8*k)
		if err != nil {
			return fail(err)
		}
		if tp == 0 || seen[tp] {
			continue
		}
		seen[tp] = true
		tab := memObject("", tableT.Type, tp)
		data, err1 := i.word(mem, tab, dataOff)
		mask, err2 := i.word(mem, tab, maskOff)
		if e := firstErr(err1, err2); e != nil {
			return fail(e)
		}
		l.runs = append(l.runs, groupRun{data, mask + 1})
	}
	return mp, l, nil
}

// eachSlot calls fn with the addresses of each full slot's key and value
// until fn returns false.
func (i *Info) eachSlot(mem Memory, l *mapLayout, fn func(key, elem uint64) bool) error {
	for _, run := range l.runs {
		for g := uint64(0); g < run.n; g++ {
			ga := run.data + g*l.groupSize
			ctrl, err := readU64(mem, ga)
			if err != nil {
				return err
			}
			for s := uint64(0); s < l.slots; s++ {
				if (ctrl>>(8*s))&0x80 != 0 {
					continue // empty or deleted
				}
				sa := ga + l.slotsOff + s*l.slotSize
				if !fn(sa+l.keyOff, sa+l.elemOff) {
					return nil
				}
			}
		}
	}
	return nil
}

// slotValue reads a map key or value; keys and values over 128 bytes are
// stored indirectly (the slot holds a pointer: the slot type says so).
func (i *Info) slotValue(mem Memory, name string, slotT, want godwarf.Type, addr uint64, depth int) Value {
	return i.decode(mem, i.slotObject(mem, name, slotT, want, addr), depth+1)
}

func (i *Info) slotObject(mem Memory, name string, slotT, want godwarf.Type, addr uint64) *object {
	if want != nil && slotT.Size() != want.Size() {
		if p, err := readU64(mem, addr); err == nil {
			return memObject(name, want, p)
		}
	}
	return memObject(name, slotT, addr)
}

// globalAddr returns the file address of a global variable: from a
// DW_TAG_variable with a DW_OP_addr location, else the ELF symbol.
func (i *Info) globalAddr(name string) (uint64, bool) {
	if off, ok := i.globalDIE(name); ok {
		if a, ok := i.dieAddr(off); ok {
			return a, true
		}
	}
	return i.symbolValue(name)
}

// symbolValue is the file address of an ELF data symbol.
func (i *Info) symbolValue(name string) (uint64, bool) {
	if i.dataSyms == nil {
		i.dataSyms = map[string]uint64{}
		syms, err := i.elf.Symbols()
		if err != nil && i.dwelf != nil {
			syms, _ = i.dwelf.Symbols() // stripped: the separate debug file's
		}
		for _, s := range syms {
			if t := elf.ST_TYPE(s.Info); t == elf.STT_OBJECT || t == elf.STT_NOTYPE {
				i.dataSyms[s.Name] = s.Value
			}
		}
	}
	v, ok := i.dataSyms[name]
	return v, ok
}

func (i *Info) globalDIE(name string) (dwarf.Offset, bool) {
	if i.dw == nil {
		return 0, false
	}
	if i.globals == nil {
		i.globals = map[string]dwarf.Offset{}
		i.walk(func(e *dwarf.Entry) bool {
			if e.Tag == dwarf.TagVariable {
				if n, _ := e.Val(dwarf.AttrName).(string); n != "" {
					if _, ok := e.Val(dwarf.AttrLocation).([]byte); ok {
						i.globals[n] = e.Offset
					}
				}
			}
			return e.Tag == dwarf.TagCompileUnit || e.Tag == dwarf.TagPartialUnit || e.Tag == dwarf.TagNamespace
		})
	}
	off, ok := i.globals[name]
	return off, ok
}

// dieAddr evaluates a global's DW_OP_addr location (file address).
func (i *Info) dieAddr(off dwarf.Offset) (uint64, bool) {
	r := i.dw.Reader()
	r.Seek(off)
	e, err := r.Next()
	if err != nil || e == nil {
		return 0, false
	}
	loc, _ := e.Val(dwarf.AttrLocation).([]byte)
	if len(loc) == 9 && loc[0] == 0x03 { // DW_OP_addr
		return binary.LittleEndian.Uint64(loc[1:]), true
	}
	return 0, false
}

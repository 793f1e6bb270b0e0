package debuginfo

import (
	"encoding/binary"
	"errors"
	"fmt"
	"go/ast"
	"go/constant"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// addressOf is &x: the address of a value in memory.
func (e *evaluator) addressOf(v *evalue, x ast.Expr) (*evalue, error) {
	if v.o == nil || !v.o.inMem || v.o.err != nil {
		if v.o != nil && v.o.err != nil {
			return nil, v.o.err
		}
		return nil, fmt.Errorf("cannot take the address of %s", exprString(x))
	}
	return &evalue{o: wordObject("&"+v.o.name, e.pointerTo(v.o.typ), v.o.addr)}, nil
}

// wordObject is an 8-byte value held in its bytes (a pointer, an int).
func wordObject(name string, t godwarf.Type, w uint64) *object {
	b := make([]byte, 8)
	binary.LittleEndian.PutUint64(b, w)
	return &object{name: name, typ: t, buf: b[:min(max(t.Size(), 1), 8)]}
}

// index is v[k] on arrays, slices, strings, pointers (C) and maps.
func (e *evaluator) index(v, k *evalue, ksrc string) (*evalue, error) {
	if v.o == nil && v.c != nil && v.c.Kind() == constant.String {
		s := constant.StringVal(v.c)
		n, err := e.intOf(k, ksrc)
		if err != nil {
			return nil, err
		}
		if n < 0 || n >= int64(len(s)) {
			return nil, fmt.Errorf("index %d out of range [0,%d)", n, len(s))
		}
		return &evalue{c: constant.MakeInt64(int64(s[n]))}, nil
	}
	o, err := e.obj(v, "")
	if err != nil {
		return nil, err
	}
	if mt := mapTypeOf(o.typ); mt != nil {
		return e.mapIndex(o, mt, k, ksrc)
	}
	n, err := e.intOf(k, ksrc)
	if err != nil {
		return nil, fmt.Errorf("index %s of %s (%s): %w", ksrc, o.name, typeString(o.typ), err)
	}
	r, err := e.i.index(e.mem, o, n)
	if err != nil {
		return nil, err
	}
	return &evalue{o: r}, nil
}

// intOf is an integer operand: an untyped constant representable as an
// int, or a value of an integer type.
func (e *evaluator) intOf(v *evalue, src string) (int64, error) {
	if v.o == nil {
		if v.c == nil || v.c.Kind() == constant.Bool || v.c.Kind() == constant.String {
			return 0, fmt.Errorf("%s is not an integer", src)
		}
		ci := constant.ToInt(v.c)
		n, exact := constant.Int64Val(ci)
		if ci.Kind() != constant.Int || !exact {
			return 0, fmt.Errorf("%s is not an integer that fits an int", src)
		}
		return n, nil
	}
	x := e.i.decode(e.mem, v.o, maxDepth)
	switch x.Kind {
	case Int:
		return x.Int, nil
	case Uint:
		if x.Uint > 1<<63-1 {
			return 0, fmt.Errorf("%s = %d is out of range", src, x.Uint)
		}
		return int64(x.Uint), nil
	case Unreadable:
		return 0, errors.New(x.Err)
	}
	return 0, fmt.Errorf("%s (%s) is not an integer", src, x.Type)
}

// slice is x[lo:hi] and x[lo:hi:max] on strings, slices, arrays and
// pointers to arrays, with Go's bounds (0 <= lo <= hi <= max <= cap).
func (e *evaluator) slice(x *ast.SliceExpr) (*evalue, error) {
	v, err := e.eval(x.X)
	if err != nil {
		return nil, err
	}
	bound := func(b ast.Expr, def int64) (int64, error) {
		if b == nil {
			return def, nil
		}
		bv, err := e.eval(b)
		if err != nil {
			return 0, err
		}
		return e.intOf(bv, exprSrc(b))
	}
	o, err := e.obj(v, "")
	if err != nil {
		return nil, err
	}
	if pt, ok := resolve(o.typ).(*godwarf.PtrType); ok {
		if _, isArr := resolve(pt.Type).(*godwarf.ArrayType); isArr {
			if o, err = e.i.deref(e.mem, o); err != nil {
				return nil, err
			}
		}
	}
	var ptr, ln, cp, es uint64
	var typ godwarf.Type
	switch t := resolve(o.typ).(type) {
	case *godwarf.StringType:
		if x.Slice3 {
			return nil, fmt.Errorf("3-index slice of string")
		}
		p, err1 := e.i.word(e.mem, o, 0)
		n, err2 := e.i.word(e.mem, o, 8)
		if err := firstErr(err1, err2); err != nil {
			return nil, err
		}
		ptr, ln, cp, es, typ = p, n, n, 1, o.typ
	case *godwarf.SliceType:
		p, err1 := e.i.word(e.mem, o, 0)
		n, err2 := e.i.word(e.mem, o, 8)
		c, err3 := e.i.word(e.mem, o, 16)
		if err := firstErr(err1, err2, err3); err != nil {
			return nil, err
		}
		ptr, ln, cp, es, typ = p, n, c, uint64(t.ElemType.Size()), o.typ
	case *godwarf.ArrayType:
		if !o.inMem {
			return nil, fmt.Errorf("cannot slice %s: not addressable", o.name)
		}
		ptr, ln, cp, es, typ = o.addr, uint64(t.Count), uint64(t.Count), uint64(t.Type.Size()), e.sliceOf(t.Type)
	default:
		return nil, fmt.Errorf("cannot slice %s (%s)", o.name, typeString(o.typ))
	}
	lo, err1 := bound(x.Low, 0)
	hi, err2 := bound(x.High, int64(ln))
	mx, err3 := bound(x.Max, int64(cp))
	if err := firstErr(err1, err2, err3); err != nil {
		return nil, err
	}
	if lo < 0 || hi < lo || mx < hi || uint64(mx) > cp {
		return nil, fmt.Errorf("slice bounds out of range [%d:%d:%d] with capacity %d", lo, hi, mx, cp)
	}
	b := make([]byte, 24)
	binary.LittleEndian.PutUint64(b, ptr+uint64(lo)*es)
	binary.LittleEndian.PutUint64(b[8:], uint64(hi-lo))
	binary.LittleEndian.PutUint64(b[16:], uint64(mx-lo))
	if _, isStr := resolve(typ).(*godwarf.StringType); isStr {
		b = b[:16]
	}
	return &evalue{o: &object{name: o.name + "[:]", typ: typ, buf: b}}, nil
}

// call is a builtin (len, cap) or a conversion T(x); Go calls into the
// tracee are not made.
func (e *evaluator) call(x *ast.CallExpr) (*evalue, error) {
	if id, ok := x.Fun.(*ast.Ident); ok && (id.Name == "len" || id.Name == "cap") && !e.hasVar(id.Name) {
		if len(x.Args) != 1 {
			return nil, fmt.Errorf("%s takes one argument", id.Name)
		}
		v, err := e.eval(x.Args[0])
		if err != nil {
			return nil, err
		}
		n, err := e.lenCap(id.Name, v, exprSrc(x.Args[0]))
		if err != nil {
			return nil, err
		}
		return &evalue{o: wordObject(id.Name+"(...)", e.intType(), uint64(n))}, nil
	}
	if len(x.Args) != 1 {
		return nil, fmt.Errorf("function calls are not supported")
	}
	isType := false
	switch f := x.Fun.(type) {
	case *ast.ParenExpr, *ast.StarExpr, *ast.ArrayType, *ast.MapType, *ast.ChanType, *ast.FuncType, *ast.InterfaceType:
		isType = true
	case *ast.Ident, *ast.SelectorExpr:
		parts, _ := dotted(f)
		isType = len(parts) == 0 || !e.hasVar(parts[0])
	}
	if !isType {
		return nil, fmt.Errorf("function calls are not supported")
	}
	t, err := e.typeOf(x.Fun)
	if err != nil {
		if _, isName := x.Fun.(*ast.Ident); isName {
			return nil, fmt.Errorf("%w (function calls are not supported)", err)
		}
		return nil, err
	}
	v, err := e.eval(x.Args[0])
	if err != nil {
		return nil, err
	}
	return e.convert(v, t)
}

// lenCap is len(v) or cap(v) for strings, arrays, slices, maps, channels
// and pointers to arrays.
func (e *evaluator) lenCap(fn string, v *evalue, src string) (int64, error) {
	if v.o == nil && v.c != nil && v.c.Kind() == constant.String && fn == "len" {
		return int64(len(constant.StringVal(v.c))), nil
	}
	o, err := e.obj(v, "")
	if err != nil {
		return 0, err
	}
	if pt, ok := resolve(o.typ).(*godwarf.PtrType); ok {
		if at, isArr := resolve(pt.Type).(*godwarf.ArrayType); isArr {
			return at.Count, nil
		}
	}
	if mt := mapTypeOf(o.typ); mt != nil && fn == "len" {
		mp, l, err := e.i.readMap(e.mem, o, mt)
		if err != nil || mp == 0 {
			return 0, err
		}
		return int64(l.used), nil
	}
	switch t := resolve(o.typ).(type) {
	case *godwarf.StringType:
		if fn == "len" {
			n, err := e.i.word(e.mem, o, 8)
			return int64(n), err
		}
	case *godwarf.SliceType:
		off := int64(8)
		if fn == "cap" {
			off = 16
		}
		n, err := e.i.word(e.mem, o, off)
		return int64(n), err
	case *godwarf.ArrayType:
		return t.Count, nil
	case *godwarf.ChanType:
		field := "qcount"
		if fn == "cap" {
			field = "dataqsiz"
		}
		n, err := e.chanWord(o, t, field)
		return int64(n), err
	}
	return 0, fmt.Errorf("invalid argument %s (%s) for %s", src, typeString(o.typ), fn)
}

// typeAssert is x.(T) on an interface: its dynamic value when the dynamic
// type is T, an error otherwise.
func (e *evaluator) typeAssert(x *ast.TypeAssertExpr) (*evalue, error) {
	v, err := e.eval(x.X)
	if err != nil {
		return nil, err
	}
	o, err := e.obj(v, "")
	if err != nil {
		return nil, err
	}
	it, ok := ifaceType(o.typ)
	if !ok {
		return nil, fmt.Errorf("%s (%s) is not an interface", o.name, typeString(o.typ))
	}
	if x.Type == nil {
		return nil, fmt.Errorf("x.(type) outside a type switch")
	}
	d, err := e.dynamic(o, it)
	if err != nil {
		return nil, err
	}
	want := exprString(x.Type)
	if t, err := e.typeOf(x.Type); err == nil {
		want = typeString(t)
	}
	if got := typeString(d.typ); got != want {
		return nil, fmt.Errorf("interface holds %s, not %s", got, want)
	}
	return &evalue{o: d}, nil
}

// mapIndex finds key k in the Go map o by reading every full slot of every
// group, not only the entries decode shows; a missing key is an error (a
// debugger asked for m[k] wants to know, where Go would give the zero
// value). The key is converted to the map's key type as Go does, then
// compared in the tracee's bytes: strings by content, floats by value,
// other basic kinds, pointers and channels by their bytes.
func (e *evaluator) mapIndex(o *object, t *godwarf.MapType, k *evalue, ksrc string) (*evalue, error) {
	name := o.name + "[" + ksrc + "]"
	kt := resolve(t.KeyType)
	var want []byte
	var wantStr string
	var wantF float64
	var wantV Value
	byValue := false
	switch kt.(type) {
	case *godwarf.StringType:
		s, err := e.stringOf(k)
		if err != nil {
			return nil, fmt.Errorf("%s: key %s: %w", o.name, ksrc, err)
		}
		wantStr = s
	case *godwarf.IntType, *godwarf.UintType, *godwarf.CharType, *godwarf.UcharType, *godwarf.BoolType,
		*godwarf.FloatType, *godwarf.PtrType, *godwarf.ChanType, *godwarf.AddrType:
		kv, err := e.convert(k, t.KeyType)
		if err != nil {
			return nil, fmt.Errorf("%s: key %s: %w", o.name, ksrc, err)
		}
		b, err := kv.o.bytesOf(e.mem, kt.Size())
		if err != nil {
			return nil, err
		}
		want = b
		if _, isF := kt.(*godwarf.FloatType); isF {
			wantF = floatOf(b)
		}
	default:
		// Structs, arrays, interfaces: by value, as == compares them.
		if err := comparable(t.KeyType, 0); err != nil {
			return nil, fmt.Errorf("%s: keys of type %s cannot be looked up: %w", o.name, typeString(t.KeyType), err)
		}
		kv, err := e.convert(k, t.KeyType)
		if err != nil {
			return nil, fmt.Errorf("%s: key %s: %w", o.name, ksrc, err)
		}
		if typeString(kv.o.typ) != typeString(t.KeyType) {
			return nil, fmt.Errorf("%s: key %s is a %s, not a %s", o.name, ksrc, typeString(kv.o.typ), typeString(t.KeyType))
		}
		wantV = e.i.decode(e.mem, kv.o, 0)
		byValue = true
	}
	mp, l, err := e.i.readMap(e.mem, o, t)
	if err != nil {
		return nil, err
	}
	if mp == 0 {
		return nil, fmt.Errorf("%s is a nil map: no key %s", o.name, ksrc)
	}
	var found *object
	var kerr error
	err = e.i.eachSlot(e.mem, l, func(ka, ea uint64) bool {
		ko := e.i.slotObject(e.mem, "key", l.keyT, t.KeyType, ka)
		var eq bool
		switch kt.(type) {
		case *godwarf.StringType:
			s, err := e.stringOf(&evalue{o: ko})
			if err != nil {
				kerr = err
				return false
			}
			eq = s == wantStr
		default:
			if byValue {
				eq, kerr = valuesEqual(e.i.decode(e.mem, ko, 0), wantV)
				if kerr != nil {
					return false
				}
				break
			}
			b, err := ko.bytesOf(e.mem, kt.Size())
			if err != nil {
				kerr = err
				return false
			}
			if _, isF := kt.(*godwarf.FloatType); isF {
				eq = floatOf(b) == wantF
			} else {
				eq = string(b) == string(want)
			}
		}
		if eq {
			found = e.i.slotObject(e.mem, name, l.elemT, t.ElemType, ea)
			found.name = name
			return false
		}
		return true
	})
	if err := firstErr(err, kerr); err != nil {
		return nil, fmt.Errorf("%s: map at %#x: %w", name, mp, err)
	}
	if found == nil {
		return nil, fmt.Errorf("%s: no key %s in the map (%d entries)", o.name, ksrc, l.used)
	}
	return &evalue{o: found}, nil
}

// maxEvalString bounds the bytes of a string compared or looked up.
const maxEvalString = 1 << 20

// stringOf is the whole content of a string operand: a constant, a Go
// string value, or a C char array or pointer.
func (e *evaluator) stringOf(v *evalue) (string, error) {
	if v.o == nil {
		if v.c != nil && v.c.Kind() == constant.String {
			return constant.StringVal(v.c), nil
		}
		return "", fmt.Errorf("not a string")
	}
	if _, ok := resolve(v.o.typ).(*godwarf.StringType); !ok {
		x := e.i.decode(e.mem, v.o, maxDepth)
		if x.Kind == String && !x.Truncated {
			return x.Str, nil
		}
		return "", fmt.Errorf("%s (%s) is not a string", v.o.name, typeString(v.o.typ))
	}
	ptr, err1 := e.i.word(e.mem, v.o, 0)
	n, err2 := e.i.word(e.mem, v.o, 8)
	if err := firstErr(err1, err2); err != nil {
		return "", err
	}
	if n > maxEvalString {
		return "", fmt.Errorf("string of %d bytes is over the %d compared", n, maxEvalString)
	}
	b := make([]byte, n)
	if n > 0 {
		if err := e.mem.ReadMemory(ptr, b); err != nil {
			return "", fmt.Errorf("read string at %#x: %w", ptr, err)
		}
	}
	return string(b), nil
}

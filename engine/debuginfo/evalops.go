package debuginfo

import (
	"encoding/binary"
	"fmt"
	"go/constant"
	"go/token"
	"math"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// nkind is how an operator sees a type.
type nkind int

const (
	nNone nkind = iota
	nInt
	nUint
	nFloat
	nBool
	nPtr    // pointers, maps, channels, funcs: compared by their word
	nString // Go strings
)

func numKind(t godwarf.Type) nkind {
	switch resolve(t).(type) {
	case *godwarf.IntType, *godwarf.CharType, *godwarf.EnumType:
		return nInt
	case *godwarf.UintType, *godwarf.UcharType, *godwarf.AddrType:
		return nUint
	case *godwarf.FloatType:
		return nFloat
	case *godwarf.BoolType:
		return nBool
	case *godwarf.PtrType, *godwarf.ChanType, *godwarf.FuncType, *godwarf.MapType:
		return nPtr
	case *godwarf.StringType:
		return nString
	}
	if mapTypeOf(t) != nil {
		return nPtr
	}
	return nNone
}

// num is a scalar operand: i for signed integers, u for unsigned ones and
// pointers, f, b.
type num struct {
	k nkind
	i int64
	u uint64
	f float64
	b bool
}

// numOf reads a typed scalar.
func (e *evaluator) numOf(o *object) (num, error) {
	k := numKind(o.typ)
	n := num{k: k}
	size := resolve(o.typ).Size()
	if k == nPtr {
		w, err := e.i.word(e.mem, o, 0)
		n.u = w
		return n, err
	}
	if k == nNone || k == nString || size <= 0 || size > 8 {
		return n, fmt.Errorf("%s (%s) is not a number", o.name, typeString(o.typ))
	}
	b, err := o.bytesOf(e.mem, size)
	if err != nil {
		return n, err
	}
	var u uint64
	for j := size - 1; j >= 0; j-- {
		u = u<<8 | uint64(b[j])
	}
	switch k {
	case nInt:
		sh := uint(64 - 8*size)
		n.i = int64(u<<sh) >> sh
	case nUint:
		n.u = u
	case nFloat:
		n.f = floatOf(b)
	case nBool:
		n.b = u != 0
	}
	return n, nil
}

// floatOf reads a 4- or 8-byte IEEE float.
func floatOf(b []byte) float64 {
	if len(b) == 4 {
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b))
}

// makeNum stores n as a value of type t: integers wrap at t's width
// (Go spec "Integer overflow"), a float32 is rounded to float32.
func makeNum(name string, t godwarf.Type, n num) *object {
	size := resolve(t).Size()
	b := make([]byte, 8)
	switch numKind(t) {
	case nFloat:
		f := n.f
		switch n.k {
		case nInt:
			f = float64(n.i)
		case nUint:
			f = float64(n.u)
		}
		if size == 4 {
			binary.LittleEndian.PutUint32(b, math.Float32bits(float32(f)))
		} else {
			binary.LittleEndian.PutUint64(b, math.Float64bits(f))
		}
	case nBool:
		if n.b {
			b[0] = 1
		}
	default:
		u := n.u
		switch n.k {
		case nInt:
			u = uint64(n.i)
		case nFloat:
			if numKind(t) == nUint {
				u = uint64(n.f)
			} else {
				u = uint64(int64(n.f))
			}
		}
		binary.LittleEndian.PutUint64(b, u)
	}
	if size < 1 || size > 8 {
		size = 8
	}
	return &object{name: name, typ: t, buf: b[:size]}
}

// convert is T(v) (Go spec "Conversions"): constants must be representable
// in T; numbers convert between integer and float types with Go's
// truncation and wrapping; integers, uintptr and pointers convert to
// pointers (Delve's (*T)(addr)); types of the same layout reinterpret.
func (e *evaluator) convert(v *evalue, t godwarf.Type) (*evalue, error) {
	tk := numKind(t)
	tn := typeString(t)
	switch {
	case v.isNil:
		if tk != nPtr && !isNilable(t) {
			return nil, fmt.Errorf("cannot convert nil to %s", tn)
		}
		return &evalue{o: &object{name: "nil", typ: t, buf: make([]byte, max(t.Size(), 0))}}, nil
	case v.fn != "":
		return nil, fmt.Errorf("cannot convert the function %s to %s", v.fn, tn)
	case tk == nString && e.isGo():
		return e.toString(v, t)
	case v.o == nil:
		return e.convertConst(v, t)
	}
	o := v.o
	if typeString(o.typ) == tn {
		return v, nil
	}
	sk := numKind(o.typ)
	switch {
	case sk >= nInt && sk <= nFloat && tk >= nInt && tk <= nFloat:
		n, err := e.numOf(o)
		if err != nil {
			return nil, err
		}
		if tk == nFloat && sk == nFloat {
			n.k = nFloat
		}
		return &evalue{o: makeNum(tn+"(...)", t, n)}, nil
	case tk == nPtr && (sk == nPtr || sk == nInt || sk == nUint):
		n, err := e.numOf(o)
		if err != nil {
			return nil, err
		}
		if sk == nInt {
			n.u = uint64(n.i)
		}
		return &evalue{o: wordObject("("+tn+")(...)", t, n.u)}, nil
	case (tk == nInt || tk == nUint) && sk == nPtr:
		w, err := e.i.word(e.mem, o, 0)
		if err != nil {
			return nil, err
		}
		return &evalue{o: makeNum(tn+"(...)", t, num{k: nUint, u: w})}, nil
	case sameLayout(o.typ, t):
		c := *o
		c.typ = t
		return &evalue{o: &c}, nil
	}
	return nil, fmt.Errorf("cannot convert %s (%s) to %s", o.name, typeString(o.typ), tn)
}

func isNilable(t godwarf.Type) bool {
	if _, ok := ifaceType(t); ok {
		return true
	}
	_, ok := resolve(t).(*godwarf.SliceType)
	return ok
}

// sameLayout: two types with the same underlying type (type myint int, or
// a named struct and its literal), so a conversion only renames.
func sameLayout(a, b godwarf.Type) bool {
	ra, rb := resolve(a), resolve(b)
	if ra.Size() != rb.Size() {
		return false
	}
	if sa, ok := ra.(*godwarf.StructType); ok {
		sb, ok := rb.(*godwarf.StructType)
		if !ok || len(sa.Field) != len(sb.Field) {
			return false
		}
		for k := range sa.Field {
			if sa.Field[k].Name != sb.Field[k].Name || typeString(sa.Field[k].Type) != typeString(sb.Field[k].Type) {
				return false
			}
		}
		return true
	}
	return typeString(ra) == typeString(rb)
}

// convertConst places an untyped constant in type t, if t can represent
// it exactly (an integer in range; a float in range, rounded).
func (e *evaluator) convertConst(v *evalue, t godwarf.Type) (*evalue, error) {
	tn := typeString(t)
	c := v.c
	size := resolve(t).Size()
	switch numKind(t) {
	case nInt, nUint, nPtr:
		if c.Kind() != constant.Int && c.Kind() != constant.Float {
			return nil, fmt.Errorf("cannot convert %s to %s", c, tn)
		}
		ci := constant.ToInt(c)
		if ci.Kind() != constant.Int {
			return nil, fmt.Errorf("constant %s truncated to integer (%s)", c, tn)
		}
		bits := uint(8 * size)
		if numKind(t) == nInt {
			n, exact := constant.Int64Val(ci)
			if !exact || (bits < 64 && (n < -1<<(bits-1) || n >= 1<<(bits-1))) {
				return nil, fmt.Errorf("constant %s overflows %s", c, tn)
			}
			return &evalue{o: makeNum(tn, t, num{k: nInt, i: n})}, nil
		}
		n, exact := constant.Uint64Val(ci)
		if !exact || (bits < 64 && n >= 1<<bits) {
			return nil, fmt.Errorf("constant %s overflows %s", c, tn)
		}
		return &evalue{o: makeNum(tn, t, num{k: nUint, u: n})}, nil
	case nFloat:
		if c.Kind() != constant.Int && c.Kind() != constant.Float {
			return nil, fmt.Errorf("cannot convert %s to %s", c, tn)
		}
		f, _ := constant.Float64Val(constant.ToFloat(c))
		if math.IsInf(f, 0) || (size == 4 && math.IsInf(float64(float32(f)), 0)) {
			return nil, fmt.Errorf("constant %s overflows %s", c, tn)
		}
		return &evalue{o: makeNum(tn, t, num{k: nFloat, f: f})}, nil
	case nBool:
		if c.Kind() != constant.Bool {
			return nil, fmt.Errorf("cannot convert %s to %s", c, tn)
		}
		return &evalue{o: makeNum(tn, t, num{k: nBool, b: constant.BoolVal(c)})}, nil
	}
	return nil, fmt.Errorf("cannot convert constant %s to %s", c, tn)
}

// unary is -x, +x, ^x, !x.
func (e *evaluator) unary(op token.Token, v *evalue) (*evalue, error) {
	if v.o == nil {
		if v.c == nil {
			return nil, fmt.Errorf("invalid operand for %s", op)
		}
		switch {
		case op == token.NOT && v.c.Kind() == constant.Bool,
			(op == token.SUB || op == token.ADD) && (v.c.Kind() == constant.Int || v.c.Kind() == constant.Float),
			op == token.XOR && v.c.Kind() == constant.Int:
			return &evalue{c: constant.UnaryOp(op, v.c, 0), rune: v.rune}, nil
		}
		return nil, fmt.Errorf("invalid operation: %s%s", op, v.c)
	}
	o := v.o
	n, err := e.numOf(o)
	if err != nil {
		return nil, err
	}
	bad := func() (*evalue, error) {
		return nil, fmt.Errorf("invalid operation: %s%s (%s)", op, o.name, typeString(o.typ))
	}
	name := op.String() + o.name
	switch op {
	case token.ADD:
		if n.k == nInt || n.k == nUint || n.k == nFloat {
			return v, nil
		}
	case token.SUB:
		switch n.k {
		case nInt:
			n.i = -n.i
		case nUint:
			n.u = -n.u
		case nFloat:
			n.f = -n.f
		default:
			return bad()
		}
		return &evalue{o: makeNum(name, o.typ, n)}, nil
	case token.XOR:
		switch n.k {
		case nInt:
			n.i = ^n.i
		case nUint:
			n.u = ^n.u
		default:
			return bad()
		}
		return &evalue{o: makeNum(name, o.typ, n)}, nil
	case token.NOT:
		if n.k == nBool {
			n.b = !n.b
			return &evalue{o: makeNum(name, o.typ, n)}, nil
		}
		if !e.isGo() {
			return &evalue{o: makeNum(name, e.boolType(), num{k: nBool, b: !truthy(n)})}, nil
		}
	}
	return bad()
}

// toString is string(x) for a string, an integer (a rune), a []byte or a
// []rune; the result is a string godbg makes, not in the tracee's memory.
func (e *evaluator) toString(v *evalue, t godwarf.Type) (*evalue, error) {
	tn := typeString(t)
	if v.o != nil && numKind(v.o.typ) == nString {
		if typeString(v.o.typ) == tn {
			return v, nil
		}
		c := *v.o
		c.typ = t
		return &evalue{o: &c}, nil
	}
	if v.o == nil && v.c != nil && v.c.Kind() == constant.String {
		return v, nil
	}
	if v.o == nil && v.c != nil || v.o != nil && (numKind(v.o.typ) == nInt || numKind(v.o.typ) == nUint) {
		n, err := e.intOf(v, "string(x)")
		if err != nil {
			return nil, err
		}
		r := rune(n)
		if int64(r) != n {
			r = 0xfffd // out of range: "\uFFFD", as Go converts it
		}
		return &evalue{c: constant.MakeString(string(r))}, nil
	}
	if v.o != nil {
		if st, ok := resolve(v.o.typ).(*godwarf.SliceType); ok {
			ptr, err1 := e.i.word(e.mem, v.o, 0)
			n, err2 := e.i.word(e.mem, v.o, 8)
			if err := firstErr(err1, err2); err != nil {
				return nil, err
			}
			es := uint64(st.ElemType.Size())
			k := numKind(st.ElemType)
			if (es == 1 || es == 4) && (k == nInt || k == nUint) {
				if n*es > maxEvalString {
					return nil, fmt.Errorf("%s: %d elements is over the %d bytes converted", v.o.name, n, maxEvalString)
				}
				b := make([]byte, n*es)
				if n > 0 {
					if err := e.mem.ReadMemory(ptr, b); err != nil {
						return nil, fmt.Errorf("read %s at %#x: %w", v.o.name, ptr, err)
					}
				}
				if es == 1 {
					return &evalue{c: constant.MakeString(string(b))}, nil
				}
				rs := make([]rune, n)
				for j := range rs {
					rs[j] = rune(binary.LittleEndian.Uint32(b[4*j:]))
				}
				return &evalue{c: constant.MakeString(string(rs))}, nil
			}
		}
		return nil, fmt.Errorf("cannot convert %s (%s) to %s", v.o.name, typeString(v.o.typ), tn)
	}
	return nil, fmt.Errorf("cannot convert to %s", tn)
}

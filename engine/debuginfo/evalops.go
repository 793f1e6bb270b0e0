package debuginfo

import (
	"encoding/binary"
	"fmt"
	"go/ast"
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
	}
	return bad()
}

func isCompare(op token.Token) bool {
	switch op {
	case token.EQL, token.NEQ, token.LSS, token.LEQ, token.GTR, token.GEQ:
		return true
	}
	return false
}

// binary evaluates x op y with Go's rules: && and || short-circuit;
// untyped constants fold exactly (go/constant); a constant meeting a typed
// operand takes its type; typed operands must have identical types (C
// code gets C's usual arithmetic conversions instead).
func (e *evaluator) binary(x *ast.BinaryExpr) (*evalue, error) {
	op := x.Op
	l, err := e.eval(x.X)
	if err != nil {
		return nil, err
	}
	if op == token.LAND || op == token.LOR {
		lb, err := e.boolOf(l, exprSrc(x.X))
		if err != nil {
			return nil, err
		}
		if lb == (op == token.LOR) {
			return e.boolResult(lb, l, nil), nil
		}
		r, err := e.eval(x.Y)
		if err != nil {
			return nil, err
		}
		rb, err := e.boolOf(r, exprSrc(x.Y))
		if err != nil {
			return nil, err
		}
		return e.boolResult(rb, l, r), nil
	}
	r, err := e.eval(x.Y)
	if err != nil {
		return nil, err
	}
	if op == token.SHL || op == token.SHR {
		return e.shift(op, l, r, exprSrc(x.Y))
	}
	if l.isNil || r.isNil {
		return e.nilCompare(op, l, r)
	}
	if l.fn != "" || r.fn != "" {
		return nil, fmt.Errorf("invalid operation: operator %s on a function value", op)
	}
	if l.o == nil && r.o == nil {
		return e.constBinary(op, l, r)
	}
	if e.isString(l) || e.isString(r) {
		return e.stringBinary(op, l, r)
	}
	if !e.isGo() {
		if p, ok, err := e.cPointerArith(op, l, r); ok || err != nil {
			return p, err
		}
	}
	// A constant takes the other operand's type.
	if l.o == nil {
		if l, err = e.convert(l, r.o.typ); err != nil {
			return nil, err
		}
	} else if r.o == nil {
		if isZeroConst(r.c) && (op == token.QUO || op == token.REM) {
			return nil, fmt.Errorf("invalid operation: division by zero")
		}
		if r, err = e.convert(r, l.o.typ); err != nil {
			return nil, err
		}
	}
	lt, rt := l.o.typ, r.o.typ
	_, lif := ifaceType(lt)
	_, rif := ifaceType(rt)
	if typeString(lt) != typeString(rt) && !(lif && rif && (op == token.EQL || op == token.NEQ)) {
		if e.isGo() {
			return nil, fmt.Errorf("invalid operation: mismatched types %s and %s", typeString(lt), typeString(rt))
		}
		t := e.cCommonType(lt, rt)
		if l, err = e.convert(l, t); err != nil {
			return nil, err
		}
		if r, err = e.convert(r, t); err != nil {
			return nil, err
		}
	}
	name := l.o.name + op.String() + r.o.name
	if numKind(l.o.typ) == nNone && (op == token.EQL || op == token.NEQ) {
		eq, err := e.equalObjects(l.o, r.o)
		if err != nil {
			return nil, err
		}
		return &evalue{o: makeNum(name, e.boolType(), num{k: nBool, b: eq == (op == token.EQL)})}, nil
	}
	a, err1 := e.numOf(l.o)
	b, err2 := e.numOf(r.o)
	if err := firstErr(err1, err2); err != nil {
		return nil, err
	}
	if isCompare(op) {
		res, err := compareNums(op, a, b)
		if err != nil {
			return nil, fmt.Errorf("invalid operation: %s on %s", op, typeString(lt))
		}
		return &evalue{o: makeNum(name, e.boolType(), num{k: nBool, b: res})}, nil
	}
	res, err := arith(op, a, b)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, typeString(l.o.typ))
	}
	return &evalue{o: makeNum(name, l.o.typ, res)}, nil
}

func isZeroConst(c constant.Value) bool {
	return c != nil && (c.Kind() == constant.Int || c.Kind() == constant.Float) && constant.Sign(c) == 0
}

// arith is a op b on two scalars of one type.
func arith(op token.Token, a, b num) (num, error) {
	r := num{k: a.k}
	switch a.k {
	case nInt:
		x, y := a.i, b.i
		switch op {
		case token.ADD:
			r.i = x + y
		case token.SUB:
			r.i = x - y
		case token.MUL:
			r.i = x * y
		case token.QUO, token.REM:
			if y == 0 {
				return r, fmt.Errorf("integer divide by zero")
			}
			if op == token.QUO {
				r.i = x / y
			} else {
				r.i = x % y
			}
		case token.AND:
			r.i = x & y
		case token.OR:
			r.i = x | y
		case token.XOR:
			r.i = x ^ y
		case token.AND_NOT:
			r.i = x &^ y
		default:
			return r, fmt.Errorf("invalid operation: operator %s", op)
		}
	case nUint:
		x, y := a.u, b.u
		switch op {
		case token.ADD:
			r.u = x + y
		case token.SUB:
			r.u = x - y
		case token.MUL:
			r.u = x * y
		case token.QUO, token.REM:
			if y == 0 {
				return r, fmt.Errorf("integer divide by zero")
			}
			if op == token.QUO {
				r.u = x / y
			} else {
				r.u = x % y
			}
		case token.AND:
			r.u = x & y
		case token.OR:
			r.u = x | y
		case token.XOR:
			r.u = x ^ y
		case token.AND_NOT:
			r.u = x &^ y
		default:
			return r, fmt.Errorf("invalid operation: operator %s", op)
		}
	case nFloat:
		x, y := a.f, b.f
		switch op {
		case token.ADD:
			r.f = x + y
		case token.SUB:
			r.f = x - y
		case token.MUL:
			r.f = x * y
		case token.QUO:
			r.f = x / y // IEEE 754: ±Inf or NaN, as Go does at run time
		default:
			return r, fmt.Errorf("invalid operation: operator %s not defined on floats", op)
		}
	default:
		return r, fmt.Errorf("invalid operation: operator %s", op)
	}
	return r, nil
}

func compareNums(op token.Token, a, b num) (bool, error) {
	var c int // -1, 0, 1
	ordered := true
	switch a.k {
	case nInt:
		c = cmp3(a.i < b.i, a.i > b.i)
	case nUint, nPtr:
		c = cmp3(a.u < b.u, a.u > b.u)
		ordered = a.k == nUint
	case nFloat:
		if math.IsNaN(a.f) || math.IsNaN(b.f) {
			return op == token.NEQ, nil
		}
		c = cmp3(a.f < b.f, a.f > b.f)
	case nBool:
		c = cmp3(false, a.b != b.b)
		ordered = false
	default:
		return false, fmt.Errorf("not comparable")
	}
	switch op {
	case token.EQL:
		return c == 0, nil
	case token.NEQ:
		return c != 0, nil
	}
	if !ordered {
		return false, fmt.Errorf("not ordered")
	}
	switch op {
	case token.LSS:
		return c < 0, nil
	case token.LEQ:
		return c <= 0, nil
	case token.GTR:
		return c > 0, nil
	}
	return c >= 0, nil
}

func cmp3(lt, gt bool) int {
	if lt {
		return -1
	}
	if gt {
		return 1
	}
	return 0
}

// constBinary folds two untyped constants exactly (Go spec "Constant
// expressions"): integer division truncates, comparisons give bools.
func (e *evaluator) constBinary(op token.Token, l, r *evalue) (*evalue, error) {
	a, b := l.c, r.c
	ka, kb := a.Kind(), b.Kind()
	numeric := func(k constant.Kind) bool { return k == constant.Int || k == constant.Float }
	if isCompare(op) {
		ok := numeric(ka) && numeric(kb) || ka == kb && ka == constant.String ||
			ka == kb && ka == constant.Bool && (op == token.EQL || op == token.NEQ)
		if !ok {
			return nil, fmt.Errorf("invalid operation: %s %s %s", a, op, b)
		}
		return &evalue{c: constant.MakeBool(constant.Compare(a, op, b))}, nil
	}
	if ka == constant.String && kb == constant.String && op == token.ADD {
		return &evalue{c: constant.BinaryOp(a, op, b)}, nil
	}
	if !numeric(ka) || !numeric(kb) {
		return nil, fmt.Errorf("invalid operation: %s %s %s", a, op, b)
	}
	switch op {
	case token.QUO, token.REM:
		if constant.Sign(b) == 0 {
			return nil, fmt.Errorf("invalid operation: division by zero")
		}
	}
	switch op {
	case token.ADD, token.SUB, token.MUL, token.QUO:
		if op == token.QUO && ka == constant.Int && kb == constant.Int {
			op = token.QUO_ASSIGN // go/constant's integer division
		}
	case token.REM, token.AND, token.OR, token.XOR, token.AND_NOT:
		a, b = constant.ToInt(a), constant.ToInt(b)
		if a.Kind() != constant.Int || b.Kind() != constant.Int {
			return nil, fmt.Errorf("invalid operation: operator %s not defined on %s, %s", op, l.c, r.c)
		}
	default:
		return nil, fmt.Errorf("invalid operation: operator %s", op)
	}
	return &evalue{c: constant.BinaryOp(a, op, b), rune: l.rune || r.rune}, nil
}

// shift is x << s and x >> s: the count is a non-negative integer of any
// type; the result has x's type (an untyped x with a variable count
// becomes an int); shifts past the width give 0 or -1, as in Go.
func (e *evaluator) shift(op token.Token, l, r *evalue, rsrc string) (*evalue, error) {
	var s uint64
	if r.o == nil {
		if r.c == nil {
			return nil, fmt.Errorf("invalid shift count %s", rsrc)
		}
		ci := constant.ToInt(r.c)
		n, exact := constant.Uint64Val(ci)
		if ci.Kind() != constant.Int || !exact {
			return nil, fmt.Errorf("invalid shift count %s", rsrc)
		}
		s = n
	} else {
		n, err := e.numOf(r.o)
		if err != nil {
			return nil, err
		}
		switch n.k {
		case nInt:
			if n.i < 0 {
				return nil, fmt.Errorf("negative shift count %s", rsrc)
			}
			s = uint64(n.i)
		case nUint:
			s = n.u
		default:
			return nil, fmt.Errorf("shift count %s (%s) is not an integer", rsrc, typeString(r.o.typ))
		}
	}
	if l.o == nil && r.o == nil {
		if l.c == nil {
			return nil, fmt.Errorf("invalid operation: shift of nil")
		}
		ci := constant.ToInt(l.c)
		if ci.Kind() != constant.Int {
			return nil, fmt.Errorf("invalid operation: shift of %s", l.c)
		}
		if s > 10000 {
			return nil, fmt.Errorf("shift count %d too large", s)
		}
		return &evalue{c: constant.Shift(ci, op, uint(s)), rune: l.rune}, nil
	}
	lo, err := e.obj(l, "")
	if err != nil {
		return nil, err
	}
	n, err := e.numOf(lo)
	if err != nil {
		return nil, err
	}
	switch n.k {
	case nInt:
		switch {
		case op == token.SHL && s >= 64:
			n.i = 0
		case op == token.SHL:
			n.i <<= s
		case s >= 64 && n.i < 0:
			n.i = -1
		case s >= 64:
			n.i = 0
		default:
			n.i >>= s
		}
	case nUint:
		switch {
		case s >= 64:
			n.u = 0
		case op == token.SHL:
			n.u <<= s
		default:
			n.u >>= s
		}
	default:
		return nil, fmt.Errorf("invalid operation: shift of %s (%s)", lo.name, typeString(lo.typ))
	}
	return &evalue{o: makeNum(lo.name+op.String()+rsrc, lo.typ, n)}, nil
}

func (e *evaluator) isString(v *evalue) bool {
	if v.o == nil {
		return v.c != nil && v.c.Kind() == constant.String
	}
	return numKind(v.o.typ) == nString
}

// stringBinary compares strings or concatenates them (the result is a
// string made by godbg, not in the tracee's memory).
func (e *evaluator) stringBinary(op token.Token, l, r *evalue) (*evalue, error) {
	if !e.isString(l) || !e.isString(r) {
		return nil, fmt.Errorf("invalid operation: mismatched types (a string and a non-string)")
	}
	a, err1 := e.stringOf(l)
	b, err2 := e.stringOf(r)
	if err := firstErr(err1, err2); err != nil {
		return nil, err
	}
	if op == token.ADD {
		return &evalue{c: constant.MakeString(a + b)}, nil
	}
	if !isCompare(op) {
		return nil, fmt.Errorf("invalid operation: operator %s not defined on strings", op)
	}
	res := constant.Compare(constant.MakeString(a), op, constant.MakeString(b))
	return &evalue{o: makeNum("string "+op.String(), e.boolType(), num{k: nBool, b: res})}, nil
}

// nilCompare is x == nil and x != nil for pointers, maps, channels,
// funcs, slices and interfaces: nil when their first word is 0.
func (e *evaluator) nilCompare(op token.Token, l, r *evalue) (*evalue, error) {
	if op != token.EQL && op != token.NEQ {
		return nil, fmt.Errorf("invalid operation: operator %s on nil", op)
	}
	v := l
	if l.isNil {
		v = r
	}
	if v.isNil {
		return nil, fmt.Errorf("invalid operation: nil %s nil", op)
	}
	if v.fn != "" {
		return e.boolResult(op == token.NEQ, nil, nil), nil
	}
	if v.o == nil || (numKind(v.o.typ) != nPtr && !isNilable(v.o.typ)) {
		return nil, fmt.Errorf("invalid operation: comparison with nil of a value that cannot be nil")
	}
	w, err := e.i.word(e.mem, v.o, 0)
	if err != nil {
		return nil, err
	}
	return e.boolResult((w == 0) == (op == token.EQL), nil, nil), nil
}

// boolOf is a boolean operand's value.
func (e *evaluator) boolOf(v *evalue, src string) (bool, error) {
	if v.o == nil {
		if v.c != nil && v.c.Kind() == constant.Bool {
			return constant.BoolVal(v.c), nil
		}
		return false, fmt.Errorf("%s is not a bool", src)
	}
	n, err := e.numOf(v.o)
	if err != nil || n.k != nBool {
		return false, fmt.Errorf("%s (%s) is not a bool", src, typeString(v.o.typ))
	}
	return n.b, nil
}

// boolResult is a logical result: untyped when its operands were
// constants, the program's bool otherwise.
func (e *evaluator) boolResult(b bool, l, r *evalue) *evalue {
	if (l == nil || l.o == nil) && (r == nil || r.o == nil) && l != nil {
		return &evalue{c: constant.MakeBool(b)}
	}
	return &evalue{o: makeNum("bool", e.boolType(), num{k: nBool, b: b})}
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

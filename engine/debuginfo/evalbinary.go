package debuginfo

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"math"
)

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
		if err := comparable(l.o.typ, 0); err != nil {
			return nil, err // maps and funcs compare only with nil
		}
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

// intArith is a op b on two integers of one signedness, wrapping as Go does.
func intArith[T int64 | uint64](op token.Token, x, y T) (T, error) {
	switch op {
	case token.ADD:
		return x + y, nil
	case token.SUB:
		return x - y, nil
	case token.MUL:
		return x * y, nil
	case token.QUO, token.REM:
		if y == 0 {
			return 0, fmt.Errorf("integer divide by zero")
		}
		if op == token.QUO {
			return x / y, nil
		}
		return x % y, nil
	case token.AND:
		return x & y, nil
	case token.OR:
		return x | y, nil
	case token.XOR:
		return x ^ y, nil
	case token.AND_NOT:
		return x &^ y, nil
	}
	return 0, fmt.Errorf("invalid operation: operator %s", op)
}

// arith is a op b on two scalars of one type.
func arith(op token.Token, a, b num) (num, error) {
	r := num{k: a.k}
	switch a.k {
	case nInt:
		var err error
		r.i, err = intArith(op, a.i, b.i)
		return r, err
	case nUint:
		var err error
		r.u, err = intArith(op, a.u, b.u)
		return r, err
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
	if err == nil && n.k != nBool && !e.isGo() {
		return truthy(n), nil // C: any scalar, true when not zero
	}
	if err != nil || n.k != nBool {
		return false, fmt.Errorf("%s (%s) is not a bool", src, typeString(v.o.typ))
	}
	return n.b, nil
}

// truthy is C's test of a scalar (C11 6.5.3.3, 6.5.13): not equal to 0.
func truthy(n num) bool {
	switch n.k {
	case nInt:
		return n.i != 0
	case nUint, nPtr:
		return n.u != 0
	case nFloat:
		return n.f != 0
	}
	return n.b
}

// boolResult is a logical result: untyped when its operands were
// constants, the program's bool otherwise.
func (e *evaluator) boolResult(b bool, l, r *evalue) *evalue {
	if (l == nil || l.o == nil) && (r == nil || r.o == nil) && l != nil {
		return &evalue{c: constant.MakeBool(b)}
	}
	return &evalue{o: makeNum("bool", e.boolType(), num{k: nBool, b: b})}
}

package debuginfo

import (
	"debug/dwarf"
	"encoding/binary"
	"errors"
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// Eval evaluates an expression as Delve's print takes it, in the scope of
// regs.PC(): names (locals, arguments, globals as pkg.Var or in the
// current package, constants, functions), `.field` (through pointers and
// interfaces, promoted fields too), `[i]` on arrays, slices, strings and
// maps, `s[a:b]`, `*p`, `&x`, conversions `T(x)` and `(*T)(addr)`,
// `len`/`cap`, Go's arithmetic, comparison and logical operators with its
// rules for types, untyped constants and overflow. In C code `p->f` and
// casts `(T *)p` are taken too. The syntax is Go's (go/parser).
func (i *Info) Eval(mem Memory, regs Registers, expr string) (Value, error) {
	s, err := i.scopeAt(mem, regs)
	if err != nil && !errorsIsNoFunc(err) {
		return Value{}, err
	}
	e := &evaluator{i: i, mem: mem, s: s, fset: token.NewFileSet()}
	if s != nil && s.fn.isGo() {
		e.pkg = goPackage(s.fn.name)
	}
	v, err := e.evalString(expr)
	if err != nil {
		return Value{}, fmt.Errorf("eval %q: %w", expr, err)
	}
	out, err := e.result(v)
	if err != nil {
		return Value{}, fmt.Errorf("eval %q: %w", expr, err)
	}
	out.Name = expr
	return out, nil
}

func errorsIsNoFunc(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "no debug information for pc")
}

// evaluator holds one evaluation's context.
type evaluator struct {
	i    *Info
	mem  Memory
	s    *scope // nil outside any function: globals only
	pkg  string // the current Go function's package path, "" in C
	fset *token.FileSet
	// C casts rewritten before parsing: offset of the `<-` -> type, and
	// type names that C spells with spaces, by placeholder identifier.
	casts  map[int]godwarf.Type
	ctypes map[string]godwarf.Type
}

// evalue is one intermediate value: a typed object (in memory or made of
// bytes), an untyped constant, a function value, or nil.
type evalue struct {
	o      *object
	c      constant.Value // untyped constant when o == nil
	rune   bool           // c came from a rune literal: its default type is int32
	fn     string         // a function value by name
	fnPC   uint64
	fnType string
	isNil  bool
}

// isGo: Go's rules in a Go function (a C function of a cgo program gets
// C's), and outside any function in a Go program.
func (e *evaluator) isGo() bool {
	if e.s != nil {
		return e.s.fn.isGo()
	}
	return e.i.isGo
}

// maxExprLen bounds an expression's length, and so the evaluator's
// recursion.
const maxExprLen = 4096

func (e *evaluator) evalString(expr string) (*evalue, error) {
	if len(expr) > maxExprLen {
		return nil, fmt.Errorf("expression of %d bytes is over the limit of %d", len(expr), maxExprLen)
	}
	src := expr
	if !e.isGo() {
		src = e.cRewrite(src)
	}
	x, err := parser.ParseExprFrom(e.fset, "", src, 0)
	if err != nil {
		return nil, fmt.Errorf("syntax: %w", err)
	}
	return e.eval(x)
}

func (e *evaluator) eval(x ast.Expr) (*evalue, error) {
	switch x := x.(type) {
	case *ast.BasicLit:
		if x.Kind == token.IMAG {
			return nil, fmt.Errorf("complex constants are not supported")
		}
		c := constant.MakeFromLiteral(x.Value, x.Kind, 0)
		if c.Kind() == constant.Unknown {
			return nil, fmt.Errorf("bad literal %s", x.Value)
		}
		return &evalue{c: c, rune: x.Kind == token.CHAR}, nil
	case *ast.ParenExpr:
		return e.eval(x.X)
	case *ast.Ident:
		switch x.Name {
		case "true", "false":
			if !e.hasVar(x.Name) {
				return &evalue{c: constant.MakeBool(x.Name == "true")}, nil
			}
		case "nil":
			if !e.hasVar(x.Name) {
				return &evalue{isNil: true}, nil
			}
		}
		return e.evalName([]string{x.Name})
	case *ast.SelectorExpr:
		if parts, ok := dotted(x); ok && !e.hasVar(parts[0]) {
			return e.evalName(parts)
		}
		if lit, ok := x.X.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			// Delve's "import/path".Name for a package the file does not import.
			path := constant.StringVal(constant.MakeFromLiteral(lit.Value, lit.Kind, 0))
			for _, name := range []string{path + "." + x.Sel.Name, pathToPrefix(path) + "." + x.Sel.Name} {
				if g, ok := e.global(name); ok {
					return g, nil
				}
			}
			return nil, fmt.Errorf("no %s in package %q", x.Sel.Name, path)
		}
		v, err := e.eval(x.X)
		if err != nil {
			return nil, err
		}
		return e.selector(v, x.Sel.Name)
	case *ast.StarExpr:
		v, err := e.eval(x.X)
		if err != nil {
			return nil, err
		}
		o, err := e.obj(v, "*")
		if err != nil {
			return nil, err
		}
		d, err := e.i.deref(e.mem, o)
		if err != nil {
			return nil, err
		}
		return &evalue{o: d}, nil
	case *ast.UnaryExpr:
		if x.Op == token.ARROW {
			if t, ok := e.casts[e.fset.Position(x.OpPos).Offset]; ok {
				v, err := e.eval(x.X)
				if err != nil {
					return nil, err
				}
				return e.convert(v, t)
			}
			return nil, fmt.Errorf("channel receive is not supported")
		}
		if x.Op == token.AND {
			v, err := e.eval(x.X)
			if err != nil {
				return nil, err
			}
			return e.addressOf(v, x.X)
		}
		v, err := e.eval(x.X)
		if err != nil {
			return nil, err
		}
		return e.unary(x.Op, v)
	case *ast.BinaryExpr:
		return e.binary(x)
	case *ast.IndexExpr:
		v, err := e.eval(x.X)
		if err != nil {
			return nil, err
		}
		k, err := e.eval(x.Index)
		if err != nil {
			return nil, err
		}
		return e.index(v, k, exprSrc(x.Index))
	case *ast.SliceExpr:
		return e.slice(x)
	case *ast.CallExpr:
		return e.call(x)
	case *ast.TypeAssertExpr:
		return e.typeAssert(x)
	}
	return nil, fmt.Errorf("%s expressions are not supported", strings.TrimPrefix(fmt.Sprintf("%T", x), "*ast."))
}

// exprSrc renders a small operand back for messages and names.
func exprSrc(x ast.Expr) string {
	switch t := x.(type) {
	case *ast.BasicLit:
		return t.Value
	case *ast.UnaryExpr:
		return t.Op.String() + exprSrc(t.X)
	}
	return exprString(x)
}

// dotted is a chain of identifiers a.b.c, which may be a qualified name.
func dotted(x ast.Expr) ([]string, bool) {
	switch t := x.(type) {
	case *ast.Ident:
		return []string{t.Name}, true
	case *ast.SelectorExpr:
		p, ok := dotted(t.X)
		return append(p, t.Sel.Name), ok
	}
	return nil, false
}

func (e *evaluator) hasVar(name string) bool {
	return e.s != nil && (e.i.lookupVar(e.s, name) != nil || e.i.lookupVar(e.s, "&"+name) != nil)
}

// evalName resolves a.b.c: a variable in scope (innermost first) then
// fields, else the longest prefix naming a global variable, a constant or a
// function (as written, in the current package, or through an import or
// package name), then fields.
func (e *evaluator) evalName(parts []string) (*evalue, error) {
	var v *evalue
	rest := parts[1:]
	if e.s != nil {
		if n := e.i.lookupVar(e.s, parts[0]); n != nil {
			v = &evalue{o: e.i.varObject(e.mem, e.s, n)}
		} else if n := e.i.lookupVar(e.s, "&"+parts[0]); n != nil {
			// A Go variable moved to the heap (captured by an escaping
			// closure, or its address escaped): its DWARF name is &x, a
			// pointer to it (cmd/compile/internal/dwarfgen), read as x.
			d, err := e.i.deref(e.mem, e.i.varObject(e.mem, e.s, n))
			if err != nil {
				return nil, err
			}
			d.name = parts[0]
			v = &evalue{o: d}
		}
	}
	for k := len(parts); v == nil && k >= 1; k-- {
		name := strings.Join(parts[:k], ".")
		for _, c := range e.qualifiedNames(name) {
			if g, ok := e.global(c); ok {
				v, rest = g, parts[k:]
				break
			}
		}
	}
	if v == nil {
		return nil, fmt.Errorf("no variable %q in scope", parts[0])
	}
	var err error
	for _, f := range rest {
		if v, err = e.selector(v, f); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// global is a package variable, constant or function by linker name.
func (e *evaluator) global(name string) (*evalue, bool) {
	e.i.names() // builds the globals' index in the same pass
	if o, ok := e.i.globalObject(name); ok {
		o.name = name
		return &evalue{o: o}, true
	}
	if v, ok := e.constant(name); ok {
		return v, true
	}
	if e.isGo() {
		return e.funcValue(name, false)
	}
	return nil, false
}

// constant reads a DW_TAG_constant: a Go package constant, untyped when
// its type is a default type (constTwo + i8 is an int8, as in Go), typed
// otherwise.
func (e *evaluator) constant(name string) (*evalue, bool) {
	off, ok := e.i.names().consts[name]
	if !ok {
		return nil, false
	}
	t := e.i.tree(off)
	if t == nil {
		return nil, false
	}
	typ, err := treeType(t, e.i.dw, e.i.typeCache)
	if err != nil {
		return nil, false
	}
	var c constant.Value
	switch cv := t.Val(0x1c).(type) { // DW_AT_const_value
	case int64:
		c = constant.MakeInt64(cv)
		if _, unsigned := resolve(typ).(*godwarf.UintType); unsigned {
			c = constant.MakeUint64(uint64(cv))
		}
	case uint64:
		c = constant.MakeUint64(cv)
	case string:
		c = constant.MakeString(cv)
	default:
		return nil, false
	}
	// Go's DWARF gives an untyped constant its default type; any other type
	// was written in the declaration (const c uint64 = ...).
	switch typeString(typ) {
	case "int", "int32", "float64", "string", "bool":
		return &evalue{c: c, rune: typeString(typ) == "int32"}, true
	}
	v, err := e.convert(&evalue{c: c}, typ)
	if err != nil {
		return nil, false
	}
	v.o.name = name
	return v, true
}

// obj is v as a typed object; an untyped constant takes its default type
// (Go spec "Constants"): int, int32 for a rune, float64, bool.
func (e *evaluator) obj(v *evalue, what string) (*object, error) {
	if v.o != nil {
		return v.o, nil
	}
	if v.isNil {
		return nil, fmt.Errorf("%snil: nil has no type", what)
	}
	if v.fn != "" {
		return nil, fmt.Errorf("%s%s: a function value", what, v.fn)
	}
	t, err := e.defaultType(v)
	if err != nil {
		return nil, err
	}
	c, err := e.convert(v, t)
	if err != nil {
		return nil, err
	}
	return c.o, nil
}

func (e *evaluator) defaultType(v *evalue) (godwarf.Type, error) {
	name := ""
	switch v.c.Kind() {
	case constant.Int:
		name = "int"
		if v.rune {
			name = "int32"
		}
	case constant.Float:
		name = "float64"
	case constant.Bool:
		name = "bool"
	default:
		return nil, fmt.Errorf("constant %s has no place in the tracee's memory", v.c)
	}
	if t, ok := e.typeNamed(name); ok {
		return t, nil
	}
	return basicTypes[name](), nil
}

// result turns the final value into a Value.
func (e *evaluator) result(v *evalue) (Value, error) {
	switch {
	case v.o != nil:
		return e.i.decode(e.mem, v.o, 0), nil
	case v.isNil:
		return Value{Kind: Nil, Type: "nil"}, nil
	case v.fn != "":
		return Value{Kind: Func, Type: v.fnType, Str: v.fn, Addr: v.fnPC}, nil
	case v.c.Kind() == constant.String:
		s := constant.StringVal(v.c)
		return Value{Kind: String, Type: "string", Str: s, Len: int64(len(s))}, nil
	}
	o, err := e.obj(v, "")
	if err != nil {
		return Value{}, err
	}
	return e.i.decode(e.mem, o, 0), nil
}

// selector is v.name: a field (through pointers and interfaces, promoted
// fields too), a Go channel's runtime field, or a method value.
func (e *evaluator) selector(v *evalue, name string) (*evalue, error) {
	o, err := e.obj(v, "")
	if err != nil {
		return nil, err
	}
	if ct, ok := resolve(o.typ).(*godwarf.ChanType); ok {
		return e.chanField(o, ct, name)
	}
	if it, ok := ifaceType(o.typ); ok {
		d, err := e.dynamic(o, it)
		if err != nil {
			return nil, err
		}
		if m, ok := e.method(d, name); ok {
			return m, nil
		}
		o = d
	}
	f, ferr := e.i.field(e.mem, o, name)
	if ferr == nil {
		return &evalue{o: f}, nil
	}
	if m, ok := e.method(o, name); ok {
		return m, nil
	}
	if f, ok, err := e.embeddedPtrField(o, name); ok || err != nil {
		if err != nil {
			return nil, err
		}
		return &evalue{o: f}, nil
	}
	return nil, ferr
}

func ifaceType(t godwarf.Type) (*godwarf.InterfaceType, bool) {
	if it, ok := t.(*godwarf.InterfaceType); ok {
		return it, true
	}
	it, ok := resolve(t).(*godwarf.InterfaceType)
	return it, ok
}

// dynamic is the value an interface holds, with its dynamic type (the
// itab's or eface's runtime type, mapped to DWARF as decodeInterface does).
func (e *evaluator) dynamic(o *object, t *godwarf.InterfaceType) (*object, error) {
	w0, err1 := e.i.word(e.mem, o, 0)
	data, err2 := e.i.word(e.mem, o, 8)
	if err := firstErr(err1, err2); err != nil {
		return nil, err
	}
	if w0 == 0 {
		return nil, fmt.Errorf("%s is a nil interface", o.name)
	}
	rtype := w0
	if st, ok := resolve(t.Type).(*godwarf.StructType); ok && len(st.Field) > 0 && st.Field[0].Name == "tab" {
		rt, err := readU64(e.mem, w0+8)
		if err != nil {
			return nil, fmt.Errorf("read itab at %#x: %w", w0, err)
		}
		rtype = rt
	}
	dt, err := e.i.runtimeType(rtype)
	if err != nil {
		return nil, err
	}
	if e.i.directIface(e.mem, rtype, dt) {
		b := make([]byte, 8)
		binary.LittleEndian.PutUint64(b, data)
		return &object{name: o.name, typ: dt, buf: b[:dt.Size()]}, nil
	}
	return memObject(o.name, dt, data), nil
}

// method is the method value o.name as Go names its code: pkg.T.M for a
// value receiver, pkg.(*T).M for a pointer one (taken on a pointer or on an
// addressable value, as Go does).
func (e *evaluator) method(o *object, name string) (*evalue, bool) {
	t := o.typ
	ptr := false
	if pt, ok := resolve(t).(*godwarf.PtrType); ok && pt.Type != nil {
		t, ptr = pt.Type, true
	}
	tn := typeString(t)
	slash := strings.LastIndex(tn, "/")
	dot := strings.LastIndex(tn, ".")
	if dot <= slash || strings.ContainsAny(tn, "[]*(){} ") {
		return nil, false
	}
	pkg, base := tn[:dot], tn[dot+1:]
	cands := []string{tn + "." + name}
	if ptr || o.inMem {
		cands = append(cands, pkg+".(*"+base+")."+name)
	}
	for _, c := range cands {
		if v, ok := e.funcValue(c, true); ok {
			return v, true
		}
	}
	return e.promotedMethod(o, name, 0)
}

// promotedMethod finds a method of an embedded field (Go spec "Struct
// types": promoted methods), the shallowest first.
func (e *evaluator) promotedMethod(o *object, name string, depth int) (*evalue, bool) {
	if depth > 4 {
		return nil, false
	}
	if _, ok := resolve(o.typ).(*godwarf.PtrType); ok {
		d, err := e.i.deref(e.mem, o)
		if err != nil {
			return nil, false
		}
		o = d
	}
	st, ok := resolve(o.typ).(*godwarf.StructType)
	if !ok {
		return nil, false
	}
	var inner []*object
	for _, f := range st.Field {
		if !f.Embedded {
			continue
		}
		fo := o.sub(o.name+"."+f.Name, f.Type, f.ByteOffset)
		if _, isIface := ifaceType(f.Type); isIface {
			if d, err := e.dynamic(fo, mustIface(f.Type)); err == nil {
				fo = d
			}
		}
		t := fo.typ
		ptr := false
		if pt, ok := resolve(t).(*godwarf.PtrType); ok && pt.Type != nil {
			t, ptr = pt.Type, true
		}
		tn := typeString(t)
		slash, dot := strings.LastIndex(tn, "/"), strings.LastIndex(tn, ".")
		if dot > slash && !strings.ContainsAny(tn, "[]*(){} ") {
			cands := []string{tn + "." + name}
			if ptr || fo.inMem {
				cands = append(cands, tn[:dot]+".(*"+tn[dot+1:]+")."+name)
			}
			for _, c := range cands {
				if v, ok := e.funcValue(c, true); ok {
					return v, true
				}
			}
		}
		inner = append(inner, fo)
	}
	for _, fo := range inner {
		if v, ok := e.promotedMethod(fo, name, depth+1); ok {
			return v, true
		}
	}
	return nil, false
}

func mustIface(t godwarf.Type) *godwarf.InterfaceType {
	it, _ := ifaceType(t)
	return it
}

// embeddedPtrField finds name in a struct embedded by pointer (type T
// struct{ *base }), which field() leaves alone: its fields are elsewhere.
func (e *evaluator) embeddedPtrField(o *object, name string) (*object, bool, error) {
	if _, ok := resolve(o.typ).(*godwarf.PtrType); ok {
		d, err := e.i.deref(e.mem, o)
		if err != nil {
			return nil, false, nil
		}
		o = d
	}
	st, ok := resolve(o.typ).(*godwarf.StructType)
	if !ok {
		return nil, false, nil
	}
	for _, f := range st.Field {
		if !f.Embedded {
			continue
		}
		if _, isPtr := resolve(f.Type).(*godwarf.PtrType); !isPtr {
			continue
		}
		p := o.sub(o.name+"."+f.Name, f.Type, f.ByteOffset)
		d, err := e.i.deref(e.mem, p)
		if err != nil {
			continue
		}
		if g, err := e.i.field(e.mem, d, name); err == nil {
			g.name = o.name + "." + name
			return g, true, nil
		}
	}
	return nil, false, nil
}

// chanField reads a field of a Go channel's runtime.hchan (qcount,
// dataqsiz, closed, ...); buf reads as a pointer to an array of dataqsiz
// elements, so ch.buf[0] is the first slot of the ring, as Delve shows it.
func (e *evaluator) chanField(o *object, ct *godwarf.ChanType, name string) (*evalue, error) {
	h, err := e.i.deref(e.mem, &object{name: o.name, typ: ct.TypedefType.Type, addr: o.addr, buf: o.buf, inMem: o.inMem, err: o.err})
	if err != nil {
		return nil, err
	}
	f, err := e.i.field(e.mem, h, name)
	if err != nil {
		return nil, err
	}
	if name != "buf" {
		return &evalue{o: f}, nil
	}
	n, err := e.chanWord(o, ct, "dataqsiz")
	if err != nil {
		return nil, err
	}
	arr := &godwarf.ArrayType{CommonType: godwarf.CommonType{ByteSize: int64(n) * ct.ElemType.Size(),
		Name: fmt.Sprintf("[%d]%s", n, typeString(ct.ElemType))}, Type: ct.ElemType, Count: int64(n), StrideBitSize: 0}
	f.typ = e.pointerTo(arr)
	return &evalue{o: f}, nil
}

// chanWord reads one integer field of a channel's hchan (0 for nil).
func (e *evaluator) chanWord(o *object, ct *godwarf.ChanType, name string) (uint64, error) {
	p, err := e.i.word(e.mem, o, 0)
	if err != nil || p == 0 {
		return 0, err
	}
	pt, ok := resolve(ct.TypedefType.Type).(*godwarf.PtrType)
	if !ok {
		return 0, fmt.Errorf("channel layout: %s", ct.TypedefType.Type)
	}
	off, ft, err := fieldPath(pt.Type, name)
	if err != nil {
		return 0, err
	}
	v := e.i.decode(e.mem, memObject(name, ft, p+uint64(off)), 0)
	if v.Kind == Uint {
		return v.Uint, nil
	}
	if v.Kind == Int {
		return uint64(v.Int), nil
	}
	return 0, fmt.Errorf("channel %s: %s", name, v.Err)
}

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

func goPackage(fn string) string {
	slash := strings.LastIndex(fn, "/")
	dot := strings.Index(fn[slash+1:], ".")
	if dot < 0 {
		return ""
	}
	return fn[:slash+1+dot]
}

func (i *Info) lookupVar(s *scope, name string) *godwarf.Tree {
	for k := len(s.path) - 1; k >= 0; k-- {
		for _, c := range s.path[k].Children {
			if c.Tag != dwarf.TagVariable && c.Tag != dwarf.TagFormalParameter {
				continue
			}
			if n, _ := c.Val(dwarf.AttrName).(string); n == name && (c.Tag == dwarf.TagFormalParameter || i.visible(s, c)) {
				return c
			}
		}
	}
	return nil
}

func (i *Info) globalObject(name string) (*object, bool) {
	off, ok := i.globalDIE(name)
	if !ok {
		return nil, false
	}
	addr, ok := i.dieAddr(off)
	if !ok {
		return nil, false
	}
	r := i.dw.Reader()
	r.Seek(off)
	e, err := r.Next()
	if err != nil || e == nil {
		return nil, false
	}
	toff, ok := e.Val(dwarf.AttrType).(dwarf.Offset)
	if !ok {
		return nil, false
	}
	t, err := i.readType(toff)
	if err != nil {
		return &object{name: name, typ: &godwarf.VoidType{}, err: err}, true
	}
	return memObject(name, t, addr+i.bias), true
}

func (i *Info) deref(mem Memory, o *object) (*object, error) {
	pt, ok := resolve(o.typ).(*godwarf.PtrType)
	if !ok {
		return nil, fmt.Errorf("%s (%s) is not a pointer", o.name, typeString(o.typ))
	}
	p, err := i.word(mem, o, 0)
	if err != nil {
		return nil, err
	}
	if p == 0 {
		return nil, fmt.Errorf("%s is nil", o.name)
	}
	return memObject("*"+o.name, pt.Type, p), nil
}

func (i *Info) field(mem Memory, o *object, name string) (*object, error) {
	if _, ok := resolve(o.typ).(*godwarf.PtrType); ok {
		d, err := i.deref(mem, o)
		if err != nil {
			return nil, err
		}
		o = d
	}
	st, ok := resolve(o.typ).(*godwarf.StructType)
	if !ok {
		return nil, fmt.Errorf("%s (%s) has no fields", o.name, typeString(o.typ))
	}
	for _, f := range st.Field {
		if f.Name == name {
			return o.sub(o.name+"."+name, f.Type, f.ByteOffset), nil
		}
	}
	// A field promoted from an embedded struct (Go spec "Struct types"):
	// the shallowest one, as Go resolves b.val to b.base.val.
	if f, ok := promoted(st, name, 0); ok {
		return o.sub(o.name+"."+name, f.Type, f.ByteOffset), nil
	}
	return nil, fmt.Errorf("%s (%s) has no field %s", o.name, typeString(o.typ), name)
}

func promoted(st *godwarf.StructType, name string, depth int) (godwarf.StructField, bool) {
	if depth > 8 {
		return godwarf.StructField{}, false
	}
	var inner []godwarf.StructField
	for _, f := range st.Field {
		if !f.Embedded {
			continue
		}
		est, ok := resolve(f.Type).(*godwarf.StructType)
		if !ok {
			continue
		}
		for _, g := range est.Field {
			if g.Name == name {
				g.ByteOffset += f.ByteOffset
				return *g, true
			}
		}
		inner = append(inner, *f)
	}
	for _, f := range inner {
		if g, ok := promoted(resolve(f.Type).(*godwarf.StructType), name, depth+1); ok {
			g.ByteOffset += f.ByteOffset
			return g, true
		}
	}
	return godwarf.StructField{}, false
}

var byteType = &godwarf.UintType{BasicType: godwarf.BasicType{CommonType: godwarf.CommonType{ByteSize: 1, Name: "uint8"}, BitSize: 8}}

func (i *Info) index(mem Memory, o *object, n int64) (*object, error) {
	name := fmt.Sprintf("%s[%d]", o.name, n)
	switch t := resolve(o.typ).(type) {
	case *godwarf.ArrayType:
		if n < 0 || (t.Count >= 0 && n >= t.Count) {
			return nil, fmt.Errorf("index %d out of range [0,%d)", n, t.Count)
		}
		return o.sub(name, t.Type, n*t.Type.Size()), nil
	case *godwarf.SliceType:
		ptr, err := i.indexHeader(mem, o, n)
		if err != nil {
			return nil, err
		}
		return memObject(name, t.ElemType, ptr+uint64(n*t.ElemType.Size())), nil
	case *godwarf.StringType:
		// A Go string's bytes, as s[i] in Go: a byte (48 for "0").
		ptr, err := i.indexHeader(mem, o, n)
		if err != nil {
			return nil, err
		}
		return memObject(name, byteType, ptr+uint64(n)), nil
	case *godwarf.PtrType:
		p, err := i.word(mem, o, 0)
		if err != nil {
			return nil, err
		}
		if arr, isArr := resolve(t.Type).(*godwarf.ArrayType); isArr {
			return i.index(mem, memObject("*"+o.name, arr, p), n)
		}
		return memObject(name, t.Type, p+uint64(n*t.Type.Size())), nil
	}
	return nil, fmt.Errorf("%s (%s) cannot be indexed", o.name, typeString(o.typ))
}

func mapTypeOf(t godwarf.Type) *godwarf.MapType {
	if mt, ok := t.(*godwarf.MapType); ok {
		return mt
	}
	mt, _ := resolve(t).(*godwarf.MapType)
	return mt
}

func (i *Info) indexHeader(mem Memory, o *object, n int64) (uint64, error) {
	ptr, err1 := i.word(mem, o, 0)
	ln, err2 := i.word(mem, o, 8)
	if e := firstErr(err1, err2); e != nil {
		return 0, e
	}
	if n < 0 || uint64(n) >= ln {
		return 0, fmt.Errorf("index %d out of range [0,%d)", n, ln)
	}
	return ptr, nil
}

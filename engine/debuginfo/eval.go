package debuginfo

import (
	"debug/dwarf"
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
	if t.Tag == dwarf.TagEnumerator { // a C enumerator: an int constant
		if n, ok := t.Val(dwarf.AttrConstValue).(int64); ok {
			return &evalue{c: constant.MakeInt64(n)}, true
		}
		return nil, false
	}
	typ, err := treeType(t, e.i.dw, e.i.typeCache)
	if err != nil {
		return nil, false
	}
	var c constant.Value
	switch cv := t.Val(dwarf.AttrConstValue).(type) {
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

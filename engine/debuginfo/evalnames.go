package debuginfo

import (
	"debug/dwarf"
	"encoding/binary"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// attrGoPackageName is DW_AT_go_package_name, the Go linker's attribute
// naming a compile unit's package (cmd/internal/dwarf: its CU is named by
// the import path, "github.com/x/dir.io", the package may be "dirio").
const attrGoPackageName dwarf.Attr = 0x2905

// nameIndex holds what Eval looks up by name beyond variables: functions
// (for function and method values), constants (DW_TAG_constant), types
// (for conversions) and packages (name -> import paths). Built on first use
// by one pass over the top-level DIEs.
type nameIndex struct {
	funcs  map[string]dwarf.Offset // subprograms with code: "main.afunc", "main.(*T).M"
	consts map[string]dwarf.Offset
	types  map[string]dwarf.Offset
	pkgs   map[string][]string // package name -> import paths
	// imports caches each source file's import names (local name -> path).
	imports map[string]map[string]string
}

func (i *Info) names() *nameIndex {
	if i.nidx != nil {
		return i.nidx
	}
	x := &nameIndex{funcs: map[string]dwarf.Offset{}, consts: map[string]dwarf.Offset{},
		types: map[string]dwarf.Offset{}, pkgs: map[string][]string{}, imports: map[string]map[string]string{}}
	i.nidx = x
	if i.dw == nil {
		return x
	}
	// The same pass fills globalDIE's index when it is not built yet: one
	// walk over .debug_info instead of two (0.7 s each on a 13 MB Go binary
	// here).
	globals := i.globals == nil
	if globals {
		i.globals = map[string]dwarf.Offset{}
	}
	i.walk(func(e *dwarf.Entry) bool {
		name, _ := e.Val(dwarf.AttrName).(string)
		switch e.Tag {
		case dwarf.TagCompileUnit, dwarf.TagPartialUnit:
			if pn, ok := e.Val(attrGoPackageName).(string); ok && name != "" {
				x.pkgs[pn] = append(x.pkgs[pn], name)
			}
			return true
		case dwarf.TagNamespace:
			return true
		case dwarf.TagVariable:
			if _, ok := e.Val(dwarf.AttrLocation).([]byte); ok && globals && name != "" {
				i.globals[name] = e.Offset
			}
		case dwarf.TagSubprogram:
			if _, ok := e.Val(dwarf.AttrLowpc).(uint64); ok && name != "" {
				if _, dup := x.funcs[name]; !dup {
					x.funcs[name] = e.Offset
				}
			}
		case dwarf.TagConstant, dwarf.TagEnumerator:
			if name != "" {
				if _, dup := x.consts[name]; !dup {
					x.consts[name] = e.Offset
				}
			}
		case dwarf.TagEnumerationType:
			if name != "" {
				x.types[name] = e.Offset
			}
			return true // its enumerators are constants too
		case dwarf.TagBaseType, dwarf.TagTypedef, dwarf.TagStructType, dwarf.TagPointerType,
			dwarf.TagArrayType, dwarf.TagUnionType, dwarf.TagSubroutineType,
			dwarf.TagClassType:
			if name != "" {
				if _, dup := x.types[name]; !dup {
					x.types[name] = e.Offset
				}
			}
		}
		return false
	})
	return x
}

// fileImports reads the import clauses of a Go source file (go/parser,
// ImportsOnly): local name -> import path, the renamed ones included. A
// file that cannot be read gives none: the packages' own names still work.
func (x *nameIndex) fileImports(file string) map[string]string {
	if m, ok := x.imports[file]; ok {
		return m
	}
	m := map[string]string{}
	x.imports[file] = m
	if file == "" || !strings.HasSuffix(file, ".go") {
		return m
	}
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ImportsOnly)
	if err != nil {
		return m
	}
	for _, im := range f.Imports {
		path, err := strconv.Unquote(im.Path.Value)
		if err != nil {
			continue
		}
		if im.Name != nil && im.Name.Name != "_" && im.Name.Name != "." {
			m[im.Name.Name] = path
		}
	}
	return m
}

// pathToPrefix escapes an import path as the Go toolchain writes it in
// symbol names (cmd/internal/objabi.PathToPrefix): '.' in the last element,
// '%', '"' and control or non-ASCII bytes become %xx, so the variable A of
// "x/dir.io" is "x/dir%2eio.A" (its constants keep the plain path).
func pathToPrefix(s string) string {
	slash := strings.LastIndex(s, "/")
	var b strings.Builder
	for k := 0; k < len(s); k++ {
		c := s[k]
		if c <= ' ' || (c == '.' && k > slash) || c == '%' || c == '"' || c >= 0x7f {
			fmt.Fprintf(&b, "%%%02x", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// qualifiedNames lists the linker names a source name may have, in the
// order tried: as written, in the current package, and with its first
// element read as an import's local name or a package's name.
func (e *evaluator) qualifiedNames(name string) []string {
	out := []string{name}
	add := func(path, rest string) {
		out = append(out, path+"."+rest)
		if p := pathToPrefix(path); p != path {
			out = append(out, p+"."+rest)
		}
	}
	if e.pkg != "" {
		add(e.pkg, name)
	}
	dot := strings.IndexByte(name, '.')
	if dot <= 0 {
		return out
	}
	first, rest := name[:dot], name[dot+1:]
	x := e.i.names()
	if e.s != nil {
		if path, ok := x.fileImports(e.s.file)[first]; ok {
			add(path, rest)
		}
	}
	for _, path := range x.pkgs[first] {
		if path != first {
			add(path, rest)
		}
	}
	return out
}

// basicTypes are Go's predeclared types, made when the program's DWARF
// lacks one (a program that never uses int8 has no int8 type).
var basicTypes = map[string]func() godwarf.Type{}

func init() {
	mk := func(name string, size int64, kind string) {
		basicTypes[name] = func() godwarf.Type {
			b := godwarf.BasicType{CommonType: godwarf.CommonType{ByteSize: size, Name: name}, BitSize: 8 * size}
			switch kind {
			case "int":
				return &godwarf.IntType{BasicType: b}
			case "uint":
				return &godwarf.UintType{BasicType: b}
			case "float":
				return &godwarf.FloatType{BasicType: b}
			}
			return &godwarf.BoolType{BasicType: b}
		}
	}
	for _, n := range []int64{1, 2, 4, 8} {
		mk("int"+strconv.FormatInt(8*n, 10), n, "int")
		mk("uint"+strconv.FormatInt(8*n, 10), n, "uint")
	}
	mk("int", 8, "int")
	mk("uint", 8, "uint")
	mk("uintptr", 8, "uint")
	mk("float32", 4, "float")
	mk("float64", 8, "float")
	mk("bool", 1, "bool")
}

// goAliases are Go's predeclared alias types: DWARF names the target.
var goAliases = map[string]string{"byte": "uint8", "rune": "int32"}

// typeNamed finds a type by the name the program's DWARF gives it, trying
// the current package and import names for a qualified one.
func (e *evaluator) typeNamed(name string) (godwarf.Type, bool) {
	if a, ok := goAliases[name]; ok && e.isGo() {
		name = a
	}
	x := e.i.names()
	cands := []string{name}
	if e.isGo() && !strings.ContainsAny(name, "[]*() ") {
		cands = e.qualifiedNames(name)
	}
	for _, c := range cands {
		if off, ok := x.types[c]; ok {
			if t, err := e.i.readType(off); err == nil {
				return t, true
			}
		}
	}
	if mk, ok := basicTypes[name]; ok && e.isGo() {
		return mk(), true
	}
	return nil, false
}

// typeOf resolves a type expression of the source (an identifier, pkg.T,
// *T, []T, map[K]V, ...) to a DWARF type; a pointer type the program never
// spelled is made from its element type.
func (e *evaluator) typeOf(x ast.Expr) (godwarf.Type, error) {
	switch t := x.(type) {
	case *ast.ParenExpr:
		return e.typeOf(t.X)
	case *ast.StarExpr:
		elem, err := e.typeOf(t.X)
		if err != nil {
			return nil, err
		}
		return e.pointerTo(elem), nil
	case *ast.UnaryExpr:
		if t.Op == token.ARROW { // a C cast spelled (T *) turned into <- by cCasts
			if ct, ok := e.casts[e.fset.Position(t.OpPos).Offset]; ok {
				return ct, nil
			}
		}
	case *ast.Ident:
		if ct, ok := e.ctypes[t.Name]; ok {
			return ct, nil
		}
	}
	name := exprString(x)
	if t, ok := e.typeNamed(name); ok {
		return t, nil
	}
	// A slice or array type the program never spelled, of a type it has.
	if at, ok := x.(*ast.ArrayType); ok {
		elem, err := e.typeOf(at.Elt)
		if err != nil {
			return nil, err
		}
		if at.Len == nil {
			return e.sliceOf(elem), nil
		}
		lv, err := e.eval(at.Len)
		if err != nil {
			return nil, err
		}
		n, err := e.intOf(lv, exprSrc(at.Len))
		if err != nil || n < 0 || n > 1<<40/max(elem.Size(), 1) {
			return nil, fmt.Errorf("bad array length in %s", name)
		}
		return &godwarf.ArrayType{CommonType: godwarf.CommonType{ByteSize: n * elem.Size(),
			Name: fmt.Sprintf("[%d]%s", n, typeString(elem))}, Type: elem, Count: n}, nil
	}
	return nil, fmt.Errorf("no type %s", name)
}

// pointerTo is the type *elem: the program's own when it has one.
func (e *evaluator) pointerTo(elem godwarf.Type) godwarf.Type {
	name := "*" + typeString(elem)
	if off, ok := e.i.names().types[name]; ok {
		if t, err := e.i.readType(off); err == nil {
			if pt, ok := t.(*godwarf.PtrType); ok && pt.Type != nil && typeString(pt.Type) == typeString(elem) {
				return t
			}
		}
	}
	return &godwarf.PtrType{CommonType: godwarf.CommonType{ByteSize: 8, Name: name}, Type: elem}
}

// sliceOf is the type []elem, the program's own or made.
func (e *evaluator) sliceOf(elem godwarf.Type) godwarf.Type {
	name := "[]" + typeString(elem)
	if off, ok := e.i.names().types[name]; ok {
		if t, err := e.i.readType(off); err == nil {
			if _, ok := t.(*godwarf.SliceType); ok {
				return t
			}
		}
	}
	it := e.intType()
	st := godwarf.StructType{CommonType: godwarf.CommonType{ByteSize: 24, Name: name}, StructName: name, Kind: "struct",
		Field: []*godwarf.StructField{
			{Name: "array", Type: e.pointerTo(elem), ByteOffset: 0},
			{Name: "len", Type: it, ByteOffset: 8},
			{Name: "cap", Type: it, ByteOffset: 16},
		}}
	return &godwarf.SliceType{StructType: st, ElemType: elem}
}

func (e *evaluator) intType() godwarf.Type {
	if t, ok := e.typeNamed("int"); ok {
		return t
	}
	return basicTypes["int"]()
}

func (e *evaluator) boolType() godwarf.Type {
	if e.isGo() {
		if t, ok := e.typeNamed("bool"); ok {
			return t
		}
	}
	return basicTypes["bool"]()
}

// exprString spells a type expression as Go's DWARF names types.
func exprString(x ast.Expr) string {
	switch t := x.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.SelectorExpr:
		return exprString(t.X) + "." + t.Sel.Name
	case *ast.StarExpr:
		return "*" + exprString(t.X)
	case *ast.ParenExpr:
		return exprString(t.X)
	case *ast.ArrayType:
		if t.Len == nil {
			return "[]" + exprString(t.Elt)
		}
		return "[" + exprString(t.Len) + "]" + exprString(t.Elt)
	case *ast.BasicLit:
		return t.Value
	case *ast.MapType:
		return "map[" + exprString(t.Key) + "]" + exprString(t.Value)
	case *ast.ChanType:
		switch t.Dir {
		case ast.SEND:
			return "chan<- " + exprString(t.Value)
		case ast.RECV:
			return "<-chan " + exprString(t.Value)
		}
		return "chan " + exprString(t.Value)
	case *ast.InterfaceType:
		if t.Methods == nil || len(t.Methods.List) == 0 {
			return "interface {}"
		}
	}
	return fmt.Sprintf("%T", x)
}

// funcValue finds a function by its linker name and gives it as a Go func
// value: its entry and its signature (without the receiver for a method
// value, as Go's method values drop it).
func (e *evaluator) funcValue(name string, method bool) (*evalue, bool) {
	off, ok := e.i.names().funcs[name]
	if !ok {
		return nil, false
	}
	t := e.i.tree(off)
	if t == nil {
		return nil, false
	}
	pc, _ := t.Val(dwarf.AttrLowpc).(uint64)
	var params, results []string
	for _, c := range t.Children {
		if c.Tag != dwarf.TagFormalParameter {
			continue
		}
		ct, err := treeType(c, e.i.dw, e.i.typeCache)
		if err != nil {
			continue
		}
		if isResult(c) {
			results = append(results, typeString(ct))
		} else {
			params = append(params, typeString(ct))
		}
	}
	if method && len(params) > 0 {
		params = params[1:]
	}
	sig := "func(" + strings.Join(params, ", ") + ")"
	switch len(results) {
	case 0:
	case 1:
		sig += " " + results[0]
	default:
		sig += " (" + strings.Join(results, ", ") + ")"
	}
	return &evalue{fn: name, fnPC: pc + e.i.bias, fnType: sig}, true
}

// decodeFunc reads a Go func value: a pointer to a funcval whose first
// word is the code's entry (runtime/runtime2.go funcval); it reads as the
// function's name, Delve's main.afunc. A C function pointer is its target.
func (i *Info) decodeFunc(mem Memory, o *object, v Value) Value {
	p, err := o.bytesOf(mem, 8)
	if err != nil {
		return unreadable(o.name, v.Type, err)
	}
	fv := binary.LittleEndian.Uint64(p)
	v.Addr = fv
	if fv == 0 {
		v.Kind = Nil
		return v
	}
	if !i.isGo {
		v.Kind = Pointer
		return v
	}
	pc, err := readU64(mem, fv)
	if err != nil {
		return unreadable(o.name, v.Type, fmt.Errorf("read funcval at %#x: %w", fv, err))
	}
	v.Kind, v.Addr, v.Str = Func, pc, i.FuncName(pc)
	return v
}

package debuginfo

import (
	"debug/dwarf"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// Eval evaluates a small expression in the scope of regs.PC(): a name (a
// local, an argument, or a global such as main.counter, or counter in the
// current function's package), then any of `.field`, `[n]`, `->field`, and
// a leading `*p`; a pointer before `.field` or `[n]` of a Go value is
// dereferenced as Go does. `m["k"]` and `m[3]` look a key up in a Go map
// (string and integer keys). Arithmetic is not supported.
func (i *Info) Eval(mem Memory, regs Registers, expr string) (Value, error) {
	s, err := i.scopeAt(mem, regs)
	if err != nil && !errorsIsNoFunc(err) {
		return Value{}, err
	}
	p := &parser{src: expr, i: i, mem: mem, s: s}
	o, err := p.unary()
	if err == nil {
		p.skipSpace()
		if p.pos < len(p.src) {
			err = fmt.Errorf("unexpected %q at %d", p.src[p.pos:], p.pos)
		}
	}
	if err != nil {
		return Value{}, fmt.Errorf("eval %q: %w", expr, err)
	}
	v := i.decode(mem, o, 0)
	v.Name = expr
	return v, nil
}

func errorsIsNoFunc(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "no debug information for pc")
}

type parser struct {
	src string
	pos int
	i   *Info
	mem Memory
	s   *scope // nil outside any function: globals only
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
}

func (p *parser) peek(tok string) bool {
	p.skipSpace()
	return strings.HasPrefix(p.src[p.pos:], tok)
}

func isIdent(c byte, first bool) bool {
	return c == '_' || c == '/' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || !first && c >= '0' && c <= '9' || c >= 0x80
}

func (p *parser) ident() (string, error) {
	p.skipSpace()
	start := p.pos
	for p.pos < len(p.src) && isIdent(p.src[p.pos], p.pos == start) {
		p.pos++
	}
	if start == p.pos {
		return "", fmt.Errorf("name expected at %d", start)
	}
	return p.src[start:p.pos], nil
}

func (p *parser) unary() (*object, error) {
	if p.peek("*") {
		p.pos++
		o, err := p.unary()
		if err != nil {
			return nil, err
		}
		return p.i.deref(p.mem, o)
	}
	return p.postfix()
}

func (p *parser) postfix() (*object, error) {
	var o *object
	var err error
	if p.peek("(") {
		p.pos++
		if o, err = p.unary(); err != nil {
			return nil, err
		}
		if !p.peek(")") {
			return nil, fmt.Errorf("')' expected at %d", p.pos)
		}
		p.pos++
	} else if o, err = p.name(); err != nil {
		return nil, err
	}
	for {
		switch {
		case p.peek("->"):
			p.pos += 2
			fallthrough
		case p.peek("."):
			if p.src[p.pos] == '.' {
				p.pos++
			}
			f, err := p.ident()
			if err != nil {
				return nil, err
			}
			if o, err = p.i.field(p.mem, o, f); err != nil {
				return nil, err
			}
		case p.peek("["):
			p.pos++
			k, err := p.indexKey()
			if err != nil {
				return nil, err
			}
			if mt := mapTypeOf(o.typ); mt != nil {
				o, err = p.i.mapIndex(p.mem, o, mt, k)
			} else if k.isStr || k.big {
				err = fmt.Errorf("index %s of %s (%s): only integer constants", k.src, o.name, typeString(o.typ))
			} else {
				o, err = p.i.index(p.mem, o, k.n)
			}
			if err != nil {
				return nil, err
			}
		default:
			return o, nil
		}
	}
}

// indexKey is the constant between [ and ]: a Go string literal
// ("one", `one`) or an integer (decimal, 0x.., negative).
type indexKey struct {
	src   string
	isStr bool
	str   string
	n     int64
	big   bool   // above MaxInt64: only u holds it
	u     uint64 // n as unsigned, for n >= 0 or big
}

// indexKey parses the key and the closing ']'.
func (p *parser) indexKey() (indexKey, error) {
	p.skipSpace()
	rest := p.src[p.pos:]
	var k indexKey
	if strings.HasPrefix(rest, `"`) || strings.HasPrefix(rest, "`") {
		lit, err := strconv.QuotedPrefix(rest)
		if err != nil {
			return k, fmt.Errorf("string key at %d: %w", p.pos, err)
		}
		k.src, k.isStr = lit, true
		k.str, _ = strconv.Unquote(lit)
		p.pos += len(lit)
	} else {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return k, fmt.Errorf("']' expected")
		}
		k.src = strings.TrimSpace(rest[:end])
		if n, err := strconv.ParseInt(k.src, 0, 64); err == nil {
			k.n, k.u = n, uint64(n)
		} else if u, err := strconv.ParseUint(k.src, 0, 64); err == nil {
			k.u, k.big = u, true
		} else {
			return k, fmt.Errorf("index %q: only integer and string constants", k.src)
		}
		p.pos += end
	}
	if !p.peek("]") {
		return k, fmt.Errorf("']' expected at %d", p.pos)
	}
	p.pos++
	return k, nil
}

// name resolves the leading name: a variable in scope (innermost first),
// else the longest dotted prefix naming a global, tried as written and
// qualified with the current function's package.
func (p *parser) name() (*object, error) {
	first, err := p.ident()
	if err != nil {
		return nil, err
	}
	if p.s != nil {
		if n := p.i.lookupVar(p.s, first); n != nil {
			return p.i.varObject(p.mem, p.s, n), nil
		}
	}
	// Collect the dotted parts that follow, for a qualified global name.
	parts := []string{first}
	ends := []int{p.pos}
	for save := p.pos; ; {
		if !p.peek(".") {
			break
		}
		p.pos++
		id, err := p.ident()
		if err != nil {
			p.pos = save
			break
		}
		parts = append(parts, id)
		ends = append(ends, p.pos)
		save = p.pos
	}
	pkg := ""
	if p.s != nil && p.s.fn.isGo() {
		pkg = goPackage(p.s.fn.name)
	}
	for k := len(parts); k >= 1; k-- {
		name := strings.Join(parts[:k], ".")
		cands := []string{name}
		if pkg != "" {
			cands = append(cands, pkg+"."+name)
		}
		for _, c := range cands {
			if o, ok := p.i.globalObject(c); ok {
				p.pos = ends[k-1]
				return o, nil
			}
		}
	}
	return nil, fmt.Errorf("no variable %q in scope", first)
}

// goPackage is the package path of a Go function name:
// "github.com/a/b.(*T).M" -> "github.com/a/b".
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

// promoted finds name among the fields of st's embedded structs (DWARF's
// DW_AT_go_embedded_field), breadth first; ByteOffset is from st's start.
// Embedded pointers are not followed: their fields are elsewhere in memory.
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

// byteType is Go's byte, the element of a string indexed by str[i].
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

// mapTypeOf is the Go map type of t, through typedefs; nil for others.
func mapTypeOf(t godwarf.Type) *godwarf.MapType {
	if mt, ok := t.(*godwarf.MapType); ok {
		return mt
	}
	mt, _ := resolve(t).(*godwarf.MapType)
	return mt
}

// mapIndex finds key k in the Go map o by reading every full slot of every
// group, not only the entries decode shows; a missing key is an error (a
// debugger asked for m[k] wants to know, where Go would give the zero
// value). Keys are compared in the tracee's bytes: strings by length and
// then content, integers by value.
func (i *Info) mapIndex(mem Memory, o *object, t *godwarf.MapType, k indexKey) (*object, error) {
	name := o.name + "[" + k.src + "]"
	kt := resolve(t.KeyType)
	switch kt.(type) {
	case *godwarf.StringType:
		if !k.isStr {
			return nil, fmt.Errorf("%s: key %s is not a string (%s)", o.name, k.src, typeString(t.KeyType))
		}
	case *godwarf.IntType, *godwarf.UintType, *godwarf.CharType, *godwarf.UcharType:
		if k.isStr {
			return nil, fmt.Errorf("%s: key %s is not an integer (%s)", o.name, k.src, typeString(t.KeyType))
		}
	default:
		return nil, fmt.Errorf("%s: keys of type %s cannot be looked up", o.name, typeString(t.KeyType))
	}
	mp, l, err := i.readMap(mem, o, t)
	if err != nil {
		return nil, err
	}
	if mp == 0 {
		return nil, fmt.Errorf("%s is a nil map: no key %s", o.name, k.src)
	}
	var found *object
	var kerr error
	err = i.eachSlot(mem, l, func(ka, ea uint64) bool {
		ko := i.slotObject(mem, "key", l.keyT, t.KeyType, ka)
		eq, err := i.keyEquals(mem, ko, kt, k)
		if err != nil {
			kerr = err
			return false
		}
		if eq {
			found = i.slotObject(mem, name, l.elemT, t.ElemType, ea)
			found.name = name
			return false
		}
		return true
	})
	if e := firstErr(err, kerr); e != nil {
		return nil, fmt.Errorf("%s: map at %#x: %w", name, mp, e)
	}
	if found == nil {
		return nil, fmt.Errorf("%s: no key %s in the map (%d entries)", o.name, k.src, l.used)
	}
	return found, nil
}

// keyEquals compares the map key ko, of resolved type kt, with k.
func (i *Info) keyEquals(mem Memory, ko *object, kt godwarf.Type, k indexKey) (bool, error) {
	if _, ok := kt.(*godwarf.StringType); ok {
		ptr, err1 := i.word(mem, ko, 0)
		n, err2 := i.word(mem, ko, 8)
		if e := firstErr(err1, err2); e != nil {
			return false, e
		}
		if n != uint64(len(k.str)) {
			return false, nil
		}
		if n == 0 {
			return true, nil
		}
		b := make([]byte, n)
		if err := mem.ReadMemory(ptr, b); err != nil {
			return false, fmt.Errorf("read key at %#x: %w", ptr, err)
		}
		return string(b) == k.str, nil
	}
	signed := false
	switch kt.(type) {
	case *godwarf.IntType, *godwarf.CharType:
		signed = true
	}
	v := i.decodeInt(mem, ko, kt.Size(), signed, Value{})
	switch v.Kind {
	case Int:
		return !k.big && v.Int == k.n, nil
	case Uint:
		return (k.big || k.n >= 0) && v.Uint == k.u, nil
	}
	return false, errors.New(v.Err)
}

// indexHeader reads the data pointer of the slice or string header at o
// (pointer, length: the first two words of both) and checks index n
// against its length.
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

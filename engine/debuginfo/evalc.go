package debuginfo

import (
	"fmt"
	"go/token"
	"regexp"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// C syntax in Go's parser: `p->f` is Go's p.f (a pointer's field), and a
// cast `(T *)x` or `(unsigned long)x`, which Go cannot parse, becomes the
// unary operator `<-` (meaningless in a debugger: it would receive from a
// channel) recorded with its type at its offset. A parenthesized name that
// is a variable is left alone, as C resolves `(a)*b`.
var cCastRE = regexp.MustCompile(`\(\s*((?:(?:const|volatile|struct|union|enum|unsigned|signed|short|long)\s+)*[A-Za-z_]\w*)\s*(\**)\s*\)`)

func (e *evaluator) cRewrite(src string) string {
	var b strings.Builder
	inStr := byte(0)
	for k := 0; k < len(src); k++ {
		c := src[k]
		switch {
		case inStr != 0:
			if c == '\\' && k+1 < len(src) {
				b.WriteByte(c)
				k++
				c = src[k]
			} else if c == inStr {
				inStr = 0
			}
		case c == '"' || c == '\'':
			inStr = c
		case c == '-' && k+1 < len(src) && src[k+1] == '>':
			b.WriteByte('.')
			k++
			continue
		case c == '(':
			if m := cCastRE.FindStringSubmatchIndex(src[k:]); m != nil && m[0] == 0 && k+m[1] < len(src) {
				words, stars := src[k+m[2]:k+m[3]], src[k+m[4]:k+m[5]]
				next := strings.TrimLeft(src[k+m[1]:], " ")
				if t, ok := e.cType(words); ok && next != "" && !strings.ContainsAny(next[:1], ")]+/%|^<>=!,") &&
					(stars != "" || strings.Contains(words, " ") || !e.hasVar(words)) {
					for range len(stars) {
						t = e.pointerTo(t)
					}
					if e.casts == nil {
						e.casts = map[int]godwarf.Type{}
					}
					e.casts[b.Len()] = t
					b.WriteString("<-")
					k += m[1] - 1
					continue
				}
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// cType finds a C type by the way a C programmer writes it: "int",
// "struct point", "unsigned long" (gcc names it "long unsigned int").
func (e *evaluator) cType(words string) (godwarf.Type, bool) {
	f := strings.Fields(words)
	var rest []string
	for _, w := range f {
		if w != "const" && w != "volatile" {
			rest = append(rest, w)
		}
	}
	if len(rest) == 0 {
		return nil, false
	}
	x := e.i.names()
	try := func(name string) (godwarf.Type, bool) {
		if off, ok := x.types[name]; ok {
			if t, err := e.i.readType(off); err == nil {
				return t, true
			}
		}
		return nil, false
	}
	switch rest[0] {
	case "struct", "union", "enum":
		if len(rest) == 2 {
			return try(rest[1])
		}
		return nil, false
	}
	if len(rest) == 1 {
		if t, ok := try(rest[0]); ok {
			return t, true
		}
	}
	return try(gccIntName(rest))
}

// gccIntName spells C's integer types as gcc's DWARF does.
func gccIntName(words []string) string {
	unsigned, signed, longs, short, char := false, false, 0, false, false
	for _, w := range words {
		switch w {
		case "unsigned":
			unsigned = true
		case "signed":
			signed = true
		case "long":
			longs++
		case "short":
			short = true
		case "char":
			char = true
		case "int":
		default:
			return strings.Join(words, " ")
		}
	}
	switch {
	case char && unsigned:
		return "unsigned char"
	case char && signed:
		return "signed char"
	case char:
		return "char"
	}
	base := "int"
	if unsigned {
		base = "unsigned int"
	}
	switch {
	case short:
		return "short " + base
	case longs == 1:
		return "long " + base
	case longs >= 2:
		return "long long " + base
	}
	return base
}

// cCommonType is C's usual arithmetic conversion (C11 6.3.1.8), in
// short: a float operand makes the result the wider float; otherwise the
// wider integer, unsigned at equal width, at least int.
func (e *evaluator) cCommonType(a, b godwarf.Type) godwarf.Type {
	ka, kb := numKind(a), numKind(b)
	sa, sb := resolve(a).Size(), resolve(b).Size()
	if ka == nFloat || kb == nFloat {
		if ka != nFloat || (kb == nFloat && sb > sa) {
			return b
		}
		return a
	}
	t := a
	if sb > sa || (sb == sa && kb == nUint) {
		t = b
	}
	if resolve(t).Size() < 4 {
		if it, ok := e.cType("int"); ok {
			return it
		}
	}
	return t
}

// cPointerArith is C's p + n, p - n (scaled by the pointee's size) and
// p - q (in elements).
func (e *evaluator) cPointerArith(op token.Token, l, r *evalue) (*evalue, bool, error) {
	isPtr := func(v *evalue) (*godwarf.PtrType, bool) {
		if v.o == nil {
			return nil, false
		}
		pt, ok := resolve(v.o.typ).(*godwarf.PtrType)
		return pt, ok && pt.Type != nil
	}
	lp, lok := isPtr(l)
	rp, rok := isPtr(r)
	if !lok && !rok || (op != token.ADD && op != token.SUB) {
		return nil, false, nil
	}
	if lok && rok {
		if op != token.SUB {
			return nil, true, fmt.Errorf("invalid operands to binary +")
		}
		a, err1 := e.numOf(l.o)
		b, err2 := e.numOf(r.o)
		if err := firstErr(err1, err2); err != nil {
			return nil, true, err
		}
		size := max(resolve(lp.Type).Size(), 1)
		return &evalue{o: makeNum("ptrdiff", e.intTypeC(), num{k: nInt, i: int64(a.u-b.u) / size})}, true, nil
	}
	p, n, pt := l, r, lp
	if rok {
		if op == token.SUB {
			return nil, true, fmt.Errorf("invalid operands to binary -")
		}
		p, n, pt = r, l, rp
	}
	k, err := e.intOf(n, "offset")
	if err != nil {
		return nil, true, err
	}
	a, err := e.numOf(p.o)
	if err != nil {
		return nil, true, err
	}
	if op == token.SUB {
		k = -k
	}
	size := max(resolve(pt.Type).Size(), 1)
	return &evalue{o: wordObject(p.o.name, p.o.typ, a.u+uint64(k*size))}, true, nil
}

func (e *evaluator) intTypeC() godwarf.Type {
	if t, ok := e.cType("long"); ok {
		return t
	}
	return basicTypes["int64"]()
}

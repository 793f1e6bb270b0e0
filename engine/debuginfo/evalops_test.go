package debuginfo

import (
	"go/token"
	"math"
	"testing"
)

func TestPathToPrefix(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"main", "main"},
		{"github.com/x/dir.io", "github.com/x/dir%2eio"},
		{"a.b/c.d/e.f", "a.b/c.d/e%2ef"},
		{`x/we"ird%`, "x/we%22ird%25"},
	} {
		if got := pathToPrefix(c.in); got != c.want {
			t.Errorf("pathToPrefix(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestGccIntName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"unsigned long", "long unsigned int"},
		{"long long", "long long int"},
		{"unsigned", "unsigned int"},
		{"short", "short int"},
		{"unsigned short int", "short unsigned int"},
		{"signed char", "signed char"},
		{"unsigned char", "unsigned char"},
		{"long unsigned int", "long unsigned int"},
		{"size_t", "size_t"},
	} {
		if got := gccIntName(splitWords(c.in)); got != c.want {
			t.Errorf("gccIntName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func splitWords(s string) []string {
	var out []string
	w := ""
	for _, r := range s + " " {
		if r == ' ' {
			if w != "" {
				out = append(out, w)
			}
			w = ""
			continue
		}
		w += string(r)
	}
	return out
}

// TestArithWrap: the operators at the edges, before makeNum narrows the
// result to the operand type's width.
func TestArithWrap(t *testing.T) {
	i := func(v int64) num { return num{k: nInt, i: v} }
	u := func(v uint64) num { return num{k: nUint, u: v} }
	for _, c := range []struct {
		a    num
		op   token.Token
		b    num
		want num
		err  bool
	}{
		{i(math.MaxInt64), token.ADD, i(1), i(math.MinInt64), false},
		{i(math.MinInt64), token.QUO, i(-1), i(math.MinInt64), false}, // Go spec: overflow, no panic
		{i(-7), token.QUO, i(2), i(-3), false},
		{i(-7), token.REM, i(2), i(-1), false},
		{i(1), token.QUO, i(0), num{}, true},
		{u(0), token.SUB, u(1), u(math.MaxUint64), false},
		{u(0xf0), token.AND_NOT, u(0x30), u(0xc0), false},
		{u(1), token.REM, u(0), num{}, true},
		{num{k: nFloat, f: 1}, token.QUO, num{k: nFloat, f: 0}, num{k: nFloat, f: math.Inf(1)}, false},
		{num{k: nFloat, f: 1}, token.REM, num{k: nFloat, f: 2}, num{}, true},
	} {
		got, err := arith(c.op, c.a, c.b)
		if (err != nil) != c.err || (!c.err && got != c.want) {
			t.Errorf("%+v %s %+v = %+v, %v; want %+v (error %v)", c.a, c.op, c.b, got, err, c.want, c.err)
		}
	}
	// Narrowing: int8 100 + 100 wraps to -56; uint8 200 << 1 to 144.
	i8 := basicTypes["int8"]()
	o := makeNum("x", i8, i(200))
	if o.buf[0] != 0xc8 || len(o.buf) != 1 {
		t.Errorf("int8 of 200: bytes %x", o.buf)
	}
	f32 := basicTypes["float32"]()
	if o := makeNum("f", f32, num{k: nFloat, f: 0.1}); floatOf(o.buf) != float64(float32(0.1)) {
		t.Errorf("float32 of 0.1 = %v", floatOf(o.buf))
	}
}

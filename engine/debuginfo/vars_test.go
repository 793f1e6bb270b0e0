package debuginfo

import (
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

func goVars(t *testing.T, at string) *tracee {
	t.Helper()
	tr := launch(t, fixture.GoDebug(t, "govars"))
	if at == "entry" {
		tr.runTo(tr.symAddr("main.Greet"))
	} else {
		tr.runTo(tr.lineAddr(fixture.TestData("govars/main.go"), "// MID"))
	}
	return tr
}

// TestGoArgsEntry: at the first instruction Go's register ABI has the
// arguments in registers (name in rax/rbx, n in rcx), which Go's DWARF
// says with a location list of DW_OP_reg pieces; no local is declared yet.
func TestGoArgsEntry(t *testing.T) {
	tr := goVars(t, "entry")
	checkArgsLocals(t, tr, tr.regs(), "name string = \"gopher\"\nn int = 5\n", "")
}

func TestGoVarsMid(t *testing.T) {
	tr := goVars(t, "mid")
	r := tr.regs()
	want := `arr [3]string = ["a" "b" "c"]
big []int = [` + strings.TrimSpace(strings.Repeat("0 ", 64)) + `]...(100)
err *errors.errorString = *errors.errorString(&errors.errorString{s:"boom"})
iface int = int(123)
m map[string]int = map(2)["one":1 "two":2]
msg string = "gopher:5"
noerr error = nil
np *main.Point = nil
p main.Point = main.Point{X:5 Y:-7 Label:"gopher"}
pp *main.Point = &main.Point{X:5 Y:-7 Label:"gopher"}
s []int = [1 2 3]
shape main.Point = main.Point(main.Point{X:5 Y:-7 Label:"gopher"})
f float64 = 3.5
b bool = true
u uint8 = 200
`
	locals := checkArgsLocals(t, tr, r, "name string = \"gopher\"\nn int = 5\n", want)
	for _, l := range locals {
		if l.Name == "err" && l.Str != "boom" {
			t.Errorf("err: message %q, want boom", l.Str)
		}
		if l.Name == "big" && (l.Len != 100 || !l.Truncated || len(l.Fields) != maxElems) {
			t.Errorf("big: Len %d Truncated %v %d fields", l.Len, l.Truncated, len(l.Fields))
		}
	}

	checkEvals(t, tr, r, []evalCase{
		{"counter", "43"},
		{"main.counter", "43"},
		{"origin", `main.Point{X:1 Y:2 Label:"origin"}`},
		{"main.origin.Label", `"origin"`},
		{"pp.Label", `"gopher"`},
		{"(*pp).Y", "-7"},
		{"*pp", `main.Point{X:5 Y:-7 Label:"gopher"}`},
		{"s[2]", "3"},
		{"arr[1]", `"b"`},
		{"big[99]", "0"},
		{"name", `"gopher"`},
		{"f", "3.5"},
		{`m["one"]`, "1"},
		{`m["two"]`, "2"},
	})
	for _, bad := range []string{"nosuch", "s[3]", "np.X", "p.Nope", "f[0]", "s[", "*b", `m["three"]`, "m[1]", `s["a"]`, `np["a"]`} {
		if v, err := tr.info.Eval(tr, r, bad); err == nil {
			t.Errorf("Eval(%q) = %s, want an error", bad, show(v))
		}
	}
}

// checkArgsLocals checks Args and Locals at r as showAll renders them and
// returns the locals.
func checkArgsLocals(t *testing.T, tr *tracee, r Registers, wantArgs, wantLocals string) []Value {
	t.Helper()
	args, err := tr.info.Args(tr, r)
	checkValues(t, "Args", args, err, wantArgs)
	locals, err := tr.info.Locals(tr, r)
	checkValues(t, "Locals", locals, err, wantLocals)
	return locals
}

// evalCase is an expression and how show renders its value.
type evalCase struct{ expr, want string }

// evalOK evaluates expr at r; an error fails the test.
func evalOK(t *testing.T, tr *tracee, r Registers, expr string) (Value, bool) {
	t.Helper()
	v, err := tr.info.Eval(tr, r, expr)
	if err != nil {
		t.Errorf("Eval(%q): %v", expr, err)
		return v, false
	}
	return v, true
}

// checkEvals evaluates each case at r and checks show's rendering; also
// runs on each value Eval gave.
func checkEvals(t *testing.T, tr *tracee, r Registers, cases []evalCase, also ...func(expr string, v Value)) {
	t.Helper()
	for _, c := range cases {
		v, ok := evalOK(t, tr, r, c.expr)
		if !ok {
			continue
		}
		if got := show(v); got != c.want {
			t.Errorf("Eval(%q) = %s, want %s", c.expr, got, c.want)
		}
		for _, f := range also {
			f(c.expr, v)
		}
	}
}

func cVars(t *testing.T, flags ...string) *tracee {
	t.Helper()
	tr := launch(t, fixture.C(t, "cvars.c", flags...))
	tr.runTo(tr.lineAddr(fixture.TestData("cvars.c"), "/* MID */"))
	return tr
}

func TestCVars(t *testing.T) {
	tr := cVars(t, "-O0", "-g")
	r := tr.regs()
	checkArgsLocals(t, tr, r, `a int = 5
d double = 2.5
s *const char = "hello"
pp *struct point = &struct point{x:3 y:4 name:"pt" w:1.5}
p struct point = struct point{x:3 y:4 name:"pt" w:1.5}
`, `arr [4]int = [10 20 30 40]
buf [8]char = [104 105 0 0 0 0 0 0]
half double = 1.25
ul long unsigned int = 123456789012
local struct point = struct point{x:8 y:4 name:"pt" w:1.5}
ip *int = ptr
inner int = 500
`)
	checkEvals(t, tr, r, []evalCase{
		{"counter", "7"},
		{"origin.name", `"origin"`},
		{"origin.w", "0.25"},
		{"pp->y", "4"},
		{"pp.name", `"pt"`},
		{"(*pp).x", "3"},
		{"*ip", "30"},
		{"ip[1]", "40"},
		{"arr[3]", "40"},
		{"s[1]", "101"},
		{"local.x", "8"},
		{"inner", "500"},
	})
}

// TestCArgsOptimized reads arguments of gcc -O2 code, where they live in
// registers and location lists (.debug_loclists).
func TestCArgsOptimized(t *testing.T) {
	tr := launch(t, fixture.C(t, "cdeep.c", "-O2", "-g", "-fomit-frame-pointer"))
	tr.runTo(tr.symAddr("f5"))
	args, err := tr.info.Args(tr, tr.regs())
	checkValues(t, "Args", args, err, "x int = 5\n")
}

// TestGoMapIndex looks keys up in 1,000-entry maps: far past the 64
// entries a Value shows, so the lookup must walk every group of every
// table. Values are k*k and -k, so a wrong slot shows.
func TestGoMapIndex(t *testing.T) {
	tr := launch(t, fixture.GoDebug(t, "gomapcomplex"))
	tr.runTo(tr.lineAddr(fixture.TestData("gomapcomplex/main.go"), "// MID"))
	r := tr.regs()
	checkEvals(t, tr, r, []evalCase{
		{"ints[777]", "603729"},
		{"ints[0]", "0"},
		{"ints[999]", "998001"},
		{"ints[0x10]", "256"},
		{`strs["k777"]`, "-777"},
		{"strs[`k0`]", "0"},
		{`strs[ "k999" ]`, "-999"},
		{"temps[-40]", `"cold"`},
		{"temps[100]", `"boiling"`},
	}, func(expr string, v Value) {
		if v.Name != expr {
			t.Errorf("Eval(%q): Name %q", expr, v.Name)
		}
	})
	for _, bad := range []string{"ints[1000]", "ints[-1]", `ints["1"]`, `strs["k1000"]`, "strs[1]", "temps[0]", `strs["k1`, "ints[1"} {
		if v, err := tr.info.Eval(tr, r, bad); err == nil {
			t.Errorf("Eval(%q) = %s, want an error", bad, show(v))
		}
	}
}

// TestGoComplex: complex64 and complex128 read as {real, imag}, exact.
func TestGoComplex(t *testing.T) {
	tr := launch(t, fixture.GoDebug(t, "gomapcomplex"))
	tr.runTo(tr.lineAddr(fixture.TestData("gomapcomplex/main.go"), "// MID"))
	r := tr.regs()
	for _, c := range []struct {
		expr, typ, part string
		half            uint64 // bytes of one part
		re, im          float64
	}{
		{"c64", "complex64", "float32", 4, 1.5, -2.25},
		{"c128", "complex128", "float64", 8, 3.25, 4.5},
		{"zc", "complex128", "float64", 8, 0, 0},
	} {
		v, ok := evalOK(t, tr, r, c.expr)
		if !ok {
			continue
		}
		if v.Kind != Struct || v.Type != c.typ || len(v.Fields) != 2 {
			t.Errorf("Eval(%q): kind %v type %q, %d fields; want struct %s of 2", c.expr, v.Kind, v.Type, len(v.Fields), c.typ)
			continue
		}
		re, im := v.Fields[0], v.Fields[1]
		if re.Name != "real" || re.Kind != Float || re.Type != c.part || re.Float != c.re ||
			im.Name != "imag" || im.Kind != Float || im.Type != c.part || im.Float != c.im {
			t.Errorf("Eval(%q) = %+v, want real %v imag %v (%s)", c.expr, v.Fields, c.re, c.im, c.part)
		}
		if v.Addr != 0 && (re.Addr != v.Addr || im.Addr != v.Addr+c.half) {
			t.Errorf("Eval(%q): parts at %#x and %#x, value at %#x", c.expr, re.Addr, im.Addr, v.Addr)
		}
	}
	locals, err := tr.info.Locals(tr, r)
	if err != nil {
		t.Fatalf("Locals: %v", err)
	}
	shown := ""
	for _, l := range locals {
		if l.Name == "c128" {
			shown = show(l)
		}
	}
	if shown != "complex128{real:3.25 imag:4.5}" {
		t.Errorf("local c128 shows as %q", shown)
	}
}

package debuginfo

import (
	"fmt"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// exprRow is one expression of the table: the value as show() renders it,
// its type, and for arrays, slices, strings and maps its length (-1: not
// checked). err, when set, is a part of the error the expression must give.
// miss marks a known miss with its reason: counted as not right.
//
// The tables of rows (goExprGlobals, goExprLocals, cExprRows) repeat one
// shape line after line on purpose: they are data, one expression a row,
// and checkRows is the one place that evaluates and checks them.
type exprRow struct {
	expr, want, typ string
	len             int64
	err             string
	miss            string
}

func row(expr, want, typ string) exprRow { return exprRow{expr: expr, want: want, typ: typ, len: -1} }

func rowLen(expr, want, typ string, n int64) exprRow {
	return exprRow{expr: expr, want: want, typ: typ, len: n}
}

func rowErr(expr, err string) exprRow { return exprRow{expr: expr, err: err, len: -1} }

// goExprGlobals are rows on package variables and constants: they read the
// same in the unoptimized and the optimized build.
var goExprGlobals = []exprRow{
	// package-qualified and current-package globals
	row("globalInt", "7", "int"),
	row("main.globalInt", "7", "int"),
	row("globalU64", "18446744073709551615", "uint64"),
	rowLen("globalStr", `"global"`, "string", 6),
	row("dirio.A", "11", "int"),
	row(`"github.com/godbg/godbg/testdata/goexpr/dir.io".A`, "11", "int"),
	rowLen("ren.B", `"bee"`, "string", 3),
	// constants
	row("constTwo", "2", "int"),
	row("main.constTwo", "2", "int"),
	row("constBig", "1099511627776", "int"),
	row("dirio.ConstC", "12", "int"),
	row("constTwo * 3 + globalInt", "13", "int"),
	row("constNeg", "-3", "int"),
	row("constTyped", "5", "main.myint"),
	row("constTyped * 2", "10", "main.myint"),
	row("constU", "9223372036854775809", "uint64"),
	rowErr("constTyped + globalInt", "mismatched types main.myint and int"),
	// function values by name
	row("afunc", "func main.afunc", "func(int) int"),
	row("main.afunc2", "func main.afunc2", "func()"),
	row("globalFn", "func main.afunc", "func(int) int"),
	// fields, through pointers and interfaces, promoted
	row("globalP.B", "32", "int"),
	row("globalIf.A", "41", "int"),
	row("globalBase.val", "51", "int"),
	rowLen("globalBase.name", `"gb"`, "string", 2),
	row("globalBase.base.val + globalBase.extra", "103", "int"),
	// methods
	row("globalP.Error", "func main.(*astruct).Error", "func() string"),
	row("globalIf.Error", "func main.(*astruct).Error", "func() string"),
	// len, cap, slicing, indexing
	row("len(globalS)", "4", "int"),
	row("cap(globalS[1:2])", "3", "int"),
	rowLen("globalS[1:3]", "[6 7]", "[]int", 2),
	rowLen("globalStr[1:4]", `"lob"`, "string", 3),
	row("globalStr[0]", "103", "uint8"),
	row(`globalM["y"]`, "25", "int"),
	row("len(globalM)", "2", "int"),
	// channels
	row("len(globalCh)", "1", "int"),
	row("cap(globalCh)", "4", "int"),
	row("globalCh.buf[0]", "61", "int"),
	row("globalCh.closed", "0", "uint32"),
	// constant arithmetic (go/constant: exact, integer division)
	row("7 / 2", "3", "int"),
	row("7.0 / 2", "3.5", "float64"),
	row("1 << 62", "4611686018427387904", "int"),
	row("'a' + 1", "98", "int32"),
	rowLen(`"ab" + "c"`, `"abc"`, "string", 3),
	row("1 < 2 && 2.5 > 2", "true", "bool"),
	rowErr("1 << 64", "overflows int"),
	rowErr("7 / 0", "division by zero"),
}

// goExprLocals are rows on main's locals at the STOP line (-N -l build).
var goExprLocals = []exprRow{
	// arithmetic with Go's types and overflow
	row("i1 + 2", "5", "int"),
	row("i1 * i2", "-15", "int"),
	row("i2 / 2", "-2", "int"),
	row("i2 % 2", "-1", "int"),
	row("i2 >> 1", "-3", "int"),
	row("-i1", "-3", "int"),
	row("i8 + 100", "-56", "int8"),
	row("i8 * 2", "-56", "int8"),
	row("u8 << 1", "144", "uint8"),
	row("u8 & 0x0f", "8", "uint8"),
	row("u8 | 1", "201", "uint8"),
	row("u8 ^ 0xff", "55", "uint8"),
	row("u8 &^ 0x80", "72", "uint8"),
	row("^u8", "55", "uint8"),
	row("u16 + 1", "0", "uint16"),
	row("u64 + 1", "0", "uint64"),
	row("u64 / 3", "6148914691236517205", "uint64"),
	row("i64 + 1", "-9223372036854775808", "int64"),
	row("u8 >> 10", "0", "uint8"),
	row("i2 >> 70", "-1", "int"),
	row("f1 * 2", "5", "float64"),
	row("f1 / 4", "0.625", "float64"),
	row("f32 / 3", fmt.Sprint(float64(float32(1.5)/3)), "float32"),
	row("mi1 + 1", "7", "main.myint"),
	row("i1 + constTwo", "5", "int"),
	// comparisons and logic
	row("i1 == 3", "true", "bool"),
	row("i1 < i2", "false", "bool"),
	row("f1 >= 2.5", "true", "bool"),
	row("b1 && i1 > 2", "true", "bool"),
	row("!b1 || false", "false", "bool"),
	row(`str1 == "01234567890"`, "true", "bool"),
	row(`str1 < "1"`, "true", "bool"),
	row("str1 != str2", "true", "bool"),
	row("p1 == nil", "false", "bool"),
	row("nilp == nil", "true", "bool"),
	row("nilmap == nil", "true", "bool"),
	row("nilfn == nil", "true", "bool"),
	row("iface1 != nil", "true", "bool"),
	// address, dereference, conversions
	row("*p1", "3", "int"),
	row("*&i1", "3", "int"),
	row("(*ps).B", "2", "int"),
	row("*(*int)(up)", "3", "int"),
	row("(*main.astruct)(uintptr(ps)).A", "1", "int"),
	row("int8(i2)", "-5", "int8"),
	row("uint8(i2)", "251", "uint8"),
	row("uint32(u64)", "4294967295", "uint32"),
	row("int(f1)", "2", "int"),
	row("float64(i1) / 2", "1.5", "float64"),
	row("float32(f1)", "2.5", "float32"),
	row("main.myint(i1)", "3", "main.myint"),
	row("myint(i1) + mi1", "9", "main.myint"),
	row("byte(u8)", "200", "uint8"),
	row("uint64(i2)", "18446744073709551611", "uint64"),
	row("(&s2[1]).A", "3", "int"),
	row("&i1 == p1", "true", "bool"),
	// slices, arrays, strings
	rowLen("s1[1:3]", "[2 3]", "[]int", 2),
	row("cap(s1[1:3])", "4", "int"),
	row("cap(s1[1:2:3])", "2", "int"),
	rowLen("s1[:2]", "[1 2]", "[]int", 2),
	rowLen("s1[3:]", "[4 5]", "[]int", 2),
	row("s1[1:3][1]", "3", "int"),
	rowLen("a1[1:4]", "[20 30 40]", "[]int", 3),
	rowLen("str1[2:5]", `"234"`, "string", 3),
	row("str1[0]", "48", "uint8"),
	row("str1[10]", "48", "uint8"),
	row("str1[i1]", "51", "uint8"),
	row("a1[i1+1]", "50", "int"),
	// len and cap
	row("len(s1)", "5", "int"),
	row("cap(s1)", "5", "int"),
	row("len(a1)", "5", "int"),
	row("len(str1)", "11", "int"),
	row("len(m1)", "2", "int"),
	row("len(emptymap)", "0", "int"),
	row("len(nilmap)", "0", "int"),
	row("len(ch1)", "2", "int"),
	row("cap(ch1)", "10", "int"),
	row("len(closedch)", "0", "int"),
	// maps with keys of each basic kind, constants or variables
	row(`m1["two"]`, "2", "int"),
	row("m1[str2]", "1", "int"),
	rowLen("mi[3]", `"three"`, "string", 5),
	rowLen("mi[i1]", `"three"`, "string", 5),
	rowLen("mi[-4]", `"minus four"`, "string", 10),
	rowLen("mf[1.5]", `"one and a half"`, "string", 14),
	row("mb[true]", "1", "int"),
	row("mb[false]", "0", "int"),
	row("mr['a']", "97", "int"),
	row("mu[200]", "7", "int"),
	row("mu[u8]", "7", "int"),
	rowLen("emptymap", "map(0)[]", "map[string]int", 0),
	// method values and function values
	row("s2[0].Error", "func main.(*astruct).Error", "func() string"),
	row("s2[0].Sum", "func main.astruct.Sum", "func() int"),
	row("ps.Error", "func main.(*astruct).Error", "func() string"),
	row("sp[0].Sum", "func main.astruct.Sum", "func() int"),
	row("err1.Error", "func main.(*astruct).Error", "func() string"),
	row("shape.Area", "func main.square.Area", "func() int"),
	row("fn1", "func main.afunc", "func(int) int"),
	row("nilfn", "nil", "func()"),
	// fields: promoted, through an embedded pointer, through interfaces
	row("d.val", "21", "int"),
	rowLen("d.name", `"dee"`, "string", 3),
	row("d.base.val", "21", "int"),
	row("pe.val", "23", "int"),
	row("pe.n", "24", "int"),
	row("iface1.A", "7", "int"),
	row("iface1.(*main.astruct).B", "8", "int"),
	row("shape.side", "9", "int"),
	row("err1.A", "10", "int"),
	// channel internals
	row("ch1.buf[0]", "1", "int"),
	row("ch1.buf[1]", "4", "int"),
	row("ch1.qcount", "2", "uint"),
	row("ch1.dataqsiz", "10", "uint"),
	row("ch1.closed", "0", "uint32"),
	row("closedch.closed", "1", "uint32"),
	// == on structs, arrays and interfaces; struct and interface map keys
	row("as1 == as1", "true", "bool"),
	row("as1 == as2", "false", "bool"),
	row("as1 != s2[0]", "false", "bool"),
	row("ia == ia", "true", "bool"),
	row("iface1 == iface1", "true", "bool"),
	row("iface1 == err1", "false", "bool"),
	rowLen("ms[as1]", `"onetwo"`, "string", 6),
	row("mif[ik]", "1", "int"),
	rowErr("ms[as2]", "no key"),
	rowErr("s1 == s1", "can only be compared to nil"),
	rowErr("m1 == m1", "can only be compared to nil"),
	rowErr("fn1 == fn1", "can only be compared to nil"),
	row("ch1 == ch1", "true", "bool"),
	row("ch1 != closedch", "true", "bool"),
	// array and slice types the program never spelled
	row("(*[3]int)(unsafe.Pointer(&a1))[2]", "30", "int"),
	rowLen("*(*[2]int)(unsafe.Pointer(&a1[3]))", "[40 50]", "[2]int", 2),
	rowLen("(*[4]uint8)(unsafe.Pointer(&i1))[:2]", "[3 0]", "[]uint8", 2),
	// a variable moved to the heap (DWARF's &esc)
	row("esc", "77", "int"),
	row("esc * 2", "154", "int"),
	row("globalClosure", "func main.main.func1", "func() int"),
	// promoted methods
	row("d.Describe", "func main.(*base).Describe", "func() string"),
	row("pe.Describe", "func main.(*base).Describe", "func() string"),
	// conversions to string
	rowLen("string(bs)", `"hey"`, "string", 3),
	rowLen("string(rs)", `"añb"`, "string", 4),
	rowLen("string(rs[1])", `"ñ"`, "string", 2),
	rowLen("string(65)", `"A"`, "string", 1),
	rowLen("string(bs[1:])", `"ey"`, "string", 2),
	// errors, each with its reason
	rowErr("i1 + i8", "mismatched types int and int8"),
	rowErr("i8 + 200", "constant 200 overflows int8"),
	rowErr("i1 / 0", "division by zero"),
	rowErr("i1 / (i1 - 3)", "integer divide by zero"),
	rowErr("i1 + 2.5", "truncated"),
	rowErr(`i1 + str1`, "mismatched types"),
	rowErr("*i1", "not a pointer"),
	rowErr("&3", "cannot take the address"),
	rowErr("len(i1)", "invalid argument"),
	rowErr("s1[4:2]", "slice bounds out of range"),
	rowErr("s1[0:6]", "slice bounds out of range"),
	rowErr("str1[11]", "out of range"),
	rowErr(`s1["a"]`, "not an integer"),
	rowErr(`m1[1]`, "not a string"),
	rowErr(`m1["three"]`, "no key"),
	rowErr("nosuch + 1", "no variable"),
	rowErr("i1 +", "syntax"),
	rowErr("afunc(1)", "function calls are not supported"),
	rowErr("nilp.X", "nil"),
	rowErr("iface1.(main.astruct)", "interface holds *main.astruct"),
	rowErr("u8 << -1", "invalid shift count"),
	rowErr("f1 % 2", "not defined on floats"),
}

// checkRows evaluates the rows at the tracee's stop and returns how many
// were right; a wrong row fails the test unless marked a known miss.
func checkRows(t *testing.T, tr *tracee, rows []exprRow) (right int) {
	t.Helper()
	r := tr.regs()
	for _, c := range rows {
		got, problem := evalRow(tr, r, c)
		switch {
		case problem == "" && c.miss == "":
			right++
		case problem == "" && c.miss != "":
			t.Errorf("%q is marked a known miss (%s) but is right now: unmark it", c.expr, c.miss)
			right++
		case c.miss != "":
			t.Logf("known miss: %q: %s (%s)", c.expr, problem, c.miss)
		default:
			t.Errorf("%q: %s (got %s)", c.expr, problem, got)
		}
	}
	return right
}

func evalRow(tr *tracee, r Registers, c exprRow) (got, problem string) {
	v, err := tr.info.Eval(tr, r, c.expr)
	if c.err != "" {
		if err == nil {
			return show(v), "want an error with " + c.err
		}
		if !strings.Contains(err.Error(), c.err) {
			return err.Error(), "want an error with " + c.err
		}
		return err.Error(), ""
	}
	if err != nil {
		return err.Error(), "error"
	}
	got = fmt.Sprintf("%s (%s)", show(v), v.Type)
	switch {
	case show(v) != c.want:
		return got, "want value " + c.want
	case v.Type != c.typ:
		return got, "want type " + c.typ
	case c.len >= 0 && v.Len != c.len:
		return got, fmt.Sprintf("want length %d, got %d", c.len, v.Len)
	case v.Name != c.expr:
		return got, "Name is " + v.Name
	}
	return got, ""
}

// TestGoExprTable evaluates every category of expression Delve's print
// takes on testdata/goexpr, built -N -l, at main's STOP line: exact
// values, types and lengths, and exact reasons for the errors.
func TestGoExprTable(t *testing.T) {
	tr := launch(t, fixture.GoDebug(t, "goexpr"))
	tr.runTo(tr.lineAddr(fixture.TestData("goexpr/main.go"), "// STOP"))
	rows := append(append([]exprRow{}, goExprGlobals...), goExprLocals...)
	right := checkRows(t, tr, rows)
	// The one row needing an address known only at run time.
	v, err := tr.info.Eval(tr, tr.regs(), "&s2[1]")
	if err != nil || v.Kind != Pointer || v.Type != "*main.astruct" {
		t.Fatalf("&s2[1] = %+v, %v", v, err)
	}
	c := row(fmt.Sprintf("(*main.astruct)(%#x).B", v.Addr), "4", "int")
	right += checkRows(t, tr, []exprRow{c})
	n := len(rows) + 1
	t.Logf("goexpr -N -l: %d rows, %d right (%.1f%%)", n, right, 100*float64(right)/float64(n))
}

// TestGoExprTableOptimized: the rows on globals and constants, on the
// optimized build (locals may live in registers or be gone there).
func TestGoExprTableOptimized(t *testing.T) {
	tr := launch(t, fixture.Go(t, "goexpr"))
	tr.runTo(tr.symAddr("main.stop"))
	right := checkRows(t, tr, goExprGlobals)
	t.Logf("goexpr optimized: %d rows, %d right (%.1f%%)", len(goExprGlobals), right, 100*float64(right)/float64(len(goExprGlobals)))
}

// cExprRows are C expressions at cvars.c's MID line: C's operators, `->`,
// casts in C syntax and C's usual arithmetic conversions.
var cExprRows = []exprRow{
	row("pp->x + pp->y", "7", "int"),
	row("a * 2 + 1", "11", "int"),
	row("arr[1] + arr[2]", "50", "int"),
	row("*ip + 1", "31", "int"),
	row("*(ip + 1)", "40", "int"),
	row("*(ip - 2)", "10", "int"),
	row("&arr[3] - ip", "1", "long int"),
	row("a + d", "7.5", "double"),
	row("half * 4", "5", "double"),
	row("ul + 1", "123456789013", "long unsigned int"),
	row("a == 5 && d > 2", "true", "bool"),
	row("counter - 10", "-3", "int"),
	row("(long)a", "5", "long int"),
	row("(unsigned char)inner", "244", "unsigned char"),
	row("(unsigned long)a", "5", "long unsigned int"),
	row("*(int *)ip", "30", "int"),
	row("((struct point *)pp)->name", `"pt"`, "*const char"),
	row("(*(struct point *)pp).w", "1.5", "double"),
	row("s[0]", "104", "const char"),
	row("!ip", "false", "bool"),
	row("pp && a", "true", "bool"),
	row("!(a - 5)", "true", "bool"),
	row("GREEN", "5", "int"),
	row("BLUE * 2 + a", "17", "int"),
	row("shade == BLUE", "true", "bool"),
	row("(enum color)5 == GREEN", "true", "bool"),
	rowLen("s + 1", `"ello"`, "*const char", 4),
	rowErr("pp * 2", "invalid operation"),
	rowErr("(struct nosuch *)pp", "syntax"),
}

// TestCExprTable: C expressions keep working beside Go's.
func TestCExprTable(t *testing.T) {
	tr := cVars(t, "-O0", "-g")
	right := checkRows(t, tr, cExprRows)
	t.Logf("cvars -O0: %d rows, %d right", len(cExprRows), right)
}

// TestGoOptimizedOut: in the optimized build most of main's locals have
// no storage at the STOP line (an empty DWARF location); they read as
// "optimized out", in locals() and in expressions.
func TestGoOptimizedOut(t *testing.T) {
	tr := launch(t, fixture.Go(t, "goexpr"))
	tr.runTo(tr.lineAddr(fixture.TestData("goexpr/main.go"), "// STOP"))
	r := tr.regs()
	locals, err := tr.info.Locals(tr, r)
	if err != nil {
		t.Fatal(err)
	}
	out := 0
	for _, l := range locals {
		if l.Kind != Unreadable {
			continue
		}
		if l.Err != "optimized out" {
			t.Errorf("local %s: unreadable with %q", l.Name, l.Err)
			continue
		}
		out++
		if strings.ContainsAny(l.Name, "~.") {
			continue // the compiler's own temporaries (~r0.ptr)
		}
		v, err := tr.info.Eval(tr, r, l.Name)
		if err != nil || v.Kind != Unreadable || v.Err != l.Err {
			t.Errorf("Eval(%s) = %+v, %v; want unreadable: %s", l.Name, v, err, l.Err)
		}
		if _, err := tr.info.Eval(tr, r, "&"+l.Name); err == nil || !strings.Contains(err.Error(), "optimized out") {
			t.Errorf("Eval(&%s): %v, want optimized out", l.Name, err)
		}
	}
	if out == 0 {
		t.Errorf("no local optimized out at the STOP line of the optimized build: %d locals", len(locals))
	}
	t.Logf("%d of %d locals optimized out", out, len(locals))
}

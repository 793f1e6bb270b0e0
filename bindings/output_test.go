package bindings

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"

	glua "github.com/yuin/gopher-lua"
)

// runLua runs code in a fresh state with a Module without tracee and returns
// what it wrote to the output stream.
func runLua(t *testing.T, code string) (string, error) {
	t.Helper()
	L := glua.NewState()
	defer L.Close()
	var b strings.Builder
	out := NewOutput(&b)
	New(L, nil, out)
	err := L.DoString(code)
	if ferr := out.Flush(); ferr != nil {
		t.Fatalf("flush: %v", ferr)
	}
	return b.String(), err
}

func TestOutputFunctions(t *testing.T) {
	tests := []struct {
		name, code, want string
	}{
		{"print", `print("a", 1, nil, true)`, "a\t1\tnil\ttrue\n"},
		{"print empty", `print()`, "\n"},
		{"printf", `printf("%s=%d %5.2f", "x", 42, 3.14159)`, "x=42  3.14\n"},
		{"printf survives string.format replaced", `string.format = nil; printf("%x", 255)`, "ff\n"},
		{"printf as Lua 5.3", `printf("%5.1f|%-4d|%04x|%X|%o|%c%c|%e|%g|%%|%s|%s", 2.25, 7, 255, 255, 8, 104, 105, 1e10, 0.5, nil, {1} ~= nil)`,
			"  2.2|7   |00ff|FF|10|hi|1.000000e+10|0.5|%|nil|true\n"},
		{"printf numeric strings", `printf("%d %x %.1f", "42", "0x10", "2.5")`, "42 10 2.5\n"},
		{"printf negative hex", `printf("%x %u", -1, -1)`, "ffffffffffffffff 18446744073709551615\n"},
		{"printf inf and nan", `printf("%f %5.1f %G %f", 1/0, -1/0, 1/0, 0/0)`, "inf  -inf INF nan\n"},
		{"printf %q", `printf("%q", "a\"b\\c\n\0\1")`, `"a\"b\\c\` + "\n" + `\0\1"` + "\n"},
		{"printf extra arguments", `printf("%d", 1, 2)`, "1\n"},
		{"hex", `print(hex(-1), hex(0x4967a0), hex(2^53), hex(2^63), hex(0), hex("0xffffffffffffffff"))`,
			"0xffffffffffffffff\t0x4967a0\t0x20000000000000\t0x8000000000000000\t0x0\t0xffffffffffffffff\n"},
		{"emit sorted keys", `emit({z=1, a="x", m={2,3}, n={k=true}})`, `{"a":"x","m":[2,3],"n":{"k":true},"z":1}` + "\n"},
		{"emit integers in full", `emit({addr=0x496706, big=2^53, neg=-1, f=0.5})`, `{"addr":4810502,"big":9007199254740992,"f":0.5,"neg":-1}` + "\n"},
		{"emit array", `emit({"a","b"})`, `["a","b"]` + "\n"},
		{"emit empty", `emit({})`, "{}\n"},
		{"emit mixed keys", `emit({1, x=2})`, `{"1":1,"x":2}` + "\n"},
		{"emit escapes", `emit({s="a\"b\n"})`, `{"s":"a\"b\n"}` + "\n"},
		{"emit nan", `emit({x=0/0})`, `{"x":null}` + "\n"},
	}
	for _, tt := range tests {
		got, err := runLua(t, tt.code)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestOutputErrors(t *testing.T) {
	tests := []struct {
		name, code, want string
	}{
		{"hex of a fraction", `hex(1.5)`, "bad argument #1 to 'hex' (1.5 is not an integer)"},
		{"hex of a word", `hex("abc")`, `bad argument #1 to 'hex' ("abc" is not a 64-bit integer)`},
		{"hex of 2^64", `hex(2^64)`, "bad argument #1 to 'hex' (18446744073709551616 is out of the 64-bit range [-2^63, 2^64))"},
		{"hex through an alias", `local h = hex; h({})`, "bad argument #1 to 'hex' (number expected, got table)"},
		{"hex through pcall", `assert(pcall(hex, nil))`, "bad argument #1 to 'hex' (number expected, got nil)"},
		{"emit a cycle", `local t = {}; t.t = t; emit(t)`, "bad argument #1 to 'emit' (at .t: the table holds itself (a cycle))"},
		{"emit a deep cycle", `local t = {}; t[1] = {a = {t}}; emit(t)`, "(at [1].a[1]: the table holds itself (a cycle))"},
		{"emit too deep", `local t = {}; for i = 1, 100 do t = {t} end; emit(t)`, "(at [1][1][1]"},
		{"emit a function", `emit({f = print})`, "(at .f: a function has no JSON form)"},
		{"emit a table key", `emit({[{}] = 1})`, "(at the top: a table as a key has no JSON form)"},
		{"emit a string", `emit("x")`, "bad argument #1 to 'emit' (table expected, got string)"},
		{"printf a word as %d", `printf("%d", "x")`, "bad argument #2 to 'printf' (number expected, got string)"},
		{"printf missing", `printf("%s %d", "a")`, "bad argument #3 to 'printf' (no value)"},
		{"printf a fraction as %d", `printf("%d", 1.5)`, "bad argument #2 to 'printf' (number has no integer representation (1.5 is not an integer))"},
		{"printf NaN as %x", `printf("%x", 0/0)`, "(number has no integer representation (NaN is not an integer))"},
		{"printf 2^70 as %d", `printf("%d", 2^70)`, "(number has no integer representation (1180591620717411303424 is out of the 64-bit range))"},
		{"printf a table as %f", `printf("%f", {})`, "bad argument #2 to 'printf' (number expected, got table)"},
		{"printf a table as %q", `printf("%q", {})`, "bad argument #2 to 'printf' (value has no literal form (table))"},
		{"printf unknown", `printf("%y", 1)`, "bad argument #1 to 'printf' (invalid conversion '%y' to format)"},
		{"printf cut", `printf("ab%5")`, "bad argument #1 to 'printf' (invalid conversion '%5' to format)"},
		{"printf wide", `printf("%123d", 1)`, "(invalid format (width or precision too long))"},
		{"printf flags", `printf("%-+ #0-d", 1)`, "(invalid format (repeated flags))"},
		{"printf no format", `printf()`, "bad argument #1 to 'printf' (string expected, got nil)"},
		{"printf a number format", `printf(12)`, "bad argument #1 to 'printf' (string expected, got number)"},
	}
	for _, tt := range tests {
		_, err := runLua(t, tt.code)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

// A write that finds the output's reader gone (EPIPE) calls OnClosed's
// function once; Flush keeps returning the error; other errors do not call it.
func TestOutputClosed(t *testing.T) {
	// As os.File.Write fails on a pipe without a reader.
	out := NewOutput(writerFunc(func([]byte) (int, error) {
		return 0, &os.PathError{Op: "write", Path: "|1", Err: syscall.EPIPE}
	}))
	closed := 0
	out.OnClosed(func() { closed++ })
	out.WriteString("a\n")
	if err := out.Flush(); !errors.Is(err, syscall.EPIPE) || closed != 1 {
		t.Fatalf("first flush: err %v, closed %d times; want EPIPE, 1", err, closed)
	}
	out.WriteString("b\n")
	if err := out.Flush(); !errors.Is(err, syscall.EPIPE) || closed != 1 {
		t.Errorf("second flush: err %v, closed %d times; want EPIPE, 1", err, closed)
	}
	other := NewOutput(writerFunc(func([]byte) (int, error) { return 0, syscall.ENOSPC }))
	other.OnClosed(func() { closed++ })
	other.WriteString("c\n")
	if err := other.Flush(); !errors.Is(err, syscall.ENOSPC) || closed != 1 {
		t.Errorf("ENOSPC: err %v, closed %d times; want ENOSPC, still 1", err, closed)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

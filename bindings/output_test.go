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
		{"hex of a fraction", `hex(1.5)`, "bad argument #1 to hex (1.5 is not an integer)"},
		{"hex of a word", `hex("abc")`, `bad argument #1 to hex ("abc" is not a 64-bit integer)`},
		{"emit a cycle", `local t = {}; t.t = t; emit(t)`, "nested deeper than 64"},
		{"emit a string", `emit("x")`, "bad argument #1 to emit (table expected, got string)"},
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

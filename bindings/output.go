package bindings

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"syscall"

	glua "github.com/yuin/gopher-lua"
)

// Output is the script's output stream (stdout or the -o file). It is
// buffered; the lua layer flushes it before the tracee runs again, so the
// script's lines and the tracee's own output keep their order.
type Output struct {
	w   *bufio.Writer
	err error // the first write error, reported by Flush
	// closed is called once when a write fails with EPIPE: the reader of
	// the output is gone (`godbg ... | head -1`).
	closed func()
}

// NewOutput buffers w.
func NewOutput(w io.Writer) *Output { return &Output{w: bufio.NewWriterSize(w, 64<<10)} }

// OnClosed sets the function called, once, when a write finds the output's
// reader gone (EPIPE). Later writes are dropped.
func (o *Output) OnClosed(fn func()) { o.closed = fn }

// WriteString appends s.
func (o *Output) WriteString(s string) {
	if _, err := o.w.WriteString(s); err != nil {
		o.fail(err)
	}
}

// Flush writes what is buffered and returns the first error seen.
func (o *Output) Flush() error {
	if o.w.Buffered() > 0 {
		if err := o.w.Flush(); err != nil {
			o.fail(err)
		}
	}
	return o.err
}

func (o *Output) fail(err error) {
	if o.err != nil {
		return
	}
	o.err = err
	if errors.Is(err, syscall.EPIPE) && o.closed != nil {
		o.closed()
	}
}

// print(...): like Lua's print (tostring of each value, tab-separated, a
// newline), written to the output stream.
func (m *Module) print(L *glua.LState) int {
	n := L.GetTop()
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteByte('\t')
		}
		b.WriteString(L.ToStringMeta(L.Get(i)).String())
	}
	b.WriteByte('\n')
	m.out.WriteString(b.String())
	return 0
}

// printf(fmt, ...): print(string.format(fmt, ...)).
func (m *Module) printf(L *glua.LState) int {
	L.CheckString(1)
	n := L.GetTop()
	L.Push(m.format)
	for i := 1; i <= n; i++ {
		L.Push(L.Get(i))
	}
	L.Call(n, 1)
	s := L.Get(-1).String()
	L.Pop(1)
	m.out.WriteString(s + "\n")
	return 0
}

// emit(table): one JSON object (or array) a line on the output stream, keys
// sorted so that runs compare byte for byte.
func (m *Module) emit(L *glua.LState) int {
	t := L.CheckTable(1)
	v, err := toJSON(L, t, 0)
	if err != nil {
		L.ArgError(1, err.Error())
	}
	b, err := json.Marshal(v)
	if err != nil {
		L.ArgError(1, err.Error())
	}
	m.out.WriteString(string(b) + "\n")
	return 0
}

// hex(n) -> string: n as 64-bit two's-complement hex, hex(-1) is
// "0xffffffffffffffff", hex(0x4967a0) is "0x4967a0".
func (m *Module) hex(L *glua.LState) int {
	L.Push(glua.LString(Hex(checkU64(L, 1))))
	return 1
}

const maxJSONDepth = 64

// toJSON mirrors a Lua value as a value encoding/json writes with sorted
// keys. A table whose keys are exactly 1..n (n >= 1) becomes an array; any
// other table an object, its non-string keys written with tostring.
func toJSON(L *glua.LState, v glua.LValue, depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("emit: table nested deeper than %d (a cycle?)", maxJSONDepth)
	}
	switch v := v.(type) {
	case *glua.LNilType:
		return nil, nil
	case glua.LBool:
		return bool(v), nil
	case glua.LNumber:
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, nil
		}
		return jsonNumber(float64(v)), nil
	case glua.LString:
		return string(v), nil
	case *glua.LTable:
		n := v.Len()
		count := 0
		v.ForEach(func(glua.LValue, glua.LValue) { count++ })
		if n > 0 && count == n {
			arr := make([]any, 0, n)
			for i := 1; i <= n; i++ {
				e, err := toJSON(L, v.RawGetInt(i), depth+1)
				if err != nil {
					return nil, err
				}
				arr = append(arr, e)
			}
			return arr, nil
		}
		obj := make(map[string]any, count)
		var ferr error
		v.ForEach(func(k, e glua.LValue) {
			if ferr != nil {
				return
			}
			var key string
			if num, ok := k.(glua.LNumber); ok && !math.IsNaN(float64(num)) && !math.IsInf(float64(num), 0) {
				key = string(jsonNumber(float64(num)))
			} else {
				key = L.ToStringMeta(k).String()
			}
			obj[key], ferr = toJSON(L, e, depth+1)
		})
		return obj, ferr
	default:
		// Userdata (a breakpoint, a listing), functions: their tostring.
		return L.ToStringMeta(v).String(), nil
	}
}

// jsonNumber writes integers in full (no exponent: 4810502, not 4.810502e+06)
// and other finite numbers as the shortest float.
func jsonNumber(f float64) json.Number {
	switch {
	case f == math.Trunc(f) && f >= -two63 && f < two63:
		return json.Number(strconv.FormatInt(int64(f), 10))
	case f == math.Trunc(f) && f >= 0 && f < two64:
		return json.Number(strconv.FormatUint(uint64(f), 10))
	default:
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
	}
}

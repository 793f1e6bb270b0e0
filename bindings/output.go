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

// printf(fmt, ...): print(string.format(fmt, ...)), with the checks of Lua
// 5.3's string.format (formatLua): a bad conversion or argument is an
// error, never a 0 or a %!d(MISSING) in the output.
func (m *Module) printf(L *glua.LState) int {
	m.out.WriteString(formatLua(L, 1) + "\n")
	return 0
}

// formatLua formats argument n (the format) with the arguments after it, as
// Lua 5.3's string.format: conversions %d %i %u %c %o %x %X (integers: a
// number with an integer value, or a string spelling one), %e %E %f %g %G
// %a %A (numbers), %q (a string or a number, quoted as Lua reads it back),
// %s (any value, through tostring), %%; flags "-+ #0", width and precision
// of at most two digits. A missing argument, an argument of the wrong kind
// and an unknown conversion raise an argument error. Extra arguments are
// ignored, as Lua does.
func formatLua(L *glua.LState, n int) string {
	f := checkString(L, n)
	var b strings.Builder
	arg := n
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			b.WriteByte(f[i])
			continue
		}
		i++
		if i < len(f) && f[i] == '%' {
			b.WriteByte('%')
			continue
		}
		start := i
		for i < len(f) && strings.IndexByte("-+ #0", f[i]) >= 0 {
			i++
		}
		if i-start > 5 {
			argError(L, n, "invalid format (repeated flags)")
		}
		flags := f[start:i]
		i = skipDigits(f, i, 2)
		// padded is the spec for a text as wide as the number would be:
		// the flags but 0, the width, no precision.
		padded := "%" + strings.ReplaceAll(flags, "0", "") + f[start+len(flags):i] + "s"
		if i < len(f) && f[i] == '.' {
			i = skipDigits(f, i+1, 2)
		}
		if i >= len(f) {
			argError(L, n, "invalid conversion '%%%s' to format", f[start:])
		}
		if f[i] >= '0' && f[i] <= '9' {
			argError(L, n, "invalid format (width or precision too long)")
		}
		spec, conv := "%"+f[start:i], f[i]
		arg++
		if !strings.ContainsRune("diucoxXeEfgGaAqs", rune(conv)) {
			argError(L, n, "invalid conversion '%s%c' to format", spec, conv)
		}
		if arg > L.GetTop() {
			argError(L, arg, "no value")
		}
		switch conv {
		case 'd', 'i':
			fmt.Fprintf(&b, spec+"d", formatInt(L, arg))
		case 'u':
			fmt.Fprintf(&b, spec+"d", uint64(formatInt(L, arg)))
		case 'o', 'x', 'X':
			fmt.Fprintf(&b, spec+string(conv), uint64(formatInt(L, arg)))
		case 'c':
			fmt.Fprintf(&b, padded, string([]byte{byte(formatInt(L, arg))}))
		case 'e', 'E', 'f', 'g', 'G', 'a', 'A':
			x := formatNumber(L, arg)
			if math.IsInf(x, 0) || math.IsNaN(x) {
				// C's spellings, as Lua prints them: inf, -inf, nan.
				s := "nan"
				if math.IsInf(x, 1) {
					s = "inf"
				} else if math.IsInf(x, -1) {
					s = "-inf"
				}
				if conv >= 'A' && conv <= 'Z' {
					s = strings.ToUpper(s)
				}
				fmt.Fprintf(&b, padded, s)
				continue
			}
			verb := string(conv)
			if conv == 'a' || conv == 'A' {
				verb = map[byte]string{'a': "x", 'A': "X"}[conv]
			}
			fmt.Fprintf(&b, spec+verb, x)
		case 'q':
			b.WriteString(quoteLua(L, arg))
		case 's':
			fmt.Fprintf(&b, spec+"s", L.ToStringMeta(L.Get(arg)).String())
		}
	}
	return b.String()
}

// skipDigits skips at most max decimal digits of f from i.
func skipDigits(f string, i, max int) int {
	for j := 0; j < max && i < len(f) && f[i] >= '0' && f[i] <= '9'; j++ {
		i++
	}
	return i
}

// formatNumber reads argument n of a numeric conversion: a number, or a
// string spelling one (Lua converts it).
func formatNumber(L *glua.LState, n int) float64 {
	switch v := L.Get(n).(type) {
	case glua.LNumber:
		return float64(v)
	case glua.LString:
		s := strings.TrimSpace(string(v))
		if x, err := strconv.ParseFloat(s, 64); err == nil {
			return x
		}
		if x, err := U64FromString(s); err == nil {
			return float64(int64(x))
		}
	}
	typeError(L, n, "number")
	return 0
}

// formatInt reads argument n of an integer conversion: Lua 5.3 refuses a
// number without an integer value ("number has no integer representation").
func formatInt(L *glua.LState, n int) int64 {
	if s, ok := L.Get(n).(glua.LString); ok {
		if x, err := U64FromString(string(s)); err == nil {
			return int64(x)
		}
	}
	x, err := IntFromNumber(formatNumber(L, n))
	if err != nil {
		argError(L, n, "number has no integer representation (%v)", err)
	}
	return x
}

// quoteLua is %q: a string between double quotes, escaped so that Lua reads
// it back the same; a number, a boolean or nil as its literal.
func quoteLua(L *glua.LState, n int) string {
	switch v := L.Get(n).(type) {
	case glua.LString:
		var b strings.Builder
		b.WriteByte('"')
		for i := 0; i < len(v); i++ {
			switch c := v[i]; {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c == '\n':
				b.WriteString("\\\n")
			case c == '\r':
				b.WriteString("\\r")
			case c == 0:
				b.WriteString("\\0")
			case c < 32 || c == 127:
				fmt.Fprintf(&b, "\\%d", c)
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('"')
		return b.String()
	case glua.LNumber, glua.LBool, *glua.LNilType:
		return v.String()
	}
	argError(L, n, "value has no literal form (%s)", typeName(L.Get(n)))
	return ""
}

// emit(table): one JSON object (or array) a line on the output stream, keys
// sorted so that runs compare byte for byte.
func (m *Module) emit(L *glua.LState) int {
	t := checkTable(L, 1)
	v, err := toJSON(L, t, 0)
	if err != nil {
		argError(L, 1, "%v", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		argError(L, 1, "%v", err)
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
// other table an object, its number and boolean keys written as text. NaN
// and the infinities become null (as JavaScript's JSON.stringify writes
// them); a userdata (a breakpoint) its tostring. A table holding itself, a
// table nested deeper than maxJSONDepth, a function or a coroutine (as a
// value or a key) and a table as a key are errors naming where they are
// (`at .a[2]: ...`).
func toJSON(L *glua.LState, v glua.LValue, depth int) (any, error) {
	w := &jsonWalk{L: L, open: map[*glua.LTable]bool{}}
	r := w.value(v, depth)
	if w.err != nil {
		return nil, fmt.Errorf("at %s: %v", w.where, w.err)
	}
	return r, nil
}

// jsonWalk is one toJSON: the tables being walked (to see a cycle), and the
// first error with its path.
type jsonWalk struct {
	L     *glua.LState
	open  map[*glua.LTable]bool
	path  []string
	err   error
	where string
}

func (w *jsonWalk) fail(err error) {
	if w.err == nil {
		path := w.path
		if len(path) > 8 {
			path = append(append(path[:3:3], "..."), path[len(path)-3:]...)
		}
		w.err, w.where = err, strings.Join(path, "")
		if w.where == "" {
			w.where = "the top"
		}
	}
}

func (w *jsonWalk) value(v glua.LValue, depth int) any {
	if w.err != nil {
		return nil
	}
	switch v := v.(type) {
	case *glua.LNilType:
		return nil
	case glua.LBool:
		return bool(v)
	case glua.LNumber:
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil
		}
		return jsonNumber(float64(v))
	case glua.LString:
		return string(v)
	case *glua.LTable:
		if w.open[v] {
			w.fail(fmt.Errorf("the table holds itself (a cycle)"))
			return nil
		}
		if depth >= maxJSONDepth {
			w.fail(fmt.Errorf("tables nested deeper than %d", maxJSONDepth))
			return nil
		}
		w.open[v] = true
		defer delete(w.open, v)
		return w.table(v, depth)
	case *glua.LUserData:
		return w.L.ToStringMeta(v).String()
	default:
		w.fail(fmt.Errorf("a %s has no JSON form", typeName(v)))
		return nil
	}
}

func (w *jsonWalk) table(t *glua.LTable, depth int) any {
	n := t.Len()
	count := 0
	t.ForEach(func(glua.LValue, glua.LValue) { count++ })
	if n > 0 && count == n {
		arr := make([]any, 0, n)
		for i := 1; i <= n; i++ {
			w.path = append(w.path, fmt.Sprintf("[%d]", i))
			arr = append(arr, w.value(t.RawGetInt(i), depth+1))
			w.path = w.path[:len(w.path)-1]
		}
		return arr
	}
	obj := make(map[string]any, count)
	t.ForEach(func(k, e glua.LValue) {
		var key string
		switch k := k.(type) {
		case glua.LNumber:
			key = string(jsonNumber(float64(k)))
		case glua.LString, glua.LBool:
			key = k.String()
		default:
			// A table or a function as a key: its tostring is an address,
			// different from run to run.
			w.fail(fmt.Errorf("a %s as a key has no JSON form", typeName(k)))
			return
		}
		w.path = append(w.path, "."+key)
		obj[key] = w.value(e, depth+1)
		w.path = w.path[:len(w.path)-1]
	})
	return obj
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

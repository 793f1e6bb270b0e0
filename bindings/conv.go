package bindings

// conv.go is the one place where Lua numbers and Go integers meet.
//
// gopher-lua numbers are float64. Every user-space address on x86-64 is
// below 2^47 and so exact; register values read as signed int64 (so -1 is
// -1) and lose precision only beyond 2^53, as in Lua 5.1 itself. Writes
// accept any integer in [-2^63, 2^64): a negative value stands for its
// 64-bit two's complement. Because gopher-lua cannot spell numbers beyond
// 2^63 exactly (0xffffffffffffffff parses as NaN), a string such as
// "0xffffffffffffffff" is accepted wherever a number is written.

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	glua "github.com/yuin/gopher-lua"
)

const (
	two63 = 9223372036854775808.0  // 2^63
	two64 = 18446744073709551616.0 // 2^64
)

// U64FromNumber converts a Lua number to the 64 bits it denotes: an
// integer in [-2^63, 2^64). A fraction, NaN, an infinity or a value outside
// the range is an error. 2^64 itself is outside: the float64 nearest to
// 2^64-1 is 2^64, so the top of the range is spelt as a string
// ("0xffffffffffffffff") or as -1.
func U64FromNumber(f float64) (uint64, error) {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return 0, fmt.Errorf("%v is not an integer", f)
	case f != math.Trunc(f):
		return 0, fmt.Errorf("%v is not an integer", f)
	case f < -two63 || f >= two64:
		return 0, fmt.Errorf("%.0f is out of the 64-bit range [-2^63, 2^64)", f)
	case f < 0:
		return uint64(int64(f)), nil
	case f >= two63:
		// Go converts floats in [2^63, 2^64) to uint64 exactly on amd64,
		// but the spec only promises it for values an int64 can hold:
		// subtract 2^63 first to stay portable.
		return uint64(f-two63) | 1<<63, nil
	default:
		return uint64(f), nil
	}
}

// U64FromString parses a decimal, 0x hex, 0o/0 octal or 0b binary integer,
// with an optional leading minus, into 64 bits.
func U64FromString(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "-") {
		v, err := strconv.ParseInt(t, 0, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a 64-bit integer", s)
		}
		return uint64(v), nil
	}
	v, err := strconv.ParseUint(t, 0, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a 64-bit integer", s)
	}
	return v, nil
}

// U64FromLua converts a Lua number or numeric string to 64 bits.
func U64FromLua(v glua.LValue) (uint64, error) {
	switch v := v.(type) {
	case glua.LNumber:
		return U64FromNumber(float64(v))
	case glua.LString:
		return U64FromString(string(v))
	default:
		return 0, fmt.Errorf("number expected, got %s", v.Type())
	}
}

// SignedNumber is how a register or a signed value reaches Lua.
func SignedNumber(v uint64) glua.LNumber { return glua.LNumber(float64(int64(v))) }

// AddrNumber is how an address or an unsigned value reaches Lua.
func AddrNumber(v uint64) glua.LNumber { return glua.LNumber(float64(v)) }

// Hex formats 64 bits as lower-case hex with 0x, as hex() does.
func Hex(v uint64) string { return "0x" + strconv.FormatUint(v, 16) }

// IntFromNumber converts a Lua number wanted as a count, a size or an id
// to an int64: a fraction, NaN, an infinity or a value outside [-2^63,
// 2^63) is an error.
func IntFromNumber(f float64) (int64, error) {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f):
		return 0, fmt.Errorf("%v is not an integer", f)
	case f < -two63 || f >= two63:
		return 0, fmt.Errorf("%.0f is out of the 64-bit range", f)
	}
	return int64(f), nil
}

// Every API function is a Go closure whose first upvalue is its Lua name
// ("sym", "mem.cstr", "bp:delete"; see Module.api), so that its errors name
// it whatever name the caller used (a local alias, pcall(sym, 1)): gopher-
// lua's own ArgError names the call site's expression instead.

// apiName is the name of the API function running.
func apiName(L *glua.LState) string {
	if s, ok := L.Get(glua.UpvalueIndex(1)).(glua.LString); ok {
		return string(s)
	}
	return "?"
}

// argError raises `bad argument #n to 'NAME' (message)`, as Lua's own
// functions do.
func argError(L *glua.LState, n int, format string, args ...any) {
	L.RaiseError("bad argument #%d to '%s' (%s)", n, apiName(L), fmt.Sprintf(format, args...))
}

// apiError raises `NAME: message`.
func apiError(L *glua.LState, format string, args ...any) {
	L.RaiseError("%s: %s", apiName(L), fmt.Sprintf(format, args...))
}

// typeError is argError for a value of the wrong type.
func typeError(L *glua.LState, n int, want string) {
	argError(L, n, "%s expected, got %s", want, typeName(L.Get(n)))
}

// typeName is a value's Lua type; "no value" past the last argument reads
// as nil.
func typeName(v glua.LValue) string { return v.Type().String() }

// checkU64 reads argument n as 64 bits (an address, a register or memory
// value): an integer in [-2^63, 2^64) or a string spelling one.
func checkU64(L *glua.LState, n int) uint64 {
	v, err := U64FromLua(L.Get(n))
	if err != nil {
		argError(L, n, "%v", err)
	}
	return v
}

// checkInt reads argument n, named what ("count"), as an integer in [lo,
// hi]: a number, never a string.
func checkInt(L *glua.LState, n int, what string, lo, hi int64) int64 {
	num, ok := L.Get(n).(glua.LNumber)
	if !ok {
		argError(L, n, "%s: number expected, got %s", what, typeName(L.Get(n)))
	}
	v, err := IntFromNumber(float64(num))
	if err != nil {
		argError(L, n, "%s: %v", what, err)
	}
	if v > hi {
		argError(L, n, "%s %d is over the limit of %d", what, v, hi)
	}
	if v < lo {
		argError(L, n, "%s %d is below %d", what, v, lo)
	}
	return v
}

// optInt is checkInt with def for nil or an absent argument.
func optInt(L *glua.LState, n int, what string, def, lo, hi int64) int64 {
	if L.Get(n) == glua.LNil {
		return def
	}
	return checkInt(L, n, what, lo, hi)
}

// checkString reads argument n as a string; a number is not one here (as
// it is for gopher-lua's CheckString: sym(123) is a mistake, not "123").
func checkString(L *glua.LState, n int) string {
	s, ok := L.Get(n).(glua.LString)
	if !ok {
		typeError(L, n, "string")
	}
	return string(s)
}

// optString is checkString with def for nil or an absent argument.
func optString(L *glua.LState, n int, def string) string {
	if L.Get(n) == glua.LNil {
		return def
	}
	return checkString(L, n)
}

func checkTable(L *glua.LState, n int) *glua.LTable {
	t, ok := L.Get(n).(*glua.LTable)
	if !ok {
		typeError(L, n, "table")
	}
	return t
}

func checkFunction(L *glua.LState, n int) *glua.LFunction {
	f, ok := L.Get(n).(*glua.LFunction)
	if !ok {
		typeError(L, n, "function")
	}
	return f
}

// optFunction is checkFunction with nil for nil or an absent argument.
func optFunction(L *glua.LState, n int) *glua.LFunction {
	if L.Get(n) == glua.LNil {
		return nil
	}
	return checkFunction(L, n)
}

// boolOption reads a boolean field of an options table (opts.entry): true,
// false or nil, nothing else.
func boolOption(L *glua.LState, key string, v glua.LValue) bool {
	switch v := v.(type) {
	case glua.LBool:
		return bool(v)
	case *glua.LNilType:
		return false
	}
	apiError(L, "opts.%s: boolean expected, got %s", key, typeName(v))
	return false
}

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

// U64FromNumber converts a Lua number to the 64 bits it denotes.
//
// float64(2^64) is accepted as 2^64-1: it is what Lua yields for every
// integer from 2^64-1024 up, e.g. for -1 % 2^64 or the literal 2^64-1, so it
// most likely meant the top of the range.
func U64FromNumber(f float64) (uint64, error) {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return 0, fmt.Errorf("%v is not an integer", f)
	case f != math.Trunc(f):
		return 0, fmt.Errorf("%v is not an integer", f)
	case f < -two63 || f > two64:
		return 0, fmt.Errorf("%.0f is out of the 64-bit range [-2^63, 2^64)", f)
	case f == two64:
		return math.MaxUint64, nil
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

// checkU64 reads argument n as 64 bits, raising an argument error otherwise.
func checkU64(L *glua.LState, n int) uint64 {
	v, err := U64FromLua(L.Get(n))
	if err != nil {
		L.ArgError(n, err.Error())
	}
	return v
}

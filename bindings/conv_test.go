package bindings

import (
	"math"
	"testing"

	glua "github.com/yuin/gopher-lua"
)

func TestU64FromNumber(t *testing.T) {
	tests := []struct {
		in   float64
		want uint64
		ok   bool
	}{
		{0, 0, true},
		{-1, math.MaxUint64, true},
		{1 << 53, 1 << 53, true},
		{-(1 << 53), uint64(1<<64 - 1<<53), true},
		{1 << 63, 1 << 63, true},
		{-(1 << 63), 1 << 63, true},
		{float64(uint64(math.MaxUint64)), 0, false}, // 2^64-1 rounds to 2^64: out of the range
		{two64 - 2048, math.MaxUint64 - 2047, true}, // the largest float64 below 2^64
		{0x496706, 0x496706, true},
		{1.5, 0, false},
		{math.NaN(), 0, false},
		{math.Inf(1), 0, false},
		{two64 * 2, 0, false},
		{-two63 * 2, 0, false},
		{-two63 - 2048, 0, false}, // the next float64 below -2^63
	}
	for _, tt := range tests {
		got, err := U64FromNumber(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("U64FromNumber(%v): err = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if tt.ok && got != tt.want {
			t.Errorf("U64FromNumber(%v) = %#x, want %#x", tt.in, got, tt.want)
		}
	}
}

func TestIntFromNumber(t *testing.T) {
	tests := []struct {
		in   float64
		want int64
		ok   bool
	}{
		{0, 0, true},
		{-1, -1, true},
		{1 << 53, 1 << 53, true},
		{-two63, math.MinInt64, true},
		{two63 - 1024, math.MaxInt64 - 1023, true}, // the largest float64 below 2^63
		{two63, 0, false},
		{1.5, 0, false},
		{-0.5, 0, false},
		{math.NaN(), 0, false},
		{math.Inf(-1), 0, false},
		{-two63 - 2048, 0, false},
	}
	for _, tt := range tests {
		got, err := IntFromNumber(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("IntFromNumber(%v) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestU64FromString(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0xffffffffffffffff", math.MaxUint64, true},
		{"18446744073709551615", math.MaxUint64, true},
		{"-1", math.MaxUint64, true},
		{"-9223372036854775808", 1 << 63, true},
		{"0x20000000000000", 1 << 53, true},
		{" 42 ", 42, true},
		{"0x10000000000000000", 0, false},
		{"-9223372036854775809", 0, false},
		{"main.BreakMe", 0, false},
	}
	for _, tt := range tests {
		got, err := U64FromString(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("U64FromString(%q): err = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if tt.ok && got != tt.want {
			t.Errorf("U64FromString(%q) = %#x, want %#x", tt.in, got, tt.want)
		}
	}
}

func TestNumbersToLua(t *testing.T) {
	tests := []struct {
		in         uint64
		signed     float64
		unsigned   float64
		wantHexStr string
	}{
		{math.MaxUint64, -1, two64, "0xffffffffffffffff"},
		{1 << 53, 1 << 53, 1 << 53, "0x20000000000000"},
		{1 << 63, -two63, two63, "0x8000000000000000"},
		{0x496706, 0x496706, 0x496706, "0x496706"},
	}
	for _, tt := range tests {
		if got := float64(SignedNumber(tt.in)); got != tt.signed {
			t.Errorf("SignedNumber(%#x) = %v, want %v", tt.in, got, tt.signed)
		}
		if got := float64(AddrNumber(tt.in)); got != tt.unsigned {
			t.Errorf("AddrNumber(%#x) = %v, want %v", tt.in, got, tt.unsigned)
		}
		if got := Hex(tt.in); got != tt.wantHexStr {
			t.Errorf("Hex(%#x) = %q, want %q", tt.in, got, tt.wantHexStr)
		}
		// A signed read written back gives the same bits, as regs.rax = regs.rax must.
		if tt.in < 1<<53 || tt.in > math.MaxUint64-1<<53 {
			back, err := U64FromLua(SignedNumber(tt.in))
			if err != nil || back != tt.in {
				t.Errorf("round trip %#x: got %#x, %v", tt.in, back, err)
			}
		}
	}
	if _, err := U64FromLua(glua.LTrue); err == nil {
		t.Errorf("U64FromLua(true): want an error")
	}
}

package lua

import (
	"bytes"
	"encoding/binary"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/godbg/godbg/bindings"
	"github.com/godbg/godbg/scripts"
	glua "github.com/yuin/gopher-lua"
)

//go:generate go run sysfmt_gen.go -o sysfmt_table.go

// preloadModules lets require() find the bundled modules (scripts.Modules):
// require("sysfmt") loads sysfmt/sysfmt.lua. Each is compiled on its first
// require only, and receives as its argument (...) a table of the Go
// helpers of moduleNatives, empty for most. require("sysfmt.consts") builds
// the tables of sysfmt_table.go (as Lua source they took 13 ms to compile).
func preloadModules(L *glua.LState) {
	preload := L.GetField(L.GetGlobal("package"), "preload").(*glua.LTable)
	preload.RawSetString("sysfmt.consts", L.NewFunction(sysfmtConsts))
	files, _ := fs.Glob(scripts.Modules, "*/*.lua")
	for _, f := range files {
		dir, base := path.Split(f)
		dir = strings.TrimSuffix(dir, "/")
		base = strings.TrimSuffix(base, ".lua")
		name := dir + "." + base
		if base == dir {
			name = dir
		}
		f := f
		preload.RawSetString(name, L.NewFunction(func(L *glua.LState) int {
			src, _ := scripts.Modules.ReadFile(f)
			fn, err := L.Load(bytes.NewReader(src), f)
			if err != nil {
				L.RaiseError("require %s: %v", name, err)
			}
			natives := L.NewTable()
			for k, v := range moduleNatives[name] {
				natives.RawSetString(k, L.NewFunction(v))
			}
			L.Push(fn)
			L.Push(natives)
			L.Call(1, 1)
			return 1
		}))
	}
}

// sysfmtConst is one named constant of a set.
type sysfmtConst struct {
	name string
	val  int64
}

// sysfmtSet is a named set of constants: flags or values of one kind.
type sysfmtSet struct {
	name   string
	consts []sysfmtConst
}

// sysfmtConsts returns sysfmt.consts: errno[n] = {name, message},
// signals[n] = name, and each set as a list of {name, value}.
func sysfmtConsts(L *glua.LState) int {
	t := L.CreateTable(0, len(sysfmtSets)+2)
	errno := L.CreateTable(0, len(sysfmtErrnos))
	for n, e := range sysfmtErrnos {
		pair := L.CreateTable(2, 0)
		pair.RawSetInt(1, glua.LString(e[0]))
		pair.RawSetInt(2, glua.LString(e[1]))
		errno.RawSetInt(n, pair)
	}
	t.RawSetString("errno", errno)
	sigs := L.CreateTable(len(sysfmtSignals), 0)
	for n, name := range sysfmtSignals {
		sigs.RawSetInt(n, glua.LString(name))
	}
	t.RawSetString("signals", sigs)
	for _, s := range sysfmtSets {
		set := L.CreateTable(len(s.consts), 0)
		for i, c := range s.consts {
			pair := L.CreateTable(2, 0)
			pair.RawSetInt(1, glua.LString(c.name))
			pair.RawSetInt(2, glua.LNumber(c.val))
			set.RawSetInt(i+1, pair)
		}
		t.RawSetString(s.name, set)
	}
	L.Push(t)
	return 1
}

// moduleNatives are the Go helpers a bundled module gets: what Lua 5.1
// lacks (bit operations, little-endian integers from bytes) or what runs on
// every traced call (strace's string quoting).
var moduleNatives = map[string]map[string]glua.LGFunction{
	"sysfmt": {
		"band":  func(L *glua.LState) int { return pushU64(L, checkBits(L, 1)&checkBits(L, 2)) },
		"bor":   func(L *glua.LState) int { return pushU64(L, checkBits(L, 1)|checkBits(L, 2)) },
		"bnot":  func(L *glua.LState) int { return pushU64(L, ^checkBits(L, 1)) },
		"shr":   func(L *glua.LState) int { return pushU64(L, checkBits(L, 1)>>uint(L.CheckInt(2))) },
		"le":    nativeLE,
		"ledec": nativeLEDec,
		"quote": nativeQuote,
	},
}

// checkBits reads a Lua number as 64 bits: negative numbers as two's
// complement (-1 is all ones).
func checkBits(L *glua.LState, n int) uint64 {
	f := float64(L.CheckNumber(n))
	if f < 0 {
		return uint64(int64(f))
	}
	return uint64(f)
}

func pushU64(L *glua.LState, v uint64) int {
	L.Push(glua.LNumber(float64(v)))
	return 1
}

// le(s, off, size [, signed]) -> n: the little-endian integer of size 1,
// 2, 4 or 8 bytes at offset off (0-based) of s; nil past its end. A
// signed 64-bit -1 reads -1; an unsigned one reads 2^64 (RLIM64_INFINITY
// is checked with signed=true).
func nativeLE(L *glua.LState) int {
	s := L.CheckString(1)
	off, size := L.CheckInt(2), L.CheckInt(3)
	signed := L.OptBool(4, false)
	if off < 0 || off+size > len(s) {
		L.Push(glua.LNil)
		return 1
	}
	b := []byte(s[off : off+size])
	var u uint64
	switch size {
	case 1:
		u = uint64(b[0])
		if signed {
			u = uint64(int64(int8(b[0])))
		}
	case 2:
		u = uint64(binary.LittleEndian.Uint16(b))
		if signed {
			u = uint64(int64(int16(u)))
		}
	case 4:
		u = uint64(binary.LittleEndian.Uint32(b))
		if signed {
			u = uint64(int64(int32(u)))
		}
	case 8:
		u = binary.LittleEndian.Uint64(b)
	default:
		L.ArgError(3, "size 1, 2, 4 or 8 expected")
	}
	if signed {
		L.Push(bindings.SignedNumber(u))
	} else {
		L.Push(glua.LNumber(float64(u)))
	}
	return 1
}

// ledec(s, off) -> string: the unsigned 64-bit little-endian integer at
// offset off of s in decimal, every digit exact (a Lua number keeps 53
// bits); nil past its end.
func nativeLEDec(L *glua.LState) int {
	s := L.CheckString(1)
	off := L.CheckInt(2)
	if off < 0 || off+8 > len(s) {
		L.Push(glua.LNil)
		return 1
	}
	L.Push(glua.LString(strconv.FormatUint(binary.LittleEndian.Uint64([]byte(s[off:off+8])), 10)))
	return 1
}

// quote(s [, hex]) -> string: s between double quotes, escaped as strace
// does (string_quote in strace's util.c): \" \\ \f \n \r \t \v, printable
// ASCII as is, any other byte in octal, three digits when a digit follows
// (\0 then "1" is \0001); with hex, every byte as \xNN (strace's
// getrandom).
func nativeQuote(L *glua.LState) int {
	s := L.CheckString(1)
	hex := L.OptBool(2, false)
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	const digits = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if hex {
			b.WriteString(`\x`)
			b.WriteByte(digits[c>>4])
			b.WriteByte(digits[c&15])
			continue
		}
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\v':
			b.WriteString(`\v`)
		default:
			if c >= ' ' && c < 0x7f {
				b.WriteByte(c)
				continue
			}
			b.WriteByte('\\')
			nextDigit := i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '7'
			if nextDigit || c >= 0100 {
				b.WriteByte('0' + c>>6)
			}
			if nextDigit || c >= 010 {
				b.WriteByte('0' + (c>>3)&7)
			}
			b.WriteByte('0' + c&7)
		}
	}
	b.WriteByte('"')
	L.Push(glua.LString(b.String()))
	return 1
}

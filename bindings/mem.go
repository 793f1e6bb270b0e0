package bindings

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/godbg/godbg/engine"
	glua "github.com/yuin/gopher-lua"
)

// Default and hard limits of mem.cstr and mem.gostr.
const (
	cstrDefaultMax = 4096
	gostrMax       = 16 << 20
)

// mem(addr, n) -> string: n raw bytes as the CPU sees them (a breakpoint's
// 0xcc shows). mem(addr, s): write the bytes of s (over a breakpoint the
// saved instruction changes, the trap stays).
func (m *Module) mem(L *glua.LState) int {
	// Called through the mem table's __call: argument 1 is the table.
	addr := engine.Addr(checkU64(L, 2))
	switch v := L.Get(3).(type) {
	case glua.LNumber:
		n := int(v)
		if float64(n) != float64(v) || n < 0 || n > gostrMax {
			L.ArgError(2, fmt.Sprintf("byte count %v out of range [0, %d]", v, gostrMax))
		}
		buf := make([]byte, n)
		if err := m.p.ReadMemory(addr, buf); err != nil {
			L.RaiseError("mem(%#x, %d): %v", uint64(addr), n, err)
		}
		L.Push(glua.LString(buf))
		return 1
	case glua.LString:
		if err := m.p.WriteMemory(addr, []byte(v)); err != nil {
			L.RaiseError("mem(%#x, <%d bytes>): %v", uint64(addr), len(v), err)
		}
		return 0
	default:
		L.ArgError(2, "byte count or string to write expected, got "+v.Type().String())
		return 0
	}
}

// memInt is mem.u8 ... mem.i64: read (addr) or write (addr, v) a
// little-endian integer of size bytes.
func (m *Module) memInt(name string, size int, signed bool) glua.LGFunction {
	return func(L *glua.LState) int {
		addr := engine.Addr(checkU64(L, 1))
		var buf [8]byte
		if L.GetTop() >= 2 {
			v := checkU64(L, 2)
			if size < 8 && !fits(v, L.Get(2), size) {
				L.RaiseError("mem.%s: %s does not fit in %d bytes", name, L.Get(2).String(), size)
			}
			binary.LittleEndian.PutUint64(buf[:], v)
			if err := m.p.WriteMemory(addr, buf[:size]); err != nil {
				L.RaiseError("write %d bytes at %#x: %v", size, uint64(addr), err)
			}
			return 0
		}
		if err := m.p.ReadMemory(addr, buf[:size]); err != nil {
			L.RaiseError("read %d bytes at %#x: %v", size, uint64(addr), err)
		}
		v := binary.LittleEndian.Uint64(buf[:])
		if signed {
			shift := uint(64 - 8*size)
			L.Push(SignedNumber(uint64(int64(v<<shift) >> shift)))
		} else {
			L.Push(AddrNumber(v))
		}
		return 1
	}
}

// fits: v (as written, lv) is in [-2^(8size-1), 2^(8size)).
func fits(v uint64, lv glua.LValue, size int) bool {
	bits := uint(8 * size)
	if n, ok := lv.(glua.LNumber); ok && n < 0 {
		return int64(v) >= -(int64(1) << (bits - 1))
	}
	return v < uint64(1)<<bits
}

// memFloat is mem.f32 and mem.f64.
func (m *Module) memFloat(size int) glua.LGFunction {
	return func(L *glua.LState) int {
		addr := engine.Addr(checkU64(L, 1))
		var buf [8]byte
		if L.GetTop() >= 2 {
			f := float64(L.CheckNumber(2))
			if size == 4 {
				binary.LittleEndian.PutUint32(buf[:], math.Float32bits(float32(f)))
			} else {
				binary.LittleEndian.PutUint64(buf[:], math.Float64bits(f))
			}
			if err := m.p.WriteMemory(addr, buf[:size]); err != nil {
				L.RaiseError("write %d bytes at %#x: %v", size, uint64(addr), err)
			}
			return 0
		}
		if err := m.p.ReadMemory(addr, buf[:size]); err != nil {
			L.RaiseError("read %d bytes at %#x: %v", size, uint64(addr), err)
		}
		if size == 4 {
			L.Push(glua.LNumber(math.Float32frombits(binary.LittleEndian.Uint32(buf[:]))))
		} else {
			L.Push(glua.LNumber(math.Float64frombits(binary.LittleEndian.Uint64(buf[:]))))
		}
		return 1
	}
}

// mem.cstr(addr [, max]) -> string: the NUL-terminated string at addr, at
// most max bytes (default 4096).
func (m *Module) memCstr(L *glua.LState) int {
	addr := engine.Addr(checkU64(L, 1))
	max := L.OptInt(2, cstrDefaultMax)
	var out []byte
	for len(out) < max {
		// Read up to the page end at most, so a string ending just before
		// an unmapped page reads fine.
		n := min(256, int(4096-uint64(addr)%4096), max-len(out))
		buf := make([]byte, n)
		if err := m.p.ReadMemory(addr, buf); err != nil {
			L.RaiseError("mem.cstr(%#x): %v", uint64(addr), err)
		}
		if i := bytes.IndexByte(buf, 0); i >= 0 {
			out = append(out, buf[:i]...)
			break
		}
		out = append(out, buf...)
		addr += engine.Addr(n)
	}
	L.Push(glua.LString(out))
	return 1
}

// mem.gostr(addr) -> string: the Go string whose header (pointer, length)
// is at addr.
func (m *Module) memGostr(L *glua.LState) int {
	addr := engine.Addr(checkU64(L, 1))
	var hdr [16]byte
	if err := m.p.ReadMemory(addr, hdr[:]); err != nil {
		L.RaiseError("mem.gostr(%#x): %v", uint64(addr), err)
	}
	ptr := binary.LittleEndian.Uint64(hdr[:8])
	n := binary.LittleEndian.Uint64(hdr[8:])
	if n > gostrMax {
		L.RaiseError("mem.gostr(%#x): length %d is not a string's (over %d)", uint64(addr), n, gostrMax)
	}
	buf := make([]byte, n)
	if n > 0 {
		if err := m.p.ReadMemory(engine.Addr(ptr), buf); err != nil {
			L.RaiseError("mem.gostr(%#x): bytes at %#x: %v", uint64(addr), ptr, err)
		}
	}
	L.Push(glua.LString(buf))
	return 1
}

// registerMem installs the mem table: callable, with its typed accessors.
func (m *Module) registerMem() {
	L := m.L
	t := L.NewTable()
	for _, f := range []struct {
		name   string
		size   int
		signed bool
	}{
		{"u8", 1, false}, {"u16", 2, false}, {"u32", 4, false}, {"u64", 8, false},
		{"i8", 1, true}, {"i16", 2, true}, {"i32", 4, true}, {"i64", 8, true},
	} {
		t.RawSetString(f.name, L.NewFunction(m.memInt(f.name, f.size, f.signed)))
	}
	t.RawSetString("f32", L.NewFunction(m.memFloat(4)))
	t.RawSetString("f64", L.NewFunction(m.memFloat(8)))
	t.RawSetString("cstr", L.NewFunction(m.memCstr))
	t.RawSetString("gostr", L.NewFunction(m.memGostr))
	mt := L.NewTable()
	mt.RawSetString("__call", L.NewFunction(m.mem))
	L.SetMetatable(t, mt)
	L.SetGlobal("mem", t)
}

package bindings

import (
	"bytes"
	"encoding/binary"
	"math"

	"github.com/godbg/godbg/engine"
	glua "github.com/yuin/gopher-lua"
)

// Default and hard limits of mem(addr, n), mem.cstr and mem.gostr: no read
// is longer than memMax bytes (a larger request is an error).
const (
	cstrDefaultMax = 4096
	memMax         = 16 << 20
)

// mem(addr, n) -> string: n raw bytes as the CPU sees them (a breakpoint's
// 0xcc shows). mem(addr, s): write the bytes of s (over a breakpoint the
// saved instruction changes, the trap stays).
func (m *Module) mem(L *glua.LState) int {
	// Called through the mem table's __call: argument 1 is the table, and
	// the errors count the user's arguments (addr is #1).
	L.Remove(1)
	addr := engine.Addr(checkU64(L, 1))
	switch v := L.Get(2).(type) {
	case glua.LNumber:
		n := int(checkInt(L, 2, "byte count", 0, memMax))
		m.checkMem(L)
		buf := make([]byte, n)
		if err := m.proc().ReadMemory(addr, buf); err != nil {
			L.RaiseError("mem(%#x, %d): %v", uint64(addr), n, err)
		}
		L.Push(glua.LString(buf))
		return 1
	case glua.LString:
		m.checkMem(L)
		if err := m.proc().WriteMemory(addr, []byte(v)); err != nil {
			L.RaiseError("mem(%#x, <%d bytes>): %v", uint64(addr), len(v), err)
		}
		return 0
	default:
		typeError(L, 2, "byte count or string to write")
		return 0
	}
}

// checkMem raises when there is no process memory to read or write.
func (m *Module) checkMem(L *glua.LState) {
	switch {
	case m.p == nil || m.exit != nil || m.p.Exited():
		apiError(L, "the process has exited")
	case m.detached:
		apiError(L, "the process was detached")
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
				apiError(L, "%s does not fit in %d bytes", L.Get(2).String(), size)
			}
			m.checkMem(L)
			binary.LittleEndian.PutUint64(buf[:], v)
			if err := m.proc().WriteMemory(addr, buf[:size]); err != nil {
				apiError(L, "%v", err)
			}
			return 0
		}
		m.checkMem(L)
		if err := m.proc().ReadMemory(addr, buf[:size]); err != nil {
			apiError(L, "%v", err)
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
			n, ok := L.Get(2).(glua.LNumber)
			if !ok {
				typeError(L, 2, "number")
			}
			f := float64(n)
			// NaN and the infinities are floats like any other; a finite
			// value beyond float32's range would become an infinity.
			if size == 4 && !math.IsInf(f, 0) && math.Abs(f) > math.MaxFloat32 {
				argError(L, 2, "%v does not fit in a float32", f)
			}
			m.checkMem(L)
			if size == 4 {
				binary.LittleEndian.PutUint32(buf[:], math.Float32bits(float32(f)))
			} else {
				binary.LittleEndian.PutUint64(buf[:], math.Float64bits(f))
			}
			if err := m.proc().WriteMemory(addr, buf[:size]); err != nil {
				apiError(L, "%v", err)
			}
			return 0
		}
		m.checkMem(L)
		if err := m.proc().ReadMemory(addr, buf[:size]); err != nil {
			apiError(L, "%v", err)
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
// most max bytes (default 4096, at most memMax).
func (m *Module) memCstr(L *glua.LState) int {
	addr := engine.Addr(checkU64(L, 1))
	max := int(optInt(L, 2, "max", cstrDefaultMax, 1, memMax))
	m.checkMem(L)
	var out []byte
	for len(out) < max {
		// Read up to the page end at most, so a string ending just before
		// an unmapped page reads fine.
		n := min(256, int(4096-uint64(addr)%4096), max-len(out))
		buf := make([]byte, n)
		if err := m.proc().ReadMemory(addr, buf); err != nil {
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
	m.checkMem(L)
	var hdr [16]byte
	if err := m.proc().ReadMemory(addr, hdr[:]); err != nil {
		L.RaiseError("mem.gostr(%#x): %v", uint64(addr), err)
	}
	ptr := binary.LittleEndian.Uint64(hdr[:8])
	n := binary.LittleEndian.Uint64(hdr[8:])
	if n > memMax {
		L.RaiseError("mem.gostr(%#x): length %d is not a string's (over %d)", uint64(addr), n, memMax)
	}
	buf := make([]byte, n)
	if n > 0 {
		if err := m.proc().ReadMemory(engine.Addr(ptr), buf); err != nil {
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
		t.RawSetString(f.name, m.api("mem."+f.name, m.memInt(f.name, f.size, f.signed)))
	}
	t.RawSetString("f32", m.api("mem.f32", m.memFloat(4)))
	t.RawSetString("f64", m.api("mem.f64", m.memFloat(8)))
	t.RawSetString("cstr", m.api("mem.cstr", m.memCstr))
	t.RawSetString("gostr", m.api("mem.gostr", m.memGostr))
	mt := L.NewTable()
	mt.RawSetString("__call", m.api("mem", m.mem))
	L.SetMetatable(t, mt)
	L.SetGlobal("mem", t)
}

package hwdebug

import "testing"

// TestSlotBits checks the encoding against Intel SDM vol. 3B 17.2.4 and
// 17.2.5: Ln at bit 2n, R/Wn at 16+4n (01 write, 11 read/write), LENn at
// 18+4n (00 1 byte, 01 2, 11 4, 10 8).
func TestSlotBits(t *testing.T) {
	tests := []struct {
		slot, size int
		mode       Mode
		want       uint64
	}{
		{0, 1, Write, 0x1 | 0b01<<16},
		{0, 2, ReadWrite, 0x1 | 0b11<<16 | 0b01<<18},
		{0, 8, Write, 0x1 | 0b01<<16 | 0b10<<18},
		{1, 4, ReadWrite, 0x4 | 0b11<<20 | 0b11<<22},
		{2, 2, Write, 0x10 | 0b01<<24 | 0b01<<26},
		{3, 8, ReadWrite, 0x40 | 0b11<<28 | 0b10<<30},
	}
	for _, tt := range tests {
		got, err := SlotBits(tt.slot, tt.size, tt.mode)
		if err != nil || got != tt.want {
			t.Errorf("SlotBits(%d, %d, %v) = %#x, %v; want %#x", tt.slot, tt.size, tt.mode, got, err, tt.want)
		}
	}
	for _, bad := range []struct {
		slot, size int
		mode       Mode
	}{{4, 8, Write}, {-1, 8, Write}, {0, 3, Write}, {0, 16, Write}, {0, 4, 0}, {0, 4, 0b10}} {
		if _, err := SlotBits(bad.slot, bad.size, bad.mode); err == nil {
			t.Errorf("SlotBits(%d, %d, %v): want an error", bad.slot, bad.size, bad.mode)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, tt := range []struct {
		addr uint64
		size int
		ok   bool
	}{{0x1000, 8, true}, {0x1004, 4, true}, {0x1004, 8, false}, {0x1001, 2, false}, {0x1001, 1, true}, {0x1000, 5, false}, {0x1000, 0, false}} {
		if err := Check(tt.addr, tt.size); (err == nil) != tt.ok {
			t.Errorf("Check(%#x, %d) = %v, want ok=%v", tt.addr, tt.size, err, tt.ok)
		}
	}
}

func TestParseMode(t *testing.T) {
	for s, want := range map[string]Mode{"w": Write, "rw": ReadWrite} {
		if got, err := ParseMode(s); got != want || err != nil {
			t.Errorf("ParseMode(%q) = %v, %v", s, got, err)
		}
		if got := want.String(); got != s {
			t.Errorf("%#v.String() = %q, want %q", want, got, s)
		}
	}
	if _, err := ParseMode("r"); err == nil {
		t.Error(`ParseMode("r"): want an error`)
	}
}

func TestFired(t *testing.T) {
	for _, tt := range []struct{ dr6, want uint64 }{
		{0, 0},
		{0x1, 0x1},
		{0xffff0ff0, 0},       // reserved bits set to 1 (SDM 17.2.3), none fired
		{0xffff4ff9, 0x9},     // BS with B0 and B3: a step that also hit
		{1 << 14, 0},          // BS alone: a single-step trap
		{0xffff0ff0 | 2, 2},   // B1
		{0xffff0ff0 | 15, 15}, // all four
	} {
		if got := Fired(tt.dr6); got != tt.want {
			t.Errorf("Fired(%#x) = %#x, want %#x", tt.dr6, got, tt.want)
		}
	}
}

func TestUserOffset(t *testing.T) {
	for n, want := range map[int]uintptr{0: 848, 3: 872, 6: 896, 7: 904} {
		if got := UserOffset(n); got != want {
			t.Errorf("UserOffset(%d) = %d, want %d", n, got, want)
		}
	}
}

type watch struct{ id int }

// TestSlots allocates, frees and encodes: the first free slot is taken,
// a slot is freed only by its own watch, and DR7 follows.
func TestSlots(t *testing.T) {
	var s Slots[*watch]
	if got := s.DR7(); got != 0 {
		t.Fatalf("empty DR7 = %#x, want 0", got)
	}
	ws := []*watch{{1}, {2}, {3}, {4}, {5}}
	specs := []Spec{{0x1000, 8, Write}, {0x2000, 4, ReadWrite}, {0x3000, 2, Write}, {0x4000, 1, ReadWrite}}
	for i, sp := range specs {
		n, ok := s.Alloc(ws[i], sp)
		if !ok || n != i {
			t.Fatalf("Alloc #%d = %d, %v; want %d, true", i, n, ok, i)
		}
	}
	if n, ok := s.Alloc(ws[4], Spec{0x5000, 8, Write}); ok || n != -1 {
		t.Fatalf("Alloc on full slots = %d, %v; want -1, false", n, ok)
	}
	s.Release(1, ws[0]) // not its slot: nothing changes
	if s.At(1) != ws[1] {
		t.Fatalf("Release by another watch freed slot 1")
	}
	s.Release(1, ws[1])
	if s.At(1) != nil || s.Free() != 1 {
		t.Fatalf("after Release(1): At(1) = %v, Free() = %d; want nil, 1", s.At(1), s.Free())
	}
	want := uint64(0x1|0b01<<16|0b10<<18) | 0x10 | 0b01<<24 | 0b01<<26 | 0x40 | 0b11<<28
	if got := s.DR7(); got != want {
		t.Errorf("DR7 = %#x, want %#x", got, want)
	}
	ns, got := s.Used()
	if len(ns) != 3 || ns[0] != 0 || ns[1] != 2 || ns[2] != 3 || got[1] != specs[2] {
		t.Errorf("Used() = %v, %v", ns, got)
	}
	if n, ok := s.Alloc(ws[4], Spec{0x5000, 8, ReadWrite}); !ok || n != 1 {
		t.Errorf("Alloc into the freed slot = %d, %v; want 1, true", n, ok)
	}
	if held := s.Reset(); len(held) != 4 || s.DR7() != 0 || s.Free() != 0 {
		t.Errorf("Reset: held %d, DR7 %#x, Free %d; want 4, 0, 0", len(held), s.DR7(), s.Free())
	}
	if s.At(-1) != nil || s.At(4) != nil {
		t.Error("At out of range: want nil")
	}
}

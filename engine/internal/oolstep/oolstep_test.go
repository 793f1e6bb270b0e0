package oolstep

import (
	"encoding/hex"
	"strings"
	"testing"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Golden bytes, worked out by hand from the Intel manual's encodings.
// wantErr checks err against want, a part of the error a case expects
// ("": none). It returns true when an error was expected: the case is done.
func wantErr(t *testing.T, err error, want string) bool {
	t.Helper()
	if want != "" {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("err = %v, want %q", err, want)
		}
		return true
	}
	if err != nil {
		t.Fatal(err)
	}
	return false
}

// wantBytes checks got against the hex bytes want.
func wantBytes(t *testing.T, got []byte, want string) {
	t.Helper()
	if w := unhex(t, want); string(got) != string(w) {
		t.Fatalf("got % x\nwant % x", got, w)
	}
}

func TestRelocate(t *testing.T) {
	for _, c := range []struct {
		name     string
		code     string
		from, to uint64
		want     string // "" with err
		err      string
	}{
		{"plain", "48 89 e5", 0x1000, 0x2000, "48 89 e5", ""},
		// mov rax, [rip+0x10]: 0x10 + 0x1000 - 0x2000 = -0xff0
		{"rip load", "48 8b 05 10 00 00 00", 0x1000, 0x2000, "48 8b 05 10 f0 ff ff", ""},
		// cmp dword [rip+0x20], 7 (an immediate after the displacement)
		{"rip imm", "83 3d 20 00 00 00 07", 0x1000, 0x3000, "83 3d 20 e0 ff ff 07", ""},
		{"rip out of reach", "48 8b 05 10 00 00 00", 0x1000, 0x1_0000_2000, "", "out of reach"},
		// jbe +5 at 0x1000 -> 0x1007; jbe rel32 from 0x2006: -0xfff
		{"jcc rel8", "76 05", 0x1000, 0x2000, "0f 86 01 f0 ff ff", ""},
		{"jcc rel32", "0f 84 00 01 00 00", 0x1000, 0x2000, "0f 84 00 f1 ff ff", ""},
		// jne far: je over the absolute jump
		{"jcc far", "75 05", 0x1000, 0x1_0000_0000, "74 0e ff 25 00 00 00 00 07 10 00 00 00 00 00 00", ""},
		// jmp +0x10 at 0x1000 -> 0x1012; from 0x2005: -0xff3
		{"jmp rel8", "eb 10", 0x1000, 0x2000, "e9 0d f0 ff ff", ""},
		// call 0x1105: push 0x1005, jmp from 0x200a: -0xf05 (0x1105-0x200a)
		{"call rel32", "e8 00 01 00 00", 0x1000, 0x2000, "68 05 10 00 00 e9 fb f0 ff ff", ""},
		{"call high", "e8 00 00 00 00", 0x7f00_0000_1000, 0x7f00_0000_2000,
			"48 8d 64 24 f8 c7 04 24 05 10 00 00 c7 44 24 04 00 7f 00 00 e9 ec ef ff ff", ""},
		{"call reg", "ff d0", 0x1000, 0x2000, "", "indirect call"},
		{"loop", "e2 fe", 0x1000, 0x2000, "", "rel8 only"},
		{"jrcxz", "e3 02", 0x1000, 0x2000, "", "rel8 only"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in, err := Decode(unhex(t, c.code), c.from)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Relocate(in, c.to)
			if wantErr(t, err, c.err) {
				return
			}
			wantBytes(t, got, c.want)
		})
	}
}

func TestRelocateRun(t *testing.T) {
	for _, c := range []struct {
		name     string
		code     string
		from, to uint64
		want     string
		n        int
		err      string
	}{
		// Go's prologue: cmp rsp, [r14+0x10]; jbe +0x2a (to 0x401030);
		// then jmp back to 0x401006.
		{"go prologue", "49 3b 66 10 76 2a 55", 0x401000, 0x400000,
			"49 3b 66 10 0f 86 26 10 00 00 e9 f7 0f 00 00", 6, ""},
		// C at -O0: push rbp; mov rbp, rsp; sub rsp, 0x10
		{"c prologue", "55 48 89 e5 48 83 ec 10", 0x1000, 0x2000,
			"55 48 89 e5 48 83 ec 10 e9 fb ef ff ff", 8, ""},
		// endbr64; push rbp
		{"endbr", "f3 0f 1e fa 55 48 89 e5", 0x1000, 0x2000,
			"f3 0f 1e fa 55 e9 fb ef ff ff", 5, ""},
		// a call last is fine: push 0x1006, jmp 0x1106
		{"call last", "90 e8 00 01 00 00", 0x1000, 0x2000,
			"90 68 06 10 00 00 e9 fb f0 ff ff e9 f6 ef ff ff", 6, ""},
		{"call inside", "e8 00 01 00 00 90", 0x1000, 0x2000, "", 0, "call inside"}, // min 6
		{"short code", "90 90", 0x1000, 0x2000, "", 0, "ends before"},
	} {
		t.Run(c.name, func(t *testing.T) {
			min := JmpLen
			if c.name == "call inside" {
				min = 6
			}
			r, err := DecodeRun(unhex(t, c.code), c.from, min)
			var got []byte
			if err == nil {
				a := &Asm{Base: c.to}
				err = a.RelocateRun(r)
				got = a.B
			}
			if wantErr(t, err, c.err) {
				return
			}
			if r.Len != c.n {
				t.Fatalf("run covers %d bytes, want %d", r.Len, c.n)
			}
			wantBytes(t, got, c.want)
		})
	}
}

func TestAsm(t *testing.T) {
	a := &Asm{Base: 0x1000}
	a.LeaRSP(-128)
	a.LeaRSP(-0x100)
	a.MovImm64(R10, 0x1122334455667788)
	a.Store64(RDX, R15, 0x40)
	a.Load64(RAX, RDX, 8)
	a.LoadRSP64(RCX, 0x10)
	if !a.RipRel([]byte{0xf0, 0x48, 0x83}, 0, 0x2000, 1) { // lock add qword [rip+x], 1
		t.Fatal("out of reach")
	}
	off := a.JmpTo()
	a.Bytes(0x90)
	a.Land(off)
	want := unhex(t, "48 8d 64 24 80 48 8d a4 24 00 ff ff ff 49 ba 88 77 66 55 44 33 22 11"+
		"4c 89 ba 40 00 00 00 48 8b 82 08 00 00 00 48 8b 4c 24 10"+
		"f0 48 83 05 cd 0f 00 00 01 e9 01 00 00 00 90")
	if string(a.B) != string(want) {
		t.Fatalf("got % x\nwant % x", a.B, want)
	}
}

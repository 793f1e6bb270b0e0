package syscalls

import (
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

func TestSeccompProgram(t *testing.T) {
	const x32 = 0x40000000
	tests := []struct {
		all   bool
		nrs   []int
		arch  uint32
		nr    int
		trace bool
	}{
		{false, []int{257}, unix.AUDIT_ARCH_X86_64, 257, true},
		{false, []int{257}, unix.AUDIT_ARCH_X86_64, 39, false},
		{false, []int{0, 1, 257}, unix.AUDIT_ARCH_X86_64, 0, true},
		{false, []int{0, 1, 257}, unix.AUDIT_ARCH_X86_64, 1, true},
		{false, []int{0, 1, 257}, unix.AUDIT_ARCH_X86_64, 2, false},
		{false, []int{0, 1, 257}, unix.AUDIT_ARCH_X86_64, x32 | 257, false},
		{false, []int{257}, unix.AUDIT_ARCH_I386, 257, true}, // int 0x80: every call
		{false, []int{257}, unix.AUDIT_ARCH_I386, 20, true},
		{false, []int{257}, unix.AUDIT_ARCH_AARCH64, 257, false},
		{true, nil, unix.AUDIT_ARCH_X86_64, 39, true},
		{true, nil, unix.AUDIT_ARCH_X86_64, -1, true},
		{true, nil, unix.AUDIT_ARCH_I386, 39, true},
	}
	for _, tt := range tests {
		got, err := runSeccompProgram(Program(tt.all, tt.nrs), tt.arch, tt.nr)
		want := uint32(unix.SECCOMP_RET_ALLOW)
		if tt.trace {
			want = unix.SECCOMP_RET_TRACE
		}
		if err != nil || got != want {
			t.Errorf("all=%v nrs=%v arch=%#x nr=%d: got %#x, %v; want %#x", tt.all, tt.nrs, tt.arch, tt.nr, got, err, want)
		}
	}
	// Every call of the table at once: the jumps stay short.
	var nrs []int
	for _, name := range Names() {
		nr, _ := Number(name)
		nrs = append(nrs, nr)
	}
	prog := Program(false, nrs)
	if len(prog) > MaxInsns {
		t.Fatalf("%d instructions for %d calls", len(prog), len(nrs))
	}
	for _, nr := range nrs {
		if got, err := runSeccompProgram(prog, unix.AUDIT_ARCH_X86_64, nr); err != nil || got != unix.SECCOMP_RET_TRACE {
			t.Errorf("all names, nr %d: got %#x, %v", nr, got, err)
		}
	}
}

// runSeccompProgram interprets prog for one call as the kernel would
// (for the tests: only the opcodes Program emits).
func runSeccompProgram(prog []unix.SockFilter, arch uint32, nr int) (uint32, error) {
	var acc uint32
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		switch in.Code {
		case bpfLdAbsW:
			switch in.K {
			case seccompNr:
				acc = uint32(nr)
			case seccompArch:
				acc = arch
			default:
				return 0, fmt.Errorf("load of offset %d", in.K)
			}
		case bpfJeqK:
			if acc == in.K {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case bpfRetK:
			return in.K, nil
		default:
			return 0, fmt.Errorf("opcode %#x", in.Code)
		}
	}
	return 0, errors.New("fell off the end")
}

// TestEncode checks the bytes seccomp(2) reads: struct sock_fprog (len,
// padding, pointer) then struct sock_filter, little-endian.
func TestEncode(t *testing.T) {
	prog := []unix.SockFilter{
		{Code: bpfLdAbsW, K: seccompArch},
		{Code: bpfJeqK, Jt: 3, Jf: 1, K: unix.AUDIT_ARCH_X86_64},
		{Code: bpfRetK, K: unix.SECCOMP_RET_TRACE},
	}
	got := Encode(prog, 0x7f0000001000)
	want := []byte{
		3, 0, 0, 0, 0, 0, 0, 0, // len 3, padding
		0x10, 0x10, 0, 0, 0, 0x7f, 0, 0, // filter at 0x7f0000001010
		0x20, 0, 0, 0, 4, 0, 0, 0, // ld [4]
		0x15, 0, 3, 1, 0x3e, 0, 0, 0xc0, // jeq #0xc000003e, 3, 1
		0x06, 0, 0, 0, 0, 0, 0xf0, 0x7f, // ret #0x7ff00000
	}
	if string(got) != string(want) {
		t.Errorf("Encode = % x\nwant     % x", got, want)
	}
	if n := binary.LittleEndian.Uint16(Encode(Program(true, nil), 0)); n != 6 {
		t.Errorf("Program(all) has %d instructions, want 6", n)
	}
}

// TestFilteredUnfiltered: what a new filter must add, given the catches
// and the filters installed.
func TestFilteredUnfiltered(t *testing.T) {
	var s Set
	var f Filtered
	if all, nrs := s.Unfiltered(&f); all || len(nrs) != 0 {
		t.Fatalf("no catch: got %v, %v", all, nrs)
	}
	s.Add(false, []int{257, 0})
	c := s.Add(false, []int{1, 257})
	if all, nrs := s.Unfiltered(&f); all || fmt.Sprint(nrs) != "[0 1 257]" {
		t.Fatalf("two catches: got %v, %v; want false, [0 1 257]", all, nrs)
	}
	f.Add(false, []int{0, 1, 257})
	if all, nrs := s.Unfiltered(&f); all || len(nrs) != 0 || f.Installed() != 1 {
		t.Fatalf("all filtered: got %v, %v, %d filters", all, nrs, f.Installed())
	}
	s.Remove(c)
	s.Add(false, []int{39, 1})
	if all, nrs := s.Unfiltered(&f); all || fmt.Sprint(nrs) != "[39]" {
		t.Fatalf("one more call: got %v, %v; want false, [39]", all, nrs)
	}
	s.Add(true, nil)
	if all, _ := s.Unfiltered(&f); !all {
		t.Fatal("a catch of every call: want all")
	}
	f.Add(true, nil)
	if all, nrs := s.Unfiltered(&f); all || len(nrs) != 0 || f.Installed() != 2 {
		t.Fatalf("a filter of every call: got %v, %v, %d filters", all, nrs, f.Installed())
	}
}

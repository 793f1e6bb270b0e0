package objects

import (
	"debug/elf"
	"reflect"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

func TestSpans(t *testing.T) {
	maps := []Mapping{
		{Lo: 0x555555554000, Hi: 0x555555555000, Off: 0, Ino: 7, Path: "/bin/prog"},
		{Lo: 0x555555555000, Hi: 0x555555556000, Off: 0x1000, Ino: 7, Path: "/bin/prog"},
		{Lo: 0x555555559000, Hi: 0x55555557a000, Path: "[heap]"},
		// A file whose first mapping is not at offset 0: its base is the
		// offset-0 one, its range covers both.
		{Lo: 0x7ffff7d00000, Hi: 0x7ffff7d10000, Off: 0x28000, Ino: 9, Path: "/lib/libc.so.6"},
		{Lo: 0x7ffff7c00000, Hi: 0x7ffff7c28000, Off: 0, Ino: 9, Path: "/lib/libc.so.6"},
		{Lo: 0x7ffff7e00000, Hi: 0x7ffff7e01000, Path: ""},
		{Lo: 0x7ffff7e10000, Hi: 0x7ffff7e11000, Off: 0, Ino: 3, Path: "/tmp/libgone.so (deleted)"},
		// Mapped from a later offset only (a data file window): no base.
		{Lo: 0x7ffff7e20000, Hi: 0x7ffff7e21000, Off: 0x4000, Ino: 4, Path: "/usr/lib/locale/archive"},
		{Lo: 0x7ffff7fc3000, Hi: 0x7ffff7fc4000, Off: 0, Ino: 11, Path: "/lib64/ld-linux-x86-64.so.2"},
		{Lo: 0x7ffffffde000, Hi: 0x7ffffffff000, Path: "[stack]"},
	}
	want := []Span{
		{Path: "/bin/prog", Lo: 0x555555554000, Hi: 0x555555556000, Base: 0x555555554000, Ino: 7},
		{Path: "/lib/libc.so.6", Lo: 0x7ffff7c00000, Hi: 0x7ffff7d10000, Base: 0x7ffff7c00000, Ino: 9},
		{Path: "/lib64/ld-linux-x86-64.so.2", Lo: 0x7ffff7fc3000, Hi: 0x7ffff7fc4000, Base: 0x7ffff7fc3000, Ino: 11},
	}
	if got := Spans(maps); !reflect.DeepEqual(got, want) {
		t.Errorf("Spans:\ngot  %+v\nwant %+v", got, want)
	}
	gone := Span{Path: "/tmp/libgone.so (deleted)", Lo: 0x7ffff7e10000, Hi: 0x7ffff7e11000, Base: 0x7ffff7e10000, Ino: 3}
	withGone := append(append(append([]Span(nil), want[:2]...), gone), want[2])
	if got := FileSpans(maps); !reflect.DeepEqual(got, withGone) {
		t.Errorf("FileSpans:\ngot  %+v\nwant %+v", got, withGone)
	}
	if got := Spans(nil); len(got) != 0 {
		t.Errorf("Spans(nil) = %+v", got)
	}
}

func TestMatches(t *testing.T) {
	for _, tc := range []struct {
		path, q string
		want    bool
	}{
		{"/lib/x86_64-linux-gnu/libc.so.6", "libc.so.6", true},
		{"/lib/x86_64-linux-gnu/libc.so.6", "libc.so", true},
		{"/lib/x86_64-linux-gnu/libc.so.6", "libc", true},
		{"/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6", true},
		{"/lib/x86_64-linux-gnu/libc.so.6", "lib", false},
		{"/lib/x86_64-linux-gnu/libc.so.6", "libc.so.7", false},
		{"/lib/x86_64-linux-gnu/libcrypt.so.1", "libc", false},
		{"/tmp/libplugin.so", "libplugin.so", true},
	} {
		if got := Matches(tc.path, tc.q); got != tc.want {
			t.Errorf("Matches(%q, %q) = %v, want %v", tc.path, tc.q, got, tc.want)
		}
	}
}

// TestBiasOfBuiltObjects: a PIE and a shared library link at 0 (their
// bias is where they are mapped), a non-PIE program at its link address
// (bias 0); an indirect function is found by name.
func TestBiasOfBuiltObjects(t *testing.T) {
	for _, tc := range []struct {
		path  string
		low   Addr
		ifunc string
	}{
		{fixture.C(t, "hello.c", "-O0", "-g", "-pie", "-fPIE"), 0, ""},
		{fixture.C(t, "hello.c", "-O0", "-g", "-no-pie"), 0x400000, ""},
		{fixture.C(t, "ifunclib.c", "-O0", "-g", "-shared", "-fPIC"), 0, "addtwo"},
	} {
		ef, err := elf.Open(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		low := LowVA(ef)
		if low != tc.low {
			t.Errorf("%s: LowVA = %v, want %v", tc.path, low, tc.low)
		}
		if b := Bias(0x7f0000000000+low, low); b != 0x7f0000000000 {
			t.Errorf("%s: Bias = %v", tc.path, b)
		}
		names := IFuncNames(ef)
		if tc.ifunc != "" && !names[tc.ifunc] || tc.ifunc == "" && len(names) != 0 {
			t.Errorf("%s: IFuncNames = %v, want %q", tc.path, names, tc.ifunc)
		}
		ef.Close()
	}
	if got := IFuncNames(nil); len(got) != 0 {
		t.Errorf("IFuncNames(nil) = %v", got)
	}
}

package symtab

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

func open(t *testing.T, path string) *Binary {
	t.Helper()
	b, err := Open(path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// elfHeader builds a 64-byte ELF header with the given class and machine.
func elfHeader(class byte, machine uint16) []byte {
	h := make([]byte, 64)
	copy(h, "\x7fELF")
	h[4] = class
	h[5] = 1                                 // little-endian
	h[6] = 1                                 // EV_CURRENT
	binary.LittleEndian.PutUint16(h[16:], 2) // ET_EXEC
	binary.LittleEndian.PutUint16(h[18:], machine)
	binary.LittleEndian.PutUint32(h[20:], 1)
	binary.LittleEndian.PutUint16(h[52:], 64) // e_ehsize
	return h
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	real, err := os.ReadFile(fixture.C(t, "hello.c", "-O0", "-g"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	aarch64 := elfHeader(2, 183)
	tests := []struct {
		name string
		path string
		want string
	}{
		{"missing", filepath.Join(dir, "nope"), "no such file"},
		{"directory", dir, "is a directory"},
		{"empty", write("empty", nil), "not an ELF file"},
		{"text", write("text", []byte("#!/bin/sh\necho hi\n")), "not an ELF file"},
		{"magic only", write("magic", []byte("\x7fELF")), "truncated or corrupt ELF"},
		{"32-bit", write("elf32", elfHeader(1, 3)), "32-bit ELF (godbg debugs x86-64 only)"},
		{"aarch64", write("arm", aarch64), "ELF for AARCH64, not x86-64"},
		{"bad class", write("class", elfHeader(9, 62)), "truncated or corrupt ELF"},
		{"truncated", write("trunc", real[:100]), "truncated or corrupt ELF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Open(tt.path)
			if err == nil {
				b.Close()
				t.Fatalf("Open(%s) = nil error, want %q", tt.path, tt.want)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tt.path+": ") || !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Errorf("Open error = %q, want one line %q naming the path", msg, tt.want)
			}
		})
	}
	if _, err := Open(filepath.Join(dir, "nope")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file error %v does not wrap fs.ErrNotExist", err)
	}
}

func TestHeaders(t *testing.T) {
	pie := open(t, fixture.C(t, "hello.c", "-O0", "-g"))
	nopie := open(t, fixture.C(t, "hello.c", "-O0", "-g", "-no-pie"))
	gobin := open(t, fixture.GoDebug(t, "break"))
	stripped := open(t, fixture.Go(t, "break", "-ldflags=-s -w"))
	nodebug := open(t, fixture.C(t, "hello.c", "-O0"))

	for _, tt := range []struct {
		b                  *Binary
		pie, isGo, hasDWRF bool
	}{
		{pie, true, false, true},
		{nopie, false, false, true},
		{gobin, false, true, true},
		{stripped, false, true, false},
		{nodebug, true, false, false},
	} {
		if got := tt.b.PIE(); got != tt.pie {
			t.Errorf("%s: PIE() = %v, want %v", tt.b.Path(), got, tt.pie)
		}
		if got := tt.b.IsGo(); got != tt.isGo {
			t.Errorf("%s: IsGo() = %v, want %v", tt.b.Path(), got, tt.isGo)
		}
		if got := tt.b.HasDWARF(); got != tt.hasDWRF {
			t.Errorf("%s: HasDWARF() = %v, want %v", tt.b.Path(), got, tt.hasDWRF)
		}
		d, err := tt.b.DWARF()
		if tt.hasDWRF && (d == nil || err != nil) {
			t.Errorf("%s: DWARF() = %v, %v", tt.b.Path(), d, err)
		}
		if !tt.hasDWRF {
			want := "no debug info (DWARF) in " + tt.b.Path()
			if err == nil || err.Error() != want {
				t.Errorf("DWARF() error = %v, want %q", err, want)
			}
		}
		// The entry point is _start in C and Go alike.
		if s, ok := tt.b.LookupSym("_start"); ok && s.Addr != tt.b.Entry() {
			t.Errorf("%s: Entry() = %v, want _start %v", tt.b.Path(), tt.b.Entry(), s.Addr)
		}
	}
	if s, _ := gobin.LookupSym("_rt0_amd64_linux"); gobin.Entry() != s.Addr || s.Addr == 0 {
		t.Errorf("Go Entry() = %v, want _rt0_amd64_linux %v", gobin.Entry(), s.Addr)
	}
}

func TestReadCodeIsCode(t *testing.T) {
	b := open(t, fixture.GoDebug(t, "break"))
	fn := mustSym(t, b, "main.BreakMe")
	code, err := b.ReadCode(fn.Addr, 4)
	if err != nil {
		t.Fatal(err)
	}
	// cmp rsp, qword ptr [r14+0x10]: the stack-growth check.
	if want := []byte{0x49, 0x3b, 0x66, 0x10}; !bytes.Equal(code, want) {
		t.Errorf("ReadCode(main.BreakMe, 4) = % x, want % x", code, want)
	}
	whole, err := b.ReadCode(fn.Addr, int(fn.Size))
	if err != nil || len(whole) != int(fn.Size) {
		t.Errorf("ReadCode(main.BreakMe, %d) = %d bytes, %v", fn.Size, len(whole), err)
	}
	if !b.IsCode(fn.Addr) || !b.IsCode(fn.Addr+Addr(fn.Size)-1) {
		t.Errorf("IsCode(main.BreakMe) = false")
	}
	data := mustSym(t, b, "os.Stdout")
	if b.IsCode(data.Addr) {
		t.Errorf("IsCode(os.Stdout) = true")
	}
	if _, err := b.ReadCode(0x10, 4); err == nil {
		t.Errorf("ReadCode(0x10) = nil error, want unmapped")
	}

	c := open(t, fixture.C(t, "hello.c", "-O0", "-g"))
	add := mustSym(t, c, "add")
	code, err = c.ReadCode(add.Addr, 4)
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{0x55, 0x48, 0x89, 0xe5}; !bytes.Equal(code, want) {
		t.Errorf("ReadCode(add) = % x, want % x (push rbp; mov rbp, rsp)", code, want)
	}
	// counter lives in .bss: no file bytes, not code.
	counter := mustSym(t, c, "counter")
	if c.IsCode(counter.Addr) {
		t.Errorf("IsCode(counter) = true")
	}
	if got, err := c.ReadCode(counter.Addr, 4); err == nil && len(got) != 0 {
		t.Errorf("ReadCode(counter in .bss) = % x, want nothing", got)
	}
}

func mustSym(t *testing.T, b *Binary, name string) Symbol {
	t.Helper()
	s, ok := b.LookupSym(name)
	if !ok {
		t.Fatalf("LookupSym(%q) in %s: not found", name, b.Path())
	}
	return s
}

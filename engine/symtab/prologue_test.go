package symtab

import (
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// TestPrologueBreakMe: main.BreakMe built -N -l is
//
//	cmp rsp, [r14+0x10]; jbe morestack; push rbp; mov rbp, rsp; sub rsp, 0x48; ...
//
// and the breakpoint goes on the sub, where Go's prologue_end is (and where
// the seed's Delve put it).
func TestPrologueBreakMe(t *testing.T) {
	path := fixture.GoDebug(t, "break")
	b := open(t, path)
	insns := goObjdump(t, path, "main.BreakMe")
	wantOps := []string{"CMPQ SP, 0x10(R14)", "JBE", "PUSHQ BP", "MOVQ SP, BP", "SUBQ $"}
	for i, op := range wantOps {
		if !strings.HasPrefix(insns[i].text, op) {
			t.Fatalf("main.BreakMe instruction %d = %q, want %q...", i, insns[i].text, op)
		}
	}
	got, err := b.FirstPCAfterPrologue(mustSym(t, b, "main.BreakMe"))
	if err != nil || got != insns[4].pc {
		t.Errorf("FirstPCAfterPrologue(main.BreakMe) = %v, %v; want %v (%s)", got, err, insns[4].pc, insns[4].text)
	}
	if _, line, _ := b.PCToLine(got); line != 6 {
		t.Errorf("breakpoint line = %d, want 6 (the func line, as Delve reports)", line)
	}
}

// TestGoPrologueDecodeMatchesDWARF checks rule 2 (decoding, used without
// DWARF) against rule 1 (prologue_end) on every function that has the flag.
func TestGoPrologueDecodeMatchesDWARF(t *testing.T) {
	for _, path := range []string{fixture.GoDebug(t, "break"), fixture.Go(t, "break"), fixture.GoDebug(t, "gomulti")} {
		b := open(t, path)
		fns, err := b.Syms("*")
		if err != nil {
			t.Fatal(err)
		}
		checked, bad := 0, 0
		for _, fn := range fns {
			if fn.Kind != Func || fn.Size == 0 {
				continue
			}
			want, ok := b.prologueEnd(fn.Addr, fn.Addr+Addr(fn.Size))
			if !ok {
				continue
			}
			code, err := b.ReadCode(fn.Addr, int(fn.Size))
			if err != nil {
				t.Fatal(err)
			}
			checked++
			if got := fn.Addr + Addr(goPrologueLen(code)); got != want {
				bad++
				if bad <= 10 {
					t.Errorf("%s: decoded prologue end %v, DWARF prologue_end %v (code % x)", fn.Name, got, want, code[:min(len(code), 24)])
				}
			}
		}
		if checked < 500 {
			t.Errorf("%s: only %d functions with prologue_end", path, checked)
		}
		t.Logf("%s: %d functions agree", path, checked-bad)
	}
}

func TestPrologueStrippedGo(t *testing.T) {
	full := open(t, fixture.Go(t, "break"))
	stripped := open(t, fixture.Go(t, "break", "-ldflags=-s -w"))
	for _, name := range []string{"main.main", "fmt.Fprintln", "runtime.main"} {
		want, err1 := full.FirstPCAfterPrologue(mustSym(t, full, name))
		got, err2 := stripped.FirstPCAfterPrologue(mustSym(t, stripped, name))
		if err1 != nil || err2 != nil || got != want {
			t.Errorf("%s: stripped FirstPCAfterPrologue = %v (%v), with DWARF %v (%v)", name, got, err2, want, err1)
		}
	}
}

// TestGoPrologueForms covers the three stack-check sizes of obj6.go and a
// NOSPLIT frame, on hand-assembled bytes.
func TestGoPrologueForms(t *testing.T) {
	tests := []struct {
		name string
		code []byte
		want int
	}{
		{"small frame", []byte{0x49, 0x3b, 0x66, 0x10, 0x76, 0x20, 0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x18, 0x90}, 10},
		{"medium frame", []byte{0x4c, 0x8d, 0x64, 0x24, 0xd0, 0x4d, 0x3b, 0x66, 0x10, 0x0f, 0x86, 1, 2, 0, 0, 0x55, 0x48, 0x89, 0xe5, 0x48, 0x81, 0xec, 0xa8, 0, 0, 0}, 19},
		{"huge frame", []byte{0x49, 0x89, 0xe4, 0x49, 0x81, 0xec, 0, 0x10, 0, 0, 0x0f, 0x82, 1, 0, 0, 0, 0x4d, 0x3b, 0x66, 0x10, 0x0f, 0x86, 1, 0, 0, 0, 0x55, 0x48, 0x89, 0xe5, 0x48, 0x81, 0xec, 0, 0x20, 0, 0}, 30},
		{"nosplit frame", []byte{0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x10, 0xc3}, 4},
		{"frame of 128", []byte{0x49, 0x3b, 0x66, 0x10, 0x76, 0x20, 0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xc4, 0x80}, 10},
		{"frame of size 0", []byte{0x55, 0x48, 0x89, 0xe5, 0x48, 0x89, 0xd9, 0x5d, 0xc3}, 1},
		{"leaf", []byte{0x48, 0x8b, 0x44, 0x24, 0x08, 0xc3}, 0},
		{"check, no frame", []byte{0x49, 0x3b, 0x66, 0x10, 0x76, 0x05, 0xc3}, 6},
		{"truncated", []byte{0x49, 0x3b, 0x66}, 0},
	}
	for _, tt := range tests {
		if got := goPrologueLen(tt.code); got != tt.want {
			t.Errorf("%s: goPrologueLen = %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestPrologueCAgainstGdb: for every function of the C targets, in -O0 and
// -O2, PIE and not, our breakpoint address is gdb's.
func TestPrologueCAgainstGdb(t *testing.T) {
	for _, src := range []string{"hello.c", "cthreads.c", "crash.c"} {
		for _, flags := range [][]string{{"-O0", "-g"}, {"-O2", "-g"}, {"-O0", "-g", "-no-pie"}, {"-O2", "-g", "-no-pie"}} {
			path := fixture.C(t, src, flags...)
			b := open(t, path)
			all, _ := b.Syms("*")
			var fns []Symbol
			for _, s := range all {
				if file, _, ok := b.PCToLine(s.Addr); s.Kind == Func && ok && strings.HasSuffix(file, "/"+src) && !strings.Contains(s.Name, ".") {
					fns = append(fns, s)
				}
			}
			if len(fns) < 2 {
				t.Fatalf("%s %v: only %d functions from the source", src, flags, len(fns))
			}
			gdb := gdbBreaks(t, path, fns, func(s Symbol) string { return s.Name })
			for i, fn := range fns {
				got, err := b.FirstPCAfterPrologue(fn)
				if err != nil || got != gdb[i].pc {
					t.Errorf("%s %v: FirstPCAfterPrologue(%s) = %v, %v; gdb says %v", src, flags, fn.Name, got, err, gdb[i].pc)
				}
				if _, line, _ := b.PCToLine(got); line != gdb[i].line {
					t.Errorf("%s %v: %s breakpoint line %d, gdb says %d", src, flags, fn.Name, line, gdb[i].line)
				}
			}
		}
	}
}

// TestPrologueCNoDWARF: rule 4 skips push rbp; mov rbp, rsp; sub rsp, N.
func TestPrologueCNoDWARF(t *testing.T) {
	b := open(t, fixture.C(t, "hello.c", "-O0"))
	for name, off := range map[string]Addr{"add": 4, "main": 8} {
		fn := mustSym(t, b, name)
		if got, err := b.FirstPCAfterPrologue(fn); err != nil || got != fn.Addr+off {
			t.Errorf("FirstPCAfterPrologue(%s) = %v, %v; want entry+%d = %v", name, got, err, off, fn.Addr+off)
		}
	}
	if _, err := b.FirstPCAfterPrologue(mustSym(t, b, "counter")); err == nil {
		t.Errorf("FirstPCAfterPrologue(counter) = nil error, want not a function")
	}
}

package debuginfo

import (
	"fmt"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// frameLines renders frames as "func file:line" without addresses.
func frameLines(fr []Frame) string {
	var b strings.Builder
	for _, f := range fr {
		inl := ""
		if f.Inlined {
			inl = " (inlined)"
		}
		fmt.Fprintf(&b, "%s %s:%d%s\n", f.Func, f.File[strings.LastIndex(f.File, "/")+1:], f.Line, inl)
	}
	return b.String()
}

func checkFrames(t *testing.T, tr *tracee, want string) []Frame {
	t.Helper()
	fr, err := tr.info.Unwind(tr, tr.regs(), 50)
	if err != nil {
		t.Fatalf("Unwind: %v", err)
	}
	if got := frameLines(fr); got != want {
		t.Errorf("Unwind:\ngot:\n%s\nwant:\n%s", got, want)
	}
	// Each frame's CFA is its caller's SP; SPs grow outward.
	for k := 0; k+1 < len(fr); k++ {
		if fr[k].CFA != fr[k+1].SP || fr[k+1].SP <= fr[k].SP {
			t.Errorf("frame %d: CFA %#x, SP %#x; caller SP %#x", k, fr[k].CFA, fr[k].SP, fr[k+1].SP)
		}
	}
	return fr
}

// TestUnwindCOptimized unwinds gcc -O2 -fomit-frame-pointer code, which
// only the .eh_frame CFI describes, at f5's first instruction (CFA =
// rsp+8) and in its body (after its stack adjustment).
func TestUnwindCOptimized(t *testing.T) {
	bin := fixture.C(t, "cdeep.c", "-O2", "-g", "-fomit-frame-pointer")
	src := fixture.TestData("cdeep.c")
	line := func(m string) int { return markerLine(t, src, m) }
	callers := fmt.Sprintf("f4 cdeep.c:%d\nf3 cdeep.c:%d\nf2 cdeep.c:%d\nf1 cdeep.c:%d\nmain cdeep.c:%d\n",
		line("int f4("), line("int f3("), line("int f2("), line("int f1("), line("printf(\"%d\\n\", f1"))

	tr := launch(t, bin)
	tr.runTo(tr.symAddr("f5"))
	// The entry's line is the opening brace's, as gdb shows for `break *f5`.
	fr := checkFrames(t, tr, fmt.Sprintf("f5 cdeep.c:%d\n", line("int f5(")+1)+callers)
	if fr[0].CFA != fr[0].SP+8 {
		t.Errorf("at entry CFA %#x, want SP+8 = %#x", fr[0].CFA, fr[0].SP+8)
	}

	tr = launch(t, bin)
	tr.runTo(tr.lineAddr(src, "return (int)strlen"))
	fr = checkFrames(t, tr, fmt.Sprintf("f5 cdeep.c:%d\n", line("return (int)strlen"))+callers)
	if fr[0].CFA <= fr[0].SP+64 {
		t.Errorf("in the body CFA %#x, SP %#x: want the 64-byte buffer between", fr[0].CFA, fr[0].SP)
	}
	// max is honoured.
	if fr, _ := tr.info.Unwind(tr, tr.regs(), 2); len(fr) != 2 || fr[1].Func != "f4" {
		t.Errorf("Unwind(max=2) = %v", fr)
	}
}

func TestUnwindCO0(t *testing.T) {
	bin := fixture.C(t, "cvars.c", "-O0", "-g")
	src := fixture.TestData("cvars.c")
	tr := launch(t, bin)
	tr.runTo(tr.lineAddr(src, "/* MID */"))
	checkFrames(t, tr, fmt.Sprintf("cfunc cvars.c:%d\nmain cvars.c:%d\n",
		markerLine(t, src, "/* MID */"), markerLine(t, src, "return cfunc(")))
}

// TestUnwindGo: a Go stack ends at runtime.goexit; a caller's line is the
// line of its call.
func TestUnwindGo(t *testing.T) {
	bin := fixture.GoDebug(t, "govars")
	src := fixture.TestData("govars/main.go")
	tail := fmt.Sprintf("main.main main.go:%d\nruntime.main proc.go:", markerLine(t, src, "Greet(\"gopher\""))
	for _, at := range []string{"entry", "mid"} {
		tr := launch(t, bin)
		want := fmt.Sprintf("main.Greet main.go:%d\n", markerLine(t, src, "func Greet("))
		if at == "entry" {
			tr.runTo(tr.symAddr("main.Greet"))
		} else {
			tr.runTo(tr.lineAddr(src, "// MID"))
			want = fmt.Sprintf("main.Greet main.go:%d\n", markerLine(t, src, "// MID"))
		}
		fr, err := tr.info.Unwind(tr, tr.regs(), 50)
		if err != nil {
			t.Fatal(err)
		}
		got := frameLines(fr)
		if !strings.HasPrefix(got, want+tail) || len(fr) != 4 || fr[3].Func != "runtime.goexit" {
			t.Errorf("%s: Unwind:\n%s\nwant:\n%s%s...\nruntime.goexit", at, got, want, tail)
		}
	}
}

// TestUnwindGoNoDWARF: without DWARF (-ldflags=-w drops .debug_frame too)
// the rbp chain and the ELF symbols still give the Go stack, at a
// function's first instruction and through frames in their bodies.
func TestUnwindGoNoDWARF(t *testing.T) {
	bin := fixture.Go(t, "govars", "-gcflags=all=-N -l", "-ldflags=-w")
	for _, c := range []struct{ fn, want string }{
		{"main.Greet", "main.Greet main.main runtime.main runtime.goexit"},
		{"main.sink", "main.sink main.Greet main.main runtime.main runtime.goexit"},
	} {
		tr := launch(t, bin)
		if tr.info.dw != nil || len(tr.info.fdes) != 0 {
			t.Fatalf("want a binary without DWARF and CFI")
		}
		tr.runTo(tr.symAddr(c.fn))
		fr, err := tr.info.Unwind(tr, tr.regs(), 10)
		var names []string
		for _, f := range fr {
			names = append(names, f.Func)
		}
		if got := strings.Join(names, " "); err != nil || got != c.want {
			t.Errorf("at %s: %s (%v), want %s", c.fn, got, err, c.want)
		}
	}
}

// TestUnwindLazy: New reads no CFI and no unit; a backtrace of a Go program
// reads the CFI and indexes only the units its frames are in (main's and
// the runtime's), not every unit of the program.
func TestUnwindLazy(t *testing.T) {
	tr := launch(t, fixture.GoDebug(t, "govars"))
	tr.runTo(tr.symAddr("main.Greet"))
	d, err := tr.elf.DWARF()
	if err != nil {
		t.Fatalf("DWARF: %v", err)
	}
	info, err := New(tr.elf, d, tr.bias)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if info.cfiDone || info.cusDone {
		t.Fatalf("New read CFI (%v) or units (%v)", info.cfiDone, info.cusDone)
	}
	fr, err := info.Unwind(tr, tr.regs(), 50)
	if err != nil {
		t.Fatalf("Unwind: %v", err)
	}
	if len(fr) < 3 || fr[0].Func != "main.Greet" || fr[1].Func != "main.main" || fr[len(fr)-1].Func != "runtime.goexit" {
		t.Errorf("Unwind:\n%s", frameLines(fr))
	}
	loaded := 0
	for _, cu := range info.cus {
		if cu.loaded {
			loaded++
		}
	}
	if loaded == 0 || loaded > 3 || len(info.cus) < 10 {
		t.Errorf("units indexed after Unwind: %d of %d, want 1 to 3 of many", loaded, len(info.cus))
	}
}

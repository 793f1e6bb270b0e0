package symtab

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

type objdumpInsn struct {
	file string // base name
	line int
	pc   Addr
	text string
}

// goObjdump lists fn's instructions as `go tool objdump -s` prints them.
func goObjdump(t *testing.T, path, fn string) []objdumpInsn {
	t.Helper()
	out, err := exec.Command("go", "tool", "objdump", "-s", "^"+regexp.QuoteMeta(fn)+"$", path).Output()
	if err != nil {
		t.Fatalf("go tool objdump %s: %v", fn, err)
	}
	var insns []objdumpInsn
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		if len(f) < 4 || strings.HasPrefix(l, "TEXT") {
			continue
		}
		colon := strings.LastIndexByte(f[0], ':')
		line, err1 := strconv.Atoi(f[0][colon+1:])
		pc, err2 := strconv.ParseUint(strings.TrimPrefix(f[1], "0x"), 16, 64)
		if colon < 0 || err1 != nil || err2 != nil {
			continue
		}
		insns = append(insns, objdumpInsn{f[0][:colon], line, Addr(pc), strings.Join(f[3:], " ")})
	}
	if len(insns) == 0 {
		t.Fatalf("go tool objdump -s %s: no instructions", fn)
	}
	return insns
}

func TestPCToLineGoAgainstObjdump(t *testing.T) {
	for _, tt := range []struct {
		path, listed string // listed: the unstripped twin objdump can read
		fns          []string
	}{
		{fixture.GoDebug(t, "break"), fixture.GoDebug(t, "break"), []string{"main.BreakMe", "main.main"}},
		{fixture.Go(t, "break"), fixture.Go(t, "break"), []string{"main.main"}},
		{fixture.Go(t, "break", "-ldflags=-s -w"), fixture.Go(t, "break"), []string{"main.main"}}, // pclntab only
	} {
		b := open(t, tt.path)
		for _, fn := range tt.fns {
			for _, in := range goObjdump(t, tt.listed, fn) {
				file, line, ok := b.PCToLine(in.pc)
				if !ok || filepath.Base(file) != in.file || line != in.line {
					t.Errorf("%s: PCToLine(%v) = %s:%d %v, objdump says %s:%d", fn, in.pc, file, line, ok, in.file, in.line)
				}
			}
		}
	}
}

// TestPCToLineCAgainstGdb asks gdb's `info line *ADDR` for each
// instruction of add and main.
func TestPCToLineCAgainstGdb(t *testing.T) {
	for _, flags := range [][]string{{"-O0", "-g"}, {"-O2", "-g"}} {
		path := fixture.C(t, "hello.c", flags...)
		b := open(t, path)
		var pcs []Addr
		for _, name := range []string{"add", "main"} {
			fn := mustSym(t, b, name)
			for pc := fn.Addr; pc < fn.Addr+Addr(fn.Size); pc++ {
				pcs = append(pcs, pc)
			}
		}
		args := []string{"-batch", "-nx"}
		for _, pc := range pcs {
			args = append(args, "-ex", fmt.Sprintf("info line *%#x", uint64(pc)))
		}
		out, err := exec.Command("gdb", append(args, path)...).CombinedOutput()
		if err != nil {
			t.Fatalf("gdb: %v\n%s", err, out)
		}
		re := regexp.MustCompile(`^Line (\d+) of "([^"]+)"`)
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) != len(pcs) {
			t.Fatalf("gdb printed %d lines for %d addresses:\n%s", len(lines), len(pcs), out)
		}
		for i, pc := range pcs {
			m := re.FindStringSubmatch(lines[i])
			if m == nil {
				t.Errorf("gdb info line *%v: %q", pc, lines[i])
				continue
			}
			file, line, ok := b.PCToLine(pc)
			if !ok || !strings.HasSuffix(file, m[2]) || strconv.Itoa(line) != m[1] {
				t.Errorf("%v: PCToLine(%v) = %s:%d %v, gdb says %s:%s", flags, pc, file, line, ok, m[2], m[1])
			}
		}
	}
}

func TestLineToPCsGo(t *testing.T) {
	path := fixture.GoDebug(t, "break")
	b := open(t, path)
	insns := goObjdump(t, path, "main.BreakMe")
	firstOf := func(line int) Addr {
		for _, in := range insns {
			if in.line == line {
				return in.pc
			}
		}
		t.Fatalf("no instruction for main.go:%d", line)
		return 0
	}
	for _, file := range []string{"main.go", "break/main.go", "testdata/break/main.go"} {
		got, err := b.LineToPCs(file, 7)
		if err != nil || len(got) != 1 || got[0] != firstOf(7) {
			t.Errorf("LineToPCs(%s, 7) = %v, %v; want [%v]", file, got, err, firstOf(7))
		}
	}
	// The loop header of main is split: init and condition/increment.
	got, err := b.LineToPCs("main.go", 11)
	if err != nil || len(got) < 2 {
		t.Errorf("LineToPCs(main.go, 11) = %v, %v; want several", got, err)
	}
	for _, pc := range got {
		if _, line, _ := b.PCToLine(pc); line != 11 {
			t.Errorf("LineToPCs(main.go, 11) gave %v at line %d", pc, line)
		}
	}
	for _, tt := range []struct {
		file string
		line int
		want string
	}{
		{"nosuch.go", 1, `no source file matches "nosuch.go"`},
		{"ain.go", 7, `no source file matches "ain.go"`}, // suffix on a '/' boundary only
		{"main.go", 9, "no code at " + fixture.TestData("break/main.go") + ":9; the next line with code is 10"},
		{"main.go", 1000, "no code at"},
		{"proc.go", 10, `"proc.go" is ambiguous`},
	} {
		if pcs, err := b.LineToPCs(tt.file, tt.line); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LineToPCs(%s, %d) = %v, %v; want error %q", tt.file, tt.line, pcs, err, tt.want)
		}
	}

	// Without DWARF the pclntab answers, with one address.
	s := open(t, fixture.Go(t, "break", "-ldflags=-s -w"))
	if pcs, err := s.LineToPCs("main.go", 12); err != nil || len(pcs) != 1 {
		t.Errorf("stripped LineToPCs(main.go, 12) = %v, %v", pcs, err)
	} else if _, line, _ := s.PCToLine(pcs[0]); line != 12 {
		t.Errorf("stripped LineToPCs(main.go, 12) = %v at line %d", pcs, line)
	}
}

// TestLineToPCsCAgainstGdb: gdb's `break hello.c:N` picks one address per
// block; it must be among ours, and our lowest. Lines that start a
// function are left out: there gdb also skips the prologue.
func TestLineToPCsCAgainstGdb(t *testing.T) {
	for _, flags := range [][]string{{"-O0", "-g"}, {"-O2", "-g"}, {"-O0", "-g", "-no-pie"}} {
		path := fixture.C(t, "hello.c", flags...)
		b := open(t, path)
		lines := []int{9, 10, 11, 15, 16, 17, 18, 19}
		gdb := gdbBreaks(t, path, lines, func(l int) string { return "hello.c:" + strconv.Itoa(l) })
		for i, l := range lines {
			got, err := b.LineToPCs("hello.c", l)
			if err != nil || len(got) == 0 || got[0] != gdb[i].pc {
				t.Errorf("%v: LineToPCs(hello.c, %d) = %v, %v; gdb breaks at %v", flags, l, got, err, gdb[i].pc)
			}
		}
		if _, err := b.LineToPCs("hello.c", 13); err == nil || !strings.HasSuffix(err.Error(), "the next line with code is 14") {
			t.Errorf("LineToPCs(hello.c, 13) error = %v", err)
		}
	}
}

type gdbBreak struct {
	pc   Addr
	line int
}

// gdbBreaks runs one gdb -batch with `break LOC` for each item and parses
// "Breakpoint N at 0xADDR: file F, line L." (or "...: F:L. (2 locations)").
func gdbBreaks[T any](t *testing.T, path string, items []T, loc func(T) string) []gdbBreak {
	t.Helper()
	args := []string{"-batch", "-nx"}
	for _, it := range items {
		args = append(args, "-ex", "break "+loc(it))
	}
	out, err := exec.Command("gdb", append(args, path)...).CombinedOutput()
	if err != nil {
		t.Fatalf("gdb: %v\n%s", err, out)
	}
	re := regexp.MustCompile(`(?m)^Breakpoint (\d+) at 0x([0-9a-f]+): (?:file .*, line (\d+)\.|.*:(\d+)\. \(\d+ locations\))$`)
	res := make([]gdbBreak, len(items))
	found := 0
	for _, m := range re.FindAllStringSubmatch(string(out), -1) {
		n, _ := strconv.Atoi(m[1])
		pc, _ := strconv.ParseUint(m[2], 16, 64)
		line, _ := strconv.Atoi(m[3] + m[4])
		if n >= 1 && n <= len(items) {
			res[n-1] = gdbBreak{Addr(pc), line}
			found++
		}
	}
	if found != len(items) {
		t.Fatalf("gdb set %d of %d breakpoints:\n%s", found, len(items), out)
	}
	return res
}

package engine

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/godbg/godbg/engine/locspec"
	"github.com/godbg/godbg/internal/fixture"
)

// resolveLoc is where the engine puts a breakpoint on loc: every location
// of a source line (LineLocations), or a function's first pc after its
// prologue, in the program or a library ("lib.so:fn").
func resolveLoc(t *testing.T, p *Process, loc string) []Addr {
	t.Helper()
	if s := locspec.Parse(loc); s.Kind == locspec.FileLine {
		addrs, err := p.LineLocations(s.File, s.Line)
		if err != nil {
			t.Fatalf("LineLocations(%s, %d): %v", s.File, s.Line, err)
		}
		return addrs
	}
	ref, ok := p.LookupSym(loc)
	if !ok {
		t.Fatalf("LookupSym(%s): not found", loc)
	}
	a, err := p.FirstPCAfterPrologue(ref)
	if err != nil {
		t.Fatalf("FirstPCAfterPrologue(%s): %v", loc, err)
	}
	return []Addr{a}
}

// gccIn runs gcc in dir once for each argument list, in order (a library,
// then the programs linked with it).
func gccIn(t *testing.T, dir string, builds ...[]string) {
	t.Helper()
	for _, args := range builds {
		cmd := exec.Command("gcc", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("gcc %v: %v\n%s", args, err, out)
		}
	}
}

// locCase is one location: ours as the engine reads it, gdb's as gdb's
// `break` reads it, and which of gdb's locations we must give (all when
// nil).
type locCase struct {
	loc, gdb string
	pick     []int
}

// gdbLocs are the locations as gdb reads them.
func gdbLocs(cases []locCase) []string {
	var locs []string
	for _, c := range cases {
		locs = append(locs, c.gdb)
	}
	return locs
}

// checkLocations compares the engine's addresses of each location with
// gdb's, gdb's relocated by bias (0 when gdb ran the program).
func checkLocations(t *testing.T, name string, p *Process, gdb [][]uint64, bias Addr, cases []locCase) {
	t.Helper()
	for i, c := range cases {
		want := []Addr{}
		for _, a := range gdb[i] {
			want = append(want, Addr(a)+bias)
		}
		if c.pick != nil {
			var picked []Addr
			for _, k := range c.pick {
				picked = append(picked, want[k])
			}
			want = picked
		}
		got := resolveLoc(t, p, c.loc)
		if len(got) != len(want) {
			t.Errorf("%s: %s at %v, gdb's %s at %v (picked %v)", name, c.loc, got, c.gdb, gdb[i], want)
			continue
		}
		for k := range got {
			if got[k] != want[k] {
				t.Errorf("%s: %s at %v, gdb's %s at %v (picked %v)", name, c.loc, got, c.gdb, gdb[i], want)
				break
			}
		}
	}
}

// TestLocationsAgainstGdb: every location form resolves to the addresses
// gdb's `break` gives. A function: its first pc after the prologue. A
// source line: one address in each function and inlined copy (goinline's
// line 17 is inlined twice: both). Where gdb breaks at a line twice in one
// function (hello.c:16 at -O2, the loop's start and its condition), the
// engine keeps the first only, so that a loop's line traps once a pass
// (LineLocations). A library's function and source line, once the loader
// mapped it: libc's puts (its DWARF from libc6-dbg) and the test library's.
func TestLocationsAgainstGdb(t *testing.T) {
	lines := []locCase{
		{"add", "add", nil}, {"main", "main", nil},
		{"hello.c:9", "hello.c:9", nil}, {"hello.c:10", "hello.c:10", nil}, {"hello.c:11", "hello.c:11", nil},
		{"hello.c:15", "hello.c:15", nil}, {"hello.c:17", "hello.c:17", nil},
		{"hello.c:18", "hello.c:18", nil}, {"hello.c:19", "hello.c:19", nil},
	}
	for _, flags := range [][]string{{"-O0", "-g"}, {"-O2", "-g"}, {"-O0", "-g", "-no-pie"}} {
		prog := fixture.C(t, "hello.c", flags...)
		cases := append(append([]locCase{}, lines...), locCase{"hello.c:16", "hello.c:16", []int{0}})
		gdb := fixture.GdbBreaks(t, prog, nil, gdbLocs(cases))
		p, _ := launch(t, prog, false)
		checkLocations(t, "hello.c "+flags[0]+" "+flags[len(flags)-1], p, gdb, p.Bias(), cases)
		p.Kill()
	}

	goinline := fixture.Go(t, "goinline")
	cases := []locCase{{"main.go:17", "main.go:17", nil}, {"main.outer", "main.outer", nil}}
	gdb := fixture.GdbBreaks(t, goinline, nil, gdbLocs(cases))
	if len(gdb[0]) != 2 {
		t.Fatalf("gdb breaks at main.go:17 in %v, want the 2 inlined copies", gdb[0])
	}
	p, _ := launch(t, goinline, false)
	checkLocations(t, "goinline", p, gdb, p.Bias(), cases)
	p.Kill()

	dir := t.TempDir()
	gccIn(t, dir,
		[]string{"-O0", "-g", "-shared", "-fPIC", "-o", "libseplib.so", fixture.TestData("seplib.c")},
		[]string{"-O0", "-g", "-o", "sepmain", fixture.TestData("sepmain.c"), "-L.", "-lseplib", "-Wl,-rpath," + dir},
	)
	sepmain := filepath.Join(dir, "sepmain")
	cases = []locCase{
		{"libseplib.so:seplib_add", "seplib_add", nil}, {"seplib.c:5", "seplib.c:5", nil},
		{"seplib.c:6", "seplib.c:6", nil}, {"libc.so.6:puts", "puts", nil}, {"sepmain.c:10", "sepmain.c:10", nil},
	}
	gdb = fixture.GdbBreaks(t, sepmain, []string{"break main", "run"}, gdbLocs(cases))
	p, _ = launch(t, sepmain, false)
	if _, err := p.LoadLibraries(nil); err != nil {
		t.Fatal(err)
	}
	checkLocations(t, "sepmain", p, gdb, 0, cases)
}

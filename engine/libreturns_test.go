package engine

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// Return hooks, finish and force_return on library functions: the frame
// is unwound by the library's own call frame information.

// libretFuncs are the libc functions testdata/libret.c's work() calls.
var libretFuncs = []string{"puts", "fflush", "malloc", "write"}

// cBuilds are the builds of a C test program: PIE and not.
var cBuilds = [][]string{{"-O0", "-g"}, {"-O0", "-g", "-no-pie"}}

// watchLib loads the libraries and sets a breakpoint with return events on
// each library function: after the prologue as the library's tables place
// it (brk's default), or at its entry (opts.entry).
func watchLib(t *testing.T, p *Process, entry bool, fns ...string) map[string]*Breakpoint {
	t.Helper()
	bps := breakLib(t, p, entry, fns...)
	for _, bp := range bps {
		if err := p.WatchReturns(bp); err != nil {
			t.Fatal(err)
		}
	}
	return bps
}

// breakLib loads the libraries and sets a breakpoint on each library
// function, as watchLib without the return events.
func breakLib(t *testing.T, p *Process, entry bool, fns ...string) map[string]*Breakpoint {
	t.Helper()
	if _, err := p.LoadLibraries(nil); err != nil {
		t.Fatal(err)
	}
	bps := map[string]*Breakpoint{}
	for _, fn := range fns {
		ref, ok := p.LookupSym(fn)
		if !ok || ref.Object.Main {
			t.Fatalf("%s: not found in a library (%+v)", fn, ref)
		}
		pc := ref.Addr
		if !entry {
			var err error
			if pc, err = p.FirstPCAfterPrologue(ref); err != nil {
				t.Fatal(err)
			}
		}
		bp, err := p.SetBreakpoint(pc, fn)
		if err != nil {
			t.Fatal(err)
		}
		bps[fn] = bp
	}
	return bps
}

// callerOf names where a return address is: the function of the program
// holding it, or the library's name.
func callerOf(p *Process, a Addr) string {
	s, ok := p.FuncAt(a)
	switch {
	case ok && s.Object.Main:
		return s.Sym.Name
	case s.Object != nil:
		return strings.SplitN(s.Object.Name(), ".", 2)[0]
	}
	return "?"
}

var mallocPrinted = regexp.MustCompile(`malloc (0x[0-9a-f]+)`)

// libretWant is what each library function returns, and where to, for the
// output libret printed: puts the bytes with the newline, fflush 0, malloc
// the pointer the program printed, write 3 from work and, from libc's
// stdio (the flushes), each chunk's length: "a\n", then the buffered lines.
func libretWant(t *testing.T, out string) map[string][]string {
	t.Helper()
	l := strings.SplitAfter(out, "\n")
	m := mallocPrinted.FindAllStringSubmatch(out, -1)
	if len(l) != 11 || len(m) != 3 {
		t.Fatalf("output %q: want 10 lines and 3 malloc pointers", out)
	}
	chunk := func(a, b string) string { return fmt.Sprintf("libc:%#x", len(a)+len(b)) }
	return map[string][]string{
		"puts":   {"work:0x2", "work:0x3", "work:0x4"},
		"fflush": {"work:0x0", "work:0x0", "work:0x0"},
		"malloc": {"work:" + m[0][1], "work:" + m[1][1], "work:" + m[2][1]},
		"write": {chunk(l[0], ""), "work:0x3", chunk(l[2], l[3]), "work:0x3",
			chunk(l[5], l[6]), "work:0x3", chunk(l[8], l[9])},
	}
}

// Each return of puts, fflush, malloc and write is reported once, at the
// return into its caller (work, or libc's stdio for the flushes' writes),
// with the value the caller got: PIE or not, the breakpoint after the
// prologue or at the entry.
func TestLibraryReturnValues(t *testing.T) {
	for _, flags := range cBuilds {
		prog := fixture.C(t, "libret.c", flags...)
		for _, entry := range []bool{false, true} {
			p, stdout := launch(t, prog, false)
			bps := watchLib(t, p, entry, libretFuncs...)
			got := map[string][]string{}
			runToExit(t, p, func(ev *Event) (bool, error) {
				if ev.Kind == EventReturn {
					r, err := ev.Thread.Regs()
					if err != nil {
						return false, err
					}
					got[ev.Bp.Loc] = append(got[ev.Bp.Loc], fmt.Sprintf("%s:%#x", callerOf(p, ev.Addr), r.Rax))
				}
				return false, nil
			})
			if want := libretWant(t, stdout()); !reflect.DeepEqual(got, want) {
				t.Errorf("%v entry=%v: returns\n%q, want\n%q", flags, entry, got, want)
			}
			for fn, bp := range bps {
				if bp.Hits != len(got[fn]) {
					t.Errorf("%v entry=%v: %s hits %d, returns %d", flags, entry, fn, bp.Hits, len(got[fn]))
				}
			}
			if n := p.PendingReturns(); n != 0 {
				t.Errorf("%v entry=%v: %d returns still pending", flags, entry, n)
			}
		}
	}
}

// ForceReturn in work's second call makes puts return 7, fflush 5 and
// write 42 to work, which prints them; their work is skipped ("bb" and
// "w1" never appear, the first line waits for the next flush), and the
// return events report the forced values.
func TestLibraryForceReturn(t *testing.T) {
	force := map[string]uint64{"puts": 7, "fflush": 5, "write": 42}
	for _, flags := range cBuilds {
		prog := fixture.C(t, "libret.c", flags...)
		for _, entry := range []bool{false, true} {
			p, stdout := launch(t, prog, false)
			bps := watchLib(t, p, entry, "puts", "fflush", "write")
			second := false // in work(1)
			var rets []string
			runToExit(t, p, func(ev *Event) (bool, error) {
				switch ev.Kind {
				case EventBreakpoint:
					if ev.Bp == bps["puts"] {
						second = ev.Bp.Hits == 2
					}
					if second {
						if err := ev.Thread.ForceReturn(ReturnValue{Int: force[ev.Bp.Loc]}); err != nil {
							return false, err
						}
					}
				case EventReturn:
					r, _ := ev.Thread.Regs()
					rets = append(rets, fmt.Sprintf("%s>%s:%d", ev.Bp.Loc, callerOf(p, ev.Addr), r.Rax))
				}
				return false, nil
			})
			out := stdout()
			m := mallocPrinted.FindAllStringSubmatch(out, -1)
			if len(m) != 3 {
				t.Fatalf("%v entry=%v: output %q", flags, entry, out)
			}
			want := "a\nw0\n" +
				"work 0: puts 2 fflush 0 malloc " + m[0][1] + " write 3\n" +
				"work 1: puts 7 fflush 5 malloc " + m[1][1] + " write 42\n" +
				"ccc\nw2\n" +
				"work 2: puts 4 fflush 0 malloc " + m[2][1] + " write 3\nsum 303\n"
			if out != want {
				t.Errorf("%v entry=%v: output\n%s\nwant\n%s", flags, entry, out, want)
			}
			l := strings.SplitAfter(out, "\n")
			wantRets := []string{"puts>work:2", "write>libc:2", "fflush>work:0", "write>work:3",
				"puts>work:7", "fflush>work:5", "write>work:42",
				"puts>work:4", fmt.Sprintf("write>libc:%d", len(l[2])+len(l[3])+len(l[4])), "fflush>work:0", "write>work:3",
				fmt.Sprintf("write>libc:%d", len(l[6])+len(l[7]))}
			if !reflect.DeepEqual(rets, wantRets) {
				t.Errorf("%v entry=%v: returns\n%q, want\n%q", flags, entry, rets, wantRets)
			}
		}
	}
}

// Finish from inside puts stops at the return into work with puts'
// result; rets() reads it by libc's DWARF from its separate debug file
// (libc6-dbg), and without one (debug directories elsewhere) says libc
// has no DWARF.
func TestLibraryFinish(t *testing.T) {
	needLibcDebug(t)
	for _, mode := range []string{"debug", "nodebug"} {
		if mode == "nodebug" {
			noDebugDirs(t)
		}
		testLibraryFinish(t, mode == "debug")
	}
}

func testLibraryFinish(t *testing.T, libcDebug bool) {
	for _, flags := range cBuilds {
		prog := fixture.C(t, "libret.c", flags...)
		p, _ := launch(t, prog, false)
		bps := breakLib(t, p, false, "puts")
		var got []string
		for k := 0; k < 3; k++ {
			ev, err := p.Continue(func(ev *Event) (bool, error) { return ev.Bp == bps["puts"] && ev.Kind == EventBreakpoint, nil })
			if err != nil || ev.Kind != EventBreakpoint {
				t.Fatalf("%v: Continue: %+v %v", flags, ev, err)
			}
			ev, err = p.Finish(nil)
			if err != nil || ev.Kind != EventFinish {
				t.Fatalf("%v: Finish: %+v %v", flags, ev, err)
			}
			r, _ := ev.Thread.Regs()
			got = append(got, fmt.Sprintf("%s:%d", callerOf(p, ev.Addr), r.Rax))
			rs, err := ev.Thread.Results()
			if libcDebug {
				if err != nil || len(rs) != 1 || rs[0].Int != int64(r.Rax) || rs[0].Type != "int" {
					t.Errorf("%v: Results after puts: %+v %v, want one int %d", flags, rs, err, r.Rax)
				}
			} else if err == nil || !strings.Contains(err.Error(), "libc.so.6: no DWARF") {
				t.Errorf("%v: Results after puts: %v, want libc.so.6: no DWARF...", flags, err)
			}
		}
		if want := []string{"work:2", "work:3", "work:4"}; !reflect.DeepEqual(got, want) {
			t.Errorf("%v: finish from puts: %q, want %q", flags, got, want)
		}
		runToExit(t, p, nil)
	}
}

// /bin/echo, stripped, calls malloc from libc's own code (setlocale) and
// its own: every call returns, none is reported twice or lost, each with a
// non-null pointer, and echo's output is unchanged.
func TestEchoMallocReturns(t *testing.T) {
	p, stdout := launch(t, "/bin/echo", false, "hello")
	bps := watchLib(t, p, false, "malloc")
	n := 0
	runToExit(t, p, func(ev *Event) (bool, error) {
		if ev.Kind == EventReturn {
			n++
			if r, _ := ev.Thread.Regs(); r.Rax == 0 {
				t.Errorf("malloc return %d at %v: NULL", n, ev.Addr)
			}
		}
		return false, nil
	})
	if bps["malloc"].Hits == 0 || n != bps["malloc"].Hits {
		t.Errorf("malloc hits %d, returns %d", bps["malloc"].Hits, n)
	}
	if got := stdout(); got != "hello\n" {
		t.Errorf("output %q", got)
	}
}

// libpython's time_sleep (time.sleep) returns Py_None to the interpreter
// inside libpython, twice; rets() reads it through libpython's DWARF, and
// force_return makes a call return NULL with no exception set, which the
// interpreter reports as a SystemError.
func TestLibpythonReturns(t *testing.T) {
	py := fixture.PythonWithLibpython(t)
	p, stdout := launch(t, py, false, "-c", "import time\ntime.sleep(0)\ntime.sleep(0.001)\nprint('slept')")
	bps := watchLib(t, p, false, "time_sleep")
	none, ok := p.LookupSym("_Py_NoneStruct")
	if !ok {
		t.Fatal("no _Py_NoneStruct")
	}
	var got []string
	runToExit(t, p, func(ev *Event) (bool, error) {
		if ev.Kind == EventReturn {
			r, _ := ev.Thread.Regs()
			vs, err := ev.Thread.Results()
			if err != nil || len(vs) != 1 {
				return false, fmt.Errorf("Results: %v %v", vs, err)
			}
			got = append(got, fmt.Sprintf("%s none=%v rets=%v", callerOf(p, ev.Addr), r.Rax == uint64(none.Addr), vs[0].Addr == r.Rax))
		}
		return false, nil
	})
	if want := []string{"libpython3 none=true rets=true", "libpython3 none=true rets=true"}; !reflect.DeepEqual(got, want) || bps["time_sleep"].Hits != 2 {
		t.Errorf("time_sleep returns %q (hits %d), want %q", got, bps["time_sleep"].Hits, want)
	}
	if out := stdout(); out != "slept\n" {
		t.Errorf("output %q", out)
	}
}

// leaf (testdata/nocfi.c) has no CFI and keeps no frame pointer: at its
// entry the return address is at [rsp] and everything works; one
// instruction in, rbp still holds main's frame, which looks like a chain
// but is not leaf's: force_return, finish and on_return refuse with a
// clear error and change nothing (registers, code).
func TestNoCFIRefused(t *testing.T) {
	prog := fixture.C(t, "nocfi.c", "-O0", "-g")
	const want = "(leaf): no call frame information, and the function keeps no frame pointer"
	for _, watched := range []bool{false, true} {
		p, _ := launch(t, prog, false)
		leaf := symAddr(t, p, "leaf")
		bp, err := p.SetBreakpoint(leaf+1, "leaf+1")
		if err != nil {
			t.Fatal(err)
		}
		if watched {
			if err := p.WatchReturns(bp); err != nil {
				t.Fatal(err)
			}
		}
		ev, err := p.Continue(nil)
		if watched {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("on_return: Continue: %+v %v, want ...%s", ev, err, want)
			}
		} else {
			if err != nil || ev.Bp != bp {
				t.Fatalf("Continue: %+v %v", ev, err)
			}
			saved := *must(ev.Thread.Regs())
			if err := ev.Thread.ForceReturn(ReturnValue{Int: 9}); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("ForceReturn: %v, want ...%s", err, want)
			}
			if _, err := p.Finish(nil); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Finish: %v, want ...%s", err, want)
			}
			if after := *must(ev.Thread.Regs()); after != saved {
				t.Errorf("registers changed:\n%+v\n%+v", saved, after)
			}
		}
		if len(p.sites) != 1 || p.sites[leaf+1] == nil {
			t.Errorf("watched=%v: traps at %v, want only the breakpoint's at %v", watched, sitesOf(p), leaf+1)
		}
	}
	// At the entry: the return address is at [rsp]. Text there in its
	// place (what /bin/echo's malloc once met) is refused as a return
	// address, with nothing changed; the true one serves.
	p, stdout := launch(t, prog, false)
	bp, err := p.SetBreakpoint(symAddr(t, p, "leaf"), "leaf")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := p.Continue(nil)
	if err != nil || ev.Bp != bp {
		t.Fatalf("Continue: %+v %v", ev, err)
	}
	saved := *must(ev.Thread.Regs())
	var ret [8]byte
	if err := p.ReadMemory(Addr(saved.Rsp), ret[:]); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteMemory(Addr(saved.Rsp), []byte("K_CORE_C")); err != nil {
		t.Fatal(err)
	}
	const bad = "(leaf): return address 0x435f45524f435f4b is in no executable mapping"
	if err := ev.Thread.ForceReturn(ReturnValue{Int: 9}); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("ForceReturn: %v, want ...%s", err, bad)
	}
	if err := p.WatchReturns(bp); err != nil {
		t.Fatal(err)
	}
	if err := p.returnsBreakpointHit(ev.Thread, p.sites[bp.Addr]); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("on_return: %v, want ...%s", err, bad)
	}
	if after := *must(ev.Thread.Regs()); after != saved || len(p.sites) != 1 || p.PendingReturns() != 0 {
		t.Errorf("changed: registers %v, traps at %v, %d returns pending", after != saved, sitesOf(p), p.PendingReturns())
	}
	if err := p.WriteMemory(Addr(saved.Rsp), ret[:]); err != nil {
		t.Fatal(err)
	}
	if err := p.returnsBreakpointHit(ev.Thread, p.sites[bp.Addr]); err != nil || p.PendingReturns() != 1 {
		t.Fatalf("on_return with the true return address: %v, %d pending", err, p.PendingReturns())
	}
	var got string
	runToExit(t, p, func(ev *Event) (bool, error) {
		if ev.Kind == EventReturn {
			got = fmt.Sprintf("%s:%d", callerOf(p, ev.Addr), must(ev.Thread.Regs()).Rax)
		}
		return false, nil
	})
	if got != "main:42" || stdout() != "42\n" {
		t.Errorf("return %q output %q, want main:42 and 42", got, stdout())
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func sitesOf(p *Process) []Addr {
	var out []Addr
	for a := range p.sites {
		out = append(out, a)
	}
	return out
}

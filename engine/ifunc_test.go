package engine

import (
	"path/filepath"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// passAll is a hook that lets the program run on at every event.
func passAll(*Event) (bool, error) { return false, nil }

// TestResolveIFuncLibc: strlen, memcpy and strchr are glibc indirect
// functions; ResolveIFunc gives the implementation the resolver chose,
// read from libc's own IRELATIVE slots: the address gdb's stepi reaches
// from the call, with gdb's `info symbol` name (fixture.GdbIFuncs). The
// answer is kept (a second call gives the same); a function that is no
// IFUNC resolves to itself. Breakpoints there count every call of
// ifuncs.c: strlen 7, memcpy 4, strchr 3.
func TestResolveIFuncLibc(t *testing.T) {
	prog := fixture.C(t, "ifuncs.c", "-O0", "-g", "-fno-builtin")
	gdb := fixture.GdbIFuncs(t, prog)
	p, _ := launch(t, prog, false)
	if _, err := p.LoadLibraries(nil); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"strlen": 7, "memcpy": 4, "strchr": 3}
	hits := map[*Breakpoint]int{}
	for _, g := range gdb {
		ref, ok := p.LookupSym(g.Name)
		if !ok || !ref.IFunc || ref.Object.Name() != "libc.so.6" {
			t.Fatalf("LookupSym(%s) = %+v %v, want libc's IFUNC", g.Name, ref, ok)
		}
		a, err := p.ResolveIFunc(ref)
		if err != nil || a != Addr(g.Addr) {
			t.Fatalf("ResolveIFunc(%s) = %v, %v; gdb reaches %#x (%s)", g.Name, a, err, g.Addr, g.Sym)
		}
		if again, err := p.ResolveIFunc(ref); err != nil || again != a {
			t.Errorf("ResolveIFunc(%s) again = %v, %v; want %v", g.Name, again, err, a)
		}
		impl, ok := p.LookupSym("libc.so.6:" + g.Sym)
		if !ok || impl.Addr != a || impl.IFunc {
			t.Errorf("%s: gdb's %s is %+v %v, want the plain function at %v", g.Name, g.Sym, impl, ok, a)
		}
		bp, err := p.SetBreakpoint(a, g.Name)
		if err != nil {
			t.Fatal(err)
		}
		hits[bp] = want[g.Name]
	}
	main, ok := p.LookupSym("main")
	if a, err := p.ResolveIFunc(main); !ok || main.IFunc || err != nil || a != main.Addr {
		t.Errorf("ResolveIFunc(main) = %v, %v; want main's own %v", a, err, main.Addr)
	}
	ev, err := p.Continue(passAll)
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
		t.Fatalf("Continue: %+v, %v; want a clean exit", ev, err)
	}
	for bp, n := range hits {
		if bp.Hits != n {
			t.Errorf("%s: %d hits, want %d", bp.Loc, bp.Hits, n)
		}
	}
}

// TestResolveIFuncProgramSlot: an IFUNC its library never calls itself
// (no IRELATIVE slot) is resolved from the program's GOT slot: bound at
// load time with -z now (impl_two, 4 calls); with lazy binding the slot is
// not bound before the first call, and ResolveIFunc says so.
func TestResolveIFuncProgramSlot(t *testing.T) {
	dir := t.TempDir()
	gccIn(t, dir,
		[]string{"-O0", "-g", "-shared", "-fPIC", "-o", "libifunclib.so", fixture.TestData("ifunclib.c")},
		[]string{"-O0", "-g", "-Wl,-z,now", "-o", "now", fixture.TestData("ifuncmain.c"), "-L.", "-lifunclib", "-Wl,-rpath," + dir},
		[]string{"-O0", "-g", "-Wl,-z,lazy", "-o", "lazy", fixture.TestData("ifuncmain.c"), "-L.", "-lifunclib", "-Wl,-rpath," + dir},
	)
	p, out := launch(t, filepath.Join(dir, "now"), false)
	if _, err := p.LoadLibraries(nil); err != nil {
		t.Fatal(err)
	}
	ref, ok := p.LookupSym("addtwo")
	if !ok || !ref.IFunc {
		t.Fatalf("LookupSym(addtwo) = %+v %v, want an IFUNC", ref, ok)
	}
	a, err := p.ResolveIFunc(ref)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := p.SymAt(a); !ok || s.Sym.Name != "impl_two" || s.Addr != a || s.Object != ref.Object {
		t.Errorf("ResolveIFunc(addtwo) = %v, at %+v; want impl_two of libifunclib.so", a, s)
	}
	bp, err := p.SetBreakpoint(a, "addtwo")
	if err != nil {
		t.Fatal(err)
	}
	if ev, err := p.Continue(passAll); err != nil || ev.Kind != EventExit || ev.ExitCode != 0 || bp.Hits != 4 || out() != "t 14\n" {
		t.Errorf("now: %+v, %v, %d hits, output %q; want a clean exit, 4 hits, \"t 14\\n\"", ev, err, bp.Hits, out())
	}

	p, _ = launch(t, filepath.Join(dir, "lazy"), false)
	if _, err := p.LoadLibraries(nil); err != nil {
		t.Fatal(err)
	}
	if ref, ok = p.LookupSym("addtwo"); !ok || !ref.IFunc {
		t.Fatalf("lazy: LookupSym(addtwo) = %+v %v, want an IFUNC", ref, ok)
	}
	want := "addtwo (libifunclib.so) is an indirect function (IFUNC) whose implementation no slot the loader filled holds yet " +
		"(lazy binding: run the program with LD_BIND_NOW=1, or link it with -z now)"
	if a, err := p.ResolveIFunc(ref); err == nil || err.Error() != want {
		t.Errorf("lazy: ResolveIFunc(addtwo) = %v, %v; want the error %q", a, err, want)
	}
}

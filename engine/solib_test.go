package engine

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// libcRange is the runtime range of libc's mappings, from /proc/PID/maps.
func libcRange(t *testing.T, pid int) (lo, hi Addr) {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 6 || !strings.HasPrefix(filepath.Base(fs[5]), "libc.so") {
			continue
		}
		a, b, _ := strings.Cut(fs[0], "-")
		l, _ := strconv.ParseUint(a, 16, 64)
		h, _ := strconv.ParseUint(b, 16, 64)
		if lo == 0 || Addr(l) < lo {
			lo = Addr(l)
		}
		hi = max(hi, Addr(h))
	}
	if lo == 0 {
		t.Fatalf("no libc in /proc/%d/maps", pid)
	}
	return lo, hi
}

// puts is called 5 times: a breakpoint on it, set before the loader ran,
// counts exactly 5, PIE or not, and the output is unchanged.
func TestLibraryBreakpointCounts(t *testing.T) {
	for _, flags := range [][]string{{"-O0", "-g"}, {"-O0", "-g", "-no-pie"}} {
		prog := fixture.C(t, "libcalls.c", flags...)
		p, stdout := launch(t, prog, false)
		if !p.LibrariesPending() {
			t.Fatalf("%v: libraries already loaded at the first stop", flags)
		}
		if _, ok := p.LookupSym("puts"); ok {
			t.Fatalf("%v: puts found before libc was loaded", flags)
		}
		if ev, err := p.LoadLibraries(nil); err != nil || ev != nil {
			t.Fatalf("%v: LoadLibraries: %v %v", flags, ev, err)
		}
		if p.LibrariesPending() {
			t.Fatalf("%v: libraries still pending after LoadLibraries", flags)
		}
		lo, hi := libcRange(t, p.Pid())
		m, ok := p.LookupSym("malloc")
		if !ok || m.Addr < lo || m.Addr >= hi || !strings.HasPrefix(m.Object.Name(), "libc.so") {
			t.Fatalf("%v: malloc at %v in %v, want inside libc [%v, %v)", flags, m.Addr, m.Object, lo, hi)
		}
		if q, ok := p.LookupSym("libc.so.6:malloc"); !ok || q.Addr != m.Addr {
			t.Errorf("%v: libc.so.6:malloc = %v, want %v", flags, q.Addr, m.Addr)
		}
		if s, ok := p.SymAt(m.Addr + 3); !ok || s.Sym.Name != "malloc" {
			t.Errorf("%v: SymAt(malloc+3) = %+v, want malloc", flags, s.Sym)
		}
		ref, ok := p.LookupSym("puts")
		if !ok {
			t.Fatalf("%v: no puts after loading", flags)
		}
		pc, err := p.FirstPCAfterPrologue(ref)
		if err != nil {
			t.Fatal(err)
		}
		bp, err := p.SetBreakpoint(pc, "puts")
		if err != nil {
			t.Fatal(err)
		}
		ev, err := p.Continue(func(ev *Event) (bool, error) { return false, nil })
		if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
			t.Fatalf("%v: Continue: %+v %v", flags, ev, err)
		}
		if bp.Hits != 5 {
			t.Errorf("%v: puts hits = %d, want 5", flags, bp.Hits)
		}
		if got, want := stdout(), "alpha\nbeta\ngamma\ndelta\nepsilon\ntotal 393\n"; got != want {
			t.Errorf("%v: output %q, want %q", flags, got, want)
		}
	}
}

// A breakpoint on a function of a library loaded later by dlopen is
// pending until the loader maps it, then counts every call.
func TestPendingBreakpointDlopen(t *testing.T) {
	lib := fixture.C(t, "plugin.c", "-O0", "-g", "-shared", "-fPIC")
	host := fixture.C(t, "dlhost.c", "-O0", "-g")
	p, stdout := launch(t, host, false, lib)
	if _, err := p.LoadLibraries(nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := p.LookupSym("plugin_add"); ok {
		t.Fatal("plugin_add found before dlopen")
	}
	bp, err := p.SetPendingBreakpoint("plugin_add", false)
	if err != nil {
		t.Fatal(err)
	}
	if !bp.Pending() || bp.Deleted() {
		t.Fatalf("pending %v deleted %v, want pending", bp.Pending(), bp.Deleted())
	}
	var where string
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		if ev.Bp == bp && where == "" {
			if s, ok := p.FuncAt(ev.Addr); ok {
				where = s.Object.Name() + ":" + s.Sym.Name
			}
			if f, l, ok := p.PCToLine(ev.Addr); ok {
				where += fmt.Sprintf(" %s:%d", filepath.Base(f), l)
			}
		}
		return false, nil
	})
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
		t.Fatalf("Continue: %+v %v (output %q)", ev, err, stdout())
	}
	if bp.Pending() || bp.Hits != 4 {
		t.Errorf("pending %v hits %d, want placed and 4 hits", bp.Pending(), bp.Hits)
	}
	if want := filepath.Base(lib) + ":plugin_add plugin.c:2"; where != want {
		t.Errorf("first hit in %q, want %q", where, want)
	}
	if got := stdout(); got != "sum 6\n" {
		t.Errorf("output %q, want %q", got, "sum 6\n")
	}
}

// A Go program is static: nothing to load, and its lookups are the
// program's own.
func TestObjectsStaticGo(t *testing.T) {
	p, _ := launch(t, fixture.GoDebug(t, "break"), false)
	if p.LibrariesPending() {
		t.Error("a static Go program has pending libraries")
	}
	objs := p.Objects()
	if len(objs) != 1 || !objs[0].Main {
		t.Errorf("objects %v, want the program alone", objs)
	}
	if _, err := p.SetPendingBreakpoint("puts", false); err == nil {
		t.Error("a pending breakpoint in a static program was accepted")
	}
	r, ok := p.LookupSym("main.BreakMe")
	if !ok || !r.Object.Main {
		t.Errorf("main.BreakMe: %+v", r)
	}
}

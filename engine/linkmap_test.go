package engine

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/godbg/godbg/engine/objects"
	"github.com/godbg/godbg/internal/fixture"
)

// The loader's list, walked at the first hit of a breakpoint in a library
// opened with dlopen, is the list gdb's `info sharedlibrary` shows there:
// the same paths, each at the same address (l_addr + .text = gdb's From),
// and the objects take the list's bias. Before the loader ran there is
// no list.
func TestLinkMapMatchesGdb(t *testing.T) {
	lib := fixture.C(t, "plugin.c", "-O0", "-g", "-shared", "-fPIC")
	host := fixture.C(t, "dlhost.c", "-O0", "-g")
	want := fixture.GdbSharedLibs(t, host, "plugin_add", lib)
	p, _ := launch(t, host, false, lib)
	if _, _, ok := p.linkMap(p.loaderObject()); ok {
		t.Error("a list before the loader ran")
	}
	runToPending(t, p, "plugin_add")
	_, links, ok := p.linkMap(p.loaderObject())
	if !ok {
		t.Fatal("no list at the breakpoint")
	}
	if a, b := p.rDebugOfProgram(), p.rDebugOfLoader(p.loaderObject()); a == 0 || a != b {
		t.Errorf("r_debug: DT_DEBUG %v, the loader's _r_debug %v", a, b)
	}
	type row struct {
		path string
		from uint64
	}
	var got, gdb []row
	for _, l := range links {
		if !strings.HasPrefix(l.Name, "/") {
			continue // the program (""), the vdso (linux-vdso.so.1): no file
		}
		o := p.ObjectNamed(filepath.Base(l.Name))
		if o == nil {
			t.Errorf("%s: listed, no object", l.Name)
			continue
		}
		if o.Bias != l.Addr {
			t.Errorf("%s: object bias %v, l_addr %v", l.Name, o.Bias, l.Addr)
		}
		text := o.File.ELF.Section(".text")
		if text == nil {
			t.Fatalf("%s: no .text", l.Name)
		}
		got = append(got, row{l.Name, uint64(l.Addr) + text.Addr})
	}
	for _, g := range want {
		gdb = append(gdb, row{g.Path, g.From})
	}
	byPath := func(rs []row) { sort.Slice(rs, func(i, j int) bool { return rs[i].path < rs[j].path }) }
	byPath(got)
	byPath(gdb)
	if len(got) != len(gdb) || len(gdb) != 3 {
		t.Fatalf("walk %v\ngdb  %v", got, gdb)
	}
	for i := range gdb {
		if got[i] != gdb[i] {
			t.Errorf("walk %+v, gdb %+v", got[i], gdb[i])
		}
	}
	if n := len(p.Objects()); n != 4 {
		t.Errorf("%d objects, want the program and gdb's 3: %v", n, p.Objects())
	}
}

// A program without a loader has no r_debug: a static C program and a Go
// program without cgo; their objects are the program alone, from the maps.
func TestLinkMapNoLoader(t *testing.T) {
	for _, prog := range []string{
		fixture.C(t, "hello.c", "-O0", "-g", "-static"),
		fixture.GoDebug(t, "break"),
	} {
		p, _ := launch(t, prog, false)
		if _, err := p.LoadLibraries(nil); err != nil {
			t.Fatal(err)
		}
		if a := p.rDebug(nil); a != 0 {
			t.Errorf("%s: r_debug at %v", prog, a)
		}
		if _, _, ok := p.linkMap(nil); ok {
			t.Errorf("%s: a loader's list", prog)
		}
		if objs := p.Objects(); len(objs) != 1 || !objs[0].Main || objs[0].Lo == 0 {
			t.Errorf("%s: objects %v, want the program alone, mapped", prog, objs)
		}
		p.Kill()
	}
}

// A library loaded from a memfd: the maps name "/memfd:plugin (deleted)",
// which no open(2) finds; the loader's list names it /proc/self/fd/N and
// its file is read through the maps' map_files: a pending breakpoint on
// its function is placed and counts every call.
func TestPendingBreakpointMemfd(t *testing.T) {
	lib := fixture.C(t, "plugin.c", "-O0", "-g", "-shared", "-fPIC")
	host := fixture.C(t, "dlmemfd.c", "-O0", "-g")
	// Through map_files, then as without the capability it needs: through
	// the loader's /proc/self/fd/N in the tracee's /proc/PID.
	for _, dir := range []string{mapFilesDir, "map_files-none"} {
		mapFilesDir = dir
		p, stdout := launch(t, host, false, lib)
		bp, err := p.SetPendingBreakpoint("plugin_add", false)
		if err != nil {
			t.Fatal(err)
		}
		var where string
		ev, err := p.Continue(func(ev *Event) (bool, error) {
			if ev.Bp == bp && where == "" {
				if s, ok := p.FuncAt(ev.Addr); ok {
					where = s.Object.Path + ":" + s.Sym.Name
				}
			}
			return false, nil
		})
		mapFilesDir = "map_files"
		if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
			t.Fatalf("%s: Continue: %+v %v (output %q)", dir, ev, err, stdout())
		}
		if bp.Pending() || bp.Hits != 4 {
			t.Errorf("%s: pending %v hits %d, want placed and 4 hits", dir, bp.Pending(), bp.Hits)
		}
		if !strings.HasPrefix(where, "/proc/self/fd/") || !strings.HasSuffix(where, ":plugin_add") {
			t.Errorf("%s: first hit in %q, want /proc/self/fd/N:plugin_add", dir, where)
		}
		if got := stdout(); got != "sum 6\n" {
			t.Errorf("%s: output %q, want %q", dir, got, "sum 6\n")
		}
	}
}

// A library whose file is deleted after dlopen stays an object at the
// loader's bias, under its path (the maps say "PATH (deleted)"), its
// functions found by name and by address.
func TestObjectsDeletedLibrary(t *testing.T) {
	lib := filepath.Join(t.TempDir(), "libgone.so")
	if err := os.Link(fixture.C(t, "plugin.c", "-O0", "-g", "-shared", "-fPIC"), lib); err != nil {
		t.Fatal(err)
	}
	host := fixture.C(t, "dlhost.c", "-O0", "-g")
	p, _ := launch(t, host, false, lib)
	ev := runToPending(t, p, "plugin_add")
	if err := os.Remove(lib); err != nil {
		t.Fatal(err)
	}
	if err := p.RefreshObjects(); err != nil {
		t.Fatal(err)
	}
	o := p.ObjectNamed("libgone.so")
	if o == nil || o.Path != lib {
		t.Fatalf("object %v, want %s", o, lib)
	}
	r, ok := p.FuncAt(ev.Addr)
	if !ok || r.Object != o || r.Sym.Name != "plugin_add" {
		t.Errorf("FuncAt(%v) = %v %+v, want plugin_add of %s", ev.Addr, ok, r, lib)
	}
	if s, ok := p.LookupSym("libgone.so:plugin_add"); !ok || s.Addr != r.Addr {
		t.Errorf("libgone.so:plugin_add = %v %v, want %v", s.Addr, ok, r.Addr)
	}
}

// A library opened in a new namespace (dlmopen): the loader lists it in
// the namespace's own r_debug (r_next of the first, r_version 2); the
// walk finds both namespaces, and a pending breakpoint on its function is
// placed and counts every call.
func TestPendingBreakpointDlmopen(t *testing.T) {
	lib := fixture.C(t, "plugin.c", "-O0", "-g", "-shared", "-fPIC")
	host := fixture.C(t, "dlmopen.c", "-O0", "-g")
	p, stdout := launch(t, host, false, lib)
	bp, err := p.SetPendingBreakpoint("plugin_add", false)
	if err != nil {
		t.Fatal(err)
	}
	checked := false
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		if ev.Bp != bp || checked {
			return false, nil
		}
		checked = true
		r, links, ok := p.linkMap(p.loaderObject())
		if !ok || r.Version < 2 || r.Next == 0 {
			t.Errorf("r_debug %+v (ok %v), want version 2 with a next namespace", r, ok)
		}
		ns, err := objects.ReadRDebug(p, r.Next)
		if n := len(links); err != nil || n == 0 || links[n-1].Name != lib || links[n-1].At != ns.Map {
			t.Errorf("listed %+v, want %s last, first of the next namespace %+v (%v)", links, lib, ns, err)
		}
		if s, ok := p.FuncAt(ev.Addr); !ok || s.Object.Path != lib || s.Sym.Name != "plugin_add" {
			t.Errorf("hit in %+v, want plugin_add of %s", s, lib)
		}
		return false, nil
	})
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
		t.Fatalf("Continue: %+v %v (output %q)", ev, err, stdout())
	}
	if !checked || bp.Pending() || bp.Hits != 4 {
		t.Errorf("pending %v hits %d, want placed and 4 hits", bp.Pending(), bp.Hits)
	}
	if got := stdout(); got != "sum 6\n" {
		t.Errorf("output %q, want %q", got, "sum 6\n")
	}
}

// runToPending sets a pending breakpoint on fn (a library's, placed when
// the library is loaded) and continues p to its first hit.
func runToPending(t *testing.T, p *Process, fn string) *Event {
	t.Helper()
	bp, err := p.SetPendingBreakpoint(fn, false)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := p.Continue(func(ev *Event) (bool, error) { return ev.Bp == bp, nil })
	if err != nil || ev.Bp != bp {
		t.Fatalf("Continue: %+v %v", ev, err)
	}
	return ev
}

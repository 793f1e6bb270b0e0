package objects

import (
	"testing"

	"github.com/godbg/godbg/engine/debuginfo"
	"github.com/godbg/godbg/engine/symtab"
	"github.com/godbg/godbg/internal/fixture"
)

// TestListLookups: a program and two libraries placed by hand, as a
// process would have them: names resolve in the program first, then the
// libraries in order, "lib:sym" in that library only; an address finds
// its object and symbol; an indirect function is marked.
func TestListLookups(t *testing.T) {
	open := func(src string, flags ...string) *File {
		f := Open(fixture.C(t, src, flags...))
		if f.Err != nil {
			t.Fatal(f.Err)
		}
		t.Cleanup(f.Close)
		return f
	}
	prog := &Object{Path: "/bin/hello", Bias: 0x555555554000, Lo: 0x555555554000, Hi: 0x555555559000, Main: true,
		File: open("hello.c", "-O0", "-g", "-pie", "-fPIE")}
	lib := &Object{Path: "/usr/lib/libifunc.so.1", Bias: 0x7ffff7f00000, Lo: 0x7ffff7f00000, Hi: 0x7ffff7f05000,
		File: open("ifunclib.c", "-O0", "-g", "-shared", "-fPIC")}
	// The same library again, later in the list: its names are shadowed.
	dup := &Object{Path: "/tmp/libdup.so", Bias: 0x7ffff7e00000, Lo: 0x7ffff7e00000, Hi: 0x7ffff7e05000, File: lib.File}
	l := List{prog, lib, dup}
	if (List{}).Named("x") != nil || (List{}).At(1) != nil {
		t.Error("an empty list found an object")
	}
	mainSym, ok := prog.File.Bin.LookupSym("main")
	if !ok {
		t.Fatal("no main in hello")
	}
	add, ok := lib.File.Bin.LookupSym("addtwo")
	if !ok {
		t.Fatal("no addtwo in ifunclib")
	}
	for _, tc := range []struct {
		name  string
		obj   *Object
		addr  Addr
		ifunc bool
	}{
		{"main", prog, mainSym.Addr + prog.Bias, false},
		{"addtwo", lib, add.Addr + lib.Bias, true},
		{"libifunc:addtwo", lib, add.Addr + lib.Bias, true},
		{"libdup.so:addtwo", dup, add.Addr + dup.Bias, true},
		{"hello:main", prog, mainSym.Addr + prog.Bias, false},
		{"nosuch", nil, 0, false},
		{"libnone:addtwo", nil, 0, false},
	} {
		r, ok := l.Lookup(tc.name)
		if ok != (tc.obj != nil) || ok && (r.Object != tc.obj || r.Addr != tc.addr || r.IFunc != tc.ifunc) {
			t.Errorf("Lookup(%q) = %v %s %v ifunc %v, want %v %v ifunc %v", tc.name, ok, r.Object.Name(), r.Addr, r.IFunc,
				tc.obj != nil, tc.addr, tc.ifunc)
		}
	}
	if _, ok := l.LookupLibs("main"); ok {
		t.Error("LookupLibs found the program's main")
	}
	for _, tc := range []struct {
		addr Addr
		obj  *Object
		sym  string
	}{
		{mainSym.Addr + prog.Bias + 1, prog, "main"},
		{add.Addr + dup.Bias, dup, "addtwo"},
		{0x7ffff7f04fff, lib, ""},
		{0x1000, nil, ""},
	} {
		o := l.At(tc.addr)
		if o != tc.obj {
			t.Errorf("At(%v) = %v, want %v", tc.addr, o, tc.obj)
			continue
		}
		if o == nil {
			continue
		}
		r, ok := SymbolIn(o, tc.addr, (*symtab.Binary).SymAt)
		if r.Object != o || ok != (tc.sym != "") || ok && r.Sym.Name != tc.sym {
			t.Errorf("SymbolIn(%v) = %v %+v, want %q", tc.addr, ok, r, tc.sym)
		}
	}
}

// TestLines: of a line's addresses, the lowest in each function, relocated;
// a library resolves its own file's lines, the program's are not its.
func TestLines(t *testing.T) {
	f := Open(fixture.C(t, "hello.c", "-O0", "-g", "-pie", "-fPIE"))
	if f.Err != nil {
		t.Fatal(f.Err)
	}
	defer f.Close()
	add, _ := f.Bin.LookupSym("add")
	main, _ := f.Bin.LookupSym("main")
	const bias = 0x555555554000
	got := Lines([]symtab.Addr{main.Addr + 9, add.Addr + 4, main.Addr + 2, add.Addr + 8}, f.Bin, bias, nil)
	want := []Addr{add.Addr + 4 + bias, main.Addr + 2 + bias}
	if add.Addr > main.Addr {
		want = []Addr{main.Addr + 2 + bias, add.Addr + 4 + bias}
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Lines = %v, want %v", got, want)
	}
	pcs, err := f.Bin.LineStmtPCs("hello.c", 9)
	if err != nil || len(pcs) == 0 {
		t.Fatalf("hello.c:9: %v %v", pcs, err)
	}
	lib := &Object{Path: "/usr/lib/libhello.so", Bias: bias, File: f}
	asked := 0
	dbg := func(o *Object) *debuginfo.Info { asked++; return nil }
	if addrs, ok := (List{lib}).LibraryLines("hello.c", 9, dbg); !ok || len(addrs) != 1 || addrs[0] != Lines(pcs, f.Bin, bias, nil)[0] || asked != 1 {
		t.Errorf("LibraryLines(hello.c:9) = %v %v (debug info asked %d)", addrs, ok, asked)
	}
	prog := &Object{Path: "/bin/hello", Bias: bias, Main: true, File: f}
	if addrs, ok := (List{prog}).LibraryLines("hello.c", 9, dbg); ok {
		t.Errorf("LibraryLines looked in the program: %v", addrs)
	}
	if addrs, ok := (List{lib}).LibraryLines("nosuch.c", 1, dbg); ok {
		t.Errorf("LibraryLines(nosuch.c:1) = %v", addrs)
	}
}

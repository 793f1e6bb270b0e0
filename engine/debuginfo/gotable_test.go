package debuginfo

import (
	"runtime"
	"testing"

	"github.com/godbg/godbg/engine/symtab"
	"github.com/godbg/godbg/internal/fixture"
)

// symtabGo adapts symtab's pclntab reader, as the engine does.
type symtabGo struct{ b *symtab.Binary }

func (g symtabGo) PCToLine(pc uint64) (string, int, bool) { return g.b.PCToLine(symtab.Addr(pc)) }
func (g symtabGo) SPDelta(pc uint64) (int64, bool)        { return g.b.SPDelta(symtab.Addr(pc)) }
func (g symtabGo) GoVersion() string                      { return g.b.GoVersion() }
func (g symtabGo) Func(name string) (uint64, uint64, bool) {
	s, ok := g.b.LookupSym(name)
	return uint64(s.Addr), s.Size, ok && s.Kind == symtab.Func
}

// The table's layout for the installed toolchain is the one its DWARF
// gives, and a stripped build of the same program (no DWARF, no .symtab)
// finds the same offsets and the same runtime.allgs, from allgadd's code.
func TestGLayoutMatchesDWARF(t *testing.T) {
	debug := fixture.GoDebug(t, "break")
	_, _, info := openInfo(t, debug)
	want, err := info.GoroutineOffsets()
	if err != nil {
		t.Fatal(err)
	}
	l, err := layoutFor(runtime.Version())
	if err != nil {
		t.Fatalf("installed toolchain %s: %v", runtime.Version(), err)
	}
	got := l.GOffsets
	got.AllGs = want.AllGs
	if got != want {
		t.Errorf("%s table layout %+v, DWARF says %+v", runtime.Version(), got, want)
	}

	stripped := fixture.Go(t, "break", "-gcflags=all=-N -l", "-ldflags=-s -w")
	b, err := symtab.Open(stripped)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	si, err := New(b.ELF(), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := si.GoroutineOffsets(); err == nil {
		t.Error("GoroutineOffsets without DWARF nor GoTable: no error")
	}
	si, _ = New(b.ELF(), nil, 0)
	si.SetGoTable(symtabGo{b})
	so, err := si.GoroutineOffsets()
	if err != nil {
		t.Fatal(err)
	}
	// The stripped build's data moved (its text did not): its allgs is
	// checked in its .bss here and by reading goroutines in the CLI test.
	bss := b.ELF().Section(".bss")
	if so.AllGs < bss.Addr || so.AllGs+24 > bss.Addr+bss.Size {
		t.Errorf("stripped build: runtime.allgs at %#x, outside .bss", so.AllGs)
	}
	so.AllGs = want.AllGs
	if so != want {
		t.Errorf("stripped build: offsets %+v, want %+v", so, want)
	}
	// allgadd's code names the same allgs as the symbol table does.
	db, err := symtab.Open(debug)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	info.SetGoTable(symtabGo{db})
	if a, err := info.allgsFromCode(); err != nil || a != want.AllGs {
		t.Errorf("allgsFromCode = %#x, %v; the symbol says %#x", a, err, want.AllGs)
	}
	if g, err := NewGoidReaderForVersion(b.GoVersion()); err != nil || g.goid != want.Goid || g.stackLo != want.StackLo {
		t.Errorf("NewGoidReaderForVersion(%q) = %+v, %v", b.GoVersion(), g, err)
	}
}

// Releases are matched by their major version; others are refused with
// the list of known ones.
func TestLayoutFor(t *testing.T) {
	for _, v := range []string{"go1.26.8", "go1.26", "go1.26rc1", "go1.25.0", "go1.24.3"} {
		if _, err := layoutFor(v); err != nil {
			t.Errorf("layoutFor(%q): %v", v, err)
		}
	}
	for v, want := range map[string]string{
		"go1.23.4": "no DWARF, and the runtime.g layout of go1.23.4 is not known (known: go1.26, go1.25, go1.24)",
		"go1.260":  "no DWARF, and the runtime.g layout of go1.260 is not known (known: go1.26, go1.25, go1.24)",
		"":         "no DWARF and no Go build information: the runtime.g layout is unknown",
	} {
		if _, err := layoutFor(v); err == nil || err.Error() != want {
			t.Errorf("layoutFor(%q) = %v, want %q", v, err, want)
		}
	}
}

package locspec

import (
	"strings"
	"testing"

	"github.com/godbg/godbg/engine/symtab"
	"github.com/godbg/godbg/internal/fixture"
)

func open(t *testing.T, path string) *symtab.Binary {
	t.Helper()
	b, err := symtab.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Spec
	}{
		{"main.BreakMe", Spec{Kind: Func, Text: "main.BreakMe", Name: "main.BreakMe"}},
		{"main.go:12", Spec{Kind: FileLine, Text: "main.go:12", File: "main.go", Line: 12}},
		{"/src/a b/x.c:7", Spec{Kind: FileLine, Text: "/src/a b/x.c:7", File: "/src/a b/x.c", Line: 7}},
		{"libc.so.6:puts", Spec{Kind: LibFunc, Text: "libc.so.6:puts", Lib: "libc.so.6", Name: "puts"}},
		{"libplugin.so:", Spec{Kind: LibFunc, Text: "libplugin.so:", Lib: "libplugin.so"}},
		// A line of a library's source file is a line, not a function.
		{"libfoo.so.c:3", Spec{Kind: FileLine, Text: "libfoo.so.c:3", File: "libfoo.so.c", Line: 3}},
		{"pkg.T:method", Spec{Kind: Func, Text: "pkg.T:method", Name: "pkg.T:method"}},
		{"main.go:", Spec{Kind: Func, Text: "main.go:", Name: "main.go:"}},
	} {
		if got := Parse(tc.in); got != tc.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
	if got := At(0x401000); got.Kind != Address || got.Addr != 0x401000 || got.Text != "0x401000" {
		t.Errorf("At(0x401000) = %+v", got)
	}
	if lib, rest, ok := SplitLib("libc.so.6:mall*"); !ok || lib != "libc.so.6" || rest != "mall*" {
		t.Errorf("SplitLib(libc.so.6:mall*) = %q, %q, %v", lib, rest, ok)
	}
	if _, _, ok := SplitLib("main.*"); ok {
		t.Errorf("SplitLib(main.*) found a library")
	}
}

// TestResolveGo resolves each kind of location in the break target.
func TestResolveGo(t *testing.T) {
	b := open(t, fixture.GoDebug(t, "break"))
	sym, ok := b.LookupSym("main.BreakMe")
	if !ok {
		t.Fatal("no main.BreakMe")
	}
	body, err := b.FirstPCAfterPrologue(sym)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		loc   string
		entry bool
		want  symtab.Addr
	}{
		{"main.BreakMe", false, body},
		{"main.BreakMe", true, sym.Addr},
	} {
		if got, err := Resolve(b, tc.loc, tc.entry); err != nil || got != tc.want {
			t.Errorf("Resolve(%q, entry=%v) = %v, %v; want %v", tc.loc, tc.entry, got, err, tc.want)
		}
	}
	// main.go:7 is fmt.Println("hello"): its lowest address, on line 7.
	pcs, err := b.LineToPCs("break/main.go", 7)
	if err != nil || len(pcs) == 0 {
		t.Fatalf("LineToPCs(break/main.go, 7) = %v, %v", pcs, err)
	}
	got, err := Resolve(b, "main.go:7", false)
	if err != nil || got != pcs[0] {
		t.Errorf("Resolve(main.go:7) = %v, %v; want %v", got, err, pcs[0])
	}
	if _, line, _ := b.PCToLine(got); line != 7 {
		t.Errorf("Resolve(main.go:7) is on line %d", line)
	}
	if got, err := ResolveSpec(b, At(0x1234), false); err != nil || got != 0x1234 {
		t.Errorf("ResolveSpec(At(0x1234)) = %v, %v", got, err)
	}
	for _, tc := range []struct{ loc, err string }{
		{"main.BrakMe", "unknown symbol main.BrakMe (did you mean main.BreakMe?)"},
		{"main.go:2", "the next line with code is 6"},
	} {
		if _, err := Resolve(b, tc.loc, false); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("Resolve(%q) error = %v, want %q", tc.loc, err, tc.err)
		}
	}
}

// TestResolveLibrary resolves a shared object's own function and a
// library-qualified name (as an object's symbol table spells it).
func TestResolveLibrary(t *testing.T) {
	b := open(t, fixture.C(t, "plugin.c", "-shared", "-fPIC", "-g", "-O0"))
	sym, ok := b.LookupSym("plugin_add")
	if !ok {
		t.Fatal("no plugin_add")
	}
	if got, err := Resolve(b, "plugin_add", true); err != nil || got != sym.Addr {
		t.Errorf("Resolve(plugin_add, entry) = %v, %v; want %v", got, err, sym.Addr)
	}
	got, err := Resolve(b, "plugin_add", false)
	if err != nil || got <= sym.Addr || got >= sym.Addr+symtab.Addr(sym.Size) {
		t.Errorf("Resolve(plugin_add) = %v, %v; want inside (%v, %v)", got, err, sym.Addr, sym.Addr+symtab.Addr(sym.Size))
	}
	if _, line, _ := b.PCToLine(got); line != 2 {
		t.Errorf("Resolve(plugin_add) is on line %d, want 2", line)
	}
	if got, err := Resolve(b, "plugin.c:2", false); err != nil || got < sym.Addr || got >= sym.Addr+symtab.Addr(sym.Size) {
		t.Errorf("Resolve(plugin.c:2) = %v, %v", got, err)
	}
	if s := Parse("libplugin.so:plugin_add"); s.Kind != LibFunc || s.Name != "plugin_add" {
		t.Errorf("Parse(libplugin.so:plugin_add) = %+v", s)
	}
	if _, err := Resolve(b, "plugin_ad", false); err == nil || err.Error() != "unknown symbol plugin_ad (did you mean plugin_add?)" {
		t.Errorf("Resolve(plugin_ad) error = %v", err)
	}
}

// TestUnknownInStripped: a stripped binary's unknown name says so.
func TestUnknownInStripped(t *testing.T) {
	path := fixture.C(t, "hello.c", "-s")
	b := open(t, path)
	_, err := Resolve(b, "main", false)
	if err == nil || !strings.HasSuffix(err.Error(), "has no symbols (stripped); use addresses") {
		t.Errorf("Resolve(main) in a stripped binary: error = %v", err)
	}
}

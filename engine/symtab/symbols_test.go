package symtab

import (
	"os/exec"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

type nmSym struct {
	addr, size uint64
	typ        byte
	name       string
}

// nm runs a symbol lister and parses "addr [size] type name" lines.
func nm(t *testing.T, withSize bool, args ...string) []nmSym {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).Output()
	if err != nil {
		t.Fatalf("%s: %v", strings.Join(args, " "), err)
	}
	var syms []nmSym
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if withSize && len(f) == 4 || !withSize && len(f) == 3 {
			addr, err1 := strconv.ParseUint(f[0], 16, 64)
			var size uint64
			var err2 error
			if withSize {
				size, err2 = strconv.ParseUint(f[1], 16, 64)
				if strings.HasPrefix(args[0], "go") || strings.HasSuffix(args[0], "/go") {
					size, err2 = strconv.ParseUint(f[1], 10, 64)
				}
				f = f[1:]
			}
			if err1 == nil && err2 == nil {
				syms = append(syms, nmSym{addr, size, f[1][0], f[2]})
			}
		}
	}
	return syms
}

// TestLookupSymGoAgainstNm checks every text and data symbol `go tool nm`
// lists: same address, same size.
func TestLookupSymGoAgainstNm(t *testing.T) {
	path := fixture.GoDebug(t, "break")
	b := open(t, path)
	count := map[string]int{}
	syms := nm(t, true, "go", "tool", "nm", "-size", path)
	for _, s := range syms {
		count[s.name]++
	}
	checked := 0
	for _, s := range syms {
		if !strings.ContainsRune("TtDdBb", rune(s.typ)) || count[s.name] > 1 || s.addr == 0 {
			continue
		}
		got, ok := b.LookupSym(s.name)
		if !ok {
			// go tool nm also lists symbols of no ELF type (runtime.etext &c).
			continue
		}
		checked++
		if uint64(got.Addr) != s.addr || got.Size != s.size {
			t.Errorf("LookupSym(%q) = %v size %d, go tool nm says %#x size %d", s.name, got.Addr, got.Size, s.addr, s.size)
		}
		wantKind := Data
		if s.typ == 'T' || s.typ == 't' {
			wantKind = Func
		}
		if got.Kind != wantKind {
			t.Errorf("LookupSym(%q).Kind = %v, want %v", s.name, got.Kind, wantKind)
		}
	}
	if checked < 1000 {
		t.Errorf("only %d symbols cross-checked with go tool nm", checked)
	}
	for _, name := range []string{"main.BreakMe", "main.main", "fmt.Println", "runtime.main", "os.Stdout"} {
		mustSym(t, b, name)
	}
	if _, ok := b.LookupSym("main.BrakMe"); ok {
		t.Errorf("LookupSym(main.BrakMe) found a symbol")
	}
}

func TestLookupSymCAgainstNm(t *testing.T) {
	for _, flags := range [][]string{{"-O0", "-g"}, {"-O2", "-g", "-no-pie"}, {"-O0"}} {
		path := fixture.C(t, "hello.c", flags...)
		b := open(t, path)
		want := map[string]nmSym{}
		for _, s := range nm(t, true, "nm", "-S", path) {
			want[s.name] = s
		}
		for _, tt := range []struct {
			name string
			kind SymKind
		}{{"add", Func}, {"main", Func}, {"counter", Data}, {"greeting", Data}, {"_start", Func}} {
			got := mustSym(t, b, tt.name)
			w := want[tt.name]
			if uint64(got.Addr) != w.addr || got.Size != w.size || got.Kind != tt.kind {
				t.Errorf("%v: LookupSym(%q) = %+v, nm -S says %#x size %d (%v)", flags, tt.name, got, w.addr, w.size, tt.kind)
			}
		}
		// printf is undefined here (it lives in libc): not a symbol of ours.
		if s, ok := b.LookupSym("printf"); ok {
			t.Errorf("LookupSym(printf) = %+v, want not found", s)
		}
	}
}

// TestVersionedNames: a C library's .dynsym names carry @VERSION; the
// bare name finds them.
func TestVersionedNames(t *testing.T) {
	idx := newSymIndex([]entry{
		{Symbol: Symbol{Name: "memcpy@@GLIBC_2.14", Addr: 0x2000, Size: 10, Kind: Func}, global: true},
		{Symbol: Symbol{Name: "memcpy@GLIBC_2.2.5", Addr: 0x1000, Size: 10, Kind: Func}, global: true},
		{Symbol: Symbol{Name: "stat", Addr: 0x3000, Size: 4, Kind: Func}, global: true},
		{Symbol: Symbol{Name: "stat@GLIBC_2.33", Addr: 0x4000, Size: 4, Kind: Func}, global: true},
	})
	b := &Binary{syms: idx, symsDone: true}
	for name, want := range map[string]Addr{"memcpy": 0x1000, "memcpy@@GLIBC_2.14": 0x2000, "stat": 0x3000, "stat@GLIBC_2.33": 0x4000} {
		if s, ok := b.LookupSym(name); !ok || s.Addr != want {
			t.Errorf("LookupSym(%q) = %v, %v; want %v", name, s.Addr, ok, want)
		}
	}
}

func TestStrippedGoSymbols(t *testing.T) {
	full := open(t, fixture.Go(t, "break"))
	stripped := open(t, fixture.Go(t, "break", "-ldflags=-s -w"))
	for _, name := range []string{"main.main", "fmt.Fprintln", "runtime.main"} {
		f := mustSym(t, full, name)
		s := mustSym(t, stripped, name)
		// The pclntab's function end includes the alignment padding that
		// the ELF size leaves out.
		if f.Addr != s.Addr || s.Size < f.Size || s.Size > f.Size+32 || s.Kind != Func {
			t.Errorf("stripped LookupSym(%q) = %+v, unstripped %+v", name, s, f)
		}
		if fn, ok := stripped.FuncAt(s.Addr + 1); !ok || fn.Name != name {
			t.Errorf("stripped FuncAt(%v+1) = %q, %v; want %q", s.Addr, fn.Name, ok, name)
		}
	}
}

func TestSyms(t *testing.T) {
	b := open(t, fixture.GoDebug(t, "break"))
	all, err := b.Syms("")
	if err != nil {
		t.Fatal(err)
	}
	star, _ := b.Syms("*")
	if len(all) < 1000 || len(all) != len(star) {
		t.Errorf(`Syms("") = %d symbols, Syms("*") = %d`, len(all), len(star))
	}
	if !sort.SliceIsSorted(all, func(i, j int) bool { return all[i].Addr < all[j].Addr }) {
		t.Errorf("Syms not sorted by address")
	}
	mains, err := b.Syms("main.*")
	if err != nil {
		t.Fatal(err)
	}
	var funcs []string
	for _, s := range mains {
		if !strings.HasPrefix(s.Name, "main.") {
			t.Errorf("Syms(main.*) has %q", s.Name)
		}
		if s.Kind == Func {
			funcs = append(funcs, s.Name)
		}
	}
	if want := []string{"main.BreakMe", "main.main"}; !slices.Equal(funcs, want) {
		t.Errorf("Syms(main.*) functions = %v, want %v", funcs, want)
	}
	// '*' crosses '/' and '.': a package path glob.
	fmtSyms, _ := b.Syms("*fmt.(*pp).print*")
	if len(fmtSyms) == 0 {
		t.Errorf("Syms(*fmt.(*pp).print*) found nothing")
	}
	internal, _ := b.Syms("internal/*")
	if len(internal) == 0 {
		t.Errorf("Syms(internal/*) found nothing")
	}
	if _, err := b.Syms("main.[Br"); err == nil {
		t.Errorf("Syms(main.[Br) = nil error, want bad glob")
	}
}

func TestFuncAtSymAt(t *testing.T) {
	b := open(t, fixture.GoDebug(t, "break"))
	fn := mustSym(t, b, "main.BreakMe")
	for _, pc := range []Addr{fn.Addr, fn.Addr + 10, fn.Addr + Addr(fn.Size) - 1} {
		if got, ok := b.FuncAt(pc); !ok || got.Name != "main.BreakMe" {
			t.Errorf("FuncAt(%v) = %q, %v; want main.BreakMe", pc, got.Name, ok)
		}
	}
	if got, ok := b.FuncAt(fn.Addr + Addr(fn.Size)); ok && got.Name == "main.BreakMe" {
		t.Errorf("FuncAt(end of main.BreakMe) still main.BreakMe")
	}
	if _, ok := b.FuncAt(0x10); ok {
		t.Errorf("FuncAt(0x10) found a function")
	}

	c := open(t, fixture.C(t, "hello.c", "-O0", "-g"))
	counter := mustSym(t, c, "counter")
	if got, ok := c.SymAt(counter.Addr + 2); !ok || got.Name != "counter" {
		t.Errorf("SymAt(counter+2) = %q, %v", got.Name, ok)
	}
	if got, ok := c.FuncAt(counter.Addr); ok {
		t.Errorf("FuncAt(counter) = %q, want none", got.Name)
	}
	add := mustSym(t, c, "add")
	if got, ok := c.SymAt(add.Addr + 5); !ok || got.Name != "add" {
		t.Errorf("SymAt(add+5) = %q, %v", got.Name, ok)
	}
}

// TestFuncAtSizeZero: a size-0 function symbol covers up to the next one
// in its section (hand-written assembly often has no .size).
func TestFuncAtSizeZero(t *testing.T) {
	b := open(t, fixture.C(t, "hello.c", "-O0", "-g"))
	text := b.f.Section(".text")
	idx := newSymIndex([]entry{
		{Symbol: Symbol{Name: "asmfunc", Addr: Addr(text.Addr), Kind: Func}, global: true, section: sectionIndex(b, ".text")},
		{Symbol: Symbol{Name: "next", Addr: Addr(text.Addr + 0x20), Size: 0x10, Kind: Func}, global: true, section: sectionIndex(b, ".text")},
	})
	b.syms, b.symsDone = idx, true
	for _, tt := range []struct {
		pc   Addr
		want string
	}{
		{Addr(text.Addr), "asmfunc"},
		{Addr(text.Addr + 0x1f), "asmfunc"},
		{Addr(text.Addr + 0x20), "next"},
		{Addr(text.Addr + 0x2f), "next"},
		{Addr(text.Addr + 0x30), ""},
	} {
		got, _ := b.FuncAt(tt.pc)
		if got.Name != tt.want {
			t.Errorf("FuncAt(%v) = %q, want %q", tt.pc, got.Name, tt.want)
		}
	}
}

func sectionIndex(b *Binary, name string) int {
	for i, s := range b.f.Sections {
		if s.Name == name {
			return i
		}
	}
	return -1
}

func TestSuggest(t *testing.T) {
	b := open(t, fixture.GoDebug(t, "break"))
	for _, tt := range []struct {
		query string
		want  string // first suggestion
	}{
		{"main.BrakMe", "main.BreakMe"},
		{"main.breakme", "main.BreakMe"},
		{"BreakMe", "main.BreakMe"},
		{"main.mian", "main.main"},
		{"fmt.PrintLn", "fmt.Println"},
	} {
		got := b.Suggest(tt.query, 3)
		if len(got) == 0 || got[0] != tt.want || len(got) > 3 {
			t.Errorf("Suggest(%q, 3) = %v, want %q first", tt.query, got, tt.want)
		}
	}
	if got := b.Suggest("zzzzqqqqxxxx", 5); len(got) != 0 {
		t.Errorf("Suggest(nonsense) = %v, want none", got)
	}
	c := open(t, fixture.C(t, "hello.c", "-O0", "-g"))
	if got := c.Suggest("ad", 2); len(got) == 0 || got[0] != "add" {
		t.Errorf("Suggest(ad) = %v, want add first", got)
	}
	if got := c.Suggest("countr", 1); !slices.Equal(got, []string{"counter"}) {
		t.Errorf("Suggest(countr, 1) = %v, want [counter]", got)
	}
}

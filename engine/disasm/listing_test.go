package disasm

import (
	"strings"
	"testing"

	"github.com/godbg/godbg/engine/symtab"
	"github.com/godbg/godbg/internal/fixture"
)

// TestListingBinary lists main.BreakMe of the break target from its ELF
// file, at its link-time addresses and relocated by a bias, as `godbg
// disas` and disas() do.
func TestListingBinary(t *testing.T) {
	b, err := symtab.Open(fixture.GoDebug(t, "break"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	fn, ok := b.LookupSym("main.BreakMe")
	if !ok {
		t.Fatal("no main.BreakMe")
	}
	for _, bias := range []uint64{0, 0x10000} {
		start := uint64(fn.Addr) + bias
		l := &Listing{
			Syms: BinarySymbols{Bin: b, Bias: bias},
			Read: func(addr uint64, n int) ([]byte, error) { return b.ReadCode(symtab.Addr(addr-bias), n) },
			BpAt: func(addr uint64) bool { return addr == start },
		}
		fs, fe, ok := l.FuncRange(start + 4)
		if !ok || fs != start || fe != start+fn.Size {
			t.Fatalf("bias %#x: FuncRange = %#x, %#x, %v; want %#x, %#x", bias, fs, fe, ok, start, start+fn.Size)
		}
		entries, err := l.Disassemble(fs, fe, 4096)
		if err != nil {
			t.Fatalf("bias %#x: %v", bias, err)
		}
		want := decodeFunc(t, b, "main.BreakMe")
		if len(entries) != len(want) {
			t.Fatalf("bias %#x: %d entries, Decode gives %d", bias, len(entries), len(want))
		}
		calls := 0
		for i, e := range entries {
			wantText := want[i].Text
			if bias != 0 {
				// Unnamed jump targets move with the code: compare the mnemonic.
				wantText = strings.Fields(wantText)[0]
				e.Text = strings.Fields(e.Text)[0]
			}
			if e.Addr != uint64(want[i].Addr)+bias || e.Text != wantText || e.Sym != "main.BreakMe" ||
				!strings.HasSuffix(e.File, "break/main.go") || e.Line < 6 || e.Line > 8 || e.Bp != (i == 0) {
				t.Errorf("bias %#x: entry %d = %+v, want %#x %q in main.BreakMe, break/main.go:6-8, bp %v",
					bias, i, e, uint64(want[i].Addr)+bias, wantText, i == 0)
			}
			if strings.HasPrefix(want[i].Text, "call fmt.Println") && strings.HasPrefix(e.Text, "call") {
				calls++
			}
		}
		if calls != 1 {
			t.Errorf("bias %#x: %d calls of fmt.Println named, want 1", bias, calls)
		}
		first := strings.SplitN(RenderListing(entries), "\n", 2)[0]
		if !strings.HasPrefix(first, "main.go:6  ") || !strings.Contains(first, Addr(start).String()) {
			t.Errorf("bias %#x: first line %q, want main.go:6 at %#x", bias, first, start)
		}
		if n, err := l.Disassemble(fs, fe, 3); err != nil || len(n) != 3 {
			t.Errorf("bias %#x: Disassemble(max 3) = %d entries, %v", bias, len(n), err)
		}
	}
}

package symtab

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// FuzzOpen writes the input to a file and opens it, then runs the queries a
// session would: none may panic, whatever the bytes. The seed corpus in
// testdata/fuzz/FuzzOpen holds truncated and damaged ELF headers; the
// 32-bit, foreign-machine and empty cases come from f.Add.
func FuzzOpen(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x7fELF"))
	f.Add(elfHeader(1, 3))
	f.Add(elfHeader(2, 62))
	f.Add(elfHeader(2, 183))
	// A whole small binary, so mutations reach the section, symbol and
	// DWARF parsers.
	if real, err := os.ReadFile(fixture.C(f, "hello.c", "-O0", "-g")); err == nil {
		f.Add(real)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "bin")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		b, err := Open(path)
		if err != nil {
			return
		}
		defer b.Close()
		b.PIE()
		b.Entry()
		b.IsGo()
		b.HasDWARF()
		b.DWARF()
		b.LookupSym("main")
		syms, _ := b.Syms("*")
		b.Suggest("mian", 3)
		b.FuncAt(b.Entry())
		b.SymAt(b.Entry())
		b.PCToLine(b.Entry())
		b.LineToPCs("main.c", 3)
		b.ReadCode(b.Entry(), 64)
		b.IsCode(b.Entry())
		for i, s := range syms {
			if i == 8 {
				break
			}
			if s.Kind == Func {
				b.FirstPCAfterPrologue(s)
			}
		}
	})
}

package debuginfo

import (
	"debug/elf"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// The light reader finds the same runtime.g layout as the full index, on a
// debug and an optimized build.
func TestGoidReaderMatchesIndex(t *testing.T) {
	for _, prog := range []string{fixture.GoDebug(t, "govars"), fixture.Go(t, "gomulti")} {
		f, err := elf.Open(prog)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		d, err := f.DWARF()
		if err != nil {
			t.Fatal(err)
		}
		info, err := New(f, d, 0)
		if err != nil {
			t.Fatal(err)
		}
		o, err := info.GoroutineOffsets()
		if err != nil {
			t.Fatal(err)
		}
		g, err := NewGoidReader(d)
		if err != nil {
			t.Fatalf("%s: NewGoidReader: %v", prog, err)
		}
		if g.goid != o.Goid || g.stackLo != o.StackLo || o.Goid == 0 {
			t.Errorf("%s: reader goid %d stack.lo %d, index goid %d stack.lo %d", prog, g.goid, g.stackLo, o.Goid, o.StackLo)
		}
	}
	if _, err := NewGoidReader(nil); err == nil {
		t.Error("NewGoidReader(nil): no error")
	}
}

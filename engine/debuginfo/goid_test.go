package debuginfo

import (
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// The light reader finds the same runtime.g layout as the full index, on a
// debug and an optimized build.
func TestGoidReaderMatchesIndex(t *testing.T) {
	for _, prog := range []string{fixture.GoDebug(t, "govars"), fixture.Go(t, "gomulti")} {
		_, d, info := openInfo(t, prog)
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

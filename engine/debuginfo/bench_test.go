package debuginfo

import (
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// BenchmarkLocalsBig reads the locals of a small function of govalsbig, a
// 20 MB Go program (-N -l): cold is a fresh Info each time (what the first
// locals() of a session pays: placing the pc among the compile units,
// loading one unit, the function's DIE tree and types), warm the same
// Info again (every later locals()).
func BenchmarkLocalsBig(b *testing.B) {
	tr := launch(b, fixture.GoDebug(b, "govalsbig"))
	tr.runTo(tr.lineAddr(fixture.TestData("govalsbig/main.go"), "// STOP"))
	r := tr.regs()
	d, err := tr.elf.DWARF()
	if err != nil {
		b.Fatal(err)
	}
	check := func(i *Info) {
		vs, err := i.Locals(tr, r)
		if err != nil || len(vs) < 3 {
			b.Fatalf("Locals: %d values, %v", len(vs), err)
		}
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			i, err := New(tr.elf, d, tr.bias)
			if err != nil {
				b.Fatal(err)
			}
			check(i)
		}
	})
	b.Run("warm", func(b *testing.B) {
		i, err := New(tr.elf, d, tr.bias)
		if err != nil {
			b.Fatal(err)
		}
		check(i)
		for b.Loop() {
			check(i)
		}
	})
}

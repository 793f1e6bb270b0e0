package engine

import (
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// A program that rewrites the instruction under a breakpoint runs the new
// one: the copy run out of line follows memory (codeChanged), and the
// breakpoint keeps hitting. When the program writes over the trap byte
// itself, the breakpoint stops hitting (as in gdb) and deleting it leaves
// the program's new instruction alone.
func TestSelfModifyingCode(t *testing.T) {
	prog := fixture.C(t, "selfmod.c", "-O0", "-g")
	const want = "before=0x11223344\nafter=0x55667788\nagain=0x55667788\n"
	for _, tc := range []struct {
		mode     string
		del      bool // delete the breakpoint once the code is rewritten
		wantHits int
	}{
		{"imm", false, 3},
		{"full", false, 1},
		{"full", true, 1},
	} {
		for _, nd := range []bool{false, true} {
			p, out := launch(t, prog, nd, tc.mode)
			getval, _ := p.Binary().LookupSym("getval")
			bp, err := p.SetBreakpoint(getval.Addr+p.Bias(), "getval")
			if err != nil {
				t.Fatal(err)
			}
			check, err := p.SetBreakpoint(mustSym(t, p, "checkpoint"), "checkpoint")
			if err != nil {
				t.Fatal(err)
			}
			ev, err := p.Continue(func(ev *Event) (bool, error) {
				if ev.Bp == check && tc.del {
					return false, p.ClearBreakpoint(bp)
				}
				return false, nil
			})
			if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 || ev.ExitSignal != 0 {
				t.Fatalf("%s del=%v noDisplaced=%v: got %+v %v, want a clean exit", tc.mode, tc.del, nd, ev, err)
			}
			if got := out(); got != want || bp.Hits != tc.wantHits {
				t.Errorf("%s del=%v noDisplaced=%v: output %q, hits %d; want %q, %d", tc.mode, tc.del, nd, got, bp.Hits, want, tc.wantHits)
			}
		}
	}
}

package engine

import (
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// vfork children run in the program's memory, traps included: each is
// traced until its exec or _exit, its hits counted as the program's with
// its own tid; every child survives and the counts are exact. posix_spawn
// (clone with CLONE_VM|CLONE_VFORK) children survive too.
func TestVforkChildrenHits(t *testing.T) {
	prog := fixture.C(t, "vforker.c", "-O0", "-g")
	for _, nd := range []bool{false, true} {
		p, out := launch(t, prog, nd, "50")
		bp, err := p.SetBreakpoint(mustSym(t, p, "mark"), "mark")
		if err != nil {
			t.Fatal(err)
		}
		parent, children := 0, map[int]int{}
		ev, err := p.Continue(func(ev *Event) (bool, error) {
			if ev.Bp == bp {
				if ev.Tid == p.Pid() {
					parent++
				} else {
					children[ev.Tid]++
				}
			}
			return false, nil
		})
		if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
			t.Fatalf("noDisplaced=%v: got %+v %v, want a clean exit", nd, ev, err)
		}
		if bp.Hits != 100 || parent != 50 || len(children) != 50 {
			t.Errorf("noDisplaced=%v: hits %d, parent %d, %d children; want 100, 50, 50", nd, bp.Hits, parent, len(children))
		}
		for tid, n := range children {
			if n != 1 {
				t.Errorf("noDisplaced=%v: child %d hit %d times", nd, tid, n)
			}
		}
		if got, want := out(), "vforked 50/50 ok, parent marks 50, spawned 10/10 ok\n"; got != want {
			t.Errorf("noDisplaced=%v: output %q, want %q", nd, got, want)
		}
	}
}

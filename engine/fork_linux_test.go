package engine

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
	"golang.org/x/sys/unix"
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

// Stopped at a vfork child's hit, kill() ends the program and the child;
// detach() lets both run on clean (the program's counts stay exact).
func TestVforkChildStopThenKillOrDetach(t *testing.T) {
	prog := fixture.C(t, "vforker.c", "-O0", "-g")
	for _, detach := range []bool{false, true} {
		p, out := launch(t, prog, false, "10")
		bp, err := p.SetBreakpoint(mustSym(t, p, "mark"), "mark")
		if err != nil {
			t.Fatal(err)
		}
		ev, err := p.Continue(func(ev *Event) (bool, error) { return ev.Bp == bp && ev.Tid != p.Pid(), nil })
		if err != nil || ev.Bp != bp || ev.Tid == p.Pid() {
			t.Fatalf("detach=%v: got %+v %v, want a child's hit", detach, ev, err)
		}
		child := ev.Tid
		if !detach {
			ev, err := p.Kill()
			if err != nil || ev.ExitSignal != unix.SIGKILL {
				t.Fatalf("Kill: %+v %v", ev, err)
			}
			// Gone, or dead and waiting for its new parent to reap it.
			if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", child)); err == nil && !strings.Contains(string(b), ") Z ") {
				t.Errorf("child %d still there after Kill: %s", child, b)
			}
			continue
		}
		if err := p.Detach(); err != nil {
			t.Fatalf("Detach: %v", err)
		}
		var ws unix.WaitStatus
		if _, err := unix.Wait4(p.Pid(), &ws, 0, nil); err != nil || ws.ExitStatus() != 0 {
			t.Fatalf("after Detach: wait %v status %v", err, ws)
		}
		if got, want := out(), "vforked 10/10 ok, parent marks 10, spawned 2/2 ok\n"; got != want {
			t.Errorf("after Detach: output %q, want %q", got, want)
		}
	}
}

package engine

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// TestFollowProbeIntoRunningParent: a probe set in a fork child's event,
// while the parent runs on in its own code (forkspin spins until the child
// has made its calls), goes into the parent as a jump too: its threads are
// stopped while a trampoline area is mapped and the jump written, then run
// on. The child's 3 hits and the parent's 5 count on the one probe, and
// each record has the pid of the process that made it.
func TestFollowProbeIntoRunningParent(t *testing.T) {
	p, _ := launch(t, fixture.C(t, "forkspin.c", "-O0", "-g"), false)
	p.FollowForks()
	var pr *Probe
	child := 0
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		if ev.Kind != EventFork {
			return false, nil
		}
		child = ev.Pid
		// The parent is past its fork once it runs its own code (the
		// spin): not stopped inside a system call.
		for {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/syscall", p.pid))
			if err != nil {
				return true, err
			}
			if strings.HasPrefix(string(b), "running") {
				break
			}
		}
		q := ev.Thread.p
		var err error
		pr, err = q.SetProbe(mustSym(t, q, "work"), "work", ProbeOptions{Record: true})
		return err != nil, err
	})
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
		t.Fatalf("Continue = %+v, %v", ev, err)
	}
	c, ok := pr.copyIn(p)
	if pr.Kind != "jump" || !ok || c.kind != "jump" {
		t.Errorf("child's probe %s, parent's copy %+v (%t): want jumps", pr.Kind, c, ok)
	}
	byPid := map[int]int{}
	if err := p.DrainProbes(func(r *ProbeRecord) error {
		byPid[r.Pid]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if pr.Hits() != 8 || len(byPid) != 2 || byPid[child] != 3 || byPid[p.pid] != 5 {
		t.Errorf("hits %d, records by pid %v; want 8, %d: 3 and %d: 5", pr.Hits(), byPid, child, p.pid)
	}
}

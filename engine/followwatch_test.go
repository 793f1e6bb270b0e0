package engine

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/godbg/godbg/internal/fixture"
)

// A followed process whose one thread is stopped at a system call's entry
// still to be handled (collected by another process's stopAll, as happens
// when a child's event is handled while the parent enters waitpid) gets
// the mprotect calls of a watchpoint's delete all the same, and its call
// is made again: waitpid returns the child's status, not the number of
// the injected call. forkwatch's parent writes 3 times before the first
// fork, where the watchpoint is deleted.
func TestFollowWatchDeleteAtPendingEntry(t *testing.T) {
	prog := fixture.C(t, "forkwatch.c", "-O0", "-g")
	p, out := launch(t, prog, false)
	p.FollowForks()
	wp, err := p.SetWatchpointKind(symAddr(t, p, "counter"), 8, WatchWrite, WatchSoftware)
	if err != nil {
		t.Fatal(err)
	}
	hits, forks := map[int]int{}, 0
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		switch ev.Kind {
		case EventWatch:
			hits[ev.Thread.Pid()]++
		case EventFork:
			if forks++; forks > 1 {
				break
			}
			// The parent's stops up to its wait4 entry (its fork's exit,
			// a fault on the protected page), handled as the loop would;
			// that entry is left to handle.
			var ws waitStatus
			for {
				var err error
				if ws, err = wait4(p.pid, false); err != nil || !ws.status.Stopped() {
					t.Fatalf("the parent's stop: %v, %v", ws.status, err)
				}
				if ws.status.StopSignal() == unix.SIGTRAP|0x80 {
					info, err := ptraceSyscallInfo(p.pid)
					if err == nil && info.Op == syscallInfoEntry && info.Nr == unix.SYS_WAIT4 {
						break
					}
				}
				if ev, err := p.handleStatus(ws); err != nil || ev != nil {
					t.Fatalf("the parent's stop %v: event %+v, %v", ws.status, ev, err)
				}
			}
			rt := p.threads[p.pid]
			rt.running, rt.regsValid = false, false
			p.deferred = append(p.deferred, ws)
			if err := p.ClearWatchpoint(wp); err != nil {
				return false, err
			}
		}
		return false, nil
	})
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
		t.Fatalf("got %+v, %v; want the exit", ev, err)
	}
	if got := out(); got != "parent=5 child1=7 child2=8\n" || forks != 2 || wp.Hits != 3 || len(hits) != 1 || hits[p.pid] != 3 {
		t.Errorf("output %q, %d forks, %d hits (%v); want parent=5 child1=7 child2=8, 2 forks, 3 hits in the parent", got, forks, wp.Hits, hits)
	}
}

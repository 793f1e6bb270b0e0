package engine

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbg/godbg/internal/fixture"
)

// threadState is a thread's state letter in /proc (proc(5)): "t" in a
// ptrace stop.
func threadState(t *testing.T, pid, tid int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/stat", pid, tid))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	return strings.Fields(s[strings.LastIndexByte(s, ')')+1:])[0]
}

// Ticks on a C program spinning on its one thread and on a Go program: at
// each tick every thread is in a ptrace stop, the spinning thread is seen
// running (not in a system call), the Go runtime's idle threads are seen
// waiting in one, and the programs run to their normal end.
func TestTicks(t *testing.T) {
	for _, tc := range []struct {
		name, prog string
		args       []string
		want       string
	}{
		{"C", fixture.C(t, "cspin.c", "-O0", "-g"), []string{"0.5"}, "spun\n"},
		{"Go", fixture.Go(t, "gocalls"), []string{"spin", "0.5"}, "spun\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, stdout := launch(t, tc.prog, false, tc.args...)
			p.SetTicker(10 * time.Millisecond)
			ticks, running, waiting := 0, 0, 0
			ev, err := p.Continue(func(ev *Event) (bool, error) {
				if ev.Kind != EventTick {
					return false, nil
				}
				ticks++
				if ev.Thread != nil || ev.Time.IsZero() {
					t.Errorf("tick event %+v", ev)
				}
				for _, th := range p.Threads() {
					if st := threadState(t, p.Pid(), th.Tid()); st != "t" {
						t.Errorf("tick %d: thread %d in state %s, want t (stopped)", ticks, th.Tid(), st)
					}
					in, err := th.InSyscall()
					if err != nil {
						t.Errorf("InSyscall(%d): %v", th.Tid(), err)
					}
					if in {
						waiting++
					} else {
						running++
					}
				}
				return false, nil
			})
			if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
				t.Fatalf("Continue: %+v %v", ev, err)
			}
			if got := stdout(); got != tc.want {
				t.Errorf("stdout %q, want %q", got, tc.want)
			}
			if ticks == 0 || uint64(ticks) != p.Ticks() || running == 0 {
				t.Errorf("ticks %d (engine: %d), threads seen running %d", ticks, p.Ticks(), running)
			}
			if tc.name == "C" && waiting != 0 {
				t.Errorf("the C program's only thread seen in a system call %d times", waiting)
			}
			if tc.name == "Go" && waiting == 0 {
				t.Errorf("no Go runtime thread seen waiting in a system call in %d ticks", ticks)
			}
		})
	}
}

// Ticks on an attached program, then a detach: no wake-up SIGSTOP is left
// pending to stop it, and it runs on.
func TestTicksDetach(t *testing.T) {
	pid, p, nextOK := attachLoop(t, fixture.GoDebug(t, "goloop"))
	p.SetTicker(time.Millisecond)
	n := 0
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		if ev.Kind == EventTick {
			n++
		}
		return n == 20, nil
	})
	if err != nil || ev.Kind != EventTick {
		t.Fatalf("Continue: %+v %v", ev, err)
	}
	// One more wake-up on its way while every thread is stopped.
	syscall.Kill(pid, syscall.SIGSTOP)
	detachRunsOn(t, p, pid)
	nextOK()
}

// Ticks while breakpoints are stepped over with the other threads held
// (no displaced stepping): the stepped thread, the only one running, takes
// most wake-ups; each is swallowed, none reaches the program (a SIGSTOP
// delivered would stop it), and no hit is lost.
func TestTicksDuringSteps(t *testing.T) {
	p, stdout := launch(t, fixture.GoDebug(t, "gomulti"), true, "4", "2000")
	bp, err := p.SetBreakpoint(mustSym(t, p, "main.Work"), "main.Work")
	if err != nil {
		t.Fatal(err)
	}
	p.SetTicker(500 * time.Microsecond)
	hits, ticks := 0, 0
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		switch ev.Kind {
		case EventBreakpoint:
			hits++
		case EventTick:
			ticks++
		case EventSignal:
			t.Errorf("signal %v reported", ev.Signal)
		}
		return false, nil
	})
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
		t.Fatalf("Continue: %+v %v", ev, err)
	}
	if hits != 8000 || bp.Hits != 8000 || ticks == 0 {
		t.Errorf("hits %d (bp.Hits %d), ticks %d; want 8000 hits and some ticks", hits, bp.Hits, ticks)
	}
	if got := stdout(); got != "goroutines=4 calls=8000 sum=15992000\n" {
		t.Errorf("stdout %q", got)
	}
}

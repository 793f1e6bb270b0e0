package engine

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// launch starts prog under the engine on the test's locked thread, with its
// stdout captured, and kills and reaps it at the end of the test.
func launch(t *testing.T, prog string, noDisplaced bool, args ...string) (*Process, func() string) {
	t.Helper()
	p, out := launchWith(t, prog, LaunchOptions{Args: args, NoDisplacedStep: noDisplaced})
	p.SetDefaultWatchKind(testWatchKind)
	return p, out
}

// launchWith is launch with the options given (opts.Stdout is set here).
func launchWith(t *testing.T, prog string, opts LaunchOptions) (*Process, func() string) {
	t.Helper()
	lockThread(t)
	out, err := os.CreateTemp(t.TempDir(), "stdout")
	if err != nil {
		t.Fatal(err)
	}
	opts.Stdout = out
	p := launchKilled(t, prog, opts)
	return p, func() string {
		b, _ := os.ReadFile(out.Name())
		return string(b)
	}
}

// runToCleanExit continues p to its exit, which must be clean, and checks
// the program's output.
func runToCleanExit(t *testing.T, p *Process, stdout func() string, want string) {
	t.Helper()
	ev, err := p.Continue(nil)
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
		t.Fatalf("run to exit: %+v %v", ev, err)
	}
	if out := stdout(); out != want {
		t.Errorf("output %q, want %q", out, want)
	}
}

// launchKilled launches prog with opts and kills it at the end of the test
// if it has not exited; the caller has locked the thread.
func launchKilled(tb testing.TB, prog string, opts LaunchOptions) *Process {
	tb.Helper()
	p, err := Launch(prog, opts)
	if err != nil {
		tb.Fatalf("Launch(%s): %v", prog, err)
	}
	tb.Cleanup(func() {
		if !p.Exited() {
			p.Kill()
		}
	})
	return p
}

func mustSym(t testing.TB, p *Process, name string) Addr {
	t.Helper()
	s, ok := p.Binary().LookupSym(name)
	if !ok {
		t.Fatalf("no symbol %s", name)
	}
	a, err := p.Binary().FirstPCAfterPrologue(s)
	if err != nil {
		t.Fatalf("prologue of %s: %v", name, err)
	}
	return a + p.Bias()
}

func countHits(t *testing.T, prog, fn string, noDisplaced bool, args ...string) (int, string, *Process) {
	t.Helper()
	p, stdout := launch(t, prog, noDisplaced, args...)
	bp, err := p.SetBreakpoint(mustSym(t, p, fn), fn)
	if err != nil {
		t.Fatal(err)
	}
	hits := countTo(t, p, bp)
	if bp.Hits != hits {
		t.Errorf("bp.Hits = %d, hook saw %d", bp.Hits, hits)
	}
	return hits, stdout(), p
}

// TestExactHits: every call of fn in the threads of a run is one hit, with
// and without displaced stepping, and the program's output is unchanged.
func TestExactHits(t *testing.T) {
	checkHitCases(t, []hitCase{
		{"Goroutines/noDisplaced=false", fixture.GoDebug(t, "gomulti"), "main.Work", false, []string{"8", "20000"},
			160000, "goroutines=8 calls=160000 sum=3199840000\n"},
		{"Goroutines/noDisplaced=true", fixture.GoDebug(t, "gomulti"), "main.Work", true, []string{"8", "20000"},
			160000, "goroutines=8 calls=160000 sum=3199840000\n"},
		{"Pthreads/[-O0 -g]", fixture.C(t, "cthreads.c", "-O0", "-g"), "work", false, []string{"4", "20000"},
			80000, "threads=4 calls=80000 sum=1599920000\n"},
		{"Pthreads/[-O2 -g -no-pie]", fixture.C(t, "cthreads.c", "-O2", "-g", "-no-pie"), "work", false, []string{"4", "20000"},
			80000, "threads=4 calls=80000 sum=1599920000\n"},
	}, func(c hitCase) (int, string) {
		hits, out, _ := countHits(t, c.prog, c.fn, c.noDisplaced, c.args...)
		return hits, out
	})
}

// hitCase is a run of prog with a breakpoint on fn and what it must give:
// the hits and the program's output.
type hitCase struct {
	name, prog, fn string
	noDisplaced    bool
	args           []string
	hits           int
	out            string
}

// checkHitCases runs each case with run and checks its hits and output.
func checkHitCases(t *testing.T, cases []hitCase, run func(c hitCase) (hits int, out string)) {
	t.Helper()
	for _, c := range cases {
		hits, out := run(c)
		if hits != c.hits {
			t.Errorf("%s: got %d hits, want %d", c.name, hits, c.hits)
		}
		if out != c.out {
			t.Errorf("%s: output %q, want %q", c.name, out, c.out)
		}
	}
}

func TestStopsPerHit(t *testing.T) {
	prog := fixture.C(t, "cthreads.c", "-O0", "-g")
	hits, _, p := countHits(t, prog, "work", false, "1", "5000")
	if hits != 5000 {
		t.Fatalf("got %d hits, want 5000", hits)
	}
	// Besides the hits: thread start and exit, the exit itself.
	if extra := int(p.Stops()) - hits; extra < 0 || extra > 10 {
		t.Errorf("stops = %d for %d hits: want one stop per hit", p.Stops(), hits)
	}
}

func TestSegfaultEvent(t *testing.T) {
	prog := fixture.C(t, "crash.c", "-O0", "-g")
	p, out := launch(t, prog, false)
	ev, err := p.Continue(nil)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Kind != EventSignal || ev.Signal.String() != "segmentation fault" || ev.FaultAddr != 0 || ev.SigCode != 1 {
		t.Fatalf("got %+v, want SIGSEGV at address 0, si_code SEGV_MAPERR (1)", ev)
	}
	inner, _ := p.Binary().LookupSym("inner")
	if ev.Addr < inner.Addr+p.Bias() || ev.Addr >= inner.Addr+p.Bias()+Addr(inner.Size) {
		t.Errorf("fault pc %v not in inner", ev.Addr)
	}
	ev, err = p.Continue(nil)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Kind != EventExit || ev.ExitSignal.String() != "segmentation fault" {
		t.Errorf("got %+v, want exit by SIGSEGV", ev)
	}
	if !strings.HasPrefix(out(), "about to crash") {
		t.Errorf("output %q", out())
	}
}

// A signal a process sent carries its siginfo: si_code SI_USER (0) for
// kill(2), the sender's pid and uid.
func TestSignalSender(t *testing.T) {
	p, out := launch(t, fixture.C(t, "sigsend.c", "-O0", "-g"), false)
	ev, err := p.Continue(nil)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Kind != EventSignal || ev.Signal != syscall.SIGUSR1 || ev.SigCode != 0 || ev.SigPid != p.Pid() || ev.SigUid != os.Getuid() {
		t.Fatalf("got %+v, want SIGUSR1 with si_code 0, si_pid %d, si_uid %d", ev, p.Pid(), os.Getuid())
	}
	if ev, err = p.Continue(nil); err != nil || ev.Kind != EventExit || ev.ExitCode != 0 || out() != "sent\n" {
		t.Errorf("got %+v, %v, output %q; want exit 0 after sent", ev, err, out())
	}
}

// lockThread locks the test's goroutine to its OS thread, as every ptrace
// caller must be, for the rest of the test.
func lockThread(t testing.TB) {
	runtime.LockOSThread()
	t.Cleanup(runtime.UnlockOSThread)
}

// Two breakpoints at one address: each has every hit and its own hook call.
func TestSharedSiteEachBreakpointOnce(t *testing.T) {
	p, out := launch(t, fixture.C(t, "cthreads.c", "-O0", "-g"), false, "4", "2000")
	addr := mustSym(t, p, "work")
	a, err := p.SetBreakpoint(addr, "a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.SetBreakpoint(addr, "b")
	if err != nil {
		t.Fatal(err)
	}
	calls := map[*Breakpoint]int{}
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		calls[ev.Bp]++
		return false, nil
	})
	if err != nil || ev.Kind != EventExit {
		t.Fatalf("Continue: %v %v", ev, err)
	}
	if calls[a] != 8000 || calls[b] != 8000 || a.Hits != 8000 || b.Hits != 8000 {
		t.Errorf("hook calls a=%d b=%d, hits a=%d b=%d; want 8000 each", calls[a], calls[b], a.Hits, b.Hits)
	}
	if got := out(); got != "threads=4 calls=8000 sum=15992000\n" {
		t.Errorf("output %q", got)
	}
}

// Deleting a breakpoint while other threads run through it: threads that had
// already executed the int3 are put back on the instruction, not handed a
// SIGTRAP, and no hit is counted after the deletion.
func TestDeleteWhileThreadsHit(t *testing.T) {
	for i := 0; i < 5; i++ {
		p, out := launch(t, fixture.C(t, "cthreads.c", "-O0", "-g"), false, "4", "20000")
		bp, err := p.SetBreakpoint(mustSym(t, p, "work"), "work")
		if err != nil {
			t.Fatal(err)
		}
		calls := 0
		ev, err := p.Continue(func(ev *Event) (bool, error) {
			if ev.Kind != EventBreakpoint {
				return true, nil
			}
			calls++
			if calls == 1000 {
				return false, p.ClearBreakpoint(bp)
			}
			return false, nil
		})
		if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
			t.Fatalf("run %d: got %+v %v, want a clean exit", i, ev, err)
		}
		if calls != 1000 || bp.Hits != 1000 {
			t.Errorf("run %d: %d hook calls, %d hits; want 1000", i, calls, bp.Hits)
		}
		if got := out(); got != "threads=4 calls=80000 sum=1599920000\n" {
			t.Errorf("run %d: output %q", i, got)
		}
	}
}

// Stepping through a trap that reports nothing (a breakpoint limited to
// another goroutine, inserted where the thread already stands) executes the
// instruction and stops after it: the thread never runs away.
func TestStepThroughSilentTrap(t *testing.T) {
	p, out := launch(t, fixture.GoDebug(t, "gomulti"), false, "2", "50")
	work, _ := p.Binary().LookupSym("main.Work")
	entry := work.Addr + p.Bias()
	after := mustSym(t, p, "main.Work")
	stop, err := p.SetBreakpoint(entry, "entry")
	if err != nil {
		t.Fatal(err)
	}
	// From the entry to the end of the prologue, a few steps; unless the
	// runtime asked the goroutine to yield meanwhile (stackguard0 set to
	// stackPreempt, more likely the more the machine is loaded): the stack
	// check then leaves for morestack, and the next call is tried.
	var ev *Event
	for attempt := 0; attempt < 10 && (ev == nil || ev.Addr != after); attempt++ {
		var err error
		if ev, err = p.Continue(nil); err != nil || ev.Bp != stop {
			t.Fatalf("Continue: %+v %v", ev, err)
		}
		for i := 0; i < 20 && ev.Addr != after && ev.Addr >= entry && ev.Addr < entry+Addr(work.Size); i++ {
			if ev, err = p.StepInstruction(nil); err != nil || ev.Kind != EventStep {
				t.Fatalf("step %d: %+v %v", i, ev, err)
			}
		}
	}
	if ev.Addr != after {
		t.Fatalf("never reached %v in 10 calls", after)
	}
	silent, err := p.SetBreakpoint(after, "silent")
	if err != nil {
		t.Fatal(err)
	}
	silent.Goroutine = 1 << 40 // no such goroutine
	ev, err = p.StepInstruction(nil)
	if err != nil || ev == nil || ev.Kind != EventStep || ev.Addr <= after {
		t.Fatalf("step through the silent trap: %+v %v", ev, err)
	}
	if silent.Hits != 0 {
		t.Errorf("silent breakpoint has %d hits", silent.Hits)
	}
	if _, err := p.StepInstruction(nil); err != nil {
		t.Fatalf("the thread should still be stopped: %v", err)
	}
	if err := p.ClearBreakpoint(stop); err != nil {
		t.Fatal(err)
	}
	runToCleanExit(t, p, out, "goroutines=2 calls=100 sum=4900\n")
}

// step() onto a breakpoint runs its callback as cont() would: a callback
// returning false lets the step run the instruction; one returning true ends
// the step at the breakpoint, before the instruction.
func TestStepRunsBreakpointCallback(t *testing.T) {
	for _, stopAt := range []bool{false, true} {
		p, _ := launch(t, fixture.GoDebug(t, "gomulti"), false, "1", "10")
		work, _ := p.Binary().LookupSym("main.Work")
		after := mustSym(t, p, "main.Work")
		entry, err := p.SetBreakpoint(work.Addr+p.Bias(), "entry")
		if err != nil {
			t.Fatal(err)
		}
		ev, err := p.Continue(nil)
		if err != nil || ev.Bp != entry {
			t.Fatalf("Continue: %+v %v", ev, err)
		}
		for i := 0; i < 20 && ev.Addr != after; i++ {
			if ev, err = p.StepInstruction(nil); err != nil || ev.Kind != EventStep {
				t.Fatalf("step %d: %+v %v", i, ev, err)
			}
		}
		bp, err := p.SetBreakpoint(after, "after")
		if err != nil {
			t.Fatal(err)
		}
		calls := 0
		ev, err = p.StepInstruction(func(e *Event) (bool, error) {
			if e.Bp == bp {
				calls++
			}
			return stopAt, nil
		})
		if err != nil || calls != 1 || bp.Hits != 1 {
			t.Fatalf("stopAt=%v: %+v %v, callback calls %d, hits %d", stopAt, ev, err, calls, bp.Hits)
		}
		if stopAt && (ev.Kind != EventBreakpoint || ev.Addr != after) {
			t.Errorf("stopAt=true: got %+v, want the breakpoint event at %v", ev, after)
		}
		if !stopAt && (ev.Kind != EventStep || ev.Addr <= after) {
			t.Errorf("stopAt=false: got %+v, want a step past %v", ev, after)
		}
	}
}

// Several signals arrive while a thread is stopped on a breakpoint; the
// step over it meets them all before its one instruction runs. Each is
// delivered once, as without godbg (SIGUSR1 sent twice is one, the two
// real-time ones are two), and the step ends: sending a second signal back
// at once made it pending at the next step, which stopped for it again,
// forever. Both ways over a trap: displaced and a step in place.
func TestSignalsDuringStepOver(t *testing.T) {
	prog := fixture.C(t, "sigstep.c", "-O0", "-g")
	for _, noDisplaced := range []bool{false, true} {
		p, out := launch(t, prog, noDisplaced)
		bp, err := p.SetBreakpoint(mustSym(t, p, "target"), "target")
		if err != nil {
			t.Fatal(err)
		}
		signals := map[syscall.Signal]int{}
		for {
			ev, err := p.Continue(nil)
			if err != nil {
				t.Fatalf("noDisplaced=%v: %v", noDisplaced, err)
			}
			if ev.Kind == EventExit {
				break
			}
			switch {
			case ev.Kind == EventSignal:
				signals[ev.Signal]++
			case ev.Bp == bp && bp.Hits == 1:
				tid := ev.Thread.Tid()
				for _, sig := range []syscall.Signal{syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGUSR1, 40, 40} {
					if err := syscall.Tgkill(p.Pid(), tid, sig); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		want := map[syscall.Signal]int{syscall.SIGUSR1: 1, syscall.SIGUSR2: 1, 40: 2}
		if out() != "usr1=1 usr2=1 rt=2 sum=6\n" || bp.Hits != 3 || len(signals) != 3 ||
			signals[syscall.SIGUSR1] != 1 || signals[syscall.SIGUSR2] != 1 || signals[40] != 2 {
			t.Errorf("noDisplaced=%v: output %q, hits %d, signal events %v; want usr1=1 usr2=1 rt=2 sum=6, 3, %v",
				noDisplaced, out(), bp.Hits, signals, want)
		}
	}
}

// A breakpoint on an instruction that faults: the step over it meets the
// fault instead of running it. The fault is then the program's, reported
// at that instruction with its own siginfo (the address read, 8), and the
// program dies of it as without godbg; stepping again only faulted again,
// forever. Both ways over a trap.
func TestBreakpointOnFaultingInstruction(t *testing.T) {
	prog := fixture.C(t, "faults.c", "-O0", "-g")
	p, _ := launch(t, prog, false, "segv")
	ev, err := p.Continue(nil)
	if err != nil || ev.Kind != EventSignal || ev.Signal != syscall.SIGSEGV || ev.FaultAddr != 8 {
		t.Fatalf("without a breakpoint: %+v, %v; want SIGSEGV at address 8", ev, err)
	}
	at := ev.Addr
	p.Kill()
	for _, noDisplaced := range []bool{false, true} {
		p, _ := launch(t, prog, noDisplaced, "segv")
		bp, err := p.SetBreakpoint(at, "")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for {
			ev, err := p.Continue(nil)
			if err != nil {
				t.Fatalf("noDisplaced=%v: %v", noDisplaced, err)
			}
			switch {
			case ev.Kind == EventExit:
				got = append(got, "exit "+ev.ExitSignal.String())
			case ev.Kind == EventSignal:
				got = append(got, fmt.Sprintf("%v at=%v addr=%d", ev.Signal, ev.Addr == at, ev.FaultAddr))
			case ev.Bp == bp:
				got = append(got, "hit")
			default:
				got = append(got, fmt.Sprint(ev.Kind))
			}
			if ev.Kind == EventExit {
				break
			}
		}
		if want := "hit|segmentation fault at=true addr=8|exit segmentation fault"; strings.Join(got, "|") != want {
			t.Errorf("noDisplaced=%v: got %q, want %q", noDisplaced, strings.Join(got, "|"), want)
		}
	}
}

package engine

import (
	"fmt"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// stepsysProg builds testdata/stepsys.c so that bump's first instruction is
// its write of counter (no endbr64).
func stepsysProg(t *testing.T) string {
	return fixture.C(t, "stepsys.c", "-O2", "-fcf-protection=none")
}

// sysLog records the getpid stops of one thread and checks that they
// alternate entry, exit.
type sysLog struct {
	t      *testing.T
	mode   sysMode
	inCall bool
	seen   []string
}

func (l *sysLog) add(ev *Event) {
	sc := ev.Syscall
	if sc.Exit {
		if !l.inCall {
			l.t.Errorf("%s: exit of %s without its entry", l.mode, sc.Name)
		}
		l.seen = append(l.seen, fmt.Sprintf("exit=%d", sc.Ret))
	} else {
		if l.inCall {
			l.t.Errorf("%s: %s entered twice", l.mode, sc.Name)
		}
		l.seen = append(l.seen, "entry")
	}
	l.inCall = !sc.Exit
}

// take returns what was seen since the last call.
func (l *sysLog) take() string {
	s := strings.Join(l.seen, " ")
	l.seen = nil
	return s
}

// TestStepSyscall steps instruction by instruction across a `syscall`
// instruction while getpid is hooked, in both syscall modes: the call's
// entry and exit each reach the hook once, with the right result, whether
// the step starts before the instruction, on a breakpoint at it, or at the
// call's entry stop; with a nil hook the step stops at each of them.
func TestStepSyscall(t *testing.T) {
	prog := stepsysProg(t)
	for _, mode := range sysModes {
		testStepSyscall(t, prog, mode)
	}
}

func testStepSyscall(t *testing.T, prog string, mode sysMode) {
	p, out := launchSys(t, prog, mode, "4")
	catchNames(t, p, "getpid")
	fn := symAddr(t, p, "my_getpid")
	insn := fn + 5 // mov $39, %eax; syscall; ret
	ret := fn + 7
	pid := fmt.Sprintf("exit=%d", p.Pid())
	log := &sysLog{t: t, mode: mode}
	hook := func(ev *Event) (bool, error) {
		if ev.Kind == EventSyscall {
			log.add(ev)
		}
		return false, nil
	}
	bp, err := p.SetBreakpoint(fn, "my_getpid")
	if err != nil {
		t.Fatal(err)
	}
	toBreakpoint := func(want *Breakpoint) {
		t.Helper()
		ev, err := p.Continue(func(ev *Event) (bool, error) {
			hook(ev)
			return ev.Kind == EventBreakpoint, nil
		})
		if err != nil || ev.Kind != EventBreakpoint || ev.Bp != want {
			t.Fatalf("%s: Continue to %s: %+v %v", mode, want.Loc, ev, err)
		}
		log.take() // the C library's getpid calls
	}
	// step checks the event's kind and the pc after it (0: any).
	step := func(h Hook, wantKind EventKind, wantAddr Addr) *Event {
		t.Helper()
		ev, err := p.StepInstruction(h)
		if err != nil || ev.Kind != wantKind {
			t.Fatalf("%s: step: got %+v, %v; want kind %v", mode, ev, err, wantKind)
		}
		if pc, _ := p.CurrentThread().PC(); wantAddr != 0 && pc != wantAddr {
			t.Fatalf("%s: step: pc %v, want %v", mode, pc, wantAddr)
		}
		return ev
	}

	// Round 1: from the function's entry, the hook sees both stops and
	// the step ends after the instruction.
	toBreakpoint(bp)
	step(hook, EventStep, insn)
	step(hook, EventStep, ret)
	if got := log.take(); got != "entry "+pid {
		t.Errorf("%s: round 1: hook saw %q, want %q", mode, got, "entry "+pid)
	}
	if r, _ := p.CurrentThread().Regs(); r.Rax != uint64(p.Pid()) {
		t.Errorf("%s: rax = %d after the call, want %d", mode, r.Rax, p.Pid())
	}

	// Round 2: with no hook the step stops at the entry, then the exit,
	// then runs on.
	toBreakpoint(bp)
	step(nil, EventStep, insn)
	if ev := step(nil, EventSyscall, ret); ev.Syscall.Exit || ev.Syscall.Name != "getpid" {
		t.Fatalf("%s: want getpid's entry, got %+v", mode, ev.Syscall)
	} else {
		log.add(ev)
	}
	if ev := step(nil, EventSyscall, ret); !ev.Syscall.Exit || ev.Syscall.Ret != int64(p.Pid()) {
		t.Fatalf("%s: want getpid's exit, got %+v", mode, ev.Syscall)
	} else {
		log.add(ev)
	}
	step(nil, EventStep, 0) // ret, back in main
	log.take()

	// Round 3: a breakpoint on the syscall instruction itself.
	if err := p.ClearBreakpoint(bp); err != nil {
		t.Fatal(err)
	}
	on, err := p.SetBreakpoint(insn, "syscall")
	if err != nil {
		t.Fatal(err)
	}
	toBreakpoint(on)
	step(hook, EventStep, ret)
	if got := log.take(); got != "entry "+pid {
		t.Errorf("%s: round 3: hook saw %q, want %q", mode, got, "entry "+pid)
	}
	if err := p.ClearBreakpoint(on); err != nil {
		t.Fatal(err)
	}

	// Round 4: Continue stops at the call's entry stop, the step runs it
	// to its exit.
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		if ev.Kind != EventSyscall {
			return false, nil
		}
		log.add(ev)
		return ev.Addr == ret && !ev.Syscall.Exit, nil
	})
	if err != nil || ev.Kind != EventSyscall {
		t.Fatalf("%s: Continue to the entry: %+v %v", mode, ev, err)
	}
	log.take()
	step(hook, EventStep, ret)
	if got := log.take(); got != pid {
		t.Errorf("%s: round 4: hook saw %q, want %q", mode, got, pid)
	}

	ev, err = p.Continue(hook)
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
		t.Fatalf("%s: run to exit: %+v %v", mode, ev, err)
	}
	if got, want := out(), "rounds=4 ok=4 counter=4\n"; got != want {
		t.Errorf("%s: output %q, want %q", mode, got, want)
	}
}

// bumpWatched launches stepsys ROUNDS with a breakpoint on bump, whose
// first instruction writes the global counter, and a write watch on it.
func bumpWatched(t *testing.T, prog string, noDisplaced bool, rounds string, kind WatchKind) (*Process, func() string, Addr, *Breakpoint, *Watchpoint) {
	t.Helper()
	p, out := launch(t, prog, noDisplaced, rounds)
	fn := symAddr(t, p, "bump")
	bp, err := p.SetBreakpoint(fn, "bump")
	if err != nil {
		t.Fatal(err)
	}
	wp, err := p.SetWatchpoint(symAddr(t, p, "counter"), 8, WatchWrite)
	if err != nil {
		t.Fatal(err)
	}
	checkKind(t, wp, kind)
	return p, out, fn, bp, wp
}

// TestWatchStepOver has the instruction under a breakpoint write a watched
// global: stepping over it (displaced, or single-stepped with the trap
// lifted under --no-displaced) must still report every write, at the
// instruction after it.
func TestWatchStepOver(t *testing.T) { eachWatchKind(t, testWatchStepOver) }

func testWatchStepOver(t *testing.T, kind WatchKind) {
	prog := stepsysProg(t)
	for _, noDisplaced := range []bool{true, false} {
		p, out, fn, bp, wp := bumpWatched(t, prog, noDisplaced, "5", kind)
		var seen []string
		ev, err := p.Continue(func(ev *Event) (bool, error) {
			switch ev.Kind {
			case EventBreakpoint:
				seen = append(seen, "bp")
			case EventWatch:
				v, _ := p.readU64(wp.Addr)
				if ev.PC != fn+7 {
					t.Errorf("noDisplaced=%v: watch hit at pc %v, want %v", noDisplaced, ev.PC, fn+7)
				}
				seen = append(seen, fmt.Sprintf("w%d", v))
			}
			return false, nil
		})
		if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
			t.Fatalf("noDisplaced=%v: got %+v, %v", noDisplaced, ev, err)
		}
		if got, want := strings.Join(seen, " "), "bp w1 bp w2 bp w3 bp w4 bp w5"; got != want {
			t.Errorf("noDisplaced=%v: events %q, want %q", noDisplaced, got, want)
		}
		if bp.Hits != 5 || wp.Hits != 5 {
			t.Errorf("noDisplaced=%v: bp.Hits %d, wp.Hits %d, want 5, 5", noDisplaced, bp.Hits, wp.Hits)
		}
		if got, want := out(), "rounds=5 ok=5 counter=5\n"; got != want {
			t.Errorf("noDisplaced=%v: output %q, want %q", noDisplaced, got, want)
		}
	}
}

// TestStepWatch steps over the writing instruction: with no hook the step
// returns the watch event; with a hook the hook sees it and the step
// returns the step event. Either way the write is done.
func TestStepWatch(t *testing.T) { eachWatchKind(t, testStepWatch) }

func testStepWatch(t *testing.T, kind WatchKind) {
	prog := stepsysProg(t)
	for _, noDisplaced := range []bool{true, false} {
		p, out, fn, bp, wp := bumpWatched(t, prog, noDisplaced, "3", kind)
		toBump := func() {
			t.Helper()
			ev, err := p.Continue(nil)
			if err != nil || ev.Kind != EventBreakpoint || ev.Bp != bp {
				t.Fatalf("noDisplaced=%v: Continue: %+v %v", noDisplaced, ev, err)
			}
		}
		toBump()
		ev, err := p.StepInstruction(nil)
		if err != nil || ev.Kind != EventWatch || ev.Wp != wp || ev.PC != fn+7 {
			t.Fatalf("noDisplaced=%v: step over the write: %+v %v; want the watch at %v", noDisplaced, ev, err, fn+7)
		}
		if pc, _ := p.CurrentThread().PC(); pc != fn+7 {
			t.Errorf("noDisplaced=%v: pc %v after the step, want %v", noDisplaced, pc, fn+7)
		}
		toBump()
		hooked := 0
		ev, err = p.StepInstruction(func(ev *Event) (bool, error) {
			if ev.Kind == EventWatch && ev.Wp == wp {
				hooked++
			}
			return false, nil
		})
		if err != nil || ev.Kind != EventStep || ev.Addr != fn+7 || hooked != 1 {
			t.Fatalf("noDisplaced=%v: step with a hook: %+v %v, hook saw %d watch hits; want a step to %v and 1", noDisplaced, ev, err, hooked, fn+7)
		}
		if v, _ := p.readU64(wp.Addr); v != 2 {
			t.Errorf("noDisplaced=%v: counter = %d, want 2", noDisplaced, v)
		}
		ev, err = p.Continue(func(ev *Event) (bool, error) { return false, nil })
		if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
			t.Fatalf("noDisplaced=%v: run to exit: %+v %v", noDisplaced, ev, err)
		}
		if wp.Hits != 3 {
			t.Errorf("noDisplaced=%v: wp.Hits = %d, want 3", noDisplaced, wp.Hits)
		}
		if got, want := out(), "rounds=3 ok=3 counter=3\n"; got != want {
			t.Errorf("noDisplaced=%v: output %q, want %q", noDisplaced, got, want)
		}
	}
}

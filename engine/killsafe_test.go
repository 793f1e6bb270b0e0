package engine

import (
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
	"golang.org/x/arch/x86/x86asm"
	"golang.org/x/sys/unix"
)

// jumpHits launches prog with breakpoint sites made jump sites (as for an
// attached program), breaks on fn, checks the site took a jump, and runs
// to the end; check sees each hit's registers.
func jumpHits(t *testing.T, prog, fn string, check func(r *Regs), args ...string) (int, string) {
	t.Helper()
	p, stdout := launch(t, prog, false, args...)
	p.jumpSites = true
	addr := mustSym(t, p, fn)
	bp, err := p.SetBreakpoint(addr, fn)
	if err != nil {
		t.Fatal(err)
	}
	if s := p.sites[addr]; s == nil || s.jump == nil || p.jumpCount != 1 {
		t.Fatalf("the site at %#x took no jump", uint64(addr))
	}
	hits := 0
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		if ev.Kind == EventBreakpoint && ev.Bp == bp {
			hits++
			r, err := ev.Thread.Regs()
			if err != nil {
				return true, err
			}
			if Addr(r.Rip) != addr {
				t.Errorf("hit at rip %#x, want %#x", r.Rip, uint64(addr))
			}
			if check != nil {
				check(r)
			}
		}
		return false, nil
	})
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 || ev.ExitSignal != 0 {
		t.Fatalf("Continue: %+v %v, want a clean exit", ev, err)
	}
	return hits, stdout()
}

// Hits through a trampoline are the INT3 hits they replace: exact counts
// from 4 pthreads, rip on the site, the registers of the call (rdi = i, in
// order per thread, so their sum is exact; at -O0 after the prologue
// rsp == rbp, so rsp came back exactly), the output unchanged.
func TestBreakJumpExactHits(t *testing.T) {
	for _, flags := range [][]string{{"-O0", "-g"}, {"-O2", "-g", "-no-pie"}} {
		prog := fixture.C(t, "cthreads.c", flags...)
		var sum uint64
		hits, out := jumpHits(t, prog, "work", func(r *Regs) {
			sum += r.Rdi
			if flags[0] == "-O0" && r.Rsp != r.Rbp {
				t.Errorf("rsp %#x != rbp %#x at the hit", r.Rsp, r.Rbp)
			}
		}, "4", "20000")
		if hits != 80000 || sum != 4*199990000 {
			t.Errorf("%v: got %d hits, rdi sum %d; want 80000, %d", flags, hits, sum, 4*199990000)
		}
		if want := "threads=4 calls=80000 sum=1599920000\n"; out != want {
			t.Errorf("%v: output %q, want %q", flags, out, want)
		}
	}
}

// Every call through a jump site is one hit: on goroutines, and (urgsig)
// with SIGURG: the trampoline's SIGURG never reaches the program, the
// program's own SIGURGs all do (100 sent by a thread to itself), and a
// thread with SIGURG blocked hits through the trampoline's fallback trap.
func TestBreakJumpHits(t *testing.T) {
	checkHitCases(t, []hitCase{
		{"goroutines", fixture.GoDebug(t, "gomulti"), "main.Work", false, []string{"8", "20000"},
			160000, "goroutines=8 calls=160000 sum=3199840000\n"},
		{"SIGURG", fixture.C(t, "urgsig.c", "-O0", "-g"), "work", false, []string{"1000"},
			3000, "calls=3000 urg=100 sum=2997000\n"},
	}, func(c hitCase) (int, string) {
		return jumpHits(t, c.prog, c.fn, nil, c.args...)
	})
}

// A jump site goes back to the original bytes when deleted, and becomes an
// int3 site when a breakpoint is wanted inside its replaced bytes.
func TestBreakJumpRemoveAndDowngrade(t *testing.T) {
	prog := fixture.C(t, "cthreads.c", "-O0", "-g")
	p, _ := launch(t, prog, false, "1", "10")
	p.jumpSites = true
	sym, ok := p.Binary().LookupSym("work")
	if !ok {
		t.Fatal("no symbol work")
	}
	addr := sym.Addr + p.Bias() // the entry: push rbp; mov rbp,rsp; ...
	orig := make([]byte, 16)
	if err := p.ReadMemory(addr, orig); err != nil {
		t.Fatal(err)
	}
	bp, err := p.SetBreakpoint(addr, "work")
	if err != nil {
		t.Fatal(err)
	}
	s := p.sites[addr]
	if s == nil || s.jump == nil {
		t.Fatal("no jump")
	}
	got := make([]byte, 16)
	if err := p.ReadOriginal(addr, got); err != nil || string(got) != string(orig) {
		t.Errorf("ReadOriginal over the jump = % x, want % x", got, orig)
	}
	first, err := x86asm.Decode(orig, 64)
	if err != nil || first.Len >= len(s.jump.orig) {
		t.Fatalf("first instruction: %v, len %d of %d", err, first.Len, len(s.jump.orig))
	}
	inside := addr + Addr(first.Len) // the second replaced instruction
	bp2, err := p.SetBreakpoint(inside, "inside")
	if err != nil {
		t.Fatal(err)
	}
	if s.jump != nil {
		t.Fatal("the jump site stayed a jump with a breakpoint inside its bytes")
	}
	var b [1]byte
	if p.ReadMemory(addr, b[:]); b[0] != int3 {
		t.Errorf("byte at the downgraded site = %#x, want int3", b[0])
	}
	// Both hit: the site as an int3 and the one inside.
	ev, err := p.Continue(func(ev *Event) (bool, error) { return ev.Bp == bp2, nil })
	if err != nil || ev.Bp != bp2 || bp.Hits != 1 || bp2.Hits != 1 {
		t.Fatalf("Continue: %v %v, hits %d %d; want a stop at the second, 1 hit each", ev, err, bp.Hits, bp2.Hits)
	}
	for _, x := range []*Breakpoint{bp, bp2} {
		if err := p.ClearBreakpoint(x); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.ReadMemory(addr, got); err != nil || string(got) != string(orig) {
		t.Errorf("code after delete = % x, want % x", got, orig)
	}
	hits := 0
	ev, err = p.Continue(func(ev *Event) (bool, error) {
		if ev.Kind == EventBreakpoint {
			hits++
		}
		return false, nil
	})
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 || hits != 0 {
		t.Fatalf("Continue: %+v %v hits %d", ev, err, hits)
	}
}

// A fork child gets the original bytes of a jump site back, all of them
// (its copy of the code holds the jmp; the liveness page it shares with
// the parent says alive, so the trampoline would stop it for a godbg that
// does not trace it).
func TestBreakJumpForkChild(t *testing.T) { forkChildClean(t, true) }

// A sys() hook sees the program's own gettid calls (100) and no tkill: the
// trampoline's calls at each of the 3000 hits are godbg's.
func TestBreakJumpSyscallsHidden(t *testing.T) {
	p, out := launch(t, fixture.C(t, "urgsig.c", "-O0", "-g"), false, "1000")
	p.jumpSites = true
	bp, err := p.SetBreakpoint(mustSym(t, p, "work"), "work")
	if err != nil || p.jumpCount != 1 {
		t.Fatalf("SetBreakpoint: %v, jumps %d", err, p.jumpCount)
	}
	if _, err := p.CatchSyscall(false, []int{unix.SYS_GETTID, unix.SYS_TKILL}); err != nil {
		t.Fatal(err)
	}
	entries := map[int]int{}
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		if ev.Kind == EventSyscall && !ev.Syscall.Exit {
			entries[ev.Syscall.Nr]++
		}
		return false, nil
	})
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
		t.Fatalf("Continue: %v %v", ev, err)
	}
	if bp.Hits != 3000 || entries[unix.SYS_GETTID] != 100 || entries[unix.SYS_TKILL] != 0 {
		t.Errorf("hits %d, gettid %d, tkill %d; want 3000, 100, 0", bp.Hits, entries[unix.SYS_GETTID], entries[unix.SYS_TKILL])
	}
	if want := "calls=3000 urg=100 sum=2997000\n"; out() != want {
		t.Errorf("output %q, want %q", out(), want)
	}
}

// A thread that took a signal inside a trampoline's relocated code and is
// still in the handler at detach returns there afterwards: the trampoline
// must still be mapped, and it runs the original instructions and jumps
// back. (Go's preemption SIGURG is delivered there for real: the program
// died of SIGSEGV at the trampoline's address in 1 run of 4 of
// TestStopSignalsDetachAttached when detach unmapped every area.)
func TestDetachKeepsTrampolineASignalReturnsTo(t *testing.T) {
	prog := fixture.C(t, "handlerloop.c", "-O0", "-g")
	pid, p, nextOK := attachLoop(t, prog)
	work := mustSym(t, p, "work")
	bp, err := p.SetBreakpoint(work, "work")
	if err != nil {
		t.Fatal(err)
	}
	s := p.sites[work]
	if s == nil || s.jump == nil {
		t.Fatalf("the breakpoint on work is not a jump site")
	}
	ev, err := p.Continue(nil)
	if err != nil || ev.Bp != bp {
		t.Fatalf("Continue = %+v, %v; want work's hit", ev, err)
	}
	// The thread into the relocated code, as a displaced step puts it, with
	// SIGUSR1 to deliver there: its handler stops in in_handler.
	th := ev.Thread
	r, err := th.Regs()
	if err != nil {
		t.Fatal(err)
	}
	r.Rip = uint64(s.jump.body)
	th.regsDirty = true
	th.atSite = 0
	th.pendingSig = unix.SIGUSR1
	if err := p.ClearBreakpoint(bp); err != nil {
		t.Fatal(err)
	}
	inHandler, err := p.SetBreakpoint(mustSym(t, p, "in_handler"), "in_handler")
	if err != nil {
		t.Fatal(err)
	}
	if ev, err = p.Continue(nil); err != nil || ev.Bp != inHandler {
		t.Fatalf("Continue = %+v, %v; want in_handler's hit", ev, err)
	}
	if err := p.Detach(); err != nil {
		t.Fatal(err)
	}
	// The handler returns into the trampoline: the program runs on.
	if err := unix.Kill(pid, unix.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		nextOK()
	}
	if maps := mapsText(t, pid); !strings.Contains(maps, "godbg-alive") {
		t.Errorf("the liveness word's page went with the trampoline it serves kept:\n%s", maps)
	}
}

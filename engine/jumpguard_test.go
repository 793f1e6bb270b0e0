package engine

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/godbg/godbg/engine/debuginfo"
	"github.com/godbg/godbg/engine/internal/oolstep"
	"github.com/godbg/godbg/internal/fixture"
)

// TestCallInside: a run whose call (direct, indirect, far) is not its last
// instruction is refused; a call last is fine.
func TestCallInside(t *testing.T) {
	for _, c := range []struct {
		name, code string
		at         uint64 // the refused call, 0 for none
	}{
		{"no call", "55 48 89 e5 90", 0},
		{"call last", "90 e8 00 01 00 00", 0},
		{"call rel32 first", "e8 00 01 00 00 90", 0x1000},
		{"call rax inside", "53 ff d0 5b 90", 0x1001},
		{"call mem inside", "ff 15 00 00 00 00 90", 0x1000}, // min 7
		{"call rax last", "90 90 90 ff d0", 0},
		{"far call inside", "ff 18 90 90 90", 0x1000},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, err := hex.DecodeString(strings.ReplaceAll(c.code, " ", ""))
			if err != nil {
				t.Fatal(err)
			}
			run, err := oolstep.DecodeRun(code, 0x1000, len(code))
			if err != nil {
				t.Fatal(err)
			}
			at, ok := callInside(run)
			if ok != (c.at != 0) || at != c.at {
				t.Fatalf("callInside = %#x, %v; want %#x", at, ok, c.at)
			}
		})
	}
}

// stopAt continues p to the next hit of bp.
func stopAt(t *testing.T, p *Process, bp *Breakpoint) {
	t.Helper()
	ev, err := p.Continue(func(ev *Event) (bool, error) { return ev.Kind == EventBreakpoint && ev.Bp == bp, nil })
	if err != nil || ev.Kind != EventBreakpoint || ev.Bp != bp {
		t.Fatalf("Continue = %+v, %v; want a breakpoint stop", ev, err)
	}
}

// TestJumpGuardC: at the first stop in ready(), main keeps spot+2 on its
// stack: a probe at spot is a trap with the scan's reason, one at its twin
// spot2 a jump. At the second, blocked() runs under viaptr's `call rdi`:
// its return address (inside viaptr's first 5 bytes) is on the stack, the
// scan finds it, and the planner refuses viaptr for the call. The program's
// output is unchanged and each probe counts its one call.
func TestJumpGuardC(t *testing.T) {
	for _, flags := range [][]string{{"-O0", "-g"}, {"-O2", "-g"}} {
		p, stdout := launch(t, fixture.C(t, "jumpguard.c", flags...), false)
		sym := func(name string) Addr {
			s, ok := p.Binary().LookupSym(name)
			if !ok {
				t.Fatalf("no symbol %s", name)
			}
			return s.Addr + p.Bias()
		}
		bp, err := p.SetBreakpoint(sym("ready"), "ready")
		if err != nil {
			t.Fatal(err)
		}
		stopAt(t, p, bp)
		spot, err := p.SetProbe(sym("spot"), "spot", ProbeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if spot.Kind != "trap" || !strings.HasPrefix(spot.Reason, ReasonResumeInside+" (the word at ") ||
			!strings.HasSuffix(spot.Reason, fmt.Sprintf("on thread %d's stack)", p.Pid())) {
			t.Fatalf("%v: spot: kind %s, reason %q", flags, spot.Kind, spot.Reason)
		}
		spot2, err := p.SetProbe(sym("spot2"), "spot2", ProbeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if spot2.Kind != "jump" {
			t.Fatalf("%v: spot2: kind %s (%s)", flags, spot2.Kind, spot2.Reason)
		}
		stopAt(t, p, bp)
		via := sym("viaptr")
		where, err := p.resumeInside(via+1, via+5)
		if err != nil || !strings.HasSuffix(where, fmt.Sprintf("on thread %d's stack", p.Pid())) {
			t.Fatalf("%v: resumeInside(viaptr) = %q, %v", flags, where, err)
		}
		vp, err := p.SetProbe(via, "viaptr", ProbeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("the call at %#x is not the last replaced instruction", uint64(via+1))
		if vp.Kind != "trap" || !strings.HasPrefix(vp.Reason, want) {
			t.Fatalf("%v: viaptr: kind %s, reason %q", flags, vp.Kind, vp.Reason)
		}
		if err := p.ClearBreakpoint(bp); err != nil {
			t.Fatal(err)
		}
		runProbes(t, p, func(*ProbeRecord) error { return nil })
		if got := stdout(); got != "spot=7 spot2=7 viaptr=6 kept=1\n" {
			t.Fatalf("%v: output %q", flags, got)
		}
		if spot.Hits() != 1 || spot2.Hits() != 1 || vp.Hits() != 0 {
			t.Fatalf("%v: hits spot %d, spot2 %d, viaptr %d", flags, spot.Hits(), spot2.Hits(), vp.Hits())
		}
	}
}

// TestJumpGuardGoroutines: with every goroutine of goparked parked, the
// scan finds a parked goroutine's g.sched.pc (the first goroutine parked
// there), and the return address of main.chanRecv on the chanRecv
// goroutine's stack.
func TestJumpGuardGoroutines(t *testing.T) {
	p, stdout := launch(t, fixture.GoDebug(t, "goparked"), false)
	bp, err := p.SetBreakpoint(mustSym(t, p, "main.checkpoint"), "main.checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	stopAt(t, p, bp)
	gs, err := p.Goroutines()
	if err != nil {
		t.Fatal(err)
	}
	var recv *debuginfo.Goroutine
	for i := range gs {
		if gs[i].StartFunc == "main.chanRecv" {
			recv = &gs[i]
		}
	}
	if recv == nil || recv.Thread != nil {
		t.Fatalf("no parked main.chanRecv goroutine in %+v", gs)
	}
	// The goroutine part alone: a thread's stack may hold the same pc (the
	// runtime's stale words), found first by resumeInside.
	first := gs[0].ID
	for _, g := range gs {
		if g.PC == recv.PC {
			first = g.ID
			break
		}
	}
	noStacks := func(from, to Addr) Addr { return 0 }
	if where := goroutinesInside(gs, Addr(recv.PC), Addr(recv.PC)+1, noStacks); where != fmt.Sprintf("goroutine %d's saved pc %#x", first, recv.PC) {
		t.Fatalf("goroutinesInside(sched.pc %#x) = %q", recv.PC, where)
	}
	if where := goroutinesInside(gs, Addr(recv.PC)+1, Addr(recv.PC)+2, noStacks); where != "" {
		t.Fatalf("goroutinesInside(sched.pc+1) = %q", where)
	}
	where, err := p.resumeInside(Addr(recv.PC), Addr(recv.PC)+1)
	if err != nil || where == "" {
		t.Fatalf("resumeInside(sched.pc %#x) = %q, %v", recv.PC, where, err)
	}
	frames, err := p.GoroutineBacktrace(*recv, 16)
	if err != nil {
		t.Fatal(err)
	}
	var ret uint64
	for i, f := range frames {
		if i > 0 && f.Func == "main.chanRecv" {
			ret = f.PC
		}
	}
	if ret == 0 {
		t.Fatalf("no main.chanRecv caller frame in %+v", frames)
	}
	where, err = p.resumeInside(Addr(ret), Addr(ret)+2)
	if err != nil || !strings.HasSuffix(where, fmt.Sprintf("on goroutine %d's stack", recv.ID)) {
		t.Fatalf("resumeInside(return address %#x) = %q, %v", ret, where, err)
	}
	if err := p.ClearBreakpoint(bp); err != nil {
		t.Fatal(err)
	}
	if ev, err := p.Continue(nil); err != nil || ev.Kind != EventExit {
		t.Fatalf("Continue = %+v, %v", ev, err)
	}
	if got := stdout(); got != "11\n" {
		t.Fatalf("output %q", got)
	}
}

// BenchmarkResumeScan: the install scan of a Go program with 1,000 parked
// goroutines (gomany), for a range nothing holds; cpu-ns/op is the tracer
// thread's own CPU time.
func BenchmarkResumeScan(b *testing.B) {
	p, bp := hitRun(b, fixture.Go(b, "gomany"), "main.checkpoint", false, 1000)
	ev, err := p.Continue(func(ev *Event) (bool, error) { return ev.Kind == EventBreakpoint && ev.Bp == bp, nil })
	if err != nil || ev.Kind != EventBreakpoint {
		b.Fatalf("Continue = %+v, %v", ev, err)
	}
	site, _ := p.Binary().LookupSym("main.checkpoint")
	lo := site.Addr + p.Bias() + 1
	gs, err := p.Goroutines()
	if err != nil || len(gs) < 1000 {
		b.Fatalf("%d goroutines, %v", len(gs), err)
	}
	cpu := threadCPU(b)
	for b.Loop() {
		if where, err := p.resumeInside(lo, lo+4); err != nil || where != "" {
			b.Fatalf("resumeInside = %q, %v", where, err)
		}
	}
	b.ReportMetric(float64(threadCPU(b)-cpu)/float64(b.N), "cpu-ns/op")
}

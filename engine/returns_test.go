package engine

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/godbg/godbg/internal/fixture"
)

// authTargets are the builds of testdata/auth.c and testdata/auth the
// return tests run against.
func authTargets(t *testing.T) map[string]string {
	t.Helper()
	return map[string]string{
		"c-O0":  fixture.C(t, "auth.c", "-O0", "-g"),
		"c-O2":  fixture.C(t, "auth.c", "-O2", "-g"),
		"go-Nl": fixture.GoDebug(t, "auth"),
		"go":    fixture.Go(t, "auth"),
	}
}

func isGoTarget(name string) bool { return name[:2] == "go" }

// watch sets a breakpoint after fn's prologue with return events.
func watch(t *testing.T, p *Process, fn string) *Breakpoint {
	t.Helper()
	bp, err := p.SetBreakpoint(mustSym(t, p, fn), fn)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WatchReturns(bp); err != nil {
		t.Fatal(err)
	}
	return bp
}

func runToExit(t *testing.T, p *Process, hook Hook) {
	t.Helper()
	ev, err := p.Continue(hook)
	if err != nil {
		t.Fatalf("Continue: %v", err)
	}
	if ev.Kind != EventExit || ev.ExitCode != 0 || ev.ExitSignal != 0 {
		t.Fatalf("got %+v, want a clean exit", ev)
	}
}

// internalSites lists the traps no user breakpoint owns.
func internalSites(p *Process) []Addr {
	var out []Addr
	for a, s := range p.sites {
		if len(s.users) > 0 || (len(s.bps) == 0 && s.inserted) {
			out = append(out, a)
		}
	}
	return out
}

func TestReturnFlipsResult(t *testing.T) {
	for name, prog := range authTargets(t) {
		fn, want := "check_auth", "bob: granted\nratio=0.25\nlive=11,22,33,44\n"
		if isGoTarget(name) {
			fn, want = "main.Authorized", "bob: granted\nlookup: 0 no user bob\nratio=0.25\n"
		}
		p, out := launch(t, prog, false)
		bp := watch(t, p, fn)
		entries, returns := 0, 0
		runToExit(t, p, func(ev *Event) (bool, error) {
			switch {
			case ev.Kind == EventBreakpoint && ev.Bp == bp:
				entries++
			case ev.Kind == EventReturn && ev.Bp == bp:
				returns++
				r, _ := ev.Thread.Regs()
				if r.Rax&0xff != 0 {
					t.Errorf("%s: result %d before the flip, want 0", name, r.Rax)
				}
				if ev.Elapsed <= 0 {
					t.Errorf("%s: elapsed %v", name, ev.Elapsed)
				}
				if s, ok := p.Binary().FuncAt(ev.Addr - p.Bias()); !ok || s.Name != "main" && s.Name != "main.main" {
					t.Errorf("%s: returns to %v (%s), want main", name, ev.Addr, s.Name)
				}
				return false, ev.Thread.SetReg("rax", 1)
			}
			return false, nil
		})
		if entries != 1 || returns != 1 {
			t.Errorf("%s: %d entries, %d returns; want 1 and 1", name, entries, returns)
		}
		if got := out(); got != want {
			t.Errorf("%s: output %q, want %q", name, got, want)
		}
	}
}

func TestForceReturn(t *testing.T) {
	for name, prog := range authTargets(t) {
		fns := []string{"check_auth", "ratio"}
		want := "bob: granted\nratio=1.50\nlive=11,22,33,44\n"
		if isGoTarget(name) {
			fns = []string{"main.Authorized", "main.Lookup", "main.Ratio"}
			want = "bob: granted\nlookup: 1 <nil>\nratio=1.50\n"
		}
		p, out := launch(t, prog, false)
		bps := map[*Breakpoint]string{}
		for _, fn := range fns {
			bp, err := p.SetBreakpoint(mustSym(t, p, fn), fn)
			if err != nil {
				t.Fatal(err)
			}
			bps[bp] = fn
		}
		runToExit(t, p, func(ev *Event) (bool, error) {
			fn := bps[ev.Bp]
			if ev.Kind != EventBreakpoint || fn == "" {
				return false, nil
			}
			v := ReturnValue{Int: 1}
			if fn == "ratio" || fn == "main.Ratio" {
				f := 1.5
				v = ReturnValue{Float: &f}
			}
			return false, ev.Thread.ForceReturn(v)
		})
		if got := out(); got != want {
			t.Errorf("%s: output %q, want %q", name, got, want)
		}
	}
}

// TestForceReturnAtEntry returns from the very first instruction, before
// the prologue pushed anything.
func TestForceReturnAtEntry(t *testing.T) {
	for name, prog := range authTargets(t) {
		fn, want := "check_auth", "bob: granted\nratio=0.25\nlive=11,22,33,44\n"
		if isGoTarget(name) {
			fn, want = "main.Authorized", "bob: granted\nlookup: 0 no user bob\nratio=0.25\n"
		}
		p, out := launch(t, prog, false)
		s, _ := p.Binary().LookupSym(fn)
		bp, err := p.SetBreakpoint(s.Addr+p.Bias(), fn)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.WatchReturns(bp); err != nil {
			t.Fatal(err)
		}
		returns := 0
		runToExit(t, p, func(ev *Event) (bool, error) {
			switch {
			case ev.Kind == EventBreakpoint && ev.Bp == bp:
				return false, ev.Thread.ForceReturn(ReturnValue{Int: 1})
			case ev.Kind == EventReturn && ev.Bp == bp:
				// The forced return is reported too, with the forced value.
				if r, _ := ev.Thread.Regs(); r.Rax != 1 {
					t.Errorf("%s: return event with rax %d, want 1", name, r.Rax)
				}
				returns++
			}
			return false, nil
		})
		if returns != 1 {
			t.Errorf("%s: %d return events, want 1", name, returns)
		}
		if got := out(); got != want {
			t.Errorf("%s: output %q, want %q", name, got, want)
		}
	}
}

func fibv(n int) uint64 {
	a, b := uint64(0), uint64(1)
	for ; n > 0; n-- {
		a, b = b, a+b
	}
	return a
}

// argReg is the first integer argument's register at the breakpoint after
// the prologue: rdi (System V), rax (the Go internal ABI).
func firstArg(r *Regs, goABI bool) uint64 {
	if goABI {
		return r.Rax
	}
	return r.Rdi
}

// TestFibReturns checks each of fib(25)'s 242,785 calls returns once, to
// its own call, with the right result.
func TestFibReturns(t *testing.T) {
	// fib(20): 21,891 calls a target, deep recursion all the same, small
	// enough for a loaded 2-core machine (fib(25)'s 242,785 took minutes).
	const n = 20
	wantCalls := map[uint64]int{}
	var sim func(int)
	sim = func(k int) {
		wantCalls[uint64(k)]++
		if k >= 2 {
			sim(k - 1)
			sim(k - 2)
		}
	}
	sim(n)
	for _, name := range []string{"c-O0", "go-Nl"} {
		p, out, bp := launchRecursion(t, name, "fib", fmt.Sprint(n))
		var stack []uint64
		got := map[uint64]int{}
		bad := 0
		runToExit(t, p, recursionHook(bp, isGoTarget(name), &stack, func(k uint64, r *Regs) bool {
			got[k]++
			if r.Rax != fibv(int(k)) && bad < 5 {
				bad++
				t.Errorf("%s: fib(%d) returned %d, want %d", name, k, r.Rax, fibv(int(k)))
			}
			return false
		}))
		total := 0
		for k, c := range wantCalls {
			total += c
			if got[k] != c {
				t.Errorf("%s: %d returns of fib(%d), want %d", name, got[k], k, c)
			}
		}
		if total != 21891 || len(stack) != 0 {
			t.Errorf("%s: %d calls simulated (want 21891), %d unreturned", name, total, len(stack))
		}
		if w := fmt.Sprintf("fib(%d)=%d\n", n, fibv(n)); out() != w {
			t.Errorf("%s: output %q, want %q", name, out(), w)
		}
		if p.PendingReturns() != 0 {
			t.Errorf("%s: %d pending returns left", name, p.PendingReturns())
		}
	}
}

// launchRecursion launches the auth target name running its recursive
// function fn (main.fn in Go) with args, its returns watched.
func launchRecursion(t *testing.T, name, fn string, args ...string) (*Process, func() string, *Breakpoint) {
	t.Helper()
	p, out := launch(t, authTargets(t)[name], false, append([]string{fn}, args...)...)
	if isGoTarget(name) {
		fn = "main." + fn
	}
	return p, out, watch(t, p, fn)
}

// recursionHook follows the calls of bp: each hit pushes the call's first
// argument on stack, each return pops it and gives it to ret with the
// registers at the return; ret's true stops.
func recursionHook(bp *Breakpoint, goABI bool, stack *[]uint64, ret func(k uint64, r *Regs) bool) Hook {
	return func(ev *Event) (bool, error) {
		if ev.Bp != bp {
			return false, nil
		}
		r, _ := ev.Thread.Regs()
		switch ev.Kind {
		case EventBreakpoint:
			*stack = append(*stack, firstArg(r, goABI))
		case EventReturn:
			k := (*stack)[len(*stack)-1]
			*stack = (*stack)[:len(*stack)-1]
			return ret(k, r), nil
		}
		return false, nil
	}
}

// TestDeepRecursionStackGrowth: 2,001 nested calls of a 4 KiB frame make
// the Go runtime copy the stack again and again; every call returns once.
func TestDeepRecursionStackGrowth(t *testing.T) {
	for _, name := range []string{"go-Nl", "go", "c-O0"} {
		p, out, bp := launchRecursion(t, name, "deep", "2000")
		var stack []uint64
		sps := map[uint64]bool{}
		returns := 0
		runToExit(t, p, recursionHook(bp, isGoTarget(name), &stack, func(k uint64, r *Regs) bool {
			if k == 2000 {
				sps[r.Rsp] = true
			}
			if want := (k + 1) / 2; r.Rax != want {
				t.Errorf("%s: deep(%d) returned %d, want %d", name, k, r.Rax, want)
				return true
			}
			returns++
			return false
		}))
		if returns != 2001 || len(stack) != 0 {
			t.Errorf("%s: %d returns, %d unreturned; want 2001 and 0", name, returns, len(stack))
		}
		if out() != "deep(2000)=1000\n" {
			t.Errorf("%s: output %q", name, out())
		}
		if p.PendingReturns() != 0 {
			t.Errorf("%s: %d pending returns left", name, p.PendingReturns())
		}
	}
}

// TestNoReturnTrapLeft: a panic recovered above the watched call and a
// runtime.Goexit inside one leave no pending call and no trap behind.
func TestNoReturnTrapLeft(t *testing.T) {
	for _, name := range []string{"go-Nl", "go"} {
		p, out := launch(t, authTargets(t)[name], false, "panic")
		risky := watch(t, p, "main.risky")
		quitter := watch(t, p, "main.quitter")
		check, err := p.SetBreakpoint(mustSym(t, p, "main.checkpoint"), "checkpoint")
		if err != nil {
			t.Fatal(err)
		}
		returns := map[*Breakpoint]int{}
		ev, err := p.Continue(func(ev *Event) (bool, error) {
			if ev.Kind == EventReturn {
				returns[ev.Bp]++
			}
			return ev.Bp == check && ev.Kind == EventBreakpoint, nil
		})
		if err != nil || ev.Bp != check {
			t.Fatalf("%s: got %+v, %v; want the checkpoint", name, ev, err)
		}
		if returns[risky] != 1 || returns[quitter] != 0 || risky.Hits != 2 || quitter.Hits != 1 {
			t.Errorf("%s: risky %d hits %d returns, quitter %d hits %d returns; want 2/1, 1/0",
				name, risky.Hits, returns[risky], quitter.Hits, returns[quitter])
		}
		if n := p.PendingReturns(); n != 0 {
			t.Errorf("%s: %d pending returns", name, n)
		}
		if left := internalSites(p); len(left) != 0 {
			t.Errorf("%s: internal traps left at %v", name, left)
		}
		for _, bp := range []*Breakpoint{risky, quitter, check} {
			if err := p.ClearBreakpoint(bp); err != nil {
				t.Fatal(err)
			}
		}
		checkCodeClean(t, p)
		runToExit(t, p, nil)
		if want := "safe: -1 6\ncheckpoint: 7\n"; out() != want {
			t.Errorf("%s: output %q, want %q", name, out(), want)
		}
	}
}

// checkCodeClean compares the program's code in memory with the file.
func checkCodeClean(t *testing.T, p *Process) {
	t.Helper()
	for _, name := range []string{"main.risky", "main.quitter", "main.safe", "main.main", "main.checkpoint", "runtime.deferreturn", "runtime.goexit1"} {
		s, ok := p.Binary().LookupSym(name)
		if !ok {
			continue
		}
		want, err := p.Binary().ReadCode(s.Addr, int(s.Size))
		if err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(want))
		if err := p.ReadMemory(s.Addr+p.Bias(), got); err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("code of %s differs from the file", name)
		}
	}
	if len(p.sites) != 0 {
		t.Errorf("%d sites left", len(p.sites))
	}
}

func TestFinish(t *testing.T) {
	for _, name := range []string{"c-O0", "c-O2", "go-Nl", "go"} {
		fn := "fib"
		if isGoTarget(name) {
			fn = "main.fib"
		}
		p, out := launch(t, authTargets(t)[name], false, "fib", "22")
		bp, err := p.SetBreakpoint(mustSym(t, p, fn), fn)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := p.Continue(func(ev *Event) (bool, error) {
			r, _ := ev.Thread.Regs()
			return ev.Bp == bp && firstArg(r, isGoTarget(name)) == 15, nil
		})
		if err != nil || ev.Bp != bp {
			t.Fatalf("%s: %+v %v", name, ev, err)
		}
		hits := bp.Hits
		ev, err = p.Finish(func(ev *Event) (bool, error) { return false, nil })
		if err != nil || ev.Kind != EventFinish {
			t.Fatalf("%s: Finish: %+v %v", name, ev, err)
		}
		r, _ := ev.Thread.Regs()
		if r.Rax != fibv(15) || Addr(r.Rip) != ev.Addr {
			t.Errorf("%s: finish with rax %d at %v (rip %#x), want %d", name, r.Rax, ev.Addr, r.Rip, fibv(15))
		}
		if s, _ := p.Binary().FuncAt(ev.Addr - p.Bias()); s.Name != fn {
			t.Errorf("%s: finished in %s, want %s", name, s.Name, fn)
		}
		// fib(15) makes 1,973 calls, the first of them the one we were in.
		if d := bp.Hits - hits; d != 1972 && name != "c-O2" {
			t.Errorf("%s: %d hits during finish, want 1972", name, d)
		}
		if left := internalSites(p); len(left) != 0 {
			t.Errorf("%s: traps left at %v", name, left)
		}
		p.ClearBreakpoint(bp)
		runToExit(t, p, nil)
		if want := fmt.Sprintf("fib(22)=%d\n", fibv(22)); out() != want {
			t.Errorf("%s: output %q", name, out())
		}
	}
}

// TestReturnsAcrossGoroutines: goroutines run the watched function at once
// and move between threads; each call returns once, on its goroutine, with
// its own result.
func TestReturnsAcrossGoroutines(t *testing.T) {
	p, out := launch(t, fixture.GoDebug(t, "gomulti"), false, "8", "3000")
	bp := watch(t, p, "main.Work")
	open := map[int64][]uint64{}
	returns, bad := 0, 0
	runToExit(t, p, func(ev *Event) (bool, error) {
		if ev.Bp != bp {
			return false, nil
		}
		id, ok := ev.Thread.GoroutineID()
		if !ok {
			t.Fatalf("no goroutine at %v", ev.Kind)
		}
		r, _ := ev.Thread.Regs()
		switch ev.Kind {
		case EventBreakpoint:
			open[id] = append(open[id], r.Rax)
		case EventReturn:
			st := open[id]
			if len(st) == 0 {
				bad++
				return false, nil
			}
			if arg := st[len(st)-1]; r.Rax != 2*arg {
				bad++
			}
			open[id] = st[:len(st)-1]
			returns++
		}
		return false, nil
	})
	if returns != 24000 || bad != 0 || bp.Hits != 24000 {
		t.Errorf("%d hits, %d returns, %d returns unmatched on their goroutine or with a wrong result; want 24000, 24000, 0", bp.Hits, returns, bad)
	}
	if want := "goroutines=8 calls=24000 sum=71976000\n"; out() != want {
		t.Errorf("output %q, want %q", out(), want)
	}
	if p.PendingReturns() != 0 {
		t.Errorf("%d pending returns left", p.PendingReturns())
	}
}

// TestReturnTrapRemovalError: a return trap or cut trap that cannot be
// taken out of the code is an error of the release, not dropped. The
// "tracee" is this test process read through process_vm_readv(2), with a
// read-only memory file so that writing the saved byte back fails.
func TestReturnTrapRemovalError(t *testing.T) {
	code := []byte{int3, int3}
	ret, cut := Addr(uintptr(unsafe.Pointer(&code[0]))), Addr(uintptr(unsafe.Pointer(&code[1])))
	mem, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	p := &Process{pid: os.Getpid(), mem: mem, sites: map[Addr]*site{}}
	rt := p.returns()
	tr := &returnTrap{p: p, addr: ret, refs: 1}
	ct := &cutTrap{p: p, addr: cut}
	rt.traps[ret] = tr
	rt.cuts = []*cutTrap{ct}
	p.sites[ret] = &site{addr: ret, inserted: true, saved: 0x55, users: []siteUser{tr}}
	p.sites[cut] = &site{addr: cut, inserted: true, saved: 0x56, users: []siteUser{ct}}
	c := &pendingCall{ret: ret}
	rt.pending[callKey{tid: 1}] = []*pendingCall{c}
	rt.count = 1
	err = rt.release(c)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("remove return trap at %#x", uint64(ret))) {
		t.Errorf("release = %v, want the return trap's removal error", err)
	}
	rt.cuts = []*cutTrap{ct}
	err = p.removeCutTraps()
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("remove trap at %#x", uint64(cut))) {
		t.Errorf("removeCutTraps = %v, want the cut trap's removal error", err)
	}
	runtime.KeepAlive(code)
}

package engine

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// nextLines stops at fn's breakpoint, then calls Next n times and lists the
// file:line (and function) of each stop.
func nextLines(t *testing.T, prog, fn string, n int) []string {
	t.Helper()
	p, _ := launch(t, prog, false)
	bp, err := p.SetBreakpoint(mustSym(t, p, fn), fn)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := p.Continue(nil)
	if err != nil || ev.Bp != bp {
		t.Fatalf("%+v %v", ev, err)
	}
	var got []string
	where := func(a Addr) string {
		f, l, _ := p.Binary().PCToLine(a - p.Bias())
		s, _ := p.Binary().FuncAt(a - p.Bias())
		return fmt.Sprintf("%s:%d %s", filepath.Base(f), l, s.Name)
	}
	got = append(got, where(ev.Addr))
	for k := 0; k < n; k++ {
		ev, err := p.Next(nil)
		if err != nil {
			t.Fatalf("Next %d: %v", k, err)
		}
		if ev.Kind != EventStep {
			t.Fatalf("Next %d: %+v", k, ev)
		}
		got = append(got, where(ev.Addr))
	}
	p.ClearBreakpoint(bp)
	runToExit(t, p, nil)
	return got
}

func TestNextLines(t *testing.T) {
	for _, tt := range []struct {
		prog, fn string
		want     []string
	}{
		// The breakpoint after the prologue, then each line; the return
		// stops in the caller at the return address, mid-line (67), and
		// the next line of main follows.
		{fixture.GoDebug(t, "rets"), "main.compute", []string{
			"main.go:50 main.compute", "main.go:51 main.compute", "main.go:52 main.compute",
			"main.go:53 main.compute", "main.go:54 main.compute", "main.go:67 main.main", "main.go:68 main.main"}},
		// Optimized: s := 0 has no code; the return address already
		// belongs to line 68; fmt.Println, inlined into main at 68, is
		// stepped over as a call.
		{fixture.Go(t, "rets"), "main.compute", []string{
			"main.go:50 main.compute", "main.go:52 main.compute", "main.go:53 main.compute",
			"main.go:54 main.compute", "main.go:68 main.main", "main.go:69 main.main", "main.go:70 main.main"}},
		{fixture.C(t, "rets.c", "-O0", "-g"), "compute", []string{
			"rets.c:14 compute", "rets.c:15 compute", "rets.c:16 compute", "rets.c:17 compute",
			"rets.c:18 compute", "rets.c:24 main", "rets.c:25 main"}},
	} {
		got := nextLines(t, tt.prog, tt.fn, 6)
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%s:\ngot  %s\nwant %s", tt.prog, strings.Join(got, "\n     "), strings.Join(tt.want, "\n     "))
		}
	}
}

// Next over a call whose callee has a breakpoint: a callback returning
// false runs and the step ends in the caller; one returning true ends Next
// with the breakpoint's event.
func TestNextOverBreakpoint(t *testing.T) {
	for _, tt := range []struct {
		prog, caller, callee string
		nexts                int // from the breakpoint to the line of the call
	}{
		{fixture.GoDebug(t, "rets"), "main.compute", "main.add", 2},
		{fixture.C(t, "rets.c", "-O0", "-g"), "compute", "add", 1},
	} {
		for _, stop := range []bool{false, true} {
			p, _ := launch(t, tt.prog, false)
			bp, err := p.SetBreakpoint(mustSym(t, p, tt.caller), tt.caller)
			if err != nil {
				t.Fatal(err)
			}
			if ev, err := p.Continue(nil); err != nil || ev.Bp != bp {
				t.Fatalf("%+v %v", ev, err)
			}
			for k := 0; k < tt.nexts; k++ {
				if _, err := p.Next(nil); err != nil {
					t.Fatal(err)
				}
			}
			in, err := p.SetBreakpoint(mustSym(t, p, tt.callee), tt.callee)
			if err != nil {
				t.Fatal(err)
			}
			calls := 0
			ev, err := p.Next(func(ev *Event) (bool, error) {
				if ev.Bp == in {
					calls++
					return stop, nil
				}
				return true, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			s, _ := p.Binary().FuncAt(ev.Addr - p.Bias())
			if stop && (ev.Kind != EventBreakpoint || ev.Bp != in || calls != 1) {
				t.Errorf("%s: stopping callee breakpoint: got %v in %s after %d calls", tt.callee, ev.Kind, s.Name, calls)
			}
			if !stop && (ev.Kind != EventStep || s.Name != tt.caller || calls != 1) {
				t.Errorf("%s: got %v in %s after %d calls; want a step in %s after 1", tt.callee, ev.Kind, s.Name, calls, tt.caller)
			}
			if left := internalSites(p); len(left) != 0 {
				t.Errorf("traps left at %v", left)
			}
			p.ClearBreakpoint(bp)
			p.ClearBreakpoint(in)
			runToExit(t, p, nil)
		}
	}
}

// Next over a call during which the runtime moves the goroutine's stack
// (deep recursion with 4 KiB frames): the return is still recognised, in
// the same frame, and the program's output is unchanged.
func TestNextOverStackGrowth(t *testing.T) {
	for _, prog := range []string{fixture.GoDebug(t, "auth"), fixture.Go(t, "auth")} {
		p, out := launch(t, prog, false, "deep", "2000")
		bp, err := p.SetBreakpoint(mustSym(t, p, "main.deep"), "main.deep")
		if err != nil {
			t.Fatal(err)
		}
		ev, err := p.Continue(nil)
		if err != nil || ev.Bp != bp {
			t.Fatalf("%+v %v", ev, err)
		}
		p.ClearBreakpoint(bp)
		var got []string
		for k := 0; k < 10; k++ {
			ev, err = p.Next(nil)
			if err != nil || ev.Kind != EventStep {
				t.Fatalf("Next %d: %+v %v", k, ev, err)
			}
			_, l, _ := p.Binary().PCToLine(ev.Addr - p.Bias())
			s, _ := p.Binary().FuncAt(ev.Addr - p.Bias())
			got = append(got, fmt.Sprintf("%s:%d", s.Name, l))
			if s.Name != "main.deep" {
				break
			}
		}
		if g := strings.Join(got, " "); !strings.HasSuffix(g, "main.deep:52 main.main:105") {
			t.Errorf("%s: lines %s, want the call line 52 then main:105", prog, g)
		}
		runToExit(t, p, nil)
		if out() != "deep(2000)=1000\n" {
			t.Errorf("output %q", out())
		}
	}
}

// Next out of a function watched with on_return: the return event comes
// (its hook call runs) as the step lands on the return trap in the caller.
func TestNextThroughReturnTrap(t *testing.T) {
	for _, tt := range []struct{ prog, fn string }{
		{fixture.GoDebug(t, "rets"), "main.compute"},
		{fixture.C(t, "rets.c", "-O0", "-g"), "compute"},
	} {
		p, _ := launch(t, tt.prog, false)
		bp := watch(t, p, tt.fn)
		ev, err := p.Continue(nil)
		if err != nil || ev.Bp != bp {
			t.Fatalf("%+v %v", ev, err)
		}
		returns := 0
		hook := func(ev *Event) (bool, error) {
			if ev.Kind == EventReturn && ev.Bp == bp {
				returns++
				vs, err := ev.Thread.Results()
				if got := showValues(vs); err != nil || !strings.HasSuffix(got, "12") {
					t.Errorf("%s: results %q %v", tt.fn, got, err)
				}
			}
			return false, nil
		}
		for k := 0; k < 5; k++ {
			ev, err = p.Next(hook)
			if err != nil || ev.Kind != EventStep {
				t.Fatalf("%s: Next %d: %+v %v", tt.fn, k, ev, err)
			}
		}
		if s, _ := p.Binary().FuncAt(ev.Addr - p.Bias()); s.Name != "main.main" && s.Name != "main" || returns != 1 {
			t.Errorf("%s: in %s after %d returns, want main after 1", tt.fn, s.Name, returns)
		}
		if left := internalSites(p); len(left) != 0 {
			t.Errorf("traps left at %v", left)
		}
		p.ClearBreakpoint(bp)
		runToExit(t, p, nil)
	}
}

package engine

import (
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// hitRun launches the hot loop prog for n calls of fn with a breakpoint
// there and returns the process, ready to Continue, and the breakpoint.
func hitRun(tb testing.TB, prog, fn string, noDisplaced bool, n int) (*Process, *Breakpoint) {
	tb.Helper()
	runtime.LockOSThread()
	tb.Cleanup(runtime.UnlockOSThread)
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { null.Close() })
	p, err := Launch(prog, LaunchOptions{Args: []string{strconv.Itoa(n)}, Stdout: null, NoDisplacedStep: noDisplaced})
	if err != nil {
		tb.Fatalf("Launch(%s): %v", prog, err)
	}
	tb.Cleanup(func() {
		if !p.Exited() {
			p.Kill()
		}
	})
	s, ok := p.Binary().LookupSym(fn)
	if !ok {
		tb.Fatalf("no symbol %s", fn)
	}
	a, err := p.Binary().FirstPCAfterPrologue(s)
	if err != nil {
		tb.Fatalf("prologue of %s: %v", fn, err)
	}
	bp, err := p.SetBreakpoint(a+p.Bias(), fn)
	if err != nil {
		tb.Fatal(err)
	}
	return p, bp
}

// countTo runs p to its exit with a hook that counts bp's hits.
func countTo(tb testing.TB, p *Process, bp *Breakpoint) int {
	tb.Helper()
	hits := 0
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		if ev.Kind == EventBreakpoint && ev.Bp == bp {
			hits++
		}
		return false, nil
	})
	if err != nil {
		tb.Fatalf("Continue: %v", err)
	}
	if ev.Kind != EventExit || ev.ExitCode != 0 {
		tb.Fatalf("got %+v, want a clean exit", ev)
	}
	return hits
}

// BenchmarkHit measures one breakpoint hit with an engine hook that only
// counts: b.N calls of the hot loop's function, one hit each. It reports
// ns/hit (ns/op), allocs/hit (the whole Go process, from MemStats) and
// stops/hit. Placement matters more than anything here: compare
// `taskset -c 0 go test -bench Hit` (tracer and tracee on one CPU) with the
// default.
func BenchmarkHit(b *testing.B) {
	for _, tc := range []struct {
		name, prog, fn string
		noDisplaced    bool
	}{
		{"C", fixture.C(b, "hotloop.c", "-O2", "-g"), "hot", false},
		{"Go", fixture.Go(b, "hotloop"), "main.hot", false},
		{"C-nodisplaced", fixture.C(b, "hotloop.c", "-O2", "-g"), "hot", true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			p, bp := hitRun(b, tc.prog, tc.fn, tc.noDisplaced, b.N)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			stops := p.Stops()
			b.ResetTimer()
			hits := countTo(b, p, bp)
			b.StopTimer()
			runtime.ReadMemStats(&after)
			if hits != b.N {
				b.Fatalf("got %d hits, want %d", hits, b.N)
			}
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(hits), "allocs/hit")
			b.ReportMetric(float64(p.Stops()-stops)/float64(hits), "stops/hit")
		})
	}
}

// TestAllocsPerHit holds the engine's hit path to no allocation: a counting
// hook over 20,000 hits, Go heap allocations counted by the runtime (the
// whole process: launch and exit included, hence a small allowance).
func TestAllocsPerHit(t *testing.T) {
	const n = 20000
	p, bp := hitRun(t, fixture.C(t, "hotloop.c", "-O2", "-g"), "hot", false, n)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	hits := countTo(t, p, bp)
	runtime.ReadMemStats(&after)
	if hits != n {
		t.Fatalf("got %d hits, want %d", hits, n)
	}
	allocs := after.Mallocs - before.Mallocs
	t.Logf("%d allocations for %d hits (%.3f a hit)", allocs, hits, float64(allocs)/n)
	if allocs > n/100 {
		t.Errorf("%d allocations for %d hits: want none a hit", allocs, hits)
	}
}

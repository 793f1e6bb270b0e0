package engine

import (
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/godbg/godbg/internal/fixture"
	"golang.org/x/sys/unix"
)

// hitRun launches the hot loop prog for n calls of fn with a breakpoint
// there and returns the process, ready to Continue, and the breakpoint.
func hitRun(tb testing.TB, prog, fn string, noDisplaced bool, n int) (*Process, *Breakpoint) {
	tb.Helper()
	lockThread(tb)
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { null.Close() })
	p := launchKilled(tb, prog, LaunchOptions{Args: []string{strconv.Itoa(n)}, Stdout: null, NoDisplacedStep: noDisplaced})
	bp, err := p.SetBreakpoint(mustSym(tb, p, fn), fn)
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
	if ev.Kind != EventExit || ev.ExitCode != 0 || ev.ExitSignal != 0 {
		tb.Fatalf("got %+v, want a clean exit", ev)
	}
	return hits
}

// BenchmarkHit measures one breakpoint hit with an engine hook that only
// counts: b.N calls of the hot loop's function, one hit each. It reports
// ns/hit (ns/op), allocs/hit (the whole Go process, from MemStats) and
// stops/hit. Placement matters more than anything here: compare
// `taskset -c 0 go test -bench Hit` (tracer and tracee on one CPU) with the
// default. C-follow is C with FollowForks (one process: what following
// costs the loop).
func BenchmarkHit(b *testing.B) {
	for _, tc := range []struct {
		name, prog, fn string
		noDisplaced    bool
		follow         bool // FollowForks with one process (follow.go)
		jump           bool // a jump site, as an attached program's (killsafe.go)
	}{
		{"C", fixture.C(b, "hotloop.c", "-O2", "-g"), "hot", false, false, false},
		{"C-follow", fixture.C(b, "hotloop.c", "-O2", "-g"), "hot", false, true, false},
		{"Go", fixture.Go(b, "hotloop"), "main.hot", false, false, false},
		{"C-nodisplaced", fixture.C(b, "hotloop.c", "-O2", "-g"), "hot", true, false, false},
		{"C-jump", fixture.C(b, "hotloop.c", "-O2", "-g"), "hot", false, false, true},
		{"Go-jump", fixture.Go(b, "hotloop"), "main.hot", false, false, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			p, bp := hitRun(b, tc.prog, tc.fn, tc.noDisplaced, b.N)
			if tc.follow {
				p.FollowForks()
			}
			if tc.jump {
				addr := bp.Addr
				if err := p.ClearBreakpoint(bp); err != nil {
					b.Fatal(err)
				}
				p.jumpSites = true
				var err error
				if bp, err = p.SetBreakpoint(addr, tc.fn); err != nil || p.sites[addr].jump == nil {
					b.Fatalf("no jump site at %#x: %v", uint64(addr), err)
				}
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			stops := p.Stops()
			cpu0 := threadCPU(b)
			b.ResetTimer()
			hits := countTo(b, p, bp)
			b.StopTimer()
			cpu := threadCPU(b) - cpu0
			runtime.ReadMemStats(&after)
			if hits != b.N {
				b.Fatalf("got %d hits, want %d", hits, b.N)
			}
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(hits), "allocs/hit")
			b.ReportMetric(float64(p.Stops()-stops)/float64(hits), "stops/hit")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(hits), "tracer-cpu-ns/hit")
		})
	}
}

// threadCPU is the CPU time (user and system) of the calling OS thread, the
// tracer's (hitRun locks it): on a loaded machine it measures the engine's
// own work per hit where ns/op mostly measures the wait for a CPU.
func threadCPU(tb testing.TB) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
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

// BenchmarkCodeCheck measures what displaced stepping adds to each hit to
// follow self-modifying code: codeChanged, the read of the instruction's
// bytes after the trap (hotloop's hot starts with a 3-byte instruction or
// longer), with the tracee stopped at the breakpoint.
func BenchmarkCodeCheck(b *testing.B) {
	p, bp := hitRun(b, fixture.C(b, "hotloop.c", "-O2", "-g"), "hot", false, 10)
	ev, err := p.Continue(func(ev *Event) (bool, error) { return ev.Bp == bp, nil })
	if err != nil || ev.Bp != bp {
		b.Fatalf("Continue: %+v %v", ev, err)
	}
	s := p.sites[bp.Addr]
	if err := p.makePlan(ev.Thread, s); err != nil || s.plan.length < 2 {
		b.Fatalf("plan %+v %v: want an instruction of 2 bytes or more", s.plan, err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if changed, err := p.codeChanged(ev.Thread, s); changed || err != nil {
			b.Fatalf("codeChanged = %v, %v", changed, err)
		}
	}
}

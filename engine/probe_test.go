package engine

import (
	"bytes"
	"testing"
	"time"

	"github.com/godbg/godbg/internal/fixture"
	"golang.org/x/sys/unix"
)

// runProbes continues to the exit, draining the probes' records at each
// event and at the end, as the bindings do.
func runProbes(t *testing.T, p *Process, fn func(*ProbeRecord) error) {
	t.Helper()
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		return false, p.DrainProbes(fn)
	})
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
		t.Fatalf("Continue = %+v, %v", ev, err)
	}
	if err := p.DrainProbes(fn); err != nil {
		t.Fatal(err)
	}
}

// TestProbeRecordsPthreads: 4 pthreads call work(i) for i = 0..N-1; a
// recording probe at work's entry sees every call once, in order per
// thread (rdi counts up), and the program's output is unchanged. With a
// ring smaller than the hits, full rings make threads trap and wait.
func TestProbeRecordsPthreads(t *testing.T) {
	for _, flags := range [][]string{{"-O0", "-g"}, {"-O2", "-g", "-no-pie"}} {
		prog := fixture.C(t, "cthreads.c", flags...)
		p, stdout := launch(t, prog, false, "4", "40000")
		s, _ := p.Binary().LookupSym("work")
		pr, err := p.SetProbe(s.Addr+p.Bias(), "work", ProbeOptions{Record: true})
		if err != nil {
			t.Fatal(err)
		}
		cnt, err := p.SetProbe(mustSym(t, p, "work"), "work", ProbeOptions{})
		if err != nil && flags[0] == "-O0" {
			t.Fatal(err)
		}
		if pr.Kind != "jump" {
			t.Fatalf("%v: kind %s (%s)", flags, pr.Kind, pr.Reason)
		}
		next := map[int]uint64{}
		n := 0
		runProbes(t, p, func(r *ProbeRecord) error {
			if r.Probe != pr {
				t.Fatalf("record of probe %d", r.Probe.ID)
			}
			if r.Regs.Rdi != next[r.Tid] {
				t.Fatalf("%v: thread %d: rdi %d, want %d", flags, r.Tid, r.Regs.Rdi, next[r.Tid])
			}
			next[r.Tid]++
			n++
			if flags[0] == "-O0" {
				// A slow consumer: the ring fills, threads stop for it.
				for t0 := time.Now(); time.Since(t0) < 2*time.Microsecond; {
				}
			}
			return nil
		})
		if flags[0] == "-O0" && p.ProbeFullStops() == 0 {
			t.Errorf("%v: the ring never filled", flags)
		}
		if n != 160000 || pr.Hits() != 160000 || pr.Lost() != 0 {
			t.Errorf("%v: %d records, hits %d, lost %d; want 160000", flags, n, pr.Hits(), pr.Lost())
		}
		if len(next) != 4 {
			t.Errorf("%v: records from %d threads, want 4", flags, len(next))
		}
		if cnt != nil && cnt.Hits() != 160000 {
			t.Errorf("%v: counting probe: %d hits", flags, cnt.Hits())
		}
		if out, want := stdout(), "threads=4 calls=160000 sum=6399840000\n"; out != want {
			t.Errorf("%v: output %q, want %q", flags, out, want)
		}
	}
}

// TestProbeRecordsGoroutines: 8 goroutines, 160,000 hits, every record
// delivered, the argument (rax, Go's register ABI) sums right.
func TestProbeRecordsGoroutines(t *testing.T) {
	prog := fixture.GoDebug(t, "gomulti")
	p, stdout := launch(t, prog, false, "8", "20000")
	pr, err := p.SetProbe(mustSym(t, p, "main.Work"), "main.Work", ProbeOptions{Record: true})
	if err != nil {
		t.Fatal(err)
	}
	if pr.Kind != "jump" {
		t.Fatalf("kind %s (%s)", pr.Kind, pr.Reason)
	}
	var n, sum uint64
	goids := map[int64]bool{}
	runProbes(t, p, func(r *ProbeRecord) error {
		n++
		sum += r.Regs.Rax
		goids[r.Goid] = true
		return nil
	})
	// The goid comes with the record (read by the trampoline at the hit):
	// 8 goroutines, none unknown.
	if len(goids) != 8 || goids[0] {
		t.Errorf("records from goroutines %v, want 8 known ones", goids)
	}
	if n != 160000 || pr.Hits() != 160000 || sum != 8*19999*20000/2 {
		t.Errorf("%d records, hits %d, sum %d", n, pr.Hits(), sum)
	}
	if out, want := stdout(), "goroutines=8 calls=160000 sum=3199840000\n"; out != want {
		t.Errorf("output %q, want %q", out, want)
	}
}

// TestProbeDeleteRestores: deleting the probes leaves .text as in the file.
func TestProbeDeleteRestores(t *testing.T) {
	prog := fixture.C(t, "cthreads.c", "-O0", "-g")
	p, _ := launch(t, prog, false, "1", "10")
	s, _ := p.Binary().LookupSym("work")
	a, err := p.SetProbe(s.Addr+p.Bias(), "work", ProbeOptions{Record: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.SetProbe(mustSym(t, p, "work"), "work", ProbeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.DeleteProbe(a)
	p.DeleteProbe(b)
	if file, live := funcBytes(t, p, "work"); !bytes.Equal(file, live) {
		t.Fatalf("after delete:\n% x\nwant\n% x", live, file)
	}
}

// TestProbeRegsEqualBrk: a breakpoint and a recording probe at the same
// address (the trap on the jump's first byte: the breakpoint's step-over
// runs the jump): each record's registers equal what the breakpoint saw on
// the same hit, for C and Go, and the tid is the hitting thread's.
func TestProbeRegsEqualBrk(t *testing.T) {
	for _, c := range []struct{ prog, fn string }{
		{fixture.C(t, "cthreads.c", "-O0", "-g"), "work"},
		{fixture.GoDebug(t, "gomulti"), "main.Work"},
	} {
		p, _ := launch(t, c.prog, false, "1", "200")
		if c.fn == "work" {
			// C, once glibc has set up the TLS: the trampoline reads
			// the tid from glibc's struct pthread, no gettid.
			mb, err := p.SetBreakpoint(mustSym(t, p, "main"), "main")
			if err != nil {
				t.Fatal(err)
			}
			if ev, err := p.Continue(func(ev *Event) (bool, error) { return ev.Kind == EventBreakpoint, nil }); err != nil || ev.Bp != mb {
				t.Fatalf("to main: %v %v", ev, err)
			}
			if err := p.ClearBreakpoint(mb); err != nil {
				t.Fatal(err)
			}
			if ok, _ := p.glibcTid(); !ok {
				t.Fatalf("glibc's tid at fs:%#x not found", glibcTidOff)
			}
		}
		addr := mustSym(t, p, c.fn)
		bp, err := p.SetBreakpoint(addr, c.fn)
		if err != nil {
			t.Fatal(err)
		}
		pr, err := p.SetProbe(addr, c.fn, ProbeOptions{Record: true})
		if err != nil || pr.Kind != "jump" {
			t.Fatalf("%s: %v %s %s", c.fn, err, pr.Kind, pr.Reason)
		}
		type hit struct {
			tid  int
			regs Regs
		}
		var seen []hit
		var recs []ProbeRecord
		fn := func(r *ProbeRecord) error { recs = append(recs, *r); return nil }
		ev, err := p.Continue(func(ev *Event) (bool, error) {
			if ev.Kind == EventBreakpoint && ev.Bp == bp {
				r, err := ev.Thread.Regs()
				if err != nil {
					return true, err
				}
				seen = append(seen, hit{ev.Tid, *r})
			}
			return false, p.DrainProbes(fn)
		})
		if err != nil || ev.Kind != EventExit {
			t.Fatalf("%s: %v %v", c.fn, ev, err)
		}
		p.DrainProbes(fn)
		if len(seen) != 200 || len(recs) != 200 {
			t.Fatalf("%s: %d hits, %d records", c.fn, len(seen), len(recs))
		}
		for i := range seen {
			a, b := seen[i].regs, recs[i].Regs
			if recs[i].Tid != seen[i].tid {
				t.Fatalf("%s: hit %d: tid %d, brk saw %d", c.fn, i, recs[i].Tid, seen[i].tid)
			}
			for _, name := range []string{"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip"} {
				x, _ := a.Get(name)
				y, _ := b.Get(name)
				if x != y {
					t.Fatalf("%s: hit %d: %s = %#x in the record, %#x at the breakpoint", c.fn, i, name, y, x)
				}
			}
			if a.Eflags&0xcd5 != b.Eflags&0xcd5 { // the status flags, DF
				t.Fatalf("%s: hit %d: flags %#x, brk saw %#x", c.fn, i, b.Eflags, a.Eflags)
			}
		}
	}
}

// TestProbeCountKeepsFlags: a counting probe where the status flags are
// live (between a cmp and a pushfq, testdata/flagsprobe.c) leaves every
// one of them (OF SF ZF AF PF CF) as it was: the program prints the same.
func TestProbeCountKeepsFlags(t *testing.T) {
	prog := fixture.C(t, "flagsprobe.c", "-O0", "-g")
	p, stdout := launch(t, prog, false, "3000")
	at := mustSym(t, p, "flagbits") + 3
	if pl, err := p.planJump(at); err != nil || pl.flagsDead {
		t.Fatalf("the flags are dead at flags_live (%v)", err)
	}
	pr, err := p.SetProbe(at, "flags_live", ProbeOptions{})
	if err != nil || pr.Kind != "jump" {
		t.Fatalf("SetProbe: %v %s %s", err, pr.Kind, pr.Reason)
	}
	ev, err := p.Continue(nil)
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
		t.Fatalf("Continue = %+v, %v", ev, err)
	}
	if want := "calls=3000 flags=0x8d5 x=a49ace70bac74a0d\n"; stdout() != want || pr.Hits() != 3000 {
		t.Errorf("output %q, hits %d; want %q, 3000", stdout(), pr.Hits(), want)
	}
}

// TestProbeFullRingKeepsGoSIGURG: in Go code, a thread waiting at a full
// ring's stop keeps a SIGURG sent to it meanwhile (as the runtime's
// preemption request would be): its next stop, at the same pc, delivers
// it, where a dropped one would leave the M without requests for good
// (m.signalPending). The program runs to its normal end, every record in.
func TestProbeFullRingKeepsGoSIGURG(t *testing.T) {
	p, stdout := launch(t, fixture.GoDebug(t, "gomulti"), false, "8", "20000")
	pr, err := p.SetProbe(mustSym(t, p, "main.Work"), "main.Work", ProbeOptions{Record: true})
	if err != nil || pr.Kind != "jump" {
		t.Fatalf("probe: %v, kind %s (%s)", err, pr.Kind, pr.Reason)
	}
	n, sent, kept := 0, 0, 0
	fn := func(r *ProbeRecord) error {
		n++
		// A slow consumer: the ring fills, threads stop for it.
		for t0 := time.Now(); time.Since(t0) < 2*time.Microsecond; {
		}
		return nil
	}
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		if ev.Kind == EventProbe && ev.Thread != nil {
			if sent != 0 && ev.Thread.tid == sent {
				// The stop of the SIGURG sent below.
				if ev.Thread.pendingSig == unix.SIGURG {
					kept++
				}
				sent = 0
			} else if sent == 0 && kept < 3 {
				if err := unix.Tgkill(p.Pid(), ev.Thread.tid, unix.SIGURG); err != nil {
					return true, err
				}
				sent = ev.Thread.tid
			}
		}
		return false, p.DrainProbes(fn)
	})
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
		t.Fatalf("Continue = %+v, %v", ev, err)
	}
	if err := p.DrainProbes(fn); err != nil {
		t.Fatal(err)
	}
	if p.ProbeFullStops() == 0 {
		t.Fatal("the ring never filled")
	}
	if kept != 3 {
		t.Errorf("%d SIGURGs sent to a waiting thread were delivered, want 3", kept)
	}
	if n != 160000 || pr.Hits() != 160000 || pr.Lost() != 0 {
		t.Errorf("%d records, hits %d, lost %d; want 160000", n, pr.Hits(), pr.Lost())
	}
	if out, want := stdout(), "goroutines=8 calls=160000 sum=3199840000\n"; out != want {
		t.Errorf("output %q, want %q", out, want)
	}
}

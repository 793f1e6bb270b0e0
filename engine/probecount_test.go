package engine

import (
	"testing"

	"github.com/godbg/godbg/internal/fixture"
	"golang.org/x/sys/unix"
)

// claimedSlots counts the per-thread slots of pr that some thread took.
func claimedSlots(pr *Probe) int {
	n := 0
	for _, c := range pr.slots {
		if *c != 0 {
			n++
		}
	}
	return n
}

// runCountProbe sets a counting probe at fn and runs p to its exit.
func runCountProbe(t *testing.T, p *Process, fn string) *Probe {
	t.Helper()
	pr, err := p.SetProbe(mustSym(t, p, fn), fn, ProbeOptions{})
	if err != nil || pr.Kind != "jump" {
		t.Fatalf("SetProbe(%s) = %v, %v", fn, pr, err)
	}
	if pr.keyAt == 0 {
		t.Fatalf("%s: a counting probe without per-thread slots (key %d)", fn, p.probes.count.key)
	}
	ev, err := p.Continue(nil)
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
		t.Fatalf("Continue = %+v, %v", ev, err)
	}
	return pr
}

// TestProbeCountPerThread: a counting probe counts each thread in a slot
// of its own, keyed by its TLS (C: fs:0) or its M (Go: g.m), with a plain
// add: exact from 4 pthreads (one slot each) and 8 goroutines.
func TestProbeCountPerThread(t *testing.T) {
	p, stdout := launch(t, fixture.C(t, "cthreads.c", "-O0", "-g"), false, "4", "40000")
	pr := runCountProbe(t, p, "work")
	if want := "threads=4 calls=160000 sum=6399840000\n"; stdout() != want || pr.Hits() != 160000 ||
		claimedSlots(pr) != 4 || *pr.hits != 0 || p.probes.count.key != keySelf {
		t.Errorf("C: output %q, hits %d (shared %d), slots %d, key %d; want %q, 160000 (0), 4, keySelf",
			stdout(), pr.Hits(), *pr.hits, claimedSlots(pr), p.probes.count.key, want)
	}

	p, stdout = launch(t, fixture.GoDebug(t, "gomulti"), false, "8", "20000")
	pr = runCountProbe(t, p, "main.Work")
	if want := "goroutines=8 calls=160000 sum=3199840000\n"; stdout() != want || pr.Hits() != 160000 ||
		claimedSlots(pr) < 1 || p.probes.count.key != keyGoM {
		t.Errorf("Go: output %q, hits %d, slots %d, key %d; want %q, 160000, >= 1, keyGoM",
			stdout(), pr.Hits(), claimedSlots(pr), p.probes.count.key, want)
	}
}

// TestProbeCountSharedTLS: threads that share a TLS would share a slot, so
// the process goes back to the locked add: a raw clone without
// CLONE_SETTLS (seen at its clone event) and one with a TLS base of 0
// (its key load faults: godbg sends it to the locked add, and the program
// never sees the SIGSEGV). Counts exact, output unchanged.
func TestProbeCountSharedTLS(t *testing.T) {
	prog := fixture.C(t, "rawclone.c", "-O0", "-g")
	for _, c := range []struct {
		mode, want string
		hits       uint64
	}{
		{"shared", "calls=3000000 sum=3000000000000\n", 3000000},
		{"notls", "calls=2000000 sum=2000000000000\n", 2000000},
		// The demotion holds a running thread (the first) while the
		// new one's birth stop is still to come.
		{"late", "calls=3000000 sum=3000000000000\n", 3000000},
	} {
		p, stdout := launch(t, prog, false, c.mode, "1000000")
		pr := runCountProbe(t, p, "hot")
		if stdout() != c.want || pr.Hits() != c.hits ||
			p.probes.count.key != keyNone {
			t.Errorf("%s: output %q, hits %d, key %d; want %q, %d, keyNone (demoted)",
				c.mode, stdout(), pr.Hits(), p.probes.count.key, c.want, c.hits)
		}
	}
}

// TestProbeCountForkChild: a followed fork child's copy of a counting
// trampoline counts with the locked add (its data is the parent's shared
// memory, its TLS a copy of the parent's): the key load is a jmp there in
// the child; every worker's hit counts once.
func TestProbeCountForkChild(t *testing.T) {
	p, _ := launch(t, fixture.C(t, "forkserver.c", "-O0", "-g"), false)
	p.FollowForks()
	pr, err := p.SetProbe(mustSym(t, p, "handle"), "handle", ProbeOptions{})
	if err != nil || pr.keyAt == 0 {
		t.Fatalf("SetProbe = %v, %v", pr, err)
	}
	children := 0
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		if ev.Kind != EventFork {
			return false, nil
		}
		children++
		var b [1]byte
		if err := ev.Thread.p.ReadMemory(pr.keyAt, b[:]); err != nil || b[0] != 0xe9 {
			t.Errorf("child %d: the key load is %#x (%v), want a jmp (0xe9)", ev.Pid, b[0], err)
		}
		return false, nil
	})
	if err != nil || ev.Kind != EventExit {
		t.Fatalf("Continue = %+v, %v", ev, err)
	}
	if children != 4 || pr.Hits() != 14 {
		t.Errorf("children %d, hits %d; want 4, 14", children, pr.Hits())
	}
	var b [1]byte
	if err := p.ReadMemory(pr.keyAt, b[:]); err == nil && b[0] == 0xe9 {
		t.Errorf("the parent's key load was demoted too")
	}
}

func inInner(p *Process, pc Addr) bool {
	fn, ok := p.FuncAt(pc)
	return ok && fn.Sym.Name == "inner"
}

// TestProbeExec: an exec takes the jump areas with the old image: its jump
// probes are deleted (their records taken, their counts kept), and probes
// set in the new program get areas and a ring of their own, where stale
// ones would make the trampoline write into memory the new image does not
// have. The new program's fault stays its own, at its instruction.
func TestProbeExec(t *testing.T) {
	crash := fixture.C(t, "crash.c", "-O0", "-g")
	p, stdout := launch(t, fixture.C(t, "faults.c", "-O0", "-g"), false, "exec", crash)
	old, err := p.SetProbe(mustSym(t, p, "main"), "main", ProbeOptions{Record: true})
	if err != nil || old.Kind != "jump" {
		t.Fatalf("SetProbe(main) = %v, %v", old, err)
	}
	var rec, cnt *Probe
	var inner Addr
	got := map[*Probe]int{}
	drain := func() error {
		return p.DrainProbes(func(r *ProbeRecord) error { got[r.Probe]++; return nil })
	}
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		if err := drain(); err != nil || ev.Kind != EventExec {
			return ev.Kind == EventSignal, err
		}
		if !old.Deleted() || old.Hits() != 1 {
			t.Errorf("after the exec: old probe deleted %v, hits %d; want true, 1", old.Deleted(), old.Hits())
		}
		inner = mustSym(t, p, "inner")
		if rec, err = p.SetProbe(inner, "inner", ProbeOptions{Record: true}); err != nil || rec.Kind != "jump" {
			t.Fatalf("SetProbe(inner) = %v, %v", rec, err)
		}
		if cnt, err = p.SetProbe(mustSym(t, p, "outer"), "outer", ProbeOptions{}); err != nil || cnt.Kind != "jump" {
			t.Fatalf("SetProbe(outer) = %v, %v", cnt, err)
		}
		return false, nil
	})
	if err != nil || ev.Kind != EventSignal || ev.Signal != unix.SIGSEGV || !inInner(p, ev.Addr) {
		t.Fatalf("Continue = %+v, %v; want SIGSEGV in inner (at %#x)", ev, err, uint64(inner))
	}
	if err := drain(); err != nil {
		t.Fatal(err)
	}
	if rec == nil || got[old] != 1 || got[rec] != 1 || rec.Hits() != 1 || cnt.Hits() != 1 {
		t.Errorf("records old %d, inner %d; hits inner %v, outer %v; want 1 1 1 1", got[old], got[rec], rec, cnt)
	}
	if want := "fault exec\nabout to crash\n"; stdout() != want {
		t.Errorf("output %q, want %q", stdout(), want)
	}
}

// TestProbeCountReusedTLS: threads made one after another get the TLS of
// the one before (glibc reuses a joined thread's stack): a TLS of a thread
// gone is no TLS shared, so the slots stay (one, reused), counts exact.
func TestProbeCountReusedTLS(t *testing.T) {
	p, stdout := launch(t, fixture.C(t, "seqthreads.c", "-O0", "-g"), false, "20", "1000")
	pr := runCountProbe(t, p, "hot")
	if want := "calls=20000 sum=20000000\n"; stdout() != want || pr.Hits() != 20000 ||
		p.probes.count.key != keySelf || claimedSlots(pr) > 2 {
		t.Errorf("output %q, hits %d, key %d, slots %d; want %q, 20000, keySelf, 1 or 2",
			stdout(), pr.Hits(), p.probes.count.key, claimedSlots(pr), want)
	}
}

// TestProbeRecordTidBeforeTLS: a recording probe set at the exec's stop,
// before any thread has a TLS, reads the tid from glibc's struct pthread
// all the same (the program's loader is glibc's), checked at the first
// stop of a thread that has one: 4 pthreads' records name those 4
// threads. A thread with no TLS at all takes gettid's tid (its load
// faults; godbg sends it on), and the program never sees the fault.
func TestProbeRecordTidBeforeTLS(t *testing.T) {
	p, stdout := launch(t, fixture.C(t, "cthreads.c", "-O0", "-g"), false, "4", "5000")
	pr, err := p.SetProbe(mustSym(t, p, "work"), "work", ProbeOptions{Record: true})
	if err != nil || pr.Kind != "jump" || !p.probes.tidUnchecked {
		t.Fatalf("SetProbe = %v, %v (tid unchecked: %v)", pr, err, p.probes.tidUnchecked)
	}
	born := map[int]bool{}
	recs := map[int]int{}
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		if ev.Kind == EventThread {
			born[ev.Tid] = true
		}
		return false, p.DrainProbes(func(r *ProbeRecord) error { recs[r.Tid]++; return nil })
	})
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
		t.Fatalf("Continue = %+v, %v", ev, err)
	}
	p.DrainProbes(func(r *ProbeRecord) error { recs[r.Tid]++; return nil })
	for tid, n := range recs {
		if !born[tid] || n != 5000 {
			t.Errorf("%d records of tid %d (a thread of the program's: %v)", n, tid, born[tid])
		}
	}
	if len(recs) != 4 || p.probes.tidUnchecked || p.probes.notGlibc || stdout() != "threads=4 calls=20000 sum=99980000\n" {
		t.Errorf("records of %d threads, unchecked %v, not glibc %v, output %q", len(recs), p.probes.tidUnchecked, p.probes.notGlibc, stdout())
	}

	p, stdout = launch(t, fixture.C(t, "rawclone.c", "-O0", "-g"), false, "notls", "3000")
	pr, err = p.SetProbe(mustSym(t, p, "hot"), "hot", ProbeOptions{Record: true})
	if err != nil || pr.Kind != "jump" {
		t.Fatalf("SetProbe = %v, %v", pr, err)
	}
	recs = map[int]int{}
	runProbes(t, p, func(r *ProbeRecord) error { recs[r.Tid]++; return nil })
	if len(recs) != 2 || recs[p.Pid()] != 3000 || stdout() != "calls=6000 sum=18000000\n" {
		t.Errorf("records by tid %v, output %q; want 3000 each of 2 threads (main %d)", recs, stdout(), p.Pid())
	}
}

// TestProbeRecordTidNotGlibc: where the check finds no tid at glibc's
// offset, every recording trampoline of the process calls gettid from then
// on (its load becomes a jmp): the records name the thread all the same.
func TestProbeRecordTidNotGlibc(t *testing.T) {
	p, stdout := launch(t, fixture.C(t, "hotloop.c", "-O0", "-g"), false, "3000")
	mb, err := p.SetBreakpoint(mustSym(t, p, "main"), "main")
	if err != nil {
		t.Fatal(err)
	}
	if ev, err := p.Continue(nil); err != nil || ev.Bp != mb {
		t.Fatalf("to main: %+v, %v", ev, err)
	}
	pr, err := p.SetProbe(mustSym(t, p, "hot"), "hot", ProbeOptions{Record: true})
	if err != nil || pr.Kind != "jump" {
		t.Fatalf("SetProbe = %v, %v", pr, err)
	}
	// A struct pthread that is not glibc's, as it were: another tid there.
	r, err := p.current.Regs()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WriteMemory(Addr(r.Fs_base+glibcTidOff), []byte{0xff, 0xff, 0xff, 0x7f}); err != nil {
		t.Fatal(err)
	}
	if err := p.checkGlibcTid(p.current); err != nil || !p.probes.notGlibc {
		t.Fatalf("checkGlibcTid: %v, not glibc %v", err, p.probes.notGlibc)
	}
	recs := map[int]int{}
	runProbes(t, p, func(r *ProbeRecord) error { recs[r.Tid]++; return nil })
	if len(recs) != 1 || recs[p.Pid()] != 3000 || stdout() != "calls=3000 sum=9000000\n" {
		t.Errorf("records by tid %v, output %q; want 3000 of tid %d", recs, stdout(), p.Pid())
	}
}

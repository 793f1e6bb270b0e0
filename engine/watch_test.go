package engine

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/godbg/godbg/internal/fixture"
)

func symAddr(t *testing.T, p *Process, name string) Addr {
	t.Helper()
	s, ok := p.Binary().LookupSym(name)
	if !ok {
		t.Fatalf("no symbol %s", name)
	}
	return s.Addr + p.Bias()
}

type watchHit struct {
	fn  string
	tid int
}

// watchRun sets one watchpoint on sym and runs prog to its end, recording
// the function holding each hit's pc.
func watchRun(t *testing.T, prog, sym string, mode WatchMode, kind WatchKind) ([]watchHit, string, *Process) {
	t.Helper()
	p, out := launch(t, prog, false)
	wp, err := p.SetWatchpoint(symAddr(t, p, sym), 8, mode)
	if err != nil {
		t.Fatal(err)
	}
	checkKind(t, wp, kind)
	var hits []watchHit
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		if ev.Kind != EventWatch {
			return false, nil
		}
		if ev.Wp != wp || ev.Addr != wp.Addr {
			t.Errorf("event %+v: want wp %d at %v", ev, wp.ID, wp.Addr)
		}
		name := "?"
		if f, ok := p.Binary().FuncAt(ev.PC - p.Bias()); ok {
			name = f.Name
		}
		hits = append(hits, watchHit{name, ev.Tid})
		return false, nil
	})
	if err != nil {
		t.Fatalf("Continue: %v", err)
	}
	if ev.Kind != EventExit || ev.ExitCode != 0 || ev.ExitSignal != 0 {
		t.Fatalf("got %+v, want a clean exit", ev)
	}
	if wp.Hits != len(hits) {
		t.Errorf("wp.Hits = %d, hook saw %d", wp.Hits, len(hits))
	}
	return hits, out(), p
}

func checkWriters(t *testing.T, hits []watchHit, want []string, pid int) {
	t.Helper()
	var got []string
	for _, h := range hits {
		got = append(got, h.fn)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("writers %v, want %v", got, want)
	}
}

func TestWatchWritersC(t *testing.T) { eachWatchKind(t, testWatchWritersC) }

func testWatchWritersC(t *testing.T, kind WatchKind) {
	for _, flags := range [][]string{{"-O0", "-g"}, {"-O2", "-g", "-no-pie"}} {
		prog := fixture.C(t, "watchme.c", flags...)
		hits, out, p := watchRun(t, prog, "counter", WatchWrite, kind)
		checkWriters(t, hits, []string{"writer_a", "writer_a", "writer_a", "writer_b", "writer_b", "writer_b"}, p.Pid())
		// writer_a runs on the main thread, writer_b on the thread born later.
		if hits[0].tid != p.Pid() || hits[3].tid == p.Pid() {
			t.Errorf("%v: tids %+v: want writer_a on %d and writer_b on another", flags, hits, p.Pid())
		}
		if out != "read=30\n" {
			t.Errorf("%v: output %q", flags, out)
		}
	}
}

func TestWatchReadWriteC(t *testing.T) {
	eachWatchKind(t, func(t *testing.T, kind WatchKind) {
		prog := fixture.C(t, "watchme.c", "-O0", "-g")
		hits, _, p := watchRun(t, prog, "counter", WatchReadWrite, kind)
		checkWriters(t, hits, []string{"writer_a", "writer_a", "writer_a", "writer_b", "writer_b", "writer_b", "reader"}, p.Pid())
	})
}

func TestWatchWritersGo(t *testing.T) { eachWatchKind(t, testWatchWritersGo) }

func testWatchWritersGo(t *testing.T, kind WatchKind) {
	prog := fixture.GoDebug(t, "gowatch")
	hits, out, p := watchRun(t, prog, "main.counter", WatchWrite, kind)
	checkWriters(t, hits, []string{"main.WriterA", "main.WriterA", "main.WriterA", "main.WriterB", "main.WriterB", "main.WriterB"}, p.Pid())
	if out != "read=30\n" {
		t.Errorf("output %q", out)
	}
	hits, _, p = watchRun(t, prog, "main.counter", WatchReadWrite, kind)
	checkWriters(t, hits, []string{"main.WriterA", "main.WriterA", "main.WriterA", "main.WriterB", "main.WriterB", "main.WriterB", "main.Reader"}, p.Pid())
}

// TestWatchLimitsAndDelete: four hardware watchpoints, then a fifth that
// is software (or refused when hardware is asked for); 60 software ones,
// the 61st refused.
func TestWatchLimitsAndDelete(t *testing.T) { eachWatchKind(t, testWatchLimitsAndDelete) }

func testWatchLimitsAndDelete(t *testing.T, kind WatchKind) {
	prog := fixture.C(t, "watchme.c", "-O0", "-g")
	p, out := launch(t, prog, false)
	base := symAddr(t, p, "counter")
	if _, err := p.SetWatchpoint(base+1, 8, WatchWrite); err == nil || !strings.Contains(err.Error(), "not aligned") {
		t.Errorf("misaligned watch: got %v", err)
	}
	var wps []*Watchpoint
	limit := maxSoftWatch
	if kind == WatchHardware {
		limit = 4
	}
	for i := 0; i < limit; i++ {
		wp, err := p.SetWatchpoint(base, 8, WatchWrite)
		if err != nil {
			t.Fatalf("watch %d: %v", i+1, err)
		}
		checkKind(t, wp, kind)
		wps = append(wps, wp)
	}
	if kind == WatchHardware {
		if _, err := p.SetWatchpointKind(base, 8, WatchWrite, WatchHardware); err == nil || !strings.Contains(err.Error(), "all 4 hardware watchpoints") {
			t.Errorf("5th hardware watch: got %v", err)
		}
		if dr7, err := p.CurrentThread().DebugReg(7); err != nil || dr7&0xff != 0x55 {
			t.Errorf("DR7 = %#x, %v: want L0-L3 set", dr7, err)
		}
		wp, err := p.SetWatchpoint(base, 8, WatchWrite)
		if err != nil || wp.Kind != WatchSoftware {
			t.Fatalf("5th watch: got %v, %v; want a software watchpoint", wp, err)
		}
		wps = append(wps, wp)
	} else if _, err := p.SetWatchpointKind(base, 8, WatchWrite, WatchSoftware); err == nil || !strings.Contains(err.Error(), "all 60 software watchpoints") {
		t.Errorf("61st software watch: got %v", err)
	}
	for _, wp := range wps[1:] {
		if err := p.ClearWatchpoint(wp); err != nil {
			t.Fatal(err)
		}
	}
	// One watchpoint left: the first write stops; deleting it in the hook
	// (other threads running) lets the program run to its end unwatched.
	n := 0
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		if ev.Kind == EventWatch {
			n++
			return false, p.ClearWatchpoint(ev.Wp)
		}
		return false, nil
	})
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
		t.Fatalf("got %+v, %v", ev, err)
	}
	if n != 1 || out() != "read=30\n" {
		t.Errorf("hits %d, output %q: want 1 and read=30", n, out())
	}
}

// TestWatchDetach detaches in the middle (a thread of the program is born
// later): the program must run to its end, which it would not with a debug
// register left set (an untraced SIGTRAP kills it).
func TestWatchDetach(t *testing.T) { eachWatchKind(t, testWatchDetach) }

func testWatchDetach(t *testing.T, kind WatchKind) {
	prog := fixture.C(t, "watchme.c", "-O0", "-g")
	p, out := launch(t, prog, false)
	wp, err := p.SetWatchpoint(symAddr(t, p, "counter"), 8, WatchWrite)
	if err != nil {
		t.Fatal(err)
	}
	checkKind(t, wp, kind)
	ev, err := p.Continue(nil)
	if err != nil || ev.Kind != EventWatch || ev.Wp != wp {
		t.Fatalf("got %+v, %v: want the first watch hit", ev, err)
	}
	if err := p.Detach(); err != nil {
		t.Fatal(err)
	}
	if !wp.Deleted() {
		t.Error("watchpoint not deleted by Detach")
	}
	var ws unix.WaitStatus
	if _, err := unix.Wait4(p.Pid(), &ws, 0, nil); err != nil {
		t.Fatal(err)
	}
	if !ws.Exited() || ws.ExitStatus() != 0 {
		t.Errorf("after detach: status %v, want exit 0", ws)
	}
	if out() != "read=30\n" {
		t.Errorf("output %q", out())
	}
}

// TestWatchFromHookGo sets a watchpoint from a breakpoint's hook while the
// other threads run: every one of the 16000 atomic writes that follow is
// seen, on whichever thread (threads born later included).
func TestWatchFromHookGo(t *testing.T) { eachWatchKind(t, testWatchFromHookGo) }

func testWatchFromHookGo(t *testing.T, kind WatchKind) {
	prog := fixture.GoDebug(t, "gomulti")
	p, out := launch(t, prog, false, "8", "2000")
	if _, err := p.SetBreakpoint(mustSym(t, p, "main.Work"), "main.Work"); err != nil {
		t.Fatal(err)
	}
	var wp *Watchpoint
	var err error
	tids := map[int]bool{}
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		switch ev.Kind {
		case EventBreakpoint:
			if wp != nil {
				return false, nil
			}
			// The breakpoint stays: deleting it here while other threads
			// may have hit it already is another matter (see the report).
			wp, err = p.SetWatchpoint(symAddr(t, p, "main.total"), 8, WatchWrite)
			return err != nil, err
		case EventWatch:
			tids[ev.Tid] = true
		}
		return false, nil
	})
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
		t.Fatalf("got %+v, %v; output %q", ev, err, out())
	}
	if wp == nil || wp.Hits != 16000 {
		t.Fatalf("watch hits %v, want 16000", wp)
	}
	checkKind(t, wp, kind)
	if want := "goroutines=8 calls=16000 sum=31984000\n"; out() != want {
		t.Errorf("output %q, want %q", out(), want)
	}
	t.Logf("writes seen on %d threads", len(tids))
}

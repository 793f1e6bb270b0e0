package engine

import (
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

func TestGoroutineIDPerHit(t *testing.T) {
	p, _ := launch(t, fixture.GoDebug(t, "gomulti"), false, "4", "500")
	bp, err := p.SetBreakpoint(mustSym(t, p, "main.Work"), "main.Work")
	if err != nil {
		t.Fatal(err)
	}
	perG := map[int64]int{}
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		if ev.Bp == bp {
			id, ok := ev.Thread.GoroutineID()
			if !ok {
				t.Errorf("no goroutine id at hit %d", bp.Hits)
			}
			perG[id]++
		}
		return false, nil
	})
	if err != nil || ev.Kind != EventExit {
		t.Fatalf("Continue: %v %v", ev, err)
	}
	if len(perG) != 4 {
		t.Fatalf("hits by goroutine %v: want 4 goroutines", perG)
	}
	for id, n := range perG {
		if n != 500 || id <= 1 {
			t.Errorf("goroutine %d: %d hits, want 500 (and id > 1)", id, n)
		}
	}
}

func TestBacktraceAtSegfault(t *testing.T) {
	for _, flags := range [][]string{{"-O0", "-g"}, {"-O2", "-g", "-fomit-frame-pointer"}} {
		p, _ := launch(t, fixture.C(t, "crash.c", flags...), false)
		ev, err := p.Continue(nil)
		if err != nil || ev.Kind != EventSignal {
			t.Fatalf("%v: %v %v", flags, ev, err)
		}
		frames, err := ev.Thread.Backtrace(10)
		if err != nil {
			t.Fatalf("%v: Backtrace: %v", flags, err)
		}
		var names []string
		for _, f := range frames {
			names = append(names, f.Func)
		}
		if len(names) < 3 || names[0] != "inner" || names[1] != "outer" || names[2] != "main" {
			t.Errorf("%v: frames %v, want inner, outer, main", flags, names)
		}
	}
}

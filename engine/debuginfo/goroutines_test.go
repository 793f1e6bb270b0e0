package debuginfo

import (
	"sort"
	"testing"
)

// TestGoroutines stops main in Greet after three workers have blocked on a
// channel: main runs, the workers wait, and every start function is known.
func TestGoroutines(t *testing.T) {
	tr := goVars(t, "mid")
	r := tr.regs()
	o, err := tr.info.GoroutineOffsets()
	if err != nil {
		t.Fatal(err)
	}
	if o.Goid <= 0 || o.SchedPC <= 0 || o.AtomicStatus <= 0 || o.StackHi != 8 || o.AllGs == 0 {
		t.Errorf("GoroutineOffsets = %+v", o)
	}
	id, ok := tr.info.GoroutineID(tr, r)
	if !ok || id != 1 {
		t.Errorf("GoroutineID = %d, %v; want 1, true", id, ok)
	}
	gs, err := tr.info.GoroutinesWithThreads(tr, []Registers{r})
	if err != nil {
		t.Fatal(err)
	}
	var workers []Goroutine
	var main *Goroutine
	for k, g := range gs {
		switch {
		case g.ID == 1:
			main = &gs[k]
		case g.StartFunc == "main.main.gowrap1":
			workers = append(workers, g)
		}
	}
	if main == nil || main.Status != "running" || main.StartFunc != "runtime.main" || main.Func != "main.Greet" || main.PC != r.PC() {
		t.Errorf("main goroutine = %+v", main)
	}
	if len(workers) != 3 {
		t.Fatalf("got %d workers, want 3: %+v", len(workers), gs)
	}
	sort.Slice(workers, func(a, b int) bool { return workers[a].ID < workers[b].ID })
	for _, w := range workers {
		if w.Status != "waiting" || w.Func != "runtime.gopark" || w.ID <= 1 {
			t.Errorf("worker %+v, want waiting in runtime.gopark", w)
		}
	}
}

// TestGoroutinesCProgram: a C program has no runtime.g.
func TestGoroutinesCProgram(t *testing.T) {
	tr := cVars(t, "-O0", "-g")
	if _, err := tr.info.Goroutines(tr); err == nil {
		t.Error("Goroutines of a C program: no error")
	}
	if _, ok := tr.info.GoroutineID(tr, tr.regs()); ok {
		t.Error("GoroutineID of a C program: ok")
	}
}

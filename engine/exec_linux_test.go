package engine

import (
	"path/filepath"
	"syscall"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// execRun runs faults.c's "exec" mode under the engine with breakpoints on
// the functions named, and returns the exec events the hook saw (each with
// the breakpoints the process had then), the events on which Continue
// returned until the exit, and the breakpoints. atExec runs in the exec's
// hook.
func execRun(t *testing.T, args []string, fns []string, atExec func(p *Process)) (*Process, []ExecInfo, [][]*Breakpoint, []*Event, []*Breakpoint, string) {
	t.Helper()
	prog := fixture.C(t, "faults.c", "-O0", "-g")
	p, stdout := launch(t, prog, false, append([]string{"exec"}, args...)...)
	var bps []*Breakpoint
	for _, fn := range fns {
		bp, err := p.SetBreakpoint(mustSym(t, p, fn), fn)
		if err != nil {
			t.Fatal(err)
		}
		bps = append(bps, bp)
	}
	var execs []ExecInfo
	var atEach [][]*Breakpoint
	var stops []*Event
	for {
		ev, err := p.Continue(func(ev *Event) (bool, error) {
			if ev.Kind == EventExec {
				execs = append(execs, *ev.Exec)
				atEach = append(atEach, p.Breakpoints())
				if atExec != nil {
					atExec(p)
				}
			}
			return ev.Kind == EventBreakpoint, nil
		})
		if err != nil {
			t.Fatalf("Continue: %v", err)
		}
		stops = append(stops, ev)
		if ev.Kind == EventExit {
			break
		}
	}
	return p, execs, atEach, stops, bps, stdout()
}

// TestExecAnotherProgram: after an exec of another program the engine
// reads the new program's symbols, and the old program's breakpoints (3)
// are dropped: disabled, deleted, counted in ExecInfo. A breakpoint set on
// the new program after the exec hits (once), and the new program's fault
// is reported at its function.
func TestExecAnotherProgram(t *testing.T) {
	crash := fixture.C(t, "crash.c", "-O0", "-g")
	real, err := filepath.EvalSymlinks(crash)
	if err != nil {
		t.Fatal(err)
	}
	var inner *Breakpoint
	var innerFound, oldFound bool
	p, execs, atExec, stops, bps, out := execRun(t, []string{crash}, []string{"fault_segv", "fault_fpe", "fault_bus"}, func(p *Process) {
		_, innerFound = p.LookupSym("inner")
		_, oldFound = p.LookupSym("fault_segv")
		var err error
		if inner, err = p.SetBreakpoint(mustSym(t, p, "inner"), "inner"); err != nil {
			t.Errorf("breakpoint on inner after the exec: %v", err)
		}
	})
	if len(execs) != 1 {
		t.Fatalf("%d exec events, want 1: %+v", len(execs), execs)
	}
	x := execs[0]
	if x.Path != real || x.Pid != p.Pid() || x.Child || !x.Reloaded || x.Dropped != 3 || x.Err != nil {
		t.Errorf("ExecInfo %+v, want Path %s, Pid %d, Reloaded, Dropped 3", x, real, p.Pid())
	}
	if len(atExec[0]) != 0 {
		t.Errorf("%d breakpoints after the exec, want 0", len(atExec[0]))
	}
	for _, bp := range bps {
		if bp.Enabled || !bp.Deleted() || bp.Hits != 0 {
			t.Errorf("old breakpoint %s: enabled %v deleted %v hits %d, want disabled, deleted, 0 hits", bp.Loc, bp.Enabled, bp.Deleted(), bp.Hits)
		}
	}
	if !innerFound || oldFound {
		t.Errorf("after the exec: inner found %v, fault_segv found %v; want the new program's symbols only", innerFound, oldFound)
	}
	if len(stops) != 2 || stops[0].Kind != EventBreakpoint || stops[0].Bp != inner || inner.Hits != 1 ||
		stops[1].ExitSignal != syscall.SIGSEGV {
		t.Fatalf("stops %+v (inner %+v), want inner's breakpoint then the exit by SIGSEGV", stops, inner)
	}
	if s, ok := p.FuncAt(stops[0].Addr); !ok || s.Sym.Name != "inner" {
		t.Errorf("FuncAt(%v) = %+v, want inner", stops[0].Addr, s)
	}
	if want := "fault exec\nabout to crash\n"; out != want {
		t.Errorf("output %q, want %q", out, want)
	}
}

// TestExecSameProgram: an exec of the same program keeps its breakpoints
// (2), inserted anew: fault_segv hits in the new image, once.
func TestExecSameProgram(t *testing.T) {
	prog := fixture.C(t, "faults.c", "-O0", "-g")
	real, err := filepath.EvalSymlinks(prog)
	if err != nil {
		t.Fatal(err)
	}
	p, execs, atExec, stops, bps, out := execRun(t, []string{prog, "segv"}, []string{"fault_segv", "fault_fpe"}, nil)
	if len(execs) != 1 {
		t.Fatalf("%d exec events, want 1: %+v", len(execs), execs)
	}
	x := execs[0]
	if x.Path != real || x.Pid != p.Pid() || x.Reloaded || x.Dropped != 0 || x.Err != nil {
		t.Errorf("ExecInfo %+v, want Path %s, Pid %d, not reloaded, nothing dropped", x, real, p.Pid())
	}
	if len(atExec[0]) != 2 || atExec[0][0] != bps[0] || atExec[0][1] != bps[1] {
		t.Errorf("breakpoints after the exec %v, want the 2 set before", atExec[0])
	}
	if len(stops) != 2 || stops[0].Bp != bps[0] || bps[0].Hits != 1 || bps[1].Hits != 0 || stops[1].ExitSignal != syscall.SIGSEGV {
		t.Fatalf("stops %+v, hits %d %d; want fault_segv's breakpoint (1 hit, fault_fpe 0) then the exit by SIGSEGV",
			stops, bps[0].Hits, bps[1].Hits)
	}
	if want := "fault exec\nfault segv\n"; out != want {
		t.Errorf("output %q, want %q", out, want)
	}
}

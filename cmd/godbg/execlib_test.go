package main

import (
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// TestExecSameProgramLibraryBreakpoints: after an exec of the same program
// a breakpoint in a library waits for the library (pending) and is placed
// again at the same function and offset, as gdb re-sets it: printf hits
// before the exec and after it (2, as gdb counts), at the same address.
func TestExecSameProgramLibraryBreakpoints(t *testing.T) {
	faults := target(t, fixture.C(t, "faults.c", "-O0", "-g"))
	script := writeFile(t, "execlib.lua", `local n = 0
local bp = brk("printf", function(ev) n = n + 1 end)
local at = bp.addr
on("exec", function(ev) printf("exec pending=%s", tostring(bp.pending)) end)
on("exit", function(ev)
  printf("printf hits=%d pending=%s same=%s", n, tostring(bp.pending), tostring(bp.addr == at))
end)`)
	r := godbg(t, "run", script, faults, "exec", faults, "segv")
	want := "fault exec\nexec pending=true\nfault segv\nprintf hits=2 pending=false same=true\n"
	if sortedLines(r.stdout) != sortedLines(want) || r.status != 139 {
		t.Errorf("status %d, stdout %q, stderr %q; want 139, %q", r.status, r.stdout, r.stderr, want)
	}
}

package main

import (
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// followReturnScript counts, per process, the returns of handle() (with
// the sum of their values, read from rax and rets()) and of fork(): the
// parent's fork() returns each child's pid, each child's copy of that call
// (in flight at the fork, its return trap planted in the parent) returns 0
// in the child. ON_RETURN is where the on_return breakpoints are set: before
// the run, or in on("fork") of the first worker (the parent's fork() calls
// from then on, and every worker's handle()).
const followReturnScript = `
local first = threads()[1]
local n, sum, bad, forkret, kids, forks, zeros = {}, {}, 0, {}, {}, 0, 0
local function watch()
	brk("handle", {on_return=function(ev)
		n[ev.pid] = (n[ev.pid] or 0) + 1
		sum[ev.pid] = (sum[ev.pid] or 0) + regs.rax
		if rets()[1] ~= regs.rax or ev.tid ~= ev.pid then bad = bad + 1 end
	end})
	brk("fork", {on_return=function(ev)
		if ev.pid == first then
			table.insert(forkret, regs.rax)
		elseif regs.rax == 0 and not kids[ev.pid].returned then
			kids[ev.pid].returned = true
			zeros = zeros + 1
		else
			bad = bad + 1
		end
	end})
end
on("fork", function(ev)
	forks = forks + 1
	kids[ev.pid] = {}
	if forks == 1 and LATE then watch() end
end)
if not LATE then watch() end
on("exit", function(ev)
	if ev.pid == first then
		local ok = 0
		for _, v in ipairs(forkret) do if kids[v] and kids[v].returned then ok = ok + 1 end end
		printf("first: code %d handle %d fork returns %s in both %s bad %d", ev.code, n[ev.pid] or 0,
			LATE and "n" or #forkret, ok == #forkret and zeros == #forkret, bad)
	else
		printf("child: code %d handle %d sum %d", ev.code, n[ev.pid] or 0, sum[ev.pid] or 0)
	end
end)
`

// on_return in followed children: a breakpoint watched for returns before
// the run (copied into each worker at its fork) reports each worker's k+2
// returns of handle(req) in that worker, with its pid and the value req*2
// (sum (k+2)(k+3)); the parent's fork() call in flight at each fork returns
// in the child too, through the child's copy of the return trap, with 0,
// and in the parent with the child's pid. Set in on("fork") of the first
// worker, the same breakpoints reach the worker born already and those
// born later; the parent runs on meanwhile, so how many of its later
// fork() calls had the trap varies, but each that returns in the parent
// returns in its child too (0), the first worker's none.
func TestFollowForksOnReturn(t *testing.T) {
	prog := target(t, fixture.C(t, "forkserver.c", "-O0", "-g"))
	workers := "child: code 0 handle 2 sum 6\nchild: code 1 handle 3 sum 12\nchild: code 2 handle 4 sum 20\nchild: code 3 handle 5 sum 30\n"
	for _, c := range []struct {
		late bool
		want string
	}{
		{false, workers + "first: code 0 handle 0 fork returns 4 in both true bad 0\nworkers ok 4"},
		{true, workers + "first: code 0 handle 0 fork returns n in both true bad 0\nworkers ok 4"},
	} {
		script := strings.Replace(followReturnScript, "LATE", map[bool]string{false: "false", true: "true"}[c.late], -1)
		res := godbg(t, "run", "-f", "-e", script, prog)
		if got := sortedLines(res.stdout); res.status != 0 || res.stderr != "" || got != c.want {
			t.Errorf("late=%t: status %d, stderr %q, stdout (sorted):\n%s\nwant:\n%s", c.late, res.status, res.stderr, got, c.want)
		}
		noProcessLeft(t, prog)
	}
}

// followProbeScript sets probe("handle", FN) before the run (EARLY) or in
// on("fork") of the first worker, and runs DEL at each fork after; each
// process's exit prints the records it made (by ev.pid), the sum of their
// argument (rdi) and whether handle's code was the file's when the process
// last passed the end of its work (a breakpoint at the worker's _exit line
// and at the parent's printf: the bytes as the CPU sees them).
const followProbeScript = `
local first, forks, recs, sum, bad, clean, pr = threads()[1], 0, {}, {}, 0, {}, nil
local h = sym("handle")
local orig = mem(h, 16)
local function check(ev) clean[ev.pid] = mem(h, 16) == orig end
brk("forkserver.c:24", check)
brk("forkserver.c:40", check)
local function set() pr = probe("handle", FN) end
if EARLY then set() end
on("fork", function(ev)
	forks = forks + 1
	if forks == 1 and not EARLY then set() end
	DEL
end)
on("exit", function(ev)
	if ev.pid == first then
		printf("first: code %d records %d hits %d clean %s bad %d", ev.code, recs[ev.pid] or 0, pr.hits, tostring(clean[ev.pid]), bad)
	else
		printf("child: code %d records %d sum %d clean %s", ev.code, recs[ev.pid] or 0, sum[ev.pid] or 0, tostring(clean[ev.pid]))
	end
end)
`

// A probe set in on("fork") of the first worker, while the parent runs on
// (its copy of the probe goes in with its threads stopped for that
// moment), reaches that worker and the parent, and through the parent's
// copy of the code the workers born later: the 4 workers make k+2 hits
// each, pr.hits is 14, and each record carries the pid of the worker that
// made it with the request as argument (sum (k+2)(k+3)/2). Set before the
// run, the workers' trampolines are copies of the parent's, which record
// each worker's pid all the same. A counting probe counts the same 14.
// Deleted at the 3rd fork, it leaves no hit and handle's code as the
// file's in every process: the parent writes its first request after its
// 4th fork, whose event godbg handles only after the 3rd's hook returned
// (at the 4th fork's own hook the parent already runs on: a delete there
// raced with worker 0's first requests, 1 run in 6).
func TestFollowForksLiveProbe(t *testing.T) {
	prog := target(t, fixture.C(t, "forkserver.c", "-O0", "-g"))
	rec := `function(ev)
	recs[ev.pid] = (recs[ev.pid] or 0) + 1
	sum[ev.pid] = (sum[ev.pid] or 0) + ev.regs.rdi
	if ev.tid ~= ev.pid then bad = bad + 1 end
end`
	recorded := "child: code 0 records 2 sum 3 clean false\nchild: code 1 records 3 sum 6 clean false\n" +
		"child: code 2 records 4 sum 10 clean false\nchild: code 3 records 5 sum 15 clean false\n" +
		"first: code 0 records 0 hits 14 clean false bad 0\nworkers ok 4"
	counted := "child: code 0 records 0 sum 0 clean false\nchild: code 1 records 0 sum 0 clean false\n" +
		"child: code 2 records 0 sum 0 clean false\nchild: code 3 records 0 sum 0 clean false\n" +
		"first: code 0 records 0 hits 14 clean false bad 0\nworkers ok 4"
	deleted := "child: code 0 records 0 sum 0 clean true\nchild: code 1 records 0 sum 0 clean true\n" +
		"child: code 2 records 0 sum 0 clean true\nchild: code 3 records 0 sum 0 clean true\n" +
		"first: code 0 records 0 hits 0 clean true bad 0\nworkers ok 4"
	del := "if forks == 3 then pr:delete() end"
	for _, c := range []struct {
		name, early, fn, del, want string
	}{
		{"record", "false", rec, "", recorded},
		{"count", "false", "nil", "", counted},
		{"delete", "false", rec, del, deleted},
		{"record-early", "true", rec, "", recorded},
		{"count-early", "true", "nil", "", counted},
		{"delete-early", "true", rec, del, deleted},
	} {
		script := strings.NewReplacer("EARLY", c.early, "FN", c.fn, "DEL", c.del).Replace(followProbeScript)
		res := godbg(t, "run", "-f", "-e", script, prog)
		if got := sortedLines(res.stdout); res.status != 0 || res.stderr != "" || got != c.want {
			t.Errorf("%s: status %d, stderr %q, stdout (sorted):\n%s\nwant:\n%s", c.name, res.status, res.stderr, got, c.want)
		}
		noProcessLeft(t, prog)
	}
}

// detach() from a worker's hit, with a probe on handle in every process
// (set before the run: the workers hold copies of the parent's jump and
// trampolines), lets each process go with its code back and its
// trampolines unmapped where no stack points into them: the workers
// finish their requests through the original code (a jump left into an
// unmapped trampoline would kill them).
func TestFollowForksProbeDetach(t *testing.T) {
	prog := target(t, fixture.C(t, "forkserver.c", "-O0", "-g"))
	script := `local pr = probe("handle", function(ev) end)` + fromWorker("detach")
	res := godbg(t, "run", "-f", "-e", script, prog)
	if got := sortedLines(res.stdout); res.status != 0 || res.stderr != "" || got != "end detach\nthreads 5\nworkers ok 4" {
		t.Errorf("status %d, stdout %q, stderr %q", res.status, res.stdout, res.stderr)
	}
}

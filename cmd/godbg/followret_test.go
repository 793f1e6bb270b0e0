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

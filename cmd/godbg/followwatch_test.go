package main

import (
	"sort"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// followWatchScript watches forkwatch's counter with -f: params.case
// "before" sets the watchpoint before the forks, "fork" in the first
// child's on("fork") (the parent then blocked in waitpid for it); "delete",
// "detach" and "kill" set it before the forks and do that from the first
// child's second hit (the parent blocked in waitpid, inside the call). Each
// process's hits are listed at its exit as old->new values, old its
// previous hit's value (a child's first: the counter it was forked with).
const followWatchScript = `
first_pid = threads()[1]
local last, seen, wp = {}, {}, nil
local function set()
	local addr = sym("counter")
	wp = watch(addr, 8, "w", function(ev)
		assert(ev.reason == "watch" and ev.wp == wp and ev.addr == addr and ev.tid == ev.pid)
		local new = mem.i64(ev.addr)
		seen[ev.pid] = (seen[ev.pid] or "") .. string.format(" %d->%d", last[ev.pid] or 0, new)
		last[ev.pid] = new
		if ev.pid ~= first_pid and new == 5 then
			if params.case == "delete" then wp:delete() end
			if params.case == "detach" then detach() end
			if params.case == "kill" then kill() end
		end
	end)
end
if params.case ~= "fork" then set() end
on("fork", function(ev)
	last[ev.pid] = mem.i64(sym("counter")) -- the child's memory: its event
	last[ev.parent] = last[ev.parent] or last[ev.pid] -- the parent's, unwatched so far
	if params.case == "fork" and wp == nil then set() end
end)
on("end", function(ev) printf("end %s", ev.how) end)
on("exit", function(ev)
	local who = ev.pid == first_pid and "first" or "child"
	printf("%s: code %s:%s", who, tostring(ev.code or ev.signal), seen[ev.pid] or "")
	if who == "first" then printf("hits %d deleted %s", wp.hits, tostring(wp.deleted)) end
end)
`

// With -f a fork child gets its parent's watchpoints (the page a software
// one protects stays protected in its copy, handled by the child's
// process), a watch() set in a child's callback reaches every live process
// and the children born later, and wp:delete() from a child's callback
// takes it out of every process: exact hits by pid, with the values the
// writes left. forkwatch: the parent writes 1..3, forks child 1 (4..7,
// exit 7), waits, forks child 2 (4..8, exit 8), waits, writes 4..5.
func TestFollowForksWatch(t *testing.T) {
	modes, def := watchModes(t)
	if def != "hardware" {
		t.Log("*** the CPU's debug registers do NOT fire on this machine: the hardware path of watchpoints in followed processes is NOT exercised here; both runs use software watchpoints ***")
	}
	prog := target(t, fixture.C(t, "forkwatch.c", "-O0", "-g"))
	out := "parent=5 child1=7 child2=8"
	c1 := "child: code 7: 3->4 4->5 5->6 6->7"
	c2 := "child: code 8: 3->4 4->5 5->6 6->7 7->8"
	for _, c := range []struct {
		name   string
		status int
		want   []string
	}{
		{"before", 0, []string{c1, c2, "first: code 0: 0->1 1->2 2->3 3->4 4->5", "hits 14 deleted false", "end exit", out}},
		{"fork", 0, []string{c1, c2, "first: code 0: 3->4 4->5", "hits 11 deleted false", "end exit", out}},
		{"delete", 0, []string{"child: code 7: 3->4 4->5", "child: code 8:", "first: code 0: 0->1 1->2 2->3", "hits 5 deleted true", "end exit", out}},
		// Detached with the page protected in the parent and child 1:
		// both get it back and run on to the same output.
		{"detach", 0, []string{"end detach", out}},
		{"kill", 137, []string{"first: code SIGKILL: 0->1 1->2 2->3", "hits 5 deleted false", "end kill"}},
	} {
		for _, m := range modes {
			r := runIn(t, append([]string{"run", "-f"}, m...), "-a", "case="+c.name, "-e", followWatchScript, prog)
			lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
			sort.Strings(lines)
			want := append([]string(nil), c.want...)
			sort.Strings(want)
			if r.status != c.status || r.stderr != "" || strings.Join(lines, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s %v: status %d, stderr %q, stdout (sorted):\n%s\nwant:\n%s", c.name, m, r.status, r.stderr, strings.Join(lines, "\n"), strings.Join(want, "\n"))
			}
			if c.name != "detach" { // the detached program's end is reaped by init, when init gets to it
				noProcessLeft(t, prog)
			}
		}
	}
}

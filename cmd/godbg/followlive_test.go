package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// liveFollowScript numbers the fork events; at fork n it runs at[n]. Each
// process's exit prints its status and the hits of handle() it made, the
// first process's the breakpoint's total too.
const liveFollowScript = `
local first, forks, hits, bp = threads()[1], 0, {}, nil
local at = {}
SETUP
on("fork", function(ev)
	forks = forks + 1
	if at[forks] then at[forks](ev) end
end)
on("exit", function(ev)
	if ev.pid == first then
		printf("first: code %d hits %d total %d", ev.code, hits[ev.pid] or 0, bp and bp.hits or -1)
	else
		printf("child: code %d hits %d", ev.code, hits[ev.pid] or 0)
	end
end)
`

// A breakpoint set in on("fork") of the first worker, while the parent
// runs on and forks the next ones, reaches the parent and every worker, the
// one born already and those born later: the 4 workers make their k+2 hits
// each (14 on the one breakpoint), each counted with its own pid. No worker
// can call handle() before that moment (the first one waits for the hook,
// the parent writes the requests after its 4th fork). The hook spins
// first, so that the parent has mostly forked the second worker before the
// trap goes into its code: the child's copy is made right at its adoption.
// Disabling at the 2nd fork and enabling at the 3rd (before the parent
// writes anything) reaches every process too, the worker born with the
// breakpoint disabled included; deleting it at the 4th leaves no hit (a
// worker that ran into the trap just before is let through).
func TestFollowForksLiveBreakpoint(t *testing.T) {
	prog := target(t, fixture.C(t, "forkserver.c", "-O0", "-g"))
	set := `at[1] = function()
	local t0 = os.clock()
	while os.clock() - t0 < 0.2 do end
	bp = brk("handle", function(ev) hits[ev.pid] = (hits[ev.pid] or 0) + 1 end)
end
`
	all := "child: code 0 hits 2\nchild: code 1 hits 3\nchild: code 2 hits 4\nchild: code 3 hits 5\n" +
		"first: code 0 hits 0 total 14\nworkers ok 4"
	none := "child: code 0 hits 0\nchild: code 1 hits 0\nchild: code 2 hits 0\nchild: code 3 hits 0\n" +
		"first: code 0 hits 0 total 0\nworkers ok 4"
	for _, tc := range []struct{ name, script, want string }{
		{"set", set, all},
		{"disable-enable", set + "at[2] = function() bp:disable() end\nat[3] = function() bp:enable() end", all},
		{"delete", set + "at[4] = function() bp:delete() assert(bp.deleted) end", none},
		{"disable", set + "at[4] = function() bp:disable() end", none},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := godbg(t, "run", "-f", "-e", strings.Replace(liveFollowScript, "SETUP", tc.script, 1), prog)
			if got := sortedLines(res.stdout); res.status != 0 || res.stderr != "" || got != tc.want {
				t.Errorf("status %d, stderr %q, stdout (sorted):\n%s\nwant:\n%s", res.status, res.stderr, got, tc.want)
			}
			noProcessLeft(t, prog)
		})
	}
}

// A sys() hook set in on("fork") of the first worker reaches it, the
// parent and the workers born later: worker k makes k+3 read calls (k+2
// requests and the end of the pipe), the parent none after that moment.
// With --seccomp each process gets a filter for it.
func TestFollowForksLiveSys(t *testing.T) {
	prog := target(t, fixture.C(t, "forkserver.c", "-O0", "-g"))
	script := `
local first, reads, hook = threads()[1], {}, nil
on("fork", function(ev)
	if hook then return end
	hook = sys("read", function(e)
		if e.phase == "enter" then reads[e.pid] = (reads[e.pid] or 0) + 1 end
	end)
end)
on("exit", function(ev)
	printf("%s: code %d reads %d", ev.pid == first and "first" or "child", ev.code, reads[ev.pid] or 0)
end)`
	want := "child: code 0 reads 3\nchild: code 1 reads 4\nchild: code 2 reads 5\nchild: code 3 reads 6\n" +
		"first: code 0 reads 0\nworkers ok 4"
	for _, mode := range [][]string{{"-f"}, {"-f", "--seccomp"}} {
		t.Run(strings.Join(mode, ""), func(t *testing.T) {
			args := append(append([]string{"run"}, mode...), "-e", script, prog)
			res := godbg(t, args...)
			if got := sortedLines(res.stdout); res.status != 0 || res.stderr != "" || got != want {
				t.Errorf("status %d, stderr %q, stdout (sorted):\n%s\nwant:\n%s", res.status, res.stderr, got, want)
			}
			noProcessLeft(t, prog)
		})
	}
}

// A breakpoint pending on a library nobody has loaded yet is placed in
// each process that loads it: the two children dlopen the plugin and make
// 2 and 3 calls, the parent loads it after they ended and makes 1, all on
// the one breakpoint. Set before the forks, it is copied into each child;
// set in on("fork") of the first child, it reaches the parent (and so the
// second child) too.
func TestFollowForksPendingLibrary(t *testing.T) {
	built := fixture.C(t, "plugin.c", "-O0", "-g", "-shared", "-fPIC")
	lib := filepath.Join(t.TempDir(), "libplugin.so")
	if b, err := os.ReadFile(built); err != nil || os.WriteFile(lib, b, 0o755) != nil {
		t.Fatalf("copy %s: %v", built, err)
	}
	prog := target(t, fixture.C(t, "dlforker.c", "-O0", "-g"))
	const script = `
local first, hits, bp, forks = threads()[1], {}, nil, 0
local function set()
	bp = brk("plugin_add", function(ev) hits[ev.pid] = (hits[ev.pid] or 0) + 1 end, {pending = true})
	assert(bp.pending)
end
SETUP
on("fork", function(ev)
	forks = forks + 1
	if forks == 1 and not bp then set() end
end)
on("exit", function(ev)
	if ev.pid == first then
		printf("first: code %d hits %d total %d pending %s", ev.code, hits[ev.pid] or 0, bp.hits, tostring(bp.pending))
	else
		printf("child: code %d hits %d", ev.code, hits[ev.pid] or 0)
	end
end)`
	want := "child: code 0 hits 2\nchild: code 1 hits 3\nchildren ok 2, parent sum 1\nfirst: code 0 hits 1 total 6 pending false"
	for _, tc := range []struct{ name, setup string }{{"before", "set()"}, {"at-fork", ""}} {
		t.Run(tc.name, func(t *testing.T) {
			res := godbg(t, "run", "-f", "-e", strings.Replace(script, "SETUP", tc.setup, 1), prog, lib)
			if got := sortedLines(res.stdout); res.status != 0 || res.stderr != "" || got != want {
				t.Errorf("status %d, stderr %q, stdout (sorted):\n%s\nwant:\n%s", res.status, res.stderr, got, want)
			}
			noProcessLeft(t, prog)
		})
	}
}

// A breakpoint set in a child (on("fork")) reaches the parent; when that
// child then execs another program, the breakpoint lives on in the parent
// (not deleted: the parent still runs the code it names), which makes its
// 3 hits after the child ended.
func TestFollowForksLiveBreakpointOutlivesExec(t *testing.T) {
	prog := target(t, fixture.C(t, "forkexec.c", "-O0", "-g"))
	truePath, err := exec.LookPath("true")
	if err != nil {
		t.Fatal(err)
	}
	res := godbg(t, "run", "-f", "-e", `
local first, bp, hits = threads()[1], nil, {}
on("fork", function(ev)
	bp = brk("mark", function(e) hits[e.pid == first and "first" or "child"] = (hits[e.pid == first and "first" or "child"] or 0) + 1 end)
end)
on("exit", function(ev)
	if ev.pid == first then
		printf("first %d child %d total %d deleted %s", hits.first or 0, hits.child or 0, bp.hits, tostring(bp.deleted))
	end
end)`, prog, truePath)
	want := "child 0, marks 3\nfirst 3 child 0 total 3 deleted false"
	if got := sortedLines(res.stdout); res.status != 0 || got != want || res.stderr != "" {
		t.Errorf("status %d, stderr %q, stdout (sorted):\n%s\nwant:\n%s", res.status, res.stderr, got, want)
	}
	noProcessLeft(t, prog)
}

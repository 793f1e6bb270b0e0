package main

import (
	"sort"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// cont, step, finish and next_line raise in a callback the event loop runs
// (the nested loop would miss the stops already seen: 159,995 of 160,000
// hits counted on cthreads 8 20000): the error names SCRIPT:LINE and the
// way to do it, godbg exits 1, the tracee is killed and reaped.
func TestResumeFromCallbackRefused(t *testing.T) {
	threads := target(t, fixture.C(t, "cthreads.c", "-O0", "-g"))
	hello := target(t, fixture.C(t, "hello.c", "-O0", "-g"))
	faults := target(t, fixture.C(t, "faults.c", "-O0", "-g"))
	gomulti := target(t, fixture.Go(t, "gomulti"))
	nested := writeFile(t, "nested.lua", "local n = 0\nbrk(\"work\", function(ev)\n  n = n + 1\n  if n == 10 then cont() end\nend)\n")
	tests := []struct {
		name, op, script string
		args             []string
	}{
		{"cont in brk", "cont", "", []string{threads, "8", "20000"}},
		{"step in brk", "step", "brk('add', function() step() end)", []string{hello}},
		{"finish in brk", "finish", "brk('add', function() finish() end)", []string{hello}},
		{"next_line in brk", "next_line", "brk('add', function() next_line() end)", []string{hello}},
		{"cont in on_return", "cont", "brk('add', {on_return = function() cont() end})", []string{hello}},
		{"cont in sys", "cont", "sys('write', function() cont() end)", []string{hello}},
		{"step in on thread", "step", "on('thread', function() step() end)", []string{threads, "2", "10"}},
		{"cont in on signal", "cont", "on('signal', function() cont() end)", []string{faults, "segv"}},
		{"cont in a Go brk", "cont", "brk('main.Work', function() cont() end)", []string{gomulti, "8", "20000"}},
		{"cont in a callback of next_line", "cont", "brk('main'); cont(); brk('add', function() cont() end); for i = 1, 20 do next_line() end", []string{hello}},
	}
	for _, tt := range tests {
		var r result
		want := nested + ":4: "
		if tt.script == "" {
			r = godbg(t, append([]string{"run", nested}, tt.args...)...)
		} else {
			r = godbg(t, append([]string{"run", "-e", tt.script}, tt.args...)...)
			want = "-e:1: "
		}
		want += tt.op + ": cannot be called from a callback (the cont(), step(), finish() or next_line() that runs the callback already runs the tracee): " +
			"return true from the callback to stop there, that call then returns its event; to see a function return, use brk's opts.on_return\nstack traceback:\n"
		if r.status != 1 || !strings.HasPrefix(r.stderr, want) {
			t.Errorf("%s: got status %d, stderr %q; want 1, %q...", tt.name, r.status, r.stderr, want)
		}
		noProcessLeft(t, tt.args[0])
	}
}

// kill() and detach() are allowed in a callback: kill ends the session as
// in the main chunk (the pending cont() returns the exit, godbg exits
// 137, nothing left); detach lets every thread run on, the stops already
// seen undone first (a thread stopped by a trap hit was resumed one byte
// into the instruction: the program died): the program's 160,000 calls all
// happen and its output is whole; the pending cont() returns
// {reason="detach"}.
func TestKillDetachFromCallback(t *testing.T) {
	// In work, the trap goes on `mov rbp, rsp` (48 89 e5): a thread resumed
	// one byte into it runs `mov ebp, esp` and faults on its next store.
	for _, tt := range []struct{ prog, fn, out string }{
		{target(t, fixture.C(t, "cthreads.c", "-O0", "-g")), `sym("work") + 1; assert(disas(FN, 1)[1].text == "mov rbp, rsp")`, "threads=8 calls=160000 sum=3199840000"},
		{target(t, fixture.Go(t, "gomulti")), `"main.Work"`, "goroutines=8 calls=160000 sum=3199840000"},
	} {
		prog, fn := tt.prog, tt.fn
		pre := "local FN = " + fn + "\n"
		r := godbg(t, "run", "-e", pre+`
			local n = 0
			brk(FN, function(ev)
				n = n + 1
				if n == 1000 then local e = kill(); printf("kill: %s %s", e.reason, e.signal) end
			end)
			on("exit", function(ev) printf("on exit: %s", ev.signal) end)
			local ev = cont()
			printf("cont: %s %s %d", ev.reason, ev.signal, n)`, prog, "8", "20000")
		check(t, r, 137, "kill: exit SIGKILL\ncont: exit SIGKILL 1000\non exit: SIGKILL\n", "")
		noProcessLeft(t, prog)

		r = godbg(t, "run", "-e", pre+`
			local n = 0
			brk(FN, function(ev)
				n = n + 1
				if n == 500 then return true end
				if n == 501 then
					detach()
					print(select(2, pcall(function() return regs.rip end)))
				end
			end)
			printf("cont: %s %d", cont().reason, n)
			printf("cont: %s %d", cont().reason, n)
			print(select(2, pcall(cont)))`, prog, "8", "20000")
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		sort.Strings(lines)
		want := []string{
			"-e:9: regs: the process has exited",
			"-e:14: cont: the process was detached",
			"cont: breakpoint 500",
			"cont: detach 501",
			tt.out,
		}
		sort.Strings(want)
		if r.status != 0 || strings.Join(lines, "\n") != strings.Join(want, "\n") || r.stderr != "" {
			t.Errorf("detach in %s: got status %d, stdout %q, stderr %q; want 0 and the lines %q", fn, r.status, r.stdout, r.stderr, want)
		}
		noProcessLeft(t, prog)
	}
}

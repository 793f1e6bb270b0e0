package main

import (
	"bufio"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// The probe safety tests on Go (probes-risks.md): gostress's 8 goroutines
// call the probed main.Work while its stack grows and is copied (Work
// recurses with big frames), panics unwind through it, runtime.GC runs in
// a loop, the CPU profiler sends SIGPROF and a goroutine sends the process
// SIGURG in a loop (GODEBUG=asyncpreemptoff=0: async preemption on). With a
// count-only probe and a jump
// breakpoint with a Lua callback in an attached program, -N -l and
// optimized: the program's output is its output without godbg (its own
// checks pass), it exits 0, and the hits equal the calls it counted.
//
// A recording probe (a Lua callback) too: every hit's record reaches the
// callback. It livelocked once (issue 13): a SIGPROF stop inside the
// recording trampoline, whose step-out sent the signal again at once and
// stopped on it before the step ran, at one pc for ever.

// stressCalls runs prog without godbg and returns its output and the calls
// of Work it counted.
func stressCalls(t *testing.T, prog string, args ...string) (string, string) {
	t.Helper()
	out, err := exec.Command(prog, args...).Output()
	m := regexp.MustCompile(`calls=(\d+) .* ok\n$`).FindStringSubmatch(string(out))
	if err != nil || m == nil {
		t.Fatalf("%s without godbg: %v, %q", prog, err, out)
	}
	return string(out), m[1]
}

func TestProbeGoStress(t *testing.T) {
	t.Setenv("GODEBUG", "asyncpreemptoff=0")
	for _, build := range []struct{ name, prog string }{
		{"-N -l", target(t, fixture.GoDebug(t, "gostress"))},
		{"optimized", target(t, fixture.Go(t, "gostress"))},
	} {
		plain, calls := stressCalls(t, build.prog, "8", "600")
		for _, c := range []struct{ what, script, want string }{
			{"count-only probe", `local c = probe("main.Work")
on("exit", function() printf("kind=%s hits=%d", c.kind, c.hits) end)`, "kind=jump hits=" + calls + "\n"},
			{"recording probe", `local n = 0
local c = probe("main.Work", function(ev) n = n + 1 end)
on("exit", function() printf("kind=%s hits=%d records=%d", c.kind, c.hits, n) end)`, "kind=jump hits=" + calls + " records=" + calls + "\n"},
		} {
			r := godbg(t, "run", "-e", c.script, build.prog, "8", "600")
			if want := plain + c.want; r.status != 0 || r.stderr != "" || sortedLines(r.stdout) != sortedLines(want) {
				t.Errorf("%s, %s: status %d, stdout %q, stderr %q; want %q", build.name, c.what, r.status, r.stdout, r.stderr, want)
			}
		}

		// Attached: a breakpoint is a jump to a trampoline that stops the
		// thread with a SIGURG of its own, amid the program's SIGURGs.
		plain, calls = stressCalls(t, build.prog, "8", "100")
		tg, release := startWaiting(t, build.prog, "8", "100", "wait")
		g := start(t, godbgBin, "attach", "-e", `local n = 0
local b = brk("main.Work", function() n = n + 1 end)
local jump = mem.u8(b.addr) == 0xe9
on("exit", function(ev) printf("jump=%s hits=%d/%d code=%d", tostring(jump), n, b.hits, ev.code) end)
print("ready")`, strconv.Itoa(tg.cmd.Process.Pid))
		g.waitFor(t, "^ready$")
		release()
		out, status := tg.rest(t)
		gout, gstatus := g.rest(t)
		if want := "ready\njump=true hits=" + calls + "/" + calls + " code=0\n"; gstatus != 0 || gout != want || g.stderr.String() != "" {
			t.Errorf("%s, attached: godbg status %d, stdout %q, stderr %q; want %q", build.name, gstatus, gout, g.stderr.String(), want)
		}
		if status != 0 || out != plain {
			t.Errorf("%s, attached: status %d, output %q, stderr %q; want %q", build.name, status, out, tg.stderr.String(), plain)
		}
	}
}

// startWaiting starts a program that waits for a line on its stdin; go
// release sends it.
func startWaiting(t *testing.T, name string, args ...string) (*live, func()) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	l := &live{cmd: exec.Command(name, args...), lines: make(chan string, 1024)}
	l.cmd.Stdin = r
	l.cmd.Stderr = &l.stderr
	stdout, err := l.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := l.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			l.lines <- sc.Text()
		}
		close(l.lines)
	}()
	t.Cleanup(func() {
		w.Close()
		reap(l.cmd)
	})
	return l, func() { w.WriteString("go\n") }
}

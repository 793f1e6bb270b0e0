package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbg/godbg/internal/fixture"
)

// live is a godbg (or a target) running in the background: its stdout read
// line by line, its stderr kept.
type live struct {
	cmd    *exec.Cmd
	lines  chan string
	out    strings.Builder // every stdout line seen by waitFor or rest
	stderr bytes.Buffer
}

// start starts name with args; it is killed at the end of the test if it
// still runs.
func start(t *testing.T, name string, args ...string) *live {
	t.Helper()
	l := &live{cmd: exec.Command(name, args...), lines: make(chan string, 1024)}
	l.cmd.Stderr = &l.stderr
	stdout, err := l.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := l.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			l.lines <- sc.Text()
		}
		close(l.lines)
	}()
	t.Cleanup(func() { reap(l.cmd) })
	return l
}

// waitFor reads stdout until a line matches re: the readiness marker. It
// fails the test when the output ends first or nothing matches within 2
// minutes (a bound for a machine under load, not a measurement).
func (l *live) waitFor(t *testing.T, re string) {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.After(2 * time.Minute)
	for {
		select {
		case line, ok := <-l.lines:
			if !ok {
				t.Fatalf("output ended before a line matching %q:\n%s\nstderr:\n%s", re, l.out.String(), l.stderr.String())
			}
			l.out.WriteString(line + "\n")
			if rx.MatchString(line) {
				return
			}
		case <-deadline:
			t.Fatalf("no line matching %q after 2 minutes:\n%s", re, l.out.String())
		}
	}
}

// rest reads stdout to its end and waits for the process: its whole
// stdout and its exit status.
func (l *live) rest(t *testing.T) (string, int) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		for line := range l.lines {
			l.out.WriteString(line + "\n")
		}
		l.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		state := procState(l.cmd.Process.Pid)
		if msg := hardKill(l.cmd, done); msg != "" {
			t.Fatalf("%s still running after 2 minutes, %s", l.cmd.Path, msg)
		}
		t.Fatalf("%s still running after 2 minutes:\n%s\n%s", l.cmd.Path, state, l.out.String())
	}
	return l.out.String(), l.cmd.ProcessState.ExitCode()
}

// on("end") runs once, whatever ends the session, with ev.how; after the
// on("exit") handlers when the program exits; after the tracee was killed
// or detached, so that state reads fail (cleanly, as Lua errors) while
// symbols still resolve.
func TestOnEnd(t *testing.T) {
	prog := target(t, fixture.C(t, "hello.c", "-O0", "-g"))
	end := `on("end", function(ev)
		printf("end how=%s code=%s signal=%s", ev.how, tostring(ev.code), tostring(ev.signal))
		local ok, err = pcall(function() return regs.rip end)
		printf("regs %s %s", tostring(ok), err)
		print("bt", pcall(bt))
		print("cont", pcall(cont))
		printf("threads=%d main=%s", #threads(), tostring(sym("main") ~= nil))
	end)
	`
	after := func(how string) string {
		return "regs false -e:3: the session has ended (" + how + "): the process is no longer traced\n" +
			"bt\tfalse\t-e:5: the session has ended (" + how + "): the process is no longer traced\n" +
			"cont\tfalse\t-e:6: cont: the session has ended\n" +
			"threads=0 main=true\n"
	}
	r := godbg(t, "run", "-e", end+`on("exit", function(ev) printf("exit code=%d", ev.code) end)`, prog)
	check(t, r, 0, "hi total=60 counter=60\nexit code=0\nend how=exit code=0 signal=nil\n"+after("exit"), "")
	r = godbg(t, "run", "-e", end+`kill()`, prog)
	check(t, r, 137, "end how=kill code=nil signal=SIGKILL\n"+after("kill"), "")
	// on("exit") does not run after detach(): the program did not exit.
	r = godbg(t, "run", "-e", end+`on("exit", function() print("exit handler") end); brk("add", {once = true}); cont(); detach()`, prog)
	if want := "end how=detach code=nil signal=nil\n" + after("detach"); r.status != 0 || r.stderr != "" ||
		strings.Replace(r.stdout, "hi total=60 counter=60\n", "", 1) != want {
		t.Errorf("detach: got status %d stdout %q stderr %q; want 0, %q and the program's line", r.status, r.stdout, r.stderr, want)
	}
	// A script error: reported first, then on("end") with how="error" (ext);
	// the status stays the error's.
	r = godbg(t, "run", "-e", end+`brk("add", function() error("boom") end)`, prog)
	if want := "end how=error code=nil signal=nil\n" + after("error"); r.status != 1 || r.stdout != want ||
		!strings.HasPrefix(r.stderr, "-e:9: boom\nstack traceback:") {
		t.Errorf("error: got status %d stdout %q stderr %q; want 1, %q", r.status, r.stdout, r.stderr, want)
	}
	// An error in on("end") itself: reported, status 1.
	r = godbg(t, "run", "-e", `on("end", function() error("in end") end)`, prog)
	if r.status != 1 || r.stdout != "hi total=60 counter=60\n" || !strings.HasPrefix(r.stderr, "-e:1: in end\nstack traceback:") {
		t.Errorf("error in on(end): got status %d stdout %q stderr %q", r.status, r.stdout, r.stderr)
	}
	noProcessLeft(t, prog)

	spin := target(t, fixture.C(t, "faults.c", "-O0", "-g"))
	r = godbg(t, "run", "--timeout", "1s", "-e", end, spin, "spin")
	check(t, r, 124, "fault spin\nspinning\nend how=timeout code=nil signal=nil\n"+after("timeout"), "godbg: timed out after 1s\n")
	noProcessLeft(t, spin)
	g := start(t, godbgBin, "run", "-e", end, spin, "spin")
	g.waitFor(t, "^spinning$")
	g.cmd.Process.Signal(syscall.SIGINT)
	out, status := g.rest(t)
	if want := "fault spin\nspinning\nend how=interrupt code=nil signal=nil\n" + after("interrupt"); status != 130 || out != want || g.stderr.String() != "godbg: interrupted\n" {
		t.Errorf("Ctrl-C: got status %d stdout %q stderr %q; want 130, %q", status, out, g.stderr.String(), want)
	}
	noProcessLeft(t, spin)
}

// summaryRecipes are the bundled recipes that print a summary, with their
// parameters on testdata/goloop and the summary line they print once.
var summaryRecipes = []struct {
	name    string
	params  []string
	summary string // a regexp matching the summary's one line; (\d+) a count that must be >= 1
}{
	{"trace", []string{"pattern=main.Tick", "quiet=1"}, `^ +(\d+) main\.Tick$`},
	{"latency", []string{"func=main.Tick"}, `^main\.Tick: count=(\d+) p50=\d+us p99=\d+us$`},
	{"inject", []string{"func=main.Tick", "value=1", "quiet=1"}, `^main\.Tick: forced (\d+) of \d+ calls$`},
	{"strace", []string{"filter=*", "summary=1"}, `^% time +seconds +usecs/call +calls +errors +syscall$`},
	{"watch", []string{"var=main.ticks"}, `^main\.ticks: \d+ accesses watched$`},
}

// checkSummary fails unless out has the recipe's summary line exactly once.
func checkSummary(t *testing.T, what, out, summary string) {
	t.Helper()
	rx := regexp.MustCompile(summary)
	var found []string
	for _, line := range strings.Split(out, "\n") {
		if m := rx.FindStringSubmatch(line); m != nil {
			found = append(found, line)
			if len(m) > 1 {
				if n, _ := strconv.Atoi(m[1]); n < 1 {
					t.Errorf("%s: summary %q counts nothing", what, line)
				}
			}
		}
	}
	if len(found) != 1 {
		t.Errorf("%s: %d summary lines matching %q, want 1:\n%s", what, len(found), summary, out)
	}
}

// Every bundled recipe with a summary prints it exactly once however the
// session ends: Ctrl-C, --timeout, and a detach from an attached program
// (the recipe followed by a few stops and detach()). The target is a
// server-like loop (goloop); the readiness marker is its "tick 100" line,
// printed after 100 traced calls.
func TestRecipeSummariesOnEveryEnd(t *testing.T) {
	built := fixture.GoDebug(t, "goloop")
	for _, rc := range summaryRecipes {
		rc := rc
		t.Run(rc.name, func(t *testing.T) {
			t.Parallel()
			var params []string
			for _, p := range rc.params {
				params = append(params, "-a", p)
			}

			prog := target(t, built)
			g := start(t, godbgBin, append(append([]string{"run"}, params...), rc.name, prog)...)
			g.waitFor(t, `^tick 100 `)
			g.cmd.Process.Signal(syscall.SIGINT)
			out, status := g.rest(t)
			if status != 130 || g.stderr.String() != "godbg: interrupted\n" {
				t.Errorf("Ctrl-C: status %d stderr %q, want 130", status, g.stderr.String())
			}
			checkSummary(t, "Ctrl-C", out, rc.summary)
			noProcessLeft(t, prog)

			r := godbg(t, append(append([]string{"run", "--timeout", "4s"}, params...), rc.name, prog)...)
			if r.status != 124 || r.stderr != "godbg: timed out after 4s\n" {
				t.Errorf("--timeout: status %d stderr %q, want 124", r.status, r.stderr)
			}
			checkSummary(t, "--timeout", r.stdout, rc.summary)
			noProcessLeft(t, prog)

			src, err := os.ReadFile(filepath.Join(fixture.Root(), "scripts", rc.name+".lua"))
			if err != nil {
				t.Fatal(err)
			}
			script := writeFile(t, rc.name+"-detach.lua", string(src)+`
local stop = brk("main.Tick")
for _ = 1, 3 do cont() end
detach()
`)
			loop := start(t, prog)
			loop.waitFor(t, `^tick 100 `)
			r = godbg(t, append(append([]string{"attach"}, params...), script, strconv.Itoa(loop.cmd.Process.Pid))...)
			if r.status != 0 || r.stderr != "" {
				t.Errorf("detach: status %d stderr %q, want 0", r.status, r.stderr)
			}
			checkSummary(t, "detach", r.stdout, rc.summary)
			loop.waitFor(t, `^tick \d+ `) // it runs on
			if tp := tracerOf(t, loop.cmd.Process.Pid); tp != 0 {
				t.Errorf("detach: TracerPid %d, want 0", tp)
			}
		})
	}
}

// tracerOf reads TracerPid from /proc/PID/status.
func tracerOf(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^TracerPid:\s+(\d+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no TracerPid in /proc/%d/status", pid)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// interruptUntilExit sends SIGINT to cmd every 50 ms until it exits (the
// first may come before the on("end") handlers start) and returns its
// status.
func interruptUntilExit(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan bool)
	go func() { cmd.Wait(); close(done) }()
	deadline := time.After(2 * time.Minute)
	for {
		cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-done:
			return cmd.ProcessState.ExitCode()
		case <-deadline:
			cmd.Process.Kill()
			<-done
			t.Fatal("godbg still runs 2 minutes after Ctrl-C")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// An on("end") handler that never returns is stopped by Ctrl-C: after the
// program's exit (status 130, "interrupted"), and after --timeout (the
// status stays 124).
func TestEndHandlerStoppedByCtrlC(t *testing.T) {
	prog := target(t, fixture.C(t, "hello.c", "-O0", "-g"))
	g := start(t, godbgBin, "run", "-e", `on("end", function() while true do end end)`, prog)
	g.waitFor(t, "^hi total=60 counter=60$")
	status := interruptUntilExit(t, g.cmd)
	if status != 130 || g.stderr.String() != "godbg: interrupted\n" {
		t.Errorf("after the exit: status %d stderr %q, want 130, \"godbg: interrupted\\n\"", status, g.stderr.String())
	}
	noProcessLeft(t, prog)

	spin := target(t, fixture.C(t, "faults.c", "-O0", "-g"))
	cmd := exec.Command(godbgBin, "run", "--timeout", "1s", "-e", `on("end", function() while true do end end)`, spin, "spin")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reap(cmd) })
	line, err := bufio.NewReader(stderr).ReadString('\n')
	if line != "godbg: timed out after 1s\n" {
		t.Fatalf("stderr %q (%v), want the timeout's line", line, err)
	}
	if status := interruptUntilExit(t, cmd); status != 124 {
		t.Errorf("after --timeout: status %d, want 124", status)
	}
	noProcessLeft(t, spin)
}

package main

import (
	"bufio"
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/godbg/godbg/internal/fixture"
)

// countTicks counts main.Tick's calls, says "ready" at the first and
// reports how the session ended.
const countTicks = `local n = 0
brk("main.Tick", function() n = n + 1; if n == 1 then print("ready") end end)
on("end", function(ev) printf("end %s counted=%s", ev.how, tostring(n > 0)) end)
`

// checkUntouched fails unless the process pid runs untraced, its code bytes
// as in the binary, and prints its next consistent line.
func checkUntouched(t *testing.T, what, prog string, loop *live) {
	t.Helper()
	pid := loop.cmd.Process.Pid
	if tp := tracerOf(t, pid); tp != 0 {
		t.Errorf("%s: TracerPid %d, want 0", what, tp)
	}
	f, err := elf.Open(prog)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sec := f.Section(".text")
	file, err := sec.Data()
	if err != nil {
		t.Fatal(err)
	}
	m, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if err != nil {
		loop.cmd.Wait()
		t.Fatalf("%s: the program is gone: %v (%v)\nits stderr:\n%s", what, err, loop.cmd.ProcessState, loop.stderr.String())
	}
	defer m.Close()
	text := make([]byte, len(file))
	if _, err := m.ReadAt(text, int64(sec.Addr)); err != nil {
		t.Fatalf("%s: read the program's code: %v", what, err)
	}
	if !bytes.Equal(file, text) {
		t.Errorf("%s: the program's code differs from its binary's", what)
	}
	loop.waitFor(t, `^tick \d+ ok$`)
}

// SIGHUP (the terminal closes), SIGQUIT and SIGTERM to a godbg attached to
// a running program get what Ctrl-C gets: the program is detached clean
// (untraced, its code as in the binary, running on) and on("end") runs
// with how="interrupt". Before, SIGHUP and SIGQUIT killed godbg with its
// traps in place and the program died of SIGTRAP at its next call.
func TestStopSignalsDetachAttached(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "goloop"))
	loop := start(t, prog)
	loop.waitFor(t, `^tick 100 ok$`)
	pid := strconv.Itoa(loop.cmd.Process.Pid)
	script := writeFile(t, "count.lua", countTicks)
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGTERM} {
		for round := 0; round < 3; round++ {
			what := fmt.Sprintf("%v round %d", sig, round)
			g := start(t, godbgBin, "attach", script, pid)
			g.waitFor(t, "^ready$")
			g.cmd.Process.Signal(sig)
			out, status := g.rest(t)
			want := "godbg: interrupted by " + signame(sig) + "\n"
			if status != 130 || out != "ready\nend interrupt counted=true\n" || g.stderr.String() != want {
				t.Errorf("%s: got status %d stdout %q stderr %q; want 130, %q, %q", what, status, out, g.stderr.String(),
					"ready\nend interrupt counted=true\n", want)
			}
			checkUntouched(t, what, prog, loop)
		}
	}
}

func signame(sig syscall.Signal) string {
	return map[syscall.Signal]string{syscall.SIGHUP: "SIGHUP", syscall.SIGQUIT: "SIGQUIT", syscall.SIGTERM: "SIGTERM"}[sig]
}

// The same signals to a godbg that launched its program: the program is
// killed and reaped, on("end") runs with how="interrupt", godbg exits 130.
func TestStopSignalsKillLaunched(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "goloop"))
	script := writeFile(t, "count.lua", countTicks)
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGTERM} {
		g := start(t, godbgBin, "run", script, prog)
		g.waitFor(t, "^ready$")
		g.cmd.Process.Signal(sig)
		out, status := g.rest(t)
		want := "godbg: interrupted by " + signame(sig) + "\n"
		if status != 130 || !bytes.HasSuffix([]byte(out), []byte("\nend interrupt counted=true\n")) || g.stderr.String() != want {
			t.Errorf("%v: got status %d stdout %q stderr %q; want 130, ...end interrupt counted=true, %q", sig, status, out, g.stderr.String(), want)
		}
		noProcessLeft(t, prog)
	}
}

// The reader of godbg's output goes away (`godbg ... | head -1`): the next
// write fails with EPIPE and the session ends as on Ctrl-C, the program
// killed; godbg exits 141 (128+SIGPIPE, what a shell shows for a writer
// SIGPIPE killed) without a word or a Go panic. The program here writes
// nothing after its first lines, so only godbg meets the broken pipe.
func TestBrokenOutputPipe(t *testing.T) {
	prog := target(t, fixture.C(t, "faults.c", "-O0", "-g"))
	cmd := exec.Command(godbgBin, "run", "-e", `
		sys("clock_nanosleep", function(ev) if ev.phase == "exit" then print("nap") end end)
		on("end", function(ev) printf("end %s", ev.how) end)`, prog, "spin")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reap(cmd) })
	rd := bufio.NewReader(stdout)
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("output ended before a nap line: %v", err)
		}
		if line == "nap\n" {
			break
		}
	}
	stdout.Close() // as head -1 exits
	done := make(chan bool)
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("godbg still runs 2 minutes after its output closed")
	}
	if st := cmd.ProcessState.ExitCode(); st != 141 || errb.String() != "" {
		t.Errorf("got status %d (%v) stderr %q; want 141 and nothing", st, cmd.ProcessState, errb.String())
	}
	noProcessLeft(t, prog)
}

// openedFIFO starts godbg with `-o FIFO` and returns once godbg has opened
// the FIFO: past main's first line, before the launch or the attach. The
// FIFO is drained in the background.
func openedFIFO(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	fifo := filepath.Join(t.TempDir(), "out")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(godbgBin, append([]string{args[0], "-o", fifo}, args[1:]...)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	opened := make(chan *os.File, 1)
	go func() {
		f, err := os.Open(fifo) // blocks until godbg opens it to write
		if err != nil {
			close(opened)
			return
		}
		opened <- f
	}()
	select {
	case f, ok := <-opened:
		if !ok {
			t.Fatal("open the FIFO")
		}
		go func() { io.Copy(io.Discard, f); f.Close() }()
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatal("godbg did not open its -o FIFO within 2 minutes")
	}
	return cmd
}

// stopAtRandom sends sig to cmd after a random delay of up to max, then
// again every millisecond until it exits; it returns its exit status.
func stopAtRandom(t *testing.T, cmd *exec.Cmd, sig syscall.Signal, max time.Duration) int {
	t.Helper()
	done := make(chan bool)
	go func() { cmd.Wait(); close(done) }()
	time.Sleep(time.Duration(rand.Int63n(int64(max))))
	deadline := time.After(2 * time.Minute)
	for {
		cmd.Process.Signal(sig)
		select {
		case <-done:
			return cmd.ProcessState.ExitCode()
		case <-deadline:
			cmd.Process.Kill()
			<-done
			t.Fatalf("godbg still runs 2 minutes after %v", sig)
		case <-time.After(time.Millisecond):
		}
	}
}

// A stop signal that arrives while godbg starts, the program not launched
// yet or half launched (between the fork and PTRACE_O_EXITKILL), waits and
// ends the session once it is under way: godbg exits 130, nothing is left.
// Before, it killed godbg outright, and in that window the program ran on
// untraced. The signals start once godbg has opened its -o FIFO (past its
// first line: the Go runtime's own start cannot be covered) and come at a
// random delay over the launch, then every millisecond.
func TestStopSignalDuringStart(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "goloop"))
	for round := 0; round < 20; round++ {
		cmd := openedFIFO(t, "run", "-e", `print("started")`, prog)
		status := stopAtRandom(t, cmd, syscall.SIGTERM, 25*time.Millisecond)
		if status != 130 {
			t.Errorf("round %d: status %d (%v), want 130", round, status, cmd.ProcessState)
		}
		noProcessLeft(t, prog)
	}
}

// The same at an attach: the program survives untraced and untouched.
func TestStopSignalDuringAttach(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "goloop"))
	loop := start(t, prog)
	loop.waitFor(t, `^tick 100 ok$`)
	script := writeFile(t, "count.lua", countTicks)
	for round := 0; round < 10; round++ {
		cmd := openedFIFO(t, "attach", script, strconv.Itoa(loop.cmd.Process.Pid))
		status := stopAtRandom(t, cmd, syscall.SIGHUP, 25*time.Millisecond)
		if status != 130 {
			t.Errorf("round %d: status %d (%v), want 130", round, status, cmd.ProcessState)
		}
		checkUntouched(t, fmt.Sprintf("round %d", round), prog, loop)
	}
}

package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// A PROGRAM without a / is looked up on PATH, as a shell does; a file of
// that name in the current folder is not taken (./NAME is).
func TestProgramOnPath(t *testing.T) {
	prog := target(t, fixture.C(t, "hello.c", "-O0", "-g"))
	name := filepath.Base(prog)
	run := func(dir string, args ...string) result {
		t.Helper()
		cmd := exec.Command(godbgBin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(prog)+":/usr/bin:/bin")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		cmd.Run()
		return result{out.String(), errb.String(), cmd.ProcessState.ExitCode(), 0}
	}
	exit := `on("exit", function(ev) printf("exit %d", ev.code) end)`
	r := run(t.TempDir(), "run", "-e", exit, name)
	check(t, r, 0, "hi total=60 counter=60\nexit 0\n", "")
	r = run(t.TempDir(), "run", "-e", exit, "cat", "/proc/self/comm")
	check(t, r, 0, "cat\nexit 0\n", "")

	here := t.TempDir()
	if err := os.WriteFile(filepath.Join(here, "tgnotonpath"), []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	r = run(here, "run", "-e", exit, "tgnotonpath")
	check(t, r, 1, "", "godbg: program tgnotonpath: not found on PATH (for the file in this folder, write ./tgnotonpath)\n")
	r = run(here, "debug", "tgnosuch")
	check(t, r, 1, "", "godbg: program tgnosuch: not found on PATH\n")
	r = run(here, "run", "count", "-a", "func=main.*", "tgnosuch")
	check(t, r, 1, "", "godbg: program -a: not found; godbg's own flags go before the script or recipe (godbg run -a KEY=VALUE SCRIPT PROGRAM)\n")
}

func TestVersionAndSuggestion(t *testing.T) {
	r := godbg(t, "--version")
	if r.status != 0 || !strings.HasPrefix(r.stdout, "godbg version ") || r.stderr != "" {
		t.Errorf("godbg --version: status %d, stdout %q, stderr %q", r.status, r.stdout, r.stderr)
	}
	r = godbg(t, "rn", "x.lua", "./prog")
	check(t, r, 2, "", "godbg: unknown command \"rn\". Did you mean \"run\"? (godbg --help lists the commands)\n")
}

// attach takes -e as run does; godbg debug -p attaches a prompt, and q
// detaches: the process runs on unharmed.
func TestAttachInlineAndDebugAttach(t *testing.T) {
	prog := target(t, fixture.Go(t, "goloop"))
	cmd := exec.Command(prog)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reap(cmd) })
	rd := bufio.NewReader(out)
	next := func() string {
		t.Helper()
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("goloop's output: %v", err)
		}
		return line
	}
	next()
	pid := strconv.Itoa(cmd.Process.Pid)

	r := godbg(t, "attach", "-e", `print(#threads() > 0, sym("main.Tick") ~= nil); detach()`, pid)
	check(t, r, 0, "true\ttrue\n", "")

	r = godbgIn(t, "b main.Tick\nc\nbt 1\nbps\n", "debug", "-p", pid)
	want := "breakpoint 1 at ADDR main.Tick (0 hits)\n" +
		"> main.Tick() main.go:16 (breakpoint 1) (PC: ADDR)\n" +
		"=>  16:\t\tticks++\n" +
		"#0 ADDR in main.Tick at main.go:16\n" +
		"breakpoint 1 at ADDR main.Tick (1 hits)\n"
	if got := hexAddr.ReplaceAllString(r.stdout, "ADDR"); r.status != 0 || got != want || r.stderr != "" {
		t.Errorf("godbg debug -p: status %d, stdout:\n%s\nwant:\n%s\nstderr: %q", r.status, got, want, r.stderr)
	}
	for i := 0; i < 3; i++ { // it runs on, its ticks consistent
		if line := next(); !strings.HasSuffix(line, " ok\n") {
			t.Fatalf("goloop after the detach: %q", line)
		}
	}
}

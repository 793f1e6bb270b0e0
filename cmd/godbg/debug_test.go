package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/godbg/godbg/internal/fixture"
)

// godbgIn runs godbg with stdin read from the string in.
func godbgIn(t *testing.T, in string, args ...string) result {
	t.Helper()
	return runGodbg(t, strings.NewReader(in), args...)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var hexAddr = regexp.MustCompile(`0x[0-9a-f]+`)

// replaySession runs the commands at godbg debug's prompt (from a pipe),
// saves the session, replays the saved script with godbg run and checks
// that both wrote the same output (-o files: the program's own output is
// apart), that it is want (addresses masked) and that stderr is wantErr.
func replaySession(t *testing.T, prog, cmds, want, wantErr string) string {
	t.Helper()
	dir := t.TempDir()
	saved := filepath.Join(dir, "session.lua")
	outDebug, outRun := filepath.Join(dir, "debug.out"), filepath.Join(dir, "run.out")
	r := godbgIn(t, cmds+"save "+saved+"\n", "debug", "-o", outDebug, prog)
	if r.status != 0 {
		t.Fatalf("godbg debug: status %d, stderr:\n%s", r.status, r.stderr)
	}
	script := readFile(t, saved)
	if gotErr, want := r.stderr, wantErr+"saved to "+saved+"\n"; gotErr != want {
		t.Errorf("debug stderr:\n%s\nwant:\n%s", gotErr, want)
	}
	noProcessLeft(t, prog)
	debugOut := readFile(t, outDebug)
	if got := hexAddr.ReplaceAllString(debugOut, "ADDR"); got != want {
		t.Errorf("debug output:\n%s\nwant:\n%s", got, want)
	}
	rr := godbg(t, "run", "-o", outRun, saved, prog)
	if rr.stderr != "" {
		t.Errorf("replay stderr: %s", rr.stderr)
	}
	if runOut := readFile(t, outRun); runOut != debugOut {
		t.Errorf("replay output:\n%s\ndiffers from the session's:\n%s\nscript:\n%s", runOut, debugOut, readFile(t, saved))
	}
	noProcessLeft(t, prog)
	return script
}

// A session on the seed's break program, from a pipe: commands, Lua lines,
// an error (left out of the saved script), saved and replayed.
func TestDebugSessionReplaysGo(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "break"))
	cmds := `b main.BreakMe
c
bt 2
p nosuchvar
x = 40
x + 2
n
bps
delete 1
c
`
	want := "breakpoint 1 at ADDR main.BreakMe (0 hits)\n" +
		"> main.BreakMe() main.go:6 (breakpoint 1) (PC: ADDR)\n" +
		"=>   6:\tfunc BreakMe() {\n" +
		"#0 ADDR in main.BreakMe at main.go:6\n" +
		"#1 ADDR in main.main at main.go:12\n" +
		"42\n" +
		"> main.BreakMe() main.go:7 (PC: ADDR)\n" +
		"=>   7:\t\tfmt.Println(\"hello\")\n" +
		"breakpoint 1 at ADDR main.BreakMe (1 hits)\n" +
		"Process exited with status 0\n"
	wantErr := "var(\"nosuchvar\"): eval \"nosuchvar\": no variable \"nosuchvar\" in scope\n"
	script := replaySession(t, prog, cmds, want, wantErr)
	body := script[strings.Index(script, "\nprint("):]
	wantBody := "\nprint(brk(\"main.BreakMe\"))\nprint(cont())\nprint(bt(2))\nx = 40\npp(x + 2)\nprint(next_line())\n" +
		"for _, b in ipairs(bps()) do print(b) end\nfor _, b in ipairs(bps()) do if b.id == 1 then b:delete() end end\nprint(cont())\n"
	if body != wantBody {
		t.Errorf("saved script body:\n%s\nwant:\n%s", body, wantBody)
	}
	if !strings.HasPrefix(script, "-- godbg debug session of "+prog+", saved ") {
		t.Errorf("saved script header: %q", script[:strings.Index(script, "\n")])
	}
}

// The same on a C program: a breakpoint with a callback, args, finish, var,
// a hex dump, locals, a Lua function over several lines, a local, and the
// program still running when the session is saved (the script ends it as q
// does).
func TestDebugSessionReplaysC(t *testing.T) {
	prog := target(t, fixture.C(t, "hello.c", "-O0", "-g"))
	cmds := `brk("main", function(ev) print("in " .. ev.sym) end)
b add
c
args
finish
p counter
x &counter 4
n
locals
function twice(a)
  return a * 2
end
twice(21)
local y = 3
y
c
`
	want := "breakpoint 1 at ADDR main (0 hits)\n" +
		"breakpoint 2 at ADDR add (0 hits)\n" +
		"in main\n" +
		"> add() hello.c:9 (breakpoint 2) (PC: ADDR)\n" +
		"=>   9:\t\tint s = a + b;\n" +
		"{a = 0, b = 10}\n" +
		"> main() hello.c:17 (PC: ADDR)\n" +
		"=>  17:\t\t\ttotal += add(i, 10);\n" +
		"10\n" +
		"ADDR: 0a 00 00 00                                       |....|\n" +
		"> main() hello.c:16 (PC: ADDR)\n" +
		"=>  16:\t\tfor (int i = 0; i < 5; i++)\n" +
		"{i = 0, total = 10}\n" +
		"42\n" +
		"nil\n" +
		"> add() hello.c:9 (breakpoint 2) (PC: ADDR)\n" +
		"=>   9:\t\tint s = a + b;\n"
	script := replaySession(t, prog, cmds, want, "")
	if !strings.HasSuffix(script, "\nkill() -- the session ended here (q kills the program); without this line it runs on to its exit\n") {
		t.Errorf("saved script does not end the program as q does:\n%s", script)
	}
}

// --timeout ends a session that waits for its next line (its input still
// open), as it ends a running one: the program killed, godbg exits 124.
func TestDebugTimeoutAtPrompt(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "break"))
	cmd := exec.Command(godbgBin, "debug", "--timeout", "1s", prog)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	in.Write([]byte("b main.BreakMe\n"))
	select {
	case <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("godbg debug --timeout 1s still waits after a minute")
	}
	r := result{out.String(), errb.String(), cmd.ProcessState.ExitCode(), 0}
	// On a loaded machine the second can pass before godbg has read the
	// command: then nothing is printed, and the timeout must still end the
	// prompt's wait the same way.
	want := ""
	if r.stdout != "" {
		want = "breakpoint 1 at " + hexAddr.FindString(r.stdout) + " main.BreakMe (0 hits)\n"
	}
	check(t, r, 124, want, "godbg: timed out after 1s\n")
	noProcessLeft(t, prog)
}

// help and errors go to stderr, the session goes on after an error; the
// output stream has only the session's values.
func TestDebugHelpAndErrors(t *testing.T) {
	prog := target(t, fixture.C(t, "hello.c", "-O0", "-g"))
	r := godbgIn(t, "help b\nfoo)\nbt x\ndelete 7\nprint(1)\nq\nprint(2)\n", "debug", prog)
	wantErr := "b LOC\n    set a breakpoint that stops: LOC is a function, file:LINE or an address; brk(LOC)\n    also: break\n" +
		"stdin:2: parse error near ')'\n" +
		"bt: \"x\" is not a frame count\n" +
		"delete: no breakpoint 7 (bps lists them)\n"
	check(t, r, 0, "1\n", wantErr)
	noProcessLeft(t, prog)
}

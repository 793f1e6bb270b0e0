package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// Tests of godbg run --seccomp beyond the sys() tests run in both modes
// (watch_sys_test.go): children, detach, the end of the session.

const countOpens = `
local n = 0
sys("openat", function(ev)
	if ev.phase == "exit" and mem.cstr(ev.args[2]) == params.f then
		n = n + 1
	end
end)
on("exit", function(ev) printf("reported %d code=%d", n, ev.code) end)`

// A fork child and a posix_spawn child (vfork, exec: the loader's own
// openat included) make the hooked call under the inherited filter: they
// run right, and only the parent's calls are reported.
func TestSeccompChildrenScript(t *testing.T) {
	prog := target(t, fixture.C(t, "forksys.c", "-O0", "-g"))
	f := writeFile(t, "f.txt", "x")
	for _, mode := range sysModes {
		r := runIn(t, mode, "-a", "f="+f, "-e", countOpens, prog, f, "50")
		check(t, r, 0, "child opened 50\nchild status 7\nspawned opened 50\nspawned status 5\nparent opened 50\nreported 50 code=0\n", "")
	}
	noProcessLeft(t, prog)
}

func TestSeccompDetachRefusedScript(t *testing.T) {
	prog := target(t, fixture.C(t, "getpidloop.c", "-O2"))
	r := godbg(t, "run", "--seccomp", "-e", `
		sys("getpid", function() end)
		print(select(2, pcall(detach)))`, prog, "10")
	if r.status != 0 || r.stderr != "" || !strings.HasSuffix(r.stdout, "getpid calls=10\n") ||
		!strings.Contains(r.stdout, "-e:3: detach: refused in seccomp mode (godbg run --seccomp)") ||
		!strings.Contains(r.stdout, "fail with ENOSYS") {
		t.Errorf("got status %d, stdout %q, stderr %q", r.status, r.stdout, r.stderr)
	}
	// Without a hook there is no filter: detach works.
	r = godbg(t, "run", "--seccomp", "-e", `detach()`, prog, "10")
	check(t, r, 0, "getpid calls=10\n", "")
}

// A child outliving the program is detached at the end with a warning, and
// its hooked call then fails with ENOSYS, as the warning says.
func TestSeccompOrphanScript(t *testing.T) {
	prog := target(t, fixture.C(t, "forksys.c", "-O0", "-g"))
	f := writeFile(t, "f.txt", "x")
	r := godbg(t, "run", "--seccomp", "-e", `sys("openat", function() end)`, prog, f, "1", "orphan")
	warning := regexp.MustCompile(`^godbg: warning: process \d+ \(started by the program\) still runs and is detached: ` +
		`its hooked system calls will fail with ENOSYS \(the --seccomp filter stays, seccomp\(2\)\)\n$`)
	if r.status != 0 || !warning.MatchString(r.stderr) ||
		r.stdout != "parent exits\norphan: openat = -1 (Function not implemented)\n" {
		t.Errorf("got status %d, stdout %q, stderr %q", r.status, r.stdout, r.stderr)
	}
	// Without --seccomp the child is released at its fork: its call works.
	r = godbg(t, "run", "-e", `sys("openat", function() end)`, prog, f, "1", "orphan")
	check(t, r, 0, "parent exits\norphan: openat = 3 (ok)\n", "")
	noProcessLeft(t, prog)
}

// kill() takes the children still traced with the program: none is left.
func TestSeccompKillScript(t *testing.T) {
	prog := target(t, fixture.C(t, "forksys.c", "-O0", "-g"))
	f := filepath.Join(t.TempDir(), "f.txt")
	if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The script's output goes to its own file: the orphan, untraced by
	// the hooks, may print before kill() reaches it on a loaded machine,
	// and the program's lines and the script's interleave as they come.
	outFile := filepath.Join(t.TempDir(), "out")
	r := godbg(t, "run", "--seccomp", "-o", outFile, "-e", `
		sys("exit_group", function(ev) return true end)
		print(cont().name)
		print(kill().signal)`, prog, f, "1", "orphan")
	script, _ := os.ReadFile(outFile)
	if string(script) != "exit_group\nSIGKILL\n" {
		t.Errorf("script output %q, want %q", script, "exit_group\nSIGKILL\n")
	}
	rest, _ := strings.CutPrefix(r.stdout, "parent exits\n")
	if rest == r.stdout || (rest != "" && !strings.HasPrefix(rest, "orphan: openat = ")) {
		t.Errorf("program output %q: want parent exits, then at most the orphan's line", r.stdout)
	}
	check(t, result{status: r.status, stderr: r.stderr}, 137, "", "")
	noProcessLeft(t, prog)
}

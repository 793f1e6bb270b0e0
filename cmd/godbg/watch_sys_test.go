package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// Tests of watch(), sys(), sys_return() and their recipes (issue 7),
// through the godbg binary.

const watchScript = `
local addr = sym(params.var)
local wp
wp = watch(addr, 8, params.mode, function(ev)
	assert(ev.reason == "watch" and ev.wp == wp and ev.addr == addr and ev.tid > 0)
	print(where(ev.pc).sym)
end)
on("exit", function(ev) printf("hits=%d code=%d", wp.hits, ev.code) end)`

func TestWatchWritersScript(t *testing.T) {
	c := target(t, fixture.C(t, "watchme.c", "-O0", "-g"))
	goProg := target(t, fixture.GoDebug(t, "gowatch"))
	tests := []struct {
		prog, v, mode, want string
	}{
		{c, "counter", "w", "writer_a\nwriter_a\nwriter_a\nwriter_b\nwriter_b\nwriter_b\nread=30\nhits=6 code=0\n"},
		{c, "counter", "rw", "writer_a\nwriter_a\nwriter_a\nwriter_b\nwriter_b\nwriter_b\nreader\nread=30\nhits=7 code=0\n"},
		{goProg, "main.counter", "w", strings.Repeat("main.WriterA\n", 3) + strings.Repeat("main.WriterB\n", 3) + "read=30\nhits=6 code=0\n"},
		{goProg, "main.counter", "rw", strings.Repeat("main.WriterA\n", 3) + strings.Repeat("main.WriterB\n", 3) + "main.Reader\nread=30\nhits=7 code=0\n"},
	}
	for _, tt := range tests {
		r := godbg(t, "run", "-a", "var="+tt.v, "-a", "mode="+tt.mode, "-e", watchScript, tt.prog)
		check(t, r, 0, tt.want, "")
	}
}

func TestWatchLimitsScript(t *testing.T) {
	prog := target(t, fixture.C(t, "watchme.c", "-O0", "-g"))
	r := godbg(t, "run", "-e", `
		local a = sym("counter")
		print(select(2, pcall(watch, a + 4, 8, "w")))
		print(select(2, pcall(watch, a, 3, "w")))
		print(select(2, pcall(watch, a, 8, "r")))
		local wps = {}
		for i = 1, 4 do wps[i] = watch(a, 8, "w", function() end) end
		print(select(2, pcall(watch, a, 8, "w")))
		for i = 2, 4 do wps[i]:delete() end
		print(wps[2].deleted, wps[1].deleted)
		-- no fn: the first write stops cont()
		wps[1]:delete()
		local wp = watch(a, 8, "w")
		local ev = cont()
		print(ev.reason, ev.wp == wp, where(ev.pc).sym, mem.i64(a))
		wp:delete()
		print(cont().reason)`, prog)
	check(t, r, 0, `-e:3: watch 0x555555558044: address not aligned to its size 8
-e:4: watch 0x555555558040: size 3: want 1, 2, 4 or 8
-e:5: bad argument #3 to 'watch' (watch mode "r": want "w" (writes) or "rw" (reads and writes))
-e:8: watch 0x555555558040: all 4 hardware watchpoints (DR0-DR3) are in use; delete one first
true	false
watch	true	writer_a	1
read=30
exit
`, "")
}

// The Go program's os.Open of its config fails with ENOENT without the
// file being touched: it prints its own "no config".
func TestSysReturnScript(t *testing.T) {
	for _, mode := range sysModes {
		testSysReturnScript(t, mode)
	}
}

// sysModes: the sys() tests run with PTRACE_SYSCALL stops and with --seccomp.
var sysModes = [][]string{{"run"}, {"run", "--seccomp"}}

// runIn runs godbg with the run subcommand and flags of mode, then args.
func runIn(t *testing.T, mode []string, args ...string) result {
	t.Helper()
	return godbg(t, append(append([]string(nil), mode...), args...)...)
}

func testSysReturnScript(t *testing.T, mode []string) {
	prog := target(t, fixture.Go(t, "goconfig"))
	cfg := writeFile(t, "app.conf", "x=1")
	script := `
		sys({"openat"}, function(ev)
			assert(ev.reason == "syscall" and ev.nr == 257 and ev.name == "openat" and ev.goid ~= nil)
			if mem.cstr(ev.args[2]) ~= params.cfg then return end
			if ev.phase == "enter" then
				printf("enter dirfd=%d", ev.args[1])
				if params.skip then sys_return(-2) end
			else
				printf("exit ret=%s", ev.ret < 0 and ev.ret or "fd")
			end
		end)`
	r := runIn(t, mode, "-a", "cfg="+cfg, "-e", script, prog, cfg)
	check(t, r, 0, "enter dirfd=-100\nexit ret=fd\nconfig: x=1\n", "")
	r = runIn(t, mode, "-a", "cfg="+cfg, "-a", "skip=1", "-e", script, prog, cfg)
	check(t, r, 0, "enter dirfd=-100\nexit ret=-2\nno config\n", "")
	r = runIn(t, mode, "-e", `print(select(2, pcall(sys_return, -2))); print(select(2, pcall(sys, "opnat")))`, prog, cfg)
	if !strings.Contains(r.stdout, "sys_return: only in a system call's enter callback") ||
		!strings.Contains(r.stdout, `unknown system call "opnat"`) {
		t.Errorf("errors: got %q", r.stdout)
	}
}

var callLine = regexp.MustCompile(`^(?:\[pid \d+\] |\d+ +)?(\w+)\((.*)\)\s+= (-1 [A-Z]+|-?\d+|0x[0-9a-f]+)`)
var firstString = regexp.MustCompile(`"([^"]*)"`)

// calls reduces strace-style lines to "name path = result", the path only
// for the calls given (strace -f -o prefixes each line with the pid).
func calls(out string, withPath map[string]bool) []string {
	var cs []string
	for _, l := range strings.Split(out, "\n") {
		m := callLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		c := m[1]
		if withPath[m[1]] {
			if s := firstString.FindStringSubmatch(m[2]); s != nil {
				c += " " + s[1]
			}
		}
		cs = append(cs, c+" = "+m[3])
	}
	return cs
}

// The strace recipe lists the same calls, in the same order, with the same
// paths and results, as strace -f does on the same program.
func TestStraceRecipeMatchesStrace(t *testing.T) {
	for _, mode := range sysModes {
		testStraceRecipe(t, mode)
	}
}

func testStraceRecipe(t *testing.T, mode []string) {
	prog := target(t, fixture.C(t, "sysorder.c", "-O0", "-g"))
	if _, err := exec.LookPath("strace"); err != nil {
		t.Fatalf("this test compares with strace(1): %v", err)
	}
	dir := t.TempDir()
	traceOut := filepath.Join(t.TempDir(), "strace.out")
	set := "openat,read,write,close,unlinkat"
	cmd := exec.Command("strace", "-f", "-o", traceOut, "-e", "trace="+set, prog, dir)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("strace: %v\n%s", err, b)
	}
	b, _ := os.ReadFile(traceOut)
	paths := map[string]bool{"openat": true, "unlinkat": true}
	want := calls(string(b), paths)
	r := runIn(t, mode, "-a", "filter="+set, "strace", prog, dir)
	if r.status != 0 || r.stderr != "" {
		t.Fatalf("godbg %v: status %d, stderr %q", mode, r.status, r.stderr)
	}
	got := calls(r.stdout, paths)
	if strings.Join(got, "\n") != strings.Join(want, "\n") || len(want) < 8 {
		t.Errorf("%v: strace recipe:\n%s\nstrace -f:\n%s\n(recipe output:\n%s)", mode, strings.Join(got, "\n"), strings.Join(want, "\n"), r.stdout)
	}
	if !regexp.MustCompile(`(?m)^openat\(AT_FDCWD, "/nonexistent/sysorder", 0, 0\) = -1 ENOENT \(2\) <0\.\d{6}>$`).MatchString(r.stdout) {
		t.Errorf("no failed openat line with its duration in:\n%s", r.stdout)
	}
}

func TestFaultsRecipe(t *testing.T) {
	for _, mode := range sysModes {
		testFaultsRecipe(t, mode)
	}
}

func testFaultsRecipe(t *testing.T, mode []string) {
	prog := target(t, fixture.Go(t, "goconfig"))
	cfg := writeFile(t, "app.conf", "x=1")
	tid := regexp.MustCompile(`tid=\d+`)
	r := runIn(t, mode, "-a", "inject=openat:error=ENOENT", "-a", "path=app.conf", "faults", prog, cfg)
	r.stdout = tid.ReplaceAllString(r.stdout, "tid=N")
	check(t, r, 0, `faults: openat #1 "`+cfg+`" = -1 ENOENT (injected) tid=N`+"\nno config\n", "")
	// when=2+: the first call of the count runs.
	r = runIn(t, mode, "-a", "inject=openat:error=EACCES:when=2+", "-a", "path=app.conf", "faults", prog, cfg)
	check(t, r, 0, "config: x=1\n", "")
	// One call in two from the third on, over every openat of a C program.
	c := target(t, fixture.C(t, "sysorder.c", "-O0", "-g"))
	dir := t.TempDir()
	r = runIn(t, mode, "-a", "inject=openat:error=ENOENT:when=3+2", "faults", c, dir)
	r.stdout = tid.ReplaceAllString(r.stdout, "tid=N")
	check(t, r, 0, `faults: openat #3 "`+dir+`/sysorder.txt" = -1 ENOENT (injected) tid=N
faults: openat #5 "/nonexistent/sysorder" = -1 ENOENT (injected) tid=N
`, "")
	r = runIn(t, mode, "-a", "inject=openat:when=2", "faults", c, dir)
	if r.status == 0 || !strings.Contains(r.stderr, "give error=ERRNO or retval=N") {
		t.Errorf("bad spec: got status %d, stderr %q", r.status, r.stderr)
	}
}

func TestWatchRecipe(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "gowatch"))
	r := godbg(t, "run", "-a", "var=main.counter", "watch", prog)
	goroutine := regexp.MustCompile(`\[goroutine (\d+), tid \d+\]`)
	r.stdout = goroutine.ReplaceAllString(r.stdout, "[goroutine $1]")
	addr := regexp.MustCompile(`#(\d) 0x[0-9a-f]+ in`)
	r.stdout = addr.ReplaceAllString(r.stdout, "#$1 in")
	var want strings.Builder
	old := 0
	for i := 1; i <= 3; i++ {
		want.WriteString("main.counter = " + strconv.Itoa(i) + " (was " + strconv.Itoa(old) + ") by main.WriterA [goroutine 1]\n")
		want.WriteString("#0 in main.WriterA at main.go:17\n#1 in main.main at main.go:31\n")
		old = i
	}
	for i := 1; i <= 3; i++ {
		r.stdout = regexp.MustCompile(`by main.WriterB \[goroutine \d+\]`).ReplaceAllString(r.stdout, "by main.WriterB [goroutine G]")
		want.WriteString("main.counter = " + strconv.Itoa(i*10) + " (was " + strconv.Itoa(old) + ") by main.WriterB [goroutine G]\n")
		want.WriteString("#0 in main.WriterB at main.go:20\n#1 in main.main.func1 at main.go:37\n")
		old = i * 10
	}
	want.WriteString("read=30\nmain.counter: 6 accesses watched\n")
	check(t, r, 0, want.String(), "")
}

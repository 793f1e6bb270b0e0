package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// straceNorm makes strace's lines and the recipe's comparable: what
// differs from run to run by design goes (the pid strace -f writes first
// and the recipe's [pid N], the recipe's <duration>, the padding before
// "=", which strace -f counts from the pid, addresses of 8 hex digits or
// more, since strace runs the program with ASLR and godbg without, and the
// results that are thread ids); everything else must read the same.
var (
	stracePid      = regexp.MustCompile(`^(?:\d+ +|\[pid +\d+\] )`)
	straceDuration = regexp.MustCompile(` <\d+\.\d+>$`)
	stracePad      = regexp.MustCompile(`\)\s+= `)
	straceAddr     = regexp.MustCompile(`0x[0-9a-f]{8,}`)
	straceTidRet   = regexp.MustCompile(`^((?:set_tid_address|gettid|getpid|getppid|clone|clone3)\(.*\) = )\d+$`)
	straceTidArg   = regexp.MustCompile(`^kill\(\d+|si_pid=\d+`)
	straceName     = regexp.MustCompile(`^(\w+)\(`)
)

// straceLines normalizes strace's output or the recipe's, joining strace
// -f's <unfinished ...> and <... resumed> halves; skip names calls left
// out (the first execve, which the recipe starts after). strace -f's
// "+++ exited" of the threads other than the first goes too: the recipe
// writes the process's.
func straceLines(out string, skipFirst string) []string {
	var ls []string
	unfinished := map[string]string{}
	first, seen := "", false
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		pid := stracePid.FindString(l)
		l = l[len(pid):]
		pid = strings.Trim(pid, " []pid")
		if !seen {
			first, seen = pid, true
		}
		if pid != first && strings.HasPrefix(l, "+++ ") {
			continue
		}
		if r, ok := strings.CutSuffix(l, " <unfinished ...>"); ok {
			unfinished[pid] = r
			continue
		}
		if strings.HasPrefix(l, "<... ") {
			if i := strings.Index(l, " resumed>"); i >= 0 {
				l = unfinished[pid] + l[i+len(" resumed>"):]
				delete(unfinished, pid)
			}
		}
		if skipFirst != "" && strings.HasPrefix(l, skipFirst+"(") {
			skipFirst = ""
			continue
		}
		l = straceDuration.ReplaceAllString(l, "")
		l = stracePad.ReplaceAllString(l, ") = ")
		l = straceAddr.ReplaceAllString(l, "ADDR")
		l = straceTidRet.ReplaceAllString(l, "${1}TID")
		l = straceTidArg.ReplaceAllStringFunc(l, func(s string) string { return strings.TrimRight(s, "0123456789") + "TID" })
		ls = append(ls, l)
	}
	return ls
}

// nameAndResult is what must match on every line: the call's name and
// its result ("openat = 3", "+++ exited with 0 +++").
func nameAndResult(l string) string {
	m := straceName.FindStringSubmatch(l)
	if m == nil {
		return l
	}
	return m[1] + " = " + l[strings.LastIndex(l, " = ")+3:]
}

// realPython is python3's interpreter itself: pyenv's python3 is a shell
// script that runs other programs first.
func realPython(t *testing.T) string {
	p, err := exec.LookPath("python3")
	if err != nil {
		return ""
	}
	out, err := exec.Command(p, "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// The strace recipe reads like strace: on programs nobody here wrote (cat,
// ls, date, uname, git, python3 where there is one, also running
// testdata/structs.py), a Go program and a C program killed by SIGSEGV,
// every call has strace's name and result, in strace's order, and at least
// 90% of strace's lines read the same once normalized (straceLines), and
// for structs.py every line of the calls it is there for. Lines that may
// differ: getrandom's bytes, times (date's output, an absolute
// clock_nanosleep), ports, sysinfo's struct (an address).
func TestStraceRecipeReadsLikeStrace(t *testing.T) {
	for _, tool := range []string{"strace", "setarch"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("this test compares with strace(1) run under setarch -R: %v", err)
		}
	}
	dir := t.TempDir()
	for _, f := range []string{"a.txt", "b.conf", "c"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x=1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	look := func(name string) string {
		p, err := exec.LookPath(name)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	type run struct {
		name   string
		argv   []string
		filter string // "" for every call
		min    int    // lines strace writes at least
		status int    // the program's exit status
		exact  string // strace's lines that match it must all read the same
	}
	runs := []run{
		{argv: []string{look("cat"), filepath.Join(dir, "a.txt")}, min: 40},
		{argv: []string{look("ls"), dir}, min: 40},
		{argv: []string{look("date"), "-u"}, min: 40},
		{argv: []string{look("uname"), "-a"}, min: 40},
		{argv: []string{look("git"), "--version"}, min: 40},
		// The Go runtime's threads call futex, nanosleep, sigaltstack,
		// sched_getaffinity and mmap in an order timing decides; these
		// calls are the main thread's.
		{name: "goconfig", argv: []string{target(t, fixture.Go(t, "goconfig")), filepath.Join(dir, "b.conf")},
			filter: "arch_prctl,prctl,openat,read,close,fcntl,rt_sigaction,epoll_create1,eventfd2,epoll_ctl,write,exit_group", min: 100},
	}
	// A fault: --- SIGSEGV {...} --- and +++ killed by SIGSEGV +++.
	runs = append(runs, run{name: "crash", argv: []string{target(t, fixture.C(t, "crash.c", "-O0", "-g"))}, min: 30, status: 139})
	if py := realPython(t); py != "" {
		src, err := filepath.Abs("../../testdata/structs.py")
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, run{argv: []string{py, "-c", "print(1)"}, min: 500},
			run{name: "structs.py", argv: []string{py, src}, min: 500,
				exact: `^(writev|readv|poll|connect|getsockname\(5,|prlimit64\(0, RLIMIT_NOFILE|rt_sigaction\(SIGUSR1|--- SIGUSR1|rt_sigreturn|pipe2|dup2)`})
	}
	for _, r := range runs {
		name := r.name
		if name == "" {
			name = filepath.Base(r.argv[0])
		}
		straceOut := filepath.Join(t.TempDir(), "strace.out")
		args := []string{"-f", "-o", straceOut}
		if r.filter != "" {
			// SIGURG, Go's preemption, passes godbg silently.
			args = append(args, "-e", "trace="+r.filter, "-e", "signal=none")
		}
		// ASLR off, as godbg runs programs: Python's allocator maps and
		// unmaps by where its arenas land.
		cmd := exec.Command("setarch", append([]string{"x86_64", "-R", "strace"}, append(args, r.argv...)...)...)
		var sout bytes.Buffer
		cmd.Stdout, cmd.Stderr = &sout, &sout
		if err := cmd.Run(); (err != nil) != (r.status != 0) {
			t.Fatalf("strace %s: %v\n%s", name, err, sout.String())
		}
		sb, _ := os.ReadFile(straceOut)
		recipeOut := filepath.Join(t.TempDir(), "recipe.out")
		gargs := []string{"run", "-o", recipeOut}
		if r.filter != "" {
			gargs = append(gargs, "-a", "filter="+r.filter)
		}
		res := godbg(t, append(append(gargs, "strace"), r.argv...)...)
		if res.status != r.status || res.stderr != "" {
			t.Fatalf("godbg strace %s: status %d, stderr %q", name, res.status, res.stderr)
		}
		gb, _ := os.ReadFile(recipeOut)
		want, got := straceLines(string(sb), "execve"), straceLines(string(gb), "")
		same := 0
		var diff strings.Builder
		for i := 0; i < len(want) || i < len(got); i++ {
			var w, g string
			if i < len(want) {
				w = want[i]
			}
			if i < len(got) {
				g = got[i]
			}
			if nameAndResult(w) != nameAndResult(g) {
				t.Errorf("%s line %d: strace %q, recipe %q\n(recipe output:\n%s\nstrace output:\n%s)", name, i+1, w, g, gb, sb)
				break
			}
			if w == g {
				same++
			} else if r.exact != "" && regexp.MustCompile(r.exact).MatchString(w) {
				t.Errorf("%s line %d: strace %q, recipe %q", name, i+1, w, g)
			} else {
				fmt.Fprintf(&diff, "  strace: %s\n  recipe: %s\n", w, g)
			}
		}
		pct := 100 * float64(same) / float64(len(want))
		t.Logf("%s: %d of strace's %d lines read the same (%.1f%%)\n%s", name, same, len(want), pct, diff.String())
		if len(want) < r.min || pct < 90 {
			t.Errorf("%s: %d of strace's %d lines read the same (%.1f%%, want 90%% of at least %d)\n%s", name, same, len(want), pct, r.min, diff.String())
		}
	}
}

// -a summary=1 writes strace -c's table: the same header and rules, and
// the same calls and errors by name (execve, which the recipe starts after,
// aside; the times differ).
func TestStraceRecipeSummaryLikeStraceC(t *testing.T) {
	if _, err := exec.LookPath("strace"); err != nil {
		t.Fatalf("this test compares with strace(1): %v", err)
	}
	dir := t.TempDir()
	cat, err := exec.LookPath("cat")
	if err != nil {
		t.Fatal(err)
	}
	argv := []string{cat, writeFile(t, "a.txt", "x=1\n"), filepath.Join(dir, "missing")}
	straceOut := filepath.Join(t.TempDir(), "strace.out")
	cmd := exec.Command("setarch", append([]string{"x86_64", "-R", "strace", "-c", "-o", straceOut}, argv...)...)
	if b, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("strace -c cat: want cat's status 1, got success\n%s", b)
	}
	sb, _ := os.ReadFile(straceOut)
	res := godbg(t, append([]string{"run", "-a", "summary=1", "strace"}, argv...)...)
	if res.status != 1 || !strings.HasPrefix(res.stderr, cat+": ") {
		t.Fatalf("godbg: status %d, stderr %q", res.status, res.stderr)
	}
	// cat writes its own output first; the table follows.
	got := res.stdout[strings.Index(res.stdout, "% time"):]
	cols := regexp.MustCompile(`^ *[\d.]+ +[\d.]+ +\d+ +(\d+) +(\d*) ?(\w+)$`)
	table := func(s string) (head []string, rows map[string]string) {
		rows = map[string]string{}
		for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
			if m := cols.FindStringSubmatch(l); m != nil {
				if m[3] != "execve" && m[3] != "total" {
					rows[m[3]] = m[1] + " " + m[2]
				}
				continue
			}
			head = append(head, l)
		}
		return head, rows
	}
	wh, wr := table(string(sb))
	gh, gr := table(got)
	if fmt.Sprint(wh) != fmt.Sprint(gh) || fmt.Sprint(wr) != fmt.Sprint(gr) || len(wr) < 10 || wr["openat"] == "" {
		t.Errorf("recipe's table:\n%s\nstrace -c:\n%s\n(headers %q and %q, rows %v and %v)", got, sb, gh, wh, gr, wr)
	}
}

// A script of its own uses the recipe's decoders through require("sysfmt")
// (no global of that name) and replaces one call's.
func TestSysfmtFromScript(t *testing.T) {
	cat, err := exec.LookPath("cat")
	if err != nil {
		t.Fatal(err)
	}
	conf := writeFile(t, "a.conf", "x=1\n")
	out := filepath.Join(t.TempDir(), "out")
	r := godbg(t, "run", "-o", out, "-a", "conf="+conf, "-e", `
		local sysfmt = require("sysfmt")
		sysfmt.calls.close = {function(v) return "fd" .. v end}
		local on = false
		sys({"openat", "read", "close"}, function(ev)
			if ev.phase ~= "exit" then return end
			on = on or (ev.name == "openat" and mem.cstr(ev.args[2]) == params.conf)
			if on then print(sysfmt.line(ev)) end
		end)
		print(type(sysfmt), rawget(_G, "sysfmt"))`, cat, conf)
	b, _ := os.ReadFile(out)
	want := "table\tnil\n" +
		`openat(AT_FDCWD, "` + conf + `", O_RDONLY) = 3` + "\n" +
		`read(3, "x=1\n", 131072)                = 4` + "\n" +
		`read(3, "", 131072)                     = 0` + "\n" +
		`close(fd3)                              = 0` + "\n" +
		`close(fd1)                              = 0` + "\n" +
		`close(fd2)                              = 0` + "\n"
	if r.status != 0 || r.stderr != "" || r.stdout != "x=1\n" || string(b) != want {
		t.Errorf("got status %d, stdout %q, stderr %q, output:\n%s\nwant:\n%s", r.status, r.stdout, r.stderr, b, want)
	}
}

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// straceRandom is getrandom's bytes, which differ from run to run.
var straceRandom = regexp.MustCompile(`^getrandom\("(?:[^"\\]|\\.)*"`)

// straceByPid splits strace -f's output (every line "PID ...") or the
// strace recipe's ("[pid N] ..." while several processes are traced,
// nothing before: the first process's, the one that clones) into each process's calls, normalized as
// straceLines does, with every pid of the run read as PID. strace's
// SIGCHLD lines go: the recipe passes SIGCHLD silently, as godbg does;
// so do the handler's rt_sigreturn and WNOHANG wait4 calls, whose number
// timing decides, and getrandom's bytes.
func straceByPid(out, first string) map[string][]string {
	pidPfx := regexp.MustCompile(`^(?:(\d+) +|\[pid +(\d+)\] )`)
	type line struct{ pid, text string }
	var ls []line
	pids := map[string]bool{}
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		pid := ""
		if m := pidPfx.FindStringSubmatch(l); m != nil {
			pid = m[1] + m[2]
			l = l[len(m[0]):]
			if first == "" && strings.HasPrefix(l, "clone(") {
				first = pid // the shell makes the children
			}
			pids[pid] = true
		}
		ls = append(ls, line{pid, l})
	}
	for i := range ls {
		if ls[i].pid == "" {
			ls[i].pid = first
		}
	}
	unfinished := map[string]string{}
	by := map[string][]string{}
	for _, x := range ls {
		pid, l := x.pid, x.text
		if strings.HasPrefix(l, "--- SIGCHLD ") {
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
		if strings.HasPrefix(l, "rt_sigreturn(") || strings.HasPrefix(l, "wait4(") && strings.Contains(l, "WNOHANG") {
			// The shell's SIGCHLD handler: how often it runs, and so
			// how many returns and non-blocking reaps it makes, is up to
			// when each child's end lands, from run to run.
			continue
		}
		l = straceDuration.ReplaceAllString(l, "")
		l = stracePad.ReplaceAllString(l, ") = ")
		l = straceAddr.ReplaceAllString(l, "ADDR")
		for p := range pids {
			l = regexp.MustCompile(`\b`+p+`\b`).ReplaceAllString(l, "PID")
		}
		l = straceTidRet.ReplaceAllString(l, "${1}TID")
		l = straceRandom.ReplaceAllString(l, `getrandom("RANDOM"`)
		by[pid] = append(by[pid], l)
	}
	return by
}

// With -f the strace recipe follows a shell pipeline as strace -f does:
// the shell and each child (cat, wc, their execve included) make the same
// calls with the same decoded arguments and results, and end the same;
// pids and addresses aside, every line reads the same.
func TestFollowForksStraceLikeStraceF(t *testing.T) {
	for _, tool := range []string{"strace", "setarch"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("this test compares with strace(1) run under setarch -R: %v", err)
		}
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	in := writeFile(t, "in.txt", "hello\n")
	argv := []string{sh, "-c", "cat " + in + " | wc -c; echo x"}
	straceOut := filepath.Join(t.TempDir(), "strace.out")
	cmd := exec.Command("setarch", append([]string{"x86_64", "-R", "strace", "-f", "-o", straceOut}, argv...)...)
	var sout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &sout, &sout
	if err := cmd.Run(); err != nil {
		t.Fatalf("strace: %v\n%s", err, sout.String())
	}
	sb, _ := os.ReadFile(straceOut)
	recipeOut := filepath.Join(t.TempDir(), "recipe.out")
	res := godbg(t, append([]string{"run", "-f", "-o", recipeOut, "strace"}, argv...)...)
	check(t, res, 0, "6\nx\n", "")
	gb, _ := os.ReadFile(recipeOut)

	firstPid := strings.Fields(string(sb))[0]
	want := straceByPid(string(sb), firstPid)
	want[firstPid] = want[firstPid][1:] // the recipe starts after the first execve
	got := straceByPid(string(gb), "")
	seqs := func(by map[string][]string) []string {
		var s []string
		for _, ls := range by {
			s = append(s, strings.Join(ls, "\n"))
		}
		sort.Strings(s)
		return s
	}
	w, g := seqs(want), seqs(got)
	if len(w) != 3 || len(g) != 3 {
		t.Fatalf("processes: strace %d, recipe %d (want 3: sh, cat, wc)\nrecipe:\n%s\nstrace:\n%s", len(w), len(g), gb, sb)
	}
	for i := range w {
		if w[i] != g[i] {
			wl, gl := strings.Split(w[i], "\n"), strings.Split(g[i], "\n")
			for j := 0; j < len(wl) || j < len(gl); j++ {
				var a, b string
				if j < len(wl) {
					a = wl[j]
				}
				if j < len(gl) {
					b = gl[j]
				}
				if a != b {
					t.Errorf("process %d line %d: strace %q, recipe %q", i, j+1, a, b)
					break
				}
			}
		}
	}
	if t.Failed() {
		t.Logf("recipe:\n%s\nstrace:\n%s", gb, sb)
	}
}

// forkServerScript counts the hits of handle() by process and prints, at
// each process's exit, its status and hits; on("fork") names each child.
const forkServerScript = `
local hits, forks = {}, 0
brk("handle", function(ev) hits[ev.pid] = (hits[ev.pid] or 0) + 1 end)
on("fork", function(ev)
	forks = forks + 1
	assert(ev.parent == first_pid, "parent " .. tostring(ev.parent))
	assert(ev.tid == ev.pid)
end)
on("exit", function(ev)
	if ev.pid == first_pid then
		printf("first: code %d hits %d forks %d", ev.code, hits[ev.pid] or 0, forks)
	else
		printf("child: code %d hits %d", ev.code, hits[ev.pid] or 0)
	end
end)
`

// A forking server's 4 workers each handle their requests under the
// parent's breakpoint, counted with each worker's pid: worker k exits with
// k after k+2 hits; the parent makes none.
func TestFollowForksServerHitsByPid(t *testing.T) {
	prog := target(t, fixture.C(t, "forkserver.c", "-O0", "-g"))
	script := "first_pid = threads()[1]\n" + forkServerScript
	res := godbg(t, "run", "-f", "-e", script, prog)
	lines := strings.Split(strings.TrimRight(res.stdout, "\n"), "\n")
	sort.Strings(lines)
	want := []string{"child: code 0 hits 2", "child: code 1 hits 3", "child: code 2 hits 4", "child: code 3 hits 5",
		"first: code 0 hits 0 forks 4", "workers ok 4"}
	if res.status != 0 || res.stderr != "" || strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("status %d, stderr %q, stdout (sorted):\n%s\nwant:\n%s", res.status, res.stderr, strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	noProcessLeft(t, prog)

	// Without -f the workers run untraced, the traps taken out of their
	// copy of the code: no hit, no fork event, and they work.
	res = godbg(t, "run", "-e", script, prog)
	check(t, res, 0, "workers ok 4\nfirst: code 0 hits 0 forks 0\n", "")
	noProcessLeft(t, prog)
}

// kill() from a worker's hit ends every process: the parent and the four
// workers, none left behind, a zombie included; godbg's status is the
// first process's (killed).
func TestFollowForksKillAll(t *testing.T) {
	prog := target(t, fixture.C(t, "forkserver.c", "-O0", "-g"))
	res := godbg(t, "run", "-f", "-e", fromWorker("kill"), prog)
	if res.status != 137 || !strings.HasSuffix(res.stdout, "end kill\n") || !strings.HasPrefix(res.stdout, "threads ") {
		t.Errorf("status %d, stdout %q, stderr %q", res.status, res.stdout, res.stderr)
	}
	noProcessLeft(t, prog)
}

// fromWorker is a script that calls end (kill or detach) at the first
// hit of handle in a worker, after printing the threads of every process.
func fromWorker(end string) string {
	return `
local first = threads()[1]
brk("handle", function(ev)
	if ev.pid ~= first then
		printf("threads %d", #threads())
		` + end + `()
	end
end)
on("end", function(ev) printf("end %s", ev.how) end)`
}

// A child that execs a Go program gets that program's symbols: main.main,
// set from on("exec") in the child, hits in the child with goroutine 1.
func TestFollowForksExecGoChild(t *testing.T) {
	goprog := target(t, fixture.Go(t, "gocalls"))
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	res := godbg(t, "run", "-f", "-e", fmt.Sprintf(`
local first = threads()[1]
on("exec", function(ev)
	if ev.path == %q then
		printf("exec child=%%s reloaded=%%s", tostring(ev.pid ~= first), tostring(ev.reloaded))
		brk("main.main", function(e)
			printf("main.main child=%%s same=%%s goid=%%d sym=%%s", tostring(e.pid ~= first), tostring(e.pid == ev.pid), e.goid, e.sym)
		end)
	end
end)`, goprog), sh, "-c", goprog+"; echo done")
	check(t, res, 0, "exec child=true reloaded=true\nmain.main child=true same=true goid=1 sym=main.main\nsum=45\ndone\n", "")
	noProcessLeft(t, goprog)
}

// vfork children (and posix_spawn's clone(CLONE_VM|CLONE_VFORK)) are
// followed too: 10 vfork children hit mark() with their own pid, the 5
// that exec and the 2 spawned ones report their exec and execve's return,
// and each of the 12 reports its exit.
func TestFollowForksVforkChildren(t *testing.T) {
	prog := target(t, fixture.C(t, "vforker.c", "-O0", "-g"))
	res := godbg(t, "run", "-f", "-e", `
local first = threads()[1]
local c = {}
local function inc(k) c[k] = (c[k] or 0) + 1 end
brk("mark", function(ev) inc(ev.pid == first and "mark-parent" or "mark-child") end)
on("fork", function(ev) inc("fork") assert(ev.parent == first) end)
on("exec", function(ev) inc("exec") end)
sys("execve", function(ev) if ev.phase == "exit" and ev.ret == 0 then inc("execve-ok") end end)
on("exit", function(ev) if ev.pid ~= first then inc("exit-" .. ev.code) else inc("first-exit") end end)
on("end", function()
	local ks = {}
	for k, v in pairs(c) do ks[#ks + 1] = k .. "=" .. v end
	table.sort(ks)
	print(table.concat(ks, " "))
end)`, prog, "10")
	check(t, res, 0, "vforked 10/10 ok, parent marks 10, spawned 2/2 ok\nexec=7 execve-ok=7 exit-0=12 first-exit=1 fork=12 mark-child=10 mark-parent=10\n", "")
	noProcessLeft(t, prog)
}

// detach() from a worker's hit lets every process go clean: the parent and
// the workers run on without traps (no SIGTRAP death) and all four workers
// finish their requests.
func TestFollowForksDetachAll(t *testing.T) {
	prog := target(t, fixture.C(t, "forkserver.c", "-O0", "-g"))
	res := godbg(t, "run", "-f", "-e", fromWorker("detach"), prog)
	lines := strings.Split(strings.TrimRight(res.stdout, "\n"), "\n")
	sort.Strings(lines)
	if got := strings.Join(lines, "|"); res.status != 0 || res.stderr != "" || got != "end detach|threads 5|workers ok 4" {
		t.Errorf("status %d, stdout %q, stderr %q", res.status, res.stdout, res.stderr)
	}
	// No noProcessLeft: the detached program outlives godbg, and its end
	// is reaped by init, when init gets to it.
}

// A successful execve's exit stop reaches sys() (= 0), in the first
// process as in a child: mapping the new image's scratch area used to
// finish the call without that stop.
func TestExecveExitReported(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	script := `sys("execve", function(ev) if ev.phase == "exit" then printf("execve %s = %d", ev.pid == threads()[1] and "first" or "child", ev.ret) end end)`
	res := godbg(t, "run", "-e", script, sh, "-c", "exec /bin/true")
	notice := regexp.MustCompile(`^godbg: process \d+ exec'd \S*/true: its symbols are loaded, 0 breakpoints of the old program deleted\n$`)
	if res.status != 0 || res.stdout != "execve first = 0\n" || !notice.MatchString(res.stderr) {
		t.Errorf("status %d, stdout %q, stderr %q", res.status, res.stdout, res.stderr)
	}
}

// followStepScript stops at the first hit of a function (fmt: its name,
// its argument's name) in a child (%[3]t) or in the first process, then
// runs finish(), next_line() and step() there and prints what each event
// says; each child's exit status and the function's hits come at the end.
const followStepScript = `
local first = threads()[1]
local child = %[3]t
local stopped = false
local bp = brk(%[1]q, function(ev)
	if stopped or (ev.pid ~= first) ~= child then return false end
	stopped = true
	return true
end)
local codes = {}
on("exit", function(ev) codes[#codes + 1] = (ev.pid == first and "first=" or "child=") .. ev.code end)
on("end", function()
	table.sort(codes)
	printf("exits %%s hits %%d", table.concat(codes, " "), bp.hits)
end)
local ev = cont()
assert(ev.reason == "breakpoint" and ev.bp == bp, tostring(ev))
local pid, tid = ev.pid, ev.tid
local function same(ev) return tostring(ev.pid == pid and ev.tid == tid) end
printf("stop child=%%s x=%%d", tostring(pid ~= first), args().%[2]s)
ev = finish()
printf("finish %%s same=%%s sym=%%s line=%%d rax=%%d rets=%%d", ev.reason, same(ev), ev.sym, where(ev.addr).line, regs.rax, rets()[1])
ev = next_line()
printf("next %%s same=%%s sym=%%s line=%%d", ev.reason, same(ev), ev.sym, where(ev.addr).line)
local d = disas(regs.rip, 2)
ev = step()
printf("step %%s same=%%s next=%%s rip=%%s", ev.reason, same(ev), tostring(ev.addr == d[2].addr), tostring(regs.rip == ev.addr))`

// step(), next_line() and finish() in a followed child act on the child's
// thread as in the first process: a worker of the forking server stopped
// in handle(1) finishes back into its loop (line 23) with handle's result
// in rax and rets()[1], next_line goes to the loop's condition (line 22) and step runs
// one instruction, every event with the worker's pid and tid; meanwhile
// the other workers and the parent run on, every hit counted and every
// exit status right. The same script stops the first process of forker,
// with and without -f, and one of its children.
func TestFollowForksStepNextFinishChild(t *testing.T) {
	server := target(t, fixture.C(t, "forkserver.c", "-O0", "-g"))
	forker := target(t, fixture.C(t, "forker.c", "-O0", "-g"))
	for _, c := range []struct {
		prog, fn, arg string
		child, follow bool
		stdout, out   string
	}{
		{server, "handle", "req", true, true, "workers ok 4\n",
			"stop child=true x=1\nfinish finish same=true sym=main line=23 rax=2 rets=2\nnext step same=true sym=main line=22\n" +
				"step step same=true next=true rip=true\nexits child=0 child=1 child=2 child=3 first=0 hits 14\n"},
		{forker, "step", "i", false, true, "parent=1000 child=ok\n",
			"stop child=false x=0\nfinish finish same=true sym=main line=20 rax=1 rets=1\nnext step same=true sym=main line=19\n" +
				"step step same=true next=true rip=true\nexits child=7 first=0 hits 2000\n"},
		{forker, "step", "i", false, false, "parent=1000 child=ok\n",
			"stop child=false x=0\nfinish finish same=true sym=main line=20 rax=1 rets=1\nnext step same=true sym=main line=19\n" +
				"step step same=true next=true rip=true\nexits first=0 hits 1000\n"},
		{forker, "step", "i", true, true, "parent=1000 child=ok\n",
			"stop child=true x=0\nfinish finish same=true sym=main line=16 rax=1 rets=1\nnext step same=true sym=main line=15\n" +
				"step step same=true next=true rip=true\nexits child=7 first=0 hits 2000\n"},
	} {
		out := filepath.Join(t.TempDir(), "out")
		args := []string{"run", "-o", out, "-e", fmt.Sprintf(followStepScript, c.fn, c.arg, c.child), c.prog}
		if c.follow {
			args = append([]string{"run", "-f"}, args[1:]...)
		}
		res := godbg(t, args...)
		got, _ := os.ReadFile(out)
		if res.status != 0 || res.stderr != "" || res.stdout != c.stdout || string(got) != c.out {
			t.Errorf("%s %s follow=%t child=%t: status %d, stdout %q, stderr %q, output:\n%s\nwant:\n%s",
				filepath.Base(c.prog), c.fn, c.follow, c.child, res.status, res.stdout, res.stderr, got, c.out)
		}
		noProcessLeft(t, c.prog)
	}
}

// A followed child that ends during next_line() (over its _exit call) or
// step() (over exit_group's syscall instruction) ends the call with its
// exit event, {reason="exit", pid=, code=}, once on("exit") has seen it, as
// the first process's end ends them; the others run on. Worker k handles
// k+2 requests and exits with k. Stepping the first process into its end
// (without -f) returns its exit the same way.
func TestFollowForksStepToChildExit(t *testing.T) {
	server := target(t, fixture.C(t, "forkserver.c", "-O0", "-g"))
	const script = `
local first = threads()[1]
local hits, stopped, seen = {}, false, {}
brk("handle", function(ev) hits[ev.pid] = (hits[ev.pid] or 0) + 1 end)
local bp = brk(params.at, function(ev)
	if stopped or (ev.pid ~= first) ~= (params.child == "1") then return false end
	stopped = true
	return true
end)
on("exit", function(ev) seen[ev.pid] = (seen[ev.pid] or 0) + 1 end)
on("end", function()
	local n, total = 0, 0
	for pid, c in pairs(seen) do n, total = n + 1, total + c end
	printf("exits seen %d processes %d", total, n)
end)
local ev = cont()
local pid = ev.pid
local steps = 0
repeat
	ev = params.how == "next" and next_line() or step()
	steps = steps + 1
until ev.reason ~= "step" or steps > 10000
printf("%s same=%s code=%s seen=%d", ev.reason, tostring(ev.pid == pid), tostring(ev.code == (pid == first and 0 or hits[pid] - 2)), seen[pid] or 0)`
	for _, c := range []struct {
		follow         bool
		at, child, how string
		out            string
	}{
		{true, "forkserver.c:24", "1", "next", "exit same=true code=true seen=1\nexits seen 5 processes 5\n"},
		{true, "forkserver.c:24", "1", "step", "exit same=true code=true seen=1\nexits seen 5 processes 5\n"},
		{false, "_exit", "0", "step", "exit same=true code=true seen=0\nexits seen 1 processes 1\n"},
	} {
		out := filepath.Join(t.TempDir(), "out")
		args := []string{"run", "-o", out, "-a", "at=" + c.at, "-a", "child=" + c.child, "-a", "how=" + c.how, "-e", script, server}
		if c.follow {
			args = append([]string{"run", "-f"}, args[1:]...)
		}
		res := godbg(t, args...)
		got, _ := os.ReadFile(out)
		if res.status != 0 || res.stderr != "" || res.stdout != "workers ok 4\n" || string(got) != c.out {
			t.Errorf("-f=%t at %s %s: status %d, stdout %q, stderr %q, output:\n%s\nwant:\n%s",
				c.follow, c.at, c.how, res.status, res.stdout, res.stderr, got, c.out)
		}
		noProcessLeft(t, server)
	}
}

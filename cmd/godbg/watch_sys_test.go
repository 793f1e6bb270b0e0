package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
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

var (
	watchProbeOnce sync.Once
	watchDefault   string
)

// watchModes are the flags every watch test runs with: software
// watchpoints forced, then the default, which is hardware where the debug
// registers fire and software where they do not; def is the kind the
// default gives (asked of godbg itself, once).
func watchModes(t *testing.T) (modes [][]string, def string) {
	t.Helper()
	watchProbeOnce.Do(func() {
		prog := target(t, fixture.C(t, "watchme.c", "-O0", "-g"))
		r := godbg(t, "run", "-e", `print(watch(sym("counter"), 8, "w").kind) kill()`, prog)
		watchDefault = strings.TrimSpace(r.stdout)
		if watchDefault == "software" {
			fmt.Fprintln(os.Stderr, "*** cmd tests: the CPU's debug registers do NOT fire on this machine: watch() tests run with software watchpoints only (hardware is checked for its refusal) ***")
		}
	})
	if watchDefault != "hardware" && watchDefault != "software" {
		t.Fatalf("watch probe: kind %q", watchDefault)
	}
	return [][]string{{"--watch", "software"}, nil}, watchDefault
}

func TestWatchWritersScript(t *testing.T) {
	modes, _ := watchModes(t)
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
	for _, m := range modes {
		for _, tt := range tests {
			r := runIn(t, append([]string{"run"}, m...), "-a", "var="+tt.v, "-a", "mode="+tt.mode, "-e", watchScript, tt.prog)
			check(t, r, 0, tt.want, "")
		}
	}
}

func TestWatchLimitsScript(t *testing.T) {
	modes, def := watchModes(t)
	prog := target(t, fixture.C(t, "watchme.c", "-O0", "-g"))
	for _, m := range modes {
		kind := def
		if m != nil {
			kind = "software"
		}
		// A fifth watchpoint: software where four are hardware; hardware
		// asked for is refused (all four in use, or the registers do not
		// fire here).
		fifth := "-e:9: watch 0x555555558040: all 4 hardware watchpoints (DR0-DR3) are in use; delete one first"
		if def == "software" {
			fifth = "-e:9: watch 0x555555558040: the CPU's debug registers do not fire on this machine (a virtual machine that accepts them and never raises the trap); use a software watchpoint"
		}
		r := runIn(t, append([]string{"run"}, m...), "-e", `
		local a = sym("counter")
		print(select(2, pcall(watch, a + 4, 8, "w")))
		print(select(2, pcall(watch, a, 3, "w")))
		print(select(2, pcall(watch, a, 8, "r")))
		local wps = {}
		for i = 1, 4 do wps[i] = watch(a, 8, "w", function() end) end
		print(wps[1].kind, watch(a, 8, "w", function() end).kind)
		print(select(2, pcall(watch, a, 8, "w", nil, {kind = "hardware"})))
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
`+kind+"\tsoftware\n"+fifth+`
true	false
watch	true	writer_a	1
read=30
exit
`, "")
	}
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

// sys() reads each argument with its parameter's width and sign: glibc's
// openat(AT_FDCWD, ...) leaves 0xffffff9c in rdi (an int), Go passes
// -100 as 64 bits; both read -100, ev.raw keeps the register. A read's ret
// is the bytes it read, a failure's the negative errno.
func TestSysArgWidths(t *testing.T) {
	for _, mode := range sysModes {
		testSysArgWidths(t, mode)
	}
}

const sysArgScript = `
local fds, pending = {}, {}
sys({"openat", "read", "write"}, function(ev)
	if ev.name == "openat" then
		if ev.phase == "enter" then
			pending[ev.tid] = mem.cstr(ev.args[2]):match(params.m) ~= nil
			if pending[ev.tid] then
				printf("openat dirfd=%d raw=%s flags=%d mode=%d", ev.args[1], hex(ev.raw[1]), ev.args[3], ev.args[4])
			end
		elseif pending[ev.tid] then
			pending[ev.tid] = nil
			if ev.ret >= 0 then fds[ev.ret] = true; print("openat fd") else printf("openat ret=%d", ev.ret) end
		end
	elseif ev.phase == "exit" and fds[ev.args[1]] then
		printf("%s fd count=%d ret=%d data=\"%s\"", ev.name, ev.args[3], ev.ret, (mem(ev.args[2], math.max(ev.ret, 0)):gsub("\n", "\\n")))
	end
end)`

func testSysArgWidths(t *testing.T, mode []string) {
	c := target(t, fixture.C(t, "sysorder.c", "-O0", "-g"))
	dir := t.TempDir()
	r := runIn(t, mode, "-a", "m=sysorder", "-e", sysArgScript, c, dir)
	check(t, r, 0, `openat dirfd=-100 raw=0xffffff9c flags=577 mode=420
openat fd
write fd count=6 ret=6 data="hello\n"
openat dirfd=-100 raw=0xffffff9c flags=0 mode=0
openat fd
read fd count=16 ret=6 data="hello\n"
openat dirfd=-100 raw=0xffffff9c flags=0 mode=0
openat ret=-2
`, "")
	goProg := target(t, fixture.Go(t, "goconfig"))
	cfg := writeFile(t, "app.conf", "x=1")
	r = runIn(t, mode, "-a", "m=app%.conf", "-e", sysArgScript, goProg, cfg)
	check(t, r, 0, `openat dirfd=-100 raw=0xffffffffffffff9c flags=524288 mode=0
openat fd
read fd count=512 ret=3 data="x=1"
read fd count=509 ret=0 data=""
config: x=1
`, "")
	r = runIn(t, mode, "-a", "m=app%.conf", "-e", sysArgScript, goProg, cfg+".missing")
	check(t, r, 0, "openat dirfd=-100 raw=0xffffffffffffff9c flags=524288 mode=0\nopenat ret=-2\nno config\n", "")
	r = runIn(t, mode, "-e", `
		local function show(s)
			local i = sys_info(s)
			local ps = {}
			for _, a in ipairs(i.args) do
				ps[#ps + 1] = string.format("%s %s:%d:%s:%s", a.type, a.name or "", a.size, tostring(a.signed), a.kind)
			end
			printf("%d %s %s -> %s (%s)", i.nr, i.name, i.entry, i.ret, table.concat(ps, ", "))
		end
		show("openat") show(9) show("stat") show("getpid")
		print(sys_info("nosuch"), sys_info(1000))
		print(select(2, pcall(sys_info, {})))`, goProg, cfg)
	check(t, r, 0, `257 openat sys_openat -> int (int dfd:4:true:fd, const char __user * filename:8:false:ptr, int flags:4:true:int, umode_t mode:2:false:uint)
9 mmap sys_mmap -> ptr (unsigned long addr:8:false:ptr, unsigned long len:8:false:uint, unsigned long prot:8:false:uint, unsigned long flags:8:false:uint, unsigned long fd:4:true:fd, unsigned long off:8:false:uint)
4 stat sys_newstat -> int (const char __user * filename:8:false:ptr, struct stat __user * statbuf:8:false:ptr)
39 getpid sys_getpid -> int ()
nil	nil
-e:12: sys_info: system call name or number expected, got table
config: x=1
`, "")
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
	if !regexp.MustCompile(`(?m)^openat\(AT_FDCWD, "/nonexistent/sysorder", O_RDONLY\) += -1 ENOENT \(No such file or directory\) <0\.\d{6}>$`).MatchString(r.stdout) {
		t.Errorf("no failed openat line with its duration in:\n%s", r.stdout)
	}
}

// sysCall is one completed call of strace's output or the recipe's.
type sysCall struct {
	thread, name string
	args         []string
	ret          string
}

var (
	sysHead    = regexp.MustCompile(`^(?:\[pid (\d+)\] |(\d+) +)?(.*)$`)
	sysResumed = regexp.MustCompile(`^<\.\.\. (\w+) resumed>(.*)$`)
	sysCallRe  = regexp.MustCompile(`^(\w+)\(`)
	decimal    = regexp.MustCompile(`^-?\d+$`)
	duration   = regexp.MustCompile(` <\d+\.\d+>$`)
)

// parseSysCalls reads strace -f -o lines ("PID name(args) = ret") or the
// recipe's ("[pid TID] name(args) = ret <secs>"), strace's <unfinished ...>
// and <... resumed> halves joined; execve, which the recipe never sees (it
// starts after it), is left out.
func parseSysCalls(out string) []sysCall {
	var cs []sysCall
	unfinished := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		h := sysHead.FindStringSubmatch(l)
		tid, rest := h[1]+h[2], h[3]
		if r, ok := strings.CutSuffix(rest, " <unfinished ...>"); ok {
			unfinished[tid] = r
			continue
		}
		if r := sysResumed.FindStringSubmatch(rest); r != nil {
			rest = unfinished[tid] + r[2]
			delete(unfinished, tid)
		}
		m := sysCallRe.FindStringSubmatch(rest)
		if m == nil || m[1] == "execve" {
			continue
		}
		args, tail, ok := splitArgs(rest[len(m[0]):])
		if !ok {
			continue
		}
		tail = strings.TrimSpace(tail)
		if !strings.HasPrefix(tail, "= ") {
			continue
		}
		ret := duration.ReplaceAllString(strings.TrimSpace(tail[2:]), "")
		cs = append(cs, sysCall{thread: tid, name: m[1], args: args, ret: ret})
	}
	return cs
}

// splitArgs splits "a, {b, c}, \"d,e\") rest" at its top-level commas up to
// the closing parenthesis.
func splitArgs(s string) (args []string, rest string, ok bool) {
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case '(', '[', '{':
			depth++
		case ']', '}':
			depth--
		case ')':
			if depth == 0 {
				if a := strings.TrimSpace(s[start:i]); a != "" || len(args) > 0 {
					args = append(args, a)
				}
				return args, s[i+1:], true
			}
			depth--
		case ',':
			if depth == 0 {
				args = append(args, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return nil, "", false
}

// Results that differ from run to run: thread ids and addresses (strace
// runs the program with ASLR, godbg without).
var pidRets = map[string]bool{"set_tid_address": true, "clone": true, "clone3": true, "gettid": true, "getpid": true}
var addrRets = map[string]bool{"mmap": true, "brk": true, "mremap": true, "shmat": true}

// normRet keeps of a result what must match: the number (strace's hex
// flags of fcntl(F_GETFL) as decimal), "-1 ERRNO", "?"; PID and ADDR for
// ids and addresses, an address only when in hex.
func normRet(name, ret string) string {
	f := strings.Fields(ret)
	switch {
	case len(f) == 0:
		return ret
	case f[0] == "?":
		return "?"
	case f[0] == "-1" && len(f) > 1:
		return "-1 " + f[1]
	case pidRets[name] && decimal.MatchString(f[0]):
		return "PID"
	case addrRets[name] && strings.HasPrefix(f[0], "0x"):
		return "ADDR"
	case strings.HasPrefix(f[0], "0x") && !addrRets[name]:
		if v, err := strconv.ParseUint(f[0][2:], 16, 64); err == nil {
			return strconv.FormatUint(v, 10)
		}
	}
	return f[0]
}

// sysThreads groups calls by thread, the first thread's first, the others
// sorted (their ids differ between runs); with flat, one group.
func sysThreads(cs []sysCall, skip map[string]bool, flat bool) [][]sysCall {
	var order []string
	by := map[string][]sysCall{}
	for _, c := range cs {
		if skip[c.name] {
			continue
		}
		k := c.thread
		if flat {
			k = ""
		}
		if _, ok := by[k]; !ok {
			order = append(order, k)
		}
		by[k] = append(by[k], c)
	}
	var gs [][]sysCall
	for _, k := range order {
		gs = append(gs, by[k])
	}
	if len(gs) > 1 {
		rest := gs[1:]
		key := func(g []sysCall) string {
			var b strings.Builder
			for _, c := range g {
				b.WriteString(c.name + "(" + strings.Join(c.args, ",") + ")")
			}
			return b.String()
		}
		sort.Slice(rest, func(i, j int) bool { return key(rest[i]) < key(rest[j]) })
	}
	return gs
}

// compareSysCalls renders want (strace) and got (the recipe) call by call:
// the name, the arguments strace shows as a plain decimal, AT_FDCWD or
// NULL (the others, strace's decoded flags, structs and strings, as _),
// and the normalized result; both renderings must be equal.
func compareSysCalls(want, got [][]sysCall) (w, g string) {
	var wb, gb strings.Builder
	for ti := 0; ti < len(want) || ti < len(got); ti++ {
		fmt.Fprintf(&wb, "thread %d\n", ti)
		fmt.Fprintf(&gb, "thread %d\n", ti)
		var wt, gt []sysCall
		if ti < len(want) {
			wt = want[ti]
		}
		if ti < len(got) {
			gt = got[ti]
		}
		for i := 0; i < len(wt) || i < len(gt); i++ {
			var wc, gc sysCall
			if i < len(wt) {
				wc = wt[i]
			}
			if i < len(gt) {
				gc = gt[i]
			}
			var wa, ga []string
			for j, a := range wc.args {
				if !decimal.MatchString(a) && a != "AT_FDCWD" && a != "NULL" {
					a = "_"
				}
				wa = append(wa, a)
				if j < len(gc.args) {
					if a == "_" {
						ga = append(ga, "_")
					} else {
						ga = append(ga, gc.args[j])
					}
				}
			}
			fmt.Fprintf(&wb, "%s(%s) = %s\n", wc.name, strings.Join(wa, ", "), normRet(wc.name, wc.ret))
			fmt.Fprintf(&gb, "%s(%s) = %s\n", gc.name, strings.Join(ga, ", "), normRet(gc.name, gc.ret))
		}
	}
	return wb.String(), gb.String()
}

// The strace recipe against strace -f on whole runs: every call of cat
// and of a threaded C program (each thread's calls in order; futex left
// out: whether pthread_join waits depends on timing), and the calls of a
// Go program's main goroutine. Names, decimal arguments and results match.
func TestStraceRecipeArgsMatchStrace(t *testing.T) {
	if _, err := exec.LookPath("strace"); err != nil {
		t.Fatalf("this test compares with strace(1): %v", err)
	}
	cat, err := exec.LookPath("cat")
	if err != nil {
		t.Fatal(err)
	}
	cfg := writeFile(t, "app.conf", "x=1\n")
	tests := []struct {
		mode   []string
		filter string
		skip   map[string]bool
		flat   bool
		argv   []string
		min    int
	}{
		{[]string{"run"}, "*", nil, false, []string{cat, cfg}, 40},
		{[]string{"run", "--seccomp"}, "*", nil, false, []string{cat, cfg}, 40},
		{[]string{"run"}, "*", map[string]bool{"futex": true}, false, []string{target(t, fixture.C(t, "cthreads.c", "-O0", "-g", "-pthread")), "3", "10"}, 40},
		{[]string{"run"}, "arch_prctl,openat,read,write,close,fcntl,epoll_create1,eventfd2,epoll_ctl,exit_group", nil, true, []string{target(t, fixture.Go(t, "goconfig")), cfg}, 15},
	}
	for _, tt := range tests {
		traceOut := filepath.Join(t.TempDir(), "strace.out")
		args := []string{"-f", "-o", traceOut}
		if tt.filter != "*" {
			args = append(args, "-e", "trace="+tt.filter)
		}
		cmd := exec.Command("strace", append(args, tt.argv...)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("strace: %v\n%s", err, b)
		}
		b, _ := os.ReadFile(traceOut)
		recipeOut := filepath.Join(t.TempDir(), "recipe.out")
		r := runIn(t, tt.mode, append([]string{"-o", recipeOut, "-a", "filter=" + tt.filter, "strace"}, tt.argv...)...)
		if r.status != 0 || r.stderr != "" {
			t.Fatalf("godbg %v: status %d, stderr %q", tt.mode, r.status, r.stderr)
		}
		rb, _ := os.ReadFile(recipeOut)
		want := sysThreads(parseSysCalls(string(b)), tt.skip, tt.flat)
		got := sysThreads(parseSysCalls(string(rb)), tt.skip, tt.flat)
		w, g := compareSysCalls(want, got)
		if w != g || strings.Count(w, "\n") < tt.min {
			t.Errorf("%v %s: strace recipe (normalized):\n%s\nstrace -f:\n%s\n(recipe output:\n%s\nstrace output:\n%s)", tt.mode, filepath.Base(tt.argv[0]), g, w, rb, b)
		}
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
	modes, _ := watchModes(t)
	for _, m := range modes {
		testWatchRecipe(t, m)
	}
}

func testWatchRecipe(t *testing.T, mode []string) {
	prog := target(t, fixture.GoDebug(t, "gowatch"))
	r := runIn(t, append([]string{"run"}, mode...), "-a", "var=main.counter", "watch", prog)
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

// TestWatchKernelAndFork: the watched global shares its page with others.
// The kernel writing the page in read(2) neither fails the call nor is a
// hit unless it writes the watched bytes (then the hit is at the
// instruction after the call, in libc's read); the program's writes to the
// page's other bytes are no hits; a fork child's writes to its copy do not
// kill it; a read(2) into the watched bytes that blocks until another
// thread writes the pipe completes (the call made again holds no thread). Software watchpoints only meet these (hardware ones watch bytes,
// not pages), and the test runs in both modes all the same.
func TestWatchKernelAndFork(t *testing.T) {
	modes, _ := watchModes(t)
	prog := target(t, fixture.C(t, "swwatch.c", "-O0", "-g"))
	for _, m := range modes {
		for _, mode := range []string{"w", "rw"} {
			r := runIn(t, append([]string{"run"}, m...), "-a", "mode="+mode, "-e", `
				local wp = watch(sym("g"), 8, params.mode, function(ev)
					printf("hit %s %d", where(ev.pc).sym, mem.i64(ev.addr))
				end)
				on("exit", function(ev) print(wp.hits, ev.code) end)`, prog)
			want := "hit read 42\nhit read 77\n"
			hits := 3
			if mode == "rw" {
				want += "hit main 77\n" // r3v = g.counter
				hits++
			}
			want += "hit bump 5\n"
			if mode == "rw" {
				want += "hit main 5\n" // printf's argument
				hits++
			}
			want += "r1=5 buf=hello r2=8 r3=8/77 counter=5 other=7 child=3\n" + strconv.Itoa(hits) + "\t0\n"
			check(t, r, 0, want, "")
		}
	}
}

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// strippedScript reads what a Go program keeps without DWARF: symbols,
// a breakpoint by name, where, bt (after the prologue, at the very entry,
// and in a frameless assembly function under a system call), goroutine ids
// and the goroutine list.
const strippedScript = `
for _, s in ipairs(syms("main.*")) do printf("sym %s %s %d %s", s.name, hex(s.addr), s.size, s.kind) end
printf("sym(main.main)=%s", hex(sym("main.main")))
local n = 0
brk("main.BreakMe", function(ev)
	n = n + 1
	if n > 1 then return end
	local w = where(ev.addr)
	printf("hit %s %s goid=%s where=%s+%d %s:%d", hex(ev.addr), ev.sym, tostring(ev.goid),
		w.sym, w.off, w.file:match("[^/]*$"), w.line)
	print(tostring(bt()))
	local main = 0
	for _, g in ipairs(goroutines()) do
		if g.id == 1 then printf("g1 %s %s start=%s", g.status, g.sym, g.start) end
		if g.start == "runtime.main" then main = main + 1 end
	end
	printf("goroutines started at runtime.main: %d", main)
end)
local entered = false
brk("main.BreakMe", function(ev)
	-- once: the stack check may send the first call back to the entry
	if not entered then entered = true; printf("entry goid=%s", tostring(ev.goid)); print(tostring(bt(3))) end
end, {entry = true})
local done = false
sys("write", function(ev)
	if ev.phase == "enter" and not done then
		done = true
		printf("write goid=%s", tostring(ev.goid))
		print(tostring(bt()))
	end
end)
`

// A Go program built with -ldflags='-s -w' has no DWARF and no ELF symbol
// table, only the runtime's pclntab and build information: syms, brk,
// where, bt and goid give what they give on the same program with DWARF,
// addresses included, and goroutines() lists the same main goroutine.
func TestStrippedGoAsDebug(t *testing.T) {
	debug := target(t, fixture.GoDebug(t, "break"))
	stripped := target(t, fixture.Go(t, "break", "-gcflags=all=-N -l", "-ldflags=-s -w"))
	script := writeFile(t, "stripped.lua", strippedScript)
	var outs [2]string
	for k, prog := range []string{debug, stripped} {
		out := filepath.Join(t.TempDir(), "out")
		r := godbg(t, "run", "-o", out, script, prog)
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		outs[k] = string(b)
		if r.status != 0 || r.stderr != "" || r.stdout != "hello\nhello\nhello\n" {
			t.Errorf("%s: status %d stdout %q stderr %q", prog, r.status, r.stdout, r.stderr)
		}
		noProcessLeft(t, prog)
	}
	if outs[0] != outs[1] {
		t.Errorf("stripped differs from debug build:\n--- with DWARF:\n%s--- -s -w:\n%s", outs[0], outs[1])
	}
	pc := regexp.MustCompile(`0x[0-9a-f]+`)
	got := pc.ReplaceAllString(outs[1], "PC")
	for _, want := range []string{
		"sym main.BreakMe PC 105 func\nsym main.main PC 60 func\n",
		"entry goid=1\n#0 PC in main.BreakMe at main.go:6\n#1 PC in main.main at main.go:12\n#2 PC in runtime.main at proc.go:",
		"hit PC main.BreakMe goid=1 where=main.BreakMe+10 main.go:6\n" +
			"#0 PC in main.BreakMe at main.go:6\n#1 PC in main.main at main.go:12\n#2 PC in runtime.main at proc.go:",
		" in runtime.goexit at asm_amd64.s:",
		"g1 running main.BreakMe start=runtime.main\ngoroutines started at runtime.main: 1\n",
		// The system call stop is in an assembly function without a
		// frame (rbp still the caller's): only the pcsp table unwinds it.
		"write goid=1\n#0 PC in internal/runtime/syscall/linux.Syscall6 at asm_linux_amd64.s:",
		"#1 PC in syscall.RawSyscall6 at syscall_linux.go:",
		" in fmt.Println at print.go:",
		" in main.BreakMe at main.go:7\n#",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("-s -w output lacks %q:\n%s", want, got)
		}
	}
}

// The installed go command has an ELF symbol table but no DWARF: the
// trace recipe names main.main's goroutine, and bt and goroutines() work.
func TestGoCommandWithoutDWARF(t *testing.T) {
	root, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	gocmd := filepath.Join(strings.TrimSpace(string(root)), "bin", "go")
	out := filepath.Join(t.TempDir(), "out")
	r := godbg(t, "run", "-o", out, "-a", "pattern=main.main", "trace", gocmd, "version")
	b, _ := os.ReadFile(out)
	if r.status != 0 || r.stderr != "" || string(b) != "main.main goroutine=1\n       1 main.main\n" || !strings.HasPrefix(r.stdout, "go version go1.") {
		t.Errorf("trace: status %d stdout %q stderr %q output %q; want main.main goroutine=1", r.status, r.stdout, r.stderr, b)
	}
	r = godbg(t, "run", "-o", out, "-e", `brk("main.main", function(ev)
		local f = bt()
		printf("goid=%s %s %s %s %s", tostring(ev.goid), f[1].sym, f[1].file:match("[^/]*$"), f[2].sym, f[#f].sym)
		for _, g in ipairs(goroutines()) do
			if g.id == ev.goid then printf("g %d %s %s", g.id, g.status, g.start) end
		end
	end)`, gocmd, "version")
	b, _ = os.ReadFile(out)
	want := "goid=1 main.main main.go runtime.main runtime.goexit\ng 1 running runtime.main\n"
	if r.status != 0 || r.stderr != "" || string(b) != want {
		t.Errorf("bt, goroutines: status %d stderr %q output %q; want %q", r.status, r.stderr, b, want)
	}
}

// parkedScript prints, at goparked's checkpoint, each goroutine the
// program started (sorted by start function): status, wait reason, user
// frame, go statement, then its stack from bt(nil, id).
const parkedScript = `
local function base(f) return f and f:match("[^/]*$") or "?" end
local function loc(l) return string.format("%s %s:%s", tostring(l.sym), base(l.file), tostring(l.line)) end
brk("main.checkpoint", function(ev)
	local lines = {}
	for _, g in ipairs(goroutines()) do
		if g.start:match("^main%.") then
			local s = string.format("%s %s wait=%s user=%s go=%s", g.start, g.status, tostring(g.wait), loc(g.user), loc(g.gopc))
			for _, f in ipairs(bt(nil, g.id)) do s = s .. "\n  " .. loc(f) end
			lines[#lines + 1] = s
		end
		if g.id == ev.goid then
			local mine, thread = tostring(bt(nil, g.id)), tostring(bt())
			printf("running %s user=%s same=%s", g.status, loc(g.user), tostring(mine == thread))
		end
	end
	table.sort(lines)
	print(table.concat(lines, "\n"))
	print(pcall(bt, nil, 99999))
end)
`

// Ten goroutines parked ten ways: each entry of goroutines() carries the
// wait reason, the first frame outside the runtime (Delve's user location)
// and the go statement, and bt(nil, id) unwinds each from g.sched, frame
// for frame what dlv's goroutine N stack shows (the runtime frames are
// go1.26's, from reading its sources: the channel, select, sema and sleep
// paths into gopark). A -s -w build gives the same.
func TestParkedGoroutines(t *testing.T) {
	src := "goparked/main.go"
	park := func(fn string) string { return "main.go:" + strconv.Itoa(markerLine(t, src, "// PARK "+fn)) }
	gostmt := func(fn string) string { return "main.main main.go:" + strconv.Itoa(markerLine(t, src, "// GO "+fn)) }
	const (
		gopark  = "\n  runtime.gopark proc.go:463"
		unlock  = "\n  runtime.goparkunlock proc.go:468"
		sema    = "\n  runtime.semacquire1 sema.go:192"
		goexit  = "\n  runtime.goexit asm_amd64.s:1771"
		recv    = "\n  runtime.chanrecv1 chan.go:509"
		waiting = " waiting wait="
	)
	g := func(fn, wait, user, stack string) string {
		return "main." + fn + waiting + wait + " user=" + user + " go=" + gostmt(fn) + stack + "\n  main." + fn + " " + park(fn) + goexit
	}
	want := "running running user=main.checkpoint main.go:" + strconv.Itoa(markerLine(t, src, "func checkpoint")) + " same=true\n" +
		g("chanRecv", "chan receive", "main.chanRecv "+park("chanRecv"), gopark+"\n  runtime.chanrecv chan.go:667"+recv) + "\n" +
		g("chanSend", "chan send", "main.chanSend "+park("chanSend"), gopark+"\n  runtime.chansend chan.go:283\n  runtime.chansend1 chan.go:161") + "\n" +
		g("condWait", "sync.Cond.Wait", "sync.runtime_notifyListWait sema.go:617", gopark+unlock+
			"\n  sync.runtime_notifyListWait sema.go:617\n  sync.(*Cond).Wait cond.go:71") + "\n" +
		g("groupWait", "sync.WaitGroup.Wait", "sync.runtime_SemacquireWaitGroup sema.go:114", gopark+unlock+sema+
			"\n  sync.runtime_SemacquireWaitGroup sema.go:114\n  sync.(*WaitGroup).Wait waitgroup.go:206") + "\n" +
		g("mutexLock", "sync.Mutex.Lock", "sync.(*Mutex).Lock mutex.go:46", gopark+unlock+sema+
			"\n  internal/sync.runtime_SemacquireMutex sema.go:95\n  internal/sync.(*Mutex).lockSlow mutex.go:149"+
			"\n  internal/sync.(*Mutex).Lock mutex.go:70\n  sync.(*Mutex).Lock mutex.go:46") + "\n" +
		g("nilRecv", "chan receive (nil chan)", "main.nilRecv "+park("nilRecv"), gopark+"\n  runtime.chanrecv chan.go:536"+recv) + "\n" +
		g("readLock", "sync.RWMutex.RLock", "sync.runtime_SemacquireRWMutexR sema.go:100", gopark+unlock+sema+
			"\n  sync.runtime_SemacquireRWMutexR sema.go:100\n  sync.(*RWMutex).RLock rwmutex.go:74") + "\n" +
		g("selectNone", "select (no cases)", "main.selectNone "+park("selectNone"), gopark+"\n  runtime.block select.go:104") + "\n" +
		g("selectTwo", "select", "main.selectTwo "+park("selectTwo"), gopark+"\n  runtime.selectgo select.go:351") + "\n" +
		g("sleeper", "sleep", "time.Sleep time.go:363", gopark+"\n  time.Sleep time.go:363") + "\n" +
		"false\t"
	script := writeFile(t, "parked.lua", parkedScript)
	want += script + ":19: bt: no goroutine 99999\n"
	for _, prog := range []string{
		target(t, fixture.GoDebug(t, "goparked")),
		target(t, fixture.Go(t, "goparked", "-gcflags=all=-N -l", "-ldflags=-s -w")),
	} {
		out := filepath.Join(t.TempDir(), "out")
		r := godbg(t, "run", "-o", out, script, prog)
		b, _ := os.ReadFile(out)
		if r.status != 0 || r.stderr != "" || r.stdout != "11\n" {
			t.Errorf("%s: status %d stdout %q stderr %q", prog, r.status, r.stdout, r.stderr)
		}
		if string(b) != want {
			t.Errorf("%s: got\n%s\nwant\n%s", prog, b, want)
		}
		noProcessLeft(t, prog)
	}
}

// govalues' locals, as var() and locals() give them: an empty map is an
// empty table, a slice of interfaces keeps its nil elements' places (and
// says its length in _len), a string indexes to its bytes, a promoted
// field reads through its embedded struct, anonymous types have their Go
// names, and integers beyond 2^53 come as exact decimal strings.
func TestGoValues(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "govalues"))
	stop := strconv.Itoa(markerLine(t, "govalues/main.go", "// STOP"))
	out := filepath.Join(t.TempDir(), "out")
	r := godbg(t, "run", "-o", out, "-e", `brk("main.go:`+stop+`", function(ev)
		local e = var("empty")
		printf("empty: %s %d %s", type(e), #e, tostring(next(e)))
		local l = locals()
		local i = l.ifaces
		printf("ifaces: _len=%d [1]=%s [2]=%s [3]=%s [4]=%s", i._len, i[1].value, tostring(i[2]), i[3].value, tostring(i[4]))
		printf("str[0]=%d str[3]=%d %s", var("str[0]"), var("str[3]"), select(2, pcall(var, "str[4]")))
		printf("b.val=%d b.name=%s b.base.val=%d b.extra=%d", var("b.val"), var("b.name"), var("b.base.val"), var("b.extra"))
		printf("anonIface.type=%s", var("anonIface").type)
		print(select(2, pcall(var, "anon.Q")))
		printf("big=%s %s max=%s small=%s %s", var("big"), type(l.big), l.max, tostring(l.small), type(l.small))
		printf("equal=%s", tostring(var("big") == "9223372036854775809"))
	end)`, prog)
	b, _ := os.ReadFile(out)
	want := "empty: table 0 nil\n" +
		"ifaces: _len=4 [1]=1 [2]=nil [3]=two [4]=nil\n" +
		"str[0]=48 str[3]=51 -e:7: var(\"str[4]\"): eval \"str[4]\": index 4 out of range [0,4)\n" +
		"b.val=7 b.name=inner b.base.val=7 b.extra=9\n" +
		"anonIface.type=struct { X int; Y string }\n" +
		"-e:10: var(\"anon.Q\"): eval \"anon.Q\": anon (struct { X int; Y string }) has no field Q\n" +
		"big=9223372036854775809 string max=18446744073709551615 small=42 number\n" +
		"equal=true\n"
	if r.status != 0 || r.stderr != "" || string(b) != want {
		t.Errorf("status %d stderr %q; got\n%s\nwant\n%s", r.status, r.stderr, b, want)
	}
	noProcessLeft(t, prog)
}

// A Go program without DWARF whose release has no runtime.g layout in the
// table (the break program's build info rewritten to go1.19) runs traced,
// says once on stderr why its events carry no goid, and goroutines()
// raises the same reason.
func TestUnknownGoReleaseSaysSo(t *testing.T) {
	b, err := os.ReadFile(fixture.Go(t, "break", "-gcflags=all=-N -l", "-ldflags=-s -w"))
	if err != nil {
		t.Fatal(err)
	}
	ver := []byte(runtime.Version())[:6] // "go1.26": the same length keeps the binary valid
	old := bytes.ReplaceAll(b, ver, []byte("go1.19"))
	prog := filepath.Join(t.TempDir(), "tgold")
	if err := os.WriteFile(prog, old, 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	r := godbg(t, "run", "-o", out, "-e", `brk("main.BreakMe", function(ev)
		print(ev.goid, select(2, pcall(goroutines)))
	end, {once = true})`, prog)
	got, _ := os.ReadFile(out)
	release := "go1.19" + runtime.Version()[6:]
	why := "no DWARF, and the runtime.g layout of " + release + " is not known (known: go1.26, go1.25, go1.24)"
	if want := "nil\t-e:2: goroutines: " + why + "\n"; string(got) != want {
		t.Errorf("output %q, want %q", got, want)
	}
	if want := "godbg: warning: goroutine ids: " + why + ": events carry no goid\n"; r.status != 0 || r.stderr != want {
		t.Errorf("status %d stderr %q; want 0, %q", r.status, r.stderr, want)
	}
	noProcessLeft(t, prog)
}

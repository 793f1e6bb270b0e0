package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/godbg/godbg/internal/fixture"
)

// godbgBin is the godbg binary TestMain builds: the CLI is tested whole, as
// a subprocess, as users run it.
var godbgBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "godbg-cli-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	godbgBin = filepath.Join(dir, "godbg")
	cmd := exec.Command("go", "build", "-o", godbgBin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build godbg: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	status         int
	pid            int
}

// godbg runs the godbg binary with args and returns what it wrote and its
// exit status; it fails the test after 2 minutes.
func godbg(t *testing.T, args ...string) result {
	t.Helper()
	return runGodbg(t, nil, args...)
}

// runGodbg is godbg with stdin read from stdin (nil: /dev/null).
func runGodbg(t *testing.T, stdin io.Reader, args ...string) result {
	t.Helper()
	cmd := exec.Command(godbgBin, args...)
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatalf("start godbg: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		state := procState(cmd.Process.Pid)
		if msg := hardKill(cmd, done); msg != "" {
			t.Fatalf("godbg %q: still running after 2 minutes, %s", args, msg)
		}
		t.Fatalf("godbg %q: still running after 2 minutes\n%s\nstdout:\n%s\nstderr:\n%s", args, state, out.String(), errb.String())
	}
	return result{out.String(), errb.String(), cmd.ProcessState.ExitCode(), cmd.Process.Pid}
}

var copies atomic.Int32

// target copies a built fixture under a unique short name, so that
// noProcessLeft can find its processes by name.
func target(t *testing.T, built string) string {
	t.Helper()
	src, err := os.ReadFile(built)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("tg%d-%d", os.Getpid()%100000, copies.Add(1))
	dst := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(dst, src, 0o755); err != nil {
		t.Fatal(err)
	}
	return dst
}

// noProcessLeft fails when a process (a zombie included) of the program
// still exists.
func noProcessLeft(t *testing.T, program string) {
	t.Helper()
	comm := filepath.Base(program)
	if len(comm) > 15 {
		comm = comm[:15]
	}
	// A SIGKILLed task takes a moment to go, and an orphan is reaped by
	// init when init gets to it: a bound for a loaded machine, not a
	// measurement.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var left []string
		stats, _ := filepath.Glob("/proc/[0-9]*/stat")
		for _, s := range stats {
			b, err := os.ReadFile(s)
			if err != nil {
				continue
			}
			if i, j := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')'); i >= 0 && j > i && string(b[i+1:j]) == comm {
				left = append(left, strings.TrimSpace(string(b)))
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes of %s left behind:\n%s", comm, strings.Join(left, "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func check(t *testing.T, r result, wantStatus int, wantStdout, wantStderr string) {
	t.Helper()
	if r.status != wantStatus || r.stdout != wantStdout || r.stderr != wantStderr {
		t.Errorf("got status %d, stdout %q, stderr %q;\nwant status %d, stdout %q, stderr %q",
			r.status, r.stdout, r.stderr, wantStatus, wantStdout, wantStderr)
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The seed document's session: a breakpoint on main.BreakMe, after its
// prologue, counted by a callback; the program's output unchanged.
func TestRunCountsBreakpointHits(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "break"))
	r := godbg(t, "run", "-e", `
		local n = 0
		local bp = brk("main.BreakMe", function(ev) n = n + 1 end)
		on("exit", function(ev) printf("n=%d hits=%d code=%d", n, bp.hits, ev.code) end)`, prog)
	check(t, r, 0, "hello\nhello\nhello\nn=3 hits=3 code=0\n", "")
	noProcessLeft(t, prog)
}

// Done-criterion: 8 goroutines x 20,000 calls = exactly 160,000 hits.
func TestRunGoroutinesExactHits(t *testing.T) {
	prog := target(t, fixture.Go(t, "gomulti"))
	r := godbg(t, "run", "-e", `
		local n = 0
		brk("main.Work", function() n = n + 1 end)
		on("exit", function() printf("hits=%d", n) end)`, prog, "8", "20000")
	check(t, r, 0, "goroutines=8 calls=160000 sum=3199840000\nhits=160000\n", "")
	noProcessLeft(t, prog)
}

// Done-criterion: 4 pthreads x 20,000 calls = exactly 80,000 hits, and one
// on("thread") event a thread.
func TestRunPthreadsExactHits(t *testing.T) {
	prog := target(t, fixture.C(t, "cthreads.c", "-O0", "-g"))
	r := godbg(t, "run", "-e", `
		local n, threads = 0, 0
		brk("work", function() n = n + 1 end)
		on("thread", function(ev) assert(ev.reason == "thread" and ev.tid > 0); threads = threads + 1 end)
		on("exit", function() printf("hits=%d threads=%d", n, threads) end)`, prog, "4", "20000")
	check(t, r, 0, "threads=4 calls=80000 sum=1599920000\nhits=80000 threads=4\n", "")
	noProcessLeft(t, prog)
}

// Done-criterion: a SIGSEGV comes back from cont() as a signal event, bt()
// names inner, outer, main, and the signal then kills the tracee: 139.
func TestRunCrashSignalAndBacktrace(t *testing.T) {
	prog := target(t, fixture.C(t, "crash.c", "-O0", "-g"))
	r := godbg(t, "run", "-e", `
		local ev = cont()
		printf("%s %s fault=%s sym=%s pc_is_addr=%s", ev.reason, ev.signal, hex(ev.fault_addr), ev.sym, tostring(ev.addr == regs.rip))
		local names = {}
		for i, f in ipairs(bt()) do names[i] = f.sym .. ":" .. f.line end
		print(table.concat(names, " "))
		local text = tostring(bt())
		print((text:gsub("0x%x+", "PC")))
		on("exit", function(ev) printf("exit %s", ev.signal) end)`, prog)
	want := "about to crash\n" +
		"signal SIGSEGV fault=0x0 sym=inner pc_is_addr=true\n" +
		"inner:5 outer:9 main:16\n" +
		"#0 PC in inner at crash.c:5\n#1 PC in outer at crash.c:9\n#2 PC in main at crash.c:16\n" +
		"exit SIGSEGV\n"
	check(t, r, 128+11, want, "")
	noProcessLeft(t, prog)
}

// on("signal") returning true suppresses the signal; the tracee runs on.
func TestRunSignalSuppressed(t *testing.T) {
	src := writeFile(t, "raise.c", `#include <signal.h>
#include <stdio.h>
int main(void) { raise(SIGUSR1); printf("survived\n"); return 3; }
`)
	prog := filepath.Join(t.TempDir(), "raise")
	if out, err := exec.Command("gcc", "-O0", "-o", prog, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	r := godbg(t, "run", "-e", `on("signal", function(ev) printf("seen %s", ev.signal); return ev.signal == "SIGUSR1" end)`, prog)
	check(t, r, 3, "seen SIGUSR1\nsurvived\n", "")
	r = godbg(t, "run", "-e", `local ev = cont(); print(ev.reason, ev.signal)`, prog)
	check(t, r, 128+10, "signal\tSIGUSR1\n", "")
}

// A breakpoint without fn stops: cont() returns its event, the same bp value.
func TestRunBreakpointStopsAndFields(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "break"))
	r := godbg(t, "run", "-e", `
		local bp = brk("main.BreakMe")
		assert(bp.addr == sym("main.BreakMe") + (bp.addr - sym("main.BreakMe")))
		local entry = brk("main.BreakMe", {entry = true, once = true})
		assert(entry.addr == sym("main.BreakMe"), "entry at the first instruction")
		assert(bp.addr > entry.addr, "after the prologue")
		printf("ids %d %d loc %s n=%d", bp.id, entry.id, bp.loc, #bps())
		local ev = cont()
		printf("%s same=%s sym=%s hits=%d", ev.reason, tostring(ev.bp == entry), ev.sym, entry.hits)
		ev = cont()
		printf("%s same=%s hits=%d n=%d", ev.reason, tostring(ev.bp == bp), bp.hits, #bps())
		assert(string.byte(mem(bp.addr, 1)) == 0xcc, "mem shows the trap")
		bp:disable()
		ev = cont()
		printf("%s code=%d hits=%d", ev.reason, ev.code, bp.hits)
		local ok, err = pcall(cont)
		print(ok, (tostring(err):gsub("^.-: ", "")))`, prog)
	want := "ids 1 2 loc main.BreakMe n=2\n" +
		"breakpoint same=true sym=main.BreakMe hits=1\n" +
		"breakpoint same=true hits=1 n=1\n" +
		"hello\nhello\nhello\n" +
		"exit code=0 hits=1\n" +
		"false\tcont: the process has exited\n"
	check(t, r, 0, want, "")
}

// Registers and memory: writes change what the program computes.
func TestRunRegsAndMem(t *testing.T) {
	prog := target(t, fixture.C(t, "hello.c", "-O0", "-g"))
	r := godbg(t, "run", "-e", `
		mem.i32(sym("counter"), 1000)           -- before main: counter starts at 1000
		local first = true
		brk("add", function(ev)
			if first then
				first = false
				printf("a=%d b=%d greeting=%s", regs.rdi, regs.rsi, mem.cstr(mem.u64(sym("greeting"))))
				regs.rdi = 100                  -- add(100, 10) instead of add(0, 10)
			end
		end, {entry = true})
		regs.rax = -1
		printf("rax=%d %s", regs.rax, hex(regs.rax))
		regs.rax = "0xffffffffffffffff"
		printf("rax=%d", regs.rax)`, prog)
	check(t, r, 0, "rax=-1 0xffffffffffffffff\nrax=-1\na=0 b=10 greeting=hi\nhi total=160 counter=1160\n", "")
}

func TestRunMemTypes(t *testing.T) {
	prog := target(t, fixture.C(t, "hello.c", "-O0", "-g"))
	r := godbg(t, "run", "-e", `
		local a = sym("counter")
		mem.u32(a, 0xffffffff); printf("u32=%d i32=%d u8=%d i8=%d u16=%d i16=%d", mem.u32(a), mem.i32(a), mem.u8(a), mem.i8(a), mem.u16(a), mem.i16(a))
		mem.i64(a, -2); printf("u64=%s i64=%d", hex(mem.i64(a)), mem.i64(a))
		mem.f64(a, 1.5); printf("f64=%g", mem.f64(a))
		mem.f32(a, -0.25); printf("f32=%g", mem.f32(a))
		mem(a, "ab\0"); printf("raw=%q cstr=%s", mem(a, 3), mem.cstr(a))
		print(pcall(mem.u8, a, 256))
		mem.u64(a, 0)
		kill()`, prog)
	want := "u32=4294967295 i32=-1 u8=255 i8=-1 u16=65535 i16=-1\n" +
		"u64=0xfffffffffffffffe i64=-2\nf64=1.5\nf32=-0.25\n" +
		"raw=\"ab\\0\" cstr=ab\n" + // %q as Lua writes it
		"false\t-e:8: mem.u8: 256 does not fit in 1 bytes\n"
	check(t, r, 137, want, "")
	noProcessLeft(t, prog)
}

// Symbols, where, step, threads, disas.
func TestRunSymbolsStepDisas(t *testing.T) {
	prog := target(t, fixture.C(t, "hello.c", "-O0", "-g"))
	r := godbg(t, "run", "-e", `
		local add = sym("add")
		print(sym("nope"), where(0))
		for _, s in ipairs(syms("[ac][do]*")) do printf("%s %s %d %s", s.name, tostring(s.addr == sym(s.name)), s.size, s.kind) end
		local w = where(add + 4)
		printf("%s+%d %s:%d", w.sym, w.off, w.file:match("[^/]*$"), w.line)
		local bp = brk("hello.c:9")
		local ev = cont()
		printf("%s %s #threads=%d", ev.reason, ev.sym, #threads())
		local l = disas(nil, 2)
		printf("%d %s bp=%s %s", #l, l[1].text, tostring(l[1].bp), tostring(l[1].addr == ev.addr))
		printf("%s", (tostring(l):gsub("  0x%x+  ", "  PC  ")))
		local whole = disas("add")
		printf("first=%s last=%s", whole[1].text, whole[#whole].text)
		local s = step()
		printf("%s %s", s.reason, tostring(s.addr == ev.addr + l[1].len))
		bp:delete()
		print(#bps())`, prog)
	lines := strings.Split(r.stdout, "\n")
	if r.status != 0 || r.stderr != "" || len(lines) < 10 {
		t.Fatalf("status %d stderr %q stdout %q", r.status, r.stderr, r.stdout)
	}
	for i, wantPrefix := range []string{
		"nil\tnil",
		"add true ",
		"completed.0 true 1 data",
		"counter true 4 data",
		"add+4 hello.c:8",
		"breakpoint add #threads=1",
		"2 mov edx, dword ptr [rbp-0x14] bp=true true",
		"hello.c:9  PC  8b55ec  mov edx, dword ptr [rbp-0x14]",
		"hello.c:9  PC  8b45e8  mov eax, dword ptr [rbp-0x18]",
		"first=push rbp last=ret",
		"step true",
		"0",
		"hi total=60 counter=60",
	} {
		if i >= len(lines) || !strings.HasPrefix(lines[i], wantPrefix) {
			t.Errorf("line %d: got %q, want it to start with %q\nstdout:\n%s", i+1, lines[min(i, len(lines)-1)], wantPrefix, r.stdout)
		}
	}
}

// The trace recipe: one line a call with its goroutine, counts at the exit.
func TestTraceRecipe(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "break"))
	r := godbg(t, "run", "-a", "pattern=main.*", "trace", prog)
	want := "main.main goroutine=1\n" +
		"main.BreakMe goroutine=1\nhello\n" +
		"main.BreakMe goroutine=1\nhello\n" +
		"main.BreakMe goroutine=1\nhello\n" +
		"       3 main.BreakMe\n" +
		"       1 main.main\n"
	check(t, r, 0, want, "")

	prog = target(t, fixture.Go(t, "gomulti"))
	r = godbg(t, "run", "-a", "pattern=main.Work", "-a", "quiet=1", "trace", prog, "4", "1000")
	check(t, r, 0, "goroutines=4 calls=4000 sum=3996000\n    4000 main.Work\n", "")
}

// -a and -o: params reach the script, print goes to the file, stdout keeps
// only the tracee's output.
func TestParamsAndOutputFile(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "break"))
	out := filepath.Join(t.TempDir(), "out.jsonl")
	script := writeFile(t, "s.lua", `
		local keys = {}
		for k in pairs(params) do keys[#keys + 1] = k end
		table.sort(keys)
		for _, k in ipairs(keys) do printf("%s=%s", k, params[k]) end
		brk("main.BreakMe", function(ev) emit({fn = ev.sym, n = ev.bp.hits, tid = ev.tid > 0}) end)`)
	r := godbg(t, "run", "-a", "x=1", "-a", "list=a,b", "-a", "eq=k=v", "-o", out, script, prog)
	check(t, r, 0, "hello\nhello\nhello\n", "")
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := "eq=k=v\nlist=a,b\nx=1\n" +
		`{"fn":"main.BreakMe","n":1,"tid":true}` + "\n" +
		`{"fn":"main.BreakMe","n":2,"tid":true}` + "\n" +
		`{"fn":"main.BreakMe","n":3,"tid":true}` + "\n"
	if string(got) != want {
		t.Errorf("-o file: got %q, want %q", got, want)
	}
}

// The script's folder is on package.path.
func TestRequireFromScriptFolder(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "break"))
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "helper.lua"), []byte(`return {greet = function() return "from helper" end}`), 0o644)
	os.WriteFile(filepath.Join(dir, "main.lua"), []byte(`print(require("helper").greet()); kill()`), 0o644)
	r := godbg(t, "run", filepath.Join(dir, "main.lua"), prog)
	check(t, r, 137, "from helper\n", "")
	noProcessLeft(t, prog)
}

// Exit statuses: the tracee's, 137 after kill(), 0 after detach().
func TestExitStatuses(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "break"))
	r := godbg(t, "run", "-e", `local ev = kill(); printf("%s %s", ev.reason, ev.signal)`, prog)
	check(t, r, 137, "exit SIGKILL\n", "")
	r = godbg(t, "run", "-e", `brk("main.BreakMe", {once = true}); cont(); detach()`, prog)
	if r.status != 0 || r.stderr != "" {
		t.Errorf("detach: status %d stderr %q", r.status, r.stderr)
	}
	noProcessLeft(t, prog) // the detached tracee finishes on its own
	noProcessLeft(t, prog)
}

// os.exit(code) ends the session as any other ending does, then exits with
// code: from the main chunk, and from a callback with the other threads
// running, the tracee is killed and reaped.
func TestOsExit(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "break"))
	r := godbg(t, "run", "-e", `print("bye"); os.exit(3)`, prog)
	check(t, r, 3, "bye\n", "")
	noProcessLeft(t, prog)
	threads := target(t, fixture.C(t, "cthreads.c", "-O0", "-g"))
	r = godbg(t, "run", "-e", `local n = 0; brk("work", function() n = n + 1; if n == 1000 then print(n); os.exit(false) end end)`, threads, "8", "20000")
	check(t, r, 1, "1000\n", "")
	noProcessLeft(t, threads)
}

// next is Lua's table iterator, untouched by the API (line stepping is
// next_line): next({}) is nil and moves nothing.
func TestNextIsLuas(t *testing.T) {
	prog := target(t, fixture.C(t, "hello.c", "-O0", "-g"))
	r := godbg(t, "run", "-e", `
		brk("add"); cont()
		local pc = regs.rip
		print(next({}), next({5}), regs.rip == pc)
		local n = 0
		for k, v in pairs({a = 1, b = 2}) do n = n + v end
		print(n, where(next_line().addr).line)
		kill()`, prog)
	check(t, r, 137, "nil\t1\ttrue\n3\t10\n", "")
	noProcessLeft(t, prog)
}

// Godbg's own failures: one clear message on stderr, non-zero, nothing on
// stdout, no process left.
func TestErrors(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "break"))
	notELF := writeFile(t, "notelf", "#!/bin/sh\necho hi\n")
	os.Chmod(notELF, 0o755)
	bad := writeFile(t, "bad.lua", "local x = 1\nif x then\nprint(x)\n")
	bad2 := writeFile(t, "bad2.lua", "local x = = 2\n")
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"missing program", []string{"run", "-e", "", "/nonexistent/prog"}, "godbg: program /nonexistent/prog: no such file\n"},
		{"not ELF", []string{"run", "-e", "", notELF}, "godbg: program " + notELF + ": not an ELF executable but a script for /bin/sh; debug its interpreter instead, e.g. godbg run SCRIPT /bin/sh " + notELF + "\n"},
		{"syntax error at EOF", []string{"run", bad, prog}, bad + ": syntax error at end of file\n"},
		{"syntax error", []string{"run", bad2, prog}, bad2 + ":1: syntax error near '='\n"},
		{"missing script", []string{"run", "/nonexistent.lua", prog}, "godbg: script /nonexistent.lua: no such file and no bundled recipe of that name (see godbg scripts)\n"},
		{"usage", []string{"run", "trace"}, "godbg: run: want SCRIPT PROGRAM [ARGS...] (see godbg run --help)\n"},
		{"bad -a", []string{"run", "-a", "novalue", "trace", prog}, "godbg: -a \"novalue\": want KEY=VALUE\n"},
		{"unknown flag", []string{"run", "--bogus", "trace", prog}, "godbg: flag provided but not defined: -bogus\n"},
	}
	for _, tt := range tests {
		r := godbg(t, tt.args...)
		if r.status == 0 || r.stdout != "" || r.stderr != tt.stderr {
			t.Errorf("%s: got status %d stdout %q stderr %q; want non-zero, \"\", %q", tt.name, r.status, r.stdout, r.stderr, tt.stderr)
		}
	}

	r := godbg(t, "run", "-e", `brk("main.BrakMe")`, prog)
	wantMsg := "-e:1: brk: unknown symbol main.BrakMe (did you mean main.BreakMe?)\n"
	if r.status != 1 || r.stdout != "" || !strings.HasPrefix(r.stderr, wantMsg) || !strings.Contains(r.stderr, "stack traceback:") {
		t.Errorf("unknown symbol: status %d stdout %q stderr %q; want 1 and %q + traceback", r.status, r.stdout, r.stderr, wantMsg)
	}
	noProcessLeft(t, prog)

	// A runtime error in a callback: SCRIPT:LINE, the callback's traceback,
	// the tracee killed.
	script := writeFile(t, "cb.lua", "brk(\"main.BreakMe\", function(ev)\n  error(\"boom\")\nend)\n")
	r = godbg(t, "run", script, prog)
	if r.status != 1 || r.stdout != "" || !strings.HasPrefix(r.stderr, script+":2: boom\nstack traceback:") {
		t.Errorf("callback error: status %d stdout %q stderr %q", r.status, r.stdout, r.stderr)
	}
	noProcessLeft(t, prog)

	r = godbg(t, "run", "-e", "local ok, err = pcall(cont)\nprint(ok)\nerror({})", prog)
	if r.status != 1 {
		t.Errorf("error with a table: status %d stderr %q", r.status, r.stderr)
	}
	noProcessLeft(t, prog)
}

// --timeout and Ctrl-C stop even a callback in an endless loop; the tracee
// is killed.
func TestTimeoutAndInterrupt(t *testing.T) {
	prog := target(t, fixture.Go(t, "gomulti"))
	r := godbg(t, "run", "--timeout", "1s", "-e", `brk("main.Work", function() while true do end end)`, prog, "8", "100000000")
	check(t, r, 124, "", "godbg: timed out after 1s\n")
	noProcessLeft(t, prog)

	cmd := exec.Command(godbgBin, "run", "-e", `brk("main.Work", function() end)`, prog, "8", "100000000")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	if st := cmd.ProcessState.ExitCode(); st != 130 || errb.String() != "godbg: interrupted\n" {
		t.Errorf("Ctrl-C: status %d stderr %q, want 130 and \"godbg: interrupted\\n\"", st, errb.String())
	}
	noProcessLeft(t, prog)
}

func TestSymsDisasScriptsHelp(t *testing.T) {
	prog := fixture.GoDebug(t, "break")
	r := godbg(t, "syms", prog, "main.*")
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if r.status != 0 || len(lines) != 2 || !strings.HasSuffix(lines[0], " func main.BreakMe") || !strings.HasSuffix(lines[1], " func main.main") {
		t.Errorf("syms: status %d stdout %q stderr %q", r.status, r.stdout, r.stderr)
	}
	r = godbg(t, "disas", prog, "main.BreakMe")
	lines = strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if r.status != 0 || len(lines) < 5 ||
		lines[0] != "TEXT main.BreakMe(SB) "+filepath.Join(fixture.Root(), "testdata/break/main.go") ||
		!strings.HasPrefix(lines[1], "main.go:6  0x") || !strings.HasSuffix(lines[1], "  493b6610            cmp rsp, qword ptr [r14+0x10]") ||
		!strings.Contains(r.stdout, "call fmt.Println\n") || !strings.HasSuffix(lines[len(lines)-1], "jmp main.BreakMe") {
		t.Errorf("disas: status %d stdout\n%s\nstderr %q", r.status, r.stdout, r.stderr)
	}
	r = godbg(t, "disas", prog, "main.BrakMe")
	check(t, r, 1, "", "godbg: unknown symbol main.BrakMe (did you mean main.BreakMe?)\n")

	r = godbg(t, "scripts")
	var names []string
	for _, l := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
		if !strings.HasPrefix(l, " ") { // a recipe's line; its parameters follow, indented
			names = append(names, strings.Fields(l)[0])
		}
	}
	if got, want := strings.Join(names, " "), "count faults inject latency profile strace trace watch"; r.status != 0 || got != want {
		t.Errorf("scripts: status %d, recipes %q, want %q", r.status, got, want)
	}
	if !strings.Contains(r.stdout, "trace        log every call of the functions matching a glob, with its goroutine, and count them.\n") {
		t.Errorf("scripts: no trace line in\n%s", r.stdout)
	}

	for _, c := range []string{"run", "attach", "syms", "disas", "scripts"} {
		r = godbg(t, c, "--help")
		if r.status != 0 || !strings.Contains(r.stdout, "godbg "+c) || !strings.Contains(r.stdout, "Example") {
			t.Errorf("%s --help: status %d, no example:\n%s", c, r.status, r.stdout)
		}
	}
}

// Recipes declare their parameters in their header comment: godbg scripts
// lists them, godbg scripts NAME shows the help, and an -a key a recipe
// does not declare is refused by name (-a valu=5 on inject injected 0).
func TestRecipeParams(t *testing.T) {
	r := godbg(t, "scripts")
	if r.status != 0 || !strings.Contains(r.stdout, "inject ") || !strings.Contains(r.stdout, "\n               -a value=V ") {
		t.Errorf("scripts: status %d, stdout %q", r.status, r.stdout)
	}
	r = godbg(t, "scripts", "inject")
	if r.status != 0 || !strings.HasPrefix(r.stdout, "inject: ") || !strings.Contains(r.stdout, "Parameters:\n  -a func=GLOB") {
		t.Errorf("scripts inject: status %d, stdout %q", r.status, r.stdout)
	}
	check(t, godbg(t, "scripts", "nope"), 2, "", "godbg: scripts: no bundled recipe \"nope\" (see godbg scripts)\n")
	r = godbg(t, "scripts", "--bogus")
	if r.status != 2 || r.stdout != "" || !strings.Contains(r.stderr, "-bogus") {
		t.Errorf("scripts --bogus: status %d, stdout %q, stderr %q; want 2 and the error on stderr", r.status, r.stdout, r.stderr)
	}
	prog := target(t, fixture.C(t, "hello.c", "-O0", "-g"))
	check(t, godbg(t, "run", "-a", "func=add", "-a", "valu=5", "inject", prog), 1, "",
		"godbg: inject.lua has no parameter \"valu\" (its parameters: func, value, every, float, quiet; see godbg scripts inject)\n")
	noProcessLeft(t, prog)
}

// hardKill ends cmd for good, done closing when its Wait returned: its
// tracer first when it has one (a traced process that dies is reaped by its
// tracer first, so a hung godbg would keep it forever), then cmd. It
// returns "" when cmd ended within a minute, else what its threads were
// doing before the kill, for the failure to show.
func hardKill(cmd *exec.Cmd, done <-chan struct{}) string {
	pid := cmd.Process.Pid
	before := procState(pid)
	if tp := tracerPid(pid); tp != 0 && tp != os.Getpid() {
		syscall.Kill(tp, syscall.SIGKILL)
	}
	cmd.Process.Kill()
	select {
	case <-done:
		return ""
	case <-time.After(time.Minute):
		return fmt.Sprintf("process %d not reaped a minute after SIGKILL; before it:\n%s", pid, before)
	}
}

// reap kills cmd if it still runs and waits for it, a minute at most: a
// test's cleanup never hangs.
func reap(cmd *exec.Cmd) {
	if cmd.Process == nil || cmd.ProcessState != nil {
		return
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	if msg := hardKill(cmd, done); msg != "" {
		fmt.Fprintln(os.Stderr, "cleanup:", msg)
	}
}

// procState says, for pid and its tracer, what each thread is doing: its
// state, the kernel function it waits in and its system call (proc(5)).
func procState(pid int) string {
	var b strings.Builder
	procs := []int{pid, tracerPid(pid)}
	// and what pid traces: a godbg's programs
	stats, _ := filepath.Glob("/proc/[0-9]*/status")
	for _, st := range stats {
		var n int
		if fmt.Sscanf(filepath.Base(filepath.Dir(st)), "%d", &n); n != pid && tracerPid(n) == pid {
			procs = append(procs, n)
		}
	}
	for _, p := range procs {
		if p == 0 || p == os.Getpid() {
			continue
		}
		tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", p))
		fmt.Fprintf(&b, "process %d (tracer %d):\n", p, tracerPid(p))
		for _, task := range tasks {
			dir := fmt.Sprintf("/proc/%d/task/%s/", p, task.Name())
			wchan, _ := os.ReadFile(dir + "wchan")
			sc, _ := os.ReadFile(dir + "syscall")
			st := readText(dir + "status")
			fmt.Fprintf(&b, "  thread %s: %s %s %s wchan=%s syscall=%s\n", task.Name(), firstLineWith(st, "State:"),
				firstLineWith(st, "SigPnd:"), firstLineWith(st, "ShdPnd:"), wchan, strings.TrimSpace(string(sc)))
		}
	}
	return b.String()
}

// tracerPid is pid's TracerPid, 0 when untraced or gone.
func tracerPid(pid int) int {
	var n int
	fmt.Sscanf(firstLineWith(readText(fmt.Sprintf("/proc/%d/status", pid)), "TracerPid:"), "TracerPid: %d", &n)
	return n
}

func readText(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

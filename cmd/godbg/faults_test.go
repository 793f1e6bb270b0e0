package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// Each fault of testdata/faults.c comes back from cont() as a signal event
// at the faulting instruction, bt() names the function, and continuing
// delivers the signal: the tracee dies of it and godbg exits 128+N.
func TestFaultsReportedWithBacktrace(t *testing.T) {
	prog := target(t, fixture.C(t, "faults.c", "-O0", "-g"))
	script := `
		local ev = cont()
		printf("%s %s sym=%s at_pc=%s fault=%s", ev.reason, ev.signal, tostring(ev.sym), tostring(ev.addr == regs.rip), hex(ev.fault_addr or 0))
		local names = {}
		for i, f in ipairs(bt()) do names[i] = (f.sym or "??") .. ":" .. tostring(f.line) end
		print(table.concat(names, " "))
		on("exit", function(ev) printf("exit %s", ev.signal) end)`
	tests := []struct {
		fault, signal string
		status        int
		sym, bt       string
		fault0        bool // fault_addr is 0 (SIGSEGV at 8 says 0x8)
	}{
		{"segv", "SIGSEGV", 139, "fault_segv", "fault_segv:19 main:47", false},
		{"bus", "SIGBUS", 135, "fault_bus", "fault_bus:24 main:49", false},
		{"fpe", "SIGFPE", 136, "fault_fpe", "fault_fpe:27 main:51", false},
	}
	for _, tt := range tests {
		r := godbg(t, "run", "-e", script, prog, tt.fault)
		lines := strings.Split(r.stdout, "\n")
		want0 := "fault " + tt.fault
		want1 := "signal " + tt.signal + " sym=" + tt.sym + " at_pc=true fault=0x"
		if r.status != tt.status || r.stderr != "" || len(lines) < 4 || lines[0] != want0 ||
			!strings.HasPrefix(lines[1], want1) || lines[2] != tt.bt || lines[3] != "exit "+tt.signal {
			t.Errorf("%s: got status %d stdout %q stderr %q;\nwant %d and lines %q, %q..., %q, %q",
				tt.fault, r.status, r.stdout, r.stderr, tt.status, want0, want1, tt.bt, "exit "+tt.signal)
		}
	}
	// SIGFPE's si_addr is the faulting instruction; SIGSEGV's the address read.
	r := godbg(t, "run", "-e", `local ev = cont(); print(ev.fault_addr == ev.addr)`, prog, "fpe")
	check(t, r, 136, "fault fpe\ntrue\n", "")
	r = godbg(t, "run", "-e", `local ev = cont(); print(hex(ev.fault_addr))`, prog, "segv")
	check(t, r, 139, "fault segv\n0x8\n", "")

	// abort() raises SIGABRT inside libc: the event comes at a pc that is
	// not the program's (named by libc's debug file, libc6-dbg, as gdb's bt
	// names it, not misnamed after the program's last symbol), and bt()
	// unwinds through libc by libc's CFI to the program's frames.
	r = godbg(t, "run", "-e", script, prog, "abort")
	lines := strings.Split(r.stdout, "\n")
	if r.status != 134 || r.stderr != "" || len(lines) < 4 || lines[0] != "fault abort" ||
		!strings.HasPrefix(lines[1], "signal SIGABRT sym=__pthread_kill_implementation at_pc=true") || strings.Contains(r.stdout, "_fini") ||
		!strings.Contains(lines[2], " abort:") || !strings.HasSuffix(lines[2], " fault_abort:29 main:53") || lines[3] != "exit SIGABRT" {
		t.Errorf("abort: got status %d stdout %q stderr %q", r.status, r.stdout, r.stderr)
	}
	noProcessLeft(t, prog)
}

// A fault can be survived: on("signal") moves rip past the faulting
// division (its length from disas) and suppresses the SIGFPE.
func TestFaultSkippedByScript(t *testing.T) {
	prog := target(t, fixture.C(t, "faults.c", "-O0", "-g"))
	r := godbg(t, "run", "-e", `
		on("signal", function(ev)
			local l = disas(ev.addr, 1)
			regs.rip = ev.addr + l[1].len
			printf("skipped %s", l[1].text:match("^%S+"))
			return true
		end)`, prog, "fpe")
	if r.status != 0 || r.stderr != "" || !strings.HasPrefix(r.stdout, "fault fpe\nskipped idiv\nsurvived ") {
		t.Errorf("got status %d stdout %q stderr %q", r.status, r.stdout, r.stderr)
	}
	noProcessLeft(t, prog)
}

// SIGKILL from outside: the exit event says SIGKILL, godbg exits 137 and
// says nothing of its own.
func TestTraceeKilledFromOutside(t *testing.T) {
	prog := target(t, fixture.C(t, "faults.c", "-O0", "-g"))
	cmd := exec.Command(godbgBin, "run", "-e", `on("exit", function(ev) printf("exit %s code=%s", ev.signal, tostring(ev.code)) end)`, prog, "spin")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reap(cmd) })
	rd := bufio.NewReader(out)
	for _, want := range []string{"fault spin\n", "spinning\n"} {
		if line, err := rd.ReadString('\n'); line != want {
			t.Fatalf("tracee output: got %q (%v), want %q", line, err, want)
		}
	}
	pids := pidsOf(t, prog)
	if len(pids) != 1 {
		t.Fatalf("processes of %s: %v, want one", prog, pids)
	}
	syscall.Kill(pids[0], syscall.SIGKILL)
	rest, _ := bufio.NewReader(rd).ReadString(0)
	cmd.Wait()
	if st := cmd.ProcessState.ExitCode(); st != 137 || rest != "exit SIGKILL code=nil\n" || errb.String() != "" {
		t.Errorf("got status %d stdout %q stderr %q; want 137, \"exit SIGKILL code=nil\\n\", \"\"", st, rest, errb.String())
	}
	noProcessLeft(t, prog)
}

// pidsOf lists the processes running program (by its short name).
func pidsOf(t *testing.T, program string) []int {
	t.Helper()
	comm := filepath.Base(program)
	if len(comm) > 15 {
		comm = comm[:15]
	}
	var pids []int
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, s := range stats {
		b, err := os.ReadFile(s)
		if err != nil {
			continue
		}
		if i, j := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')'); i >= 0 && j > i && string(b[i+1:j]) == comm {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(s)))
			pids = append(pids, pid)
		}
	}
	return pids
}

// exec of another program: its symbols are loaded (the signal event and
// bt() name its functions; sym finds them and no longer the old ones), the
// old breakpoints are deleted, and stderr says so. exec of the same
// program keeps the breakpoints.
func TestTraceeExecs(t *testing.T) {
	prog := target(t, fixture.C(t, "faults.c", "-O0", "-g"))
	crash := target(t, fixture.C(t, "crash.c", "-O0", "-g"))
	r := godbg(t, "run", "-e", `
		brk("fault_segv")
		printf("before: inner=%s bps=%d", tostring(sym("inner") ~= nil), #bps())
		local ev = cont()
		printf("%s %s sym=%s inner=%s fault_segv=%s bps=%d", ev.reason, ev.signal, ev.sym, tostring(sym("inner") == ev.addr - where(ev.addr).off), tostring(sym("fault_segv")), #bps())
		local names = {}
		for i, f in ipairs(bt()) do names[i] = f.sym end
		print(table.concat(names, " "))`,
		prog, "exec", crash)
	want := "before: inner=false bps=1\nfault exec\nabout to crash\n" +
		"signal SIGSEGV sym=inner inner=true fault_segv=nil bps=0\ninner outer main\n"
	if r.status != 139 || r.stdout != want ||
		!strings.HasPrefix(r.stderr, "godbg: process ") || !strings.HasSuffix(r.stderr, " exec'd "+crash+": its symbols are loaded, 1 breakpoints of the old program deleted\n") {
		t.Errorf("exec another: got status %d stdout %q stderr %q; want 139, %q and the exec message", r.status, r.stdout, r.stderr, want)
	}

	r = godbg(t, "run", "-e", `
		local bp = brk("fault_segv")
		local ev = cont()
		printf("%s %s hits=%d", ev.reason, ev.sym, bp.hits)
		ev = cont()
		printf("%s %s", ev.reason, ev.signal)`, prog, "exec", prog, "segv")
	check(t, r, 139, "fault exec\nfault segv\nbreakpoint fault_segv hits=1\nsignal SIGSEGV\n", "")

	// on("exec"): the script hears of each exec, with what runs now.
	r = godbg(t, "run", "-e", `
		brk("fault_segv", function() end)
		on("exec", function(ev)
			printf("%s %s reloaded=%s dropped=%d tid=%s", ev.reason, ev.path:match("[^/]*$"), tostring(ev.reason == "exec" and ev.reloaded), ev.dropped, tostring(ev.tid ~= nil))
		end)`, prog, "exec", crash)
	wantExec := "fault exec\nexec " + filepath.Base(crash) + " reloaded=true dropped=1 tid=true\nabout to crash\n"
	if r.status != 139 || r.stdout != wantExec {
		t.Errorf("on(exec): got status %d stdout %q stderr %q; want 139, %q", r.status, r.stdout, r.stderr, wantExec)
	}
	noProcessLeft(t, prog)
	noProcessLeft(t, crash)
}

// fork(): the child of a C program (fork) and of a Go program (os/exec:
// clone and exec) runs free of our traps; the parent's hits are exact.
func TestForkedChildrenRunClean(t *testing.T) {
	for _, tt := range []struct{ name, prog, fn, want string }{
		{"C", fixture.C(t, "forker.c", "-O0", "-g"), "step", "parent=1000 child=ok\n"},
		{"Go", fixture.Go(t, "goforker"), "main.Step", "parent=1000 child=ok (exit status 7)\n"},
	} {
		prog := target(t, tt.prog)
		r := godbg(t, "run", "-e", `
			local n = 0
			brk("`+tt.fn+`", function() n = n + 1 end)
			on("exit", function(ev) printf("hits=%d code=%d", n, ev.code) end)`, prog)
		check(t, r, 0, tt.want+"hits=1000 code=0\n", "")
		noProcessLeft(t, prog)
	}
}

// vfork children share the program's memory, traps included: a C program's
// vfork children that call a function with a breakpoint, and a Go program's
// os/exec children (clone with CLONE_VFORK|CLONE_VM, where the child runs
// syscall.runtime_AfterForkInChild before its exec), survive, and their hits
// are counted as the program's, each with the child's tid.
func TestVforkChildrenScript(t *testing.T) {
	for _, tt := range []struct{ name, prog, parentFn, childFn, want string }{
		{"C", fixture.C(t, "vforker.c", "-O0", "-g"), "", "mark",
			"vforked 50/50 ok, parent marks 50, spawned 10/10 ok\nhits=100 tids=51 code=0\n"}, // 50 children and the program
		{"Go", fixture.Go(t, "goexec"), "main.Step", "syscall.runtime_AfterForkInChild",
			"ran 20/20 ok, steps 20\nhits=20 tids=20 code=0\n"},
	} {
		for _, flags := range [][]string{nil, {"--no-displaced"}} {
			prog := target(t, tt.prog)
			args := append([]string{"run"}, flags...)
			args = append(args, "-e", `
				if params.parent ~= "" then brk(params.parent, function() end) end
				local kids = {}
				local bp = brk(params.child, function(ev) kids[ev.tid] = true end)
				on("exit", function(ev)
					local n = 0
					for _ in pairs(kids) do n = n + 1 end
					printf("hits=%d tids=%d code=%d", bp.hits, n, ev.code)
				end)`, "-a", "parent="+tt.parentFn, "-a", "child="+tt.childFn, prog)
			r := godbg(t, args...)
			check(t, r, 0, tt.want, "")
			noProcessLeft(t, prog)
		}
	}
}

// A program that rewrites the imm32 of the `mov eax, imm32` under a
// breakpoint gets the new value, with and without displaced stepping, and
// the breakpoint keeps hitting.
func TestSelfModifyingCodeScript(t *testing.T) {
	prog := target(t, fixture.C(t, "selfmod.c", "-O0", "-g"))
	for _, flags := range [][]string{nil, {"--no-displaced"}} {
		args := append(append([]string{"run"}, flags...), "-e", `
			local bp = brk("getval", function() end, {entry = true})
			on("exit", function(ev) printf("hits=%d code=%d", bp.hits, ev.code) end)`, prog)
		check(t, godbg(t, args...), 0, "before=0x11223344\nafter=0x55667788\nagain=0x55667788\nhits=3 code=0\n", "")
	}
	noProcessLeft(t, prog)
}

package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// System calls made by int 0x80 (the i386 ABI) in a 64-bit program: sys()
// sees them in both modes, numbered and named by the i386 table (getpid
// is 20 there, write 4), ev.arch = "i386", hooked by the name of the
// x86-64 call (sys("getpid") sees both entries; writev, 20 on x86-64, is
// not getpid). A kernel without IA32 emulation at run time (the vector is
// absent: int 0x80 faults, as in some virtual machines and confidential
// guests) makes no such call: the program gets SIGSEGV at the instruction
// with or without godbg, and no event is made up.
func TestRunInt80Syscalls(t *testing.T) {
	prog := target(t, fixture.C(t, "int80.c", "-O0", "-g", "-no-pie"))
	native, err := exec.Command(prog).Output()
	var ee *exec.ExitError
	kernelHasInt80 := err == nil
	if !kernelHasInt80 && !(errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGSEGV) {
		t.Fatalf("int80 alone: %v, output %q", err, native)
	}
	if kernelHasInt80 && string(native) != "int80 write\n" {
		t.Fatalf("int80 alone: output %q", native)
	}
	script := `
		local pids = {}
		sys({"getpid", "write", "writev"}, function(ev)
			if ev.phase == "enter" then
				printf("%s %s %d %s %s", ev.phase, ev.name, ev.nr, tostring(ev.arch),
					ev.name == "write" and string.format("%d %q %d", ev.args[1], mem.cstr(ev.args[2]), ev.args[3]) or "")
			else
				if ev.name == "getpid" then pids[#pids + 1] = ev.ret end
				printf("%s %s %d %s %s", ev.phase, ev.name, ev.nr, tostring(ev.arch), ev.name == "write" and ev.ret or "")
			end
		end)
		on("signal", function(ev) printf("signal %s in %s", ev.signal, where(ev.addr).sym) end)
		on("exit", function(ev)
			local same = #pids > 0
			for _, p in ipairs(pids) do same = same and p == pids[#pids] end
			printf("exit %s getpid results %d equal %s", tostring(ev.code or ev.signal), #pids, tostring(same))
		end)`
	for _, mode := range [][]string{nil, {"--seccomp"}} {
		out := filepath.Join(t.TempDir(), "out")
		r := godbg(t, append(append([]string{"run", "-o", out}, mode...), "-e", script, prog)...)
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !kernelHasInt80 {
			if r.status != 128+11 || string(got) != "signal SIGSEGV in int80\nexit SIGSEGV getpid results 0 equal false\n" {
				t.Errorf("%v: no int 0x80 in this kernel: status %d, script output %q, stderr %q", mode, r.status, got, r.stderr)
			}
			continue
		}
		want := "enter getpid 20 i386 \nexit getpid 20 i386 \n" +
			"enter getpid 20 i386 \nexit getpid 20 i386 \n" +
			"enter getpid 20 i386 \nexit getpid 20 i386 \n" +
			"enter write 4 i386 1 \"int80 write\\n\" 12\nexit write 4 i386 12\n" +
			"enter getpid 39 nil \nexit getpid 39 nil \n" +
			"exit 0 getpid results 4 equal true\n"
		if r.status != 0 || string(got) != want || r.stdout != "int80 write\n" {
			t.Errorf("%v: status %d, stdout %q, script output\n%s\nwant\n%s", mode, r.status, r.stdout, got, want)
		}
	}
}

package main

import (
	"bufio"
	"debug/elf"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// elfHeader is a bare ELF header (no segments, no sections) of the given
// class (1: 32-bit, 2: 64-bit) and machine, enough for the kernel and
// debug/elf to tell what it is for. There is no gcc -m32 multilib here, so
// the 32-bit case is crafted as well.
func elfHeader(class elf.Class, machine elf.Machine) []byte {
	b := []byte{0x7f, 'E', 'L', 'F', byte(class), 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	le := binary.LittleEndian
	b = le.AppendUint16(b, uint16(elf.ET_EXEC))
	b = le.AppendUint16(b, uint16(machine))
	b = le.AppendUint32(b, 1)
	if class == elf.ELFCLASS32 {
		b = le.AppendUint32(b, 0x8048000) // entry
		b = le.AppendUint32(b, 0)         // phoff
		b = le.AppendUint32(b, 0)         // shoff
		b = le.AppendUint32(b, 0)         // flags
		b = le.AppendUint16(b, 52)
		b = le.AppendUint16(b, 32)
	} else {
		b = le.AppendUint64(b, 0x400000)
		b = le.AppendUint64(b, 0)
		b = le.AppendUint64(b, 0)
		b = le.AppendUint32(b, 0)
		b = le.AppendUint16(b, 64)
		b = le.AppendUint16(b, 56)
	}
	return append(b, 0, 0, 0, 0, 0, 0, 0, 0) // phnum, shentsize, shnum, shstrndx
}

func writeExec(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// Programs godbg cannot debug: one message naming the file and the reason,
// exit status 1, nothing on stdout, no process started or left.
func TestBadPrograms(t *testing.T) {
	real, err := os.ReadFile(fixture.C(t, "hello.c", "-O0", "-g"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	script := writeExec(t, "tgscript", []byte("#!/bin/sh -e\necho hi\n"))
	noExec := writeFile(t, "tgnoexec", string(real))
	elf32 := writeExec(t, "tgelf32", elfHeader(elf.ELFCLASS32, elf.EM_386))
	arm := writeExec(t, "tgarm64", elfHeader(elf.ELFCLASS64, elf.EM_AARCH64))
	cut := writeExec(t, "tgcut", real[:len(real)/2])
	cutHeader := writeExec(t, "tgcuthdr", real[:40])
	// Sections dropped from the header (e_shoff, e_shnum, e_shstrndx = 0)
	// so that debug/elf accepts the file, then cut inside its segments.
	noSections := append([]byte(nil), real...)
	binary.LittleEndian.PutUint64(noSections[0x28:], 0)
	binary.LittleEndian.PutUint32(noSections[0x3c:], 0)
	segs := writeExec(t, "tgsegs", noSections[:len(real)/3])
	text := writeExec(t, "tgtext", []byte("just some text\n"))
	empty := writeExec(t, "tgempty", nil)

	tests := []struct{ name, prog, msg string }{
		{"missing", filepath.Join(dir, "nope"), "no such file"},
		{"directory", dir, "is a directory"},
		{"script", script, "not an ELF executable but a script for /bin/sh -e; debug its interpreter instead, e.g. godbg run SCRIPT /bin/sh -e " + script},
		{"text", text, "not an ELF executable"},
		{"empty", empty, "not an ELF executable"},
		{"no x permission", noExec, "not executable (no x permission)"},
		{"32-bit", elf32, "a 32-bit ELF file (EM_386), godbg debugs 64-bit x86-64 programs"},
		{"aarch64", arm, "an ELF file for EM_AARCH64, godbg debugs x86-64 programs"},
		{"truncated", cut, "a truncated or damaged ELF file (EOF)"},
		{"truncated header", cutHeader, "a truncated or damaged ELF file (EOF)"},
	}
	for _, tt := range tests {
		r := godbg(t, "run", "-e", `print("the script ran")`, tt.prog)
		want := "godbg: program " + tt.prog + ": " + tt.msg + "\n"
		if r.status != 1 || r.stdout != "" || r.stderr != want {
			t.Errorf("%s: got status %d stdout %q stderr %q;\nwant 1, \"\", %q", tt.name, r.status, r.stdout, r.stderr, want)
		}
		noProcessLeft(t, tt.prog)
	}
	r := godbg(t, "run", "-e", `print("the script ran")`, segs)
	if r.status != 1 || r.stdout != "" || !strings.HasPrefix(r.stderr, "godbg: program "+segs+": a truncated ELF file (a segment ends at byte ") {
		t.Errorf("segments cut short: got status %d stdout %q stderr %q", r.status, r.stdout, r.stderr)
	}
	noProcessLeft(t, segs)

	// syms and disas refuse the same files without a panic.
	for _, p := range []string{text, elf32, cut, dir} {
		for _, args := range [][]string{{"syms", p}, {"disas", p, "main"}} {
			r := godbg(t, args...)
			if r.status != 1 || r.stdout != "" || !strings.HasPrefix(r.stderr, "godbg: ") || strings.Contains(r.stderr, "panic") {
				t.Errorf("%q: got status %d stdout %q stderr %q", args, r.status, r.stdout, r.stderr)
			}
		}
	}
}

// overwriteSection fills a section of a copy of the binary with 0xff.
func overwriteSection(t *testing.T, built, name, section string) string {
	t.Helper()
	data, err := os.ReadFile(built)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(built)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := f.Section(section)
	if s == nil {
		t.Fatalf("%s has no %s", built, section)
	}
	// Keep the unit header (11 or 12 bytes) so the damage is inside the
	// DIEs, where debug/dwarf does not see it up front.
	for i := s.Offset + 12; i < s.Offset+s.Size; i++ {
		data[i] = 0xff
	}
	return writeExec(t, name, data)
}

// A binary with damaged DWARF still runs and stops at breakpoints by name;
// what needs the DWARF says so clearly, and nothing hangs (debug/dwarf
// looped forever on such a .debug_info).
func TestCorruptDWARF(t *testing.T) {
	prog := overwriteSection(t, fixture.C(t, "hello.c", "-O0", "-g"), "tgbaddwarf", ".debug_info")
	r := godbg(t, "run", "-e", `
		brk("add", {entry = true})
		local ev = cont()
		printf("%s %s", ev.reason, ev.sym)
		print(bt()[1].sym)
		print(pcall(args))
		print(pcall(brk, "hello.c:9"))`, prog)
	want := "breakpoint add\nadd\n" +
		"false\t-e:6: args: debuginfo: read DWARF: debuginfo: malformed .debug_info (a DIE walk does not advance)\n"
	if r.status != 0 || r.stderr != "" || !strings.HasPrefix(r.stdout, want) || !strings.Contains(r.stdout, "\nfalse\t-e:7: brk: read DWARF units of "+prog+": malformed .debug_info") ||
		!strings.HasSuffix(r.stdout, "hi total=60 counter=60\n") {
		t.Errorf("got status %d stdout %q stderr %q;\nwant 0 and stdout starting %q", r.status, r.stdout, r.stderr, want)
	}
	noProcessLeft(t, prog)
}

// Stripped binaries: a Go one (-ldflags='-s -w') keeps its pclntab, so
// sym, brk by name and by file:line, where, disas and bt work (and goid and
// goroutines: TestStrippedGoAsDebug); args, locals and var say there is no
// debug info. A C one
// (gcc -s) has no symbols at all, and brk by name says so.
func TestStrippedBinaries(t *testing.T) {
	prog := target(t, fixture.Go(t, "break", "-gcflags=all=-N -l", "-ldflags=-s -w"))
	r := godbg(t, "run", "-e", `
		printf("sym=%s syms=%d", tostring(sym("main.BreakMe") ~= nil), #syms("main.*"))
		local bp = brk("main.BreakMe", {once = true})
		local ev = cont()
		local w = where(ev.addr)
		printf("%s %s where=%s %s:%d", ev.reason, ev.sym, w.sym, w.file:match("[^/]*$"), w.line)
		local names = {}
		for i, f in ipairs(bt(2)) do names[i] = f.sym end
		print(table.concat(names, " "))
		printf("disas=%s", tostring(#disas("main.BreakMe") > 5))
		for _, fn in ipairs({"args", "locals"}) do print(pcall(_G[fn])) end
		print(pcall(var, "x"))
		print(pcall(goroutines))
		local line = brk("main.go:10")
		printf("line bp at %s", tostring(line.addr > 0))
		kill()`, prog)
	noDebug := ": no debug info (DWARF) in " + prog + ": build with -g (C) or without -ldflags=-w (Go)\n"
	want := "sym=true syms=2\n" +
		"breakpoint main.BreakMe where=main.BreakMe main.go:6\n" +
		"main.BreakMe main.main\n" +
		"disas=true\n" +
		"false\t-e:11: args" + noDebug +
		"false\t-e:11: locals" + noDebug +
		"false\t-e:12: var(\"x\")" + noDebug
	if r.status != 137 || r.stderr != "" || !strings.HasPrefix(r.stdout, want) || !strings.HasSuffix(r.stdout, "line bp at true\n") {
		t.Errorf("Go: got status %d stdout %q stderr %q;\nwant 137 and stdout starting %q", r.status, r.stdout, r.stderr, want)
	}
	noProcessLeft(t, prog)

	src := fixture.TestData("hello.c")
	cprog := filepath.Join(t.TempDir(), "tgcstrip")
	if out, err := exec.Command("gcc", "-O0", "-s", "-o", cprog, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc -s: %v\n%s", err, out)
	}
	r = godbg(t, "run", "-e", `print(sym("add"), #syms("*")); brk("add")`, cprog)
	wantErr := "-e:1: brk: unknown symbol add: " + cprog + " has no symbols (stripped); use addresses"
	if r.status != 1 || r.stdout != "nil\t0\n" || !strings.HasPrefix(r.stderr, wantErr) {
		t.Errorf("C: got status %d stdout %q stderr %q; want 1, \"nil\\t0\\n\", %q...", r.status, r.stdout, r.stderr, wantErr)
	}
	noProcessLeft(t, cprog)
}

// Unknown symbols: sym() misses by design (nil), brk and disas raise with
// near-name suggestions.
func TestUnknownSymbols(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "break"))
	r := godbg(t, "run", "-e", `
		print(sym("main.BrakMe"))
		print(pcall(brk, "main.BrakMe"))
		print(pcall(disas, "main.BrakMe"))
		print(pcall(brk, "nosuchfile.go:3"))
		kill()`, prog)
	want := "nil\n" +
		"false\t-e:3: brk: unknown symbol main.BrakMe (did you mean main.BreakMe?)\n" +
		"false\t-e:4: disas: unknown symbol main.BrakMe (did you mean main.BreakMe?)\n"
	if r.status != 137 || r.stderr != "" || !strings.HasPrefix(r.stdout, want) || !strings.Contains(r.stdout, "\nfalse\t-e:5: ") {
		t.Errorf("got status %d stdout %q stderr %q;\nwant 137 and stdout starting %q", r.status, r.stdout, r.stderr, want)
	}
	noProcessLeft(t, prog)
}

// Breakpoints where a trap would harm the program are refused with the
// reason: a data symbol, unmapped memory, a non-executable page (the
// stack), the middle of an instruction. The program then runs unchanged.
func TestBreakpointRefusals(t *testing.T) {
	prog := target(t, fixture.C(t, "hello.c", "-O0", "-g"))
	r := godbg(t, "run", "-e", `
		print(pcall(brk, "counter"))
		print(pcall(brk, 0x1000))
		print(pcall(brk, regs.rsp))
		local l = disas("add", 2)
		print(pcall(brk, l[2].addr + 1))
		local ok = pcall(brk, l[2].addr)
		printf("boundary ok=%s bps=%d", tostring(ok), #bps())`, prog)
	lines := strings.Split(r.stdout, "\n")
	wants := []string{
		"false\t-e:2: brk counter: 0x",                           // ... is data (counter+0), not code
		"false\t-e:3: brk 0x1000: no memory is mapped at 0x1000", // exact
		"false\t-e:4: brk 0x",                                    // ... is not code (its memory is rw-p, not executable)
		"false\t-e:6: brk 0x",                                    // ... is inside the instruction at ... (add+1: mov rbp, rsp), not at its start
		"boundary ok=true bps=1",
		"hi total=60 counter=60",
	}
	ends := []string{" is data (counter+0), not code", "", " is not code (its memory is rw-p, not executable)", " (add+1: mov rbp, rsp), not at its start", "", ""}
	if r.status != 0 || r.stderr != "" || len(lines) < len(wants) {
		t.Fatalf("got status %d stdout %q stderr %q", r.status, r.stdout, r.stderr)
	}
	for i, w := range wants {
		if !strings.HasPrefix(lines[i], w) || !strings.HasSuffix(lines[i], ends[i]) {
			t.Errorf("line %d: got %q, want %q...%q", i+1, lines[i], w, ends[i])
		}
	}
	noProcessLeft(t, prog)
}

// Script errors: a syntax error names SCRIPT:LINE before anything runs; an
// error in a callback, in on("signal") and in on("exit") names its line,
// exits 1, and the tracee is killed and reaped.
func TestScriptErrorsEndClean(t *testing.T) {
	prog := target(t, fixture.C(t, "faults.c", "-O0", "-g"))
	spin := []string{prog, "spin"}
	syntax := writeFile(t, "syntax.lua", "brk(\"fault_segv\"\nprint(1)\n")
	inCallback := writeFile(t, "cb.lua", "brk(\"spin\", function(ev)\n  local t = nil\n  return t.x\nend)\n")
	inSignal := writeFile(t, "sig.lua", "on(\"signal\", function(ev)\n  error(\"cannot handle \" .. ev.signal)\nend)\n")
	inExit := writeFile(t, "exit.lua", "on(\"exit\", function(ev)\n\n  error(\"exit handler failed\")\nend)\n")
	tests := []struct {
		name   string
		args   []string
		stdout string
		stderr string
	}{
		{"syntax", append([]string{"run", syntax}, spin...), "", syntax + ":2: syntax error near 'print'\n"},
		{"callback", append([]string{"run", inCallback}, spin...), "fault spin\n", inCallback + ":3: attempt to index a non-table object(nil) with key 'x'\nstack traceback:\n"},
		{"on signal", append([]string{"run", inSignal}, prog, "segv"), "fault segv\n", inSignal + ":2: cannot handle SIGSEGV\nstack traceback:\n"},
		{"on exit", append([]string{"run", inExit}, prog, "fpe"), "fault fpe\n", inExit + ":3: exit handler failed\nstack traceback:\n"},
	}
	for _, tt := range tests {
		r := godbg(t, tt.args...)
		if r.status != 1 || r.stdout != tt.stdout || !strings.HasPrefix(r.stderr, tt.stderr) || strings.Count(r.stderr, "stack traceback:") > 1 {
			t.Errorf("%s: got status %d stdout %q stderr %q;\nwant 1, %q, %q...", tt.name, r.status, r.stdout, r.stderr, tt.stdout, tt.stderr)
		}
		noProcessLeft(t, prog)
	}
	r := godbg(t, "run", "-e", `print(pcall(disas, "add", 0)); print(pcall(disas, "add", -1)); kill()`, target(t, fixture.C(t, "hello.c", "-O0", "-g")))
	if r.status != 137 || !strings.Contains(r.stdout, "bad argument #2 to 'disas' (count 0 is below 1)") || !strings.Contains(r.stdout, "(count -1 is below 1)") {
		t.Errorf("disas count: got status %d stdout %q stderr %q", r.status, r.stdout, r.stderr)
	}
}

// attach refuses what it cannot trace, naming the reason: a process that
// is gone, a pid that is not a number, a process another tracer holds
// (here another godbg). The traced process is not disturbed.
func TestAttachRefusals(t *testing.T) {
	script := writeFile(t, "s.lua", `print("attached")`)
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	pid := strconv.Itoa(gone.Process.Pid)
	r := godbg(t, "attach", script, pid)
	check(t, r, 1, "", "godbg: attach "+pid+": no such process\n")
	r = godbg(t, "attach", script, "abc")
	check(t, r, 2, "", "godbg: attach: \"abc\" is not a process id\n")

	prog := target(t, fixture.C(t, "faults.c", "-O0", "-g"))
	first := exec.Command(godbgBin, "run", "-e", `print("first")`, prog, "spin")
	out, err := first.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reap(first) })
	rd := bufio.NewReader(out)
	for _, want := range []string{"first\n", "fault spin\n", "spinning\n"} {
		if line, err := rd.ReadString('\n'); line != want {
			t.Fatalf("first godbg: got %q (%v), want %q", line, err, want)
		}
	}
	pids := pidsOf(t, prog)
	if len(pids) != 1 {
		t.Fatalf("processes of %s: %v, want one", prog, pids)
	}
	pid = strconv.Itoa(pids[0])
	r = godbg(t, "attach", script, pid)
	check(t, r, 1, "", "godbg: attach "+pid+": already traced by process "+strconv.Itoa(first.Process.Pid)+"\n")
	first.Process.Signal(syscall.SIGINT)
	first.Wait()
	if st := first.ProcessState.ExitCode(); st != 130 {
		t.Errorf("first godbg after Ctrl-C: status %d, want 130", st)
	}
	noProcessLeft(t, prog)
}

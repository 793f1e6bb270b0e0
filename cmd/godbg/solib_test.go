package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// Library functions by name, from the script's first line (before the
// loader ran): brk("puts") counts each of the 5 calls, PIE or not, the
// output unchanged; sym, where, syms and disas reach libc; bt from puts
// unwinds by libc's CFI to main.
func TestRunLibraryFunctions(t *testing.T) {
	for _, flags := range [][]string{{"-O0", "-g"}, {"-O0", "-g", "-no-pie"}} {
		prog := target(t, fixture.C(t, "libcalls.c", flags...))
		r := godbg(t, "run", "-e", `
			local trace
			local bp = brk("puts", function(ev)
				if ev.bp.hits == 1 then
					local b = bt()
					trace = string.format("%s %s:%d (%d frames) ev.sym=%s", b[1].sym, b[2].sym, b[2].line, #b, ev.sym)
				end
			end)
			local m = sym("malloc")
			local w = where(m + 3)
			printf("malloc: %s+%d in %s, syms agree %s", w.sym, w.off, w.obj,
				tostring(syms("libc.so.6:malloc")[1].addr == m and sym("libc.so.6:malloc") == m))
			local d = disas("strlen", 3)
			printf("strlen: %d instructions, first at sym %s", #d, hex(d[1].addr) == hex(sym("strlen")) and "strlen" or "?")
			on("exit", function(ev) printf("puts hits=%d code=%d %s", bp.hits, ev.code, trace) end)`, prog)
		want := "malloc: malloc+3 in libc.so.6, syms agree true\n" +
			"strlen: 3 instructions, first at sym strlen\n" +
			"alpha\nbeta\ngamma\ndelta\nepsilon\ntotal 393\n" +
			"puts hits=5 code=0 puts main:23 (2 frames) ev.sym=puts\n"
		check(t, r, 0, want, "")
	}
}

// A crash inside libc (strlen(NULL)): bt unwinds through libc's frame to
// main, as gdb shows it.
func TestRunCrashInLibrary(t *testing.T) {
	prog := target(t, fixture.C(t, "libcalls.c", "-O0", "-g"))
	r := godbg(t, "run", "-e", `
		local ev = cont()
		local b = bt()
		printf("%s %s frames=%d #0=%s caller %s:%d", ev.reason, ev.signal, #b, tostring(b[1].sym), b[2].sym, b[2].line)`, prog, "crash")
	// #0 is libc's __strlen_avx2 or kin: a local symbol, absent from the
	// stripped libc's .dynsym, hence no name.
	check(t, r, 128+11, "signal SIGSEGV frames=2 #0=nil caller main:12\n", "")
}

// A library loaded by dlopen: a pending breakpoint (opts.pending, or a
// name qualified by the library) is placed when the loader maps it and
// counts each of the 4 calls; an unknown name is still an error, with the
// hint.
func TestRunDlopenPending(t *testing.T) {
	built := fixture.C(t, "plugin.c", "-O0", "-g", "-shared", "-fPIC")
	lib := filepath.Join(t.TempDir(), "libplugin.so")
	if b, err := os.ReadFile(built); err != nil || os.WriteFile(lib, b, 0o755) != nil {
		t.Fatalf("copy %s: %v", built, err)
	}
	host := target(t, fixture.C(t, "dlhost.c", "-O0", "-g"))
	r := godbg(t, "run", "-e", `
		local a = brk("plugin_add", {pending = true})
		local b = brk("libplugin.so:plugin_add", {entry = true})
		printf("%s %s %s", tostring(a.pending), tostring(a.addr), tostring(a))
		local first
		local c = brk("plugin_add", function(ev)
			if not first then
				local w = where(ev.addr)
				first = string.format("%s %s:%d", w.sym, w.file:match("[^/]*$"), w.line)
			end
		end, {pending = true})
		on("exit", function()
			printf("a=%d b=%d c=%d pending=%s entry_first=%s %s", a.hits, b.hits, c.hits,
				tostring(a.pending), tostring(b.addr < a.addr), first)
		end)`, host, lib)
	check(t, r, 0, "true nil breakpoint 1 pending plugin_add (0 hits)\nsum 6\n"+
		"a=4 b=4 c=4 pending=false entry_first=true plugin_add plugin.c:2\n", "")

	r = godbg(t, "run", "-e", `brk("plugn_add")`, host, lib)
	want := "-e:1: brk: unknown symbol plugn_add; not in its libraries either " +
		"(for a library dlopen will load: brk(\"plugn_add\", {pending=true}))\n"
	if r.status != 1 || len(r.stderr) < len(want) || r.stderr[:len(want)] != want {
		t.Errorf("unknown name: status %d stderr %q, want 1 and %q", r.status, r.stderr, want)
	}
	noProcessLeft(t, host)
}

// A Go program is static: a library name is unknown, with the message of
// before, and no pending breakpoint can wait for a library.
func TestRunStaticNoLibraries(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "break"))
	r := godbg(t, "run", "-e", `print(sym("puts")); brk("puts", {pending = true})`, prog)
	if r.status != 1 || r.stdout != "nil\n" || !strings.Contains(r.stderr, "is statically linked: no library will be loaded") {
		t.Errorf("got status %d stdout %q stderr %q", r.status, r.stdout, r.stderr)
	}
}

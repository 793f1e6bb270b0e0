package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// Library functions by name, from the script's first line (before the
// loader ran): brk("puts") counts each of the 5 calls, PIE or not, the
// output unchanged; sym, where, syms and disas reach libc; bt from puts
// unwinds by libc's CFI to main, naming puts' frame as libc's DWARF
// (libc6-dbg) does: _IO_puts, the function ioputs.c defines.
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
			"puts hits=5 code=0 _IO_puts main:23 (2 frames) ev.sym=puts\n"
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
		printf("%s %s frames=%d #0 is strlen's implementation %s caller %s:%d", ev.reason, ev.signal, #b,
			tostring(b[1].sym == where(sym("strlen")).sym), b[2].sym, b[2].line)`, prog, "crash")
	// #0 is libc's __strlen_evex or kin (what strlen's resolver chose for
	// this CPU), named by libc's separate debug file (libc6-dbg).
	check(t, r, 128+11, "signal SIGSEGV frames=2 #0 is strlen's implementation true caller main:12\n", "")
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

// libretPtrs are the 3 malloc pointers libret (testdata/libret.c) printed.
func libretPtrs(t *testing.T, out string) []string {
	t.Helper()
	var ptrs []string
	for _, m := range regexp.MustCompile(`malloc (0x[0-9a-f]+)`).FindAllStringSubmatch(out, -1) {
		ptrs = append(ptrs, m[1])
	}
	if len(ptrs) != 3 {
		t.Fatalf("libret output %q: want 3 malloc pointers", out)
	}
	return ptrs
}

// on_return on libc's puts, fflush, malloc and write, PIE or not: each
// return lands in its caller (work, or libc's stdio for the flushes'
// writes) with the value the program saw, as ltrace shows it: puts the
// bytes with the newline, fflush 0, malloc the pointer work then uses,
// write 3 from work and the flushed lengths from libc.
func TestRunLibraryOnReturn(t *testing.T) {
	for _, flags := range [][]string{{"-O0", "-g"}, {"-O0", "-g", "-no-pie"}} {
		prog := target(t, fixture.C(t, "libret.c", flags...))
		r := godbg(t, "run", "-e", `
			local fns, rec = {"puts", "fflush", "malloc", "write"}, {}
			for _, fn in ipairs(fns) do
				rec[fn] = {}
				brk(fn, {on_return = function(ev)
					local w = where(ev.addr)
					local v = fn == "malloc" and hex(retval()) or tostring(retval())
					table.insert(rec[fn], (w.sym == "work" and "work" or w.obj) .. ":" .. v)
				end})
			end
			on("exit", function()
				for _, fn in ipairs(fns) do printf("%s %s", fn, table.concat(rec[fn], " ")) end
			end)`, prog)
		p := libretPtrs(t, r.stdout)
		l := strings.SplitAfter(r.stdout, "\n")
		if len(l) < 10 {
			t.Fatalf("%v: output %q", flags, r.stdout)
		}
		prog0 := strings.Join(l[:10], "")
		want := prog0 + "puts work:2 work:3 work:4\n" +
			"fflush work:0 work:0 work:0\n" +
			"malloc work:" + p[0] + " work:" + p[1] + " work:" + p[2] + "\n" +
			fmt.Sprintf("write libc.so.6:%d work:3 libc.so.6:%d work:3 libc.so.6:%d work:3 libc.so.6:%d\n",
				len(l[0]), len(l[2])+len(l[3]), len(l[5])+len(l[6]), len(l[8])+len(l[9]))
		check(t, r, 0, want, "")
	}
}

// force_return on puts in work's second call: work gets 7 and "bb" is
// never written; finish() from puts stops in work with puts' result, which
// rets() reads by libc's DWARF (libc6-dbg), and without debug files
// (--debug-file-directory elsewhere) says libc has no DWARF.
func TestRunLibraryForceReturnFinish(t *testing.T) {
	prog := target(t, fixture.C(t, "libret.c", "-O0", "-g"))
	r := godbg(t, "run", "-e", `
		brk("puts", function(ev) if ev.bp.hits == 2 then force_return(7) end end)`, prog)
	p := libretPtrs(t, r.stdout)
	want := "a\nw0\nwork 0: puts 2 fflush 0 malloc " + p[0] + " write 3\n" +
		"w1\nwork 1: puts 7 fflush 0 malloc " + p[1] + " write 3\n" +
		"ccc\nw2\nwork 2: puts 4 fflush 0 malloc " + p[2] + " write 3\nsum 303\n"
	check(t, r, 0, want, "")
	script := `
		local bp = brk("puts", function() return true end)
		local got = {}
		for k = 1, 3 do
			assert(cont().bp == bp)
			local ev = finish()
			got[k] = string.format("%s %s=%d", ev.reason, where(ev.addr).sym, retval())
		end
		local ok, err = pcall(rets)
		printf("%s; rets: %s", table.concat(got, ", "), ok and tostring(err[1]) or tostring(err))`
	r = godbg(t, "run", "-e", script, prog)
	if !strings.Contains(r.stdout, "finish work=2, finish work=3, finish work=4; rets: 4\n") || r.status != 0 {
		t.Errorf("finish from puts: status %d, stdout %q, stderr %q", r.status, r.stdout, r.stderr)
	}
	r = godbg(t, "run", "--debug-file-directory", t.TempDir(), "-e", script, prog)
	if !strings.Contains(r.stdout, "finish work=2, finish work=3, finish work=4; rets: ") ||
		!strings.Contains(r.stdout, "rets: libc.so.6: no DWARF debug information") || r.status != 0 {
		t.Errorf("finish from puts without debug files: status %d, stdout %q, stderr %q", r.status, r.stdout, r.stderr)
	}
}

// libpython's time_sleep (python3 -c "time.sleep(...)" twice): both
// returns, into libpython, with Py_None, which rets() reads through
// libpython's DWARF as a PyObject pointer.
func TestRunLibpythonReturn(t *testing.T) {
	py := fixture.PythonWithLibpython(t)
	r := godbg(t, "run", "-e", `
		local got = {}
		brk("time_sleep", {on_return = function(ev)
			local w = where(ev.addr)
			got[#got + 1] = string.format("%s none=%s", w.obj:match("^libpython") and "libpython" or w.obj,
				tostring(retval() == sym("_Py_NoneStruct")))
		end})
		on("exit", function(ev) printf("%s; code %d", table.concat(got, ", "), ev.code) end)`,
		py, "-c", "import time\ntime.sleep(0)\ntime.sleep(0.001)\nprint('slept')")
	check(t, r, 0, "slept\nlibpython none=true, libpython none=true; code 0\n", "")
}

// The recipes on a library function named with its library: latency times
// each of the 3 calls of puts, inject makes the second return 7.
func TestRecipesOnLibraryFunction(t *testing.T) {
	prog := target(t, fixture.C(t, "libret.c", "-O0", "-g"))
	r := godbg(t, "run", "-a", "func=libc.so.6:puts", "-a", "each=1", "latency", prog)
	if n := len(regexp.MustCompile(`(?m)^puts [0-9.]+$`).FindAllString(r.stdout, -1)); r.status != 0 || n != 3 ||
		!regexp.MustCompile(`(?m)^puts: count=3 p50=\d+us p99=\d+us$`).MatchString(r.stdout) {
		t.Errorf("latency: status %d, %d call times, stdout %q, stderr %q", r.status, n, r.stdout, r.stderr)
	}
	r = godbg(t, "run", "-a", "func=libc.so.6:puts", "-a", "value=7", "-a", "every=2", "inject", prog)
	// The recipe's lines apart from the program's, whose order against
	// them is not the test's business.
	var mine, its []string
	for _, line := range strings.SplitAfter(r.stdout, "\n") {
		if strings.HasPrefix(line, "inject ") || strings.HasPrefix(line, "puts: ") {
			mine = append(mine, line)
		} else {
			its = append(its, line)
		}
	}
	p := libretPtrs(t, r.stdout)
	want := "a\nw0\nwork 0: puts 2 fflush 0 malloc " + p[0] + " write 3\n" +
		"w1\nwork 1: puts 7 fflush 0 malloc " + p[1] + " write 3\n" +
		"ccc\nw2\nwork 2: puts 4 fflush 0 malloc " + p[2] + " write 3\nsum 303\n"
	if got := strings.Join(its, ""); got != want || r.status != 0 || r.stderr != "" {
		t.Errorf("inject: status %d, program output\n%s\nwant\n%s\nstderr %q", r.status, got, want, r.stderr)
	}
	if got, want := strings.Join(mine, ""), "inject puts -> 7 (call 2)\nputs: forced 1 of 3 calls\n"; got != want {
		t.Errorf("inject: recipe output %q, want %q", got, want)
	}
}

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// Separate debug files (engine/symtab/debugfile.go): a stripped program
// or library whose DWARF and .symtab were moved out with objcopy
// --only-keep-debug is debugged as the unstripped one, the file found by
// .gnu_debuglink (CRC checked) or by build ID under the debug directories.

// sh runs a build tool in dir and fails the test on error.
func sh(t *testing.T, dir string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// buildIDTree copies file's debug part to DIR/.build-id/xx/rest.debug, as
// Debian's -dbg packages lay them out, and returns DIR.
func buildIDTree(t *testing.T, file string) string {
	t.Helper()
	out, err := exec.Command("readelf", "-n", file).Output()
	if err != nil {
		t.Fatalf("readelf -n %s: %v", file, err)
	}
	var id string
	for _, l := range strings.Split(string(out), "\n") {
		if _, v, ok := strings.Cut(l, "Build ID: "); ok {
			id = strings.TrimSpace(v)
		}
	}
	if len(id) < 3 {
		t.Fatalf("%s has no build ID", file)
	}
	root := t.TempDir()
	sub := filepath.Join(root, ".build-id", id[:2])
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	sh(t, root, "objcopy", "--only-keep-debug", file, filepath.Join(sub, id[2:]+".debug"))
	return root
}

// A stripped library: args(), locals(), where() and bt() with lines, and a
// breakpoint on its file:LINE, work through its separate debug file
// found next to it, in its .debug/ folder or by build ID; without one, or
// with a stale one (another build: its CRC differs), there is no DWARF.
func TestRunSeparateDebugLibrary(t *testing.T) {
	script := `
		local bp = brk("seplib.c:6", function(ev)
			local ok, a = pcall(args)
			local w = where(ev.addr)
			local b = bt(2)
			if not ok then
				printf("%s %s:%s args: %s", w.sym, tostring(w.file), tostring(w.line), a)
				return
			end
			printf("a=%d b=%d sum=%d %s in %s at %s:%d; %s:%d <- %s:%d", a.a, a.b, locals().sum, w.sym, w.obj,
				w.file:match("[^/]*$"), w.line, b[1].file:match("[^/]*$"), b[1].line, b[2].sym, b[2].line)
		end)`
	withDebug := "a=0 b=10 sum=10 seplib_add in libseplib.so at seplib.c:6; seplib.c:6 <- main:10\n" +
		"a=1 b=10 sum=11 seplib_add in libseplib.so at seplib.c:6; seplib.c:6 <- main:10\n" +
		"a=2 b=10 sum=12 seplib_add in libseplib.so at seplib.c:6; seplib.c:6 <- main:10\n" +
		"t 66\n"
	for _, how := range []string{"beside", ".debug", "build-id", "none", "stale"} {
		dir := t.TempDir()
		sh(t, dir, "gcc", "-O0", "-g", "-shared", "-fPIC", "-Wl,--build-id", "-o", "libseplib.so", fixture.TestData("seplib.c"))
		sh(t, dir, "gcc", "-O0", "-g", "-o", "sepmain", fixture.TestData("sepmain.c"), "-L.", "-lseplib", "-Wl,-rpath,"+dir)
		args := []string{"run"}
		switch how {
		case "build-id":
			args = append(args, "--debug-file-directory", buildIDTree(t, filepath.Join(dir, "libseplib.so")))
			sh(t, dir, "strip", "libseplib.so")
		case "none":
			sh(t, dir, "strip", "libseplib.so")
		default:
			sh(t, dir, "objcopy", "--only-keep-debug", "libseplib.so", "libseplib.so.debug")
			sh(t, dir, "strip", "libseplib.so")
			sh(t, dir, "objcopy", "--add-gnu-debuglink=libseplib.so.debug", "libseplib.so")
			if how == ".debug" {
				sh(t, dir, "mkdir", ".debug")
				sh(t, dir, "mv", "libseplib.so.debug", ".debug/")
			}
			if how == "stale" {
				// Same name, another build (-O1): its CRC is not the one
				// the link records.
				sh(t, dir, "gcc", "-O1", "-g", "-shared", "-fPIC", "-o", "other.so", fixture.TestData("seplib.c"))
				sh(t, dir, "objcopy", "--only-keep-debug", "other.so", "libseplib.so.debug")
			}
		}
		r := godbg(t, append(args, "-e", script, filepath.Join(dir, "sepmain"))...)
		switch how {
		case "none", "stale":
			// No DWARF: no source line in the library either.
			r2 := godbg(t, append(args, "-e", `
				local ok, err = pcall(brk, "seplib.c:6")
				print(ok, err)
				brk("seplib_add", function(ev)
					local ok, err = pcall(args)
					printf("%s %s", where(ev.addr).sym, err:match("no debug info") or err)
				end)`, filepath.Join(dir, "sepmain"))...)
			want := "false\t-e:2: brk: no source file matches \"seplib.c\" in " + filepath.Join(dir, "sepmain") + "\n" +
				strings.Repeat("seplib_add no debug info\n", 3) + "t 66\n"
			check(t, r2, 0, want, "")
			if r.status != 1 || !strings.Contains(r.stderr, "no source file matches") {
				t.Errorf("%s: status %d stderr %q, want the line refused", how, r.status, r.stderr)
			}
		default:
			if r.stdout != withDebug || r.status != 0 {
				t.Errorf("%s: status %d stdout %q stderr %q, want %q", how, r.status, r.stdout, r.stderr, withDebug)
			}
		}
	}
}

// A stripped program (strip: no .symtab, no DWARF) with its debug file
// in a build-id tree ($GODBG_DEBUG_FILE_DIRECTORY) or named by its
// .gnu_debuglink in its .debug/ folder gives what the unstripped program
// gives: symbols, arguments, locals, globals, lines, a source-line
// breakpoint.
func TestRunSeparateDebugProgram(t *testing.T) {
	script := `
		brk("cfunc", function(ev)
			local a = args()
			printf("cfunc(%d, %g, %s, %s) %s", a.a, a.d, a.s, a.p.name, tostring(bt(2)))
			printf("counter=%d origin=%s", var("counter"), var("origin").name)
		end)
		brk("cvars.c:27", function() local l = locals(); printf("inner=%d half=%g", l.inner, l.half) end)
		printf("%s %s", hex(sym("cfunc")), #syms("cfunc"))`
	built := fixture.C(t, "cvars.c", "-O0", "-g", "-Wl,--build-id")
	full := godbg(t, "run", "-e", script, target(t, built))
	if full.status != 0 || !strings.Contains(full.stdout, "cfunc(5, 2.5, hello, pt) #0 ") ||
		!strings.Contains(full.stdout, "inner=500 half=1.25") || !strings.Contains(full.stdout, "counter=7 origin=origin") {
		t.Fatalf("unstripped: status %d stdout %q stderr %q", full.status, full.stdout, full.stderr)
	}
	for _, how := range []string{"build-id", "debuglink"} {
		dir := t.TempDir()
		prog := filepath.Join(dir, "cvars")
		sh(t, dir, "cp", built, prog)
		if how == "build-id" {
			t.Setenv("GODBG_DEBUG_FILE_DIRECTORY", buildIDTree(t, prog))
			sh(t, dir, "strip", "cvars")
		} else {
			t.Setenv("GODBG_DEBUG_FILE_DIRECTORY", t.TempDir())
			sh(t, dir, "mkdir", ".debug")
			sh(t, dir, "objcopy", "--only-keep-debug", "cvars", ".debug/cvars.dbg")
			sh(t, dir, "strip", "cvars")
			sh(t, filepath.Join(dir, ".debug"), "objcopy", "--add-gnu-debuglink=cvars.dbg", "../cvars")
		}
		if r := godbg(t, "syms", prog, "cfunc"); r.stdout == "" {
			t.Errorf("%s: godbg syms finds no cfunc: %q", how, r.stderr)
		}
		r := godbg(t, "run", "-e", script, prog)
		check(t, r, 0, full.stdout, "")
	}
}

// libc's own frames, by its separate debug file (Debian's libc6-dbg in
// /usr/lib/debug/.build-id): puts' argument, and a line of ioputs.c.
func TestRunLibcArguments(t *testing.T) {
	prog := target(t, fixture.C(t, "libcalls.c", "-O0", "-g"))
	r := godbg(t, "run", "-e", `
		brk("puts", function(ev)
			local w = where(ev.addr)
			printf("%s(%q) %s:%d", w.sym, args().str, w.file:match("[^/]*$"), w.line)
		end)`, prog)
	if r.status != 0 || !strings.Contains(r.stdout, `puts("alpha") ioputs.c:`) ||
		strings.Count(r.stdout, "ioputs.c:") != 5 || !strings.Contains(r.stdout, `puts("epsilon")`) {
		t.Fatalf("status %d stdout %q stderr %q (is libc6-dbg installed? .ci/run installs it)", r.status, r.stdout, r.stderr)
	}
}

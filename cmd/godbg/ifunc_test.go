package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// Indirect functions (engine/ifunc.go): brk("strlen") traps the
// implementation the resolver chose for this CPU, every call counted
// (strlen 7, memcpy 4, strchr 3, each from main), and sym() gives it: the
// address gdb's stepi reaches from the call, named as gdb's `info symbol`
// names it (libc's separate debug file). {entry=true} still traps the
// resolver: once, when the loader binds main's lazy PLT slot for strlen at
// its first call (the libraries' own slots were bound before the script).
func TestRunIFuncBreakpoints(t *testing.T) {
	built := fixture.C(t, "ifuncs.c", "-O0", "-g", "-fno-builtin")
	prog := target(t, built)
	want := ""
	params := []string{"run"}
	for _, g := range fixture.GdbIFuncs(t, prog) {
		want += fmt.Sprintf("%s %#x same as gdb's %s true\n", g.Name, g.Addr, g.Sym)
		params = append(params, "-a", g.Name+"="+g.Sym)
	}
	want += "strlen 7 7 __strlen_\nmemcpy 4 4 __mem\nstrchr 3 3 __strchr_\nresolver strlen 1\n"
	r := godbg(t, append(params, "-e", `
		local lines = {}
		local prefix = {strlen = "^__strlen_", memcpy = "^__mem", strchr = "^__strchr_"}
		for _, name in ipairs({"strlen", "memcpy", "strchr"}) do
			local frommain = 0
			local bp = brk(name, function(ev) if bt(2)[2].sym == "main" then frommain = frommain + 1 end end)
			local w = where(sym(name))
			printf("%s %s same as gdb's %s %s", name, hex(sym(name)), params[name],
				tostring(w.off == 0 and bp.addr == sym(name) and sym("libc.so.6:" .. params[name]) == sym(name)))
			lines[#lines+1] = function()
				return string.format("%s %d %d %s", name, bp.hits, frommain, w.sym:match(prefix[name]))
			end
		end
		local r = brk("strlen", {entry = true})
		on("exit", function()
			for _, l in ipairs(lines) do print(l()) end
			printf("resolver %s %d", where(r.addr).sym, r.hits)
		end)`, prog)...)
	check(t, r, 0, want, "")
}

// An indirect function a library never calls itself (no IRELATIVE slot):
// its implementation is read from the program's GOT slot once bound, at
// load time with -z now (4 hits, where() names impl_two); with lazy
// binding the slot is not bound before the first call, and brk says so.
func TestRunIFuncProgramSlot(t *testing.T) {
	dir := t.TempDir()
	sh(t, dir, "gcc", "-O0", "-g", "-shared", "-fPIC", "-o", "libifunclib.so", fixture.TestData("ifunclib.c"))
	sh(t, dir, "gcc", "-O0", "-g", "-Wl,-z,now", "-o", "now", fixture.TestData("ifuncmain.c"), "-L.", "-lifunclib", "-Wl,-rpath,"+dir)
	sh(t, dir, "gcc", "-O0", "-g", "-Wl,-z,lazy", "-o", "lazy", fixture.TestData("ifuncmain.c"), "-L.", "-lifunclib", "-Wl,-rpath,"+dir)
	script := `
		local bp = brk("addtwo")
		local w = where(bp.addr)
		on("exit", function() printf("%s %s+%d %d", w.obj, w.sym, w.off, bp.hits) end)`
	check(t, godbg(t, "run", "-e", script, dir+"/now"), 0, "t 14\nlibifunclib.so impl_two+0 4\n", "")
	r := godbg(t, "run", "-e", script, dir+"/lazy")
	want := "addtwo (libifunclib.so) is an indirect function (IFUNC) whose implementation no slot the loader filled holds yet " +
		"(lazy binding: run the program with LD_BIND_NOW=1, or link it with -z now)"
	if r.status != 1 || !strings.Contains(r.stderr, want) {
		t.Errorf("lazy: status %d, stderr %q", r.status, r.stderr)
	}
}

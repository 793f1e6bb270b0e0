package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// apiCall is one malformed call of the Lua API: the Lua expression (or
// statement) and the name its error must give ("" : the leading name of
// the call).
type apiCall struct{ code, name string }

// calledName is the API name a call's error must name: "mem.cstr" for
// mem.cstr(...), "regs" for regs.x, "sym" for sym(...).
var calledName = regexp.MustCompile(`^(mem\.[a-z0-9]+|[a-z_]+)`)

// assignment matches a statement such as regs.rax = 1.
var assignment = regexp.MustCompile(`^[\w.]+ = `)

// badLiveCalls are made with hello stopped in add (after a first hit),
// with these locals: a = &counter, code = add, bp a live breakpoint, dbp
// a deleted one, cyc a table holding itself.
func badLiveCalls() []apiCall {
	var cs []apiCall
	add := func(name string, codes ...string) {
		for _, c := range codes {
			cs = append(cs, apiCall{c, name})
		}
	}
	// Numbers that are no integer of the 64-bit range, and non-numbers.
	badNums := []string{"1.5", "0/0", "1/0", "-1/0", "2^64", "2^70", "-2^63-2^12", "{}", "true", `"x"`, "print"}
	for _, n := range badNums {
		add("", "where("+n+")", "hex("+n+")", "mem("+n+", 4)", "mem.cstr("+n+")", "mem.gostr("+n+")",
			"watch("+n+", 4, \"w\")", "sys_return("+n+")")
		add("regs", "regs.rax = "+n)
		add("", "mem.u8("+n+")", "mem.u64(a, "+n+")", "mem.i32(a, "+n+")")
		if n != `"x"` {
			add("", "disas("+n+")", "brk("+n+")")
		}
		if n != "true" { // force_return(true) returns 1
			add("", "force_return("+n+")")
		}
	}
	add("", "where()", "hex()", "hex(nil)", "mem()", "sys_return()", "brk()", "brk(nil)")
	add("", "sym()", "sym(nil)", "sym(123)", "sym({})", "sym(true)", "sym(print)", "sym(1.5)")
	add("", "syms(123)", "syms({})", "syms(true)", `syms("[")`, `syms("nolib.so:x")`)
	add("", "brk(0)", "brk(-1)", "brk(code + 2)", `brk("nosuchfunc")`, `brk("hello.c:0")`, `brk("hello.c:99999")`,
		`brk("add", 123)`, `brk("add", "x")`, `brk("add", true)`, `brk("add", nil, 5)`, `brk("add", function() end, "x")`,
		`brk("add", {bogus = 1})`, `brk("add", {entry = "yes"})`, `brk("add", {once = 1})`, `brk("add", {pending = "x"})`,
		`brk("add", {goroutine = 1.5})`, `brk("add", {goroutine = -1})`, `brk("add", {goroutine = "1"})`,
		`brk("add", {on_return = 1})`, `brk("add", {[1] = true})`, `brk("add", function() end, {entry = 0/0})`)
	add("delete", "dbp:delete()", "bp.delete()", "bp.delete(1)", "bp.delete(regs)")
	add("enable", "dbp:enable()", "bp.enable({})")
	add("disable", "dbp:disable()", `bp.disable("x")`)
	add("bp", "bp.nosuchfield", "bp.hits = 5", "bp[1]")
	add("", "mem(a)", "mem(a, nil)", "mem(a, -1)", "mem(a, 1.5)", "mem(a, 2^62)", "mem(a, 1e9)", "mem(a, 0/0)",
		"mem(a, 1/0)", "mem(a, {})", "mem(a, true)", "mem(0, 4)", "mem(0, \"abc\")", "mem(2^47, 1)")
	for _, w := range []struct {
		name     string
		over     string // the first value too big
		under    string // the first value too small
		floating bool
	}{
		{"u8", "256", "-129", false}, {"i8", "256", "-129", false}, {"u16", "65536", "-32769", false},
		{"i16", "65536", "-32769", false}, {"u32", "2^32", "-2^31-1", false}, {"i32", "2^32", "-2^31-1", false},
		{"u64", "2^64", "-2^63-2^12", false}, {"i64", "2^64", "-2^63-2^12", false},
		{"f32", "1e300", "-1e300", true}, {"f64", "", "", true},
	} {
		f := "mem." + w.name
		add("", f+"()", f+"(0)", f+"(0, 1)", f+`(a, "x")`, f+"(a, {})", f+"(a, nil)")
		if w.over != "" {
			add("", f+"(a, "+w.over+")", f+"(a, "+w.under+")")
		}
		if !w.floating {
			add("", f+"(a, 1.5)", f+"(a, 0/0)")
		}
	}
	add("", "mem.cstr()", "mem.cstr(0)", "mem.cstr(a, -1)", "mem.cstr(a, 0)", "mem.cstr(a, 1.5)", "mem.cstr(a, 2^62)",
		`mem.cstr(a, "x")`, "mem.cstr(a, {})", "mem.cstr(a, 0/0)", "mem.gostr()", "mem.gostr(0)")
	add("", "disas(0)", "disas(code, 0)", "disas(code, -1)", "disas(code, 1.5)", "disas(code, 2^62)", "disas(code, 1e9)",
		"disas(code, 0/0)", "disas(code, 1/0)", `disas(code, "x")`, "disas(code, {})", "disas(code, true)", `disas("nosuchfunc")`,
		`disas("hello.c:0")`)
	add("", "bt(-1)", "bt(0)", "bt(1.5)", `bt("x")`, "bt({})", "bt(0/0)", "bt(1/0)", "bt(2^62)", "bt(1e9)", "bt(true)", "bt(10, 1)")
	add("", "frame(-1)", "frame(1.5)", `frame("x")`, "frame({})", "frame(0/0)", "frame(1e9)", "frame(99)", "frame(0, 0)",
		"frame(0, 1.5)", `frame(0, "1")`, "frame(0, 1)")
	add("frame", "frame().nosuch")
	add("fr:", "frame():var()", "frame():var(5)", `frame():var("nosuchvar")`, "frame().args({})", "frame().locals(1)")
	add("", "var()", "var(nil)", "var(123)", "var({})", "var(true)", `var("")`, `var("nosuchvar")`, `var("a +")`, `var("(((")`)
	add("regs", "regs.nosuch", "regs[1]", "regs[true]", "regs.rax = nil", "regs.nosuch = 1", "regs.rip = -2^63-2^12")
	add("", "watch()", "watch(0, 8, \"w\")", "watch(8, 8, \"w\")", "watch(a, 3, \"w\")", "watch(a, 16, \"w\")",
		"watch(a, 0, \"w\")", "watch(a, -8, \"w\")", "watch(a, 1.5, \"w\")", `watch(a, "4", "w")`, `watch(a, 4, "x")`,
		"watch(a, 4, 5)", "watch(a, 4, {})", `watch(a, 4, "w", 5)`, `watch(a + 1, 4, "w")`, `watch(a, 2^62, "w")`)
	add("", "sys()", "sys(123)", "sys({})", "sys({1})", `sys("nosuchcall")`, `sys("open*", 5)`, `sys("[")`, "sys(true)",
		`sys({"read", {}})`)
	add("", "sys_return(0)", "sys_return(-2)")
	add("", "printf()", "printf(nil)", "printf({})", "printf(12)", `printf("%d", "x")`, `printf("%d")`, `printf("%d", {})`,
		`printf("%d", nil)`, `printf("%d", 1.5)`, `printf("%d", 0/0)`, `printf("%d", 1/0)`, `printf("%x", {})`,
		`printf("%y", 1)`, `printf("%", 1)`, `printf("%s")`, `printf("%f", "x")`, `printf("%5")`, `printf("%c", "x")`,
		`printf("%q", {})`, `printf("%d", 2^70)`, `printf("%s %s", 1)`, `printf("%-+ #0-+ #0d", 1)`, `printf("%123d", 1)`)
	add("", "emit()", "emit(1)", `emit("x")`, "emit(nil)", "emit(cyc)", "emit({f = print})", "emit({[{}] = 1})",
		"emit({co = coroutine.create(print)})", "emit(deep)", "emit({cyc})")
	add("", "on()", `on("nosuch", print)`, `on("exit")`, `on("exit", 5)`, "on(5, print)", "on({}, print)", `on("exit", {})`,
		`on(nil, print)`)
	add("", `retval("x")`, "retval(5)", "retval({})", "rets()")
	add("", `force_return({int = "x"})`, `force_return({float = "x"})`, "force_return({bogus = 1})",
		"force_return({int = 1.5})", "force_return({float = {}})")
	return cs
}

// badEndedCalls are made after kill(): what needs the process says it is
// gone.
func badEndedCalls() []apiCall {
	var cs []apiCall
	add := func(name string, codes ...string) {
		for _, c := range codes {
			cs = append(cs, apiCall{c, name})
		}
	}
	add("", "cont()", "step()", "finish()", "kill()", "detach()", "mem(a, 4)", "mem.u8(a)", "mem.u8(a, 1)", "mem.cstr(a)",
		"mem.f64(a)", "bt()", "disas()", "disas(code, 2)", "args()", "locals()", `var("counter")`, "frame()", `brk("add")`,
		`watch(a, 4, "w")`, `sys("read")`, "sys_return(0)", "force_return(0)", "retval()", "rets()")
	add("regs", "regs.rax", "regs.rax = 1")
	add("delete", "bp:delete()")
	add("enable", "bp:enable()")
	add("disable", "bp:disable()")
	return cs
}

// Malformed calls of every API function: each raises a Lua error that gives
// SCRIPT:LINE and names the function, none panics, none is accepted
// silently, none runs long (the godbg helper's limit).
func TestAPIBadInput(t *testing.T) {
	prog := target(t, fixture.C(t, "hello.c", "-O0", "-g"))
	var b strings.Builder
	b.WriteString(`brk("add", {once = true}); cont()
local a, code = sym("counter"), sym("add")
local dbp = brk("main"); dbp:delete()
local bp = brk("hello.c:17")
local cyc = {}; cyc.self = cyc
local deep = {}; for i = 1, 100 do deep = {deep} end
local function try(i, f)
	local ok, err = pcall(f)
	print(i .. "\t" .. tostring(ok) .. "\t" .. (tostring(err):gsub("\n", " ")))
end
`)
	line := 10
	type tried struct {
		apiCall
		line int
	}
	var all []tried
	emit := func(c apiCall) {
		line++
		stmt := "return " + c.code
		if assignment.MatchString(c.code) {
			stmt = c.code
		}
		fmt.Fprintf(&b, "try(%d, function() %s end)\n", len(all), stmt)
		if c.name == "" {
			c.name = calledName.FindString(c.code)
		}
		all = append(all, tried{c, line})
	}
	for _, c := range badLiveCalls() {
		emit(c)
	}
	b.WriteString("kill()\n")
	line++
	for _, c := range badEndedCalls() {
		emit(c)
	}
	r := godbg(t, "run", "-e", b.String(), prog)
	if r.status != 137 {
		t.Errorf("status %d, want 137 (kill()); stderr %q", r.status, r.stderr)
	}
	got := map[int][2]string{}
	for _, l := range strings.Split(r.stdout, "\n") {
		f := strings.SplitN(l, "\t", 3)
		if len(f) != 3 {
			continue
		}
		if i, err := strconv.Atoi(f[0]); err == nil {
			got[i] = [2]string{f[1], f[2]}
		}
	}
	clean := 0
	for i, c := range all {
		res, ok := got[i]
		pos := fmt.Sprintf("-e:%d: ", c.line)
		switch {
		case !ok:
			t.Errorf("%s: no result (stdout %q, stderr %q)", c.code, r.stdout, r.stderr)
		case res[0] != "false":
			t.Errorf("%s: accepted (returned %s), want an error", c.code, res[1])
		case !strings.HasPrefix(res[1], pos) || !strings.Contains(res[1], c.name) ||
			strings.Contains(res[1], "runtime error") || strings.Contains(res[1], "(anonymous)"):
			t.Errorf("%s: error %q, want %q... naming %s", c.code, res[1], pos, c.name)
		default:
			clean++
		}
	}
	t.Logf("malformed calls: tried %d, clean error %d, other %d", len(all), clean, len(all)-clean)
	if testing.Verbose() {
		for i, c := range all {
			t.Logf("%s\t%s", c.code, got[i][1])
		}
	}
	noProcessLeft(t, prog)
}

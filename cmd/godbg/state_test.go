package main

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// markerLine is the line of src (under testdata/) holding marker.
func markerLine(t *testing.T, src, marker string) int {
	t.Helper()
	b, err := os.ReadFile(fixture.TestData(src))
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, marker) {
			return i + 1
		}
	}
	t.Fatalf("no %q in %s", marker, src)
	return 0
}

// The example: arguments and a 3-frame backtrace at function entry.
func TestGoArgsAndBacktraceAtEntry(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "govars"))
	r := godbg(t, "run", "-e", `brk("main.Greet", function(ev)
		local a = args()
		printf("%s x%d", a.name, a.n)
		print((tostring(bt(3)):gsub("0x%x+", "PC")))
	end)`, prog)
	want := "gopher x5\n" +
		"#0 PC in main.Greet at main.go:29\n" +
		"#1 PC in main.main at main.go:66\n" +
		"#2 PC in runtime.main at proc.go:290\n"
	check(t, r, 0, want, "gopher:5 43 origin\n")
	noProcessLeft(t, prog)
}

// Every kind of value in the middle of a Go function, var() expressions and
// the goroutine list.
func TestGoLocalsVarGoroutines(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "govars"))
	mid := markerLine(t, "govars/main.go", "// MID")
	r := godbg(t, "run", "-e", `brk("main.go:`+strconv.Itoa(mid)+`", function(ev)
		local l = locals()
		printf("p=%d,%d,%s s=%d,%d,%d #s=%d arr=%s m=%d,%d #big=%d len=%d more=%d",
			l.p.X, l.p.Y, l.p.Label, l.s[1], l.s[2], l.s[3], #l.s, table.concat(l.arr, ""),
			l.m.one, l.m.two, #l.big, l.big._len, l.big._more)
		printf("iface=%s/%d err=%s noerr=%s f=%s b=%s u=%d np=%s msg=%s pp=%s",
			l.iface.type, l.iface.value, l.err.error, tostring(l.noerr), l.f, tostring(l.b),
			l.u, tostring(l.np), l.msg, tostring(l.pp == var("pp")))
		printf("var: %s %d %d %d %d %s", var("p.Label"), var("pp.X"), var("s[1]"), var("*pp").Y,
			var("counter"), var("origin.Label"))
		local workers, main = 0, nil
		for _, g in ipairs(goroutines()) do
			-- a worker parks on <-stop after its wg.Done: on a loaded
			-- machine it may not have parked yet when main gets here
			if g.start == "main.main.gowrap1" and (g.status == "waiting" or g.status == "runnable" or g.status == "running") then
				workers = workers + 1
			end
			if g.id == ev.goid then main = g end
		end
		printf("workers=%d current=%d %s %s", workers, main.id, main.status, main.sym)
	end)`, prog)
	want := "p=5,-7,gopher s=1,2,3 #s=3 arr=abc m=1,2 #big=64 len=100 more=36\n" +
		"iface=int/123 err=boom noerr=nil f=3.5 b=true u=200 np=nil msg=gopher:5 pp=true\n" +
		"var: gopher 5 2 -7 43 origin\n" +
		"workers=3 current=1 running main.Greet\n"
	check(t, r, 0, want, "gopher:5 43 origin\n")
	noProcessLeft(t, prog)
}

// C values at entry and in the middle of a function (-O0 -g).
func TestCArgsLocalsVar(t *testing.T) {
	prog := target(t, fixture.C(t, "cvars.c", "-O0", "-g"))
	mid := markerLine(t, "cvars.c", "/* MID */")
	r := godbg(t, "run", "-e", `
	brk("cfunc", function(ev)
		local a = args()
		printf("entry a=%d d=%s s=%s pp.y=%d p=%d,%d,%s,%s", a.a, a.d, a.s, var("pp.y"), a.p.x, a.p.y, a.p.name, a.p.w)
	end)
	brk("cvars.c:`+strconv.Itoa(mid)+`", function(ev)
		local l = locals()
		printf("mid arr=%d,%d,%d,%d half=%s ul=%d local.x=%d inner=%d *ip=%d buf=%s%s",
			l.arr[1], l.arr[2], l.arr[3], l.arr[4], l.half, l.ul, l["local"].x, l.inner, var("*ip"),
			string.char(l.buf[1]), string.char(l.buf[2]))
		printf("globals %d %s", var("counter"), var("origin.name"))
	end)`, prog)
	want := "entry a=5 d=2.5 s=hello pp.y=4 p=3,4,pt,1.5\n" +
		"mid arr=10,20,30,40 half=1.25 ul=123456789012 local.x=8 inner=500 *ip=30 buf=hi\n" +
		"globals 7 origin\n" +
		"5 1.250000 hello 8 hi 500 123456789012\n"
	check(t, r, 0, want, "")
	noProcessLeft(t, prog)
}

// A line the optimizer inlined twice: brk("file:LINE") traps both copies,
// and bt() shows the inlined function as a frame of its own. A loop's line
// traps once per pass through its first address, not at each of its parts.
func TestLineBreakpointInlinedCopies(t *testing.T) {
	prog := target(t, fixture.Go(t, "goinline"))
	line := markerLine(t, "goinline/main.go", "// INLINED")
	r := godbg(t, "run", "-e", `local b = brk("main.go:`+strconv.Itoa(line)+`", function()
		local f = bt(3)
		printf("%s inlined=%s %s:%d <- %s:%d <- %s", f[1].sym, tostring(f[1].inlined), f[1].file:match("[^/]*$"), f[1].line,
			f[2].sym, f[2].line, f[3].sym)
	end)
	on("exit", function() printf("hits %d locations %d", b.hits, #b.addrs) end)`, prog)
	want := "main.scale inlined=true main.go:17 <- main.outer:23 <- main.main\n" +
		"main.scale inlined=true main.go:17 <- main.outer:23 <- main.main\n" +
		"35\nhits 2 locations 2\n"
	check(t, r, 0, want, "")

	c := target(t, fixture.C(t, "hello.c", "-O0", "-g"))
	loop := markerLine(t, "hello.c", "for (int i = 0; i < 5; i++)")
	r = godbg(t, "run", "-e", `local b = brk("hello.c:`+strconv.Itoa(loop)+`")
	on("exit", function() printf("hits %d locations %d", b.hits, #b.addrs) end)
	while cont().reason ~= "exit" do end`, c)
	check(t, r, 0, "hi total=60 counter=60\nhits 1 locations 1\n", "")
}

// opts.goroutine: a breakpoint that only one goroutine's calls hit.
func TestBreakpointOnOneGoroutine(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "gomulti"))
	r := godbg(t, "run", "-e", `
		local ev = cont(brk("main.Work", {once = true}))
		local g = ev.goid
		local others = 0
		local b = brk("main.Work", function(ev) if ev.goid ~= g then others = others + 1 end end, {goroutine = g})
		on("exit", function() printf("goroutine-only hits %d, from others %d", b.hits, others) end)`, prog, "4", "1000")
	// The once-breakpoint took the goroutine's first call: 999 remain.
	check(t, r, 0, "goroutines=4 calls=4000 sum=3996000\ngoroutine-only hits 999, from others 0\n", "")
	r = godbg(t, "run", "-e", `brk("main.Work", function() end, {goroutine = 0})`, prog)
	if r.status != 1 || !strings.Contains(r.stderr, "opts.goroutine must be a goroutine id") {
		t.Errorf("goroutine=0: status %d, stderr %q", r.status, r.stderr)
	}
	noProcessLeft(t, prog)
}

// bt() of a C program built -O2 without frame pointers: only the call-frame
// information can unwind it; from inside libc (snprintf, called by f5) too,
// whose frame libc's DWARF (libc6-dbg) names __snprintf, the function
// stdio-common/snprintf.c defines (gdb shows its alias __GI___snprintf).
func TestBacktraceWithoutFramePointers(t *testing.T) {
	prog := target(t, fixture.C(t, "cdeep.c", "-O2", "-g", "-fomit-frame-pointer"))
	r := godbg(t, "run", "-e", `
	local function names(max)
		local out = {}
		for i, f in ipairs(bt(max)) do out[i] = f.sym end
		return table.concat(out, " ")
	end
	brk("f5", function() print(names(10)) end)
	brk("snprintf", function() print(names(3)) end)`, prog)
	check(t, r, 0, "f5 f4 f3 f2 f1 main\n__snprintf f5 f4\n15654\n", "")
	noProcessLeft(t, prog)
}

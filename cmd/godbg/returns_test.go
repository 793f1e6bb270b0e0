package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// opts.on_return flips Authorized("bob") / check_auth("bob") to granted;
// force_return(1) does the same from the entry callback.
func TestRunOnReturnAndForceReturn(t *testing.T) {
	goProg := target(t, fixture.Go(t, "auth"))
	cProg := target(t, fixture.C(t, "auth.c", "-O2", "-g"))
	onReturn := `
		local n = 0
		brk(FN, {on_return = function(ev)
			assert(ev.reason == "return" and ev.elapsed > 0 and ev.elapsed < 5, "event")
			assert(ev.bp.loc == FN and where(ev.addr).sym == MAIN, "returns to main")
			assert(regs.rax == 0, "denied first")
			regs.rax = 1
			n = n + 1
		end})
		on("exit", function() printf("returns=%d", n) end)`
	force := `
		local n = 0
		brk(FN, function(ev) n = n + 1; force_return(1) end)
		brk(RATIO, function(ev) force_return({float = 1.5}) end)
		on("exit", function() printf("forced=%d", n) end)`
	for _, tt := range []struct {
		prog, fn, main, ratio, out string
	}{
		{goProg, "main.Authorized", "main.main", "main.Ratio", "bob: granted\nlookup: 0 no user bob\nratio=%s\n"},
		{cProg, "check_auth", "main", "ratio", "bob: granted\nratio=%s\nlive=11,22,33,44\n"},
	} {
		pre := "local FN, MAIN, RATIO = '" + tt.fn + "', '" + tt.main + "', '" + tt.ratio + "'\n"
		r := godbg(t, "run", "-e", pre+onReturn, tt.prog)
		check(t, r, 0, strings.Replace(tt.out, "%s", "0.25", 1)+"returns=1\n", "")
		r = godbg(t, "run", "-e", pre+force, tt.prog)
		want := strings.Replace(tt.out, "%s", "1.50", 1)
		check(t, r, 0, want+"forced=1\n", "")
		noProcessLeft(t, tt.prog)
	}
}

// Every call of fib(20) (21,891) returns once, to its own call, with the
// right value: the script pairs entries and returns on a stack.
func TestRunFibReturnPairs(t *testing.T) {
	for _, prog := range []string{target(t, fixture.GoDebug(t, "auth")), target(t, fixture.C(t, "auth.c", "-O0", "-g"))} {
		r := godbg(t, "run", "-e", `
			local FN, ARG = "main.fib", "rax"
			if sym("main.fib") == nil then FN, ARG = "fib", "rdi" end
			local memo = {[0] = 0, [1] = 1}
			for i = 2, 30 do memo[i] = memo[i-1] + memo[i-2] end
			local stack, calls, bad = {}, 0, 0
			brk(FN, function(ev) stack[#stack + 1] = regs[ARG] end, {on_return = function(ev)
				local n = table.remove(stack)
				calls = calls + 1
				if regs.rax ~= memo[n] then bad = bad + 1 end
			end})
			on("exit", function() printf("calls=%d bad=%d left=%d", calls, bad, #stack) end)`, prog, "fib", "20")
		check(t, r, 0, "fib(20)=6765\ncalls=21891 bad=0 left=0\n", "")
	}
}

// finish() runs to the caller: the result is in rax there, and bps() and
// the code are left as they were.
func TestRunFinish(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "auth"))
	r := godbg(t, "run", "-e", `
		local bp = brk("main.fib", function(ev) return regs.rax == 10 end)
		local ev = cont()
		assert(ev.reason == "breakpoint" and ev.bp == bp)
		bp:delete()
		local code = mem(sym("main.fib"), 64)
		ev = finish()
		printf("%s %s rax=%d", ev.reason, where(ev.addr).sym, regs.rax)
		assert(ev.addr == regs.rip and ev.tid ~= nil)
		assert(#bps() == 0 and mem(sym("main.fib"), 64) == code)`, prog, "fib", "12")
	check(t, r, 0, "finish main.fib rax=55\nfib(12)=144\n", "")
}

func TestInjectRecipe(t *testing.T) {
	prog := target(t, fixture.C(t, "auth.c", "-O2", "-g"))
	r := godbg(t, "run", "-a", "func=check_auth", "-a", "value=1", "-a", "every=1", "inject", prog)
	check(t, r, 0, "inject check_auth -> 1 (call 1)\nbob: granted\nratio=0.25\nlive=11,22,33,44\ncheck_auth: forced 1 of 1 calls\n", "")
	gop := target(t, fixture.Go(t, "auth"))
	r = godbg(t, "run", "-a", "func=main.fib", "-a", "value=1", "-a", "every=3", "-a", "quiet=1", "inject", gop, "fib", "5")
	// fib(5) with every third call forced to 1: the calls are made in
	// order 5 4 3 [2] 1 ... ; the script's count is the proof the stops
	// were handled and the program ran on.
	if r.status != 0 || !strings.HasPrefix(r.stdout, "fib(5)=") || !strings.Contains(r.stdout, "main.fib: forced ") {
		t.Errorf("got %d %q %q", r.status, r.stdout, r.stderr)
	}
}

// The latency recipe puts 1 ms sleeps in the [1K, 2K) us bucket (or just
// below 1,024 us) and 10 ms sleeps in [8K, 16K).
func TestLatencyRecipe(t *testing.T) {
	for _, tt := range []struct{ prog, fast, slow string }{
		{target(t, fixture.C(t, "auth.c", "-O2", "-g")), "fast", "slow"},
		{target(t, fixture.Go(t, "auth")), "main.Fast", "main.Slow"},
	} {
		r := godbg(t, "run", "-a", "func="+tt.fast, "latency", tt.prog, "latency", "12")
		r2 := godbg(t, "run", "-a", "func="+tt.slow, "latency", tt.prog, "latency", "12")
		for _, c := range []struct {
			res     result
			fn      string
			count   int
			buckets []string
			lo, hi  float64 // p50 bounds, us
		}{
			{r, tt.fast, 12, []string{"[512, 1K)", "[1K, 2K)"}, 1000, 2048},
			{r2, tt.slow, 3, []string{"[8K, 16K)"}, 10000, 16384},
		} {
			out := c.res.stdout
			if c.res.status != 0 || !strings.HasPrefix(out, "done\n") {
				t.Fatalf("%s: status %d, stdout %q, stderr %q", c.fn, c.res.status, out, c.res.stderr)
			}
			m := regexp.MustCompile(regexp.QuoteMeta(c.fn) + `: count=(\d+) p50=(\d+)us p99=(\d+)us\n@us\[` + regexp.QuoteMeta(c.fn) + `\]:\n`).FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("%s: no summary in %q", c.fn, out)
			}
			n, _ := strconv.Atoi(m[1])
			p50, _ := strconv.ParseFloat(m[2], 64)
			if n != c.count || p50 < c.lo || p50 >= c.hi {
				t.Errorf("%s: count %d p50 %v; want %d and p50 in [%v, %v)", c.fn, n, p50, c.count, c.lo, c.hi)
			}
			// A sleep never ends early, so no call may sit below the expected
			// buckets; a loaded machine (the tests run on two cores) may wake
			// a few late, so up to a quarter of the calls (rounded up) may sit above them.
			// The p50 above is exact.
			total, in, late := 0, 0, 0
			lowest := bucketLow(c.buckets[0])
			for _, line := range strings.Split(out, "\n") {
				f := regexp.MustCompile(`^(\[[^)\]]*[)\]])\s+(\d+) \|@*\s*\|$`).FindStringSubmatch(line)
				if f == nil {
					continue
				}
				k, _ := strconv.Atoi(f[2])
				total += k
				expected := false
				for _, b := range c.buckets {
					expected = expected || f[1] == b
				}
				switch {
				case k == 0:
				case expected:
					in += k
				case bucketLow(f[1]) > lowest:
					late += k
				default:
					t.Errorf("%s: %d calls in %s, below the sleep's length", c.fn, k, f[1])
				}
			}
			if allowed := (c.count + 3) / 4; late > allowed || in+late != c.count {
				t.Errorf("%s: %d calls in %v, %d above; want at least %d in:\n%s", c.fn, in, c.buckets, late, c.count-allowed, out)
			}
			if total != c.count {
				t.Errorf("%s: histogram holds %d calls, want %d:\n%s", c.fn, total, c.count, out)
			}
		}
	}
}

// rets() in on_return callbacks and after finish(): named results by name,
// unnamed ones by position, Lua values as args() gives them.
func TestRunRets(t *testing.T) {
	goScript := `
		local function show(fn) brk(fn, {on_return = function(ev)
			local r = rets()
			local keys = {}
			for k in pairs(r) do keys[#keys + 1] = tostring(k) end
			table.sort(keys)
			local out = {}
			for _, k in ipairs(keys) do
				local v = r[tonumber(k) or k]
				if type(v) == "table" and v.error then
					v = "error(" .. v.error .. ")"
				elseif type(v) == "table" then
					local f = {}
					for fk, fv in pairs(v) do
						if type(fv) == "table" then fv = table.concat(fv, ",") end
						f[#f + 1] = fk .. ":" .. tostring(fv)
					end
					table.sort(f)
					v = "{" .. table.concat(f, " ") .. "}"
				end
				out[#out + 1] = k .. "=" .. tostring(v)
			end
			printf("%s %s", fn, table.concat(out, " "))
		end}) end
		for _, fn in ipairs{"main.triple", "main.ratio", "main.divmod", "main.mkpoint", "main.big"} do show(fn) end`
	for _, prog := range []string{target(t, fixture.Go(t, "rets")), target(t, fixture.GoDebug(t, "rets"))} {
		r := godbg(t, "run", "-e", goScript, prog)
		check(t, r, 0, "main.triple 1=42 2=n=21\n42 n=21 <nil>\n"+
			"main.triple 1=0 2= 3=error(negative)\nnegative\n"+
			"main.ratio 1=0.25 2=true\n0.25 true\n"+
			"main.divmod q=3 r=2\n3 2\n"+
			"main.mkpoint 1={Name:p X:3 Y:4}\nmain.big 1={A:7,8,9}\n{3 4 p} {[7 8 9]}\n12\n1 2 3 4 5 6 7 8 9 10 tail\n", "")
	}
	cProg := target(t, fixture.C(t, "rets.c", "-O0", "-g"))
	r := godbg(t, "run", "-e", `
		brk("half", {on_return = function() printf("half %s", rets()[1]) end})
		brk("mkpair", {on_return = function() local p = rets()[1]; printf("mkpair a=%d b=%s", p.a, p.b) end})
		brk("compute", function() return true end)
		cont()
		assert(not pcall(rets), "rets at an entry raises")
		local ev = finish()
		printf("%s compute=%d", ev.reason, rets()[1])`, cProg)
	// The tracee's stdout, a pipe, is flushed at its exit.
	check(t, r, 0, "half 2.5\nmkpair a=10 b=2.5\nfinish compute=12\n42 2.50\n10 2.50\n12\n", "")
}

// bucketLow is the lower bound of a histogram bucket such as "[8K, 16K)".
func bucketLow(b string) float64 {
	f := strings.TrimPrefix(strings.SplitN(b, ",", 2)[0], "[")
	mult := 1.0
	switch {
	case strings.HasSuffix(f, "K"):
		mult, f = 1024, strings.TrimSuffix(f, "K")
	case strings.HasSuffix(f, "M"):
		mult, f = 1024*1024, strings.TrimSuffix(f, "M")
	}
	v, _ := strconv.ParseFloat(f, 64)
	return v * mult
}

// next() walks compute line by line and returns to main; over the call of
// add, a callback returning false lets it end the line in the caller, one
// returning true ends it with the breakpoint's event.
func TestRunNext(t *testing.T) {
	lines := `
		local ev = cont()
		local lines = {where(ev.addr).line}
		for i = 1, 6 do
			ev = next()
			assert(ev.reason == "step" and ev.tid and ev.addr == regs.rip, "step event")
			local w = where(ev.addr)
			lines[#lines + 1] = w.sym .. ":" .. w.line
		end
		print(table.concat(lines, " "))
		bp:delete()`
	over := `
		cont()
		bp:delete()
		for i = 1, NEXTS do next() end
		local calls = 0
		brk(CALLEE, function() calls = calls + 1; return STOP end)
		local ev = next()
		printf("%s %s calls=%d", ev.reason, ev.sym, calls)
		bps()[1]:delete()`
	for _, tt := range []struct{ prog, pre, lines string }{
		{target(t, fixture.GoDebug(t, "rets")), `CALLER, CALLEE, NEXTS = "main.compute", "main.add", 2`,
			"50 main.compute:51 main.compute:52 main.compute:53 main.compute:54 main.main:67 main.main:68\n"},
		{target(t, fixture.C(t, "rets.c", "-O0", "-g")), `CALLER, CALLEE, NEXTS = "compute", "add", 1`,
			"14 compute:15 compute:16 compute:17 compute:18 main:24 main:25\n"},
	} {
		pre := tt.pre + "\nbp = brk(CALLER)\n"
		caller, callee := strings.Split(tt.pre, `"`)[1], strings.Split(tt.pre, `"`)[3]
		for _, c := range []struct{ script, want string }{
			{pre + lines, tt.lines},
			{pre + "STOP = false\n" + over, "step " + caller + " calls=1\n"},
			{pre + "STOP = true\n" + over, "breakpoint " + callee + " calls=1\n"},
		} {
			r := godbg(t, "run", "-e", c.script, tt.prog)
			if r.status != 0 || !strings.Contains(r.stdout, c.want) {
				t.Errorf("got %d %q %q; want stdout with %q", r.status, r.stdout, r.stderr, c.want)
			}
		}
		noProcessLeft(t, tt.prog)
	}
}

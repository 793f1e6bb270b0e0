package main

import (
	"fmt"
	"regexp"
	"sort"
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

// force_return outside the callback of a breakpoint at a function's entry
// or after its prologue raises, naming SCRIPT:LINE, and the program is
// killed and reaped: in the main chunk before any stop, in on_return, in a
// sys() callback (a Go program died of "unlock of unlocked lock"), at a line
// breakpoint inside the function, twice in one callback (the second is at
// the return address). After cont() stopped at an entry breakpoint it works.
func TestForceReturnRefused(t *testing.T) {
	goProg := target(t, fixture.GoDebug(t, "auth"))
	cProg := target(t, fixture.C(t, "auth.c", "-O2", "-g"))
	const only = "force_return: only in the callback of a breakpoint at a function's entry or after its prologue (brk(\"func\")), or after cont() stopped at one; "
	for _, tt := range []struct {
		prog, fn, line, inside, caller, out string
	}{
		{goProg, "main.Lookup", "main.go:28", "main.Lookup+0x", "main.main+0x", "bob: denied\nlookup: 1 <nil>\nratio=0.25\n"},
		{cProg, "check_auth", "auth.c:13", "check_auth+0x", "main+0x", "bob: granted\nratio=0.25\nlive=11,22,33,44\n"},
	} {
		fn := "'" + tt.fn + "'"
		for _, c := range []struct{ name, script, why string }{
			{"main chunk", "force_return(1)", "before the program stopped at a breakpoint"},
			{"on_return", "brk(" + fn + ", {on_return = function() force_return(1) end})", "not at a return (on_return sees the return: set regs.rax there)"},
			{"sys", "sys('write', function() force_return(1) end)", "not at a system call (sys_return skips one in its enter callback)"},
			{"line breakpoint", "brk('" + tt.line + "', function() force_return(1) end)", "0x"},
			{"twice", "brk(" + fn + ", function() force_return(1); force_return(2) end)", "0x"},
		} {
			r := godbg(t, "run", "-e", c.script, tt.prog)
			want := "-e:1: " + only + c.why
			ok := r.status == 1 && strings.HasPrefix(r.stderr, want) && strings.Contains(r.stderr, "\nstack traceback:\n")
			switch c.name {
			case "line breakpoint":
				ok = ok && strings.Contains(r.stderr, " is "+tt.inside) && strings.Contains(r.stderr, ", inside the function: returning from there skips what it has begun (locks, deferred calls)\n")
			case "twice":
				ok = ok && strings.Contains(r.stderr, " is "+tt.caller)
			}
			if !ok {
				t.Errorf("%s, %s: got status %d stderr %q; want 1, %q...", tt.fn, c.name, r.status, r.stderr, want)
			}
			noProcessLeft(t, tt.prog)
		}
		r := godbg(t, "run", "-e", "brk("+fn+"); cont(); force_return(1)", tt.prog)
		check(t, r, 0, tt.out, "")
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

// The latency recipe on a known workload: 12 calls that sleep 1 ms and 3
// that sleep 10 ms. A sleep never ends early but may end late on a loaded
// machine, so the test checks what load cannot change: every call's time is
// at least its sleep, no bucket lies below the sleep's ([512, 1K) for 1 ms,
// 1,000 us; [8K, 16K) for 10 ms), and the histogram, count and p50 agree
// exactly with the calls' own times (-a each=1).
func TestLatencyRecipe(t *testing.T) {
	for _, tt := range []struct{ prog, fast, slow string }{
		{target(t, fixture.C(t, "auth.c", "-O2", "-g")), "fast", "slow"},
		{target(t, fixture.Go(t, "auth")), "main.Fast", "main.Slow"},
	} {
		for _, c := range []struct {
			fn     string
			count  int
			min    float64 // us: the sleep
			bucket string  // the sleep's bucket, the lowest a call can be in
		}{
			{tt.fast, 12, 1000, "[512, 1K)"},
			{tt.slow, 3, 10000, "[8K, 16K)"},
		} {
			r := godbg(t, "run", "-a", "func="+c.fn, "-a", "each=1", "latency", tt.prog, "latency", "12")
			out := r.stdout
			if r.status != 0 || !strings.HasPrefix(out, "done\n") {
				t.Fatalf("%s: status %d, stdout %q, stderr %q", c.fn, r.status, out, r.stderr)
			}
			var times []float64
			want := map[string]int{}
			for _, m := range regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(c.fn)+` ([0-9.]+)$`).FindAllStringSubmatch(out, -1) {
				v, _ := strconv.ParseFloat(m[1], 64)
				times = append(times, v)
				want[bucketOf(v)]++
				if v < c.min {
					t.Errorf("%s: a call took %v us, less than its %v us sleep", c.fn, v, c.min)
				}
			}
			if len(times) != c.count {
				t.Fatalf("%s: %d call times, want %d:\n%s", c.fn, len(times), c.count, out)
			}
			sort.Float64s(times)
			m := regexp.MustCompile(regexp.QuoteMeta(c.fn) + `: count=(\d+) p50=(\d+)us p99=(\d+)us\n@us\[` + regexp.QuoteMeta(c.fn) + `\]:\n`).FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("%s: no summary in %q", c.fn, out)
			}
			p50 := times[(len(times)+1)/2-1]
			if m[1] != strconv.Itoa(c.count) || m[2] != strconv.FormatFloat(p50, 'f', 0, 64) {
				t.Errorf("%s: summary count=%s p50=%s, want %d and %.0f", c.fn, m[1], m[2], c.count, p50)
			}
			got := map[string]int{}
			lowest := ""
			for _, line := range strings.Split(out, "\n") {
				f := regexp.MustCompile(`^(\[[^)\]]*[)\]])\s+(\d+) \|@*\s*\|$`).FindStringSubmatch(line)
				if f == nil {
					continue
				}
				if lowest == "" {
					lowest = f[1]
				}
				if k, _ := strconv.Atoi(f[2]); k > 0 {
					got[f[1]] = k
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: histogram %v, want %v from the call times", c.fn, got, want)
			}
			if bucketLow(lowest) < bucketLow(c.bucket) {
				t.Errorf("%s: histogram starts at %s, below the sleep's bucket %s", c.fn, lowest, c.bucket)
			}
		}
	}
}

// bucketOf is the log2 bucket of v as bpftrace's hist() labels it.
func bucketOf(v float64) string {
	k := 0
	for v >= 2 {
		v /= 2
		k++
	}
	label := func(n int) string {
		switch {
		case n >= 1<<20 && n%(1<<20) == 0:
			return strconv.Itoa(n>>20) + "M"
		case n >= 1<<10 && n%(1<<10) == 0:
			return strconv.Itoa(n>>10) + "K"
		}
		return strconv.Itoa(n)
	}
	return "[" + label(1<<k) + ", " + label(1<<(k+1)) + ")"
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

// next_line() walks compute line by line and returns to main; over the call of
// add, a callback returning false lets it end the line in the caller, one
// returning true ends it with the breakpoint's event.
func TestRunNext(t *testing.T) {
	lines := `
		local ev = cont()
		local lines = {where(ev.addr).line}
		for i = 1, 6 do
			ev = next_line()
			assert(ev.reason == "step" and ev.tid and ev.addr == regs.rip, "step event")
			local w = where(ev.addr)
			lines[#lines + 1] = w.sym .. ":" .. w.line
		end
		print(table.concat(lines, " "))
		bp:delete()`
	over := `
		cont()
		bp:delete()
		for i = 1, NEXTS do next_line() end
		local calls = 0
		brk(CALLEE, function() calls = calls + 1; return STOP end)
		local ev = next_line()
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

// leaf (testdata/nocfi.c) has no call frame information and keeps no frame
// pointer: one instruction in, finish() raises one clear error, leaving the
// program to run on unchanged (it prints 42), and an on_return breakpoint
// there ends the run with that error. force_return is refused there before
// any unwinding: the pc is inside the function, past its entry.
func TestRunUnwindRefused(t *testing.T) {
	prog := target(t, fixture.C(t, "nocfi.c", "-O0", "-g"))
	const why = "unwind at ADDR (leaf): no call frame information, and the function keeps no frame pointer"
	addr := regexp.MustCompile(`0x[0-9a-f]+`)
	r := godbg(t, "run", "-e", `
		brk(sym("leaf") + 1, function() return true end)
		cont()
		print(select(2, pcall(force_return, 1)))
		print(select(2, pcall(finish)))`, prog)
	r.stdout = addr.ReplaceAllString(r.stdout, "ADDR")
	check(t, r, 0, "-e:4: force_return: only in the callback of a breakpoint at a function's entry or after its prologue (brk(\"func\")), "+
		"or after cont() stopped at one; ADDR is leaf+ADDR, inside the function: returning from there skips what it has begun (locks, deferred calls)\n"+
		"-e:5: finish: "+why+"\n42\n", "")
	r = godbg(t, "run", "-e", `brk(sym("leaf") + 1, {on_return = function() end})`, prog)
	if r.status != 1 || r.stdout != "" || !strings.Contains(addr.ReplaceAllString(r.stderr, "ADDR"), "on_return of breakpoint 1 (ADDR): "+why) {
		t.Errorf("on_return: status %d, stdout %q, stderr %q", r.status, r.stdout, r.stderr)
	}
	noProcessLeft(t, prog)
}

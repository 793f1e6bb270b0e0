package main

import (
	"debug/elf"
	"fmt"
	"math/rand"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godbg/godbg/internal/fixture"
)

// sortedLines compares outputs without depending on how the tracee's
// lines and godbg's interleave.
func sortedLines(s string) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	sort.Strings(l)
	return strings.Join(l, "\n")
}

// TestProbeExactCounts: a counting probe and a recording one on the same
// function of 4 pthreads (C -O0 and -O2) and 8 goroutines: 160,000 hits
// each, every record delivered once, in order per thread (the argument
// counts up, C), no stop per hit, the program's output unchanged.
func TestProbeExactCounts(t *testing.T) {
	script := `local n, next, bad, tids = 0, {}, 0, 0
local ARG = params.arg
local pr = probe(params.fn, function(ev)
  n = n + 1
  if ARG then
    local want = next[ev.tid]
    if want == nil then tids = tids + 1; want = 0 end
    if ev.regs[ARG] ~= want or ev.reason ~= "probe" or ev.pr == nil then bad = bad + 1 end
    next[ev.tid] = want + 1
  end
end)
local c = probe(params.fn, {entry = params.entry == "1"})
on("exit", function()
  printf("kind=%s/%s hits=%d/%d records=%d lost=%d bad=%d", pr.kind, c.kind, pr.hits, c.hits, n, pr.lost, bad)
  if ARG then printf("threads=%d", tids) end
end)`
	s := writeFile(t, "probe.lua", script)
	for _, c := range []struct {
		prog, fn, arg, out string
		args               []string
	}{
		{fixture.C(t, "cthreads.c", "-O0", "-g"), "work", "rdi", "threads=4 calls=160000 sum=6399840000\nkind=jump/jump hits=160000/160000 records=160000 lost=0 bad=0\nthreads=4\n", []string{"4", "40000"}},
		// -O2: no prologue, the entry is the probe's address: a second
		// probe there is an INT3 (one jump an address).
		{fixture.C(t, "cthreads.c", "-O2", "-g"), "work", "rdi", "threads=4 calls=160000 sum=6399840000\nkind=jump/trap hits=160000/160000 records=160000 lost=0 bad=0\nthreads=4\n", []string{"4", "40000"}},
		// Go: not at the entry, which runs twice when the stack grows;
		// both at one address: the second is an INT3.
		{fixture.GoDebug(t, "gomulti"), "main.Work", "", "goroutines=8 calls=160000 sum=3199840000\nkind=jump/trap hits=160000/160000 records=160000 lost=0 bad=0\n", []string{"8", "20000"}},
	} {
		args := []string{"run", "-a", "fn=" + c.fn}
		if c.arg != "" {
			args = append(args, "-a", "entry=1")
		}
		if c.arg != "" {
			args = append(args, "-a", "arg="+c.arg)
		}
		r := godbg(t, append(append(args, s, target(t, c.prog)), c.args...)...)
		if r.status != 0 || sortedLines(r.stdout) != sortedLines(c.out) || r.stderr != "" {
			t.Errorf("%s: status %d, stdout %q, stderr %q; want %q", c.fn, r.status, r.stdout, r.stderr, c.out)
		}
	}
}

// TestProbeEventsKept: a callback keeps each of 10,000 events (more than
// the ring holds: several drains, full-ring stops) and stores into it;
// after the exit every kept event has its own values, all its fields in
// pairs, the callback's field too.
func TestProbeEventsKept(t *testing.T) {
	script := `local kept = {}
local pr = probe("hot", function(ev)
  ev.i = ev.regs.rdi
  kept[#kept + 1] = ev
end, {entry = true})
on("exit", function()
  local bad, keys = 0, {}
  for i, ev in ipairs(kept) do
    local n = 0
    for k in pairs(ev) do
      n = n + 1
      if i == 1 then keys[#keys + 1] = k end
    end
    if n ~= 8 or ev.i ~= i - 1 or ev.regs.rdi ~= i - 1 or ev.reason ~= "probe" or ev.pr ~= pr
      or ev.addr ~= pr.addr or ev.regs.rip ~= pr.addr or ev.tid ~= kept[1].tid
      or (i > 1 and (ev.time < kept[i - 1].time or ev == kept[i - 1])) then
      bad = bad + 1
    end
  end
  printf("events=%d bad=%d keys=%s", #kept, bad, table.concat(keys, ","))
end)`
	prog := target(t, fixture.C(t, "hotloop.c", "-O0", "-g"))
	r := godbg(t, "run", "-e", script, prog, "10000")
	want := "calls=10000 sum=100000000\nevents=10000 bad=0 keys=reason,pr,pid,tid,addr,time,regs,i\n"
	if r.status != 0 || sortedLines(r.stdout) != sortedLines(want) || r.stderr != "" {
		t.Errorf("status %d, stdout %q, stderr %q; want %q", r.status, r.stdout, r.stderr, want)
	}
}

// TestProbeFallbacks: where a jump cannot go, the probe is an INT3 with the
// same counts and records, and pr.reason says why: too short, a branch into
// the replaced bytes, an instruction with no rel32 form, no function size,
// a breakpoint inside the bytes, a second probe at one address.
func TestProbeFallbacks(t *testing.T) {
	prog := target(t, fixture.C(t, "probesites.c", "-O0", "-g"))
	script := `local probes = {
  {"tiny+2", probe(sym("tiny") + 2, function() end)},
  {"backjump", probe("backjump", {entry = true})},
  {"rel8only", probe("rel8only", function() end, {entry = true})},
  {"_init", probe("_init", {entry = true})},
}
brk(sym("plain") + 1, function() end)
probes[#probes + 1] = {"plain", probe("plain", {entry = true})}
probes[#probes + 1] = {"plain body", probe("plain")}
probes[#probes + 1] = {"plain body again", probe("plain")}
on("exit", function()
  for _, p in ipairs(probes) do printf("%s %s %d %s", p[1], p[2].kind, p[2].hits, p[2].reason) end
end)`
	r := godbg(t, "run", "-e", script, prog, "1000")
	want := []string{
		"calls=1000 sum=510500",
		"tiny+2 trap 1000 the function tiny ends 4 bytes after it (a jump takes 5)",
		"backjump trap 1000 the branch at 0x",
		"rel8only trap 1000 the instruction at 0x",
		"_init trap 1 no function with a size contains it",
		"plain trap 1000 a breakpoint at 0x",
		"plain body jump 1000 nil",
		"plain body again trap 1000 another jump is there",
	}
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if r.status != 0 || len(lines) != len(want) || r.stderr != "" {
		t.Fatalf("status %d, stdout %q, stderr %q", r.status, r.stdout, r.stderr)
	}
	sort.Strings(lines)
	sort.Strings(want)
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("line %q, want it to start with %q", lines[i], want[i])
		}
	}
	if !strings.Contains(r.stdout, "JRCXZ (rel8 only, cannot be widened)") || !strings.Contains(r.stdout, "jumps into the replaced bytes") {
		t.Errorf("reasons not said: %q", r.stdout)
	}
}

// textMatchesFile compares the program's .text in the live process with
// the file's (a PIE's load bias read from its maps).
func textMatchesFile(t *testing.T, prog string, pid int) bool {
	t.Helper()
	f, err := elf.Open(prog)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sec := f.Section(".text")
	file, err := sec.Data()
	if err != nil {
		t.Fatal(err)
	}
	bias := uint64(0)
	if f.Type == elf.ET_DYN {
		maps, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Sscanf(string(maps), "%x-", &bias)
	}
	m, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	live := make([]byte, len(file))
	if _, err := m.ReadAt(live, int64(sec.Addr+bias)); err != nil {
		t.Fatal(err)
	}
	return string(live) == string(file)
}

// TestProbeDetachRestores: godbg attached to a busy program with jump
// probes (and a trap one) detaches from a probe's callback: the program's
// .text equals the file's, and it runs on with its checks ok.
func TestProbeDetachRestores(t *testing.T) {
	for _, c := range []struct{ prog, fn, kinds string }{
		{target(t, fixture.C(t, "cbusy.c", "-O0", "-g")), "work", "jump\tjump\n"},
		{target(t, fixture.GoDebug(t, "gobusy")), "main.Work", "jump\tjump\n"},
	} {
		tg := start(t, c.prog)
		tg.waitFor(t, `^tick \d+ ok$`)
		script := fmt.Sprintf(`local n = 0
local c = probe(%q, {entry = true})
local pr
pr = probe(%q, function() n = n + 1; if n == 20000 then print(pr.kind, c.kind); detach() end end)`, c.fn, c.fn)
		r := godbg(t, "attach", "-e", script, strconv.Itoa(tg.cmd.Process.Pid))
		if r.status != 0 || r.stdout != c.kinds {
			t.Fatalf("%s: status %d, stdout %q, stderr %q", c.fn, r.status, r.stdout, r.stderr)
		}
		if !textMatchesFile(t, c.prog, tg.cmd.Process.Pid) {
			t.Errorf("%s: .text differs from the file after detach", c.fn)
		}
		tg.waitFor(t, `^tick \d+ ok$`)
		tg.waitFor(t, `^tick \d+ ok$`)
	}
}

// TestProbeSIGKILL: godbg attached with a recording probe whose callback
// is slow (the ring fills: lossless, the hitting threads trap to godbg) is
// killed with SIGKILL: the program runs on, its checks ok; a full ring
// then drops records, no thread traps to the godbg that is gone.
func TestProbeSIGKILL(t *testing.T) {
	rnd := rand.New(rand.NewSource(2))
	for round, c := range []struct{ prog, fn string }{
		{target(t, fixture.C(t, "cbusy.c", "-O0", "-g")), "work"},
		{target(t, fixture.GoDebug(t, "gobusy")), "main.Work"},
		{target(t, fixture.C(t, "cbusy.c", "-O0", "-g")), "work"},
		{target(t, fixture.GoDebug(t, "gobusy")), "main.Work"},
	} {
		tg := start(t, c.prog)
		tg.waitFor(t, `^tick \d+ ok$`)
		script := fmt.Sprintf(`local n = 0
probe(%q, {entry = true})
probe(%q, function() n = n + 1; if n == 20000 then print("ready") end; for i = 1, 200 do end end)`, c.fn, c.fn)
		g := start(t, godbgBin, "attach", "-e", script, strconv.Itoa(tg.cmd.Process.Pid))
		g.waitFor(t, "^ready$")
		time.Sleep(time.Duration(rnd.Intn(20000)) * time.Microsecond)
		g.cmd.Process.Kill()
		g.cmd.Wait()
		for tracerOf(t, tg.cmd.Process.Pid) != 0 {
			time.Sleep(time.Millisecond)
		}
		for len(tg.lines) > 0 {
			<-tg.lines
		}
		for ok := 0; ok < 5; ok++ {
			select {
			case line, open := <-tg.lines:
				if !open {
					tg.cmd.Wait()
					t.Fatalf("round %d (%s): the program died: %v: %s", round, c.fn, tg.cmd.ProcessState, tg.stderr.String())
				}
				if !strings.HasSuffix(line, " ok") {
					t.Fatalf("round %d (%s): %s", round, c.fn, line)
				}
			case <-time.After(time.Minute):
				t.Fatalf("round %d (%s): no output for a minute", round, c.fn)
			}
		}
	}
}

// rankGoids replaces each goroutine id by its rank among those of the
// output: the runtime numbers goroutines differently from run to run.
func rankGoids(s string) string {
	re := regexp.MustCompile(`goroutine=(\d+)`)
	var ids []int
	seen := map[int]bool{}
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		n, _ := strconv.Atoi(m[1])
		if !seen[n] {
			seen[n] = true
			ids = append(ids, n)
		}
	}
	sort.Ints(ids)
	rank := map[string]string{}
	for i, n := range ids {
		rank[strconv.Itoa(n)] = fmt.Sprintf("#%d", i)
	}
	return re.ReplaceAllStringFunc(s, func(m string) string {
		return "goroutine=" + rank[m[len("goroutine="):]]
	})
}

// TestTraceRecipeProbe: the trace recipe with -a probe=1 prints what it
// prints with breakpoints (the lines of different threads may interleave
// otherwise: compared sorted), with no stop a call.
func TestTraceRecipeProbe(t *testing.T) {
	for _, c := range []struct {
		prog   string
		params []string
		args   []string
	}{
		{target(t, fixture.GoDebug(t, "break")), []string{"-a", "pattern=main.*"}, nil},
		{target(t, fixture.Go(t, "gomulti")), []string{"-a", "pattern=main.Work", "-a", "quiet=1"}, []string{"4", "1000"}},
		{target(t, fixture.GoDebug(t, "gomulti")), []string{"-a", "pattern=main.Work"}, []string{"4", "1000"}},
		// C: thread ids differ from run to run: the counts only.
		{target(t, fixture.C(t, "cthreads.c", "-O0", "-g")), []string{"-a", "pattern=work", "-a", "quiet=1"}, []string{"3", "1000"}},
	} {
		withBrk := godbg(t, append(append(append([]string{"run"}, c.params...), "trace", c.prog), c.args...)...)
		withProbe := godbg(t, append(append(append([]string{"run", "-a", "probe=1"}, c.params...), "trace", c.prog), c.args...)...)
		if withBrk.status != 0 || withProbe.status != 0 || withProbe.stderr != "" ||
			sortedLines(rankGoids(withBrk.stdout)) != sortedLines(rankGoids(withProbe.stdout)) {
			t.Errorf("%v: with brk: %d %.300q %q\nwith probe: %d %.300q %q", c.params, withBrk.status, withBrk.stdout, withBrk.stderr,
				withProbe.status, withProbe.stdout, withProbe.stderr)
		}
	}
	r := godbg(t, "run", "-a", "probe=1", "-a", "timeline=x.json", "trace", target(t, fixture.GoDebug(t, "break")))
	if r.status != 1 || !strings.Contains(r.stderr, "probe=1 cannot time calls") {
		t.Errorf("probe=1 with timeline: %d %q", r.status, r.stderr)
	}
	// count needs the stack at the hit, latency the return: no probe.
	for _, c := range []struct{ recipe, want string }{
		{"count", "count: probe=1 cannot count by calling stack"},
		{"latency", "latency: probe=1 cannot time calls"},
	} {
		r := godbg(t, "run", "-a", "probe=1", c.recipe, target(t, fixture.GoDebug(t, "break")))
		if r.status != 1 || !strings.Contains(r.stderr, c.want) || !strings.Contains(r.stderr, "trace -a probe=1") || r.stdout != "" {
			t.Errorf("%s -a probe=1: %d %q %q", c.recipe, r.status, r.stdout, r.stderr)
		}
	}
}

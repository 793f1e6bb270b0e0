package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godbg/godbg/internal/fixture"
	"github.com/godbg/godbg/internal/tracecheck"
)

// pprofTop runs `go tool pprof` with args on the profile at path and
// returns its rows as name -> "flat cum" (the figures only).
func pprofTop(t *testing.T, path string, args ...string) map[string]string {
	t.Helper()
	cmd := exec.Command("go", append(append([]string{"tool", "pprof", "-top"}, args...), path)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go tool pprof %v: %v\n%s", args, err, out)
	}
	rows := map[string]string{}
	body := false
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		if len(f) >= 1 && f[0] == "flat" {
			body = true
			continue
		}
		if body && len(f) >= 6 {
			rows[strings.Join(f[5:], " ")] = f[0] + " " + f[3]
		}
	}
	if len(rows) == 0 {
		t.Fatalf("go tool pprof %v printed no rows:\n%s", args, out)
	}
	return rows
}

// lineOf is the number of the first line of the file at path that holds text.
func lineOf(t *testing.T, path, text string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, text) {
			return i + 1
		}
	}
	t.Fatalf("%s has no line with %q", path, text)
	return 0
}

func wantRows(t *testing.T, what string, got map[string]string, want map[string]string) {
	t.Helper()
	for name, figures := range want {
		if got[name] != figures {
			t.Errorf("%s: %s: got flat/cum %q, want %q (all rows: %v)", what, name, got[name], figures, got)
		}
	}
}

// The count recipe on calls of known number and callers: the folded stacks
// it prints and the pprof profile go tool pprof reads (functions, files,
// lines, by calling stack).
func TestCountRecipe(t *testing.T) {
	prog := target(t, fixture.Go(t, "gocalls"))
	pb := filepath.Join(t.TempDir(), "leaf.pb.gz")
	r := godbg(t, "run", "-a", "func=main.Leaf", "-a", "pprof="+pb, "count", prog)
	check(t, r, 0, "sum=45\n"+
		"runtime.goexit;runtime.main;main.main;main.A;main.Leaf 6\n"+
		"runtime.goexit;runtime.main;main.main;main.B;main.Leaf 5\n", "")
	wantRows(t, "count -top", pprofTop(t, pb), map[string]string{
		"main.Leaf": "11 11", "main.A": "0 6", "main.B": "0 5", "main.main": "0 11",
	})
	src := fixture.TestData("gocalls/main.go")
	at := func(text string) string { return fmt.Sprintf("%s:%d", src, lineOf(t, src, text)) }
	wantRows(t, "count -top -lines", pprofTop(t, pb, "-lines"), map[string]string{
		"main.Leaf " + at("func Leaf("):  "11 11", // the line of the breakpoint, after the prologue
		"main.A " + at("func A("):        "0 6",   // the line of the call
		"main.B " + at("func B("):        "0 5",
		"main.main " + at("sum += A(i)"): "0 6",
		"main.main " + at("sum += B(i)"): "0 5",
	})
	raw, err := exec.Command("go", "tool", "pprof", "-raw", pb).CombinedOutput()
	if err != nil || !strings.Contains(string(raw), "PeriodType: calls count") ||
		!strings.Contains(string(raw), filepath.Base(prog)+"  [FN][FL][LN][IN]") {
		t.Errorf("go tool pprof -raw: %v\n%s", err, raw)
	}

	// C, several threads: every call counted, under work.
	cprog := target(t, fixture.C(t, "cthreads.c", "-O0", "-g"))
	pb = filepath.Join(t.TempDir(), "work.pb.gz")
	r = godbg(t, "run", "-a", "func=work", "-a", "pprof="+pb, "count", cprog, "3", "400")
	// (The frames above run are libc's start_thread and clone3, unnamed in a stripped libc.)
	if r.status != 0 || !strings.HasSuffix(r.stdout, ";run;work 1200\n") {
		t.Errorf("count on cthreads: status %d, stdout\n%s\nstderr %s", r.status, r.stdout, r.stderr)
	}
	wantRows(t, "count on C", pprofTop(t, pb), map[string]string{"work": "1200 1200", "run": "0 1200"})

	r = godbg(t, "run", "-a", "func=main.Nothing*", "count", prog)
	if r.status != 1 || !strings.Contains(r.stderr, "count: no function matches main.Nothing*") {
		t.Errorf("count without a match: status %d, stderr %s", r.status, r.stderr)
	}

	// A plain name of a library function not mapped yet at the launch (libc's
	// puts) is counted as brk would resolve it; the recipes share the rule
	// (scripts/funcs).
	lib := target(t, fixture.C(t, "libcalls.c", "-O0", "-g"))
	out := filepath.Join(t.TempDir(), "out")
	r = godbg(t, "run", "-a", "func=puts", "-o", out, "count", lib)
	if b, _ := os.ReadFile(out); r.status != 0 || string(b) != "main;_IO_puts 5\n" {
		t.Errorf("count -a func=puts: status %d, output %q, stderr %s", r.status, b, r.stderr)
	}
	r = godbg(t, "run", "-a", "pattern=puts", "-a", "quiet=1", "-o", out, "trace", lib)
	if b, _ := os.ReadFile(out); r.status != 0 || string(b) != "       5 puts\n" {
		t.Errorf("trace -a pattern=puts: status %d, output %q, stderr %s", r.status, b, r.stderr)
	}
	r = godbg(t, "run", "-a", "func=putz", "count", lib)
	if r.status != 1 || !regexp.MustCompile(`^count\.lua:\d+: brk: unknown symbol putz;`).MatchString(r.stderr) {
		t.Errorf("count -a func=putz: status %d, stderr %s", r.status, r.stderr)
	}
}

// spanCount checks the timeline at path against the trace-event format and
// returns its spans' numbers by name; it checks that each span of inner
// lies inside a span of one of outer on its row.
func spanCount(t *testing.T, path string, inner string, outer ...string) map[string]int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := tracecheck.Validate(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	n := map[string]int{}
	for _, e := range evs {
		if e.Ph != "X" {
			continue
		}
		n[e.Name]++
		if e.Name != inner {
			continue
		}
		inside := false
		for _, o := range evs {
			for _, name := range outer {
				if o.Ph == "X" && o.Name == name && *o.Tid == *e.Tid &&
					*o.Ts <= *e.Ts && *e.Ts+*e.Dur <= *o.Ts+*o.Dur {
					inside = true
				}
			}
		}
		if !inside {
			t.Errorf("%s: the span of %s at %v on row %d is in no span of %v", path, inner, *e.Ts, *e.Tid, outer)
		}
	}
	return n
}

// trace and latency with timeline=FILE: one span a call on its goroutine's
// or thread's row, nested as the calls are; their usual output unchanged.
func TestTimelineRecipes(t *testing.T) {
	prog := target(t, fixture.Go(t, "gocalls"))
	tl := filepath.Join(t.TempDir(), "calls.json")
	r := godbg(t, "run", "-a", "pattern=main.[ABL]*", "-a", "quiet=1", "-a", "timeline="+tl, "trace", prog)
	check(t, r, 0, "sum=45\n      11 main.Leaf\n       5 main.B\n       3 main.A\n", "")
	n := spanCount(t, tl, "main.Leaf", "main.A", "main.B")
	if n["main.Leaf"] != 11 || n["main.A"] != 3 || n["main.B"] != 5 || len(n) != 3 {
		t.Errorf("trace timeline spans %v, want main.Leaf 11, main.A 3, main.B 5", n)
	}
	data, _ := os.ReadFile(tl)
	if !strings.Contains(string(data), `"tid":1,"args":{"name":"goroutine 1"}`) {
		t.Errorf("no goroutine 1 row in\n%s", data)
	}

	// Threads of a C program: each thread's calls on its row.
	cprog := target(t, fixture.C(t, "cthreads.c", "-O0", "-g"))
	tl = filepath.Join(t.TempDir(), "work.json")
	r = godbg(t, "run", "-a", "pattern=[wr][ou][rn]*", "-a", "quiet=1", "-a", "timeline="+tl, "trace", cprog, "3", "50")
	if r.status != 0 || !strings.HasSuffix(r.stdout, "     150 work\n       3 run\n") {
		t.Errorf("trace on cthreads: status %d, stdout\n%s\nstderr %s", r.status, r.stdout, r.stderr)
	}
	n = spanCount(t, tl, "work", "run")
	if n["work"] != 150 || n["run"] != 3 {
		t.Errorf("trace timeline of cthreads: spans %v, want work 150, run 3", n)
	}
	data, _ = os.ReadFile(tl)
	if got := strings.Count(string(data), `"name":"thread `); got != 3 {
		t.Errorf("%d thread rows, want 3:\n%s", got, data)
	}

	// latency: the histogram as before, and the spans and a pprof profile of the time.
	tl = filepath.Join(t.TempDir(), "lat.json")
	pb := filepath.Join(t.TempDir(), "lat.pb.gz")
	r = godbg(t, "run", "-a", "func=main.[ABL]*", "-a", "timeline="+tl, "-a", "pprof="+pb, "latency", prog)
	if r.status != 0 || !strings.Contains(r.stdout, "main.A: count=3 ") || !strings.Contains(r.stdout, "main.Leaf: count=11 ") {
		t.Errorf("latency: status %d, stdout\n%s\nstderr %s", r.status, r.stdout, r.stderr)
	}
	n = spanCount(t, tl, "main.Leaf", "main.A", "main.B")
	if n["main.Leaf"] != 11 || n["main.A"] != 3 || n["main.B"] != 5 || len(n) != 3 {
		t.Errorf("latency timeline spans %v, want main.Leaf 11, main.A 3, main.B 5", n)
	}
	wantRows(t, "latency pprof calls", pprofTop(t, pb, "-sample_index=calls"), map[string]string{
		"main.Leaf": "11 11", "main.A": "3 9", "main.B": "5 10", "main.main": "0 19",
	})
	rows := pprofTop(t, pb) // the default type: time
	if !strings.HasSuffix(rows["main.main"], "s") || rows["main.A"] == "" {
		t.Errorf("latency pprof time rows %v", rows)
	}
}

// topRow is the function of go tool pprof -top's first row: the most
// samples (flat).
func topRow(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("go", "tool", "pprof", "-top", path).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool pprof -top: %v\n%s", err, out)
	}
	lines := strings.Split(string(out), "\n")
	for i, l := range lines {
		if f := strings.Fields(l); len(f) > 0 && f[0] == "flat" && i+1 < len(lines) {
			if g := strings.Fields(lines[i+1]); len(g) >= 6 {
				return g[5]
			}
		}
	}
	t.Fatalf("go tool pprof -top: no rows\n%s", out)
	return ""
}

// The profile recipe samples a program that does not cooperate, C or Go,
// launched or attached: go tool pprof names its hot function first.
func TestProfileRecipe(t *testing.T) {
	for _, tc := range []struct {
		name, prog, hot string
		args            []string
	}{
		{"C", fixture.C(t, "cspin.c", "-O0", "-g"), "spin", []string{"1"}},
		{"Go", fixture.Go(t, "gocalls"), "main.Spin", []string{"spin", "1"}},
	} {
		for _, hz := range []string{"99", "999"} {
			prog := target(t, tc.prog)
			dir := t.TempDir()
			pb, out := filepath.Join(dir, "cpu.pb.gz"), filepath.Join(dir, "out")
			r := godbg(t, append([]string{"run", "-a", "hz=" + hz, "-a", "pprof=" + pb, "-o", out, "profile", prog}, tc.args...)...)
			folded, _ := os.ReadFile(out)
			if r.status != 0 || r.stdout != "spun\n" || r.stderr != "" {
				t.Errorf("%s hz=%s: status %d stdout %q stderr %q", tc.name, hz, r.status, r.stdout, r.stderr)
			}
			if first, _, _ := strings.Cut(string(folded), "\n"); !strings.Contains(first, tc.hot+" ") {
				t.Errorf("%s hz=%s: the first folded stack is %q, want one ending in %s", tc.name, hz, first, tc.hot)
			}
			if got := topRow(t, pb); got != tc.hot {
				t.Errorf("%s hz=%s: go tool pprof -top names %s first, want %s", tc.name, hz, got, tc.hot)
			}
			raw, err := exec.Command("go", "tool", "pprof", "-raw", pb).CombinedOutput()
			if err != nil || !strings.Contains(string(raw), "PeriodType: cpu nanoseconds") ||
				!strings.Contains(string(raw), "samples/count cpu/nanoseconds") {
				t.Errorf("%s hz=%s: go tool pprof -raw: %v\n%s", tc.name, hz, err, raw)
			}
			noProcessLeft(t, prog)
		}
	}
}

// profile -a seconds=N on an attached program: the profile is written after
// N seconds, godbg detaches and exits 0, the program runs on.
func TestProfileRecipeAttach(t *testing.T) {
	prog := target(t, fixture.C(t, "cspin.c", "-O0", "-g"))
	cmd := exec.Command(prog, "120")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reap(cmd) })
	pb := filepath.Join(t.TempDir(), "cpu.pb.gz")
	r := godbg(t, "attach", "-a", "seconds=1", "-a", "pprof="+pb, "profile", strconv.Itoa(cmd.Process.Pid))
	if first, _, _ := strings.Cut(r.stdout, "\n"); r.status != 0 || r.stderr != "" || !strings.HasPrefix(first, "main;spin ") {
		t.Errorf("attach: status %d stdout %q stderr %q", r.status, r.stdout, r.stderr)
	}
	if got := topRow(t, pb); got != "spin" {
		t.Errorf("go tool pprof -top names %s first, want spin", got)
	}
	time.Sleep(100 * time.Millisecond)
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", cmd.Process.Pid))
	if err != nil {
		t.Fatalf("the program is gone after the detach: %v", err)
	}
	if st := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))[0]; st != "R" {
		t.Errorf("the spinning program is in state %s after the detach, want R", st)
	}
}

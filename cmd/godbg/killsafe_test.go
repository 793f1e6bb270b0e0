package main

import (
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godbg/godbg/internal/fixture"
)

// killRound attaches godbg to a fresh run of prog with a Lua breakpoint on
// fn, SIGKILLs godbg a random moment after its 200th hit, and says how the
// program took it: "" when it runs on untraced with its checks ok for 5
// more ticks, else what went wrong.
func killRound(t *testing.T, prog, fn string, rnd *rand.Rand) string {
	return killRoundScript(t, prog, fmt.Sprintf(`local n = 0
brk(%q, function() n = n + 1; if n == 200 then print("ready") end end)`, fn), rnd)
}

// killRoundScript is killRound with godbg running script.
func killRoundScript(t *testing.T, prog, script string, rnd *rand.Rand) string {
	t.Helper()
	tg := start(t, prog)
	tg.waitFor(t, `^tick \d+ ok$`)
	g := start(t, godbgBin, "attach", "-e", script, strconv.Itoa(tg.cmd.Process.Pid))
	g.waitFor(t, "^ready$")
	time.Sleep(time.Duration(rnd.Intn(20000)) * time.Microsecond)
	g.cmd.Process.Kill()
	g.cmd.Wait()
	// Lines the program printed before the kill are still queued: count
	// ticks once the tracer is gone.
	for tracerOf(t, tg.cmd.Process.Pid) != 0 {
		time.Sleep(time.Millisecond)
	}
	for len(tg.lines) > 0 {
		<-tg.lines
	}
	deadline := time.After(time.Minute)
	stoppedFor := 0 // consecutive looks at an untraced program in state T
	for ok := 0; ok < 5; {
		select {
		case <-time.After(100 * time.Millisecond):
			st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", tg.cmd.Process.Pid))
			if state := firstLineWith(string(st), "State:"); strings.Contains(state, "T (stopped)") {
				if stoppedFor++; stoppedFor == 50 {
					return "stopped: " + state
				}
			} else {
				stoppedFor = 0
			}
		case line, open := <-tg.lines:
			if !open {
				tg.cmd.Wait()
				why := tg.stderr.String()
				if i := strings.Index(why, "\n\ngoroutine "); i >= 0 {
					why = why[:i]
				}
				return fmt.Sprintf("died: %v: %s", tg.cmd.ProcessState, why)
			}
			if strings.HasSuffix(line, " BAD") {
				return "checks failed: " + line
			}
			ok++
		case <-deadline:
			st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", tg.cmd.Process.Pid))
			return "no output for a minute: " + firstLineWith(string(st), "State:")
		}
	}
	tg.cmd.Process.Kill()
	tg.cmd.Wait()
	return ""
}

func firstLineWith(s, prefix string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// TestSIGKILLWhileAttached: godbg attached to a busy program with a hot Lua
// breakpoint (3 pthreads in C, 4 goroutines in Go, no pause between calls)
// is killed with SIGKILL, 15 times for each; the program must run on, its
// checks ok. (Before the liveness word and jump sites: 24 of 30 died of
// SIGTRAP.)
func TestSIGKILLWhileAttached(t *testing.T) {
	c := target(t, fixture.C(t, "cbusy.c", "-O0", "-g"))
	gop := target(t, fixture.GoDebug(t, "gobusy"))
	rnd := rand.New(rand.NewSource(1))
	harmed := 0
	for round := 0; round < 30; round++ {
		prog, fn := c, "work"
		if round%2 == 1 {
			prog, fn = gop, "main.Work"
		}
		if why := killRound(t, prog, fn, rnd); why != "" {
			harmed++
			t.Logf("round %d (%s): %s", round, fn, why)
		}
	}
	if harmed != 0 {
		t.Errorf("%d of 30 programs harmed by godbg's SIGKILL", harmed)
	}
}

// The same, godbg killed while the program is stopped at a breakpoint
// (cont() returned at the hit, every thread held, the script busy): the
// program runs on.
func TestSIGKILLWhileStopped(t *testing.T) {
	c := target(t, fixture.C(t, "cbusy.c", "-O0", "-g"))
	gop := target(t, fixture.GoDebug(t, "gobusy"))
	rnd := rand.New(rand.NewSource(2))
	harmed := 0
	for round := 0; round < 6; round++ {
		prog, fn := c, "work"
		if round%2 == 1 {
			prog, fn = gop, "main.Work"
		}
		script := fmt.Sprintf(`brk(%q, function() print("ready"); return true end); cont(); while true do end`, fn)
		if why := killRoundScript(t, prog, script, rnd); why != "" {
			harmed++
			t.Logf("round %d (%s): %s", round, fn, why)
		}
	}
	if harmed != 0 {
		t.Errorf("%d of 6 programs harmed by godbg's SIGKILL", harmed)
	}
}

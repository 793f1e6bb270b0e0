package engine

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// TestStopStats: with GODBG_STOPSTATS, each stop is counted by signal and
// pc, and the file says where: sigsend's one SIGUSR1 stops it once, in
// kill(2)'s wrapper, and a breakpoint's trap once at its address.
func TestStopStats(t *testing.T) {
	file := filepath.Join(t.TempDir(), "stops")
	old := stopStatsFile
	stopStatsFile = file
	t.Cleanup(func() { stopStatsFile = old })
	p, stdout := launch(t, fixture.C(t, "sigsend.c", "-O0", "-g"), false)
	bp, err := p.SetBreakpoint(mustSym(t, p, "main"), "main")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := p.Continue(func(*Event) (bool, error) { return false, nil })
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 || stdout() != "sent\n" || bp.Hits != 1 {
		t.Fatalf("Continue = %+v, %v; output %q, hits %d", ev, err, stdout(), bp.Hits)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{
		`(?m)^ +1 user defined signal 1 +0x[0-9a-f]+ (__)?kill\+\d+$`,
		`(?m)^ +1 trace/breakpoint trap +0x[0-9a-f]+ main\+\d+$`,
	} {
		if !regexp.MustCompile(re).Match(b) {
			t.Errorf("stop counts:\n%s\nhave no line matching %s", b, re)
		}
	}
}

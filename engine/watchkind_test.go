package engine

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// The watchpoint tests run twice: with software watchpoints forced, on
// every machine, and with the default choice, which is hardware where the
// debug registers fire and software where they do not (some virtual
// machines accept them and never raise the trap). Which one the default
// picked is checked against the probe; a machine whose debug registers do
// not fire says so loudly in the test output.

// testWatchKind is the default kind launch gives the processes it starts.
var testWatchKind WatchKind

var (
	hwProbeOnce  sync.Once
	hwProbeFires bool
	hwProbeErr   error
)

// hardwareWatchFires probes the machine once per test binary.
func hardwareWatchFires(t *testing.T) bool {
	t.Helper()
	hwProbeOnce.Do(func() {
		prog := fixture.C(t, "watchme.c", "-O0", "-g")
		p, _ := launch(t, prog, false)
		hwProbeFires, hwProbeErr = p.HardwareWatchWorks()
		p.Kill()
		if hwProbeErr == nil && !hwProbeFires {
			fmt.Fprintln(os.Stderr, "*** engine tests: the CPU's debug registers do NOT fire on this machine: hardware watchpoints are tested only for their refusal; every watch case runs with software watchpoints ***")
		}
	})
	if hwProbeErr != nil {
		t.Fatalf("probe the debug registers: %v", hwProbeErr)
	}
	return hwProbeFires
}

// eachWatchKind runs body with software watchpoints forced, then with the
// default kind; want is the kind its watchpoints must have.
func eachWatchKind(t *testing.T, body func(t *testing.T, want WatchKind)) {
	t.Helper()
	def := WatchSoftware
	if hardwareWatchFires(t) {
		def = WatchHardware
	}
	for _, c := range []struct {
		name      string
		set, want WatchKind
	}{{"software", WatchSoftware, WatchSoftware}, {"default-" + def.String(), WatchAuto, def}} {
		t.Run(c.name, func(t *testing.T) {
			testWatchKind = c.set
			defer func() { testWatchKind = WatchAuto }()
			body(t, c.want)
		})
	}
}

func checkKind(t *testing.T, wp *Watchpoint, want WatchKind) {
	t.Helper()
	if wp.Kind != want {
		t.Errorf("watchpoint %d is %v, want %v", wp.ID, wp.Kind, want)
	}
}

// TestWatchHardwareProbe: asking for a hardware watchpoint works where the
// probe says the debug registers fire, and is refused with a clear error
// where they do not (never a watchpoint that silently sees nothing).
func TestWatchHardwareProbe(t *testing.T) {
	fires := hardwareWatchFires(t)
	prog := fixture.C(t, "watchme.c", "-O0", "-g")
	p, out := launch(t, prog, false)
	wp, err := p.SetWatchpointKind(symAddr(t, p, "counter"), 8, WatchWrite, WatchHardware)
	if !fires {
		if err == nil || !strings.Contains(err.Error(), "do not fire on this machine") {
			t.Fatalf("hardware watch where the debug registers do not fire: got %v, want a refusal", err)
		}
		t.Log("debug registers do not fire here: hardware watchpoints refused, as they must be")
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		if ev.Kind == EventWatch {
			n++
		}
		return false, nil
	})
	if err != nil || ev.Kind != EventExit || n != 6 || wp.Hits != 6 || out() != "read=30\n" {
		t.Fatalf("got %+v, %v, %d hits (wp %d), output %q: want exit, 6 and 6, read=30", ev, err, n, wp.Hits, out())
	}
}

package bindings

import (
	"strings"
	"testing"

	"github.com/godbg/godbg/engine"
)

// force_return refuses every stop but a breakpoint's, whichever callback
// (or the main chunk) calls it; the watchpoint's case is here since this
// machine's debug registers never fire for a test through a tracee.
func TestReturnSafeRefusesOtherStops(t *testing.T) {
	const only = "only in the callback of a breakpoint at a function's entry or after its prologue"
	for _, tt := range []struct {
		stop *engine.Event
		why  string
	}{
		{nil, "; before the program stopped at a breakpoint"},
		{&engine.Event{Kind: engine.EventWatch}, "; not in a watchpoint's callback"},
		{&engine.Event{Kind: engine.EventSignal}, "; not at a signal"},
		{&engine.Event{Kind: engine.EventStep}, "; not after step() or next_line()"},
		{&engine.Event{Kind: engine.EventFinish}, "; not after finish()"},
		{&engine.Event{Kind: engine.EventThread}, `; not in an on("thread") handler`},
		{&engine.Event{Kind: engine.EventExec}, `; not in an on("exec") handler`},
		{&engine.Event{Kind: engine.EventReturn}, "; not at a return (on_return sees the return: set regs.rax there)"},
		{&engine.Event{Kind: engine.EventSyscall}, "; not at a system call (sys_return skips one in its enter callback)"},
		{&engine.Event{Kind: engine.EventBreakpoint, Thread: &engine.Thread{}}, "; not on another thread than the breakpoint's"},
	} {
		m := &Module{stop: tt.stop}
		got := m.returnSafe(nil)
		if !strings.HasPrefix(got, only) || !strings.HasSuffix(got, tt.why) {
			t.Errorf("stop %v: got %q, want %q...%q", tt.stop, got, only, tt.why)
		}
	}
}

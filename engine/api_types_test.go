package engine

import (
	"fmt"
	"testing"
)

// TestEventKindString: every event kind has its name, the ones declared
// beside their feature (thread, exec, tick, probe, fork, process exit)
// too; a value that is no kind, negative included, is "unknown" (and %v
// prints the same).
func TestEventKindString(t *testing.T) {
	for _, tt := range []struct {
		k    EventKind
		want string
	}{
		{EventBreakpoint, "breakpoint"},
		{EventReturn, "return"},
		{EventFinish, "finish"},
		{EventSignal, "signal"},
		{EventStep, "step"},
		{EventExit, "exit"},
		{EventWatch, "watch"},
		{EventSyscall, "syscall"},
		{EventThread, "thread"},
		{EventExec, "exec"},
		{EventTick, "tick"},
		{EventProbe, "probe"},
		{EventFork, "fork"},
		{EventProcessExit, "process exit"},
		{EventSyscall + 1, "unknown"},
		{99, "unknown"},
		{104, "unknown"},
		{-1, "unknown"},
	} {
		if got := tt.k.String(); got != tt.want {
			t.Errorf("EventKind(%d).String() = %q, want %q", int(tt.k), got, tt.want)
		}
		if got := fmt.Sprintf("%v", tt.k); got != tt.want {
			t.Errorf("%%v of EventKind(%d) = %q, want %q", int(tt.k), got, tt.want)
		}
	}
}

// TestAddrString: an address prints in hex with 0x, as gdb shows it.
func TestAddrString(t *testing.T) {
	for _, tt := range []struct {
		a    Addr
		want string
	}{
		{0, "0x0"},
		{0x401000, "0x401000"},
		{0x7ffff7fbc108, "0x7ffff7fbc108"},
		{^Addr(0), "0xffffffffffffffff"},
	} {
		if got := tt.a.String(); got != tt.want {
			t.Errorf("Addr(%d).String() = %q, want %q", uint64(tt.a), got, tt.want)
		}
		if got := fmt.Sprintf("%v", tt.a); got != tt.want {
			t.Errorf("%%v of Addr(%d) = %q, want %q", uint64(tt.a), got, tt.want)
		}
	}
}

// TestEventMore: More gives the further events of one stop (other
// breakpoints at the same address), none for a lone event.
func TestEventMore(t *testing.T) {
	lone := &Event{Kind: EventBreakpoint}
	if m := lone.More(); len(m) != 0 {
		t.Errorf("More() of a lone event = %v, want none", m)
	}
	a, b := &Event{Kind: EventBreakpoint, Tid: 2}, &Event{Kind: EventBreakpoint, Tid: 3}
	ev := &Event{Kind: EventBreakpoint, more: []*Event{a, b}}
	if m := ev.More(); len(m) != 2 || m[0] != a || m[1] != b {
		t.Errorf("More() = %v, want [%p %p]", m, a, b)
	}
}

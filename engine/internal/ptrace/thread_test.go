package ptrace

import (
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// A request from an OS thread other than the tracer's panics, naming both
// threads; from the tracer's it is made (here: wait4 with no child, ECHILD).
func TestRequestFromOtherThreadPanics(t *testing.T) {
	bindTest(t)

	if _, _, err := Wait4(-1, true); err == nil || !strings.Contains(err.Error(), "no child") {
		t.Fatalf("Wait4 on the tracer thread: got %v, want ECHILD", err)
	}
	got := make(chan any)
	go func() {
		runtime.LockOSThread() // the tracer thread is locked to the test: this is another one
		defer runtime.UnlockOSThread()
		defer func() { got <- recover() }()
		var r unix.PtraceRegs
		_ = GetRegs(unix.Getpid(), &r)
	}()
	msg, _ := (<-got).(string)
	if !strings.Contains(msg, "the tracer is thread") {
		t.Fatalf("GetRegs from another thread: recovered %q, want the tracer-thread panic", msg)
	}
}

// The FXSAVE accessors put xmm n at 160+16n, its high half cleared.
func TestFPRegsXMM(t *testing.T) {
	var f FPRegs
	for i := range f {
		f[i] = 0xff
	}
	f.SetXMM(3, 0x1122334455667788)
	if got := f.XMM(3); got != 0x1122334455667788 {
		t.Errorf("XMM(3) = %#x, want 0x1122334455667788", got)
	}
	if f[160+16*3] != 0x88 || f[160+16*3+8] != 0 || f[160+16*3+15] != 0 || f[160+16*3-1] != 0xff || f[160+16*4] != 0xff {
		t.Errorf("SetXMM(3) wrote outside bytes 208-223 or left the high half: % x", f[200:232])
	}
}

// bindTest makes the test's goroutine, locked to its OS thread, the tracer
// (Bind) until the test ends, then gives the owner back.
func bindTest(t *testing.T) {
	t.Helper()
	runtime.LockOSThread()
	t.Cleanup(runtime.UnlockOSThread)
	oldG, oldTid := ownerG.Load(), ownerTid.Load()
	t.Cleanup(func() { ownerG.Store(oldG); ownerTid.Store(oldTid) })
	Bind()
}

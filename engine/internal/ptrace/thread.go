package ptrace

import (
	"fmt"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// The tracer (Bind): its goroutine's g pointer and its OS thread's tid; 0
// before the first Bind.
var ownerG atomic.Uintptr
var ownerTid atomic.Int32

// getg returns the running goroutine's g pointer (getg_amd64.s).
func getg() uintptr

// Bind makes the calling goroutine, locked to its OS thread
// (runtime.LockOSThread), the tracer: every later request must come from
// it. Start and the engine's Attach call it before their first request.
func Bind() {
	ownerG.Store(getg())
	ownerTid.Store(int32(unix.Gettid()))
}

// checkThread panics when the caller is not the tracer. The tracer's
// goroutine is locked to its thread, so no other goroutine runs there:
// comparing goroutines (a load from thread-local storage, about a
// nanosecond) tells the threads apart without a gettid(2) per request,
// which costs a system call on the hit path.
func checkThread() {
	if o := ownerG.Load(); o != 0 && getg() != o {
		panic(fmt.Sprintf("ptrace: request from OS thread %d, the tracer is thread %d (every ptrace call must come from the locked event-loop thread)", unix.Gettid(), ownerTid.Load()))
	}
}

package ptrace

import (
	"fmt"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// owner is the tid of the tracer thread (Bind); 0 before the first Bind.
var owner atomic.Int32

// Bind makes the calling OS thread the tracer: the caller must have locked
// its goroutine to it (runtime.LockOSThread) and makes every later request
// from it. Launch and Attach call it before their first request.
func Bind() { owner.Store(int32(unix.Gettid())) }

// checkThread panics when the calling OS thread is not the tracer.
func checkThread() {
	if o := owner.Load(); o != 0 {
		if tid := int32(unix.Gettid()); tid != o {
			panic(fmt.Sprintf("ptrace: request from OS thread %d, the tracer is thread %d (every ptrace call must come from the locked event-loop thread)", tid, o))
		}
	}
}

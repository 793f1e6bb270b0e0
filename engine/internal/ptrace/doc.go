// Package ptrace is godbg's Linux x86-64 backend: the ptrace(2) requests,
// wait4(2) and the poller that waits for the next stop, the register sets
// (general and the FXSAVE area), thread signals, the seize of a running
// process (SeizeAll), stopping running threads (StopAll), the kernel side
// of auto-attached children (WaitBirth, PatchMem, Release). It knows no trap,
// breakpoint or event, and imports nothing of the engine: the engine
// (package engine) gives the stops their meaning.
//
// Threading: ptrace binds a tracee to the one OS thread that attached or
// launched it (ptrace(2): "the tracer" is a thread). Bind records that
// thread; every request here checks it is made from it and panics
// otherwise, since the kernel's answer (ESRCH) would read as a thread that
// vanished, and a wait4 from another thread of godbg would take the
// tracer's stops. The check compares goroutines (thread.go), not thread
// ids: a gettid(2) per request cost 20% of the tracer's CPU a hit here
// (BenchmarkHit, tracer-cpu-ns/hit).
package ptrace

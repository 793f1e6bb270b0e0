package engine

import (
	"os"
	"syscall"
	"time"

	"github.com/godbg/godbg/engine/symtab"
)

// Addr is a runtime address in the tracee (load bias applied).
type Addr = symtab.Addr

// EventKind says why Continue (or a step) returned or called its hook.
type EventKind int

const (
	EventBreakpoint EventKind = iota // a user breakpoint was hit
	EventReturn                      // a call hooked with on_return returned
	EventFinish                      // Finish reached the caller
	EventSignal                      // the tracee received a signal (delivered on resume)
	EventStep                        // one instruction was stepped
	EventExit                        // the process is gone
	EventWatch                       // a hardware watchpoint triggered
	EventSyscall                     // a hooked system call entered or exited
)

var eventNames = [...]string{"breakpoint", "return", "finish", "signal", "step", "exit", "watch", "syscall"}

// String names the kind; the kinds declared beside their feature (thread,
// exec, tick, probe, fork, process exit) too.
func (k EventKind) String() string {
	if k >= 0 && int(k) < len(eventNames) {
		return eventNames[k]
	}
	switch k {
	case EventThread:
		return "thread"
	case EventExec:
		return "exec"
	case EventTick:
		return "tick"
	case EventProbe:
		return "probe"
	case EventFork:
		return "fork"
	case EventProcessExit:
		return "process exit"
	}
	return "unknown"
}

// Event is one stop of the tracee, as reported to the hook and by Continue.
type Event struct {
	Kind   EventKind
	Thread *Thread // the stopped thread (nil for EventExit)
	Tid    int
	Addr   Addr        // pc of the stop; for EventReturn the return address
	Bp     *Breakpoint // EventBreakpoint, EventReturn

	Signal    syscall.Signal // EventSignal
	FaultAddr Addr           // EventSignal: si_addr for SIGSEGV, SIGBUS, SIGFPE, SIGILL
	SigCode   int32          // EventSignal: si_code (SI_USER 0, SI_TKILL -6, SEGV_MAPERR 1...)
	SigPid    int            // EventSignal: si_pid of a signal a process sent (SigCode <= 0)
	SigUid    int            // EventSignal: si_uid of a signal a process sent

	ExitCode   int            // EventExit: exit status when ExitSignal == 0
	ExitSignal syscall.Signal // EventExit: the signal that killed the process, or 0

	Elapsed time.Duration // EventReturn: since the matching entry; EventSyscall exit: since the entry
	// Time is when the engine saw the stop (EventReturn: Time-Elapsed is
	// the entry's time, on the same clock).
	Time time.Time

	Wp *Watchpoint // EventWatch (Addr is the watched address)
	PC Addr        // EventWatch: the instruction after the access (data breakpoints are traps)

	Syscall *Syscall // EventSyscall

	Exec *ExecInfo // EventExec

	// Pid is the process (0: the thread's, Thread.Pid); Parent, for
	// EventFork, the process that forked (follow.go).
	Pid, Parent int

	more []*Event
}

// Breakpoint is a user breakpoint. Several breakpoints may share an address;
// the trap (a site) stays until the last one goes.
type Breakpoint struct {
	ID   int
	Addr Addr // the first location
	// Addrs are every location of the breakpoint (one for a function; a
	// source line may have several).
	Addrs []Addr
	Loc   string // as the user wrote it
	Hits  int
	// owner is the process whose sites the breakpoint's sites are (a
	// followed child's copies are found by address: follow.go).
	owner *Process
	Once  bool // deleted after its first hit
	// Goroutine, when not 0, limits the hits to that goroutine (Go): other
	// goroutines pass without a hit being counted or reported.
	Goroutine int64
	Enabled   bool
	// Data is the owner's payload (the bindings keep the Lua callback here);
	// the engine never looks at it.
	Data any

	sites   []*site
	pending *pendingLoc // waits for a library (solib.go)
	// lib is the function a pending breakpoint waits for, kept once it is
	// placed: another followed process may still have to load it.
	lib *pendingLoc
}

// LaunchOptions configures Launch.
type LaunchOptions struct {
	Args []string // argv[1:]
	Env  []string // nil: godbg's environment
	Dir  string
	// KeepASLR leaves address randomization on (default off, as gdb does).
	KeepASLR bool
	// Stdin, Stdout, Stderr default to godbg's own.
	Stdin, Stdout, Stderr *os.File
	// NoDisplacedStep turns off out-of-line execution of breakpointed
	// instructions: every step-over then lifts the trap with the other
	// threads stopped (slower; for benchmarks and debugging the engine).
	NoDisplacedStep bool
	// Seccomp makes syscall hooks stop only the hooked calls, through a
	// seccomp filter in the program (see engine/seccomp.go); detaching is
	// then refused and fork children stay traced until they exit.
	Seccomp bool
	// Setpgid starts the program in a process group of its own, so that
	// the terminal's Ctrl-C reaches the debugger alone (godbg debug stops
	// the program with Interrupt and keeps it), not the program too. The
	// program then cannot read the terminal (a background group: SIGTTIN).
	Setpgid bool
}

// More holds further events of the same stop: other breakpoints at the same
// address, each with its own hit.
func (e *Event) More() []*Event { return e.more }

// Package engine is godbg's mechanism layer: ptrace, threads, breakpoint
// sites, the stop classification and the continue loop. It knows nothing of
// Lua or the CLI.
//
// Threading rule: every ptrace and wait call for a tracee must come from the
// OS thread that launched or attached it (ptrace(2): "a tracee is attached to
// a tracer thread"). The caller locks that thread (runtime.LockOSThread)
// before Launch or Attach and makes every later call on Process from it; the
// hook given to Continue runs on it too, so a breakpoint hit costs no
// goroutine hand-off. Only Interrupt may be called from another goroutine.
// The one goroutine of the engine's own, the ticker's (ticks.go), makes no
// ptrace call: it sends the process a SIGSTOP that wakes the loop.
package engine

// Watchpoints come in two kinds behind one Watchpoint type (watch.go): the
// CPU's debug registers, written into every thread on its resume, and
// software watchpoints (softwatch.go), where the watched page is protected
// in the tracee and each faulting access is stepped with the page open and
// the other threads held. Which kind a watchpoint gets depends on a probe of
// the debug registers made once per process (HardwareWatchWorks): some
// virtual machines accept them and never raise the trap. Their hits share
// one 64-bit mask: bits 0-3 are DR0-DR3, the software ones follow.

// Following processes (follow.go, FollowForks): one event loop over every
// traced process, on the one tracer thread, rather than a loop (or a
// tracer thread) per process: ptrace ties each tracee to the thread that
// attached it, and the auto-attached children of PTRACE_O_TRACEFORK are the
// parent's tracer's, so the first process's Continue waits for any task
// (wait4(-1, __WALL), as before) and hands each status to the Process that
// owns the task. The per address space state (sites and their saved bytes,
// the scratch area, symbols, syscall catches, the memory file) is one
// Process object per process; a fork child's is a copy of its parent's
// (its code is a copy, traps and scratch included), sharing the Breakpoint
// and SyscallCatch objects, so that hits and callbacks stay one; what a
// script sets during the run is shared the same way (followshare.go), the
// probes with a trampoline per process (probeshare.go) and the watched
// returns with the forking thread's calls in flight (inheritReturns).
// Watchpoints too (followwatch.go): each process keeps its own protected
// pages and slots holding the one Watchpoint object; a software
// watchpoint's page is protected in each process's memory, its faults
// handled by that process.
// Nothing in go.mod follows processes (Delve follows only exec'd children,
// with a target group of its own design; its loop is not a library), hence
// this. The stepping calls split the same way (loop, follow.go): the step's
// mechanics run in the stepped thread's own Process (its sites, scratch
// area, held thread), while the hook calls, the current thread and every
// Continue they need are the first process's, the one loop.

// The map (issue 12). engine/internal/ptrace is the Linux
// backend: every ptrace request, wait4 and the poller, the register sets
// (one FXSAVE reader), with the tracer-thread check; the seize of every
// task at an attach (SeizeAll), the one StopAll (stop requests sent, waited
// for, the other statuses met handed back), the kernel side of fork
// children (WaitBirth, PatchMem, Release), /proc; it imports nothing of
// engine. engine is the facade and the logic: Process, the stop
// classification (stop.go), Continue, sites and breakpoints, stepping,
// returns. Features that change how threads run (watchpoints, system call
// catches, ticks) plug in as components (components.go): every resume asks
// each one to prepare the thread and which mode it needs (resumeRequest),
// every stop is offered to each one in two ordered phases (classify:
// first, syscall and seccomp stops and made-up watch stops; last, after
// the engine's own SIGSTOPs, Interrupt's and the sites, a tick's SIGSTOP
// and a watch trap, a SIGTRAP no site explains), and Detach asks each one
// to refuse or quiesce, then to tear down, so none names a feature.
// Threads are stopped by one stopAll over ptrace.StopAll, which makes the
// Thread state of what the backend reports and queues the statuses it met
// in p.deferred, the one pending-stop queue; they are resumed by one
// resumeHeld (resume.go), which stays in engine: resuming a thread is the
// engine's (the step over its trap, what each component asks of a resume).
// Which fork child is followed or released, and the Threads and Process of
// an attach, are the engine's too (fork_linux.go, attach_linux.go). So is
// the thread table: the first map put "tracee and threads" in the
// backend, but every field of a Thread but its tid is the engine's (the
// register cache and its flush, the signals held across a step, the site
// it stopped at, its debug-register generation, its system call state, its
// vfork pairing); the backend works on tids and hands back statuses, and a
// Thread of its own would be a second table to keep in step.
//
// A breakpoint hit: ptrace.Poller.Wait (Continue) -> handleStatus (stop.go)
// -> the site's breakpoints and the hook -> resume (resume.go: step over the
// trap, displaced.go) -> resumeRequest (components.go) -> ptrace.Resume.

// The static half (no process, pure, any goroutine): symtab (the ELF and
// DWARF tables of one file), disasm (decoding and the listing model that
// `godbg disas` and disas() share), locspec ("fn" | "file:LINE" |
// "lib.so:fn" | an address -> a file address of one binary, with near
// names suggested on a miss) and objects (the mapped-object model: the
// maps grouped by file, the load bias, object names, indirect functions,
// the loader's r_debug/link_map list read through a memory reader; the
// Object and File types and the lookups across a list of objects: by
// name, "lib:name", by address, file:line). The lines fall where the
// tracee is needed: the Process keeps the live object list and what moves
// it (solib.go, linkmap.go: the loader's list, the maps where it has none;
// re-reading on a miss, running to the entry point for the libraries,
// pending breakpoints on the loader's r_brk), the per-object debug info
// and the IFUNC slots it reads, and answers LookupSym, SymAt, FuncAt and
// LineLocations over that list with locspec's forms; the bindings only
// read a Lua value into a location.
// No library does this here: debug/elf gives the program headers, and the
// rest (maps -> objects, the bias as the loader computes l_addr, gdb-like
// location strings) is a few dozen lines of godbg's own rules.

// Pure packages beside the engine (no system call, nothing of engine
// imported, table tests): engine/internal/hwdebug holds the DR7/DR6
// encodings and the DR0-DR3 allocator that watch.go writes through
// PTRACE_POKEUSER; engine/syscalls holds the catch set, a thread's
// entry/exit state, the seccomp filter program and the generated name and
// prototype tables that syscall.go and seccomp.go drive through
// PTRACE_SYSCALL, PTRACE_GET_SYSCALL_INFO and injected calls. The engine
// re-exports their public names (WatchMode, SyscallCatch, SyscallSig...).
// One-frame unwinding is debuginfo.CallerOf (frame.go), the goroutine and
// stack a thread runs on is debuginfo's goroutineStack (Thread.GoroutineID,
// stackOf), the SSE registers have one reader (fpregs.go over ptrace.GetFPRegs).

// Jump sites and probes (jumpsite.go, probe.go; issue 13). A probe replaces
// the instructions covering 5 bytes with a jmp rel32 into a trampoline in a
// jump area mapped within +-2 GiB (code: anonymous, r-x; data: a memfd mapped
// shared by the tracee and godbg, so counters and records are read as plain
// memory, also after the process is gone). The trampoline counts in a slot
// of the thread's own with a plain add (probecount.go: a locked add costs
// 5 ns, four times the rest), or writes a record into a ring in the shared data,
// runs the relocated instructions (engine/internal/oolstep, shared with
// out-of-line stepping) and jumps back: no stop. What a jump cannot replace
// safely (branches into the bytes, too short, not relocatable, no room) is
// refused with a reason, and the probe falls back to a trap. Signals inside
// a trampoline are delivered after the thread leaves it (leaveScratch).

// godbg killed while attached (killsafe.go, alive.go; issue 11). The
// kernel detaches the tracees of a dead tracer and resumes them: an INT3
// left in their code then kills them with SIGTRAP, and a thread held in a
// SIGTRAP or SIGSTOP stop gets that signal. So, in an attached program, a
// breakpoint site is a jump site whose trampoline first tests a liveness
// word, set dead by the kernel itself when godbg's tracer thread exits (a
// robust futex list entry: exit_robust_list runs before exit_notify
// detaches the tracees), and otherwise stops the thread with a SIGURG it
// sends itself, which godbg rewinds into an ordinary site hit; threads
// are held with PTRACE_INTERRUPT, not SIGSTOP. No watchdog process: the
// kernel's own exit path is the one thing that cannot be killed first. No
// library does either (Delve and gdb leave INT3s; uprobes need root).

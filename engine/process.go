package engine

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"sync/atomic"
	"syscall"

	"github.com/godbg/godbg/engine/debuginfo"
	"github.com/godbg/godbg/engine/internal/ptrace"
	"github.com/godbg/godbg/engine/symtab"
	"github.com/godbg/godbg/engine/syscalls"
	"golang.org/x/sys/unix"
)

// ErrInterrupted is returned by Continue after Interrupt.
var ErrInterrupted = errors.New("interrupted")

// ErrExited is returned by operations on a process that is gone.
var ErrExited = errors.New("the process has exited")

// ErrInHook is returned by the calls that resume the tracee (Continue,
// StepInstruction, Next, Finish, LoadLibraries) when made from inside a
// hook: the event loop that called the hook owns the stopped threads and
// the stops already collected; a second loop run from the hook would not
// see them, and threads it resumed could run from a trap's middle.
var ErrInHook = errors.New("the tracee cannot be resumed from inside an event hook")

// Process is a traced program: its threads, breakpoint sites and the
// scratch area for out-of-line execution.
type Process struct {
	pid      int
	bin      *symtab.Binary
	bias     Addr
	lowAddr  Addr // lowest PT_LOAD address (file)
	attached bool
	exited   bool
	exit     *Event

	threads map[int]*Thread
	current *Thread

	sites  map[Addr]*site
	bps    []*Breakpoint
	nextID int

	mem     *os.File // /proc/PID/mem, reopened after exec
	scratch scratchArea
	jumps   jumpState  // jump sites and their trampolines (jumpsite.go)
	probes  probeState // stopless probes (probe.go)
	live    livePage   // the liveness word (alive.go)

	stopStats *stopStats // GODBG_STOPSTATS (stopstats.go)

	// jumpSites: breakpoint sites become jump sites where they can
	// (killsafe.go); tramps maps their trampolines' stop pcs to the site.
	jumpSites bool
	tramps    map[Addr]trampRef
	trampList []trampRef
	jumpCount int // breakpoint sites that took a jump

	// deferred holds wait statuses collected while stopping every thread;
	// Continue handles them before waiting again, so no hit is lost.
	deferred []waitStatus
	// stopTasks is stopAll's list of the threads it stops, kept for the
	// next call.
	stopTasks []ptrace.Task

	interrupted atomic.Bool

	// inHook counts the hook calls in progress (callHook): the resuming
	// calls refuse to run meanwhile (ErrInHook).
	inHook int

	poll ptrace.Poller // how Continue waits (engine/internal/ptrace/poll.go)

	// hold is a thread Next or StepInstruction keeps stopped through a
	// trap hit that has no event (see holds).
	hold *Thread

	// removedTraps are addresses whose trap the engine removed (staleTrap).
	removedTraps map[Addr]bool

	// forks: children of fork(2) seen by event (false) or by their first
	// stop (true), until they are released.
	forks       map[int]bool
	noDisplaced bool

	watch watchState   // hardware watchpoints (watch.go)
	sys   syscallState // system call stops (syscall.go)

	rets *returnTable // return events, force_return, finish (returns.go)

	libs solibState // the mapped objects, shared libraries (solib.go)

	tick tickState // periodic stops of every thread (ticks.go)

	onExec func(ExecInfo) // OnExec (exec_linux.go)

	// fam is the family of followed processes (follow.go), nil unless
	// FollowForks; parent is the pid this one was forked from. binShared:
	// bin and the libraries' files are the parent's (not closed here).
	// scratchAtExit: the scratch area is mapped at the exit stop of the
	// execve that made the new image (exec_linux.go).
	scratchAtExit bool

	fam       *family
	parent    int
	binShared bool

	dbg    *debuginfo.Info
	dbgErr error
	// goids reads goroutine ids from runtime.g's layout alone (cheaper to
	// find than dbg's whole index).
	goids    *debuginfo.GoidReader
	goidsErr error
	stops    uint64 // ptrace stops seen (for the stops-per-hit test)
}

// Thread is one traced thread (a Linux task).
type Thread struct {
	p   *Process
	tid int

	regs       Regs
	regsKernel unix.PtraceRegs // what the kernel holds while regsValid (flushRegs)
	regsValid  bool
	regsDirty  bool
	running    bool
	newborn    bool // its first (SIGSTOP) stop is still to come
	stopWanted bool // we asked it to stop (stopAll) and have not seen the stop yet
	pendingSig syscall.Signal
	// pendingInfo is pendingSig's siginfo when the stop resumed from is
	// not that signal's own (a fault met by a step): set before resuming.
	pendingInfo *unix.Siginfo
	// heldSigs are signals met while godbg stepped the thread, sent again
	// when it resumes for real (keepSignal); resent, those sent and not
	// yet back, whose siginfo their stop gets back (restoreSigInfo).
	heldSigs, resent []heldSig
	// atSite is the address of the trap this thread has reported and not
	// yet executed: resuming it there steps over the trap instead of hitting
	// it again.
	atSite Addr

	drGen int // watch.gen its debug registers were last written at (watch.go)
	// watchFired holds the watchpoints (DR6's B0-B3) that fired during an
	// engine single-step of this thread and are not yet reported.
	watchFired uint64
	sys        syscalls.Thread // where it is in a system call (syscall.go)

	// vforkOf is, on a vfork child traced until its exec (fork_linux.go),
	// the thread that called vfork; vforkChild is, on that thread, the
	// child it is held stopped for.
	vforkOf, vforkChild *Thread
}

func (p *Process) Pid() int               { return p.pid }
func (p *Process) Binary() *symtab.Binary { return p.bin }

// Bias is the load bias: runtime address = file address + Bias (0 unless PIE).
func (p *Process) Bias() Addr { return p.bias }

// Exited tells whether the process is gone (with FollowForks: it and every
// followed child).
func (p *Process) Exited() bool      { return p.exited && p.liveChildren() == 0 }
func (p *Process) Attached() bool    { return p.attached }
func (p *Process) ExitEvent() *Event { return p.exit }

// Stops counts the ptrace stops the engine has seen: a benchmark and a test
// divide it by the hits.
func (p *Process) Stops() uint64 { return p.stops }

// Threads lists the live threads, by tid (with FollowForks, those of every
// followed process).
func (p *Process) Threads() []*Thread {
	if p.fam != nil {
		return p.allThreads()
	}
	return p.ownThreads()
}

// ownThreads lists the process's own live threads, by tid.
func (p *Process) ownThreads() []*Thread {
	ts := make([]*Thread, 0, len(p.threads))
	for _, t := range p.threads {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].tid < ts[j].tid })
	return ts
}

// CurrentThread is the thread whose stop is being handled (a followed
// child's during its events).
func (p *Process) CurrentThread() *Thread {
	if p.fam != nil && p.fam.focus != nil {
		return p.fam.focus
	}
	return p.current
}

// SetCurrentThread selects the thread that regs, step and the stack refer to.
func (p *Process) SetCurrentThread(t *Thread) { p.setCurrent(t) }

// Thread returns the thread with that tid (of any followed process), or nil.
func (p *Process) Thread(tid int) *Thread {
	if t := p.threads[tid]; t != nil || p.fam == nil {
		return t
	}
	for _, q := range p.fam.procs {
		if t := q.threads[tid]; t != nil {
			return t
		}
	}
	return nil
}

func (p *Process) addThread(tid int) *Thread {
	t := &Thread{p: p, tid: tid}
	p.threads[tid] = t
	return t
}

func (t *Thread) Tid() int { return t.tid }

// tgid is the thread group the task belongs to, for tgkill(2): the
// program's, but a vfork child is a process of its own.
func (t *Thread) tgid() int {
	if t.vforkOf != nil {
		return t.tid
	}
	return t.p.pid
}

// Regs returns the thread's registers, read once per stop.
func (t *Thread) Regs() (*Regs, error) {
	if t.running {
		return nil, fmt.Errorf("thread %d is running", t.tid)
	}
	if !t.regsValid {
		if err := ptraceGetRegs(t.tid, &t.regs.PtraceRegs); err != nil {
			return nil, fmt.Errorf("read registers of thread %d: %w", t.tid, err)
		}
		t.regsKernel = t.regs.PtraceRegs
		t.regsValid = true
	}
	return &t.regs, nil
}

// SetReg changes a register; the write reaches the thread when it resumes.
func (t *Thread) SetReg(name string, v uint64) error {
	r, err := t.Regs()
	if err != nil {
		return err
	}
	if err := r.set(name, v); err != nil {
		return err
	}
	t.regsDirty = true
	return nil
}

// PC is the thread's program counter, mapped back to the breakpoint site
// when the thread is inside the scratch area.
func (t *Thread) PC() (Addr, error) {
	r, err := t.Regs()
	if err != nil {
		return 0, err
	}
	return t.p.RealPC(Addr(r.Rip)), nil
}

func (t *Thread) flushRegs() error {
	if !t.regsDirty {
		return nil
	}
	t.regsDirty = false
	// A hit changes rip alone (back onto the trap, then into the scratch
	// slot): one word written instead of the whole set, which the kernel
	// checks register by register.
	if other := t.regs.PtraceRegs; other.Rip != t.regsKernel.Rip {
		other.Rip = t.regsKernel.Rip
		if other == t.regsKernel {
			if err := ptracePokeUser(t.tid, ptrace.RipOffset, t.regs.Rip); err != nil {
				return fmt.Errorf("write rip of thread %d: %w", t.tid, err)
			}
			t.regsKernel.Rip = t.regs.Rip
			return nil
		}
	}
	if err := ptraceSetRegs(t.tid, &t.regs.PtraceRegs); err != nil {
		return fmt.Errorf("write registers of thread %d: %w", t.tid, err)
	}
	t.regsKernel = t.regs.PtraceRegs
	return nil
}

// DiscardSignal drops the signal the thread stopped with: it is not
// delivered when the thread resumes (on("signal") returning true).
func (t *Thread) DiscardSignal() { t.pendingSig = 0 }

// heldSig is a signal held back, with its siginfo (nil: unknown).
type heldSig struct {
	sig  syscall.Signal
	info *unix.Siginfo
}

// keepSignal holds sig, whose delivery stop t is in, met while godbg
// stepped t: before the stepped instruction ran, and it must run first. The
// signal is sent again when t next runs for real (sendHeld), comes back as
// a stop of its own, is reported as any signal and delivered with its
// first siginfo (restoreSigInfo). Not sent again at once: it would be
// pending at the next step, which would stop for it again before running
// an instruction, forever (two children exiting while their parent was
// stepped over a trap, TestFollowForksDetachAll). A standard signal held
// already is that same signal: they do not queue.
func (t *Thread) keepSignal(sig syscall.Signal) {
	for _, h := range t.heldSigs {
		if h.sig == sig && sig < sigRTMin {
			return
		}
	}
	info, _ := ptraceSigInfo(t.tid)
	t.heldSigs = append(t.heldSigs, heldSig{sig, info})
}

// sigRTMin is the kernel's first real-time signal: those queue.
const sigRTMin = 32

// sendHeld sends t's held signals again: it is about to run, or to be
// released.
func (t *Thread) sendHeld() {
	for _, h := range t.heldSigs {
		if tgkill(t.tgid(), t.tid, h.sig) == nil && h.info != nil {
			t.resent = append(t.resent, h)
		}
	}
	t.heldSigs = nil
}

// restoreSigInfo gives a signal stop of t that is one of its resent
// signals coming back (SI_TKILL from godbg) the siginfo it first had.
func (t *Thread) restoreSigInfo(sig syscall.Signal) {
	for i, h := range t.resent {
		if h.sig != sig {
			continue
		}
		if si, err := ptraceSigInfo(t.tid); err == nil && si.Code == siTkill {
			if pid, _ := siginfoSender(si); pid == os.Getpid() {
				ptrace.SetSigInfo(t.tid, h.info)
				t.resent = append(t.resent[:i], t.resent[i+1:]...)
			}
		}
		return
	}
}

// PendingSignal is the signal to be delivered when the thread resumes.
func (t *Thread) PendingSignal() syscall.Signal { return t.pendingSig }

// siTkill is si_code for a signal sent with tkill or tgkill (SI_TKILL).
const siTkill = -6

package engine

// Seccomp mode (LaunchOptions.Seccomp, `godbg run --seccomp`): instead of a
// PTRACE_SYSCALL stop at every entry and exit of every call, a seccomp
// filter in the tracee stops only the hooked calls, as strace's
// --seccomp-bpf does. Each sys() that names calls no filter traces yet
// installs one more filter (classic BPF: the arch checked first, then one
// JEQ per call number to SECCOMP_RET_TRACE, else SECCOMP_RET_ALLOW) by
// making a stopped thread run prctl(PR_SET_NO_NEW_PRIVS) and
// seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC) from the
// scratch area. The kernel runs every filter and keeps the action of
// highest precedence (TRACE over ALLOW), so filters only add; a deleted
// hook's calls still stop and are resumed at once (seccomp(2)).
//
// A traced call stops with PTRACE_EVENT_SECCOMP at its entry (since Linux
// 4.8 after the syscall-entry-stop, ptrace(2)); the thread is then resumed
// with PTRACE_SYSCALL once, so that its next stop is the call's
// syscall-exit-stop, and with PTRACE_CONT after. At the seccomp stop,
// orig_rax = -1 skips the call with rax as its result (seccomp(2),
// SECCOMP_RET_TRACE: "The tracer can skip the system call by changing the
// system call number to -1"), the exit stop still comes: SkipSyscall works
// the same in both modes.
//
// Why opt-in: a filtered call with no tracer fails with ENOSYS
// (SECCOMP_RET_TRACE, seccomp(2)) and a filter cannot be removed. So once a
// filter is installed, Detach is refused, and fork and vfork children
// (which inherit the filter) are kept traced passively: every stop of
// theirs is resumed, their own signals delivered, nothing reported. Kill
// kills them with the program; ReleaseChildren detaches the ones still
// alive after the program's own exit.

import (
	"errors"
	"fmt"
	"sort"
	"syscall"

	"github.com/godbg/godbg/engine/internal/ptrace"
	"golang.org/x/sys/unix"

	"github.com/godbg/godbg/engine/syscalls"
)

// ErrSeccompDetach is Detach's answer once a seccomp filter is installed.
var ErrSeccompDetach = errors.New("refused in seccomp mode (godbg run --seccomp): the program's hooked system calls go through a " +
	"seccomp filter that cannot be removed, and untraced they would fail with ENOSYS (seccomp(2)); " +
	"run without --seccomp to be able to detach")

type seccompState struct {
	seccomp  bool              // LaunchOptions.Seccomp
	filtered syscalls.Filtered // what the installed filters trace
	// pendingFilter: calls asked for while no thread could run the
	// installation; the current thread does it at its syscall exit.
	pendingFilter bool
	// passive holds the tasks of fork children kept traced: tid -> its
	// first stop (the attach SIGSTOP) was seen.
	passive map[int]bool
}

// ptraceOptions is what Launch sets: seccomp mode adds the seccomp stops.
func (p *Process) ptraceOptions() int {
	if p.sys.seccomp {
		return ptraceOptions | unix.PTRACE_O_TRACESECCOMP
	}
	return ptraceOptions
}

// SeccompMode tells whether syscall hooks use seccomp filters.
func (p *Process) SeccompMode() bool { return p.sys.seccomp }

// syncFilter installs a filter for the calls the catches want and no
// filter traces yet. It may run from a hook while other threads run; cur
// is the hook's stopped thread when it is p's (nil: every thread of p may
// be running).
func (p *Process) syncFilter(cur *Thread) error {
	all, nrs := p.sys.catches.Unfiltered(&p.sys.filtered)
	if !all && len(nrs) == 0 {
		return nil
	}
	t, restart, err := p.filterThread(cur)
	if err != nil {
		return err
	}
	if t == nil {
		// Every stopped thread is inside a call: cur (else the first
		// thread) installs the filter at its exit stop.
		p.sys.pendingFilter = true
		c := cur
		if ts := p.ownThreads(); c == nil && len(ts) > 0 {
			c = ts[0]
		}
		if c != nil {
			c.sys.WantExit = true
		}
		return restart()
	}
	err = p.installFilter(t, all, nrs)
	if rerr := restart(); err == nil {
		err = rerr
	}
	return err
}

// installPending installs the filter sys() asked for while every stopped
// thread was inside a call; t is at a syscall-exit stop now.
func (p *Process) installPending(t *Thread) error {
	p.sys.pendingFilter = false
	all, nrs := p.sys.catches.Unfiltered(&p.sys.filtered)
	if !all && len(nrs) == 0 {
		return nil
	}
	if p.scratch.base == 0 {
		// Mapping the area writes over t's code: the others must stop.
		restart, err := p.holdOthers(t)
		if err != nil {
			return err
		}
		err = p.installFilter(t, all, nrs)
		if rerr := restart(); err == nil {
			err = rerr
		}
		return err
	}
	return p.installFilter(t, all, nrs)
}

// filterThread finds a thread to run the installation: cur
// unless it is inside a system call (at a seccomp or syscall stop, where
// the kernel would take the injected call for the entered one), else any
// other, the running ones stopped first (restart resumes them). Without
// a scratch area (after an exec) every thread is stopped: mapping it
// writes over the code at the thread's pc.
func (p *Process) filterThread(cur *Thread) (*Thread, func() error, error) {
	safe := func(t *Thread, held map[int]bool) bool {
		return t != nil && p.threads[t.tid] == t && !t.running && !t.sys.InCall && !held[t.tid]
	}
	if p.scratch.base != 0 && safe(cur, heldTids(p.deferred)) {
		return cur, func() error { return nil }, nil
	}
	restart, err := p.holdOthers(cur)
	if err != nil {
		return nil, restart, err
	}
	held := heldTids(p.deferred)
	cands := p.ownThreads()
	if safe(cur, held) {
		cands = append([]*Thread{cur}, cands...)
	}
	for _, t := range cands {
		if safe(t, held) {
			return t, restart, nil
		}
	}
	return nil, restart, nil
}

// installFilter makes t install a filter tracing nrs (or all calls) for
// every thread of the process (TSYNC).
func (p *Process) installFilter(t *Thread, all bool, nrs []int) error {
	if p.scratch.base == 0 {
		if err := p.ensureScratch(t); err != nil {
			return fmt.Errorf("seccomp filter: %w", err)
		}
		if p.scratch.base == 0 {
			return errors.New("seccomp filter: no scratch area in the tracee")
		}
	}
	prog := syscalls.Program(all, nrs)
	at, room := p.scratch.dataArea()
	buf := syscalls.Encode(prog, uint64(at))
	if len(prog) > syscalls.MaxInsns || len(buf) > room {
		return fmt.Errorf("seccomp filter: %d instructions do not fit", len(prog))
	}
	if err := p.writeRaw(at, buf); err != nil {
		return fmt.Errorf("seccomp filter: write it at %#x: %w", at, err)
	}
	if p.sys.filtered.Installed() == 0 {
		// Unprivileged filters need no_new_privs (seccomp(2)); TSYNC gives
		// it to every thread it syncs.
		r, err := p.injectSyscall(t, unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
		if err != nil {
			return fmt.Errorf("seccomp filter: prctl(PR_SET_NO_NEW_PRIVS) in thread %d: %w", t.tid, err)
		}
		if e := int64(r); e < 0 {
			return fmt.Errorf("seccomp filter: prctl(PR_SET_NO_NEW_PRIVS): %w", unix.Errno(-e))
		}
	}
	r, err := p.injectSyscall(t, unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uint64(at))
	if err != nil {
		return fmt.Errorf("seccomp filter: seccomp() in thread %d: %w", t.tid, err)
	}
	if e := int64(r); e < 0 {
		return fmt.Errorf("seccomp filter: seccomp(SECCOMP_SET_MODE_FILTER): %w", unix.Errno(-e))
	} else if e > 0 {
		// TSYNC: the thread that could not be synced (seccomp(2)).
		return fmt.Errorf("seccomp filter: thread %d has a seccomp filter of its own; the filter cannot cover every thread", e)
	}
	p.sys.filtered.Add(all, nrs)
	return nil
}

// seccompStop handles PTRACE_EVENT_SECCOMP: a filter stopped a call at
// its entry.
func (p *Process) seccompStop(t *Thread) (*Event, error) {
	info, err := p.syscallInfo(t)
	if info == nil {
		return nil, err // nil: the thread vanished (p.vanished)
	}
	if info.Op != syscallInfoSeccomp || !p.sys.seccomp {
		return nil, p.resume(t)
	}
	return p.syscallEntry(t, info, true)
}

// keepChildren tells whether fork children must stay traced: they carry a
// filter of ours.
func (p *Process) keepChildren() bool { return p.sys.filtered.Installed() > 0 }

// keepPassive resumes a fork child at its first stop and keeps it traced.
func (p *Process) keepPassive(child int) error {
	if p.sys.passive == nil {
		p.sys.passive = map[int]bool{}
	}
	p.sys.passive[child] = true
	if err := ptraceCont(child, 0); err != nil && err != unix.ESRCH {
		return fmt.Errorf("resume fork child %d: %w", child, err)
	}
	return nil
}

// passiveStop resumes a stop of a passively traced child. What the stop is
// comes from its siginfo (ptrace(2): a PTRACE_GETSIGINFO that fails with
// EINVAL is a group-stop; ptrace events have SIGTRAP | event<<8 in si_code).
func (p *Process) passiveStop(tid int) error {
	first := !p.sys.passive[tid]
	p.sys.passive[tid] = true
	var sig syscall.Signal
	si, err := ptraceSigInfo(tid)
	switch {
	case err == unix.EINVAL: // group-stop: resumed
	case err != nil:
		delete(p.sys.passive, tid) // ESRCH: gone
		return nil
	case si.Signo == int32(unix.SIGTRAP) && si.Code > 0 && si.Code>>8 != 0:
		switch int(si.Code >> 8) {
		case unix.PTRACE_EVENT_FORK, unix.PTRACE_EVENT_VFORK, unix.PTRACE_EVENT_CLONE:
			if msg, err := ptraceEventMsg(tid); err == nil {
				p.adoptPassive(int(msg))
			}
		}
	case si.Signo == int32(unix.SIGTRAP) && si.Code == int32(unix.SIGTRAP|0x80): // a syscall stop
	case first && si.Signo == int32(unix.SIGSTOP): // the attach stop
	default:
		sig = syscall.Signal(si.Signo)
	}
	if err := ptraceCont(tid, sig); err != nil && err != unix.ESRCH {
		return fmt.Errorf("resume fork child %d: %w", tid, err)
	}
	return nil
}

// adoptPassive takes a task created by a passive child: it inherits its
// tracing (and the filter); its traps were already removed.
func (p *Process) adoptPassive(tid int) {
	if _, ok := p.forks[tid]; ok {
		// Its first stop came first and is held.
		delete(p.forks, tid)
		p.keepPassive(tid)
		return
	}
	if p.sys.passive == nil {
		p.sys.passive = map[int]bool{}
	}
	if _, ok := p.sys.passive[tid]; !ok {
		p.sys.passive[tid] = false
	}
}

// killPassive kills the passive children (Kill: the launched program and
// what it started under the filter go together).
func (p *Process) killPassive() {
	for tid := range p.sys.passive {
		unix.Kill(tid, unix.SIGKILL) // ESRCH: gone already
	}
	p.sys.passive = nil
}

// ReleaseChildren detaches the fork children still traced (seccomp mode,
// after the program's own exit) and returns their process ids: from now on
// their hooked calls fail with ENOSYS. Killing them instead would end work
// the program started and meant to outlive it; the caller warns.
func (p *Process) ReleaseChildren() []int {
	seen := map[int]bool{}
	var pids []int
	tids := make([]int, 0, len(p.sys.passive))
	for tid := range p.sys.passive {
		tids = append(tids, tid)
	}
	sort.Ints(tids)
	for _, tid := range tids {
		pid := ptrace.Tgid(tid)
		if pid == 0 || !detachPassive(pid, tid) {
			continue
		}
		if !seen[pid] {
			seen[pid] = true
			pids = append(pids, pid)
		}
	}
	p.sys.passive = nil
	return pids
}

// detachPassive stops a passive task and detaches it; false when it is gone.
func detachPassive(pid, tid int) bool { return ptrace.StopAndDetach(pid, tid) }

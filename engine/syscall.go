package engine

// System call stops. While a catch exists, every resume is PTRACE_SYSCALL
// (resumeRequest): each thread stops at the entry and at the exit of every
// system call (ptrace(2), "Syscall-stops"). Which one a stop is comes from
// PTRACE_GET_SYSCALL_INFO (Linux 5.3) rather than from a flag toggled per
// stop, so that nothing goes out of step when a thread was resumed some
// other way (a single-step, a PTRACE_CONT while no catch existed) or when
// execve(2) replaced the thread. Between an entry and its exit no other
// stop of the thread comes but a ptrace event (exec, clone) or its death: a
// signal interrupts the call first (its exit shows -ERESTARTSYS and the
// like), and the restarted call enters again.
//
// A call is skipped (SkipSyscall) the way strace's --inject does it: at the
// entry, orig_rax = -1 makes the kernel run nothing and leave rax as the
// tracer set it (arch/x86/entry/syscall_64.c: nr == -1 is not a call);
// rax is written again at the exit stop in case something changed it.
//
// In seccomp mode (LaunchOptions.Seccomp, seccomp.go) threads resume with
// PTRACE_CONT and a filter stops only the hooked calls, at their entry
// (PTRACE_EVENT_SECCOMP); such a thread resumes once with PTRACE_SYSCALL
// for the exit stop. Both modes share the entry, exit and skip code here.

import (
	"fmt"
	"sort"
	"syscall"
	"time"
)

// Syscall is one system call stop, entry or exit.
type Syscall struct {
	Nr   int
	Name string // "" for a number the table does not know
	Args [6]uint64
	Exit bool  // the exit stop; else the entry
	Ret  int64 // Exit: the return value, a negative errno on failure
	// Compat is a call of the i386 ABI (int 0x80; PTRACE_GET_SYSCALL_INFO's
	// arch is AUDIT_ARCH_I386): Nr and Name are from its table
	// (SyscallName32), Args are ebx, ecx, edx, esi, edi, ebp.
	Compat bool
	// Catches are the catches that asked for this call, by id.
	Catches []*SyscallCatch
}

// SyscallCatch asks for the entry and exit stops of some system calls
// (gdb's catch syscall).
type SyscallCatch struct {
	ID  int
	All bool         // every system call
	Nrs map[int]bool // else these
	// Data is the owner's payload (the bindings keep the Lua callback here).
	Data any

	deleted bool
}

// Deleted tells whether the catch was cleared.
func (c *SyscallCatch) Deleted() bool { return c.deleted }

func (c *SyscallCatch) wants(nr int) bool { return c.All || c.Nrs[nr] }

type syscallState struct {
	catches []*SyscallCatch
	nextID  int
	on      bool // resume with PTRACE_SYSCALL

	seccompState // seccomp mode (seccomp.go)
}

// threadSyscall is where a thread is in a system call.
type threadSyscall struct {
	atEntry bool // stopped at an entry stop now (SkipSyscall is allowed)
	inCall  bool // an entry was seen and its exit not yet
	nr      int
	args    [6]uint64
	compat  bool // an i386 call (int 0x80)
	skip    bool // SkipSyscall: rax must read ret at the exit
	ret     int64
	entered time.Time
	// wantExit: resume with PTRACE_SYSCALL (seccomp mode: the exit stop
	// of a call that was reported at its seccomp stop).
	wantExit bool
	// softRetry: the call is made again after an EFAULT from a software
	// watchpoint's page (softSyscallExit); its second entry is silent.
	softRetry bool
}

// CatchSyscall reports the entry and exit of the system calls nrs (or all
// of them) as EventSyscall. It may be called from a hook while other
// threads run: they are stopped and resumed in PTRACE_SYSCALL mode.
func (p *Process) CatchSyscall(all bool, nrs []int) (*SyscallCatch, error) {
	if p.exited {
		return nil, ErrExited
	}
	c := &SyscallCatch{All: all, Nrs: map[int]bool{}}
	for _, nr := range nrs {
		c.Nrs[nr] = true
	}
	p.sys.nextID++
	c.ID = p.sys.nextID
	p.sys.catches = append(p.sys.catches, c)
	if p.sys.seccomp {
		if err := p.syncFilter(); err != nil {
			p.sys.catches = p.sys.catches[:len(p.sys.catches)-1]
			return nil, err
		}
		return c, nil
	}
	if !p.sys.on {
		p.sys.on = true
		if err := p.restartRunning(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// ClearSyscallCatch removes c. With no catch left, threads resume with
// PTRACE_CONT again (those running now make one more syscall stop at most).
// In seccomp mode the filter stays (a filter cannot be removed): the calls
// it still stops are resumed at once.
func (p *Process) ClearSyscallCatch(c *SyscallCatch) error {
	if c.deleted {
		return nil
	}
	c.deleted = true
	for i, x := range p.sys.catches {
		if x == c {
			p.sys.catches = append(p.sys.catches[:i], p.sys.catches[i+1:]...)
			break
		}
	}
	p.sys.on = len(p.sys.catches) > 0 && !p.sys.seccomp
	return nil
}

// SyscallCatches lists the catches, by id.
func (p *Process) SyscallCatches() []*SyscallCatch {
	cs := append([]*SyscallCatch(nil), p.sys.catches...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
	return cs
}

// auditArchI386 is AUDIT_ARCH_I386 (linux/audit.h), the arch
// PTRACE_GET_SYSCALL_INFO reports for an int 0x80 call.
const auditArchI386 = 0x40000003

// catchesForCall is catchesFor for a call of either ABI: an i386 call is
// wanted by the catches of the x86-64 call of the same name (getpid, 20
// there, is 39 here), and by those of every call.
func (p *Process) catchesForCall(nr int, compat bool) []*SyscallCatch {
	if !compat {
		return p.catchesFor(nr)
	}
	nr64, ok := SyscallNumber(SyscallName32(nr))
	var cs []*SyscallCatch
	for _, c := range p.sys.catches {
		if c.All || (ok && c.Nrs[nr64]) {
			cs = append(cs, c)
		}
	}
	return cs
}

// syscallName is the name of call nr of its ABI.
func syscallName(nr int, compat bool) string {
	if compat {
		return SyscallName32(nr)
	}
	return SyscallName(nr)
}

func (p *Process) catchesFor(nr int) []*SyscallCatch {
	var cs []*SyscallCatch
	for _, c := range p.sys.catches {
		if c.wants(nr) {
			cs = append(cs, c)
		}
	}
	return cs
}

// SkipSyscall makes the system call t is entering not run: it returns ret
// (a negative errno for a failure). t must be stopped at a syscall entry.
func (p *Process) SkipSyscall(t *Thread, ret int64) error {
	if !t.sys.atEntry || t.running {
		return fmt.Errorf("thread %d is not stopped at a system call entry", t.tid)
	}
	r, err := t.Regs()
	if err != nil {
		return err
	}
	r.Orig_rax = ^uint64(0)
	r.Rax = uint64(ret)
	t.regsDirty = true
	t.sys.skip, t.sys.ret = true, ret
	return nil
}

// syscallStop handles a syscall-entry or -exit stop (PTRACE_SYSCALL).
func (p *Process) syscallStop(t *Thread) (*Event, error) {
	t.sys.atEntry = false
	info, err := ptraceSyscallInfo(t.tid)
	if err != nil {
		return nil, p.vanished(t, fmt.Errorf("syscall info of thread %d: %w", t.tid, err))
	}
	switch info.Op {
	case syscallInfoEntry:
		if t.sys.softRetry {
			return nil, p.resume(t) // made again: reported once already
		}
		if p.sys.seccomp {
			// A PTRACE_SYSCALL resume that found no exit to stop at (the
			// call ended in a single-step): the filter reports the entries.
			t.sys = threadSyscall{}
			return nil, p.resume(t)
		}
		return p.syscallEntry(t, info, false)
	case syscallInfoExit:
		return p.syscallExit(t, Addr(info.IP), int64(info.Nr), info.Arch)
	}
	return nil, p.resume(t)
}

// syscallEntry reports the entry of the call info describes (a syscall
// entry stop, or a seccomp stop when seccomp); t is resumed when no catch
// wants it.
func (p *Process) syscallEntry(t *Thread, info *syscallInfo, seccomp bool) (*Event, error) {
	if ev := p.syscallEntryEvent(t, info, seccomp); ev != nil {
		return ev, nil
	}
	return nil, p.resume(t)
}

// syscallEntryEvent records t's entry in the call info describes and makes
// its event; nil when no catch wants the call.
func (p *Process) syscallEntryEvent(t *Thread, info *syscallInfo, seccomp bool) *Event {
	nr := int(int64(info.Nr))
	compat := info.Arch == auditArchI386
	ts := &t.sys
	if ts.softRetry && ts.nr == nr {
		return nil // made again (softSyscallExit): reported once already
	}
	*ts = threadSyscall{inCall: true, nr: nr, args: info.Args, compat: compat}
	cs := p.catchesForCall(nr, compat)
	if len(cs) == 0 {
		if seccomp {
			// No hook wants it (deleted): it runs, with no exit stop.
			*ts = threadSyscall{}
		}
		return nil
	}
	ts.atEntry = true
	ts.wantExit = seccomp
	ts.entered = now()
	return &Event{Kind: EventSyscall, Thread: t, Tid: t.tid, Addr: Addr(info.IP),
		Syscall: &Syscall{Nr: nr, Name: syscallName(nr, compat), Args: info.Args, Compat: compat, Catches: cs}}
}

// syscallExit reports an exit stop. Its number is orig_rax (execve(2) may
// have replaced the thread that entered), or the entry's when orig_rax is
// -1: a skipped call, or rt_sigreturn(2), which restores orig_rax = -1 from
// the signal frame (arch/x86/kernel/signal.c) so that nothing is restarted.
// arch is the stop's PTRACE_GET_SYSCALL_INFO arch (i386 for int 0x80).
func (p *Process) syscallExit(t *Thread, pc Addr, ret int64, arch uint32) (*Event, error) {
	ev, err := p.syscallExitEvent(t, pc, ret, arch)
	if err != nil {
		return nil, p.vanished(t, err)
	}
	if ev != nil {
		return ev, nil
	}
	return nil, p.resume(t)
}

// syscallExitEvent records t's exit from its call and makes the exit's
// event; nil when no catch wants the call.
func (p *Process) syscallExitEvent(t *Thread, pc Addr, ret int64, arch uint32) (*Event, error) {
	ts := t.sys
	t.sys = threadSyscall{}
	if p.scratchAtExit {
		// execve's exit (exec_linux.go).
		p.scratchAtExit = false
		if err := p.ensureScratch(t); err != nil {
			return nil, err
		}
	}
	if p.sys.pendingFilter {
		// t was inside a call when sys() asked for more (seccomp.go).
		if err := p.installPending(t); err != nil {
			return nil, err
		}
	}
	r, err := t.Regs()
	if err != nil {
		return nil, err
	}
	nr := int(int64(r.Orig_rax))
	if nr < 0 && ts.inCall {
		nr = ts.nr
	}
	if ts.skip {
		nr, ret = ts.nr, ts.ret
		if r.Rax != uint64(ts.ret) {
			r.Rax = uint64(ts.ret)
			t.regsDirty = true
		}
	}
	if !ts.skip {
		// A kernel write into a software watchpoint's page fails with
		// EFAULT: the call is made again with the page open; its exit
		// comes later and is the one reported.
		again := ts
		fired, retried, err := p.softSyscallExit(t, &again, nr, ret)
		if err != nil {
			return nil, err
		}
		if retried {
			t.sys = again
			return nil, nil
		}
		t.watchFired |= fired
	}
	compat := arch == auditArchI386
	cs := p.catchesForCall(nr, compat)
	if len(cs) == 0 {
		return nil, nil
	}
	sc := &Syscall{Nr: nr, Name: syscallName(nr, compat), Exit: true, Ret: ret, Compat: compat, Catches: cs}
	ev := &Event{Kind: EventSyscall, Thread: t, Tid: t.tid, Addr: pc, Syscall: sc}
	if ts.inCall && ts.nr == nr && ts.compat == compat {
		sc.Args = ts.args
		if !ts.entered.IsZero() {
			ev.Elapsed = now().Sub(ts.entered)
		}
	}
	return ev, nil
}

// resumeRequest resumes a thread: PTRACE_CONT, or PTRACE_SYSCALL while
// syscall stops are wanted. Every resume comes here, so this is where a
// thread gets the current debug registers (a thread born after a watch
// was set has none: clone(2) does not copy them).
func (p *Process) resumeRequest(tid int, sig syscall.Signal) error {
	if t := p.threads[tid]; t != nil && t.drGen != p.watch.gen {
		if err := p.writeDebugRegs(t); err != nil {
			return err
		}
	}
	if p.sys.on || p.softSyscallStops() {
		return ptraceSyscall(tid, sig)
	}
	if t := p.threads[tid]; t != nil && t.sys.wantExit {
		return ptraceSyscall(tid, sig)
	}
	return ptraceCont(tid, sig)
}

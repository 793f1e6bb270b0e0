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

	"github.com/godbg/godbg/engine/syscalls"
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
type SyscallCatch = syscalls.Catch

// The system call tables (engine/syscalls), for the engine's users.
type (
	ArgKind      = syscalls.ArgKind
	SyscallParam = syscalls.Param
	SyscallSig   = syscalls.Sig
)

const (
	ArgInt  = syscalls.ArgInt
	ArgUint = syscalls.ArgUint
	ArgPtr  = syscalls.ArgPtr
	ArgFD   = syscalls.ArgFD
)

// SyscallName is the name of x86-64 system call nr ("openat"), or "" when
// the number is not in the table.
func SyscallName(nr int) string { return syscalls.Name(nr) }

// SyscallName32 is the name of i386 system call nr (int 0x80), or "".
func SyscallName32(nr int) string { return syscalls.Name32(nr) }

// SyscallNumber is the number of the named x86-64 system call.
func SyscallNumber(name string) (int, bool) { return syscalls.Number(name) }

// SyscallNames lists every known system call name, sorted.
func SyscallNames() []string { return syscalls.Names() }

// SyscallSignature is the prototype of x86-64 system call nr, nil for a
// number the table does not know. The result is shared: do not modify it.
func SyscallSignature(nr int) *SyscallSig { return syscalls.Signature(nr) }

type syscallState struct {
	catches syscalls.Set
	on      bool // resume with PTRACE_SYSCALL

	seccompState // seccomp mode (seccomp.go)
}

// CatchSyscall reports the entry and exit of the system calls nrs (or all
// of them) as EventSyscall. It may be called from a hook while other
// threads run: they are stopped and resumed in PTRACE_SYSCALL mode. With
// FollowForks the catch is every live followed process's (one catch
// object: followshare.go), p's set giving its id.
func (p *Process) CatchSyscall(all bool, nrs []int) (*SyscallCatch, error) {
	if p.Exited() {
		return nil, ErrExited
	}
	c := p.sys.catches.Add(all, nrs)
	if p.fam == nil {
		if err := p.catchOn(p.current); err != nil {
			p.sys.catches.Remove(c)
			return nil, err
		}
		return c, nil
	}
	focus := p.Focus()
	for _, q := range p.Processes() {
		if q != p {
			q.sys.catches.Insert(c)
		}
		cur := (*Thread)(nil) // another process's threads may all be running
		if q == focus {
			cur = q.current
		}
		if err := q.catchOn(cur); err != nil {
			p.ClearSyscallCatch(c)
			return nil, err
		}
	}
	return c, nil
}

// catchOn makes p's threads report the calls its catches want: in seccomp
// mode a filter for those no filter traces yet, else PTRACE_SYSCALL
// resumes. cur is the hook's stopped thread when it is p's, else nil.
func (p *Process) catchOn(cur *Thread) error {
	if p.sys.seccomp {
		return p.syncFilter(cur)
	}
	if p.sys.on {
		return nil
	}
	p.sys.on = true
	restart, err := p.holdOthers(cur)
	if err != nil {
		return err
	}
	return restart()
}

// ClearSyscallCatch removes c (from every followed process). With no catch
// left, threads resume with PTRACE_CONT again (those running now make one
// more syscall stop at most). In seccomp mode the filter stays (a filter
// cannot be removed): the calls it still stops are resumed at once.
func (p *Process) ClearSyscallCatch(c *SyscallCatch) error {
	if !p.sys.catches.Remove(c) {
		return nil
	}
	p.sys.on = p.sys.catches.Len() > 0 && !p.sys.seccomp
	if p.fam != nil {
		for _, q := range p.Processes() {
			if q != p {
				q.sys.catches.Drop(c)
				q.sys.on = q.sys.catches.Len() > 0 && !q.sys.seccomp
			}
		}
	}
	return nil
}

// SyscallCatches lists the catches, by id.
func (p *Process) SyscallCatches() []*SyscallCatch {
	return p.sys.catches.List()
}

// SkipSyscall makes the system call t is entering not run: it returns ret
// (a negative errno for a failure). t must be stopped at a syscall entry.
func (p *Process) SkipSyscall(t *Thread, ret int64) error {
	if !t.sys.AtEntry || t.running {
		return fmt.Errorf("thread %d is not stopped at a system call entry", t.tid)
	}
	r, err := t.Regs()
	if err != nil {
		return err
	}
	r.Orig_rax = ^uint64(0)
	r.Rax = uint64(ret)
	t.regsDirty = true
	t.sys.Skip, t.sys.Ret = true, ret
	return nil
}

// syscallStop handles a syscall-entry or -exit stop (PTRACE_SYSCALL).
func (p *Process) syscallStop(t *Thread) (*Event, error) {
	info, err := p.syscallInfo(t)
	if info == nil {
		return nil, err // nil: the thread vanished (p.vanished)
	}
	switch info.Op {
	case syscallInfoEntry:
		if t.sys.SoftRetry {
			return nil, p.resume(t) // made again: reported once already
		}
		if p.sys.seccomp {
			// A PTRACE_SYSCALL resume that found no exit to stop at (the
			// call ended in a single-step): the filter reports the entries.
			t.sys = syscalls.Thread{}
			return nil, p.resume(t)
		}
		return p.syscallEntry(t, info, false)
	case syscallInfoExit:
		return p.syscallExit(t, Addr(info.IP), int64(info.Nr), info.Arch)
	}
	return nil, p.resume(t)
}

// syscallInfo reads what t is stopped at in a call (a syscall or seccomp
// stop), which leaves it no longer at an entry stop SkipSyscall may change.
// It is nil when the read failed, with a nil error when t vanished.
func (p *Process) syscallInfo(t *Thread) (*syscallInfo, error) {
	t.sys.AtEntry = false
	info, err := ptraceSyscallInfo(t.tid)
	if err != nil {
		return nil, p.vanished(t, fmt.Errorf("syscall info of thread %d: %w", t.tid, err))
	}
	return info, nil
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
	compat := syscalls.IsCompat(info.Arch)
	ts := &t.sys
	if ts.SoftRetry && ts.Nr == nr {
		return nil // made again (softSyscallExit): reported once already
	}
	*ts = syscalls.Thread{InCall: true, Nr: nr, Args: info.Args, Compat: compat}
	cs := p.sys.catches.For(nr, compat)
	if p.inTrampPrefix(Addr(info.IP)) {
		cs = nil // a breakpoint trampoline's gettid or tkill (killsafe.go)
	}
	if len(cs) == 0 {
		if seccomp {
			// No hook wants it (deleted): it runs, with no exit stop.
			*ts = syscalls.Thread{}
		}
		return nil
	}
	ts.AtEntry = true
	ts.WantExit = seccomp
	ts.Entered = now()
	return &Event{Kind: EventSyscall, Thread: t, Tid: t.tid, Addr: Addr(info.IP),
		Syscall: &Syscall{Nr: nr, Name: syscalls.NameOf(nr, compat), Args: info.Args, Compat: compat, Catches: cs}}
}

// syscallExit reports an exit stop (its number: syscalls.Thread.ExitNr).
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
	t.sys = syscalls.Thread{}
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
	nr, ret := ts.ExitNr(r.Orig_rax, ret)
	if ts.Skip {
		if r.Rax != uint64(ts.Ret) {
			r.Rax = uint64(ts.Ret)
			t.regsDirty = true
		}
	}
	if !ts.Skip {
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
	compat := syscalls.IsCompat(arch)
	cs := p.sys.catches.For(nr, compat)
	if len(cs) == 0 || p.inTrampPrefix(pc) {
		return nil, nil
	}
	sc := &Syscall{Nr: nr, Name: syscalls.NameOf(nr, compat), Exit: true, Ret: ret, Compat: compat, Catches: cs}
	ev := &Event{Kind: EventSyscall, Thread: t, Tid: t.tid, Addr: pc, Syscall: sc}
	if ts.Entry(nr, compat) {
		sc.Args = ts.Args
		if !ts.Entered.IsZero() {
			ev.Elapsed = now().Sub(ts.Entered)
		}
	}
	return ev, nil
}

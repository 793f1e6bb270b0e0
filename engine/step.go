package engine

// Stepping one instruction (gdb's stepi), and the stops such a step can
// make besides its trap: a `syscall` instruction's entry and exit stops
// while system calls are hooked, a watchpoint hit by the stepped
// instruction.

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/godbg/godbg/engine/internal/ptrace"
	"github.com/godbg/godbg/engine/syscalls"
)

// steppingThread is the thread StepInstruction, Next and Finish (op, the
// prefix of the message) move: the current one, once the process may be
// resumed (canResume). With FollowForks it is a followed child's while that
// child's event is the one handled (CurrentThread): the call then runs in
// the child, t.p, and reports through the family's loop (loop).
func (p *Process) steppingThread(op string) (*Thread, error) {
	if err := p.canResume(); err != nil {
		return nil, err
	}
	t := p.CurrentThread()
	if t == nil {
		if op == "" {
			return nil, errors.New("no current thread")
		}
		return nil, fmt.Errorf("%s: no current thread", op)
	}
	return t, nil
}

// StepInstruction executes one instruction of the current thread; over a
// trap it executes the saved instruction. Other threads stay stopped.
//
// The stops the instruction makes on the way go to hook as Continue gives
// them, and the step returns the first one the hook asks to stop at (with
// a nil hook, the first one), else EventStep after the instruction:
//   - a `syscall` instruction while a catch may want the call (and a
//     thread stopped at a syscall entry) runs through the call's entry and
//     exit stops, as it would under Continue: the entry and the exit each
//     reach the hook once, in both syscall modes. Stopped at the entry (the
//     call not run yet), the next step runs the call to its exit; at the
//     exit the instruction is done. gdb's stepi with `catch syscall` stops
//     the same way.
//   - a watchpoint hit by the instruction is its EventWatch; the
//     instruction is done.
//
// A trap at the pc not reported yet is hit instead (its event is returned,
// the instruction not run): hook does not see breakpoint hits.
func (p *Process) StepInstruction(hook Hook) (*Event, error) {
	t, err := p.steppingThread("")
	if err != nil {
		return nil, err
	}
	return t.p.stepInstruction(t, hook)
}

// stepInstruction is StepInstruction of t, a thread of p.
func (p *Process) stepInstruction(t *Thread, hook Hook) (*Event, error) {
	if ev, done, err := p.stepSyscall(t, hook); err != nil || ev != nil {
		return ev, err
	} else if done {
		return p.stepped(t, hook)
	}
	r, err := t.Regs()
	if err != nil {
		return nil, err
	}
	pc := Addr(r.Rip)
	if s := p.sites[pc]; s != nil && s.inserted && t.atSite == pc {
		t.atSite = 0
		if err := p.stepOver(t, s, false); err != nil {
			return nil, err
		}
	} else {
		// A trap at pc not yet reported is executed by the step: that is
		// its hit (below).
		t.atSite = 0
		if err := t.flushRegs(); err != nil {
			return nil, err
		}
		if err := p.singleStep(t); err != nil && !errors.Is(err, errStepFault) {
			if p.exited || p.threads[t.tid] == nil || p.leaderEnded(t) {
				if _, err := p.drainExit(); err != nil {
					return nil, err
				}
				return p.stepEnded(hook)
			}
			return nil, err
		}
		if r, err = t.Regs(); err != nil {
			return nil, err
		}
		if s := p.sites[Addr(r.Rip-1)]; s != nil && s.inserted && Addr(r.Rip-1) == pc {
			p.hold = t
			ev, err := p.hitSite(t, s)
			p.hold = nil
			if err != nil {
				return nil, err
			}
			if ev != nil {
				// A breakpoint's hit: its callbacks run as under Continue;
				// one asking to stop ends the step there, before the
				// instruction (as gdb's stepi onto a breakpoint).
				if hook == nil {
					return ev, nil
				}
				stop, first, err := p.loop().callHook(hook, ev)
				if err != nil || stop {
					return first, err
				}
			}
			// Nothing asked to stop (no callback did, or only the engine's
			// own users were there: a return trap, a breakpoint of another
			// goroutine): the instruction is still to run, and the step
			// runs it.
			t.atSite = 0
			if ev, done, err := p.stepSyscall(t, hook); err != nil || ev != nil {
				return ev, err
			} else if done {
				return p.stepped(t, hook)
			}
			if s.inserted {
				err = p.stepOver(t, s, false)
			} else {
				err = p.singleStep(t)
			}
			if err != nil && !errors.Is(err, errStepFault) {
				return nil, err
			}
		}
	}
	return p.stepped(t, hook)
}

// leaderEnded takes the exit status singleStep kept for t when t is p's
// leader (its `exit_group` stepped): a leader's status comes only once
// every other thread of its process is gone (wait(2), the kernel's
// delay_group_leader), so p has ended, and the step returns its exit.
func (p *Process) leaderEnded(t *Thread) bool {
	n := len(p.deferred)
	if t.tid != p.pid || n == 0 {
		return false
	}
	ws := p.deferred[n-1]
	if ws.tid != t.tid || !(ws.status.Exited() || ws.status.Signaled()) {
		return false
	}
	p.deferred = p.deferred[:n-1]
	p.handleStatus(ws) // the exit: nothing to fail
	return p.exited
}

// stepped ends a step of t that ran its instruction: a watchpoint the
// instruction hit goes to the hook, then the step's event.
func (p *Process) stepped(t *Thread, hook Hook) (*Event, error) {
	r, err := t.Regs()
	if err != nil {
		return nil, err
	}
	npc := Addr(r.Rip)
	if s := p.sites[npc]; s != nil && s.inserted {
		// Landed on a trap: continuing from here executes it without a hit
		// (as gdb does after stepi onto a breakpoint).
		t.atSite = npc
	}
	if fired := t.watchFired; fired != 0 {
		t.watchFired = 0
		ev, err := p.watchEvents(t, fired)
		if err != nil {
			return nil, err
		}
		if ev != nil {
			if ev, stop, err := p.stepHook(hook, ev); err != nil || stop {
				return ev, err
			}
		}
	}
	return &Event{Kind: EventStep, Thread: t, Tid: t.tid, Addr: npc}, nil
}

// stepHook gives a stop made during a step to hook, as Continue does; stop
// tells whether the step ends with ev (always with a nil hook).
func (p *Process) stepHook(hook Hook, ev *Event) (*Event, bool, error) {
	if hook == nil {
		return ev, true, nil
	}
	r := p.loop()
	r.setCurrent(ev.Thread)
	stop, sev, err := r.callHook(hook, ev)
	if p.exited {
		return r.exit, true, err // kill(): the first process's exit
	}
	return sev, stop || err != nil, err
}

// stepSyscall runs the system call t is about to make or is stopped at the
// entry of through its entry and exit stops, reporting them as syscallStop
// and seccompStop do. done is false when t is at no such call (or no catch
// can want it): the step is an ordinary one. A single-step would run the
// call with no stop at all (PTRACE_SINGLESTEP clears the syscall tracing,
// ptrace(2)) or leave a thread that was at the entry without its exit stop.
func (p *Process) stepSyscall(t *Thread, hook Hook) (ev *Event, done bool, err error) {
	hooked := p.sys.on || p.sys.filtered.Installed() > 0
	entered := false
	if t.sys.InCall || t.sys.AtEntry {
		// t.sys can be stale (resumed with PTRACE_CONT after its catch
		// went): the kernel says where t stands.
		info, err := ptraceSyscallInfo(t.tid)
		if err != nil {
			return nil, false, fmt.Errorf("syscall info of thread %d: %w", t.tid, err)
		}
		entered = info.Op == syscallInfoEntry || info.Op == syscallInfoSeccomp
	}
	var lifted *site
	if !entered {
		if !hooked {
			return nil, false, nil
		}
		r, err := t.Regs()
		if err != nil {
			return nil, false, err
		}
		pc := Addr(r.Rip)
		var code [2]byte
		if p.ReadOriginal(pc, code[:]) != nil || code != [2]byte{0x0f, 0x05} {
			return nil, false, nil
		}
		if s := p.sites[pc]; s != nil && s.inserted {
			if t.atSite != pc {
				return nil, false, nil // its hit comes first (StepInstruction)
			}
			// The trap is lifted until the thread is in the kernel: the
			// other threads are stopped meanwhile (StepInstruction's rule).
			if err := p.writeRaw(pc, []byte{s.saved}); err != nil {
				return nil, false, err
			}
			lifted = s
		}
		t.atSite = 0
	}
	putBack := func() error {
		s := lifted
		lifted = nil
		if s != nil && p.sites[s.addr] == s && s.inserted {
			return p.writeRaw(s.addr, []byte{int3})
		}
		return nil
	}
	defer putBack()
	for {
		if err := t.flushRegs(); err != nil {
			return nil, false, err
		}
		t.regsValid = false
		if err := ptraceSyscall(t.tid, 0); err != nil {
			return nil, false, fmt.Errorf("step thread %d through a system call: %w", t.tid, err)
		}
		ws, err := wait4(t.tid, false)
		if err != nil {
			return nil, false, err
		}
		p.stops++
		if err := putBack(); err != nil {
			return nil, false, err
		}
		st := ws.status
		if st.Exited() || st.Signaled() {
			// exit(2), exit_group(2), or a kill meanwhile.
			if _, err := p.handleStatus(ws); err != nil {
				return nil, false, err
			}
			if p.exited {
				ev, err := p.stepEnded(hook)
				return ev, true, err
			}
			return nil, false, fmt.Errorf("thread %d ended in its system call", t.tid)
		}
		sig := st.StopSignal()
		var sev *Event
		exited := false
		switch {
		case sig == unix.SIGTRAP|0x80:
			info, err := ptraceSyscallInfo(t.tid)
			if err != nil {
				return nil, false, fmt.Errorf("syscall info of thread %d: %w", t.tid, err)
			}
			switch info.Op {
			case syscallInfoEntry:
				if p.sys.seccomp {
					// The seccomp stop that follows reports the entry, if
					// a filter traces the call (ptrace(2): since Linux 4.8
					// it comes after the syscall-entry-stop).
					t.sys = syscalls.Thread{}
					continue
				}
				sev = p.syscallEntryEvent(t, info, false)
			case syscallInfoExit:
				exited = true
				if sev, err = p.syscallExitEvent(t, Addr(info.IP), int64(info.Nr), info.Arch); err != nil {
					return nil, false, err
				}
			}
		case st.TrapCause() == unix.PTRACE_EVENT_SECCOMP:
			info, err := ptraceSyscallInfo(t.tid)
			if err != nil {
				return nil, false, fmt.Errorf("syscall info of thread %d: %w", t.tid, err)
			}
			if info.Op == syscallInfoSeccomp && p.sys.seccomp {
				sev = p.syscallEntryEvent(t, info, true)
			}
		case st.TrapCause() == unix.PTRACE_EVENT_VFORK:
			// The step waits for the vfork child: it goes untraced, as
			// singleStep lets it.
			if msg, err := ptraceEventMsg(t.tid); err == nil {
				p.releaseVforkUntraced(int(msg))
			}
			continue
		case ptrace.IsStopRequest(st) && st.TrapCause() > 0 && (t.stopWanted || t.newborn):
			t.stopWanted, t.newborn = false, false // stopAll's
			continue
		case st.TrapCause() > 0:
			// A ptrace event inside the call (clone, exec): the loop
			// takes it later, as singleStep does.
			p.deferred = append(p.deferred, ws)
			continue
		case sig == unix.SIGSTOP && (t.stopWanted || t.newborn || p.tickWoken(t)):
			t.stopWanted, t.newborn = false, false
			continue
		case sig == unix.SIGTRAP:
			// No debug trap is expected before the exit stop; a
			// watchpoint's is kept for the end of the step.
			if p.watch.gen != 0 {
				fired, err := p.takeWatchTrap(t)
				if err != nil {
					return nil, false, err
				}
				t.watchFired |= fired
			}
			continue
		default:
			// A signal before the instruction ran: kept for delivery on
			// the next resume, as singleStep does.
			t.keepSignal(sig)
			continue
		}
		if sev != nil {
			if sev, stop, err := p.stepHook(hook, sev); err != nil || stop {
				return sev, true, err
			}
			if p.threads[t.tid] != t {
				return nil, false, fmt.Errorf("thread %d is gone", t.tid)
			}
		}
		if exited {
			return nil, true, nil
		}
	}
}

package engine

import (
	"unsafe"

	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Hook is called on the ptrace thread for each event while the tracee runs.
// It returns stop=true to make Continue return the event with every thread
// stopped; an error does the same and Continue returns the error.
type Hook func(*Event) (stop bool, err error)

// silentSignals pass to the tracee without a stop being reported (gdb's
// default `handle` table: nostop noprint pass).
var silentSignals = map[syscall.Signal]bool{
	unix.SIGALRM: true, unix.SIGURG: true, unix.SIGCHLD: true, unix.SIGWINCH: true,
	unix.SIGPROF: true, unix.SIGIO: true, unix.SIGVTALRM: true,
}

// EventThread is reported to the hook when a new thread starts (ev.Tid).
const EventThread EventKind = 100

// EventExec is reported to the hook after the process called execve(2)
// (ev.Exec says what now runs).
const EventExec EventKind = 101

// Notice tells the events that inform and never stop the tracee: a new
// thread, an exec.
func (e *Event) Notice() bool {
	return e.Kind == EventThread || e.Kind == EventExec || e.Kind == EventFork || e.Kind == EventProcessExit
}

// Continue resumes every thread and runs until the hook asks to stop, a
// signal stops with a nil hook, or the process exits. Threads run on while
// the hook handles one thread's stop ("non-stop"); Continue returns with all
// of them stopped ("all-stop"), as gdb's user sees it. Notices (Notice) do
// not stop it, whatever the hook says, but for a followed child's end
// (EventProcessExit), which the stepping calls in that child stop at.
func (p *Process) Continue(hook Hook) (*Event, error) {
	if err := p.canResume(); err != nil {
		return nil, err
	}
	quietChildStops.Do(noChildStopSignals)
	if err := p.resumeFamily(); err != nil {
		return nil, err
	}
	p.tick.armed.Store(true)
	defer p.tick.armed.Store(false)
	for {
		if p.probes.due && len(p.deferred) == 0 && hook != nil {
			// The ring passed half full (probe.go): the hook drains it;
			// no thread stops for it.
			p.probes.due = false
			if _, _, err := p.callHook(hook, &Event{Kind: EventProbe, Time: now()}); err != nil || p.Exited() {
				if p.Exited() {
					return p.exit, err
				}
				if serr := p.stopFamily(); serr != nil {
					return nil, serr
				}
				return nil, err
			}
		}
		if p.tick.due && !p.hasDeferred() {
			ev, err := p.takeTick(hook)
			if ev != nil || err != nil {
				return ev, err
			}
		}
		// The stops collected while stopping every thread come first, in
		// the order seen. They stay in p.deferred until handled, where a
		// hook's Kill or Detach finds them (a trap hit to undo).
		ws, ok := p.takeDeferred()
		if !ok {
			if p.interrupted.Load() {
				return nil, p.interruptStop()
			}
			tid, st, err := p.poll.Wait()
			if err != nil {
				return nil, err
			}
			ws = waitStatus{tid: tid, status: st}
			p.stops++
		}
		q := p // the process the status is for (follow.go)
		if p.fam != nil {
			q = p.fam.route(ws.tid)
		}
		ev, err := q.handleStatus(ws)
		if err != nil {
			return nil, err
		}
		if ev == nil {
			continue
		}
		if ev.Kind == EventExit {
			switch {
			case q != p:
				ev = p.childExited(q, ev) // a notice; the others run on
			case p.liveChildren() > 0:
				continue // the first process is gone: its children are followed to their end
			default:
				return ev, nil
			}
		}
		stop := true
		first := ev
		if hook != nil {
			p.setCurrent(ev.Thread)
			stop, ev, err = p.callHook(hook, ev)
			if p.Exited() {
				p.unpoolAny(first)
				return p.exit, err
			}
			if err != nil {
				p.unpoolAny(first)
				if serr := p.stopFamily(); serr != nil {
					return nil, serr
				}
				return nil, err
			}
		} else if ev.Notice() {
			stop = false
		}
		if stop && (!ev.Notice() || ev.Kind == EventProcessExit) {
			// A notice never stops, but a child's end that the hook stops
			// at: a step, finish or next in that child is over (untilEnd).
			p.unpoolAny(first)
			if err := p.stopFamily(); err != nil {
				return nil, err
			}
			p.setCurrent(ev.Thread)
			return ev, nil
		}
		if t := ev.Thread; t != nil && !t.running && t.p.threads[t.tid] == t {
			if err := t.p.resume(t); err != nil {
				return nil, err
			}
		}
		if p.exited && p.liveChildren() == 0 {
			return p.exit, nil // the last child ended after the first process
		}
	}
}

var quietChildStops sync.Once

// noChildStopSignals asks the kernel not to send godbg a SIGCHLD for each
// stop of a tracee (SA_NOCLDSTOP, sigaction(2)). The Go runtime handles
// SIGCHLD, so otherwise every breakpoint hit also costs godbg a signal
// delivery, the runtime's handler and a sigreturn; wait4 is woken whether
// the signal is sent or not (kernel/signal.c, do_notify_parent_cldstop).
// The handler, its mask and its other flags stay the runtime's, and exits
// still raise SIGCHLD. Best effort: on failure the stops are only slower.
func noChildStopSignals() {
	// The kernel's struct sigaction on x86-64 (arch/x86/include/uapi/asm/signal.h).
	type sigaction struct {
		handler  uintptr
		flags    uint64
		restorer uintptr
		mask     uint64
	}
	var sa sigaction
	if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD), 0,
		uintptr(unsafe.Pointer(&sa)), 8, 0, 0); e != 0 {
		return
	}
	if sa.handler == 0 || sa.handler == 1 { // SIG_DFL, SIG_IGN: no signal is delivered
		return
	}
	const saNoCldStop = 1 // SA_NOCLDSTOP, asm-generic/signal-defs.h
	sa.flags |= saNoCldStop
	unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD), uintptr(unsafe.Pointer(&sa)), 0, 8, 0, 0)
}

// canResume tells whether a resuming call may run: the process lives and
// no hook is running (ErrInHook).
func (p *Process) canResume() error {
	if p.Exited() {
		return ErrExited
	}
	if p.inHook > 0 {
		return ErrInHook
	}
	return nil
}

// callHook runs the hook for ev and then for each other event of the same
// stop (every breakpoint at one address has its hit and its callback); it
// stops when any of them asks to, and returns the first that did. A hook
// that killed or detached the process stops it: the others are not run.
func (p *Process) callHook(hook Hook, ev *Event) (bool, *Event, error) {
	p.inHook++
	defer func() { p.inHook-- }()
	stop, err := hook(ev)
	if err != nil || p.Exited() {
		return true, ev, err
	}
	first := ev
	for _, e := range ev.more {
		s, err := hook(e)
		if err != nil || p.Exited() {
			return true, e, err
		}
		if s && !stop {
			stop, first = true, e
		}
	}
	return stop, first, nil
}

func (p *Process) interruptStop() error {
	p.interrupted.Store(false)
	if err := p.stopFamily(); err != nil {
		return err
	}
	return ErrInterrupted
}

// Interrupt may be called from any goroutine: a running Continue stops every
// thread and returns ErrInterrupted soon after.
func (p *Process) Interrupt() {
	p.interrupted.Store(true)
	// Wake the waiting thread: any stop of the tracee will do. The SIGSTOP
	// is recognised and swallowed (handleStatus).
	unix.Kill(p.pid, unix.SIGSTOP)
}

package engine

// Ticks: every thread stopped at a fixed rate while Continue runs, for a
// sampling profiler (each thread's stack read at each tick, as perf and
// pprof's SIGPROF do, without the program's cooperation).
//
// The ptrace thread blocks in wait4, which has no timeout, and only it may
// stop threads (PTRACE_INTERRUPT, tgkill from the loop). So a timer
// goroutine wakes it the way Interrupt does: a process-directed SIGSTOP,
// whose signal-delivery stop wait4 reports. That stop is recognised
// (handleStatus) and swallowed, the flag says a tick is due, and the loop,
// on its own thread, stops the other threads, calls the hook with an
// EventTick and resumes them all. At most one wake-up is in flight: a tick
// the loop is too busy to take is skipped, not queued.

import (
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// EventTick is reported to the hook at each tick (SetTicker), with every
// thread stopped; ev.Thread is nil, ev.Time the tick's time.
const EventTick EventKind = 102

type tickState struct {
	interval time.Duration
	quit     chan struct{} // closed to end the timer goroutine
	done     chan struct{} // closed when it has ended
	// armed: Continue is running (ticks are taken only there). wake: a
	// wake-up SIGSTOP is in flight. Both are shared with the goroutine.
	armed atomic.Bool
	wake  atomic.Bool
	due   bool // the ptrace thread saw the wake-up: a tick is to be taken
	ticks uint64
}

// SetTicker makes Continue stop every thread each interval and report an
// EventTick to its hook (a nil hook ignores them); interval 0 ends the
// ticks. A tick costs a stop of every thread: the hook's work comes on top.
func (p *Process) SetTicker(interval time.Duration) {
	p.stopTicker()
	if interval <= 0 || p.exited {
		return
	}
	p.tick.interval = interval
	p.tick.quit = make(chan struct{})
	p.tick.done = make(chan struct{})
	go p.tick.run(p.pid)
}

// Ticks counts the ticks taken.
func (p *Process) Ticks() uint64 { return p.tick.ticks }

// run is the timer goroutine: it only sends signals, never ptrace.
func (ts *tickState) run(pid int) {
	defer close(ts.done)
	t := time.NewTicker(ts.interval)
	defer t.Stop()
	for {
		select {
		case <-ts.quit:
			return
		case <-t.C:
			if ts.armed.Load() && ts.wake.CompareAndSwap(false, true) {
				// ESRCH: the process is gone; its exit ends the ticks.
				unix.Kill(pid, unix.SIGSTOP)
			}
		}
	}
}

// stopTicker ends the timer goroutine and waits for it, so that no
// wake-up is sent after it returns (Detach then drains the one pending).
func (p *Process) stopTicker() {
	if p.tick.quit == nil {
		return
	}
	close(p.tick.quit)
	<-p.tick.done
	p.tick.quit, p.tick.done = nil, nil
	p.tick.interval = 0
}

// tickWake tells whether a SIGSTOP stop of t is a tick's wake-up, and
// handles it: in Continue, t stays stopped and the tick is due; elsewhere
// (a step, a stop of every thread) t runs on.
func (p *Process) tickWake(t *Thread) (bool, error) {
	if !p.tick.wake.CompareAndSwap(true, false) {
		return false, nil
	}
	if p.tick.armed.Load() {
		p.tick.due = true
		return true, nil
	}
	return true, p.resume(t)
}

// takeTick stops every thread, calls the hook with an EventTick and, unless
// it asks to stop, resumes them. It returns the event when Continue is to
// return it.
func (p *Process) takeTick(hook Hook) (*Event, error) {
	p.tick.due = false
	if err := p.stopAll(nil); err != nil {
		return nil, err
	}
	p.tick.ticks++
	ev := &Event{Kind: EventTick, Time: now()}
	if hook != nil {
		stop, _, err := p.callHook(hook, ev)
		if p.exited {
			return p.exit, err
		}
		if err != nil {
			return nil, err
		}
		if stop {
			return ev, nil
		}
	}
	return nil, p.resumeAll()
}

// InSyscall tells whether t, stopped by a signal (a tick, an interrupt),
// was waiting inside a system call: its registers show a call
// (orig_rax >= 0) that the stop interrupted, whose result is -EINTR or one
// of the kernel's restart codes (-ERESTARTSYS 512, -ERESTARTNOINTR 513,
// -ERESTARTNOHAND 514, -ERESTART_RESTARTBLOCK 516: include/linux/errno.h),
// to be restarted or failed on resume. A thread in futex, epoll_wait,
// nanosleep or read was off the CPU: a CPU profile leaves it out.
func (t *Thread) InSyscall() (bool, error) {
	r, err := t.Regs()
	if err != nil {
		return false, err
	}
	if int64(r.Orig_rax) < 0 {
		return false, nil
	}
	switch int64(r.Rax) {
	case -int64(unix.EINTR), -512, -513, -514, -516:
		return true, nil
	}
	return false, nil
}

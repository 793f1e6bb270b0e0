package engine

// Ticks: every thread stopped at a fixed rate while Continue runs, for a
// sampling profiler (each thread's stack read at each tick, as perf and
// pprof's SIGPROF do, without the program's cooperation).
//
// The ptrace thread blocks in wait4, which has no timeout, and only it may
// stop threads (PTRACE_INTERRUPT, tgkill from the loop). So a timer
// goroutine wakes it the way Interrupt does: a process-directed SIGSTOP
// (kill(2)), whose signal-delivery stop wait4 reports. That stop is known
// by its siginfo (SI_USER, sent by godbg: the engine's own stops are
// tgkill's SI_TKILL, a user's kill -STOP has another si_pid) and swallowed,
// the tick is due, and the loop, on its own thread, stops the other
// threads, calls the hook with an EventTick and resumes them all. At most
// one wake-up is in flight: a tick the loop is too busy to take is skipped,
// not queued. A wake-up can be lost (a thread that was sent the engine's
// own SIGSTOP may take it as that one); the timer sends it again when it
// is late.

import (
	"os"
	"sync/atomic"
	"time"
	"unsafe"

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

// run is the timer goroutine: it only sends signals, never ptrace. It
// sleeps in clock_nanosleep(2) to absolute deadlines rather than on a Go
// timer, which lives in the heap of the P that made it: the ptrace
// thread's, busy with raw system calls. A sleeping system call hands its P
// back and needs only an idle one to return.
func (ts *tickState) run(pid int) {
	defer close(ts.done)
	var next unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &next); err != nil {
		return
	}
	step := ts.interval.Nanoseconds()
	late := max(4*step, (20 * time.Millisecond).Nanoseconds())
	var sent int64
	for {
		ns := next.Nano() + step
		var now unix.Timespec
		if unix.ClockGettime(unix.CLOCK_MONOTONIC, &now) == nil && now.Nano() > ns {
			ns = now.Nano() + step // behind: the ticks missed are skipped
		}
		next = unix.NsecToTimespec(ns)
		for unix.ClockNanosleep(unix.CLOCK_MONOTONIC, unix.TIMER_ABSTIME, &next, nil) == unix.EINTR {
		}
		select {
		case <-ts.quit:
			return
		default:
		}
		if !ts.armed.Load() {
			continue
		}
		if ts.wake.CompareAndSwap(false, true) || ns-sent > late {
			sent = ns
			// ESRCH: the process is gone; its exit ends the ticks.
			unix.Kill(pid, unix.SIGSTOP)
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

// tickWoken tells whether the SIGSTOP stop of t was sent by godbg, and
// takes it: then, if a ticker runs, the tick is due (when Continue runs).
// Such a stop is a tick's wake-up, Interrupt's (both by kill(2): SI_USER),
// or an engine stop request (tgkill(2): SI_TKILL) that a thread took as
// another one: a wake-up taken as the stop stopAll asked for leaves the
// asked one pending, to come later. None is for the program: a SIGSTOP
// from another process (kill -STOP) is. A thread stepped alone while the
// others are held is the only one running, so it is the one that takes a
// process-directed wake-up: the step loops (singleStep, the syscall step)
// swallow it this way instead of keeping it for delivery, which would stop
// the program.
func (p *Process) tickWoken(t *Thread) bool {
	si, err := ptraceSigInfo(t.tid)
	if err != nil || (si.Code != 0 && si.Code != -6) { // SI_USER, SI_TKILL (siginfo.h)
		return false
	}
	// si_pid, after si_signo, si_errno, si_code and padding (siginfo.h).
	if pid := *(*int32)(unsafe.Pointer(&(*[32]byte)(unsafe.Pointer(si))[16])); int(pid) != os.Getpid() {
		return false
	}
	if p.tick.interval != 0 {
		p.tick.wake.Store(false)
		if p.tick.armed.Load() {
			p.tick.due = true
		}
	}
	return true
}

// tickWake tells whether a SIGSTOP stop of t was sent by godbg
// (tickWoken), and handles it: when a tick is due, t stays stopped for it
// (Continue takes it next); otherwise t runs on.
func (p *Process) tickWake(t *Thread) (bool, error) {
	if !p.tickWoken(t) {
		return false, nil
	}
	if p.tick.due {
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

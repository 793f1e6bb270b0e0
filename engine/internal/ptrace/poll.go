package ptrace

// How Continue waits for the next stop. A hit is a ping-pong between a
// tracee thread and the ptrace thread; when they run on different CPUs of an
// otherwise idle machine, each one's CPU goes to sleep while the other works,
// and waking a sleeping vCPU costs more than the whole hit (bench/README.md:
// about 11 us a hit across CPUs against 3 us on one). Polling wait4 with
// WNOHANG a little before blocking keeps the ptrace thread's CPU awake for
// the tracee's answer; on a shared CPU it only delays the tracee, which
// cannot run while the ptrace thread polls. Which one wins depends on where
// the scheduler put the threads, so the poller measures: a window of waits
// polling, a window blocking (two clock reads each), then the faster way for
// a long stretch, and again.

import (
	"time"

	"golang.org/x/sys/unix"
)

const (
	pollTries  = 50      // WNOHANG calls before blocking (about 10 us)
	pollWindow = 256     // waits in each measured window
	pollRun    = 1 << 15 // waits done the faster way before measuring again
)

// Poller waits for the next stop of any tracee thread, polling or blocking
// (see above). Its zero value is ready.
type Poller struct {
	waits   int // in the current phase
	phase   int // 0: measuring polling, 1: measuring blocking, 2: running
	start   time.Time
	pollDur time.Duration
	usePoll bool
}

// Wait returns the next wait status of any tracee thread.
func (pl *Poller) Wait() (int, unix.WaitStatus, error) {
	if pl.waits == 0 {
		pl.start = time.Now()
	}
	pl.waits++
	poll := pl.usePoll
	switch pl.phase {
	case 0:
		poll = true
		if pl.waits == pollWindow {
			pl.pollDur = time.Since(pl.start)
			pl.phase, pl.waits = 1, 0
		}
	case 1:
		poll = false
		if pl.waits == pollWindow {
			pl.usePoll = pl.pollDur < time.Since(pl.start)
			pl.phase, pl.waits = 2, 0
		}
	case 2:
		if pl.waits == pollRun {
			pl.phase, pl.waits = 0, 0
		}
	}
	if poll {
		for i := 0; i < pollTries; i++ {
			if tid, ws, err := Wait4(-1, true); err != nil || tid != 0 {
				return tid, ws, err
			}
		}
	}
	return Wait4(-1, false)
}

package ptrace

// Stopping running threads: the one way the engine holds threads (to step
// one alone, to write what every thread shares, to detach).

import (
	"golang.org/x/sys/unix"
)

// Task is one traced thread as SeizeAll and StopAll see it.
type Task struct {
	Tid     int
	Tgid    int  // its thread group, for tgkill(2)
	Asked   bool // a stop of ours is on its way, not seen yet: a stop request made, or its birth stop
	Stopped bool // StopAll: it stopped
	waiting bool // StopAll: its stop or end is still to come
}

// StopAll stops each of ts, running tasks, and waits until each stopped or
// ended. A task not Asked is sent a stop request: PTRACE_INTERRUPT when
// interrupt (a seized task: its stop, PTRACE_EVENT_STOP, leaves no signal to
// deliver, where a SIGSTOP stop would deliver SIGSTOP and stop the whole
// program, should the tracer die while holding it), SIGSTOP otherwise; one
// the request cannot reach (ESRCH: it is exiting) is not waited for, its end
// comes to a later wait. It returns the statuses met, in order, that were
// not a stop asked for of one of ts (another stop of theirs, their end, any
// status of another task), for the caller to take before any other, and how
// many statuses it waited for in all.
//
// On return each task's Stopped tells whether it stopped (by the stop asked
// for, or by one returned), and Asked whether a stop asked for is still on
// its way: a task that stopped otherwise first keeps a SIGSTOP pending,
// while any ptrace stop takes a pending PTRACE_INTERRUPT with it
// (kernel/signal.c, ptrace_stop: "any trap clears pending STOP trap").
func StopAll(ts []Task, interrupt bool) (met []Status, waited int, err error) {
	waiting := 0
	for i := range ts {
		t := &ts[i]
		t.Stopped = false
		if !t.Asked {
			if requestStop(t, interrupt) != nil {
				continue // ESRCH: it is exiting; a later wait reports that
			}
			t.Asked = true
		}
		t.waiting = true
		waiting++
	}
	for waiting > 0 {
		tid, ws, err := Wait4(-1, false)
		if err != nil {
			return met, waited, err
		}
		waited++
		var t *Task
		for i := range ts {
			if ts[i].Tid == tid && ts[i].waiting {
				t = &ts[i]
				break
			}
		}
		if t != nil {
			t.waiting = false
			waiting--
			if ws.Stopped() {
				t.Stopped = true
				if IsStopRequest(ws) && t.Asked {
					t.Asked = false
					continue
				}
				if interrupt {
					t.Asked = false
				}
			}
		}
		met = append(met, Status{Tid: tid, Status: ws})
	}
	return met, waited, nil
}

// requestStop asks running task t to stop (StopAll).
func requestStop(t *Task, interrupt bool) error {
	if interrupt {
		return Interrupt(t.Tid)
	}
	return Tgkill(t.Tgid, t.Tid, unix.SIGSTOP)
}

// IsStopRequest tells whether a stop is the kind StopAll asks for: a
// PTRACE_INTERRUPT's (PTRACE_EVENT_STOP, also a seized task's birth stop)
// or a SIGSTOP's (also an attached task's birth stop).
func IsStopRequest(st unix.WaitStatus) bool {
	if st.StopSignal() == unix.SIGTRAP && st.TrapCause() == unix.PTRACE_EVENT_STOP {
		return true
	}
	return st.StopSignal() == unix.SIGSTOP && st.TrapCause() <= 0
}

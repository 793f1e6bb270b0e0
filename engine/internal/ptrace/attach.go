package ptrace

// Attaching to a running process: every task seized and held.

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Status is one wait4 result: a task and how it changed.
type Status struct {
	Tid    int
	Status unix.WaitStatus
}

// SeizeAll attaches every task of process pid (PTRACE_SEIZE with opts, so
// the process sees no stray SIGSTOP; ptrace(2)) and stops each with
// PTRACE_INTERRUPT, listing and seizing until no new task shows up: a thread
// created between the listing and the seize of its creator is caught by the
// next listing (or auto-attached by TRACECLONE once its creator is seized).
// It then waits until every seized task reported a stop. It returns the
// tasks held, seized ones first, then the ones auto-attached meanwhile (Asked
// when the interrupt sent is still to come), and the statuses met that were
// not the interrupt stop asked for, in order, for the caller to take before
// any other. Tasks that exited meanwhile are left out. On an error every task
// held so far is detached.
func SeizeAll(pid, opts int) ([]Task, []Status, error) {
	var tasks []Task
	index := map[int]int{} // tid -> its place in tasks
	waiting := map[int]bool{}
	fail := func(err error) ([]Task, []Status, error) {
		for tid := range index {
			// Best effort on the way out of a failed attach: a thread
			// that cannot be detached (ESRCH) has exited.
			_ = Detach(tid, 0)
		}
		return nil, nil, err
	}
	for {
		tids, err := ListTasks(pid)
		if err != nil {
			return fail(fmt.Errorf("attach %d: list threads: %w", pid, err))
		}
		added := 0
		for _, tid := range tids {
			if _, ok := index[tid]; ok {
				continue
			}
			if err := Seize(tid, opts); err != nil {
				if errors.Is(err, unix.ESRCH) && tid != pid {
					continue // exited meanwhile
				}
				return fail(attachError(pid, err))
			}
			index[tid] = len(tasks)
			tasks = append(tasks, Task{Tid: tid, Tgid: pid, Asked: Interrupt(tid) == nil})
			waiting[tid] = true
			added++
		}
		if added == 0 {
			break
		}
	}
	var met []Status
	for len(waiting) > 0 {
		tid, ws, err := Wait4(-1, false)
		if err != nil {
			return fail(err)
		}
		if ws.Exited() || ws.Signaled() {
			if tid == pid {
				return fail(fmt.Errorf("attach %d: the process exited", pid))
			}
			if i, ok := index[tid]; ok {
				tasks[i].Tid = 0 // left out below
				delete(index, tid)
				delete(waiting, tid)
			}
			continue
		}
		i, ok := index[tid]
		if !ok { // auto-attached by TRACECLONE
			i = len(tasks)
			index[tid] = i
			tasks = append(tasks, Task{Tid: tid, Tgid: pid})
		}
		delete(waiting, tid)
		if ws.TrapCause() == unix.PTRACE_EVENT_STOP && tasks[i].Asked {
			tasks[i].Asked = false
			continue
		}
		met = append(met, Status{Tid: tid, Status: ws})
	}
	held := tasks[:0]
	for _, t := range tasks {
		if t.Tid != 0 {
			held = append(held, t)
		}
	}
	return held, met, nil
}

// attachError names why a seize was refused: another tracer (its pid, from
// /proc/PID/status), Yama's ptrace_scope, or plain permissions.
func attachError(pid int, err error) error {
	if errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("attach %d: no such process", pid)
	}
	if errors.Is(err, unix.EPERM) {
		if tracer := TracerPid(pid); tracer != 0 {
			// TracerPid names the tracing thread; report its process.
			if tg := Tgid(tracer); tg != 0 {
				tracer = tg
			}
			return fmt.Errorf("attach %d: already traced by process %d", pid, tracer)
		}
		if b, e := os.ReadFile("/proc/sys/kernel/yama/ptrace_scope"); e == nil {
			if s := strings.TrimSpace(string(b)); s != "0" {
				return fmt.Errorf("attach %d: not permitted (kernel.yama.ptrace_scope = %s; run as root or set it to 0)", pid, s)
			}
		}
		return fmt.Errorf("attach %d: not permitted (another user's process, or a setuid program)", pid)
	}
	return fmt.Errorf("attach %d: %w", pid, err)
}

// TracerPid is the thread tracing pid (/proc/PID/status), 0 for none.
func TracerPid(pid int) int { return statusInt(pid, "TracerPid:") }

// Tgid is the thread group (process) of task tid, 0 when it is gone.
func Tgid(tid int) int { return statusInt(tid, "Tgid:") }

func statusInt(tid int, field string) int {
	n, _ := strconv.Atoi(StatusField(fmt.Sprintf("/proc/%d/status", tid), field))
	return n
}

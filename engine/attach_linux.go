package engine

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/godbg/godbg/engine/internal/ptrace"
	"golang.org/x/sys/unix"

	"github.com/godbg/godbg/engine/symtab"
)

// Attach seizes every thread of a running process (PTRACE_SEIZE, so the
// process sees no stray SIGSTOP; ptrace(2)), stops them all with
// PTRACE_INTERRUPT, and prepares the process as Launch does. Threads born
// meanwhile are seized too. The calling goroutine must be locked to its OS
// thread.
func Attach(pid int) (*Process, error) {
	if pid <= 0 {
		return nil, fmt.Errorf("attach: invalid pid %d", pid)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
		return nil, fmt.Errorf("attach %d: no such process", pid)
	}
	if pid == os.Getpid() {
		return nil, fmt.Errorf("attach %d: that is godbg itself", pid)
	}
	ptrace.Bind() // this thread seizes the threads: their tracer
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		return nil, fmt.Errorf("attach %d: read its program: %w", pid, err)
	}
	bin, err := symtab.Open(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		return nil, fmt.Errorf("attach %d (%s): %w", pid, exe, err)
	}
	p := &Process{
		pid:      pid,
		bin:      bin,
		attached: true,
		// Only an attached program outlives godbg (jumpsite.go).
		jumpSites: true,
		threads:   map[int]*Thread{},
		sites:     map[Addr]*site{},
		nextID:    1,
	}
	// Seize until no new task shows up: a thread created between the
	// listing and the seize of its creator is caught by the next listing
	// (or auto-attached by TRACECLONE once its creator is seized).
	for {
		tids, err := listTasks(pid)
		if err != nil {
			p.detachSeized()
			return nil, err
		}
		added := 0
		for _, tid := range tids {
			if p.threads[tid] != nil {
				continue
			}
			if err := ptraceSeize(tid); err != nil {
				if errors.Is(err, unix.ESRCH) && tid != pid {
					continue // exited meanwhile
				}
				p.detachSeized()
				return nil, attachError(pid, err)
			}
			t := p.addThread(tid)
			t.running = true
			if err := ptraceInterrupt(tid); err == nil {
				t.stopWanted = true
			}
			added++
		}
		if added == 0 {
			break
		}
	}
	if err := p.waitSeized(); err != nil {
		p.detachSeized()
		return nil, err
	}
	p.current = p.threads[pid]
	if p.current == nil {
		p.current = p.ownThreads()[0]
	}
	if err := p.afterExec(); err != nil {
		p.Detach()
		return nil, err
	}
	if err := p.ensureScratch(p.current); err != nil {
		// Out-of-line execution is an optimisation: without the scratch
		// area every step-over falls back to the single-step path.
		p.scratch = scratchArea{tried: true}
	}
	return p, nil
}

// attachOptions are Launch's without PTRACE_O_EXITKILL: a process godbg did
// not start must outlive it. Should godbg die, the kernel detaches what it
// still traces instead of killing the whole program.
const attachOptions = ptraceOptions &^ unix.PTRACE_O_EXITKILL

// ptraceSeize attaches tid with the options given at once: the thread keeps
// running, and PTRACE_SETOPTIONS would need it stopped (x/sys/unix's
// PtraceSeize passes no options).
func ptraceSeize(tid int) error { return ptrace.Seize(tid, attachOptions) }

func ptraceInterrupt(tid int) error { return ptrace.Interrupt(tid) }

// waitSeized waits until every seized thread reports its interrupt stop.
// Other stops that arrive first are kept for Continue.
func (p *Process) waitSeized() error {
	for {
		waiting := 0
		for _, t := range p.threads {
			if t.running {
				waiting++
			}
		}
		if waiting == 0 {
			return nil
		}
		ws, err := wait4(-1, false)
		if err != nil {
			return err
		}
		t := p.threads[ws.tid]
		if ws.status.Exited() || ws.status.Signaled() {
			delete(p.threads, ws.tid)
			if ws.tid == p.pid {
				return fmt.Errorf("attach %d: the process exited", p.pid)
			}
			continue
		}
		if t == nil {
			t = p.addThread(ws.tid) // auto-attached by TRACECLONE
		}
		t.running = false
		if ws.status.TrapCause() == unix.PTRACE_EVENT_STOP && (t.stopWanted || t.newborn) {
			t.stopWanted, t.newborn = false, false
			continue
		}
		p.deferred = append(p.deferred, ws)
	}
}

// detachSeized releases the threads seized so far after a failed attach.
func (p *Process) detachSeized() {
	for tid := range p.threads {
		// Best effort on the way out of a failed attach: a thread that
		// cannot be detached (ESRCH) has exited.
		_ = ptrace.Detach(tid, 0)
	}
	p.bin.Close()
}

func listTasks(pid int) ([]int, error) {
	tids, err := ptrace.ListTasks(pid)
	if err != nil {
		return nil, fmt.Errorf("attach %d: list threads: %w", pid, err)
	}
	return tids, nil
}

// attachError names why a seize was refused: another tracer (its pid, from
// /proc/PID/status), Yama's ptrace_scope, or plain permissions.
func attachError(pid int, err error) error {
	if errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("attach %d: no such process", pid)
	}
	if errors.Is(err, unix.EPERM) {
		if tracer := tracerPid(pid); tracer != 0 {
			// TracerPid names the tracing thread; report its process.
			if tg := tgidOf(tracer); tg != 0 {
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

func tracerPid(pid int) int {
	return statusInt(fmt.Sprintf("/proc/%d/status", pid), "TracerPid:")
}

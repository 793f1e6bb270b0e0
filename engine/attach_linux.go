package engine

import (
	"fmt"
	"os"

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
	tasks, met, err := ptrace.SeizeAll(pid, attachOptions)
	if err != nil {
		bin.Close()
		return nil, err
	}
	for _, tk := range tasks {
		p.addThread(tk.Tid).stopWanted = tk.Asked
	}
	for _, ws := range met {
		p.deferred = append(p.deferred, waitStatus{tid: ws.Tid, status: ws.Status})
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

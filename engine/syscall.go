package engine

import (
	"syscall"
)

// syscallStop handles a syscall-entry or -exit stop (PTRACE_SYSCALL).
func (p *Process) syscallStop(t *Thread) (*Event, error) { return nil, p.resume(t) }

// seccompStop handles PTRACE_EVENT_SECCOMP (a filter asked for a stop).
func (p *Process) seccompStop(t *Thread) (*Event, error) { return nil, p.resume(t) }

// resumeRequest resumes a thread: PTRACE_CONT, or PTRACE_SYSCALL while
// syscall stops are wanted.
func (p *Process) resumeRequest(tid int, sig syscall.Signal) error {
	return ptraceCont(tid, sig)
}

// Syscall is one system call stop (being written: issue 7).
type Syscall struct{}

type syscallState struct{}

type threadSyscall struct{}

package engine

// This file lists the engine's public surface for the layers above while the
// bodies are written; each stub moves to its topic file as it is implemented.

import (
	"errors"

	"github.com/godbg/godbg/engine/symtab"
)

var errNotYet = errors.New("not implemented yet")

// Process is a traced program.
type Process struct {
	pid int
	bin *symtab.Binary
}

// Thread is one traced thread (a Linux task).
type Thread struct {
	p   *Process
	tid int
}

// Regs is a thread's register set, cached per stop.
type Regs struct{}

// Launch starts path under ptrace, stopped before its first instruction.
func Launch(path string, opts LaunchOptions) (*Process, error) { return nil, errNotYet }

// Attach seizes every thread of a running process.
func Attach(pid int) (*Process, error) { return nil, errNotYet }

func (p *Process) Pid() int                   { return p.pid }
func (p *Process) Binary() *symtab.Binary     { return p.bin }
func (p *Process) Bias() Addr                 { return 0 }
func (p *Process) Exited() bool               { return false }
func (p *Process) Attached() bool             { return false }
func (p *Process) Threads() []*Thread         { return nil }
func (p *Process) CurrentThread() *Thread     { return nil }
func (p *Process) Breakpoints() []*Breakpoint { return nil }

// SetBreakpoint adds a user breakpoint at addr (runtime address).
func (p *Process) SetBreakpoint(addr Addr, loc string) (*Breakpoint, error) { return nil, errNotYet }
func (p *Process) ClearBreakpoint(bp *Breakpoint) error                     { return errNotYet }
func (p *Process) EnableBreakpoint(bp *Breakpoint) error                    { return errNotYet }
func (p *Process) DisableBreakpoint(bp *Breakpoint) error                   { return errNotYet }

// Continue resumes the tracee and runs until hook returns stop=true, a
// signal the hook stops on, or the exit. hook may be nil (stop on every
// breakpoint and signal).
func (p *Process) Continue(hook func(*Event) (stop bool, err error)) (*Event, error) {
	return nil, errNotYet
}

// StepInstruction executes one instruction on the current thread.
func (p *Process) StepInstruction() (*Event, error) { return nil, errNotYet }
func (p *Process) Kill() (*Event, error)            { return nil, errNotYet }
func (p *Process) Detach() error                    { return errNotYet }

// Interrupt may be called from any goroutine: it makes a running Continue
// return an error ErrInterrupted soon.
func (p *Process) Interrupt() {}

// ReadMemory reads raw bytes as the CPU sees them (a trap shows as 0xcc).
func (p *Process) ReadMemory(addr Addr, buf []byte) error { return errNotYet }

// ReadOriginal reads like ReadMemory with each trap's saved byte in place.
func (p *Process) ReadOriginal(addr Addr, buf []byte) error { return errNotYet }

// WriteMemory writes bytes; over a trap the saved byte changes, the trap stays.
func (p *Process) WriteMemory(addr Addr, data []byte) error { return errNotYet }

func (t *Thread) Tid() int                           { return t.tid }
func (t *Thread) Regs() (*Regs, error)               { return nil, errNotYet }
func (t *Thread) SetReg(name string, v uint64) error { return errNotYet }

// GoroutineID reads the goroutine id running on t (Go programs), ok=false
// when unknown.
func (t *Thread) GoroutineID() (id int64, ok bool) { return 0, false }

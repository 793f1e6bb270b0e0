package engine

// Watchpoint is a hardware watchpoint (being written: issue 7).
type Watchpoint struct{}

type watchState struct{}

// watchStop classifies a SIGTRAP that is not a breakpoint: a hardware
// watchpoint reports ok=true with its event.
func (p *Process) watchStop(t *Thread) (*Event, bool, error) { return nil, false, nil }

// clearDebugRegs zeroes the debug registers of every thread before Detach.
func (p *Process) clearDebugRegs() error { return nil }

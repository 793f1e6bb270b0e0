package engine

// watchStop classifies a SIGTRAP that is not a breakpoint: a hardware
// watchpoint reports ok=true with its event.
func (p *Process) watchStop(t *Thread) (*Event, bool, error) { return nil, false, nil }

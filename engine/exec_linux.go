package engine

import (
	"fmt"
	"os"

	"github.com/godbg/godbg/engine/symtab"
)

// ExecInfo tells the owner of a Process that it called execve(2).
type ExecInfo struct {
	Path string // the program now running (/proc/PID/exe)
	// Pid is the process that exec'd; Child: a followed child (follow.go).
	Pid   int
	Child bool
	// Reloaded: it is another program. Its symbols were loaded in place of
	// the old ones, and the breakpoints, which named addresses of the old
	// program, were deleted (Dropped of them).
	Reloaded bool
	Dropped  int
	// Err is set when the new program's symbols could not be read; the old
	// ones are then kept and the breakpoints deleted all the same.
	Err error
}

// OnExec registers fn, called on the ptrace thread after each exec of the
// process, before it runs the new program's first instruction.
func (p *Process) OnExec(fn func(ExecInfo)) { p.onExec = fn }

// execed follows an exec (PTRACE_EVENT_EXEC, ptrace(2)): the old image is
// gone and its traps with it. The same program again keeps its
// breakpoints, inserted anew; another program gets its own symbols, opened
// from /proc/PID/exe, and loses the breakpoints, which would otherwise
// write traps into the new program at the old program's addresses.
func (p *Process) execed(t *Thread) (ExecInfo, error) {
	p.forgetSoftWatch() // the protected pages went with the old image
	for _, s := range p.sites {
		s.inserted = false
		s.plan = stepPlan{}
	}
	exe := fmt.Sprintf("/proc/%d/exe", p.pid)
	info := ExecInfo{Path: exe, Pid: p.pid, Child: p.parent != 0}
	if path, err := os.Readlink(exe); err == nil {
		info.Path = path
	}
	same := false
	if a, err := os.Stat(exe); err == nil {
		if b, err := os.Stat(p.bin.Path()); err == nil {
			same = os.SameFile(a, b)
		}
	}
	if same {
		p.pendAgain()
	}
	if !same {
		for _, bp := range p.bps {
			if bp.owner != nil && bp.owner != p {
				continue // a followed child's copy: the breakpoint lives on in its owner
			}
			if p.handOver(bp) {
				continue // it lives on in another followed process
			}
			info.Dropped++
			bp.sites = nil
			bp.Enabled = false
		}
		p.bps = nil
		p.sites = map[Addr]*site{}
		p.libs = solibState{}
		p.closeObjects()
		p.libs = solibState{}
		if bin, err := symtab.Open(info.Path); err != nil {
			info.Err = err
		} else {
			if !p.binShared {
				p.bin.Close()
			}
			p.binShared = false
			p.bin = bin
			p.bias = 0
			p.dbg, p.dbgErr = nil, nil
			p.goids, p.goidsErr = nil, nil
			info.Reloaded = true
		}
	}
	if err := p.afterExec(); err != nil {
		return info, err
	}
	// The new image maps its libraries anew (solib.go).
	p.libs.objs, p.libs.entryDone = nil, false
	if same {
		// The libraries are not mapped again yet: only the program's own
		// traps go back now; those in libraries (and the loader's trap of
		// pending breakpoints) stay out.
		p.libs.objs, p.libs.entryDone = nil, false
		for _, s := range p.sites {
			if !p.bin.IsCode(s.addr - p.bias) {
				continue
			}
			if err := p.syncSite(s); err != nil {
				return info, fmt.Errorf("after exec: %w", err)
			}
		}
		if len(p.libs.pending) > 0 {
			// The breakpoints in libraries wait for them (pendAgain).
			if err := p.ensureLoadTrap(p.libs.pending[0].lib.name); err != nil {
				return info, fmt.Errorf("after exec: %w", err)
			}
		}
	}
	// The new image has one thread: a good moment for the scratch area, as
	// at launch. Without it, steps over traps stop the other threads. A
	// thread that will stop at execve's exit maps it there: the injected
	// call, run now, would finish the execve without that stop, and the
	// hooks would never see the call return.
	if p.sys.on || t.sys.WantExit {
		p.scratchAtExit = true
	} else {
		p.ensureScratch(t)
	}
	if p.onExec != nil {
		p.onExec(info)
	}
	return info, nil
}

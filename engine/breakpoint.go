package engine

import (
	"fmt"
	"sort"
)

const (
	int3       = 0xcc
	maxInstLen = 15
)

// site is one trap in the tracee's code. It owns the saved byte; user
// breakpoints (and, later, return traps) are its users, and the trap goes
// when the last user goes (Delve's split of breakpoints and sites).
type site struct {
	addr     Addr
	saved    byte
	inserted bool
	bps      []*Breakpoint // users, in creation order
	users    []siteUser    // the engine's own users (return traps, ...)
	plan     stepPlan      // how to execute the saved instruction out of line
	jump     *jumpSite     // the site is a jump site (killsafe.go), not an int3
	spare    *Event        // the hit event reused while no hook keeps it (hitSiteEvent)
}

// siteUser is an engine-internal user of a trap (a return trap, a finish
// trap). siteHit runs when a thread hits the trap, with the thread's rip
// already moved back onto the trap; it returns the events to report (none:
// the thread resumes over the trap).
type siteUser interface {
	siteHit(t *Thread, s *site) ([]*Event, error)
}

// addSiteUser makes u a user of the trap at addr, inserting it if needed.
func (p *Process) addSiteUser(addr Addr, u siteUser) error {
	s := p.sites[addr]
	if s == nil {
		s = &site{addr: addr}
	}
	s.users = append(s.users, u)
	if err := p.syncSite(s); err != nil {
		s.users = s.users[:len(s.users)-1]
		return fmt.Errorf("insert trap at %#x: %w", uint64(addr), err)
	}
	return nil
}

// removeSiteUser drops u from the trap at addr; the trap goes with its last
// user.
func (p *Process) removeSiteUser(addr Addr, u siteUser) error {
	s := p.sites[addr]
	if s == nil {
		return nil
	}
	for i, x := range s.users {
		if x == u {
			s.users = append(s.users[:i], s.users[i+1:]...)
			break
		}
	}
	if p.exited {
		return nil
	}
	return p.syncSite(s)
}

func (s *site) enabledUsers() int {
	n := len(s.users)
	for _, bp := range s.bps {
		if bp.Enabled {
			n++
		}
	}
	return n
}

// SetBreakpoint adds a user breakpoint at addr (a runtime address). The
// thread running the Lua state must be stopped; other threads may run.
func (p *Process) SetBreakpoint(addr Addr, loc string) (*Breakpoint, error) {
	return p.SetBreakpointAt([]Addr{addr}, loc)
}

// SetBreakpointAt adds one user breakpoint with several locations (a source
// line the compiler split over functions or inlined copies): a hit at any of
// them is a hit of the breakpoint. Either every trap goes in or none.
func (p *Process) SetBreakpointAt(addrs []Addr, loc string) (*Breakpoint, error) {
	if p.exited {
		return nil, ErrExited
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("breakpoint %s: no address", loc)
	}
	for _, addr := range addrs {
		if err := p.checkTrapAddr(addr); err != nil {
			return nil, err // it names the address and why
		}
	}
	ids := p // breakpoint ids are the family's (follow.go)
	if p.fam != nil {
		ids = p.fam.root
	}
	bp := &Breakpoint{ID: ids.nextID, Addr: addrs[0], Addrs: addrs, Loc: loc, Enabled: true, owner: p}
	for _, addr := range addrs {
		s := p.sites[addr]
		if s == nil {
			s = &site{addr: addr}
		}
		s.bps = append(s.bps, bp)
		bp.sites = append(bp.sites, s)
		if err := p.syncSite(s); err != nil {
			p.dropUser(bp)
			return nil, fmt.Errorf("insert breakpoint at %#x: %w", uint64(addr), err)
		}
	}
	ids.nextID++
	p.bps = append(p.bps, bp)
	p.shareBreakpoint(bp)
	return bp, nil
}

// dropUser takes bp off its sites, removing the traps it alone kept.
func (p *Process) dropUser(bp *Breakpoint) error {
	var first error
	for _, s := range bp.sites {
		for i, b := range s.bps {
			if b == bp {
				s.bps = append(s.bps[:i], s.bps[i+1:]...)
				break
			}
		}
		if !p.exited {
			if err := p.syncSite(s); err != nil && first == nil {
				first = err
			}
		}
	}
	bp.sites = nil
	return first
}

// syncSite inserts or removes the trap so that it is there exactly when the
// site has an enabled user.
func (p *Process) syncSite(s *site) error {
	want := s.enabledUsers() > 0
	switch {
	case want && !s.inserted:
		if err := p.downgradeJumpsAt(s.addr); err != nil {
			return err
		}
		if js := p.breakJump(s); js != nil {
			s.jump = js
			s.saved = js.orig[0]
			s.inserted = true
			s.plan = stepPlan{}
			p.sites[s.addr] = s
			break
		}
		var b [1]byte
		if err := p.ReadMemory(s.addr, b[:]); err != nil {
			return err
		}
		if err := p.writeRaw(s.addr, []byte{int3}); err != nil {
			return err
		}
		s.saved = b[0]
		s.inserted = true
		p.sites[s.addr] = s
	case !want && s.inserted:
		if err := p.restoreSaved(s); err != nil {
			return err
		}
		s.inserted = false
		// In non-stop mode another thread may already have executed the
		// int3: its SIGTRAP, still to be seen, must not reach the program.
		if p.removedTraps == nil {
			p.removedTraps = map[Addr]bool{}
		}
		p.removedTraps[s.addr] = true
		s.plan = stepPlan{}
	}
	if len(s.bps) == 0 && len(s.users) == 0 && !s.inserted {
		delete(p.sites, s.addr)
	}
	return nil
}

// ClearBreakpoint deletes bp; each trap goes with its last user.
func (p *Process) ClearBreakpoint(bp *Breakpoint) error {
	if o := bp.owner; o != nil && o != p && p.fam != nil {
		return o.ClearBreakpoint(bp)
	}
	if bp.pending != nil {
		p.dropPending(bp)
		return p.copiesSync(bp, true)
	}
	if bp.sites == nil {
		return nil // already deleted
	}
	for i, b := range p.bps {
		if b == bp {
			p.bps = append(p.bps[:i], p.bps[i+1:]...)
			break
		}
	}
	bp.Enabled = false
	err := p.dropUser(bp)
	if cerr := p.copiesSync(bp, true); err == nil {
		err = cerr
	}
	return err
}

// EnableBreakpoint puts bp's traps back.
func (p *Process) EnableBreakpoint(bp *Breakpoint) error {
	return p.setEnabled(bp, true)
}

// DisableBreakpoint keeps bp but stops it from hitting.
func (p *Process) DisableBreakpoint(bp *Breakpoint) error {
	return p.setEnabled(bp, false)
}

func (p *Process) setEnabled(bp *Breakpoint, on bool) error {
	if o := bp.owner; o != nil && o != p && p.fam != nil {
		return o.setEnabled(bp, on)
	}
	if bp.sites == nil && bp.pending == nil {
		return fmt.Errorf("breakpoint %d was deleted", bp.ID)
	}
	bp.Enabled = on
	if err := p.copiesSync(bp, false); err != nil {
		return err
	}
	if p.exited {
		return nil
	}
	for _, s := range bp.sites {
		if err := p.syncSite(s); err != nil {
			return err
		}
	}
	return nil
}

// Deleted tells whether bp was deleted.
func (bp *Breakpoint) Deleted() bool { return bp.sites == nil && bp.pending == nil }

// Breakpoints lists the user breakpoints by id.
func (p *Process) Breakpoints() []*Breakpoint {
	out := append([]*Breakpoint(nil), p.bps...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// removeAllTraps puts every saved byte back (detach, kill paths).
func (p *Process) removeAllTraps() error {
	var first error
	for _, s := range p.sites {
		if s.inserted {
			if err := p.restoreSaved(s); err != nil && first == nil {
				first = err
			}
			s.inserted = false
		}
	}
	return first
}

// restoreSaved puts s's saved byte back in place of its trap. A program
// that rewrote its own code over the trap (the byte is no longer 0xcc)
// keeps what it wrote: the saved byte is stale, and writing it back would
// corrupt the new instruction. The breakpoint stopped hitting when the trap
// went, as in gdb.
func (p *Process) restoreSaved(s *site) error {
	if s.jump != nil {
		return p.restoreJump(s)
	}
	var b [1]byte
	if err := p.ReadMemory(s.addr, b[:]); err != nil {
		return err
	}
	if b[0] != int3 {
		return nil
	}
	return p.writeRaw(s.addr, []byte{s.saved})
}

package engine

// What a script sets while processes are followed (follow.go) reaches
// every one of them, as what was set before a fork reaches the child: a
// breakpoint goes into each live process that has the same code at its
// addresses (the same file mapped with the same bias: a fork copy, or the
// same program again), each with its own sites and the one Breakpoint (one
// hit count, one delete); a pending breakpoint waits in each process that
// runs the same program, and is placed in each when it loads the library;
// a syscall catch goes into every live process. Children born later copy
// their parent's, as before. The other processes run meanwhile (the loop is
// non-stop): a trap written into a running process is as safe as in one of
// its own threads, and a fork that copied the parent's memory before the
// trap went in is made right when its child is adopted (fixForkCopy).

import "fmt"

// sameCode tells whether q has at a the code p has there: the same file
// mapped with the same bias.
func sameCode(p, q *Process, a Addr) bool {
	po, qo := p.ObjectAt(a), q.ObjectAt(a)
	return po != nil && qo != nil && po.Path == qo.Path && po.Bias == qo.Bias
}

// shareBreakpoint puts bp, just set in p, into every other live process of
// the family that has p's code at each of bp's addresses. A process whose
// trap cannot go in (it is exiting: its memory is gone) is left without it.
func (p *Process) shareBreakpoint(bp *Breakpoint) {
	if p.fam == nil {
		return
	}
next:
	for _, q := range p.Processes() {
		if q == p || q.exited {
			continue
		}
		for _, a := range bp.Addrs {
			if !sameCode(p, q, a) {
				continue next
			}
		}
		q.bps = append(q.bps, bp)
		for _, a := range bp.Addrs {
			if err := q.addCopy(bp, a); err != nil {
				q.dropCopy(bp)
				break
			}
		}
	}
}

// addCopy makes bp a user of q's site at a, inserting the trap as bp's
// state wants.
func (q *Process) addCopy(bp *Breakpoint, a Addr) error {
	s := q.sites[a]
	if s == nil {
		s = &site{addr: a}
		q.sites[a] = s
	}
	s.bps = append(s.bps, bp)
	return q.syncSite(s)
}

// dropCopy takes bp out of q, a process holding a copy of it.
func (q *Process) dropCopy(bp *Breakpoint) {
	for i, b := range q.bps {
		if b == bp {
			q.bps = append(q.bps[:i], q.bps[i+1:]...)
			break
		}
	}
	for _, s := range q.copySites(bp) {
		for i, b := range s.bps {
			if b == bp {
				s.bps = append(s.bps[:i], s.bps[i+1:]...)
				break
			}
		}
		q.syncSite(s) // a failure leaves a trap in a process that is going: nothing to undo
	}
}

// copySites are q's sites that bp uses. They are found by bp, not by
// bp.Addrs: a library breakpoint placed in each process when that process
// loaded the library may be at another address in each.
func (q *Process) copySites(bp *Breakpoint) []*site {
	var out []*site
	for _, s := range q.sites {
		for _, b := range s.bps {
			if b == bp {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// fixForkCopy brings a fork child's code in line with the sites it got
// from its parent p. The child's memory is a copy made when p called fork;
// a hook run before the fork event was handled may have put a trap into p
// (a breakpoint set in another process's callback) or taken one out since,
// and the copy has the byte of that moment.
func (q *Process) fixForkCopy(p *Process) error {
	var b [1]byte
	for a, s := range q.sites {
		if !s.inserted || s.jump != nil {
			continue
		}
		if _, err := q.mem.ReadAt(b[:], int64(a)); err != nil {
			return fmt.Errorf("read the trap at %#x: %w", uint64(a), err)
		}
		if b[0] == s.saved && s.saved != int3 {
			if err := q.writeRaw(a, []byte{int3}); err != nil {
				return fmt.Errorf("insert breakpoint at %#x: %w", uint64(a), err)
			}
		}
	}
	for a := range p.removedTraps {
		if s := q.sites[a]; s != nil && s.inserted {
			continue
		}
		var pb [1]byte
		if p.ReadMemory(a, pb[:]) != nil {
			continue // unmapped since
		}
		if _, err := q.mem.ReadAt(b[:], int64(a)); err != nil {
			continue
		}
		if b[0] == int3 && pb[0] != int3 {
			if err := q.writeRaw(a, pb[:]); err != nil {
				return fmt.Errorf("remove breakpoint at %#x: %w", uint64(a), err)
			}
		}
	}
	return nil
}

// inheritPending gives a fork child q the breakpoints pending in its
// parent p, with a load trap of its own: each is placed in q when q loads
// a library that defines it (resolvePending).
func (q *Process) inheritPending(p *Process) {
	for _, bp := range p.libs.pending {
		if !bp.Deleted() {
			q.libs.pending = append(q.libs.pending, bp)
		}
	}
	lt := p.libs.loadTrap
	if len(q.libs.pending) == 0 || lt == nil {
		q.libs.pending = nil
		return
	}
	nl := &loadTrap{p: q, addr: lt.addr}
	if err := q.addSiteUser(nl.addr, nl); err != nil {
		q.libs.pending = nil // its memory is going: it loads nothing more
		return
	}
	q.libs.loadTrap = nl
}

// sharePending makes bp, a pending breakpoint just set in p, pending in
// every other live process of the family that runs the same program.
func (p *Process) sharePending(bp *Breakpoint) {
	if p.fam == nil {
		return
	}
	for _, q := range p.Processes() {
		if q == p || q.exited || q.bin.Path() != p.bin.Path() || !q.isDynamic() {
			continue
		}
		if q.ensureLoadTrap(bp.Loc) != nil {
			continue // no loader mapped: it loads no library
		}
		q.bps = append(q.bps, bp)
		q.libs.pending = append(q.libs.pending, bp)
		// q may have loaded the library already (after its fork, or
		// before p's): placed there now.
		if q.RefreshObjects() == nil {
			q.resolvePending()
		}
	}
}

// handOver makes another live process of the family that holds bp its
// owner when p, its owner, loses it (p exec'd another program): the
// breakpoint lives on where its code still is. A breakpoint still pending
// lives on in the processes where it is pending. False when no other
// process holds it.
func (p *Process) handOver(bp *Breakpoint) bool {
	if p.fam == nil {
		return false
	}
	for _, q := range p.Processes() {
		if q == p || q.exited || !q.holdsBp(bp) {
			continue
		}
		if bp.pending != nil {
			return true
		}
		if ss := q.copySites(bp); len(ss) > 0 {
			bp.owner, bp.sites = q, ss
			return true
		}
	}
	return false
}

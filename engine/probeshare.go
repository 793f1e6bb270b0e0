package engine

// Probes in followed processes (follow.go, followshare.go). A probe set
// during the run goes into every live process of the family that has the
// same code at its address, each with a trampoline of its own (a jump, or
// an INT3 site where no jump fits), all copies of the one Probe: pr.hits
// sums their counters, pr:delete() takes each out. A fork child starts
// with its parent's: the copy of the jump in its memory is the parent's
// trampoline, whose counters and record ring are in the jump area's data,
// a memfd mapped shared, so the child counts into the parent's counters
// and records into the parent's ring (the child holds the same jump
// areas, the same ring: what either allocates there later is allocated
// once). Each recording trampoline writes its process's pid, an
// immediate: a fork child's copy is patched with the child's. Records go
// to one queue and one probe table, the family's loop's, from every
// distinct ring. Where a process's threads all run (a process other than
// the one whose event is handled), they are stopped while its trampoline
// area is mapped and its jump written, then run on; a thread stopped
// inside a blocking system call is not used to map it (the call's restart
// is the kernel's, at a signal's delivery): with no other, the copy is an
// INT3 site.

import (
	"bytes"
	"fmt"
)

// probeCopy is a probe in one process: its jump (nil: an INT3 site) and
// the jump's counters.
type probeCopy struct {
	p          *Process
	kind       string // "jump" or "trap"
	reason     string // why a trap
	js         *jumpSite
	hits, lost *uint64
	// a counting jump's per-thread slots (probecount.go)
	slots           []*uint64
	keyAt, lockedAt Addr
}

// counters calls fn once for each distinct jump of pr, by its counters
// (a fork child's copy shares its parent's).
func (pr *Probe) counters(fn func(c *probeCopy)) {
	if pr.hits != nil {
		fn(&probeCopy{hits: pr.hits, lost: pr.lost, slots: pr.slots})
	}
next:
	for i := range pr.copies {
		c := &pr.copies[i]
		if c.hits == nil || c.hits == pr.hits {
			continue
		}
		for _, d := range pr.copies[:i] {
			if d.hits == c.hits {
				continue next
			}
		}
		fn(c)
	}
}

// holdForJump stops p's threads when none is stopped (a followed process
// other than the event's runs during the hook), for placeProbe; restart
// lets them run again. It picks as p's current thread one stopped in its
// own code, outside any system call (an injected call at a ptrace event
// inside a fork, or in a call a signal interrupted, would change that
// call's course), for the injected calls that map a trampoline area; with
// none, JumpRefused (the probe is an INT3 site there).
func (p *Process) holdForJump() (restart func() error, err error) {
	none := func() error { return nil }
	if p.fam == nil || p.exited || p.injector() != nil {
		return none, nil
	}
	held, err := p.holdOthers(nil)
	if err != nil {
		return none, err
	}
	saved := p.current
	restart = func() error {
		p.current = saved
		return held()
	}
	deferred := heldTids(p.deferred)
	for _, t := range p.ownThreads() {
		if t.running || deferred[t.tid] || t.vforkOf != nil || p.vforkHeld(t) {
			continue
		}
		if r, err := t.Regs(); err == nil && int64(r.Orig_rax) < 0 {
			p.current = t
			return restart, nil
		}
	}
	return restart, &JumpRefused{Reason: "every thread of the process is inside a system call"}
}

// shareProbe puts pr, just set in p, into every other live process of the
// family that has p's code at its address. A process where it cannot go
// (exiting: its memory is gone) is left without it.
func (p *Process) shareProbe(pr *Probe) {
	if p.fam == nil {
		return
	}
	for _, q := range p.Processes() {
		if q == p || q.exited || !sameCode(p, q, pr.Addr) {
			continue
		}
		if c, err := q.placeProbe(pr); err == nil {
			pr.copies = append(pr.copies, c)
		}
	}
}

// copyIn is pr's copy in p.
func (pr *Probe) copyIn(p *Process) (probeCopy, bool) {
	if pr.home == p {
		return probeCopy{p: p, kind: pr.Kind, js: pr.js, hits: pr.hits, lost: pr.lost, slots: pr.slots, keyAt: pr.keyAt, lockedAt: pr.lockedAt}, true
	}
	for _, c := range pr.copies {
		if c.p == p {
			return c, true
		}
	}
	return probeCopy{}, false
}

// inheritProbes gives q, a fork child of p just adopted, p's probes: its
// memory holds p's jump areas (the data shared), p's jumps and
// trampolines, and p's INT3 probe sites (newChild keeps them, fixForkCopy
// puts a missing trap in). Each recording trampoline's pid becomes q's.
// The copy was made when p called fork: a jump p got since (its threads
// stopped while the fork was under way) is not in it, and is placed in q
// anew; one p lost since is taken out of it.
func (q *Process) inheritProbes(p *Process) error {
	ps := &p.probes
	for _, a := range p.jumps.areas {
		var b [1]byte
		if q.ReadMemory(a.base+jumpAreaCode, b[:]) == nil {
			q.jumps.areas = append(q.jumps.areas, a)
		}
	}
	if ps.ringArea != nil && q.hasJumpArea(ps.ringArea) {
		q.probes.ringArea, q.probes.ring = ps.ringArea, ps.ring
		q.probes.head, q.probes.tail, q.probes.headAddr = ps.head, ps.tail, ps.headAddr
	}
	q.probes.tsc = ps.tsc
	pid := []byte{byte(q.pid), byte(q.pid >> 8), byte(q.pid >> 16), byte(q.pid >> 24)}
	var anew []*Probe
	for _, pr := range ps.probes {
		c, ok := pr.copyIn(p)
		if pr.deleted || !ok {
			continue
		}
		c.p = q
		if c.js != nil {
			if !q.hasJumpArea(c.js.area) || !q.hasJump(c.js) {
				anew = append(anew, pr)
				continue
			}
			if q.jumps.sites == nil {
				q.jumps.sites = map[Addr]*jumpSite{}
			}
			q.jumps.sites[c.js.addr] = c.js
			if c.js.pidAt != 0 {
				if err := q.writeRaw(c.js.pidAt, pid); err != nil {
					return fmt.Errorf("probe %d: the child's pid: %w", pr.ID, err)
				}
			}
		}
		pr.copies = append(pr.copies, c)
		q.probes.probes = append(q.probes.probes, pr)
	}
	for _, js := range ps.removedJumps {
		if q.jumps.sites[js.addr] == nil && q.hasJump(js) {
			if err := q.writeRaw(js.addr, js.orig); err != nil {
				return fmt.Errorf("remove the jump at %#x: %w", uint64(js.addr), err)
			}
		}
	}
	for _, pr := range anew {
		if c, err := q.placeProbe(pr); err == nil {
			pr.copies = append(pr.copies, c)
		}
	}
	return nil
}

// hasJumpArea tells whether q holds a (copied at its fork).
func (q *Process) hasJumpArea(a *jumpArea) bool {
	for _, x := range q.jumps.areas {
		if x == a {
			return true
		}
	}
	return false
}

// hasJump tells whether q's code has js's jump (a fork copy made after
// it went in and before it came out), under a breakpoint's trap too.
func (q *Process) hasJump(js *jumpSite) bool {
	b := make([]byte, len(js.orig))
	if q.ReadOriginal(js.addr, b) != nil || bytes.Equal(b, js.orig) {
		return false
	}
	rel := int32(uint32(b[1]) | uint32(b[2])<<8 | uint32(b[3])<<16 | uint32(b[4])<<24)
	return b[0] == 0xe9 && js.addr+5+Addr(rel) == js.tramp
}

// eachRing calls fn for one holder of each distinct record ring of the
// family (the first process's even after its exit), no allocation; fn
// returning true stops.
func (p *Process) eachRing(fn func(q *Process) bool) {
	r := p.loop()
	if r.probes.head != nil && fn(r) {
		return
	}
	if r.fam == nil {
		return
	}
next:
	for i, q := range r.fam.procs {
		h := q.probes.head
		if h == nil || h == r.probes.head {
			continue
		}
		for _, o := range r.fam.procs[:i] {
			if o.probes.head == h {
				continue next
			}
		}
		if fn(q) {
			return
		}
	}
}

// pullRings moves the records of every ring of the family into the
// loop's queue.
func (p *Process) pullRings() {
	p.eachRing(func(q *Process) bool {
		q.pullRing()
		return false
	})
}

// probesGone takes the records left in p's ring when p ends (the ring may
// be its own: no other process drains it then) and ends its ring's
// watcher.
func (p *Process) probesGone() {
	p.pullRing()
	p.stopProbeWatch()
}

// dropExeced forgets pr's jump in p, which exec'd; pr is deleted when no
// other live process holds it.
func (pr *Probe) dropExeced(p *Process) {
	held := false
	if pr.home == p {
		pr.js = nil
	} else if !pr.home.exited && (pr.js != nil || pr.Kind == "trap") {
		held = true
	}
	for i := range pr.copies {
		c := &pr.copies[i]
		if c.p == p {
			c.js = nil
		} else if !c.p.exited && (c.js != nil || c.kind == "trap") {
			held = true
		}
	}
	if !held {
		pr.deleted = true
	}
}

package engine

// Return events (brk's opts.on_return). Each hit of a watched breakpoint
// records a pending call: its goroutine (Go) or thread (C), its frame's
// canonical frame address (CFA) and its return address, both read through
// the call frame information at the breakpoint's pc, in whichever object
// holds it (frameAt, frame.go). A trap at the return address, in the code and shared by every
// pending call returning there, reports the return. The return address on
// the stack is never patched (uretprobe style): Go's stack copying and
// traceback read it.
//
// A pending call is keyed by goroutine plus its distance from the top of the
// goroutine's stack (g.stack.hi - CFA): the runtime moves a growing stack,
// changing every sp, but not that distance. C threads never move their
// stack, so there the CFA itself is the position.
//
// Calls that never return (a panic unwound by recover, runtime.Goexit,
// longjmp) are pruned: a frame is dead once its thread of execution runs at
// or above it (its CFA <= the current sp), or a new frame takes its slot
// (same CFA, another return address). Go programs get two more traps while
// calls are pending: runtime.deferreturn, where a recovered panic resumes,
// and runtime.goexit1, where a goroutine ends.

import (
	"fmt"
	"time"
)

// callKey names a stack: a goroutine (goid > 0) or a thread (tid, for C
// code and for Go's system stacks).
type callKey struct {
	goid int64
	tid  int
}

// pendingCall is one call of a watched function that has not returned yet.
type pendingCall struct {
	bp    *Breakpoint
	off   uint64 // stack top - CFA
	ret   Addr
	start time.Time
}

// returnTrap is the trap at one return address; refs counts the pending
// calls returning there.
type returnTrap struct {
	p    *Process
	addr Addr
	refs int
}

// cutTrap is an internal trap where pending calls of the running goroutine
// may have died: runtime.deferreturn (a recovered panic resumes there) and
// runtime.goexit1 (the goroutine ends).
type cutTrap struct {
	p    *Process
	addr Addr
	exit bool // goexit1: every pending call of the goroutine is dead
}

// returnTable is the Process's return bookkeeping (nil until a breakpoint
// is watched).
type returnTable struct {
	watched map[*Breakpoint]bool
	pending map[callKey][]*pendingCall
	count   int
	traps   map[Addr]*returnTrap
	cuts    []*cutTrap
	last    map[int]lastReturn // by thread: the call rets() reads (rets.go)
}

func (p *Process) returns() *returnTable {
	if p.rets == nil {
		p.rets = &returnTable{
			watched: map[*Breakpoint]bool{},
			pending: map[callKey][]*pendingCall{},
			traps:   map[Addr]*returnTrap{},
		}
	}
	return p.rets
}

// WatchReturns makes each hit of bp report the matching return of the call
// it hit in: one EventReturn (Bp = bp, Addr = the return address, Elapsed
// since the hit) on the same goroutine or thread, with the thread stopped
// at the return address and its registers holding the results. With
// FollowForks, in every followed process (children born later inherit it:
// inheritReturns).
func (p *Process) WatchReturns(bp *Breakpoint) error {
	if p.exited {
		return ErrExited
	}
	if bp.Deleted() {
		return fmt.Errorf("breakpoint %d was deleted", bp.ID)
	}
	for _, q := range p.Processes() {
		if !q.exited {
			q.returns().watched[bp] = true
		}
	}
	return nil
}

// inheritReturns gives q, a fork child of p just adopted, p's watched
// breakpoints and the pending calls of t, the thread that forked: q's one
// thread is t's copy, on the same stack, and returns from those calls in
// q, through q's own return traps (newChild took the copies of p's out;
// they go back here, for those calls only). The other threads' calls are
// not q's: their threads are not in q.
func (q *Process) inheritReturns(p *Process, t *Thread) error {
	rt := p.rets
	if rt == nil {
		return nil
	}
	for bp := range rt.watched {
		q.returns().watched[bp] = true
	}
	key, _ := p.stackOf(t)
	ckey := key // a goroutine: the same one, copied
	if key.goid == 0 {
		ckey = callKey{tid: q.pid} // q's one thread
	}
	for _, c := range rt.pending[key] {
		nc := *c
		if err := q.addPending(ckey, &nc); err != nil {
			return err
		}
	}
	return nil
}

// PendingReturns counts the calls whose return is still awaited.
func (p *Process) PendingReturns() int {
	if p.rets == nil {
		return 0
	}
	return p.rets.count
}

// returnsBreakpointHit records a pending call for each watched breakpoint
// of s that t just hit (hitSite calls it before once-breakpoints go).
func (p *Process) returnsBreakpointHit(t *Thread, s *site) error {
	rt := p.rets
	if rt == nil || len(rt.watched) == 0 {
		return nil
	}
	var hit []*Breakpoint
	for _, bp := range s.bps {
		if bp.Enabled && rt.watched[bp] {
			hit = append(hit, bp)
		}
	}
	if len(hit) == 0 {
		return nil
	}
	r, err := t.Regs()
	if err != nil {
		return err
	}
	fr, err := p.frameAt(t)
	if err != nil {
		return fmt.Errorf("on_return of breakpoint %d (%s): %w", hit[0].ID, hit[0].Loc, err)
	}
	key, top := p.stackOf(t)
	if err := rt.prune(key, top, r.Rsp, fr.CFA, fr.Ret); err != nil {
		return err
	}
	for _, bp := range hit {
		if rt.has(key, top, fr.CFA, fr.Ret, bp) {
			continue // the same call again (a line breakpoint in a loop)
		}
		if err := p.addPending(key, &pendingCall{bp: bp, off: top - fr.CFA, ret: Addr(fr.Ret), start: now()}); err != nil {
			return err
		}
	}
	// The breakpoint is gone with its hit (once): its calls still report.
	for _, bp := range hit {
		if bp.Once {
			delete(rt.watched, bp)
		}
	}
	return nil
}

func (rt *returnTable) has(key callKey, top, cfa, ret uint64, bp *Breakpoint) bool {
	for _, c := range rt.pending[key] {
		if c.bp == bp && top-c.off == cfa && uint64(c.ret) == ret {
			return true
		}
	}
	return false
}

func (p *Process) addPending(key callKey, c *pendingCall) error {
	rt := p.rets
	tr := rt.traps[c.ret]
	if tr == nil {
		tr = &returnTrap{p: p, addr: c.ret}
		if err := p.addSiteUser(c.ret, tr); err != nil {
			return fmt.Errorf("return trap: %w", err)
		}
		rt.traps[c.ret] = tr
	}
	tr.refs++
	rt.pending[key] = append(rt.pending[key], c)
	rt.count++
	if rt.count == 1 {
		return p.insertCutTraps()
	}
	return nil
}

// prune drops the pending calls of key whose frame is gone, as seen by a
// thread running that stack at sp: a frame is alive only while its return
// address slot (CFA-8) is at or above sp, and a new frame at the same CFA
// with another return address has taken the place of the old one (cfa 0:
// no such frame).
func (rt *returnTable) prune(key callKey, top, sp, cfa, ret uint64) error {
	list := rt.pending[key]
	kept := list[:0]
	var dead []*pendingCall
	for _, c := range list {
		at := top - c.off
		if at <= sp || (at == cfa && uint64(c.ret) != ret) {
			dead = append(dead, c)
		} else {
			kept = append(kept, c)
		}
	}
	rt.setPending(key, kept)
	return rt.releaseAll(dead)
}

// releaseAll releases calls, all of them even when removing a trap fails;
// the first error is returned.
func (rt *returnTable) releaseAll(calls []*pendingCall) error {
	var first error
	for _, c := range calls {
		if err := rt.release(c); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (rt *returnTable) setPending(key callKey, list []*pendingCall) {
	if len(list) == 0 {
		delete(rt.pending, key)
	} else {
		rt.pending[key] = list
	}
}

// release forgets one pending call; its return trap goes with its last
// call. An error says a trap could not be taken out of the code.
func (rt *returnTable) release(c *pendingCall) error {
	rt.count--
	tr := rt.traps[c.ret]
	if tr == nil {
		return nil
	}
	if tr.refs--; tr.refs > 0 {
		return nil
	}
	delete(rt.traps, c.ret)
	p := tr.p
	err := p.removeSiteUser(c.ret, tr)
	if err != nil {
		err = fmt.Errorf("remove return trap at %#x: %w", uint64(c.ret), err)
	}
	if rt.count == 0 {
		if cerr := p.removeCutTraps(); err == nil {
			err = cerr
		}
	}
	return err
}

// pruneThreads drops the pending calls of C threads that have exited.
func (p *Process) pruneThreads() error {
	rt := p.rets
	var first error
	for key, list := range rt.pending {
		if key.tid != 0 && p.threads[key.tid] == nil {
			delete(rt.pending, key)
			if err := rt.releaseAll(list); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

func (tr *returnTrap) siteHit(t *Thread, s *site) ([]*Event, error) {
	p := tr.p
	rt := p.rets
	r, err := t.Regs()
	if err != nil {
		return nil, err
	}
	key, top := p.stackOf(t)
	sp := r.Rsp
	list := rt.pending[key]
	kept := list[:0]
	var evs []*Event
	var gone []*pendingCall
	for _, c := range list {
		at := top - c.off
		switch {
		case at == sp && c.ret == tr.addr:
			when := now()
			evs = append(evs, &Event{Kind: EventReturn, Thread: t, Tid: t.tid, Addr: tr.addr, Bp: c.bp, Elapsed: when.Sub(c.start), Time: when})
			p.noteReturn(t, c.bp.Addr, tr.addr)
			gone = append(gone, c)
		case at <= sp:
			gone = append(gone, c)
		default:
			kept = append(kept, c)
		}
	}
	rt.setPending(key, kept)
	err = rt.releaseAll(gone)
	if perr := p.pruneThreads(); err == nil {
		err = perr
	}
	return evs, err
}

func (ct *cutTrap) siteHit(t *Thread, s *site) ([]*Event, error) {
	p := ct.p
	rt := p.rets
	if rt == nil {
		return nil, nil
	}
	r, err := t.Regs()
	if err != nil {
		return nil, err
	}
	key, top := p.stackOf(t)
	if ct.exit {
		list := rt.pending[key]
		delete(rt.pending, key)
		return nil, rt.releaseAll(list)
	}
	// At a function's first instruction: CFA = rsp+8, return address [rsp].
	ret, err := p.readU64(Addr(r.Rsp))
	if err != nil {
		return nil, err
	}
	return nil, rt.prune(key, top, r.Rsp, r.Rsp+8, ret)
}

// cutFuncs are where pending calls of a Go goroutine may die unreturned.
var cutFuncs = []struct {
	name string
	exit bool
}{
	{"runtime.deferreturn", false},
	{"runtime.goexit1", true},
}

func (p *Process) insertCutTraps() error {
	rt := p.rets
	if !p.bin.IsGo() || len(rt.cuts) > 0 {
		return nil
	}
	for _, f := range cutFuncs {
		s, ok := p.bin.LookupSym(f.name)
		if !ok {
			continue
		}
		ct := &cutTrap{p: p, addr: s.Addr + p.bias, exit: f.exit}
		if err := p.addSiteUser(ct.addr, ct); err != nil {
			return fmt.Errorf("trap %s: %w", f.name, err)
		}
		rt.cuts = append(rt.cuts, ct)
	}
	return nil
}

// removeCutTraps takes the cut traps out, all of them even when one
// fails; the first error is returned.
func (p *Process) removeCutTraps() error {
	rt := p.rets
	var first error
	for _, ct := range rt.cuts {
		if err := p.removeSiteUser(ct.addr, ct); err != nil && first == nil {
			first = fmt.Errorf("remove trap at %#x: %w", uint64(ct.addr), err)
		}
	}
	rt.cuts = nil
	return first
}

// staleTrap recognises a SIGTRAP from an int3 the engine removed while the
// thread was already on its way through it: rip goes back onto the
// original instruction and the thread resumes as if the trap had never been
// there.
func (p *Process) staleTrap(t *Thread, r *Regs) bool {
	if !p.removedTraps[Addr(r.Rip-1)] {
		return false
	}
	var b [1]byte
	if err := p.ReadMemory(Addr(r.Rip-1), b[:]); err != nil || b[0] == int3 {
		return false
	}
	r.Rip--
	t.regsDirty = true
	return true
}

// stackOf names the stack t runs on and its top: for a goroutine its id
// and g.stack.hi (Thread.goroutineStack); otherwise (a C program, a system
// stack) the thread and 0, so that top - CFA orders frames the same way.
func (p *Process) stackOf(t *Thread) (callKey, uint64) {
	if goid, hi, ok := t.goroutineStack(); ok && goid != 0 {
		return callKey{goid: goid}, hi
	}
	return callKey{tid: t.tid}, 0
}

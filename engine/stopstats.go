package engine

// Stop statistics, a diagnostic: with GODBG_STOPSTATS set, every stop of a
// thread is counted by signal and pc (a trampoline pc as site+offset), and
// the counts go to that file at the exit, most frequent first. It cost one
// register read per stop; off, nothing. It measured issue 13's livelock
// (a thread stopped again and again at one trampoline pc).

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"syscall"
)

type stopKey struct {
	sig  syscall.Signal
	pc   Addr
	site Addr // the jump site whose trampoline holds pc (0: none)
	off  Addr // pc's offset in that trampoline
	step bool // met by one of godbg's single-steps
}

type stopStats struct {
	file   string
	counts map[stopKey]int
	where  map[stopKey]string // named at the first stop: at the exit the libraries are gone
}

var stopStatsFile = os.Getenv("GODBG_STOPSTATS")

// countStop counts t's stop by sig.
func (p *Process) countStop(t *Thread, sig syscall.Signal) { p.count(t, sig, false) }

// countStepStop counts a signal's stop of t met by a single-step.
func (p *Process) countStepStop(t *Thread, sig syscall.Signal) { p.count(t, sig, true) }

func (p *Process) count(t *Thread, sig syscall.Signal, step bool) {
	if p.stopStats == nil {
		p.stopStats = &stopStats{file: stopStatsFile, counts: map[stopKey]int{}, where: map[stopKey]string{}}
	}
	r, err := t.Regs()
	if err != nil {
		return
	}
	k := stopKey{sig: sig, pc: Addr(r.Rip), step: step}
	if js := p.jumpSiteAt(k.pc); js != nil {
		k.site, k.off = js.addr, k.pc-js.tramp
	}
	p.stopStats.counts[k]++
	if p.stopStats.counts[k] == 1 {
		p.stopStats.where[k] = p.stopWhere(k)
	}
	if p.stopStats.counts[k]%10000 == 0 {
		p.writeStopStats() // a livelock never reaches the exit
	}
}

// writeStopStats writes the counts (exit).
func (p *Process) writeStopStats() {
	s := p.stopStats
	if s == nil {
		return
	}
	keys := make([]stopKey, 0, len(s.counts))
	for k := range s.counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return s.counts[keys[i]] > s.counts[keys[j]] })
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%8d %-8v %s\n", s.counts[k], k.sig, s.where[k])
	}
	os.WriteFile(s.file, []byte(b.String()), 0o644)
}

// stopWhere says where a stop was: its pc, in a trampoline or a function.
func (p *Process) stopWhere(k stopKey) string {
	where := fmt.Sprintf("%#x", uint64(k.pc))
	if k.site != 0 {
		where = fmt.Sprintf("%#x site %#x tramp+%d", uint64(k.pc), uint64(k.site), k.off)
	} else if fn, ok := p.FuncAt(k.pc); ok {
		where = fmt.Sprintf("%#x %s+%d", uint64(k.pc), fn.Sym.Name, k.pc-fn.Addr)
	}
	if k.step {
		where += " (in a single-step)"
	}
	return where
}

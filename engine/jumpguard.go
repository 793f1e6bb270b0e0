package engine

// Resume addresses a thread's pc does not show. A jump replaces the bytes
// [site, site+len); a thread or goroutine that later resumes strictly
// inside them lands in the middle of the jmp. Planning refuses a call that
// is not the last replaced instruction (its return address would be inside);
// installing, with every thread stopped, scans conservatively for any other
// such address: each thread's stack from rsp up to the end of its mapping,
// or of its g's stack in a Go program (return addresses, the saved rip of a
// signal frame: Go's SIGURG preemption interrupts anywhere), and in
// Go programs each goroutine's g.sched.pc and its stack from g.sched.sp to
// g.stack.hi (a parked goroutine's return addresses, the pc asyncPreempt
// pushed). Any 8-byte word in (site, site+len) makes the site a trap: a
// false positive (data that looks like such an address) only costs the
// fallback. Each stack is read up to resumeScanCap bytes: a deeper word is
// not seen. No library: the calls are found with x86asm (already used), the
// goroutines with debuginfo's allgs walk, and the scan is a word compare.

import (
	"encoding/binary"
	"fmt"

	"github.com/godbg/godbg/engine/debuginfo"
	"github.com/godbg/godbg/engine/internal/oolstep"
	"github.com/godbg/godbg/engine/internal/ptrace"
	"golang.org/x/arch/x86/x86asm"
)

// ReasonResumeInside is why a jump falls back to a trap when the scan finds
// a possible resume address inside the replaced bytes.
const ReasonResumeInside = "a thread or goroutine may resume inside the replaced bytes"

// resumeScanCap bounds the bytes of one stack the scan reads.
const resumeScanCap = 1 << 20

// resumeInside looks for a word in [lo, hi) on the stopped threads' stacks
// and, in a Go program, in the goroutines' saved pcs and stacks; it says
// where it found one ("" when none).
func (p *Process) resumeInside(lo, hi Addr) (string, error) {
	maps, err := ptrace.ReadMaps(p.pid)
	if err != nil {
		return "", err
	}
	var buf []byte
	// scan reads [from, to) capped, and returns the address of the first
	// word inside, or 0.
	scan := func(from, to Addr) Addr {
		from &^= 7
		if to > from+resumeScanCap {
			to = from + resumeScanCap
		}
		if to <= from {
			return 0
		}
		if n := int(to - from); cap(buf) < n {
			buf = make([]byte, n)
		} else {
			buf = buf[:n]
		}
		if err := p.ReadMemory(from, buf); err != nil {
			// Part may be unreadable (a guard page): page by page.
			for a := from; a < to; {
				next := min((a+4096)&^4095, to)
				if p.ReadMemory(a, buf[a-from:next-from]) != nil {
					clear(buf[a-from : next-from])
				}
				a = next
			}
		}
		for off := 0; off+8 <= len(buf); off += 8 {
			if v := Addr(binary.LittleEndian.Uint64(buf[off:])); v >= lo && v < hi {
				return from + Addr(off)
			}
		}
		return 0
	}
	// The goroutines first: a word on a goroutine's stack is named by its
	// goroutine, not by a thread whose stack mapping holds that stack too.
	if p.bin.IsGo() {
		d, err := p.DebugInfo()
		if err != nil {
			return "", fmt.Errorf("read the goroutines: %w", err)
		}
		gs, err := d.Goroutines(memory{p})
		if err != nil {
			return "", fmt.Errorf("read the goroutines: %w", err)
		}
		if where := goroutinesInside(gs, lo, hi, scan); where != "" {
			return where, nil
		}
	}
	for _, t := range p.ownThreads() {
		if t.running {
			continue
		}
		r, err := t.Regs()
		if err != nil {
			return "", err
		}
		sp := Addr(r.Rsp)
		for _, m := range maps {
			if sp >= Addr(m.Lo) && sp < Addr(m.Hi) {
				end := Addr(m.Hi)
				// A Go thread's stack (a goroutine's, a g0, a gsignal)
				// ends at its g's stack.hi, inside a larger mapping.
				if _, hi, ok := t.goroutineStack(); ok && Addr(hi) > sp && Addr(hi) < end {
					end = Addr(hi)
				}
				if at := scan(sp, end); at != 0 {
					return fmt.Sprintf("the word at %#x on thread %d's stack", uint64(at), t.tid), nil
				}
				break
			}
		}
	}
	return "", nil
}

// callInside finds a call that is not the last instruction of a run: the
// return address it pushes is inside the replaced bytes.
func callInside(run oolstep.Run) (uint64, bool) {
	for i, in := range run.Insts {
		if i < len(run.Insts)-1 && (in.Op == x86asm.CALL || in.Op == x86asm.LCALL) {
			return in.Addr, true
		}
	}
	return 0, false
}

// goroutinesInside is the goroutine part of resumeInside.
func goroutinesInside(gs []debuginfo.Goroutine, lo, hi Addr, scan func(from, to Addr) Addr) string {
	for _, g := range gs {
		if pc := Addr(g.PC); pc >= lo && pc < hi {
			return fmt.Sprintf("goroutine %d's saved pc %#x", g.ID, g.PC)
		}
		if g.SP == 0 || g.SP >= g.StackHi {
			continue
		}
		if at := scan(Addr(g.SP), Addr(g.StackHi)); at != 0 {
			return fmt.Sprintf("the word at %#x on goroutine %d's stack", uint64(at), g.ID)
		}
	}
	return ""
}

package engine

// Jump sites: breakpoints that survive godbg's death. An INT3 left in the
// code when godbg is killed (SIGKILL, no cleanup) kills the program with
// SIGTRAP at its next hit. Where the instructions at a site can be run
// elsewhere, the site holds a 5-byte jmp to a trampoline in the scratch
// area instead. The trampoline tests the liveness word (alive.go): godbg
// gone, it runs the relocated instructions and jumps back; godbg alive, the
// thread saves the registers it needs and sends itself SIGURG with tkill,
// a signal a C program ignores by default and a Go program takes as a
// possibly spurious preemption request (runtime/preempt.go). godbg sees the
// signal-delivery stop at the trampoline's known pc, drops the signal, and
// rewinds the thread (registers from the trampoline's stack, rsp back, rip
// on the site): the hit then looks exactly like an INT3 stop, and resuming
// at the site runs the relocated copy (the site's displaced plan). Should
// godbg die during that stop, the thread resumes after the tkill, finds the
// word dead and runs the copy; the pending SIGURG is harmless. A thread
// with SIGURG blocked does not stop there: it tests the word again and, godbg
// alive, traps with an INT3 inside the trampoline, rewound the same way.
//
// A site gets a jump only when every thread is stopped and none is inside
// the replaced bytes, the function (symbol bounds) has no direct branch
// into them and no indirect jump (a jump table could land inside), each
// replaced instruction can run elsewhere (no relative branch or call), and
// the trampoline and the liveness word are within rel32 reach. Otherwise,
// or without a liveness word, the site is an INT3 as before. Only attached
// processes get jump sites: a launched program dies with godbg anyway
// (PTRACE_O_EXITKILL).

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/arch/x86/x86asm"
	"golang.org/x/sys/unix"
)

// jumpSite is the jump form of a site.
type jumpSite struct {
	tramp  Addr   // the trampoline
	length int    // bytes replaced at the site: whole instructions, >= 5
	saved  []byte // the original bytes of the range
	jmp    [5]byte
}

func (j *jumpSite) copyAddr() Addr { return j.tramp + trampCopy }

// The trampoline's layout; offsets are checked by TestTrampolineLayout.
const (
	redZone    = 128
	trampSave  = 7 * 8 // rflags and six registers, as pushed
	trampStop  = 50    // after the tkill: the SIGURG stop's pc
	trampTrap  = 63    // after the fallback int3: its SIGTRAP stop's pc
	trampGone  = 70    // popfq; lea rsp,[rsp+128]; then the copy
	trampCopy  = 79    // the relocated instructions, then a jmp back
	trampSlots = 3     // slots a trampoline takes
)

// buildTrampoline returns the code of a trampoline at base for a site at
// site whose relocated instructions are copy (already relocated for
// base+trampCopy), jumping back to back; word is the liveness word.
func buildTrampoline(base, word, back Addr, copy []byte) ([]byte, bool) {
	var b []byte
	rel32 := func(next int, target Addr) ([]byte, bool) {
		d := int64(target) - int64(base) - int64(next)
		if d != int64(int32(d)) {
			return nil, false
		}
		var x [4]byte
		binary.LittleEndian.PutUint32(x[:], uint32(int32(d)))
		return x[:], true
	}
	testWord := func() bool {
		// test dword [rip+disp32], LiveDeadBit
		b = append(b, 0xf7, 0x05)
		d, ok := rel32(len(b)+8, word)
		if !ok {
			return false
		}
		b = append(b, d...)
		b = binary.LittleEndian.AppendUint32(b, LiveDeadBit)
		return true
	}
	b = append(b, 0x48, 0x8d, 0x64, 0x24, 0x80) // lea rsp,[rsp-128]: skip the red zone
	b = append(b, 0x9c)                         // pushfq
	if !testWord() {
		return nil, false
	}
	b = append(b, 0x0f, 0x85) // jnz gone
	b = binary.LittleEndian.AppendUint32(b, uint32(trampGone-(len(b)+4)))
	b = append(b, 0x50, 0x51, 0x52, 0x56, 0x57, 0x41, 0x53) // push rax rcx rdx rsi rdi r11
	b = append(b, 0xb8)                                     // mov eax, SYS_gettid
	b = binary.LittleEndian.AppendUint32(b, unix.SYS_GETTID)
	b = append(b, 0x0f, 0x05, 0x89, 0xc7) // syscall; mov edi, eax
	b = append(b, 0xbe)                   // mov esi, SIGURG
	b = binary.LittleEndian.AppendUint32(b, uint32(unix.SIGURG))
	b = append(b, 0xb8) // mov eax, SYS_tkill
	b = binary.LittleEndian.AppendUint32(b, unix.SYS_TKILL)
	b = append(b, 0x0f, 0x05) // syscall
	if len(b) != trampStop {
		panic("trampoline layout")
	}
	// Here without a stop: SIGURG blocked, or godbg died during the stop.
	if !testWord() {
		return nil, false
	}
	b = append(b, 0x75, 0x01, 0xcc) // jnz restore; int3
	if len(b) != trampTrap {
		panic("trampoline layout")
	}
	b = append(b, 0x41, 0x5b, 0x5f, 0x5e, 0x5a, 0x59, 0x58) // pop r11 rdi rsi rdx rcx rax
	b = append(b, 0x9d)                                     // gone: popfq
	b = append(b, 0x48, 0x8d, 0xa4, 0x24, 0x80, 0, 0, 0)    // lea rsp,[rsp+128]
	if len(b) != trampCopy || trampGone != trampCopy-9 {
		panic("trampoline layout")
	}
	b = append(b, copy...)
	b = append(b, 0xe9)
	d, ok := rel32(len(b)+4, back)
	if !ok {
		return nil, false
	}
	b = append(b, d...)
	if len(b) > trampSlots*slotSize {
		return nil, false
	}
	return b, true
}

// trampRef is a trampoline, found by its stop pcs (Process.tramps).
type trampRef struct {
	site   Addr
	base   Addr
	length int // bytes replaced at the site
}

// planJump decides whether s can take a jump and builds its trampoline;
// ("", nil) with j set when it can, else the reason it cannot.
func (p *Process) planJump(s *site) (*jumpSite, string) {
	if !p.jumpSites || p.noDisplaced {
		return nil, "off"
	}
	var t *Thread
	for _, th := range p.threads {
		if th.running {
			return nil, "a thread is running"
		}
		if t == nil || th.tid == p.pid {
			t = th
		}
	}
	if t == nil || t.sys.inCall || t.sys.atEntry {
		return nil, "no thread to map the liveness word"
	}
	fn, ok := p.FuncAt(s.addr)
	if !ok || fn.Sym.Size == 0 {
		return nil, "no function bounds"
	}
	start, end := fn.Addr, fn.Addr+Addr(fn.Sym.Size)
	code := make([]byte, end-start)
	if err := p.ReadOriginal(start, code); err != nil {
		return nil, "code unreadable"
	}
	// The replaced instructions.
	off := int(s.addr - start)
	length := 0
	var insts []x86asm.Inst
	for length < 5 {
		if off+length >= len(code) {
			return nil, "function too short"
		}
		inst, err := x86asm.Decode(code[off+length:], 64)
		if err != nil {
			return nil, "undecodable instruction"
		}
		if _, rel := inst.Args[0].(x86asm.Rel); rel || inst.Op == x86asm.CALL || inst.Op == x86asm.RET ||
			inst.Op == x86asm.JMP || inst.Op == x86asm.INT || inst.Op == x86asm.SYSCALL {
			return nil, "a branch in the replaced bytes"
		}
		insts = append(insts, inst)
		length += inst.Len
	}
	if off+length > len(code) {
		return nil, "function too short"
	}
	// No branch into the range, no indirect jump in the function.
	for pc := 0; pc < len(code); {
		inst, err := x86asm.Decode(code[pc:], 64)
		if err != nil {
			pc++
			continue
		}
		if inst.Op == x86asm.JMP || isJcc(inst.Op) || inst.Op == x86asm.CALL {
			if rel, ok := inst.Args[0].(x86asm.Rel); ok {
				target := pc + inst.Len + int(rel)
				if target > off && target < off+length {
					return nil, "a branch into the replaced bytes"
				}
			} else if inst.Op == x86asm.JMP {
				return nil, "an indirect jump in the function"
			}
		}
		pc += inst.Len
	}
	// A thread stopped inside the replaced bytes is stepped out of them
	// first (they are straight-line code: a few steps).
	for _, th := range p.threads {
		for i := 0; ; i++ {
			r, err := th.Regs()
			if err != nil {
				return nil, "a thread's registers are unreadable"
			}
			if Addr(r.Rip) <= s.addr || Addr(r.Rip) >= s.addr+Addr(length) {
				break
			}
			if i == length || th.sys.inCall || th.sys.atEntry || th.vforkOf != nil {
				return nil, "a thread is inside the replaced bytes"
			}
			if err := th.flushRegs(); err != nil {
				return nil, err.Error()
			}
			if err := p.singleStep(th); err != nil {
				return nil, err.Error()
			}
		}
	}
	for a, o := range p.sites {
		if o != s && o.inserted && a+Addr(o.span()) > s.addr && a < s.addr+Addr(length) {
			return nil, "another site in the replaced bytes"
		}
	}
	word, err := p.liveWord(t)
	if err != nil {
		return nil, err.Error()
	}
	if p.scratch.next+trampSlots*slotSize > p.scratch.syscallInsn() {
		return nil, "scratch area full"
	}
	base := p.scratch.next
	// The copy: each instruction relocated to base+trampCopy+its offset.
	saved := append([]byte(nil), code[off:off+length]...)
	cp := append([]byte(nil), saved...)
	at := 0
	delta := int64(s.addr) - int64(base+trampCopy)
	for _, inst := range insts {
		piece := cp[at : at+inst.Len]
		if o, ok := ripDispOffset(piece, inst); ok {
			nd := int64(int32(binary.LittleEndian.Uint32(piece[o:]))) + delta
			if nd != int64(int32(nd)) {
				return nil, "rip-relative operand out of reach"
			}
			binary.LittleEndian.PutUint32(piece[o:], uint32(int32(nd)))
		} else if o < 0 {
			return nil, "rip-relative operand not found"
		}
		at += inst.Len
	}
	code2, ok := buildTrampoline(base, word, s.addr+Addr(length), cp)
	if !ok {
		return nil, "trampoline out of reach"
	}
	j := &jumpSite{tramp: base, length: length, saved: saved}
	j.jmp[0] = 0xe9
	d := int64(base) - int64(s.addr+5)
	if d != int64(int32(d)) {
		return nil, "trampoline out of reach"
	}
	binary.LittleEndian.PutUint32(j.jmp[1:], uint32(int32(d)))
	if err := p.writeRaw(base, code2); err != nil {
		return nil, err.Error()
	}
	p.scratch.next += trampSlots * slotSize
	return j, ""
}

// span is how many bytes at its address a site changed.
func (s *site) span() int {
	if s.jump != nil {
		return s.jump.length
	}
	return 1
}

// insertJump writes s's jump: the 5-byte jmp, the rest of the range left
// as it was (no thread can reach it: no branch lands there).
func (p *Process) insertJump(s *site, j *jumpSite) error {
	if err := p.writeRaw(s.addr, j.jmp[:]); err != nil {
		return err
	}
	s.jump = j
	s.saved = j.saved[0]
	if p.tramps == nil {
		p.tramps = map[Addr]trampRef{}
	}
	ref := trampRef{site: s.addr, base: j.tramp, length: j.length}
	p.tramps[j.tramp+trampStop] = ref
	p.tramps[j.tramp+trampTrap] = ref
	p.jumpCount++
	return nil
}

// restoreJump puts the original bytes back over s's jmp, unless the
// program rewrote them. The trampoline stays: a thread may be inside it.
// A running thread meets the jmp, or an int3 (a removed trap, staleTrap),
// or the original bytes: never a mix.
func (p *Process) restoreJump(s *site) error {
	j := s.jump
	var b [5]byte
	if err := p.ReadMemory(s.addr, b[:]); err != nil {
		return err
	}
	s.jump = nil
	if b != j.jmp {
		return nil
	}
	if err := p.downgradeJumpBytes(s.addr, j); err != nil {
		return err
	}
	return p.writeRaw(s.addr, j.saved[:1])
}

// trampolineStop handles a stop of t inside a trampoline: the SIGURG it
// sent itself, or the fallback trap. The thread is rewound to the site
// (registers as pushed, rsp back above the red zone, rip on the site) and
// the stop becomes the site's hit, or a plain resume when the site went.
func (p *Process) trampolineStop(t *Thread, sig unix.Signal) (*Event, bool, error) {
	r, err := t.Regs()
	if err != nil {
		return nil, true, p.vanished(t, err)
	}
	ref, ok := p.tramps[Addr(r.Rip)]
	if !ok || (sig == unix.SIGURG) != (Addr(r.Rip) == ref.base+trampStop) {
		return nil, false, nil
	}
	if err := p.rewindTramp(t, r, ref); err != nil {
		return nil, true, err
	}
	if s := p.sites[ref.site]; s != nil && s.inserted {
		ev, err := p.hitSiteEvent(t, s, true)
		return ev, true, err
	}
	return nil, true, p.resume(t)
}

// jumpRealPC maps a pc inside a trampoline to the program's: in the copy,
// the replaced instruction's own address; elsewhere, the site.
func (p *Process) jumpRealPC(pc Addr) (Addr, bool) {
	ref, off, ok := p.trampAt(pc)
	if !ok {
		return pc, false
	}
	if off >= trampCopy && off < trampCopy+Addr(ref.length) {
		return ref.site + off - trampCopy, true
	}
	return ref.site, true
}

// downgradeJumpsAt turns a jump site whose replaced bytes cover addr (after
// its first) into an int3 site: another site is wanted inside them.
func (p *Process) downgradeJumpsAt(addr Addr) error {
	for a, s := range p.sites {
		if s.jump != nil && addr > a && addr < a+Addr(s.jump.length) {
			if err := p.downgradeJump(s); err != nil {
				return err
			}
		}
	}
	return nil
}

// downgradeJump makes jump site s an int3 site: the int3 goes in first, so
// a running thread meets either the jmp or the trap, then the other bytes
// are put back. Threads inside the trampoline finish through it.
func (p *Process) downgradeJump(s *site) error {
	j := s.jump
	if err := p.downgradeJumpBytes(s.addr, j); err != nil {
		return err
	}
	s.jump = nil
	s.saved = j.saved[0]
	s.plan = stepPlan{}
	return nil
}

// downgradeJumpBytes writes an int3 over the jmp's first byte, then the
// original bytes after it.
func (p *Process) downgradeJumpBytes(addr Addr, j *jumpSite) error {
	if err := p.writeRaw(addr, []byte{int3}); err != nil {
		return err
	}
	return p.writeRaw(addr+1, j.saved[1:5])
}

// trampAt finds the trampoline holding pc, and pc's offset in it.
func (p *Process) trampAt(pc Addr) (trampRef, Addr, bool) {
	if len(p.tramps) == 0 || !p.scratch.contains(pc) {
		return trampRef{}, 0, false
	}
	base := pc - (pc-p.scratch.base)%slotSize
	for i := 0; i < trampSlots && base >= p.scratch.base; i++ {
		if ref, ok := p.tramps[base+trampStop]; ok && ref.base == base {
			return ref, pc - base, true
		}
		base -= slotSize
	}
	return trampRef{}, 0, false
}

// rewindTramp moves t, stopped in the trampoline ref before its
// registers were popped, back onto the site with the registers it had
// there: what the trampoline pushed so far is taken back off the stack.
func (p *Process) rewindTramp(t *Thread, r *Regs, ref trampRef) error {
	off := Addr(r.Rip) - ref.base
	// Bytes pushed below the red zone at each offset: pushfq at 5, then
	// push rax, rcx, rdx, rsi, rdi (1 byte each) and r11 (2 bytes) from 22.
	pushed := 0
	switch {
	case off == 0:
		r.Rip = uint64(ref.site)
		t.regsDirty = true
		return nil
	case off < 6:
		pushed = 0
	case off <= 22:
		pushed = 1
	case off < 27:
		pushed = 1 + int(off-22)
	case off < 29:
		pushed = 6
	case off <= trampTrap:
		pushed = 7
	default:
		return fmt.Errorf("rewind thread %d: at %#x, past its trampoline's saves", t.tid, r.Rip)
	}
	var b [trampSave]byte
	if pushed > 0 {
		if err := p.ReadMemory(Addr(r.Rsp), b[:8*pushed]); err != nil {
			return fmt.Errorf("rewind thread %d from its trampoline: %w", t.tid, err)
		}
	}
	w := func(i int) uint64 { return binary.LittleEndian.Uint64(b[8*i:]) }
	// Stack from rsp up: the last pushed first; rflags is the deepest.
	regs := []*uint64{&r.R11, &r.Rdi, &r.Rsi, &r.Rdx, &r.Rcx, &r.Rax, &r.Eflags}
	for i := 0; i < pushed; i++ {
		*regs[len(regs)-pushed+i] = w(i)
	}
	r.Rsp += uint64(8*pushed) + redZone
	r.Rip = uint64(ref.site)
	if off >= 36 {
		// Past a system call: none to restart on resume.
		r.Orig_rax = ^uint64(0)
	}
	t.regsDirty = true
	return nil
}

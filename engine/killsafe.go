package engine

// Breakpoints that survive godbg's death. An INT3 left in the code when
// godbg is killed (SIGKILL: no cleanup) kills the program with SIGTRAP at
// its next hit. In an attached program, where a jump site can be placed
// (jumpsite.go), a breakpoint site is a jump whose trampoline starts with
// the code below: it tests the liveness word (alive.go); godbg gone, it
// runs the relocated instructions and jumps back; godbg alive, it saves
// rflags and the registers the calls clobber below the red zone and sends
// itself SIGURG with tkill, a signal a C program ignores by default and a
// Go program takes as a possibly spurious preemption request
// (runtime/preempt.go). godbg sees the signal-delivery stop at the
// trampoline's known pc, drops the signal, and rewinds the thread
// (registers from the stack, rsp back, rip on the site, orig_rax -1): the
// hit then looks exactly like an INT3 stop, and resuming at the site runs
// the relocated instructions (the site's displaced plan). Should godbg die
// during that stop, the thread resumes after the tkill, finds the word
// dead and runs the relocated instructions; the pending SIGURG is
// harmless. A thread with SIGURG blocked does not stop there: it tests the
// word again and, godbg alive, traps with an int3 inside the trampoline,
// rewound the same way.
//
// Only attached processes get these sites: a launched program dies with
// godbg anyway (PTRACE_O_EXITKILL). Where no jump can be placed, or the
// liveness word is out of rel32 reach of the trampoline, the site is an
// INT3 as before.

import (
	"encoding/binary"
	"fmt"

	"github.com/godbg/godbg/engine/internal/oolstep"
	"golang.org/x/arch/x86/x86asm"
	"golang.org/x/sys/unix"
)

// The trampoline prefix's layout (buildPrefix checks it).
const (
	redZone   = 128
	trampSave = 7 * 8 // rflags and six registers, as pushed
	trampStop = 50    // after the tkill: the SIGURG stop's pc
	trampTrap = 63    // after the fallback int3: its SIGTRAP stop's pc
	trampGone = 70    // popfq; lea rsp,[rsp+128]; then the relocated code
	trampCopy = 79    // the prefix's length: the relocated code starts here
)

// trampRef is a breakpoint trampoline, found by its stop pcs
// (Process.tramps); it stays known after its site goes, for a thread still
// inside it.
type trampRef struct {
	site Addr
	base Addr
}

// buildPrefix returns the prefix for a trampoline at base; word is the
// liveness word. false: the word is out of rel32 reach.
func buildPrefix(base, word Addr) ([]byte, bool) {
	var b []byte
	testWord := func() bool {
		// test dword [rip+disp32], LiveDeadBit
		b = append(b, 0xf7, 0x05)
		d := int64(word) - int64(base) - int64(len(b)+8)
		if d != int64(int32(d)) {
			return false
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(int32(d)))
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
	b = append(b, 0x41, 0x5b, 0x5f, 0x5e, 0x5a, 0x59, 0x58) // restore: pop r11 rdi rsi rdx rcx rax
	b = append(b, 0x9d)                                     // gone: popfq
	b = append(b, 0x48, 0x8d, 0xa4, 0x24, 0x80, 0, 0, 0)    // lea rsp,[rsp+128]
	if len(b) != trampCopy || trampGone != trampCopy-9 {
		panic("trampoline layout")
	}
	return b, true
}

// breakJump makes s, a breakpoint site about to be inserted, a jump site
// with the prefix above; nil when it cannot (the site is then an INT3).
func (p *Process) breakJump(s *site) *jumpSite {
	if !p.jumpSites || p.noDisplaced {
		return nil
	}
	t := p.injector()
	if t == nil {
		return nil
	}
	word, err := p.liveWord(t)
	if err != nil {
		return nil
	}
	pl, err := p.planJump(s.addr)
	if err != nil || p.hasIndirectJump(s.addr) {
		return nil
	}
	js, err := p.installJump(pl, func(a *oolstep.Asm) error {
		prefix, ok := buildPrefix(Addr(a.PC()), word)
		if !ok {
			return &JumpRefused{Addr: s.addr, Reason: "the liveness word is out of reach"}
		}
		a.Bytes(prefix...)
		return nil
	})
	if err != nil {
		return nil
	}
	if p.tramps == nil {
		p.tramps = map[Addr]trampRef{}
	}
	ref := trampRef{site: s.addr, base: js.tramp}
	p.tramps[js.tramp+trampStop] = ref
	p.tramps[js.tramp+trampTrap] = ref
	p.trampList = append(p.trampList, ref)
	p.jumpCount++
	return js
}

// unJump turns jump site s back into an int3 site: the int3 goes in first,
// so a running thread meets the jmp, or the trap, never a mix; then the
// other bytes come back. Threads inside the trampoline finish through it.
func (p *Process) unJump(s *site) error {
	js := s.jump
	if err := p.writeRaw(s.addr, []byte{int3}); err != nil {
		return err
	}
	s.jump = nil
	s.plan = stepPlan{}
	return p.removeJump(js) // with s inserted: bytes after the first, s.saved = the original first
}

// restoreJump removes s's jump: int3 first (a thread meeting it then is a
// removed trap, staleTrap), the other bytes, the first byte.
func (p *Process) restoreJump(s *site) error {
	if err := p.unJump(s); err != nil {
		return err
	}
	return p.writeRaw(s.addr, []byte{s.saved})
}

// downgradeJumpsAt turns a breakpoint jump whose replaced bytes cover addr
// (past the first) into an int3 site: a site is wanted there.
func (p *Process) downgradeJumpsAt(addr Addr) error {
	for a, s := range p.sites {
		if s.jump != nil && addr > a && addr < a+Addr(len(s.jump.orig)) {
			if err := p.unJump(s); err != nil {
				return err
			}
		}
	}
	return nil
}

// trampAt finds the breakpoint trampoline holding pc, and pc's offset in
// it: in the prefix, or in the relocated code of a site still in place.
func (p *Process) trampAt(pc Addr) (trampRef, Addr, bool) {
	for _, ref := range p.trampList {
		if pc >= ref.base && pc < ref.base+trampCopy {
			return ref, pc - ref.base, true
		}
	}
	if js := p.jumpSiteAt(pc); js != nil {
		if ref, ok := p.tramps[js.tramp+trampStop]; ok {
			return ref, pc - ref.base, true
		}
	}
	return trampRef{}, 0, false
}

// trampolineStop handles a stop of t at a trampoline's stop pc: the SIGURG
// it sent itself, or the fallback trap. The thread is rewound onto the site
// and the stop becomes the site's hit, or a plain resume when the site went.
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

// rewindTramp moves t, stopped in the prefix of trampoline ref before its
// registers were popped, back onto the site with the registers it had
// there: what the prefix pushed so far is taken back off the stack.
func (p *Process) rewindTramp(t *Thread, r *Regs, ref trampRef) error {
	off := Addr(r.Rip) - ref.base
	// Words pushed at each offset: pushfq at 5, then push rax, rcx, rdx,
	// rsi, rdi (1 byte each) and r11 (2 bytes) from 22.
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
		// process_vm_readv: one call, cheaper than a read of /proc/PID/mem.
		if err := p.readCode(Addr(r.Rsp), b[:8*pushed]); err != nil {
			return fmt.Errorf("rewind thread %d from its trampoline: %w", t.tid, err)
		}
	}
	// From rsp up: the last pushed first; rflags is the deepest.
	regs := []*uint64{&r.R11, &r.Rdi, &r.Rsi, &r.Rdx, &r.Rcx, &r.Rax, &r.Eflags}
	for i := 0; i < pushed; i++ {
		*regs[len(regs)-pushed+i] = binary.LittleEndian.Uint64(b[8*i:])
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

// inTrampPrefix tells whether pc is in a breakpoint trampoline's prefix:
// its system calls are godbg's, not the program's, and no sys() hook sees
// them.
func (p *Process) inTrampPrefix(pc Addr) bool {
	_, off, ok := p.trampAt(pc)
	return ok && off < trampCopy
}

// hasIndirectJump tells whether the function holding addr has a jmp through
// a register or memory: a jump table (a C switch, a Go switch) whose
// targets planJump cannot see might land inside the replaced bytes, and a
// breakpoint must never break the program; it stays an INT3 there.
func (p *Process) hasIndirectJump(addr Addr) bool {
	fn, ok := p.FuncAt(addr)
	if !ok || fn.Sym.Size == 0 || fn.Sym.Size > jumpMaxFunc {
		return true
	}
	code := make([]byte, fn.Sym.Size)
	if err := p.ReadOriginal(fn.Addr, code); err != nil {
		return true
	}
	for off := 0; off < len(code); {
		in, err := x86asm.Decode(code[off:], 64)
		if err != nil {
			off++
			continue
		}
		if in.Op == x86asm.JMP {
			if _, rel := in.Args[0].(x86asm.Rel); !rel {
				return true
			}
		}
		off += in.Len
	}
	return false
}

package engine

// Out-of-line execution of the instruction under a trap ("displaced
// stepping", as gdb calls it): each site gets a slot in a scratch area mapped
// into the tracee, holding a copy of the original instruction (RIP-relative
// operands relocated) and a jump back. On a hit the thread's rip is moved to
// the slot and the thread continues: one stop per hit, and the trap is never
// lifted, so no other thread can run past it. Relative calls and jumps are
// emulated by the engine instead (their effect is a register write and, for
// a call, one pushed return address). What cannot be relocated falls back to
// lifting the trap for one single-step with every other thread stopped.

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/godbg/godbg/engine/internal/oolstep"
	"github.com/godbg/godbg/engine/internal/ptrace"
	"golang.org/x/arch/x86/x86asm"
	"golang.org/x/sys/unix"
)

const (
	scratchSize = 64 << 10
	slotSize    = 64
	// scratchReserved is the top of the scratch area, kept out of the
	// slots: a `syscall` instruction for injectSyscall (its first slot),
	// then room for seccomp filters being installed (seccomp.go).
	scratchReserved = 16 << 10
	// reach is the distance a rel32 operand can span.
	reach = 1<<31 - 1
)

type scratchArea struct {
	base  Addr // 0: not mapped (yet)
	next  Addr
	tried bool
}

func (s *scratchArea) contains(pc Addr) bool {
	return s.base != 0 && pc >= s.base && pc < s.base+scratchSize
}

// syscallInsn is where the area's `syscall` instruction (0f 05) sits.
func (s *scratchArea) syscallInsn() Addr { return s.base + scratchSize - scratchReserved }

// dataArea is the reserved room after the `syscall` slot.
func (s *scratchArea) dataArea() (Addr, int) {
	return s.syscallInsn() + slotSize, scratchReserved - slotSize
}

type stepKind int

const (
	planNone      stepKind = iota // not made yet
	planDisplaced                 // run the copy in the slot
	planCall                      // emulate a call (push, jump)
	planJump                      // emulate a relative jump
	planSingle                    // lift the trap, single-step, others held
)

type stepPlan struct {
	kind   stepKind
	slot   Addr
	length int
	target Addr        // planCall with a relative target, planJump
	inst   x86asm.Inst // planCall through a register or memory
	dirty  bool
	// code is the instruction the plan was made from, checked at each hit
	// (codeChanged): the program may rewrite its own code.
	code [maxInstLen]byte
}

// ensureScratch maps the scratch area near the program's code (below its
// lowest address, so that brk(2) growth after the data is never blocked) by
// making the stopped thread t run mmap(2). No other thread may be running.
// Seccomp mode needs the area even without displaced stepping.
func (p *Process) ensureScratch(t *Thread) error {
	// The area also serves without displaced stepping: injected system
	// calls (software watchpoints, seccomp) run its `syscall` instruction.
	if p.scratch.base != 0 || p.scratch.tried {
		return nil
	}
	p.scratch.tried = true
	hint := uint64(p.lowAddr+p.bias) &^ 0xfff
	if hint > 2*scratchSize+0x100000 {
		hint -= 2 * scratchSize
	} else {
		hint = 0
	}
	addr, err := p.injectSyscall(t, unix.SYS_MMAP, hint, scratchSize,
		unix.PROT_READ|unix.PROT_EXEC, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, ^uint64(0), 0)
	if err != nil {
		return err
	}
	if int64(addr) < 0 && int64(addr) > -4096 {
		return fmt.Errorf("mmap in the tracee: %w", unix.Errno(-int64(addr)))
	}
	area := scratchArea{base: Addr(addr), next: Addr(addr)}
	if err := p.writeRaw(area.syscallInsn(), []byte{0x0f, 0x05}); err != nil {
		return fmt.Errorf("write the scratch area: %w", err)
	}
	p.scratch = area
	return nil
}

// unmapScratch unmaps the scratch area (Detach): the program keeps nothing
// of godbg's, where each attach used to leave 64 KiB of executable memory.
// Every thread must be stopped and none inside the area (leaveScratch). A
// stopped thread runs munmap(2) from the area's own `syscall` instruction:
// the single-step trap after it needs no fetch from the page gone, and
// injectSyscall then puts the thread's registers back. A thread inside a
// system call cannot run it (its registers are the call's), nor one held
// for its vfork child (the vfork would complete first and wait for the
// child), nor the child; with no other thread, the area stays.
func (p *Process) unmapScratch() error {
	if p.scratch.base == 0 {
		return nil
	}
	for _, t := range p.ownThreads() {
		if t.running || t.sys.InCall || t.sys.AtEntry || t.vforkOf != nil || p.vforkHeld(t) {
			continue
		}
		ret, err := p.injectSyscall(t, unix.SYS_MUNMAP, uint64(p.scratch.base), scratchSize)
		if err != nil {
			return fmt.Errorf("unmap the scratch area: %w", err)
		}
		if e := int64(ret); e < 0 && e > -4096 {
			return fmt.Errorf("unmap the scratch area: %w", unix.Errno(-e))
		}
		p.scratch = scratchArea{tried: true}
		return nil
	}
	return nil
}

// injectSyscall makes the stopped thread t execute one system call and
// returns its result, leaving t's registers and code as they were. Once the
// scratch area exists, t runs the area's `syscall` instruction and nothing
// is written over the program's code, so other threads may run meanwhile;
// before (the area's own mmap, at launch) the instruction briefly replaces
// the code at t's pc, and no other thread may be running.
//
// t must not be inside a system call (at a syscall entry or seccomp stop):
// the kernel would take the injected registers for that call's. A stop in
// a ptrace event inside a call (clone) is fine: its call returns first,
// with a single-step trap before the injected instruction, which is then
// stepped again.
func (p *Process) injectSyscall(t *Thread, nr uint64, args ...uint64) (uint64, error) {
	r, err := t.Regs()
	if err != nil {
		return 0, err
	}
	saved := *r
	at := p.scratch.syscallInsn()
	if p.scratch.base == 0 {
		at = Addr(r.Rip)
		var orig [2]byte
		if err := p.ReadMemory(at, orig[:]); err != nil {
			return 0, err
		}
		if err := p.writeRaw(at, []byte{0x0f, 0x05}); err != nil { // syscall
			return 0, err
		}
		defer p.writeRaw(at, orig[:])
	}
	ret, now, err := ptrace.InjectSyscall(t.tid, saved.PtraceRegs, uint64(at), nr, args, func() error { return p.singleStep(t) })
	if err != nil {
		return 0, err
	}
	t.regs = Regs{now}
	t.regsKernel = now
	t.regsValid = true
	return ret, nil
}

// singleStep runs one instruction of t and waits for it; a signal that
// arrives meanwhile is kept for delivery on the next resume.
func (p *Process) singleStep(t *Thread) error {
	for {
		if err := ptraceStep(t.tid, 0); err != nil {
			return fmt.Errorf("single-step thread %d: %w", t.tid, err)
		}
		t.regsValid = false
		ws, err := wait4(t.tid, false)
		if err != nil {
			return err
		}
		p.stops++
		if ws.status.Exited() || ws.status.Signaled() {
			p.deferred = append(p.deferred, ws)
			return fmt.Errorf("thread %d ended during a single-step", t.tid)
		}
		sig := ws.status.StopSignal()
		if stopStatsFile != "" && sig != unix.SIGTRAP {
			p.countStepStop(t, sig)
		}
		if sig == unix.SIGTRAP && ws.status.TrapCause() <= 0 {
			if p.watch.gen != 0 {
				// The stepped instruction may have hit a watchpoint too:
				// one trap then carries both (DR6's BS and Bn). The hit is
				// kept for the step's caller to report (resume, step.go).
				fired, err := p.takeWatchTrap(t)
				if err != nil {
					return err
				}
				t.watchFired |= fired
			}
			return nil
		}
		if sig == unix.SIGSTOP && (t.stopWanted || t.newborn || p.tickWoken(t)) ||
			ptrace.IsStopRequest(ws.status) && (t.stopWanted || t.newborn) {
			t.stopWanted, t.newborn = false, false
			continue
		}
		if ws.status.TrapCause() == unix.PTRACE_EVENT_SECCOMP {
			// A filtered call run by the step (an injected one, a stepped
			// syscall instruction): the step resumes it, unreported, as a
			// single-stepped call is in PTRACE_SYSCALL mode.
			continue
		}
		if ws.status.TrapCause() == unix.PTRACE_EVENT_VFORK {
			// The step must complete the vfork call, which waits for the
			// child: it is let go untraced (fork_linux.go).
			if msg, err := ptraceEventMsg(t.tid); err == nil {
				p.releaseVforkUntraced(int(msg))
			}
			continue
		}
		if ws.status.TrapCause() > 0 {
			// a ptrace event (clone, exec) during the step: hand it to the
			// loop later; the step itself is still to complete.
			p.deferred = append(p.deferred, ws)
			continue
		}
		if sig == unix.SIGSEGV && p.watch.soft.active() {
			if p.watch.soft.stepping {
				// softStep's own step met a protected page: its business.
				t.pendingSig = sig
				return nil
			}
			// The stepped instruction touched a page a software watchpoint
			// protects: softFault runs it; its hits wait, as a hardware
			// watchpoint's do, in watchFired.
			fired, ours, err := p.softFault(t)
			if err != nil {
				return err
			}
			if t.running {
				return fmt.Errorf("thread %d ended during a single-step", t.tid)
			}
			if ours {
				t.watchFired |= fired
				return nil
			}
		}
		if faultSignal(sig) {
			if si, err := ptraceSigInfo(t.tid); err == nil && si.Code > 0 {
				// The stepped instruction faulted and did not run: the
				// step is over, the fault goes to the program on the
				// next resume with its siginfo (a second step would
				// only fault again).
				if t.pendingSig != 0 {
					t.heldSigs = append(t.heldSigs, heldSig{sig: t.pendingSig})
				}
				t.pendingSig, t.pendingInfo = sig, si
				return errStepFault
			}
		}
		t.keepSignal(sig)
	}
}

// errStepFault: the instruction a single-step was to run faulted instead;
// t.pendingSig holds the fault, and the thread's pc is the instruction's.
var errStepFault = errors.New("the stepped instruction faulted")

// faultAtOriginal puts t, stopped by a fault of an instruction copied out
// of line, on the original instruction: the fault is reported there, whose
// state it is (a fault leaves no effect).
func (p *Process) faultAtOriginal(t *Thread) error {
	r, err := t.Regs()
	if err != nil {
		return err
	}
	r.Rip = uint64(p.RealPC(Addr(r.Rip)))
	t.regsDirty = true
	return nil
}

// faultSignal tells the signals an instruction raises itself.
func faultSignal(sig unix.Signal) bool {
	return sig == unix.SIGSEGV || sig == unix.SIGBUS || sig == unix.SIGFPE || sig == unix.SIGILL
}

// RealPC maps a pc inside the scratch area back to its breakpoint site,
// and one inside a jump site's trampoline back to the site (jumpsite.go).
func (p *Process) RealPC(pc Addr) Addr {
	if !p.scratch.contains(pc) {
		if js := p.jumpSiteAt(pc); js != nil {
			return js.realPC(pc)
		}
		return pc
	}
	slot := pc &^ (slotSize - 1)
	for _, s := range p.sites {
		if s.plan.kind == planDisplaced && s.plan.slot == slot {
			if off := pc - slot; int(off) < s.plan.length {
				return s.addr + off
			}
			return s.addr
		}
	}
	return pc
}

// makePlan decides how s's saved instruction is run.
func (p *Process) makePlan(t *Thread, s *site) error {
	if s.jump != nil {
		// The trampoline's copy of the replaced instructions.
		s.plan = stepPlan{kind: planDisplaced, slot: s.jump.body, length: len(s.jump.orig)}
		return nil
	}
	var code [maxInstLen]byte
	if err := p.ReadOriginal(s.addr, code[:]); err != nil {
		// The instruction may end near the end of a mapping: read less.
		if err := p.ReadOriginal(s.addr, code[:1]); err != nil {
			return err
		}
	}
	inst, err := x86asm.Decode(code[:], 64)
	if err != nil {
		s.plan = stepPlan{kind: planSingle}
		return nil
	}
	pl := stepPlan{length: inst.Len, inst: inst}
	copy(pl.code[:], code[:inst.Len])
	next := s.addr + Addr(inst.Len)
	rel, isRel := inst.Args[0].(x86asm.Rel)
	switch {
	case inst.Op == x86asm.CALL && isRel:
		pl.kind, pl.target = planCall, next+Addr(int64(rel))
	case inst.Op == x86asm.CALL:
		pl.kind = planCall
	case inst.Op == x86asm.JMP && isRel:
		pl.kind, pl.target = planJump, next+Addr(int64(rel))
	case isRel && oolstep.IsJcc(inst.Op):
		pl.kind = planDisplaced
	case isRel || inst.Op == x86asm.LOOP || inst.Op == x86asm.LOOPE || inst.Op == x86asm.LOOPNE:
		pl.kind = planSingle
	default:
		pl.kind = planDisplaced
	}
	if pl.kind == planDisplaced {
		if p.noDisplaced {
			pl.kind = planSingle
		} else if p.scratch.base == 0 {
			pl.kind = planSingle
		} else if !p.fillSlot(s, &pl, code[:inst.Len], inst) {
			pl.kind = planSingle
		}
	}
	s.plan = pl
	return nil
}

// fillSlot writes the relocated copy of inst and the jump back into a slot
// (oolstep does the relocation).
func (p *Process) fillSlot(s *site, pl *stepPlan, code []byte, inst x86asm.Inst) bool {
	slot := s.plan.slot
	if slot == 0 {
		if p.scratch.next+slotSize > p.scratch.syscallInsn() {
			return false
		}
		slot = p.scratch.next
		p.scratch.next += slotSize
	}
	a := &oolstep.Asm{Base: uint64(slot)}
	in := oolstep.Inst{Addr: uint64(s.addr), Code: code, Inst: inst}
	if err := a.RelocateRun(oolstep.Run{Insts: []oolstep.Inst{in}, Len: inst.Len}); err != nil {
		return false
	}
	if len(a.B) > slotSize {
		return false
	}
	if err := p.writeRaw(slot, a.B); err != nil {
		return false
	}
	pl.slot = slot
	return true
}

// stepOver executes the saved instruction of the site t is stopped at and
// resumes t (cont) or leaves it stopped after the instruction (!cont).
func (p *Process) stepOver(t *Thread, s *site, cont bool) error {
	if s.plan.kind != planNone && s.plan.kind != planSingle && s.jump == nil {
		changed, err := p.codeChanged(t, s)
		if err != nil {
			return err
		}
		if changed {
			// A new slot: another thread may still be running the old one.
			s.plan = stepPlan{}
		}
	}
	if s.plan.kind == planNone {
		if err := p.makePlan(t, s); err != nil {
			return err
		}
	}
	r, err := t.Regs()
	if err != nil {
		return err
	}
	next := s.addr + Addr(s.plan.length)
	switch s.plan.kind {
	case planCall:
		target := s.plan.target
		if target == 0 {
			tg, err := p.indirectTarget(r, s.plan.inst, next)
			if err != nil {
				return p.stepSingle(t, s, cont)
			}
			target = tg
		}
		var b [8]byte
		putLE64(b[:], uint64(next))
		if err := p.writeRaw(Addr(r.Rsp-8), b[:]); err != nil {
			return err
		}
		r.Rsp -= 8
		r.Rip = uint64(target)
		t.regsDirty = true
	case planJump:
		r.Rip = uint64(s.plan.target)
		t.regsDirty = true
	case planDisplaced:
		r.Rip = uint64(s.plan.slot)
		t.regsDirty = true
		if !cont {
			if err := t.flushRegs(); err != nil {
				return err
			}
			for p.inOOL(Addr(r.Rip)) {
				if err := p.singleStep(t); errors.Is(err, errStepFault) {
					return p.faultAtOriginal(t)
				} else if err != nil {
					return err
				}
				if r, err = t.Regs(); err != nil {
					return err
				}
			}
			return nil
		}
	default:
		return p.stepSingle(t, s, cont)
	}
	if !cont {
		return nil
	}
	return p.resumeRaw(t)
}

// codeChanged tells whether the program rewrote the instruction under s
// since its plan was made (self-modifying code, a JIT): the copy run out of
// line, or the emulated call or jump, must be the instruction in memory now,
// as the CPU would run it. Its first byte is the trap the thread just hit;
// the rest is read, one system call a hit: PTRACE_PEEKDATA for up to 8
// bytes (the common case, half the cost of a process_vm_readv here, see
// BenchmarkCodeCheck), readCode for longer instructions or when the word
// would reach an unmapped page. (The single-step plan runs the instruction
// in place and needs no check.)
func (p *Process) codeChanged(t *Thread, s *site) (bool, error) {
	n := s.plan.length - 1
	if n <= 0 {
		return false, nil
	}
	var buf [maxInstLen]byte
	if n > 8 || ptracePeekWord(t.tid, s.addr+1, &buf) != nil {
		if err := p.readCode(s.addr+1, buf[:n]); err != nil {
			return false, err
		}
	}
	return !bytes.Equal(buf[:n], s.plan.code[1:1+n]), nil
}

// stepSingle lifts the trap for one single-step of t with every other
// thread stopped, then puts it back.
func (p *Process) stepSingle(t *Thread, s *site, cont bool) error {
	if err := p.stopAll(t); err != nil {
		return err
	}
	if err := p.writeRaw(s.addr, []byte{s.saved}); err != nil {
		return err
	}
	if err := t.flushRegs(); err != nil {
		return err
	}
	serr := p.singleStep(t)
	if errors.Is(serr, errStepFault) {
		// At the site still: the fault comes back as a stop of its own
		// there, reported with its siginfo, then delivered.
		t.heldSigs = append(t.heldSigs, heldSig{t.pendingSig, t.pendingInfo})
		t.pendingSig, t.pendingInfo, serr = 0, nil, nil
	}
	if err := p.writeRaw(s.addr, []byte{int3}); err != nil && serr == nil {
		serr = err
	}
	if serr != nil {
		return serr
	}
	if !cont {
		return nil
	}
	return p.resumeAll()
}

// indirectTarget computes where `call reg` or `call [mem]` goes.
func (p *Process) indirectTarget(r *Regs, inst x86asm.Inst, next Addr) (Addr, error) {
	switch a := inst.Args[0].(type) {
	case x86asm.Reg:
		v, ok := reg64(r, a)
		if !ok {
			return 0, fmt.Errorf("unsupported register %v", a)
		}
		return Addr(v), nil
	case x86asm.Mem:
		var ea uint64
		if a.Base == x86asm.RIP {
			ea = uint64(next)
		} else if a.Base != 0 {
			v, ok := reg64(r, a.Base)
			if !ok {
				return 0, fmt.Errorf("unsupported base %v", a.Base)
			}
			ea = v
		}
		if a.Index != 0 {
			v, ok := reg64(r, a.Index)
			if !ok {
				return 0, fmt.Errorf("unsupported index %v", a.Index)
			}
			ea += v * uint64(a.Scale)
		}
		ea += uint64(a.Disp)
		switch a.Segment {
		case 0:
		case x86asm.FS:
			ea += r.Fs_base
		case x86asm.GS:
			ea += r.Gs_base
		default:
			return 0, fmt.Errorf("unsupported segment %v", a.Segment)
		}
		v, err := p.readU64(Addr(ea))
		return Addr(v), err
	}
	return 0, fmt.Errorf("unsupported call operand %v", inst.Args[0])
}

func reg64(r *Regs, reg x86asm.Reg) (uint64, bool) {
	if reg >= x86asm.RAX && reg <= x86asm.R15 {
		names := [...]string{"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
			"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"}
		return r.Get(names[reg-x86asm.RAX])
	}
	return 0, false
}

package engine

// Jump sites: the instructions covering 5 bytes at an address are replaced
// with a `jmp rel32` into a trampoline in the tracee, which runs the code of
// the site's owner (a probe's counter and record, ...), then the replaced
// instructions relocated (oolstep) and a jump back. No trap, no stop.
//
// Planning refuses, with a reason (*JumpRefused), what a jump cannot
// replace safely: an address outside a known function, a function too
// short, a direct branch of the function into the replaced bytes (past
// their first), a call before the last replaced instruction, an instruction
// that cannot be relocated, a breakpoint or another jump inside the bytes,
// no room within +-2 GiB. Installing stops every thread, steps out each one
// whose pc is inside the replaced bytes (past the first), and refuses when a
// stack or a goroutine holds an address inside them (jumpguard.go). Trampolines live in jump areas, mapped near the code
// they serve (a gap of the process's mappings within reach) and never
// reused while the process lives: a thread still inside a removed site's
// trampoline runs on into the restored code. A signal stopping a thread
// inside a trampoline is delivered after the thread leaves it (leaveScratch),
// and RealPC maps trampoline pcs back to the site, as for out-of-line steps.

import (
	"errors"
	"fmt"
	"os"
	"unsafe"

	"github.com/godbg/godbg/engine/internal/oolstep"
	"github.com/godbg/godbg/engine/internal/ptrace"
	"golang.org/x/arch/x86/x86asm"
	"golang.org/x/sys/unix"
)

const (
	jumpAreaCode = 256 << 10 // trampolines (read, execute)
	jumpAreaData = 2 << 20   // counters, the record ring (read, write; shared)
	jumpAreaSize = jumpAreaCode + jumpAreaData
	// jumpMaxFunc bounds the function code decoded for branches into a site.
	jumpMaxFunc = 4 << 20
)

// JumpRefused says why no jump can replace the code at an address; the
// caller falls back to a trap.
type JumpRefused struct {
	Addr   Addr
	Reason string
}

func (e *JumpRefused) Error() string {
	return fmt.Sprintf("no jump at %#x: %s", uint64(e.Addr), e.Reason)
}

// jumpArea is memory near some code for trampolines and their data.
type jumpArea struct {
	base               Addr
	codeNext, dataNext Addr
	local              []byte // the data part, mapped in godbg too
}

// word is the 64-bit word of the data part at a (8-aligned), as godbg
// sees it; the tracee's locked instructions and godbg's atomics agree.
func (a *jumpArea) word(at Addr) *uint64 {
	return (*uint64)(unsafe.Pointer(&a.local[at-a.base-jumpAreaCode]))
}

func (a *jumpArea) contains(pc Addr) bool { return pc >= a.base && pc < a.base+jumpAreaSize }

// reaches tells whether rel32 operands from anywhere in the area reach
// addr, and back.
func (a *jumpArea) reaches(addr Addr) bool {
	return within(a.base, addr) && within(a.base+jumpAreaSize, addr)
}

func within(x, y Addr) bool {
	d := int64(x) - int64(y)
	return d > -reach+0x10000 && d < reach-0x10000
}

// allocData reserves n bytes (8-aligned) of the area's data part.
func (a *jumpArea) allocData(n int) (Addr, bool) {
	at := (a.dataNext + 7) &^ 7
	if at+Addr(n) > a.base+jumpAreaSize {
		return 0, false
	}
	a.dataNext = at + Addr(n)
	return at, true
}

type jumpState struct {
	areas []*jumpArea
	sites map[Addr]*jumpSite
}

// jumpPlan is a planned jump site.
type jumpPlan struct {
	addr Addr
	run  oolstep.Run
	area *jumpArea
	// FlagsDead: the arithmetic flags are written before being read from
	// addr on (or addr is a function's entry): a trampoline may clobber
	// them without saving them.
	flagsDead bool
	entry     bool // addr is its function's first byte
}

// jumpSite is an installed jump.
type jumpSite struct {
	addr  Addr
	orig  []byte // the replaced bytes
	area  *jumpArea
	tramp Addr // trampoline entry
	size  int
	body  Addr   // the relocated instructions
	insts []Addr // original address of each relocated instruction
	offs  []Addr // its address in the trampoline
	// trap handles a SIGTRAP of an int3 the owner put in its trampoline
	// (at: the int3's address).
	trap func(t *Thread, at Addr) (*Event, error)
	// traps are those int3s; unstick is called when a thread must be
	// stepped out of the trampoline from one (a signal to deliver, a
	// detach): whatever the int3 waits for is to be done without a stop.
	traps   []Addr
	unstick func(t *Thread) error
	// pidAt is where the trampoline holds the pid it records (a probe's,
	// 0: none); a fork child's copy gets the child's (inheritProbes).
	pidAt Addr
	// tidAt is a recording trampoline's load of the tid from glibc's
	// struct pthread, tidSlow its gettid replacement (probe.go).
	tidAt, tidSlow Addr
}

func (js *jumpSite) isTrap(pc Addr) bool {
	for _, a := range js.traps {
		if a == pc {
			return true
		}
	}
	return false
}

func (js *jumpSite) contains(pc Addr) bool { return pc >= js.tramp && pc < js.tramp+Addr(js.size) }

// realPC maps a pc inside the trampoline back: a relocated instruction's
// start to its original address, anything else to the site.
func (js *jumpSite) realPC(pc Addr) Addr {
	for i, o := range js.offs {
		if pc == o {
			return js.insts[i]
		}
	}
	return js.addr
}

// inOOL tells whether pc is in godbg's code in the tracee: the scratch
// area or a jump area.
func (p *Process) inOOL(pc Addr) bool {
	if p.scratch.contains(pc) {
		return true
	}
	return p.jumpAreaAt(pc) != nil
}

func (p *Process) jumpAreaAt(pc Addr) *jumpArea {
	for _, a := range p.jumps.areas {
		if a.contains(pc) {
			return a
		}
	}
	return nil
}

// jumpSiteAt finds the trampoline holding pc.
func (p *Process) jumpSiteAt(pc Addr) *jumpSite {
	if p.jumpAreaAt(pc) == nil {
		return nil
	}
	for _, js := range p.jumps.sites {
		if js.contains(pc) {
			return js
		}
	}
	return nil
}

// planJump decides whether a jump can replace the code at addr, and maps a
// jump area within reach if needed. Every thread may run except the one
// injecting (p.current, stopped).
func (p *Process) planJump(addr Addr) (*jumpPlan, error) {
	refuse := func(f string, a ...any) error { return &JumpRefused{Addr: addr, Reason: fmt.Sprintf(f, a...)} }
	if p.exited {
		return nil, ErrExited
	}
	if js := p.jumps.sites[addr]; js != nil {
		return nil, refuse("another jump is there")
	}
	for _, js := range p.jumps.sites {
		if addr > js.addr && addr < js.addr+Addr(len(js.orig)) {
			return nil, refuse("inside the jump at %#x", uint64(js.addr))
		}
	}
	fn, ok := p.FuncAt(addr)
	if !ok || fn.Sym.Size == 0 {
		return nil, refuse("no function with a size contains it")
	}
	start, end := fn.Addr, fn.Addr+Addr(fn.Sym.Size)
	if end-addr < oolstep.JmpLen {
		return nil, refuse("the function %s ends %d bytes after it (a jump takes 5)", fn.Sym.Name, end-addr)
	}
	if fn.Sym.Size > jumpMaxFunc {
		return nil, refuse("the function %s is too large to check for branches", fn.Sym.Name)
	}
	code := make([]byte, end-start)
	if err := p.ReadOriginal(start, code); err != nil {
		return nil, refuse("read the function %s: %v", fn.Sym.Name, err)
	}
	run, err := oolstep.DecodeRun(code[addr-start:], uint64(addr), oolstep.JmpLen)
	if err != nil {
		return nil, refuse("%v", reasonOf(err))
	}
	if Addr(run.Len) > end-addr {
		return nil, refuse("the replaced instructions pass the end of %s", fn.Sym.Name)
	}
	if at, ok := callInside(run); ok {
		return nil, refuse("the call at %#x is not the last replaced instruction (a return from it would land inside the jump)", at)
	}
	last := addr + Addr(run.Len)
	for a := addr + 1; a < last; a++ {
		if s := p.sites[a]; s != nil && s.inserted {
			return nil, refuse("a breakpoint at %#x is inside the replaced bytes", uint64(a))
		}
	}
	// Direct branches of the function into the replaced bytes (past the
	// first): a linear sweep; undecodable bytes (data, padding) are skipped.
	for off := 0; off < len(code); {
		in, err := oolstep.Decode(code[off:], uint64(start)+uint64(off))
		if err != nil {
			off++
			continue
		}
		if tg, ok := in.RelTarget(); ok && Addr(tg) > addr && Addr(tg) < last {
			return nil, refuse("the branch at %#x jumps into the replaced bytes (to %#x)", in.Addr, tg)
		}
		off += in.Len
	}
	area, err := p.jumpAreaFor(addr)
	if err != nil {
		return nil, err
	}
	// A trial relocation, to refuse what cannot move before anything is
	// written.
	trial := &oolstep.Asm{Base: uint64(area.codeNext) + 256}
	if err := trial.RelocateRun(run); err != nil {
		return nil, refuse("%v", reasonOf(err))
	}
	pl := &jumpPlan{addr: addr, run: run, area: area, entry: addr == start}
	pl.flagsDead = pl.entry || flagsDeadAt(code[addr-start:])
	return pl, nil
}

func reasonOf(err error) string {
	var oe *oolstep.Error
	if errors.As(err, &oe) {
		return fmt.Sprintf("the instruction at %#x: %s", oe.At, oe.Reason)
	}
	return err.Error()
}

// flagsDeadAt tells whether the code from its start writes every status
// flag before reading any, through straight-line code (up to 16
// instructions). A call or a return ends it too: no ABI keeps flags across.
func flagsDeadAt(code []byte) bool {
	for i, off := 0, 0; i < 16 && off < len(code); i++ {
		in, err := x86asm.Decode(code[off:], 64)
		if err != nil {
			return false
		}
		switch in.Op {
		case x86asm.ADD, x86asm.SUB, x86asm.CMP, x86asm.TEST, x86asm.AND, x86asm.OR, x86asm.XOR, x86asm.NEG:
			return true
		case x86asm.CALL, x86asm.RET:
			return true
		case x86asm.MOV, x86asm.MOVZX, x86asm.MOVSX, x86asm.MOVSXD, x86asm.LEA, x86asm.PUSH, x86asm.POP,
			x86asm.NOP, x86asm.MOVSS, x86asm.MOVSD_XMM, x86asm.MOVAPS, x86asm.MOVUPS, x86asm.MOVQ, x86asm.MOVD:
		default:
			return false // reads flags, branches, or unknown: keep them
		}
		off += in.Len
	}
	return false
}

// jumpAreaFor returns a jump area whose rel32 operands reach addr, mapping
// one in the nearest free gap of the address space if none does.
func (p *Process) jumpAreaFor(addr Addr) (*jumpArea, error) {
	for _, a := range p.jumps.areas {
		if a.reaches(addr) && a.codeNext+1024 <= a.base+jumpAreaCode {
			return a, nil
		}
	}
	t := p.injector()
	if t == nil {
		return nil, &JumpRefused{Addr: addr, Reason: "no stopped thread can map a trampoline area"}
	}
	restart, err := p.holdOthers(t)
	if err != nil {
		return nil, err
	}
	defer restart()
	maps, err := ptrace.ReadMaps(p.pid)
	if err != nil {
		return nil, err
	}
	// The gap nearest to addr with room, below the code first (brk and
	// the heap grow upwards, away from it).
	best := Addr(0)
	bestD := int64(-1)
	prevHi := Addr(0x10000)
	consider := func(lo, hi Addr) {
		if hi < lo || hi-lo < jumpAreaSize+2*0x10000 {
			return
		}
		for _, at := range []Addr{hi - 0x10000 - jumpAreaSize, lo + 0x10000} {
			at &^= 0xfff
			a := jumpArea{base: at}
			if !a.reaches(addr) {
				continue
			}
			d := int64(addr) - int64(at)
			if d < 0 {
				d = -d
			}
			if bestD < 0 || d < bestD {
				best, bestD = at, d
			}
		}
	}
	for _, m := range maps {
		consider(prevHi, Addr(m.Lo))
		prevHi = Addr(m.Hi)
	}
	if best == 0 {
		return nil, &JumpRefused{Addr: addr, Reason: "no free memory within +-2 GiB for a trampoline"}
	}
	a, err := p.mapJumpArea(t, best)
	if err != nil {
		return nil, &JumpRefused{Addr: addr, Reason: err.Error()}
	}
	p.jumps.areas = append(p.jumps.areas, a)
	return a, nil
}

// mapJumpArea maps an area at exactly at: the code part anonymous and
// executable, the data part a memfd mapped shared by the tracee and godbg,
// so that godbg reads counters and records as plain memory, even after the
// process is gone. t runs the system calls, no other thread running.
func (p *Process) mapJumpArea(t *Thread, at Addr) (*jumpArea, error) {
	if err := p.ensureScratch(t); err != nil || p.scratch.base == 0 {
		return nil, fmt.Errorf("no scratch area for the system calls (%v)", err)
	}
	call := func(what string, nr uint64, args ...uint64) (uint64, error) {
		r, err := p.injectSyscall(t, nr, args...)
		if err == nil && int64(r) < 0 && int64(r) > -4096 {
			err = unix.Errno(-int64(r))
		}
		if err != nil {
			return 0, fmt.Errorf("%s in the tracee: %w", what, err)
		}
		return r, nil
	}
	got, err := call("mmap", unix.SYS_MMAP, uint64(at), jumpAreaCode,
		unix.PROT_READ|unix.PROT_EXEC, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED_NOREPLACE, ^uint64(0), 0)
	if err != nil {
		return nil, err
	}
	if Addr(got) != at {
		call("munmap", unix.SYS_MUNMAP, got, jumpAreaCode)
		return nil, fmt.Errorf("the trampoline area was not mapped where asked")
	}
	fail := func(err error) (*jumpArea, error) {
		call("munmap", unix.SYS_MUNMAP, uint64(at), jumpAreaSize)
		return nil, err
	}
	name := p.scratch.syscallInsn() + 48
	if err := p.writeRaw(name, append([]byte("godbg-jumps"), 0)); err != nil {
		return fail(err)
	}
	fd, err := call("memfd_create", unix.SYS_MEMFD_CREATE, uint64(name), unix.MFD_CLOEXEC)
	if err != nil {
		return fail(err)
	}
	defer call("close", unix.SYS_CLOSE, fd)
	if _, err := call("ftruncate", unix.SYS_FTRUNCATE, fd, jumpAreaData); err != nil {
		return fail(err)
	}
	f, err := os.OpenFile(fmt.Sprintf("/proc/%d/fd/%d", p.pid, fd), os.O_RDWR, 0)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	local, err := unix.Mmap(int(f.Fd()), 0, jumpAreaData, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return fail(fmt.Errorf("mmap the shared data: %w", err))
	}
	got, err = call("mmap", unix.SYS_MMAP, uint64(at+jumpAreaCode), jumpAreaData,
		unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_FIXED_NOREPLACE, fd, 0)
	if err == nil && Addr(got) != at+jumpAreaCode {
		err = fmt.Errorf("the trampoline data was not mapped where asked")
	}
	if err != nil {
		unix.Munmap(local)
		return fail(err)
	}
	return &jumpArea{base: at, codeNext: at, dataNext: at + jumpAreaCode, local: local}, nil
}

// injector is a stopped thread that can run an injected system call:
// the current one when it can, else another.
func (p *Process) injector() *Thread {
	return p.pickThread(func(t *Thread) bool {
		return !t.sys.InCall && !t.sys.AtEntry && t.vforkOf == nil && !p.vforkHeld(t)
	})
}

// installJump writes the trampoline (emit appends the owner's code to a,
// placed at the trampoline's entry; then the relocated instructions and the
// jump back follow) and the jump, with every thread stopped and none inside
// the replaced bytes.
func (p *Process) installJump(pl *jumpPlan, emit func(a *oolstep.Asm) error) (*jumpSite, error) {
	area := pl.area
	a := &oolstep.Asm{Base: uint64((area.codeNext + 15) &^ 15)}
	if err := emit(a); err != nil {
		return nil, err
	}
	js := &jumpSite{addr: pl.addr, area: area, tramp: Addr(a.Base), body: Addr(a.PC())}
	for _, in := range pl.run.Insts {
		js.insts = append(js.insts, Addr(in.Addr))
		js.offs = append(js.offs, Addr(a.PC()))
		if err := a.Relocated(in); err != nil {
			return nil, &JumpRefused{Addr: pl.addr, Reason: reasonOf(err)}
		}
	}
	a.Jmp(pl.run.Insts[len(pl.run.Insts)-1].Next())
	js.size = len(a.B)
	if Addr(a.PC()) > area.base+jumpAreaCode {
		return nil, &JumpRefused{Addr: pl.addr, Reason: "the trampoline area is full"}
	}
	orig := make([]byte, pl.run.Len)
	if err := p.ReadOriginal(pl.addr, orig); err != nil {
		return nil, err
	}
	js.orig = orig
	jmp := &oolstep.Asm{Base: uint64(pl.addr)}
	jmp.Jmp(uint64(js.tramp))
	if len(jmp.B) != oolstep.JmpLen {
		return nil, &JumpRefused{Addr: pl.addr, Reason: "the trampoline is out of reach"}
	}
	for len(jmp.B) < len(orig) {
		jmp.Bytes(int3) // never run: no branch lands there
	}
	restart, err := p.holdOthers(p.current)
	if err != nil {
		return nil, err
	}
	if err := p.stepOutOf(pl.addr+1, pl.addr+Addr(len(orig))); err != nil {
		restart()
		return nil, err
	}
	if where, err := p.resumeInside(pl.addr+1, pl.addr+Addr(len(orig))); err != nil || where != "" {
		restart()
		if err != nil {
			where = err.Error()
		}
		return nil, &JumpRefused{Addr: pl.addr, Reason: ReasonResumeInside + " (" + where + ")"}
	}
	if err := p.writeRaw(js.tramp, a.B); err != nil {
		restart()
		return nil, err
	}
	area.codeNext = Addr(a.PC())
	// A trap already at addr keeps its place: it is the jump's first byte
	// now, and its step-over runs the jump.
	if s := p.sites[pl.addr]; s != nil && s.inserted {
		s.saved = jmp.B[0]
		s.plan = stepPlan{}
		err = p.writeRaw(pl.addr+1, jmp.B[1:])
	} else {
		err = p.writeRaw(pl.addr, jmp.B)
	}
	if err != nil {
		restart()
		return nil, err
	}
	if p.jumps.sites == nil {
		p.jumps.sites = map[Addr]*jumpSite{}
	}
	p.jumps.sites[pl.addr] = js
	return js, restart()
}

// stepOutOf single-steps each stopped thread whose pc is in [lo, hi) until
// it leaves. A thread blocked in a system call there cannot be stepped.
func (p *Process) stepOutOf(lo, hi Addr) error {
	for _, t := range p.ownThreads() {
		if t.running {
			continue
		}
		for i := 0; ; i++ {
			r, err := t.Regs()
			if err != nil {
				return err
			}
			if pc := Addr(r.Rip); pc < lo || pc >= hi {
				break
			}
			if t.sys.InCall || t.sys.AtEntry || i == 16 {
				return &JumpRefused{Addr: lo - 1, Reason: fmt.Sprintf("thread %d cannot leave the replaced bytes", t.tid)}
			}
			if err := t.flushRegs(); err != nil {
				return err
			}
			if err := p.singleStep(t); err != nil {
				return err
			}
		}
	}
	return nil
}

// removeJump puts the replaced bytes back. The trampoline stays mapped and
// unused: a thread inside it runs on into the restored code.
func (p *Process) removeJump(js *jumpSite) error {
	if p.jumps.sites[js.addr] != js {
		return nil
	}
	delete(p.jumps.sites, js.addr)
	if p.exited {
		return nil
	}
	if s := p.sites[js.addr]; s != nil && s.inserted {
		s.saved = js.orig[0]
		s.plan = stepPlan{}
		return p.writeRaw(js.addr+1, js.orig[1:])
	}
	return p.writeRaw(js.addr, js.orig)
}

// removeAllJumps restores every jump site (detach).
func (p *Process) removeAllJumps() error {
	var first error
	for _, js := range p.jumps.sites {
		if err := p.removeJump(js); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// unmapJumpAreas unmaps the trampoline areas (detach), every thread
// stopped and out of them. A thread may still return into one without
// being in it: a signal delivered in a trampoline (Go's preemption SIGURG
// is, killsafe.go) saved its pc there, in the signal frame of a handler
// that has not returned yet. So an area is unmapped only when no stack
// holds a word inside its code (resumeInside, the jump guard's
// conservative scan); otherwise it stays, with its trampolines whole, and
// kept says so: the liveness word their prefixes read must stay too
// (saying dead, a thread runs the relocated code and leaves).
func (p *Process) unmapJumpAreas() (kept bool, err error) {
	if len(p.jumps.areas) == 0 {
		return false, nil
	}
	t := p.injector()
	if t == nil {
		return true, nil
	}
	for _, a := range p.jumps.areas {
		if where, err := p.resumeInside(a.base, a.base+jumpAreaCode); where != "" || err != nil {
			kept = true
			continue
		}
		if _, err := p.injectSyscall(t, unix.SYS_MUNMAP, uint64(a.base), jumpAreaSize); err != nil {
			return kept, fmt.Errorf("unmap a trampoline area: %w", err)
		}
	}
	// godbg's own view of the data stays: counters remain readable.
	p.jumps.areas = nil
	return kept, nil
}

package engine

// Software watchpoints, for when the CPU's debug registers cannot serve:
// some virtual machines accept DR0-DR7 and never raise the trap (gdb's
// hardware watchpoints see nothing there either), and there are only four.
//
// The page holding the watched bytes is protected in the tracee (mprotect(2)
// through injectSyscall): read-only for "w", no access for "rw". An access
// to it faults; the SIGSEGV (si_code SEGV_ACCERR, si_addr on the page) stops
// the thread under ptrace before any handler of the program sees it. godbg
// then holds every other thread, gives the page its own protection back,
// single-steps the faulting instruction, protects the page again and lets
// the others go: the access ran once, unseen by nobody, and nothing else
// touched the page meanwhile. The access is a hit when the bytes it touched
// (si_addr, for the instruction's memory operand width) overlap a watched
// range; accesses to the page's other bytes are false alarms, stepped and
// forgotten. The fault is never delivered: the program sees nothing.
//
// A write by the kernel inside a system call (read(2) into the watched
// page) does not fault: it fails with EFAULT. While software watchpoints
// exist every thread runs with system call stops (PTRACE_SYSCALL), and a
// call that returns EFAULT is made again with the pages open; what it
// changed in a watched range is a hit at the instruction after the
// `syscall` (softSyscallExit). While it runs, the other threads run too:
// their accesses to the open pages are seen only as a change of value at
// the call's end.
//
// Which kind a watchpoint gets: hardware while the debug registers are
// known to fire (probed once per process: hwWatchProbe) and a slot is free,
// else software. The caller may ask for either.

import (
	"errors"
	"fmt"

	"golang.org/x/arch/x86/x86asm"
	"golang.org/x/sys/unix"

	"github.com/godbg/godbg/engine/internal/hwdebug"
	"github.com/godbg/godbg/engine/internal/ptrace"
	"github.com/godbg/godbg/engine/syscalls"
)

const (
	pageSize = 4096
	// maxSoftWatch is how many software watchpoints may exist at once:
	// their bits follow DR0-DR3's in the 64-bit masks of fired watchpoints.
	maxSoftWatch = 60
	// segvAccErr is SIGSEGV's si_code for an access the page's protection
	// refuses (SEGV_ACCERR, siginfo.h).
	segvAccErr = 2
)

// WatchKind says how a watchpoint is implemented.
type WatchKind int

const (
	WatchAuto     WatchKind = iota // hardware where it works and a slot is free, else software
	WatchHardware                  // the CPU's debug registers
	WatchSoftware                  // page protection
)

func (k WatchKind) String() string {
	switch k {
	case WatchHardware:
		return "hardware"
	case WatchSoftware:
		return "software"
	}
	return "auto"
}

// ParseWatchKind reads "hardware", "software" or "auto".
func ParseWatchKind(s string) (WatchKind, error) {
	switch s {
	case "", "auto":
		return WatchAuto, nil
	case "hardware":
		return WatchHardware, nil
	case "software":
		return WatchSoftware, nil
	}
	return 0, fmt.Errorf("watch kind %q: want \"hardware\", \"software\" or \"auto\"", s)
}

// softPage is a page protected for software watchpoints.
type softPage struct {
	prot int // the page's own protection, given back at the end
	cur  int // what the watchpoints want it to have
	open int // retried system calls that need it open now (cur not applied)
}

// softState is the software side of watchState.
type softState struct {
	wps   [maxSoftWatch]*Watchpoint // bit 4+i of a fired mask
	pages map[Addr]*softPage
	// stepping is set while a faulting access is stepped: a fault then is
	// the step's own business (softStep), not a new access to handle.
	stepping bool
	// retries are the system calls being made again with the pages open,
	// by thread (softSyscallExit).
	retries map[int]softRetry
	// runner, when set, is the thread mprotect runs its calls by
	// (withStoppedThread, followwatch.go).
	runner *Thread
}

func (s *softState) active() bool { return len(s.pages) > 0 }

// hwProbe is what the debug-register probe found.
type hwProbe int

const (
	hwUnknown hwProbe = iota
	hwFires
	hwSilent
)

// HardwareWatchWorks tells whether the CPU's debug registers fire for this
// process (probed on first need: t must be stopped, the others may run).
func (p *Process) HardwareWatchWorks() (bool, error) {
	if p.watch.hw == hwUnknown {
		t := p.stoppedThread()
		if t == nil {
			return false, fmt.Errorf("probe the debug registers: no stopped thread")
		}
		fires, err := p.probeDebugRegs(t)
		if err != nil {
			return false, err
		}
		p.watch.hw = hwSilent
		if fires {
			p.watch.hw = hwFires
		}
	}
	return p.watch.hw == hwFires, nil
}

// probeDebugRegs makes t read a byte of the scratch area under a read/write
// watch in DR0 and single-steps that read: where the debug registers work,
// the step's trap also carries DR6's B0 (SDM vol. 3B 17.2.3); where they
// are accepted and never fire, only BS. t's registers and debug registers
// are put back.
func (p *Process) probeDebugRegs(t *Thread) (bool, error) {
	if p.scratch.base == 0 {
		return false, fmt.Errorf("probe the debug registers: no scratch area in the tracee")
	}
	at := p.scratch.syscallInsn() + 16
	// mov al, byte ptr [rip-0x16]: reads the area's syscall instruction
	// (at - 16), rip-relative from the end of this 6-byte instruction.
	code := []byte{0x8a, 0x05, 0xea, 0xff, 0xff, 0xff}
	if err := p.writeRaw(at, code); err != nil {
		return false, err
	}
	r, err := t.Regs()
	if err != nil {
		return false, err
	}
	saved := *r
	dr7, err := hwdebug.SlotBits(0, 1, WatchReadWrite)
	if err != nil {
		return false, err
	}
	restore := func() {
		pokeDebugReg(t.tid, 7, 0)
		pokeDebugReg(t.tid, 0, 0)
		pokeDebugReg(t.tid, 6, 0)
		t.drGen = -1 // rewritten with the real watchpoints at its next resume
		ptraceSetRegs(t.tid, &saved.PtraceRegs)
		t.regs = saved
		t.regsKernel = saved.PtraceRegs
		t.regsValid = true
		t.regsDirty = false
	}
	defer restore()
	if err := pokeDebugReg(t.tid, 7, 0); err != nil {
		return false, err
	}
	if err := pokeDebugReg(t.tid, 0, uint64(p.scratch.syscallInsn())); err != nil {
		return false, err
	}
	if err := pokeDebugReg(t.tid, 7, dr7); err != nil {
		return false, err
	}
	pokeDebugReg(t.tid, 6, 0)
	run := saved
	run.Rip = uint64(at)
	run.Orig_rax = ^uint64(0)
	if err := ptraceSetRegs(t.tid, &run.PtraceRegs); err != nil {
		return false, err
	}
	gen := p.watch.gen
	p.watch.gen = 0 // singleStep must leave DR6 to us
	defer func() { p.watch.gen = gen }()
	keep := t.pendingSig
	defer func() { t.pendingSig = keep }()
	for try := 0; try < 3; try++ {
		if err := p.singleStep(t); err != nil {
			return false, err
		}
		dr6, err := peekDebugReg(t.tid, 6)
		if err != nil {
			return false, err
		}
		if dr6&1 != 0 {
			return true, nil
		}
		var after unix.PtraceRegs
		if err := ptraceGetRegs(t.tid, &after); err != nil {
			return false, err
		}
		if Addr(after.Rip) == at+Addr(len(code)) {
			return false, nil
		}
		// A trap before the read ran (t was stopped inside a call that
		// returns first, as in injectSyscall): step again.
	}
	return false, fmt.Errorf("probe the debug registers: thread %d did not run the probe", t.tid)
}

// setSoftWatch adds a software watchpoint and protects its page(s).
func (p *Process) setSoftWatch(wp *Watchpoint) error {
	slot, err := p.addSoftWatch(wp, -1)
	if err != nil {
		return err
	}
	wp.slot = hwdebug.NumSlots + slot
	wp.Kind = WatchSoftware
	// Every thread now runs with system call stops (softSyscallExit).
	return p.restartRunning()
}

// addSoftWatch puts wp in a free slot of p's software watchpoints (prefer
// when it is free: a followed process takes the slot the watchpoint has
// in the process it was set in) and protects its page(s).
func (p *Process) addSoftWatch(wp *Watchpoint, prefer int) (int, error) {
	slot := -1
	if prefer >= 0 && prefer < maxSoftWatch && p.watch.soft.wps[prefer] == nil {
		slot = prefer
	} else {
		for i, w := range p.watch.soft.wps {
			if w == nil {
				slot = i
				break
			}
		}
	}
	if slot < 0 {
		return -1, fmt.Errorf("watch %#x: all %d software watchpoints are in use; delete one first", uint64(wp.Addr), maxSoftWatch)
	}
	first, last := wp.Addr&^(pageSize-1), (wp.Addr+Addr(wp.Size)-1)&^(pageSize-1)
	for pg := first; pg <= last; pg += pageSize {
		m, ok := ptrace.MappingAt(p.pid, uint64(pg))
		if !ok {
			return -1, fmt.Errorf("watch %#x: address not mapped in the process", uint64(wp.Addr))
		}
		if m.Name == "[stack]" || m.Name == "[vvar]" || m.Name == "[vdso]" {
			// The kernel writes signal frames on the stack itself: a
			// protected stack page would turn a signal into a fatal fault.
			return -1, fmt.Errorf("watch %#x: a software watchpoint cannot watch %s memory", uint64(wp.Addr), m.Name)
		}
		if p.scratch.contains(pg) {
			return -1, fmt.Errorf("watch %#x: godbg's own scratch area", uint64(wp.Addr))
		}
		if _, ok := p.watch.soft.pages[pg]; !ok {
			if p.watch.soft.pages == nil {
				p.watch.soft.pages = map[Addr]*softPage{}
			}
			p.watch.soft.pages[pg] = &softPage{prot: m.Prot, cur: m.Prot}
		}
	}
	p.watch.soft.wps[slot] = wp
	if err := p.reprotect(); err != nil {
		p.watch.soft.wps[slot] = nil
		p.dropSoftPages()
		p.reprotect()
		return -1, fmt.Errorf("watch %#x: %w", uint64(wp.Addr), err)
	}
	return slot, nil
}

// clearSoftWatch removes wp and gives its pages their protection back.
func (p *Process) clearSoftWatch(wp *Watchpoint) error {
	for i, w := range p.watch.soft.wps {
		if w == wp { // its slot may differ from wp.slot in a followed process
			p.watch.soft.wps[i] = nil
		}
	}
	if p.exited {
		return nil
	}
	return p.reprotect()
}

// softProt is the protection a page needs for the software watchpoints on
// it: no write for "w", no access for "rw"; ok is false when none is on it.
func (p *Process) softProt(pg Addr, own int) (int, bool) {
	prot, used := own, false
	for _, wp := range p.watch.soft.wps {
		if wp == nil || wp.Addr+Addr(wp.Size) <= pg || wp.Addr >= pg+pageSize {
			continue
		}
		used = true
		if wp.Mode == WatchReadWrite {
			prot = unix.PROT_NONE
		} else {
			prot &^= unix.PROT_WRITE
		}
	}
	return prot, used
}

// reprotect gives every page the protection its watchpoints need, and
// pages left without one their own back (forgetting them).
func (p *Process) reprotect() error {
	var first error
	for pg, sp := range p.watch.soft.pages {
		want, used := p.softProt(pg, sp.prot)
		if want != sp.cur {
			if sp.open > 0 {
				sp.cur = want // applied when the retried calls close it
			} else if err := p.mprotect(pg, want); err != nil && first == nil {
				first = err
				continue
			}
			sp.cur = want
		}
		if !used && sp.open == 0 {
			delete(p.watch.soft.pages, pg)
		}
	}
	return first
}

// dropSoftPages forgets the pages no watchpoint uses (after a failed set).
func (p *Process) dropSoftPages() {
	for pg, sp := range p.watch.soft.pages {
		if _, used := p.softProt(pg, sp.prot); !used && sp.cur == sp.prot {
			delete(p.watch.soft.pages, pg)
		}
	}
}

// mprotect changes one page's protection, run by a stopped thread.
func (p *Process) mprotect(pg Addr, prot int) error {
	t := p.watch.soft.runner
	if t == nil {
		t = p.stoppedThread()
	}
	if t == nil {
		return fmt.Errorf("mprotect %#x: no stopped thread to run it", uint64(pg))
	}
	return p.mprotectBy(t, pg, prot)
}

// stoppedThread is a thread able to run an injected call: the current one
// when stopped and not inside a system call, else any such. A stop still
// to be handled (collected by stopAll: the thread is not running) may be
// a call's entry, where no call can be injected (canInject).
func (p *Process) stoppedThread() *Thread {
	return p.pickThread(func(t *Thread) bool { return !t.sys.InCall && p.canInject(t) })
}

// pickThread is the current thread if it is stopped and ok, else the
// first other stopped thread of p's that is; nil when none is.
func (p *Process) pickThread(ok func(t *Thread) bool) *Thread {
	if t := p.current; t != nil && !t.running && ok(t) {
		return t
	}
	for _, t := range p.ownThreads() {
		if !t.running && ok(t) {
			return t
		}
	}
	return nil
}

// softFault handles t's SIGSEGV stop when it is an access to a protected
// page: the access runs (softStep) and fired says which software
// watchpoints it hit. ours is false for any other fault.
func (p *Process) softFault(t *Thread) (fired uint64, ours bool, err error) {
	if !p.watch.soft.active() || p.watch.soft.stepping {
		return 0, false, nil
	}
	si, err := ptraceSigInfo(t.tid)
	if err != nil {
		return 0, false, p.vanished(t, err)
	}
	addr := Addr(siginfoAddr(si))
	if si.Code != segvAccErr || p.watch.soft.pages[addr&^(pageSize-1)] == nil {
		return 0, false, nil
	}
	fired, err = p.softStep(t, addr)
	// ESRCH: the program is exiting (another thread's exit_group) and t
	// with it; its exit comes through wait4.
	return fired, true, p.vanished(t, err)
}

// softStep runs t's faulting instruction (its access at addr) with every
// other thread held and the pages it touches open, then closes them.
func (p *Process) softStep(t *Thread, addr Addr) (uint64, error) {
	r, err := t.Regs()
	if err != nil {
		return 0, err
	}
	width := p.accessWidth(Addr(r.Rip))
	restart, err := p.holdOthers(t)
	if err != nil {
		return 0, err
	}
	before := p.softSnapshot()
	opened := map[Addr]bool{}
	p.watch.soft.stepping = true
	defer func() { p.watch.soft.stepping = false }()
	keep := t.pendingSig
	fault := addr
	var stepErr error
	for {
		pg := fault &^ (pageSize - 1)
		sp := p.watch.soft.pages[pg]
		if sp == nil || opened[pg] {
			break // not ours, or open already: a real fault, delivered later
		}
		if err := p.mprotectBy(t, pg, sp.prot); err != nil {
			stepErr = err
			break
		}
		opened[pg] = true
		t.pendingSig = 0
		if stepErr = p.singleStep(t); stepErr != nil {
			break
		}
		if t.pendingSig != unix.SIGSEGV {
			break
		}
		// The instruction touched another protected page too (a string
		// instruction, an access across a page boundary): open that one
		// and step again.
		si, err := ptraceSigInfo(t.tid)
		if err != nil || si.Code != segvAccErr {
			break
		}
		fault = Addr(siginfoAddr(si))
	}
	for pg := range opened {
		if sp := p.watch.soft.pages[pg]; sp != nil {
			if err := p.mprotectBy(t, pg, sp.cur); err != nil && stepErr == nil {
				stepErr = err
			}
		}
	}
	if t.pendingSig == unix.SIGSEGV {
		// A fault the protection did not cause: the instruction did not
		// run, and the signal goes to the program as without godbg.
		if keep != 0 && keep != unix.SIGSEGV {
			t.heldSigs = append(t.heldSigs, heldSig{sig: keep})
		}
	} else {
		caught := t.pendingSig // a signal the step met, if any
		t.pendingSig = keep
		if caught != 0 {
			t.keepSignal(caught)
		}
	}
	var fired uint64
	for i, wp := range p.watch.soft.wps {
		if wp == nil {
			continue
		}
		touched := addr < wp.Addr+Addr(wp.Size) && addr+Addr(width) > wp.Addr
		if touched || before[i] != string(p.softBytes(wp)) {
			fired |= 1 << (4 + i)
		}
	}
	if err := restart(); err != nil && stepErr == nil {
		stepErr = err
	}
	return fired, stepErr
}

// mprotectBy is mprotect(2) of one page, run by t.
func (p *Process) mprotectBy(t *Thread, pg Addr, prot int) error {
	ret, err := p.injectSyscall(t, unix.SYS_MPROTECT, uint64(pg), pageSize, uint64(prot))
	if err != nil {
		return fmt.Errorf("mprotect %#x in the tracee: %w", uint64(pg), err)
	}
	if e := int64(ret); e < 0 && e > -4096 {
		return fmt.Errorf("mprotect %#x in the tracee: %w", uint64(pg), unix.Errno(-e))
	}
	return nil
}

// softSnapshot reads every software watchpoint's bytes, by slot.
func (p *Process) softSnapshot() [maxSoftWatch]string {
	var s [maxSoftWatch]string
	for i, wp := range p.watch.soft.wps {
		if wp != nil {
			s[i] = string(p.softBytes(wp))
		}
	}
	return s
}

// softBytes reads wp's bytes (through /proc/PID/mem, which ignores the
// page protection).
func (p *Process) softBytes(wp *Watchpoint) []byte {
	b := make([]byte, wp.Size)
	p.ReadMemory(wp.Addr, b)
	return b
}

// accessWidth is the width of the memory operand of the instruction at pc
// (1 when it cannot be told: the fault address still counts).
func (p *Process) accessWidth(pc Addr) int {
	code := make([]byte, 16)
	if err := p.ReadOriginal(pc, code); err != nil {
		return 1
	}
	inst, err := x86asm.Decode(code, 64)
	if err != nil || inst.MemBytes <= 0 {
		return 1
	}
	return inst.MemBytes
}

// softSyscallStops tells whether threads must run with system call stops
// for the software watchpoints (a kernel write must not fail with EFAULT).
func (p *Process) softSyscallStops() bool { return p.watch.soft.active() }

// softSyscallExit handles a system call exit while software watchpoints
// exist. A call that failed with EFAULT while one of its pointers lies in a
// mapping with a protected page is made again: the pages are opened, t is
// rewound onto its `syscall` instruction (rax = the call's number; the
// kernel keeps the argument registers) and resumed; it runs the call again
// through the event loop, so that a blocking call blocks nobody but itself
// (no thread is held) and signals come as they would. ts.SoftRetry marks
// it: its second entry is not reported again, and its exit closes the pages
// and reports as hits the watched bytes the call changed (fired). retried
// is true when t was rewound: the exit is not to be reported.
func (p *Process) softSyscallExit(t *Thread, ts *syscalls.Thread, nr int, ret int64) (fired uint64, retried bool, err error) {
	if ts.SoftRetry {
		before := p.watch.soft.retries[t.tid]
		delete(p.watch.soft.retries, t.tid)
		for i, wp := range p.watch.soft.wps {
			if wp != nil && before.bytes[i] != string(p.softBytes(wp)) {
				fired |= 1 << (4 + i)
			}
		}
		return fired, false, p.closePages(t, before.pages)
	}
	if ret != -int64(unix.EFAULT) || !p.watch.soft.active() || !p.softPointerArgs(nr, ts.Args) {
		return 0, false, nil
	}
	r, err := t.Regs()
	if err != nil {
		return 0, false, err
	}
	var insn [2]byte
	if err := p.ReadOriginal(Addr(r.Rip-2), insn[:]); err != nil || !(insn == [2]byte{0x0f, 0x05} || insn == [2]byte{0xcd, 0x80}) {
		return 0, false, nil // not after a syscall instruction: nothing to run again
	}
	retry := softRetry{bytes: p.softSnapshot()}
	for pg, sp := range p.watch.soft.pages {
		if sp.open == 0 {
			if err := p.mprotectBy(t, pg, sp.prot); err != nil {
				p.closePages(t, retry.pages)
				return 0, false, err
			}
		}
		sp.open++
		retry.pages = append(retry.pages, pg)
	}
	if p.watch.soft.retries == nil {
		p.watch.soft.retries = map[int]softRetry{}
	}
	p.watch.soft.retries[t.tid] = retry
	if r, err = t.Regs(); err != nil { // injected calls restored them
		return 0, false, err
	}
	r.Rip -= 2
	r.Rax = uint64(nr)
	t.regsDirty = true
	*ts = syscalls.Thread{InCall: true, Nr: nr, Args: ts.Args, Entered: ts.Entered, SoftRetry: true}
	return 0, true, nil
}

// softRetry is a system call being made again with the pages open.
type softRetry struct {
	bytes [maxSoftWatch]string // the watched bytes before it
	pages []Addr               // the pages it opened
}

// closePages gives pages opened for a retried call their protection back
// once no other retried call needs them open.
func (p *Process) closePages(t *Thread, pages []Addr) error {
	var first error
	for _, pg := range pages {
		sp := p.watch.soft.pages[pg]
		if sp == nil || sp.open == 0 {
			continue
		}
		if sp.open--; sp.open == 0 && sp.cur != sp.prot {
			if err := p.mprotect(pg, sp.cur); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

// softPointerArgs tells whether a pointer argument of call nr lies in a
// mapping that holds a protected page: only then can a protected page have
// made the call fail (an EFAULT of a bad pointer elsewhere is the
// program's own and is not made again).
func (p *Process) softPointerArgs(nr int, args [6]uint64) bool {
	sig := SyscallSignature(nr)
	for i, a := range args {
		if sig != nil && (i >= len(sig.Params) || sig.Params[i].Kind != ArgPtr) {
			continue
		}
		m, ok := ptrace.MappingAt(p.pid, a)
		if !ok {
			continue
		}
		for pg := range p.watch.soft.pages {
			if pg >= Addr(m.Lo) && pg < Addr(m.Hi) {
				return true
			}
		}
	}
	return false
}

// softThreadGone closes the pages a thread that died in a retried call had
// opened.
func (p *Process) softThreadGone(tid int) {
	if r, ok := p.watch.soft.retries[tid]; ok {
		delete(p.watch.soft.retries, tid)
		if t := p.stoppedThread(); t != nil {
			p.closePages(t, r.pages)
		}
	}
}

// softRestoreChild gives a fork child's copy of the protected pages their
// own protection back before it is released (the copy inherits them, and
// a child nobody traces would die of the first write). A followed child
// keeps them (inheritWatch).
func (p *Process) softRestoreChild(child int) error {
	if !p.watch.soft.active() {
		return nil
	}
	t := &Thread{p: p, tid: child}
	for pg, sp := range p.watch.soft.pages {
		if sp.cur == sp.prot {
			continue
		}
		if err := p.mprotectBy(t, pg, sp.prot); err != nil {
			return err
		}
	}
	return nil
}

// forgetSoftWatch drops the software watchpoints without touching the
// tracee (after exec: the pages are gone).
func (p *Process) forgetSoftWatch() {
	for i, wp := range p.watch.soft.wps {
		if wp != nil {
			p.watch.soft.wps[i] = nil
			// Another followed process that has it keeps it.
			wp.deleted = !p.watchLivesOn(wp)
		}
	}
	p.watch.soft.pages = nil
}

var errNoHardwareWatch = errors.New("the CPU's debug registers do not fire on this machine (a virtual machine that accepts them and never raises the trap); use a software watchpoint")

package engine

// Hardware watchpoints. x86 has four debug address registers DR0-DR3; DR7
// enables each and says which access (write, read/write) and length (1, 2,
// 4 or 8 bytes) it watches; DR6 tells which of them fired (Intel SDM vol. 3B
// 17.2). A data breakpoint is a trap: it is reported after the accessing
// instruction ran, with rip on the next one (SDM 17.3.1.2).
//
// Linux keeps them per thread and exposes them through PTRACE_POKEUSER and
// PTRACE_PEEKUSER in struct user's u_debugreg (arch/x86/kernel/ptrace.c);
// clone(2) does not copy them (copy_thread clears ptrace_bps), so every
// thread, those born later included, gets them written before it resumes:
// resumeRequest compares the thread's drGen with watch.gen.

import (
	"fmt"
	"sort"

	"golang.org/x/sys/unix"

	"github.com/godbg/godbg/engine/internal/hwdebug"
)

// WatchMode is the access a watchpoint traps on: DR7's R/W encoding
// (hwdebug.Mode).
type WatchMode = hwdebug.Mode

const (
	WatchWrite     = hwdebug.Write     // data writes only
	WatchReadWrite = hwdebug.ReadWrite // data reads or writes
)

// ParseWatchMode reads "w" or "rw".
func ParseWatchMode(s string) (WatchMode, error) { return hwdebug.ParseMode(s) }

// Watchpoint is a watchpoint on every thread: hardware (a debug register)
// or software (page protection, softwatch.go).
type Watchpoint struct {
	ID   int
	Addr Addr
	Size int
	Mode WatchMode
	Kind WatchKind // WatchHardware or WatchSoftware
	Hits int
	// Data is the owner's payload (the bindings keep the Lua callback here).
	Data any

	slot    int // its bit in a fired mask: DR0-DR3, then the software ones
	deleted bool
}

// Deleted tells whether the watchpoint was cleared.
func (wp *Watchpoint) Deleted() bool { return wp.deleted }

type watchState struct {
	slots  hwdebug.Slots[*Watchpoint] // DR0-DR3
	gen    int                        // bumped at every change; threads with another drGen are rewritten
	nextID int
	soft   softState // software watchpoints (softwatch.go)
	hw     hwProbe   // whether the debug registers fire here
	// kind is what WatchAuto means for this process (SetDefaultWatchKind).
	kind WatchKind
}

// SetDefaultWatchKind makes SetWatchpoint's WatchAuto mean kind (tests and
// `--watch` use it to force one implementation).
func (p *Process) SetDefaultWatchKind(kind WatchKind) { p.watch.kind = kind }

// wpAt is the watchpoint of bit n of a fired mask.
func (p *Process) wpAt(n int) *Watchpoint {
	if n < hwdebug.NumSlots {
		return p.watch.slots.At(n)
	}
	if n-4 < maxSoftWatch {
		return p.watch.soft.wps[n-4]
	}
	return nil
}

// SetWatchpoint watches size bytes at addr on every thread, with the
// process's default kind (WatchAuto: hardware where the debug registers
// fire and one of DR0-DR3 is free, else software).
func (p *Process) SetWatchpoint(addr Addr, size int, mode WatchMode) (*Watchpoint, error) {
	return p.SetWatchpointKind(addr, size, mode, WatchAuto)
}

// SetWatchpointKind is SetWatchpoint with the kind asked for.
func (p *Process) SetWatchpointKind(addr Addr, size int, mode WatchMode, kind WatchKind) (*Watchpoint, error) {
	if p.exited {
		return nil, ErrExited
	}
	if err := hwdebug.Check(uint64(addr), size); err != nil {
		return nil, err
	}
	if mode != WatchWrite && mode != WatchReadWrite {
		return nil, fmt.Errorf("watch %#x: mode %v: want w or rw", uint64(addr), mode)
	}
	if kind == WatchAuto {
		kind = p.watch.kind
	}
	slot := p.watch.slots.Free()
	if kind != WatchSoftware {
		fires, err := p.HardwareWatchWorks()
		if err != nil {
			return nil, fmt.Errorf("watch %#x: %w", uint64(addr), err)
		}
		switch {
		case kind == WatchHardware && !fires:
			return nil, fmt.Errorf("watch %#x: %w", uint64(addr), errNoHardwareWatch)
		case kind == WatchHardware && slot < 0:
			return nil, fmt.Errorf("watch %#x: all 4 hardware watchpoints (DR0-DR3) are in use; delete one first", uint64(addr))
		case !fires || slot < 0:
			kind = WatchSoftware
		default:
			kind = WatchHardware
		}
	}
	ids := p.watchIDs() // the family's, when processes are followed
	if kind == WatchSoftware {
		wp := &Watchpoint{ID: ids.watch.nextID + 1, Addr: addr, Size: size, Mode: mode}
		if err := p.setSoftWatch(wp); err != nil {
			return nil, err
		}
		ids.watch.nextID++
		p.shareWatch(wp)
		return wp, nil
	}
	ids.watch.nextID++
	wp := &Watchpoint{ID: ids.watch.nextID, Addr: addr, Size: size, Mode: mode, Kind: WatchHardware}
	// slot >= 0 here (checked above), so Alloc takes it.
	wp.slot, _ = p.watch.slots.Alloc(wp, hwdebug.Spec{Addr: uint64(addr), Size: size, Mode: mode})
	if err := p.applyDebugRegs(); err != nil {
		p.watch.slots.Release(wp.slot, wp)
		p.applyDebugRegs()
		return nil, fmt.Errorf("watch %#x: %w", uint64(addr), err)
	}
	p.shareWatch(wp)
	return wp, nil
}

// ClearWatchpoint removes wp from every thread, in every followed process
// that has it (followwatch.go).
func (p *Process) ClearWatchpoint(wp *Watchpoint) error {
	if wp.deleted {
		return nil
	}
	wp.deleted = true
	if p.fam == nil {
		return p.clearWatch(wp)
	}
	return p.clearWatchFamily(wp)
}

// clearWatch takes wp out of p.
func (p *Process) clearWatch(wp *Watchpoint) error {
	if wp.Kind == WatchSoftware {
		return p.clearSoftWatch(wp)
	}
	for n := 0; n < hwdebug.NumSlots; n++ {
		// Its slot may differ from wp.slot in a followed process.
		p.watch.slots.Release(n, wp)
	}
	if p.exited {
		return nil
	}
	return p.applyDebugRegs()
}

// Watchpoints lists the watchpoints, by id.
func (p *Process) Watchpoints() []*Watchpoint {
	var wps []*Watchpoint
	for n := 0; n < hwdebug.NumSlots+maxSoftWatch; n++ {
		if wp := p.wpAt(n); wp != nil {
			wps = append(wps, wp)
		}
	}
	sort.Slice(wps, func(i, j int) bool { return wps[i].ID < wps[j].ID })
	return wps
}

// applyDebugRegs makes the watchpoints reach every thread: stopped threads
// get them when they resume (resumeRequest); running ones are stopped and
// resumed now (the hook of one thread's stop may set a watchpoint while the
// others run). The stopped threads are written now, so that an error shows.
func (p *Process) applyDebugRegs() error {
	p.watch.gen++
	for _, t := range p.ownThreads() {
		if !t.running {
			if err := p.writeDebugRegs(t); err != nil {
				return err
			}
		}
	}
	return p.restartRunning()
}

// restartRunning stops the running threads and resumes them, so that they
// pick up what resumeRequest applies (debug registers, PTRACE_SYSCALL).
func (p *Process) restartRunning() error {
	cur := p.current
	if cur != nil && cur.running {
		// A followed process's, the event another process's: it runs
		// too, and is restarted with the others.
		cur = nil
	}
	restart, err := p.holdOthers(cur)
	if err != nil {
		return err
	}
	return restart()
}

// writeDebugRegs writes DR0-DR3 and DR7 of t. DR7 is cleared first: the
// kernel checks each address against the length DR7 gives its slot.
func (p *Process) writeDebugRegs(t *Thread) error {
	if t.drGen == p.watch.gen {
		return nil
	}
	dr7 := p.watch.slots.DR7()
	if err := pokeDebugReg(t.tid, 7, 0); err != nil {
		return p.vanished(t, fmt.Errorf("write DR7 of thread %d: %w", t.tid, err))
	}
	ns, specs := p.watch.slots.Used()
	for i, n := range ns {
		if err := pokeDebugReg(t.tid, n, specs[i].Addr); err != nil {
			return p.vanished(t, fmt.Errorf("write DR%d of thread %d (%#x): %w", n, t.tid, specs[i].Addr, err))
		}
	}
	if dr7 != 0 {
		if err := pokeDebugReg(t.tid, 7, dr7); err != nil {
			return p.vanished(t, fmt.Errorf("write DR7 of thread %d (%#x): %w", t.tid, dr7, err))
		}
	}
	t.drGen = p.watch.gen
	return nil
}

func pokeDebugReg(tid, n int, v uint64) error {
	return ptracePokeUser(tid, hwdebug.UserOffset(n), v)
}

func peekDebugReg(tid, n int) (uint64, error) {
	return ptracePeekUser(tid, hwdebug.UserOffset(n))
}

// DebugReg reads debug register n (0-7) of t, for tests and diagnostics.
func (t *Thread) DebugReg(n int) (uint64, error) { return peekDebugReg(t.tid, n) }

// watchStop classifies a SIGTRAP that is not a breakpoint: DR6's B0-B3
// say which watchpoints fired (SDM vol. 3B 17.2.3). A trap from a
// watchpoint deleted meanwhile is swallowed (delivering SIGTRAP would kill
// the tracee).
func (p *Process) watchStop(t *Thread) (*Event, bool, error) {
	if p.watch.gen == 0 {
		return nil, false, nil // never a watchpoint: no need to read DR6
	}
	fired, err := p.takeWatchTrap(t)
	if err != nil {
		return nil, false, p.vanished(t, err)
	}
	if fired == 0 {
		return nil, false, nil
	}
	ev, err := p.watchHit(t, fired)
	return ev, true, err
}

// takeWatchTrap reads which watchpoints fired (DR6's B0-B3) for t's last
// debug trap and clears DR6 when some did, as the CPU never clears it.
// Linux rebuilds the DR6 ptrace shows at each debug exception of the
// thread (thread.virtual_dr6, arch/x86/kernel/traps.c), so a single-step
// trap says whether the stepped instruction also hit a watchpoint: its BS
// and Bn bits are both set.
func (p *Process) takeWatchTrap(t *Thread) (uint64, error) {
	dr6, err := peekDebugReg(t.tid, 6)
	if err != nil {
		return 0, fmt.Errorf("read DR6 of thread %d: %w", t.tid, err)
	}
	fired := hwdebug.Fired(dr6)
	if fired == 0 {
		return 0, nil
	}
	if err := pokeDebugReg(t.tid, 6, 0); err != nil {
		return 0, fmt.Errorf("clear DR6 of thread %d: %w", t.tid, err)
	}
	return fired, nil
}

// watchHit reports the watchpoints of the fired mask hit by t; with none
// left (deleted meanwhile) t is resumed.
func (p *Process) watchHit(t *Thread, fired uint64) (*Event, error) {
	ev, err := p.watchEvents(t, fired)
	if err != nil || ev != nil {
		return ev, err
	}
	return nil, p.resume(t)
}

// watchEvents makes the events of the watchpoints in the fired mask (DR6's
// B0-B3) for t, which stands after the accessing instruction; nil when
// none of them is still set.
func (p *Process) watchEvents(t *Thread, fired uint64) (*Event, error) {
	r, err := t.Regs()
	if err != nil {
		return nil, p.vanished(t, err)
	}
	pc := Addr(r.Rip)
	if p.scratch.contains(pc) {
		// The access ran as a displaced copy: report the original place
		// (pc-1 lies inside the copied instruction).
		pc = p.RealPC(pc-1) + 1
	}
	var ev *Event
	for n := 0; n < hwdebug.NumSlots+maxSoftWatch; n++ {
		wp := p.wpAt(n)
		if wp == nil || fired&(1<<n) == 0 {
			continue
		}
		wp.Hits++
		e := &Event{Kind: EventWatch, Thread: t, Tid: t.tid, Addr: wp.Addr, Wp: wp, PC: pc}
		if ev == nil {
			ev = e
		} else {
			ev.more = append(ev.more, e)
		}
	}
	return ev, nil
}

// clearDebugRegs zeroes DR7 and DR6 of every (stopped) thread and gives
// the software watchpoints' pages their protection back: Detach leaves no
// watchpoint behind, since an untraced thread would die of its SIGTRAP or
// SIGSEGV.
func (p *Process) clearDebugRegs() error {
	for i, wp := range p.watch.soft.wps {
		if wp != nil {
			wp.deleted = true
			p.watch.soft.wps[i] = nil
		}
	}
	var first error
	switch {
	case !p.watch.soft.active() || p.stoppedThread() != nil:
		first = p.reprotect()
	default:
		if t := p.injectThread(); t != nil {
			// Every thread is in a system call (a followed process whose
			// threads all wait, the event another's): one stopped at its
			// call's exit runs the mprotect calls (followwatch.go).
			p.watch.soft.runner = t
			first = p.reprotect()
			p.watch.soft.runner = nil
		} else if t := p.entryThread(); t != nil {
			first = p.runAtEntry(t, p.reprotect)
		} else {
			first = p.reprotect() // it says that no thread can run the calls
		}
	}
	for _, wp := range p.watch.slots.Reset() {
		wp.deleted = true
	}
	p.watch.gen++
	for _, t := range p.threads {
		for _, n := range []int{7, 6} {
			// ESRCH: the thread exited meanwhile; nothing is left to clear.
			if err := pokeDebugReg(t.tid, n, 0); err != nil && err != unix.ESRCH && first == nil {
				first = fmt.Errorf("clear DR%d of thread %d: %w", n, t.tid, err)
			}
		}
		t.drGen = p.watch.gen
	}
	return first
}

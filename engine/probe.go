package engine

// Stopless probes (issue 13): a jump site whose trampoline counts the hit
// with a locked add and, when the probe records, writes a record (thread,
// time, the general registers) into a ring in the shared data of a jump
// area. godbg drains the ring as plain memory: when a watcher goroutine sees
// it pass half full (it wakes the loop as the ticker does), at every event
// the bindings handle, and at the end (the memory stays readable after the
// exit). When the ring is full the hitting thread traps once (int3 in its
// trampoline, lossless) or drops the record and counts it (lossy). Where no
// jump fits, an INT3 site does the same job (Kind "trap", Reason says why).
//
// A SIGURG (Go's preemption request) that stops a thread inside a
// trampoline is delivered there, as for killsafe's: Go's handler declines
// an unknown pc (isAsyncSafePoint) and runs on the signal stack, and no
// single-step is made, whose trap would kill the program were godbg to die
// during it. The thread then runs on: the runtime sends the next request
// only after a handler ran (preemptGen changed, suspendG), and the stop
// counts per pc (GODBG_STOPSTATS, stopstats.go) on gostress show at most
// a few stops at any one trampoline pc. Other signals first step the
// thread out (leaveScratch); a signal met by those steps is held for the
// next real resume. A recording probe in Go code was a trap site until
// that hold: gostress's livelock (issue 13) was a SIGPROF stop in the
// recording trampoline, whose step-out sent the SIGPROF again at once and
// stopped on it again before the step ran, at one pc, for ever (strace:
// wait4 SIGPROF, tgkill SIGPROF, PTRACE_SINGLESTEP, 3,800 a second); the
// SIGURGs were innocent.
//
// What the trampoline pushes on the thread's stack: nothing for a counting
// probe where the flags are dead (a function's entry), 8 bytes (pushfq)
// elsewhere; 56 bytes for a recording one (72 while it waits for a full
// ring). Below C code's 128-byte red zone
// (System V ABI), whose bytes a leaf function may use without moving rsp;
// Go has none and its stack guard leaves at least 128 bytes below any sp.

import (
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/godbg/godbg/engine/debuginfo"
	"github.com/godbg/godbg/engine/internal/oolstep"
	"golang.org/x/sys/unix"
)

// EventProbe is reported to the hook when probe records are waiting (the
// ring passed half full, a full ring's trap, an INT3 probe's hit): the hook
// drains them (DrainProbes). ev.Thread, when not nil, is stopped.
const EventProbe EventKind = 103

const (
	ringCap     = 8192 // records (a power of two)
	recordSize  = 192  // bytes, 24 words
	recordWords = recordSize / 8
	sysGettid   = 186
)

// Record word offsets.
const (
	recSeq   = 0 // index+1, written last
	recProbe = 1
	recTid   = 2
	recTSC   = 3
	recFlags = 4
	recRegs  = 5  // rax rcx rdx rbx rsp rbp rsi rdi r8..r15
	recGoid  = 21 // Go code: the goid of the g in TLS at the hit (0: none)
	recPid   = 22 // the process (an immediate of the trampoline, patched in a fork child's copy)
)

// ProbeOptions are probe's options.
type ProbeOptions struct {
	Record bool // write a record per hit (a callback wants them)
	Lossy  bool // a full ring drops records (counted) instead of trapping
}

// Probe is a stopless probe.
type Probe struct {
	ID     int
	Addr   Addr
	Loc    string
	Kind   string // "jump" or "trap"
	Reason string // why a trap (Kind "trap")
	Opts   ProbeOptions
	Data   any // the bindings' (callback, Lua value)

	js         *jumpSite
	hits, lost *uint64 // in the shared data (jump)
	// A counting jump with per-thread slots (probecount.go): the slots'
	// counts, the key load and the locked add of its trampoline.
	slots           []*uint64
	keyAt, lockedAt Addr
	trapHits        uint64
	deleted         bool
	// home is the process pr was set in (js, hits, lost, slots, keyAt
	// and lockedAt are its); copies are the other followed processes
	// that hold it (probeshare.go).
	home   *Process
	copies []probeCopy
}

// Hits counts the probe's hits, exact at any moment: in every process
// that holds it.
func (pr *Probe) Hits() uint64 {
	n := pr.trapHits
	pr.counters(func(c *probeCopy) {
		n += atomic.LoadUint64(c.hits)
		for _, s := range c.slots {
			n += atomic.LoadUint64(s)
		}
	})
	return n
}

// Deleted tells whether pr was deleted.
func (pr *Probe) Deleted() bool { return pr.deleted }

// Lost counts the records dropped (Opts.Lossy, ring full).
func (pr *Probe) Lost() uint64 {
	var n uint64
	pr.counters(func(c *probeCopy) { n += atomic.LoadUint64(c.lost) })
	return n
}

// ProbeRecord is one hit of a recording probe.
type ProbeRecord struct {
	Probe *Probe
	Pid   int // the process that made the hit
	Tid   int
	Time  time.Time
	Regs  Regs  // rip is the probe's address
	Goid  int64 // Go code: the goroutine at the hit (0: not known)
}

type probeState struct {
	probes []*Probe
	byID   map[int]*Probe
	nextID int
	// the ring, in some jump area's shared data
	ringArea        *jumpArea
	head, tail      *uint64
	ring, headAddr  Addr          // tail is at headAddr+64
	queue           []ProbeRecord // taken from the ring (or INT3 hits), not yet handed out
	watchQuit, done chan struct{}
	due             bool
	fullStops       int         // stops of threads that found the ring full
	removedJumps    []*jumpSite // with FollowForks: for a fork copy made before (inheritProbes)
	tidOffs         []int64
	tidOffsTried    bool
	// tidUnchecked: recording trampolines read the tid at glibc's offset
	// before any thread had a TLS to check it on (checkGlibcTid);
	// notGlibc: the check failed, they call gettid.
	tidUnchecked, notGlibc bool
	wake                   atomic.Bool
	tsc                    tscClock
	count                  countTables
}

// SetProbe puts a probe at addr: a jump where one fits, else an INT3 site.
func (p *Process) SetProbe(addr Addr, loc string, opts ProbeOptions) (*Probe, error) {
	if p.exited {
		return nil, ErrExited
	}
	ids := &p.loop().probes // one numbering, one table in the family
	pr := &Probe{ID: ids.nextID + 1, Addr: addr, Loc: loc, Opts: opts, home: p}
	c, err := p.placeProbe(pr)
	if err != nil {
		return nil, err
	}
	pr.Kind, pr.js, pr.hits, pr.lost = c.kind, c.js, c.hits, c.lost
	pr.slots, pr.keyAt, pr.lockedAt = c.slots, c.keyAt, c.lockedAt
	if c.kind == "trap" {
		pr.Reason = c.reason
	}
	ids.nextID++
	if ids.byID == nil {
		ids.byID = map[int]*Probe{}
	}
	ids.byID[pr.ID] = pr
	p.shareProbe(pr)
	return pr, nil
}

// placeProbe puts pr into p: a jump where one fits, else an INT3 site.
func (p *Process) placeProbe(pr *Probe) (probeCopy, error) {
	var c probeCopy
	restart, err := p.holdForJump()
	if err == nil {
		c, err = p.setJumpProbe(pr)
	}
	if rerr := restart(); err == nil && rerr != nil {
		if c.js != nil {
			p.removeJump(c.js)
		}
		return probeCopy{}, rerr
	}
	if err != nil {
		jr, ok := err.(*JumpRefused)
		if !ok {
			return probeCopy{}, err
		}
		c = probeCopy{p: p, kind: "trap", reason: jr.Reason}
		if err := p.checkTrapAddr(pr.Addr); err != nil {
			return probeCopy{}, err
		}
		if err := p.addSiteUser(pr.Addr, pr); err != nil {
			return probeCopy{}, err
		}
	}
	p.probes.probes = append(p.probes.probes, pr)
	if pr.Opts.Record {
		p.probes.tsc.start()
		p.startProbeWatch()
	}
	return c, nil
}

// DeleteProbe removes pr: its bytes back (or its trap gone). Records of
// hits before are still drained.
func (p *Process) DeleteProbe(pr *Probe) error {
	if pr.deleted {
		return nil
	}
	pr.deleted = true
	err := pr.home.unplaceProbe(pr, pr.js)
	for _, c := range pr.copies {
		if cerr := c.p.unplaceProbe(pr, c.js); err == nil {
			err = cerr
		}
	}
	return err
}

// unplaceProbe takes pr out of p: its jump js (nil: its INT3 site).
func (p *Process) unplaceProbe(pr *Probe, js *jumpSite) error {
	for i, x := range p.probes.probes {
		if x == pr {
			p.probes.probes = append(p.probes.probes[:i], p.probes.probes[i+1:]...)
			break
		}
	}
	if js != nil {
		if p.fam != nil && p.jumps.sites[js.addr] == js {
			// For a fork under way, whose copy still has it.
			p.probes.removedJumps = append(p.probes.removedJumps, js)
		}
		return p.removeJump(js)
	}
	return p.removeSiteUser(pr.Addr, pr)
}

// siteHit counts and records an INT3 probe's hit: the thread runs on, the
// record reaches the hook through an EventProbe.
func (pr *Probe) siteHit(t *Thread, s *site) ([]*Event, error) {
	if pr.deleted {
		return nil, nil
	}
	pr.trapHits++
	if !pr.Opts.Record {
		return nil, nil
	}
	r, err := t.Regs()
	if err != nil {
		return nil, err
	}
	rec := ProbeRecord{Probe: pr, Pid: t.p.pid, Tid: t.tid, Time: time.Now(), Regs: *r}
	rec.Goid, _ = t.GoroutineID()
	rec.Regs.Rip = uint64(pr.Addr)
	q := &t.p.loop().probes
	q.queue = append(q.queue, rec)
	return []*Event{{Kind: EventProbe, Thread: t, Tid: t.tid, Addr: pr.Addr, Time: rec.Time}}, nil
}

// ensureRing allocates the record ring in area's shared data.
func (p *Process) ensureRing(area *jumpArea) error {
	if p.probes.ringArea != nil {
		return nil
	}
	hdr, ok := area.allocData(128)
	if !ok {
		return &JumpRefused{Reason: "no room for the record ring"}
	}
	area.dataNext = (area.dataNext + 63) &^ 63
	ring, ok := area.allocData(ringCap * recordSize)
	if !ok {
		return &JumpRefused{Reason: "no room for the record ring"}
	}
	p.probes.ringArea, p.probes.ring = area, ring
	p.probes.head, p.probes.tail, p.probes.headAddr = area.word(hdr), area.word(hdr+64), hdr
	return nil
}

// setJumpProbe plans and installs pr's jump in p, or says why not
// (*JumpRefused).
func (p *Process) setJumpProbe(pr *Probe) (probeCopy, error) {
	pl, err := p.planJump(pr.Addr)
	if err != nil {
		return probeCopy{}, err
	}
	key := keyNone
	if !pr.Opts.Record {
		key = p.countKeyMode()
	}
	size := 16
	if key != keyNone {
		size += countTable
	}
	cnt, ok := pl.area.allocData(size)
	if !ok {
		return probeCopy{}, &JumpRefused{Addr: pr.Addr, Reason: "the trampoline area's data is full"}
	}
	table := cnt + 16
	if key != keyNone {
		for i := 0; i < countSlots+countProbe-1; i++ {
			*pl.area.word(table + Addr(16*i)) = emptyKey
		}
	}
	if pr.Opts.Record {
		if err := p.ensureRing(pl.area); err != nil {
			return probeCopy{}, err
		}
	}
	red := int32(redZone)
	if p.isGoCode(pr.Addr) {
		red = 0
	}
	// The liveness word, for a lossless probe's trap; without it a full
	// ring drops records (never a trap to a godbg that may be gone).
	var word Addr
	if pr.Opts.Record && !pr.Opts.Lossy {
		if t := p.injector(); t != nil {
			word, _ = p.liveWord(t)
		}
	}
	goidOff := int64(-1)
	var tidOffs []int64
	if red == 0 && p.goidReader() {
		goidOff = p.goids.GoidOffset()
		tidOffs = p.goTidOffsets()
	}
	glibcTid, seen := p.glibcTid()
	if red == 0 {
		glibcTid = false
	} else if !seen && !p.probes.notGlibc && p.glibcLoader() {
		// No thread has a TLS yet (the exec's stop): glibc's layout,
		// checked at the first stop of a thread that has one.
		glibcTid, p.probes.tidUnchecked = true, true
	}
	var rs recordSites
	var keyAt, lockedAt Addr
	js, err := p.installJump(pl, func(a *oolstep.Asm) error {
		if !pr.Opts.Record {
			if key != keyNone {
				keyAt, lockedAt = emitCountTable(a, key, p.probes.count.gmOf, pl.flagsDead, red, cnt, table)
				return nil
			}
			emitCount(a, pl.flagsDead, red, cnt)
			return nil
		}
		rs = p.emitRecord(a, red, cnt, pr, word, goidOff, tidOffs, glibcTid)
		return nil
	})
	if err != nil {
		return probeCopy{}, err
	}
	js.pidAt, js.tidAt, js.tidSlow = rs.pidAt, rs.tidAt, rs.tidSlow
	trapAt := rs.trapAt
	c := probeCopy{p: p, kind: "jump", js: js, hits: pl.area.word(cnt), lost: pl.area.word(cnt + 8), keyAt: keyAt, lockedAt: lockedAt}
	if keyAt != 0 {
		for i := 0; i < countSlots+countProbe-1; i++ {
			c.slots = append(c.slots, pl.area.word(table+Addr(16*i+8)))
		}
	}
	if trapAt != 0 {
		js.traps = []Addr{trapAt}
		goCode := red == 0
		js.trap = func(t *Thread, at Addr) (*Event, error) {
			// The ring is full: the thread waits here (stopped) until the
			// hook has drained it, then retries. Its SIGURG is not the
			// program's in C. In Go code it is delivered all the same:
			// a preemption request of the runtime may be in it (one
			// pending SIGURG holds both) or arrive while the thread
			// waits (its next stop is here again); dropped, that M would
			// get no request again (the runtime sends one only after a
			// handler ran: m.signalPending), and Go takes a spurious
			// one (its handler declines an unknown pc).
			t.pendingSig = 0
			if goCode {
				t.pendingSig = unix.SIGURG
			}
			p.probes.fullStops++
			p.pullRing()
			return &Event{Kind: EventProbe, Thread: t, Tid: t.tid, Addr: pr.Addr, Time: now()}, nil
		}
		js.unstick = func(t *Thread) error {
			p.pullRing()
			return nil
		}
	}
	return c, nil
}

// goTidOffsets are the offsets of runtime.g.m and runtime.m.procid, from
// DWARF once; nil without them (the trampoline then calls gettid).
func (p *Process) goTidOffsets() []int64 {
	ps := &p.probes
	if !ps.tidOffsTried {
		ps.tidOffsTried = true
		if d, err := p.bin.DWARF(); err == nil {
			gm, err1 := debuginfo.RuntimeFieldOffsets(d, "runtime.g", "m")
			mp, err2 := debuginfo.RuntimeFieldOffsets(d, "runtime.m", "procid")
			if err1 == nil && err2 == nil {
				ps.tidOffs = []int64{gm[0], mp[0]}
			}
		}
	}
	return ps.tidOffs
}

// glibcTidOff is the offset of tid in glibc's struct pthread on x86-64
// (glibc 2.26 and later; checked on the threads before use).
const glibcTidOff = 0x2d0

// glibcTid tells whether the program's threads keep their tid at
// fs:glibcTidOff (glibc): true when every stopped thread with a TLS has its
// own tid there, and there is one (seen). A system call costs microseconds on a
// VM (gettid: 3.2 us here), the load nanoseconds.
func (p *Process) glibcTid() (ok, seen bool) {
	own := true
	p.withTLS(func(t *Thread, fs uint64) {
		if t.vforkOf != nil {
			return // a vfork child runs on its parent's struct pthread
		}
		var b [4]byte
		if p.ReadMemory(Addr(fs+glibcTidOff), b[:]) != nil ||
			int(uint32(b[0])|uint32(b[1])<<8|uint32(b[2])<<16|uint32(b[3])<<24) != t.tid {
			own = false
		}
		seen = true
	})
	return seen && own && !p.probes.notGlibc, seen
}

// withTLS calls fn for each stopped thread of p's that has a TLS (fs_base
// not 0), with that base.
func (p *Process) withTLS(fn func(t *Thread, fs uint64)) {
	for _, t := range p.ownThreads() {
		if t.running {
			continue
		}
		if r, err := t.Regs(); err == nil && r.Fs_base != 0 {
			fn(t, r.Fs_base)
		}
	}
}

// isGoCode tells whether addr is in a Go function of the program (no red
// zone); C code, in a library or a cgo program, has one.
func (p *Process) isGoCode(addr Addr) bool {
	if !p.bin.IsGo() {
		return false
	}
	fn, ok := p.FuncAt(addr)
	if !ok || fn.Object == nil || !fn.Object.Main {
		return false
	}
	for _, c := range fn.Sym.Name {
		if c == '.' {
			return true
		}
	}
	return false
}

// emitCount: lock add qword [cnt], 1, flags saved unless dead. The status
// flags are saved with lahf and seto and restored with add al, 0x7f
// (OF) and sahf, rax on the stack: popfq is microcoded (tens of cycles);
// pushfq/popfq where the CPU lacks lahf in 64-bit mode.
func emitCount(a *oolstep.Asm, flagsDead bool, red int32, cnt Addr) {
	fast := hasLahf()
	if !flagsDead {
		if red != 0 {
			a.LeaRSP(-red)
		}
		if fast {
			a.Bytes(0x50)             // push rax
			a.Bytes(0x9f)             // lahf
			a.Bytes(0x0f, 0x90, 0xc0) // seto al
		} else {
			a.Bytes(0x9c) // pushfq
		}
	}
	a.RipRel([]byte{0xf0, 0x48, 0x83}, 0, uint64(cnt), 1)
	if !flagsDead {
		if fast {
			a.Bytes(0x04, 0x7f) // add al, 0x7f: OF = the saved OF
			a.Bytes(0x9e)       // sahf
			a.Bytes(0x58)       // pop rax
		} else {
			a.Bytes(0x9d) // popfq
		}
		if red != 0 {
			a.LeaRSP(red)
		}
	}
}

var lahfOnce struct {
	sync.Once
	ok bool
}

// hasLahf tells whether the CPU has lahf/sahf in 64-bit mode (CPUID
// 0x80000001 ECX bit 0, "lahf_lm" in /proc/cpuinfo).
func hasLahf() bool {
	lahfOnce.Do(func() {
		b, err := os.ReadFile("/proc/cpuinfo")
		lahfOnce.ok = err == nil && strings.Contains(string(b), " lahf_lm")
	})
	return lahfOnce.ok
}

// emitRecord emits a recording trampoline; it returns the address of its
// full-ring stop (0: lossy, none) and that of the pid it writes (an
// imm32).
func (p *Process) emitRecord(a *oolstep.Asm, red int32, cnt Addr, pr *Probe, word Addr, goidOff int64, tidOffs []int64, glibcTid bool) recordSites {
	var rs recordSites
	const (
		rax, rcx, rdx, r11 = oolstep.RAX, oolstep.RCX, oolstep.RDX, oolstep.R11
	)
	if red != 0 {
		a.LeaRSP(-red)
	}
	a.Bytes(0x9c)             // pushfq
	a.Bytes(0x50, 0x51, 0x52) // push rax, rcx, rdx
	a.Bytes(0x41, 0x53)       // push r11
	if tidOffs != nil {
		// Go code: the thread's tid is its M's procid (set by minit
		// from gettid): g at fs:-8, g.m, m.procid; no system call.
		a.Bytes(0x64, 0x48, 0x8b, 0x04, 0x25, 0xf8, 0xff, 0xff, 0xff) // mov rax, fs:[-8]
		a.Load64(rax, rax, int32(tidOffs[0]))                         // mov rax, [rax+g.m]
		a.Load64(rax, rax, int32(tidOffs[1]))                         // mov rax, [rax+m.procid]
	} else if glibcTid {
		// glibc: the thread's struct pthread is at fs:0, its tid
		// (written by the kernel at clone, CLONE_CHILD_SETTID) at
		// glibcTidOff: no system call.
		rs.tidAt = Addr(a.PC())
		a.Bytes(0x64, 0x8b, 0x04, 0x25) // mov eax, fs:[glibcTidOff]
		a.Bytes(byte(glibcTidOff&0xff), byte(glibcTidOff>>8), 0, 0)
	} else {
		// gettid (the kernel's tid: no table to keep) clobbers rax,
		// rcx, r11.
		a.Bytes(0xb8)
		a.Bytes(sysGettid, 0, 0, 0) // mov eax, 186
		a.Bytes(0x0f, 0x05)         // syscall
	}
	tidDone := a.PC()
	a.Bytes(0x50)                   // push rax (tid)
	a.Bytes(0x0f, 0x31)             // rdtsc
	a.Bytes(0x48, 0xc1, 0xe2, 0x20) // shl rdx, 32
	a.Bytes(0x48, 0x09, 0xd0)       // or rax, rdx
	a.Bytes(0x50)                   // push rax (tsc)
	// stack: tsc, tid, r11, rdx, rcx, rax, flags (56 bytes)
	a.RipRel([]byte{0xf0, 0x48, 0x83}, 0, uint64(cnt), 1) // lock add [hits], 1
	a.MovImm64(rdx, uint64(p.probes.headAddr))
	retry := a.PC()
	a.Bytes(0x48, 0x8b, 0x02)       // mov rax, [rdx]
	a.Bytes(0x48, 0x89, 0xc1)       // mov rcx, rax
	a.Bytes(0x48, 0x2b, 0x4a, 0x40) // sub rcx, [rdx+64]
	a.Bytes(0x48, 0x81, 0xf9)       // cmp rcx, imm32
	a.Bytes(byte(ringCap&0xff), byte(ringCap>>8), byte(ringCap>>16), 0)
	full := a.JccTo(0x3)                  // jae full
	a.Bytes(0x48, 0x8d, 0x48, 0x01)       // lea rcx, [rax+1]
	a.Bytes(0xf0, 0x48, 0x0f, 0xb1, 0x0a) // lock cmpxchg [rdx], rcx
	a.Jcc(0x5, retry)                     // jne retry
	a.Bytes(0x25)                         // and eax, ringCap-1
	a.Bytes(byte((ringCap-1)&0xff), byte((ringCap-1)>>8), 0, 0)
	a.Bytes(0x48, 0x69, 0xc0, recordSize, 0, 0, 0) // imul rax, rax, 192
	a.MovImm64(r11, uint64(p.probes.ring))
	a.Bytes(0x49, 0x01, 0xc3) // add r11, rax
	// mov qword [r11+8], id
	a.Bytes(0x49, 0xc7, 0x43, recProbe*8)
	a.Bytes(byte(pr.ID), byte(pr.ID>>8), byte(pr.ID>>16), byte(pr.ID>>24))
	// mov qword [r11+recPid*8], pid (disp32: past disp8's reach)
	a.Bytes(0x49, 0xc7, 0x83, recPid*8, 0, 0, 0)
	rs.pidAt = Addr(a.PC())
	a.Bytes(byte(p.pid), byte(p.pid>>8), byte(p.pid>>16), byte(p.pid>>24))
	// registers not on the stack
	for _, r := range []byte{oolstep.RBX, oolstep.RBP, oolstep.RSI, oolstep.RDI, oolstep.R8, oolstep.R9,
		oolstep.R10, oolstep.R12, oolstep.R13, oolstep.R14, oolstep.R15} {
		a.Store64(r11, r, int32(8*(recRegs+int(r))))
	}
	for _, x := range []struct {
		sp   int8
		word int
	}{{0, recTSC}, {8, recTid}, {16, recRegs + int(r11)}, {24, recRegs + int(rdx)},
		{32, recRegs + int(rcx)}, {40, recRegs + int(rax)}, {48, recFlags}} {
		a.LoadRSP64(rax, x.sp)
		a.Store64(r11, rax, int32(8*x.word))
	}
	// lea rax, [rsp+56+red]: rsp at the hit
	a.Bytes(0x48, 0x8d, 0x84, 0x24)
	d := uint32(56 + red)
	a.Bytes(byte(d), byte(d>>8), byte(d>>16), byte(d>>24))
	a.Store64(r11, rax, int32(8*(recRegs+int(oolstep.RSP))))
	if goidOff >= 0 {
		// Go: the g is in TLS at fs:-8 on linux/amd64 (runtime.tls_g),
		// its goid at goidOff: read at the hit, while the g is the one.
		a.Bytes(0x64, 0x48, 0x8b, 0x04, 0x25, 0xf8, 0xff, 0xff, 0xff) // mov rax, fs:[-8]
		a.Load64(rax, rax, int32(goidOff))
		a.Store64(r11, rax, 8*recGoid)
	}
	a.Store64(r11, rcx, 8*recSeq) // commit: seq = index+1
	done := a.PC()
	a.LeaRSP(16)        // tsc, tid
	a.Bytes(0x41, 0x5b) // pop r11
	a.Bytes(0x5a, 0x59, 0x58)
	a.Bytes(0x9d) // popfq
	if red != 0 {
		a.LeaRSP(red)
	}
	skip := a.JmpTo() // to the relocated instructions, after the full path
	if rs.tidAt != 0 {
		// The tid from gettid, where glibc's layout is not the
		// program's (checkGlibcTid) or the thread has no TLS (keyFault).
		rs.tidSlow = Addr(a.PC())
		a.Bytes(0xb8)
		a.Bytes(sysGettid, 0, 0, 0) // mov eax, 186
		a.Bytes(0x0f, 0x05)         // syscall
		a.Jmp(tidDone)
	}
	a.Land(full)
	if !pr.Opts.Lossy && word != 0 {
		// Stop only for a live godbg: the liveness word (alive.go) has
		// LiveDeadBit once godbg is gone; then the record is dropped.
		// The stop is a SIGURG the thread sends itself (ptrace sees it
		// first; godbg drains the ring and swallows it): were godbg to
		// die meanwhile, the signal reaches the program, where it is
		// harmless (ignored by default in C, allowed spurious by Go),
		// where an int3's SIGTRAP would kill it.
		a.MovImm64(rcx, uint64(word))
		a.Bytes(0xf7, 0x01) // test dword [rcx], LiveDeadBit
		a.Bytes(0, 0, 0, 0x40)
		dead := a.JccTo(0x5)            // jnz lost
		a.Bytes(0x57, 0x56)             // push rdi, rsi
		a.Bytes(0x8b, 0x7c, 0x24, 0x18) // mov edi, [rsp+24] (the tid)
		a.Bytes(0xbe, byte(unix.SIGURG), 0, 0, 0)
		a.Bytes(0xb8, byte(unix.SYS_TKILL), 0, 0, 0)
		a.Bytes(0x0f, 0x05)      // syscall: tkill(tid, SIGURG)
		rs.trapAt = Addr(a.PC()) // the stop's pc
		a.Bytes(0x5e, 0x5f)      // pop rsi, rdi
		a.Jmp(retry)             // (SIGURG blocked: no stop; it spins until drained)
		a.Land(dead)
	}
	a.RipRel([]byte{0xf0, 0x48, 0x83}, 0, uint64(cnt+8), 1) // lock add [lost], 1
	a.Jmp(done)
	a.Land(skip)
	return rs
}

// recordSites are the places of a recording trampoline godbg needs: the
// full ring's stop, the pid it records (a fork child's copy has its own),
// the tid's load from glibc's struct pthread and the gettid path that can
// replace it.
type recordSites struct {
	trapAt, pidAt, tidAt, tidSlow Addr
}

// pullRing moves the committed records of the ring into the queue (the
// family's, with its probe table: a ring may hold the hits of several
// processes) and frees their slots. It needs no stop: the ring is shared
// memory.
func (p *Process) pullRing() {
	ps, ids := &p.probes, &p.loop().probes
	if ps.head == nil {
		return
	}
	head := atomic.LoadUint64(ps.head)
	tail := atomic.LoadUint64(ps.tail)
	ra := ps.ringArea
	base := int(ps.ring - ra.base - jumpAreaCode)
	for ; tail < head; tail++ {
		off := base + int(tail%ringCap)*recordSize
		w := (*[recordWords]uint64)(unsafe.Pointer(&ra.local[off]))
		if atomic.LoadUint64(&w[recSeq]) != tail+1 {
			break // a thread is still writing it: later
		}
		pr := ids.byID[int(w[recProbe])]
		if pr == nil {
			continue
		}
		rec := ProbeRecord{Probe: pr, Pid: int(w[recPid]), Tid: int(w[recTid]), Time: ps.tsc.time(w[recTSC])}
		r := &rec.Regs
		g := w[recRegs:]
		r.Rax, r.Rcx, r.Rdx, r.Rbx, r.Rsp, r.Rbp, r.Rsi, r.Rdi = g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]
		r.R8, r.R9, r.R10, r.R11, r.R12, r.R13, r.R14, r.R15 = g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]
		r.Eflags = w[recFlags]
		rec.Goid = int64(w[recGoid])
		r.Rip = uint64(pr.Addr)
		ids.queue = append(ids.queue, rec)
	}
	atomic.StoreUint64(ps.tail, tail)
}

// DrainProbes hands every record waiting (ring and queue) to fn, in hit
// order per thread, and frees them. fn may not resume the tracee.
func (p *Process) DrainProbes(fn func(*ProbeRecord) error) error {
	p = p.loop()
	for {
		p.pullRings()
		q := p.probes.queue
		if len(q) == 0 {
			return nil
		}
		p.probes.queue = nil
		for i := range q {
			if err := fn(&q[i]); err != nil {
				p.probes.queue = append(q[i+1:], p.probes.queue...)
				return err
			}
		}
		if p.probes.queue == nil {
			p.probes.queue = q[:0] // reuse: no garbage per drain
		}
	}
}

// ProbesPending tells whether records wait to be drained.
func (p *Process) ProbesPending() bool {
	p = p.loop()
	if len(p.probes.queue) > 0 {
		return true
	}
	if p.ringPending() {
		return true
	}
	if p.fam != nil {
		for _, q := range p.fam.procs {
			if q.ringPending() {
				return true
			}
		}
	}
	return false
}

func (p *Process) ringPending() bool {
	ps := &p.probes
	return ps.head != nil && atomic.LoadUint64(ps.head) != atomic.LoadUint64(ps.tail)
}

// Goid is the goroutine id of a record's thread at the hit (Go), read from
// the g its r14 held: the goroutine's g lives on after the hit.
func (p *Process) Goid(r *ProbeRecord) (int64, bool) {
	if r.Goid != 0 {
		return r.Goid, true
	}
	if p.exited || !p.goidReader() {
		return 0, false
	}
	return p.goids.GoroutineID(memory{p}, frameRegs{r: &r.Regs, pc: r.Regs.Rip})
}

// ProbeFullStops counts the stops of threads that found the ring full.
func (p *Process) ProbeFullStops() int { return p.probes.fullStops }

// Probes lists the live probes.
func (p *Process) Probes() []*Probe { return append([]*Probe(nil), p.probes.probes...) }

// startProbeWatch starts the goroutine that wakes the loop when the ring
// passes half full. It only reads shared memory and sends a signal, as the
// ticker does (ticks.go), but SIGURG rather than SIGSTOP: were godbg to die
// with the signal in flight, a SIGSTOP would stop the program for good,
// where a SIGURG is harmless (ignored by default in C, allowed spurious by
// Go's runtime). The loop knows it by its sender (probeWake).
func (p *Process) startProbeWatch() {
	ps := &p.probes
	if ps.watchQuit != nil || ps.head == nil {
		return
	}
	ps.watchQuit, ps.done = make(chan struct{}), make(chan struct{})
	head, tail, pid, quit, done := ps.head, ps.tail, p.pid, ps.watchQuit, ps.done
	armed := &p.tick.armed
	go func() {
		defer close(done)
		ts := unix.Timespec{Nsec: 500_000} // 0.5 ms: a full ring takes >4 ms at 1M hits/s
		for {
			unix.Nanosleep(&ts, nil)
			select {
			case <-quit:
				return
			default:
			}
			if !armed.Load() {
				continue
			}
			if atomic.LoadUint64(head)-atomic.LoadUint64(tail) >= ringCap/2 && ps.wake.CompareAndSwap(false, true) {
				if unix.Kill(pid, unix.SIGURG) != nil {
					return
				}
			}
		}
	}()
}

// execProbes forgets p's jump probes, the ring and the jump areas at an
// exec: the new image has none of them (a later probe maps its own). The
// records already written are taken first; a dropped probe is deleted and
// keeps its count (godbg's side of the shared data stays mapped), unless
// another followed process holds it still (probeshare.go). Trap probes
// are sites: they go or stay with the breakpoints (execed).
func (p *Process) execProbes() {
	ps := &p.probes
	p.stopProbeWatch()
	p.pullRing()
	kept := ps.probes[:0]
	for _, pr := range ps.probes {
		if c, _ := pr.copyIn(p); c.js == nil {
			kept = append(kept, pr)
			continue
		}
		pr.dropExeced(p)
	}
	ps.probes = kept
	ps.ringArea, ps.head, ps.tail, ps.ring, ps.headAddr = nil, nil, nil, 0, 0
	ps.count = countTables{}
	ps.tidUnchecked, ps.notGlibc = false, false
	p.jumps = jumpState{}
}

// stopProbeWatch ends the watcher (detach, exit).
func (p *Process) stopProbeWatch() {
	ps := &p.probes
	if ps.watchQuit == nil {
		return
	}
	close(ps.watchQuit)
	<-ps.done
	ps.watchQuit, ps.done = nil, nil
}

// probeWake tells whether t's SIGURG stop is the watcher's wake-up (sent
// by godbg with kill(2) while one is in flight), and takes it: the signal
// is not the program's, and the ring is due to be drained.
func (p *Process) probeWake(t *Thread) bool {
	if !p.probes.wake.Load() {
		return false
	}
	si, err := ptraceSigInfo(t.tid)
	if err != nil || si.Code != 0 { // SI_USER
		return false
	}
	if pid, _ := siginfoSender(si); pid != os.Getpid() {
		return false
	}
	p.probes.wake.Store(false)
	p.loop().probes.due = true // the loop's: it drains every ring
	t.pendingSig = 0
	return true
}

// tscClock converts the trampolines' rdtsc readings to time.
type tscClock struct {
	c0   uint64
	t0   time.Time
	rate float64 // ns per tick
}

func (c *tscClock) start() {
	if c.rate != 0 {
		return
	}
	c.c0, c.t0 = rdtsc(), time.Now()
	time.Sleep(10 * time.Millisecond)
	c.calibrate()
}

func (c *tscClock) calibrate() {
	c1, t1 := rdtsc(), time.Now()
	if c1 > c.c0 {
		c.rate = float64(t1.Sub(c.t0).Nanoseconds()) / float64(c1-c.c0)
	}
}

func (c *tscClock) time(tsc uint64) time.Time {
	return c.t0.Add(time.Duration(float64(int64(tsc-c.c0)) * c.rate))
}

func rdtsc() uint64

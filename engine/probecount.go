package engine

// Per-thread counters for counting probes. A locked add costs about 5 ns
// on these machines (a bare call of hot_c costs 1.1 ns), so a counting
// probe's trampoline adds to a slot of its own thread's instead, with a
// plain add: exact as long as no two threads running at once share a slot.
// A slot is {key, count}, 16 bytes; the key names the thread:
//
//   - keySelf: fs:[0], the thread pointer the x86-64 TLS ABI keeps at the
//     start of the TCB (glibc, musl, cgo programs): one load.
//   - keyGoM: g.m, the M (OS thread) of the g at fs:-8 in a Go program
//     without libc (runtime.settls), whose fs:0 is no thread pointer: two
//     loads; a goroutine that moves to another M counts in that M's slot.
//
// The key hashes to a slot (multiplicative); the first free one of
// countProbe claims it with lock cmpxchg. Key 0 (no TLS), a table full of
// other threads and a demoted probe count with the locked add into the
// shared word, so the count stays exact: Hits sums the shared word and the
// slots. Two threads share a key only if they share a TLS: a clone without
// CLONE_SETTLS (or with a TLS another thread has) is seen at its
// PTRACE_EVENT_CLONE, and a fork child's copy (whose data is the same
// shared memory) is given its own counting; both demote the process's
// tables to the locked add: its key load becomes a jmp to it. A thread
// with no TLS yet (fs base 0: the loader before it sets one up) faults on
// the key load; godbg sends it to the locked add and demotes the process
// (keyFault). Not seen: a thread that moves its TLS onto another's with
// arch_prctl(ARCH_SET_FS) (docs/lua-api.md says so).

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/godbg/godbg/engine/internal/oolstep"
	"github.com/godbg/godbg/engine/internal/ptrace"
	"golang.org/x/sys/unix"
)

const (
	countSlots = 64 // a power of two
	countProbe = 4  // slots tried from the hashed one (no wrap: the table has countProbe-1 more)
	countTable = 16 * (countSlots + countProbe - 1)
	emptyKey   = ^uint64(0) // a free slot's key: no thread pointer is that
)

// countKey is how a process's counting trampolines name their thread.
type countKey int

const (
	keyUnknown countKey = iota
	keyNone             // the locked add only
	keySelf
	keyGoM
)

// countTables is a process's per-thread counting state.
type countTables struct {
	key  countKey
	gmOf int64 // keyGoM: the offset of runtime.g.m
	// tls are the TLS bases given to the threads, with the thread
	// (fs_base at the first counting probe, the CLONE_SETTLS value of each
	// clone since): a clone whose TLS is a live thread's, or that has none
	// of its own, demotes. A dead thread's TLS is reused (glibc keeps the
	// stacks of threads gone, their TCB on them).
	tls map[uint64]int
}

// countKeyMode decides once how p's threads are named, and checks it on
// the threads stopped now that have a TLS.
func (p *Process) countKeyMode() countKey {
	ct := &p.probes.count
	if ct.key != keyUnknown {
		return ct.key
	}
	ct.key = keySelf
	if p.bin.IsGo() && p.libs.interp == "" {
		ct.key = keyNone
		if offs := p.goTidOffsets(); offs != nil {
			ct.key, ct.gmOf = keyGoM, offs[0]
		}
	}
	ct.tls = map[uint64]int{}
	p.withTLS(func(t *Thread, fs uint64) {
		if _, ok := ct.tls[fs]; ok {
			ct.key = keyNone // two threads, one TLS
		}
		ct.tls[fs] = t.tid
		switch ct.key {
		case keySelf:
			if v, err := p.readU64(Addr(fs)); err != nil || v != fs {
				ct.key = keyNone
			}
		case keyGoM:
			g, err := p.readU64(Addr(fs - 8))
			if err != nil || g == 0 {
				ct.key = keyNone
				break
			}
			if m, err := p.readU64(Addr(g + uint64(ct.gmOf))); err != nil || m == 0 {
				ct.key = keyNone
			}
		}
	})
	return ct.key
}

// emitCountTable emits a counting trampoline with per-thread slots at
// table (countTable bytes, keys emptyKey) and the shared word cnt. It
// returns the address of the key load (the one that may fault, and the one
// a demotion overwrites) and of the locked add.
func emitCountTable(a *oolstep.Asm, key countKey, gmOf int64, flagsDead bool, red int32, cnt, table Addr) (keyAt, lockedAt Addr) {
	const rax, rcx, rdx = oolstep.RAX, oolstep.RCX, oolstep.RDX
	fast := hasLahf()
	if red != 0 {
		a.LeaRSP(-red)
	}
	a.Bytes(0x50) // push rax
	if !flagsDead {
		if fast {
			a.Bytes(0x9f)             // lahf
			a.Bytes(0x0f, 0x90, 0xc0) // seto al
			a.Bytes(0x50)             // push rax (the flags)
		} else {
			a.Bytes(0x9c) // pushfq
		}
	}
	a.Bytes(0x51, 0x52) // push rcx, rdx
	keyAt = Addr(a.PC())
	switch key {
	case keySelf:
		a.Bytes(0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0) // mov rax, fs:[0]
	case keyGoM:
		a.Bytes(0x64, 0x48, 0x8b, 0x04, 0x25, 0xf8, 0xff, 0xff, 0xff) // mov rax, fs:[-8] (g)
		a.Load64(rax, rax, int32(gmOf))                               // mov rax, [rax+g.m]
	}
	a.Bytes(0x48, 0x69, 0xd0, 0xb1, 0x79, 0x37, 0x9e) // imul rdx, rax, 0x9e3779b1
	a.Bytes(0x48, 0xc1, 0xea, 64-6)                   // shr rdx, 58: the slot
	a.Bytes(0x48, 0xc1, 0xe2, 4)                      // shl rdx, 4
	a.RipRel([]byte{0x48, 0x8d}, rcx, uint64(table))  // lea rcx, [table]
	a.Bytes(0x48, 0x01, 0xd1)                         // add rcx, rdx
	a.Bytes(0x48, 0x39, 0x01)                         // cmp [rcx], rax
	slow := a.JccTo(0x5)                              // jne slow
	hit := a.PC()
	a.Bytes(0x48, 0x83, 0x41, 0x08, 0x01) // add qword [rcx+8], 1: this thread's slot
	out := a.PC()
	a.Bytes(0x5a, 0x59) // pop rdx, rcx
	if !flagsDead {
		if fast {
			a.Bytes(0x58)       // pop rax (the flags)
			a.Bytes(0x04, 0x7f) // add al, 0x7f: OF = the saved OF
			a.Bytes(0x9e)       // sahf
		} else {
			a.Bytes(0x9d) // popfq
		}
	}
	a.Bytes(0x58) // pop rax
	if red != 0 {
		a.LeaRSP(red)
	}
	skip := a.JmpTo() // to the relocated instructions

	a.Land(slow)
	a.Bytes(0x48, 0x85, 0xc0)          // test rax, rax
	noKey := a.JccTo(0x4)              // jz locked: no TLS
	a.Bytes(0xba, countProbe, 0, 0, 0) // mov edx, countProbe
	again := a.PC()
	a.Bytes(0x48, 0x39, 0x01)       // cmp [rcx], rax
	a.Jcc(0x4, hit)                 // je hit
	a.Bytes(0x48, 0x83, 0x39, 0xff) // cmp qword [rcx], -1
	claim := a.JccTo(0x4)           // je claim
	next := a.PC()
	a.Bytes(0x48, 0x83, 0xc1, 0x10) // add rcx, 16
	a.Bytes(0xff, 0xca)             // dec edx
	a.Jcc(0x5, again)               // jnz again
	a.Land(noKey)
	lockedAt = Addr(a.PC())
	a.RipRel([]byte{0xf0, 0x48, 0x83}, 0, uint64(cnt), 1) // lock add qword [cnt], 1
	a.Jmp(out)
	a.Land(claim)
	a.Bytes(0x52)                                     // push rdx
	a.Bytes(0x48, 0x89, 0xc2)                         // mov rdx, rax (the key)
	a.Bytes(0x48, 0xc7, 0xc0, 0xff, 0xff, 0xff, 0xff) // mov rax, -1
	a.Bytes(0xf0, 0x48, 0x0f, 0xb1, 0x11)             // lock cmpxchg [rcx], rdx
	a.Bytes(0x48, 0x89, 0xd0)                         // mov rax, rdx (flags kept)
	a.Bytes(0x5a)                                     // pop rdx
	a.Jcc(0x4, hit)                                   // je hit: the slot is this thread's
	a.Jmp(next)                                       // taken meanwhile: on
	a.Land(skip)
	return keyAt, lockedAt
}

// keyJump and tidJump name a trampoline's detour (patchTramps): its key
// load to its locked add (probecount), its tid load from glibc's struct
// pthread to its gettid path (a recording trampoline).
func keyJump(c probeCopy) (at, to Addr) { return c.keyAt, c.lockedAt }

func tidJump(c probeCopy) (at, to Addr) {
	if c.js == nil {
		return 0, 0
	}
	return c.js.tidAt, c.js.tidSlow
}

// patchTramps writes, through write (the memory of p or of a fork child of
// p's, whose trampolines are a copy of p's), a jmp over the place detour
// names in each of p's live trampolines that has it. The caller has every
// thread of that process stopped.
func (p *Process) patchTramps(write func(at Addr, b []byte) error, detour func(probeCopy) (at, to Addr)) error {
	for _, pr := range p.probes.probes {
		c, _ := pr.copyIn(p) // p's trampoline
		at, to := detour(c)
		if at == 0 || pr.deleted {
			continue
		}
		j := &oolstep.Asm{Base: uint64(at)}
		j.Jmp(uint64(to))
		if err := write(at, j.B); err != nil {
			return err
		}
	}
	return nil
}

// patchTrampsHeld is patchTramps on p's own memory, every thread of p's
// held but t (stopped).
func (p *Process) patchTrampsHeld(t *Thread, detour func(probeCopy) (at, to Addr)) error {
	restart, err := p.holdOthers(t)
	if err != nil {
		return err
	}
	err = p.patchTramps(p.writeRaw, detour)
	if rerr := restart(); err == nil {
		err = rerr
	}
	return err
}

// demoteAll makes every counting trampoline of p's count with the locked
// add from now on: the key load becomes a jmp to it.
func (p *Process) demoteAll(t *Thread) error {
	ct := &p.probes.count
	if ct.key == keyNone {
		return nil
	}
	ct.key = keyNone
	return p.patchTrampsHeld(t, keyJump)
}

// keyFault handles a SIGSEGV of a counting trampoline's key load (a thread
// without a TLS): the thread counts with the locked add, the signal is
// not the program's, and p's tables are demoted; of a recording one's tid
// load from glibc's struct pthread: the thread takes gettid's. ok: it was
// one.
func (p *Process) keyFault(t *Thread, sig unix.Signal, pc Addr) (ok bool, err error) {
	if sig != unix.SIGSEGV {
		return false, nil
	}
	for _, pr := range p.probes.probes {
		c, _ := pr.copyIn(p) // p's trampoline
		if c.js != nil && c.js.tidAt != 0 && pc == c.js.tidAt {
			// A recording trampoline's tid load: gettid instead.
			r, err := t.Regs()
			if err != nil {
				return false, err
			}
			r.Rip = uint64(c.js.tidSlow)
			t.regsDirty = true
			return true, nil
		}
		if c.keyAt == 0 || pc < c.keyAt || pc >= c.keyAt+16 {
			continue
		}
		r, err := t.Regs()
		if err != nil {
			return false, err
		}
		r.Rip = uint64(c.lockedAt)
		t.regsDirty = true
		return true, p.demoteAll(t)
	}
	return false, nil
}

// checkCloneTLS checks that thread t's clone system call (stopped at its
// PTRACE_EVENT_CLONE), which made thread tid, gives it a TLS no live
// thread has, and demotes p's counting tables when not.
func (p *Process) checkCloneTLS(t *Thread, tid int) error {
	ct := &p.probes.count
	if ct.key != keySelf {
		return nil
	}
	r, err := t.Regs()
	if err != nil {
		return nil // gone: no clone to check
	}
	var flags, tls uint64
	switch r.Orig_rax {
	case unix.SYS_CLONE:
		flags, tls = r.Rdi, r.R8
	case unix.SYS_CLONE3:
		var err1, err2 error
		flags, err1 = p.readU64(Addr(r.Rdi))
		tls, err2 = p.readU64(Addr(r.Rdi + 56))
		if err1 != nil || err2 != nil {
			return p.demoteAll(t)
		}
	default:
		return p.demoteAll(t)
	}
	if flags&unix.CLONE_VM == 0 || flags&unix.CLONE_VFORK != 0 {
		return nil // its own memory, or its parent waits
	}
	if flags&unix.CLONE_SETTLS == 0 {
		return p.demoteAll(t)
	}
	if tls != 0 {
		if owner, ok := ct.tls[tls]; ok && owner != tid && p.threadLives(owner) {
			return p.demoteAll(t)
		}
		ct.tls[tls] = tid
	}
	return nil
}

// threadLives tells whether thread tid of p may still run code: known,
// and neither gone nor a zombie in /proc.
func (p *Process) threadLives(tid int) bool {
	if p.threads[tid] == nil {
		return false
	}
	st := ptrace.StatusField(fmt.Sprintf("/proc/%d/task/%d/status", p.pid, tid), "State:")
	return st != "" && st[0] != 'Z' && st[0] != 'X'
}

// glibcLoader tells whether the program's loader is glibc's (whose libc
// keeps a thread's tid in its struct pthread at glibcTidOff).
func (p *Process) glibcLoader() bool {
	return strings.HasPrefix(filepath.Base(p.libs.interp), "ld-linux-x86-64.so")
}

// checkGlibcTid checks, at t's stop, the glibc layout recording trampolines
// were given before any thread had a TLS: t's tid at fs:glibcTidOff. Once
// a thread with a TLS says yes, no more checks; if it says no, every such
// load of p's becomes a jmp to the trampoline's gettid path.
func (p *Process) checkGlibcTid(t *Thread) error {
	if t.vforkOf != nil {
		return nil
	}
	r, err := t.Regs()
	if err != nil || r.Fs_base == 0 {
		return nil
	}
	p.probes.tidUnchecked = false
	if v, err := p.readU64(Addr(r.Fs_base + glibcTidOff)); err == nil && int(uint32(v)) == t.tid {
		return nil
	}
	p.probes.notGlibc = true
	return p.patchTrampsHeld(t, tidJump)
}

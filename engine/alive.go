package engine

// The liveness word: a 32-bit word in the tracee's memory that says whether
// godbg's tracer thread still lives, so that code godbg put in the tracee (a
// trampoline) can test it before it stops the thread for godbg, and run on
// untouched when godbg is gone, SIGKILL included.
//
// The word sits in a page shared between godbg and the tracee (a memfd the
// tracee creates, mapped MAP_SHARED by both, then its fd closed). godbg
// writes its tracer thread's tid there and makes the word the one entry (one
// per traced process) of that thread's robust futex list (set_robust_list(2),
// Documentation/locking/robust-futex-ABI.rst). When the thread exits, however
// it dies, the kernel walks the list in do_exit -> exit_mm -> futex_exit_release
// -> exit_robust_list, and for a word holding the dying thread's tid stores
// FUTEX_OWNER_DIED (bit 30) with the tid bits cleared; exit_notify, which
// detaches the tracees (exit_ptrace), runs later in do_exit. So a tracee thread
// never runs detached while the word still says alive. A clean detach stores
// the same bit itself before it unmaps the page.
//
// Layout of the page: offset 0 the word (u32); offset 8 the robust list entry
// (struct robust_list: next) whose futex_offset (in the head, kept in
// godbg's own memory) is -8.

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// LiveDeadBit is the bit of the liveness word set once godbg's tracer thread
// is gone (FUTEX_OWNER_DIED, include/uapi/linux/futex.h).
const LiveDeadBit = 1 << 30

const (
	livePageSize   = 4096
	liveEntryOff   = 8 // struct robust_list in the page
	liveFutexDelta = -liveEntryOff
)

// livePage is one process's shared page.
type livePage struct {
	mine   []byte // godbg's mapping
	tracee Addr   // the tracee's mapping; 0 once unmapped there
	tid    int    // the tracer thread whose robust list holds it
	tried  bool   // made or failed once: not tried again until exec
	err    error
}

func (l *livePage) word() *uint32 { return (*uint32)(unsafe.Pointer(&l.mine[0])) }
func (l *livePage) next() *uint64 { return (*uint64)(unsafe.Pointer(&l.mine[liveEntryOff])) }
func (l *livePage) entry() uint64 { return uint64(uintptr(unsafe.Pointer(&l.mine[liveEntryOff]))) }

// robustList is one tracer thread's robust futex list: its head, in an
// anonymous page of godbg's (never moved by Go's collector), and the pages
// linked from it. Only that thread changes it, and the kernel only reads it
// when that thread exits; every change is one 8-byte store that leaves a
// well-formed list, so a kill between two stores finds a valid list.
type robustList struct {
	head    []byte // struct robust_list_head {next, futex_offset, list_op_pending}
	pages   []*livePage
	oldHead uintptr // the list the thread had before (glibc's, in a cgo build)
	oldLen  uintptr
}

var (
	robustMu    sync.Mutex
	robustLists = map[int]*robustList{} // by tracer tid
)

func (r *robustList) headAddr() uint64 { return uint64(uintptr(unsafe.Pointer(&r.head[0]))) }

func (r *robustList) headNext() *uint64 { return (*uint64)(unsafe.Pointer(&r.head[0])) }

// link rewrites the chain head -> pages... -> head: each page's next is set
// before the store that makes it reachable.
func (r *robustList) link() {
	next := r.headAddr()
	for i := len(r.pages) - 1; i >= 0; i-- {
		atomic.StoreUint64(r.pages[i].next(), next)
		next = r.pages[i].entry()
	}
	atomic.StoreUint64(r.headNext(), next)
}

// robustAdd links l into the calling thread's list, registering the list
// with the kernel on first use.
func robustAdd(l *livePage) error {
	robustMu.Lock()
	defer robustMu.Unlock()
	tid := unix.Gettid()
	r := robustLists[tid]
	if r == nil {
		head, err := unix.Mmap(-1, 0, livePageSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
		if err != nil {
			return fmt.Errorf("liveness word: map the robust list head: %w", err)
		}
		r = &robustList{head: head}
		*(*int64)(unsafe.Pointer(&head[8])) = liveFutexDelta
		r.link() // empty: head points to itself
		// get_robust_list(0, &head, &len): the thread's list before ours.
		if _, _, e := unix.Syscall(unix.SYS_GET_ROBUST_LIST, 0,
			uintptr(unsafe.Pointer(&r.oldHead)), uintptr(unsafe.Pointer(&r.oldLen))); e != 0 {
			r.oldHead, r.oldLen = 0, 0
		}
		if _, _, e := unix.Syscall(unix.SYS_SET_ROBUST_LIST, uintptr(r.headAddr()), 24, 0); e != 0 {
			unix.Munmap(head)
			return fmt.Errorf("liveness word: set_robust_list: %w", e)
		}
		robustLists[tid] = r
	}
	l.tid = tid
	r.pages = append(r.pages, l)
	r.link()
	return nil
}

// robustRemove unlinks l from its thread's list; the last page gone, the
// thread gets its former list back. Called on the tracer thread.
func robustRemove(l *livePage) {
	robustMu.Lock()
	defer robustMu.Unlock()
	r := robustLists[l.tid]
	if r == nil {
		return
	}
	for i, q := range r.pages {
		if q == l {
			r.pages = append(r.pages[:i], r.pages[i+1:]...)
			break
		}
	}
	r.link()
	if len(r.pages) == 0 && l.tid == unix.Gettid() {
		unix.Syscall(unix.SYS_SET_ROBUST_LIST, r.oldHead, r.oldLen, 0)
		unix.Munmap(r.head)
		delete(robustLists, l.tid)
	}
}

// liveWord returns the address in the tracee of the liveness word, making
// the shared page on first use: t must be stopped and not inside a system
// call (injectSyscall), and the caller must be the tracer thread. The word
// holds the tracer's tid while godbg lives and has LiveDeadBit set once it
// is gone. The page is mapped just below the scratch area when the kernel
// takes the hint (rip-relative reach from the slots), else anywhere.
func (p *Process) liveWord(t *Thread) (Addr, error) {
	l := &p.live
	if l.tracee != 0 {
		return l.tracee, nil
	}
	if l.tried {
		if l.err == nil {
			l.err = fmt.Errorf("liveness word: no longer mapped")
		}
		return 0, l.err
	}
	l.tried = true
	at, err := p.makeLivePage(t)
	if err != nil {
		l.err = fmt.Errorf("liveness word: %w", err)
		return 0, l.err
	}
	return at, nil
}

func (p *Process) makeLivePage(t *Thread) (Addr, error) {
	if err := p.ensureScratch(t); err != nil {
		return 0, err
	}
	if p.scratch.base == 0 {
		return 0, fmt.Errorf("no scratch area in the tracee")
	}
	name, _ := p.scratch.dataArea()
	if err := p.writeRaw(name, []byte("godbg-alive\x00")); err != nil {
		return 0, err
	}
	fd, err := p.injectSyscall(t, unix.SYS_MEMFD_CREATE, uint64(name), unix.MFD_CLOEXEC)
	if err := syscallResult("memfd_create", fd, err); err != nil {
		return 0, err
	}
	closeFd := func() { p.injectSyscall(t, unix.SYS_CLOSE, fd) }
	f, err := os.OpenFile(fmt.Sprintf("/proc/%d/fd/%d", p.pid, fd), os.O_RDWR, 0)
	if err != nil {
		closeFd()
		return 0, err
	}
	defer f.Close()
	if err := f.Truncate(livePageSize); err != nil {
		closeFd()
		return 0, err
	}
	mine, err := unix.Mmap(int(f.Fd()), 0, livePageSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		closeFd()
		return 0, err
	}
	l := &p.live
	l.mine = mine
	atomic.StoreUint32(l.word(), uint32(unix.Gettid()))
	hint := uint64(p.scratch.base) - livePageSize
	at, err := p.injectSyscall(t, unix.SYS_MMAP, hint, livePageSize, unix.PROT_READ, unix.MAP_SHARED, fd, 0)
	err = syscallResult("mmap", at, err)
	closeFd()
	if err != nil {
		unix.Munmap(mine)
		l.mine = nil
		return 0, err
	}
	l.tracee = Addr(at)
	if err := robustAdd(l); err != nil {
		p.dropLiveWord()
		return 0, err
	}
	return l.tracee, nil
}

// syscallResult turns an injected call's raw result into an error.
func syscallResult(name string, ret uint64, err error) error {
	if err != nil {
		return fmt.Errorf("%s in the tracee: %w", name, err)
	}
	if e := int64(ret); e < 0 && e > -4096 {
		return fmt.Errorf("%s in the tracee: %w", name, unix.Errno(-e))
	}
	return nil
}

// unmapLiveWord marks the word dead and unmaps the page in the tracee
// (Detach): a stopped thread that is not inside a system call runs munmap.
// With no such thread the page stays, saying dead.
func (p *Process) unmapLiveWord() error {
	l := &p.live
	if l.tracee == 0 {
		return nil
	}
	atomic.StoreUint32(l.word(), LiveDeadBit)
	for _, t := range p.Threads() {
		if t.running || t.sys.InCall || t.sys.AtEntry || t.vforkOf != nil || p.vforkHeld(t) {
			continue
		}
		ret, err := p.injectSyscall(t, unix.SYS_MUNMAP, uint64(l.tracee), livePageSize)
		if err := syscallResult("munmap of the liveness word", ret, err); err != nil {
			return err
		}
		l.tracee = 0
		break
	}
	return nil
}

// markDead makes the word say dead (Detach: no more stops for godbg).
func (l *livePage) markDead() {
	if l.mine != nil {
		atomic.StoreUint32(l.word(), LiveDeadBit)
	}
}

// dropLiveWord forgets godbg's side of the page (detach, exit, exec): the
// word says dead, leaves the robust list, and godbg's mapping goes.
func (p *Process) dropLiveWord() {
	l := &p.live
	if l.mine != nil {
		atomic.StoreUint32(l.word(), LiveDeadBit)
		robustRemove(l)
		unix.Munmap(l.mine)
	}
	*l = livePage{}
}

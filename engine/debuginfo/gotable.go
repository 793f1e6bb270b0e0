package debuginfo

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// GoTable is what every Go binary keeps when it is built without DWARF
// (-ldflags=-w, the distributed toolchain's commands): the runtime's own
// function table (pclntab) and the build information. The engine passes
// symtab's reader; file addresses throughout.
type GoTable interface {
	// PCToLine is the source position of a pc (pcfile and pcln tables).
	PCToLine(pc uint64) (file string, line int, ok bool)
	// SPDelta is the runtime's funcspdelta at pc (the pcsp table).
	SPDelta(pc uint64) (delta int64, ok bool)
	// GoVersion is the release the program was built with, "go1.26.8".
	GoVersion() string
	// Func finds a function by name: its entry and size.
	Func(name string) (entry, size uint64, ok bool)
}

// SetGoTable gives the Info the program's pclntab, used where DWARF is
// missing: source lines, unwinding by stack-pointer deltas, and the runtime.g
// layout of the program's Go version.
func (i *Info) SetGoTable(t GoTable) { i.gotab = t }

// gLayout is the layout of runtime.g for one Go release (amd64).
type gLayout struct {
	GOffsets    // AllGs left 0: found per binary
	waitReasons []string
	version     string
}

// gLayouts are the runtime.g offsets of each supported Go release, for
// programs without DWARF. Source: each release's src/runtime/runtime2.go
// (type g, type gobuf, type stack; the waitReason constants and their
// comments, in order); the numbers are those the compiler's own DWARF type
// runtime.g gives for that release on amd64, read from the seed's break
// program built by go1.24.0, go1.25.0 and go1.26.8 (the golang.org/toolchain
// modules); TestGLayoutMatchesDWARF checks the installed toolchain's entry
// on every run. A patch release keeps its release's layout.
var gLayouts = []gLayout{
	{
		version: "go1.26",
		GOffsets: GOffsets{Size: 456, StackLo: 0, StackHi: 8, Goid: 152, AtomicStatus: 144,
			SchedSP: 56, SchedPC: 64, SchedBP: 96, StartPC: 304, GoPC: 288, WaitReason: 176},
		waitReasons: waitReasons126,
	},
	{
		version: "go1.25",
		GOffsets: GOffsets{Size: 440, StackLo: 0, StackHi: 8, Goid: 152, AtomicStatus: 144,
			SchedSP: 56, SchedPC: 64, SchedBP: 96, StartPC: 296, GoPC: 280, WaitReason: 176},
		waitReasons: waitReasons125,
	},
	{
		version: "go1.24",
		GOffsets: GOffsets{Size: 440, StackLo: 0, StackHi: 8, Goid: 160, AtomicStatus: 152,
			SchedSP: 56, SchedPC: 64, SchedBP: 104, StartPC: 304, GoPC: 288, WaitReason: 184},
		waitReasons: waitReasons124,
	},
}

// waitReasons126 is go1.26's waitReasonStrings, indexed by g.waitreason
// (src/runtime/runtime2.go).
var waitReasons126 = []string{
	"", "GC assist marking", "IO wait", "dumping heap", "garbage collection",
	"garbage collection scan", "panicwait", "GC assist wait", "GC sweep wait",
	"GC scavenge wait", "finalizer wait", "force gc (idle)", "GOMAXPROCS updater (idle)",
	"semacquire", "sleep", "chan receive (nil chan)", "chan send (nil chan)",
	"select (no cases)", "select", "chan receive", "chan send", "sync.Cond.Wait",
	"sync.Mutex.Lock", "sync.RWMutex.RLock", "sync.RWMutex.Lock", "sync.WaitGroup.Wait",
	"trace reader (blocked)", "wait for GC cycle", "GC worker (idle)", "GC worker (active)",
	"preempted", "debug call", "GC mark termination", "stopping the world",
	"flushing proc caches", "trace goroutine status", "trace proc status",
	"page trace flush", "coroutine", "GC weak to strong wait", "synctest.Run",
	"synctest.Wait", "chan receive (durable)", "chan send (durable)", "select (durable)",
	"sync.WaitGroup.Wait (durable)", "cleanup wait",
}

// waitReasons125 is go1.25's: the nil-channel, select and channel reasons
// sit earlier than in go1.26.
var waitReasons125 = []string{
	"", "GC assist marking", "IO wait", "chan receive (nil chan)", "chan send (nil chan)",
	"dumping heap", "garbage collection", "garbage collection scan", "panicwait", "select",
	"select (no cases)", "GC assist wait", "GC sweep wait", "GC scavenge wait", "chan receive",
	"chan send", "finalizer wait", "force gc (idle)", "GOMAXPROCS updater (idle)", "semacquire",
	"sleep", "sync.Cond.Wait", "sync.Mutex.Lock", "sync.RWMutex.RLock", "sync.RWMutex.Lock",
	"sync.WaitGroup.Wait", "trace reader (blocked)", "wait for GC cycle", "GC worker (idle)",
	"GC worker (active)", "preempted", "debug call", "GC mark termination", "stopping the world",
	"flushing proc caches", "trace goroutine status", "trace proc status", "page trace flush",
	"coroutine", "GC weak to strong wait", "synctest.Run", "synctest.Wait",
	"chan receive (durable)", "chan send (durable)", "select (durable)",
	"sync.WaitGroup.Wait (durable)", "cleanup wait",
}

// waitReasons124 is go1.24's.
var waitReasons124 = []string{
	"", "GC assist marking", "IO wait", "chan receive (nil chan)", "chan send (nil chan)",
	"dumping heap", "garbage collection", "garbage collection scan", "panicwait", "select",
	"select (no cases)", "GC assist wait", "GC sweep wait", "GC scavenge wait", "chan receive",
	"chan send", "finalizer wait", "force gc (idle)", "semacquire", "sleep", "sync.Cond.Wait",
	"sync.Mutex.Lock", "sync.RWMutex.RLock", "sync.RWMutex.Lock", "sync.WaitGroup.Wait",
	"trace reader (blocked)", "wait for GC cycle", "GC worker (idle)", "GC worker (active)",
	"preempted", "debug call", "GC mark termination", "stopping the world",
	"flushing proc caches", "trace goroutine status", "trace proc status", "page trace flush",
	"coroutine", "GC weak to strong wait", "synctest.Run", "synctest.Wait",
	"chan receive (synctest)", "chan send (synctest)", "select (synctest)",
}

// SupportedGoVersions lists the Go releases whose runtime.g layout is
// known without DWARF.
func SupportedGoVersions() []string {
	var out []string
	for _, l := range gLayouts {
		out = append(out, l.version)
	}
	return out
}

// layoutFor finds the layout of a release ("go1.26.8" -> go1.26).
func layoutFor(version string) (*gLayout, error) {
	if version == "" {
		return nil, errors.New("no DWARF and no Go build information: the runtime.g layout is unknown")
	}
	for k := range gLayouts {
		l := &gLayouts[k]
		if version == l.version || strings.HasPrefix(version, l.version+".") || strings.HasPrefix(version, l.version+"rc") {
			return l, nil
		}
	}
	return nil, fmt.Errorf("no DWARF, and the runtime.g layout of %s is not known (known: %s)", version, strings.Join(SupportedGoVersions(), ", "))
}

// NewGoidReaderForVersion is NewGoidReader for a program without DWARF:
// the offsets come from the table of its Go release.
func NewGoidReaderForVersion(version string) (*GoidReader, error) {
	l, err := layoutFor(version)
	if err != nil {
		return nil, fmt.Errorf("goroutine ids: %w", err)
	}
	return &GoidReader{goid: l.Goid, stackLo: l.StackLo}, nil
}

// tableGOffsets is computeGOffsets without DWARF: the release's layout,
// and runtime.allgs from the ELF symbols or, in a stripped binary, from the
// code of runtime.allgadd.
func (i *Info) tableGOffsets() (GOffsets, error) {
	if i.gotab == nil {
		return GOffsets{}, errors.New("goroutines: no DWARF")
	}
	l, err := layoutFor(i.gotab.GoVersion())
	if err != nil {
		return GOffsets{}, fmt.Errorf("goroutines: %w", err)
	}
	o := l.GOffsets
	if a, ok := i.symbolValue("runtime.allgs"); ok {
		o.AllGs = a
		return o, nil
	}
	a, err := i.allgsFromCode()
	if err != nil {
		return GOffsets{}, fmt.Errorf("goroutines: %w", err)
	}
	o.AllGs = a
	return o, nil
}

// allgsFromCode finds runtime.allgs in a binary without symbols. allgadd
// (src/runtime/proc.go) does `allgs = append(allgs, gp)`: its code loads
// and stores the slice's three words, pointer, length and capacity, by
// RIP-relative operands. The one address X whose X, X+8 and X+16 all
// appear is the slice header.
func (i *Info) allgsFromCode() (uint64, error) {
	entry, size, ok := i.gotab.Func("runtime.allgadd")
	if !ok || size == 0 || size > 4096 {
		return 0, errors.New("no runtime.allgs symbol and no runtime.allgadd to find it in")
	}
	code := i.readFile(entry, int(size))
	seen := map[uint64]bool{}
	for pc, k := entry, 0; k < len(code); {
		inst, err := x86asm.Decode(code[k:], 64)
		if err != nil {
			k++
			pc++
			continue
		}
		next := pc + uint64(inst.Len)
		for _, a := range inst.Args {
			if m, ok := a.(x86asm.Mem); ok && m.Base == x86asm.RIP {
				seen[uint64(int64(next)+m.Disp)] = true
			}
		}
		k += inst.Len
		pc = next
	}
	var found []uint64
	for a := range seen {
		if seen[a+8] && seen[a+16] {
			found = append(found, a)
		}
	}
	if len(found) != 1 {
		return 0, fmt.Errorf("no runtime.allgs symbol, and runtime.allgadd's code names %d slice headers", len(found))
	}
	return found[0], nil
}

// readFile reads n bytes of the file image at file address addr (short
// where the segment's file bytes end).
func (i *Info) readFile(addr uint64, n int) []byte {
	for _, p := range i.elf.Progs {
		if p.Type != elf.PT_LOAD || addr < p.Vaddr || addr >= p.Vaddr+p.Filesz {
			continue
		}
		if rest := p.Vaddr + p.Filesz - addr; uint64(n) > rest {
			n = int(rest)
		}
		buf := make([]byte, n)
		k, _ := p.ReadAt(buf, int64(addr-p.Vaddr))
		return buf[:k]
	}
	return nil
}

// unwindPcsp unwinds a Go frame by its pcsp table, as the runtime's
// traceback does (runtime/traceback.go: frame.fp = sp + funcspdelta +
// PtrSize on amd64, the return address just below fp). The frame pointer
// Go functions with a frame push first sits just below the return address.
// The frame is trusted: the table describes this very pc, as CFI would.
func (i *Info) unwindPcsp(mem Memory, rs *regSet, lookup uint64, delta int64) (uint64, *regSet, bool, error) {
	sp := rs.val[regRSP]
	cfa := sp + uint64(delta) + 8
	ra, err := readU64(mem, cfa-8)
	if err != nil {
		return 0, nil, false, fmt.Errorf("unwind at %#x: read return address at %#x: %w", lookup, cfa-8, err)
	}
	caller := *rs
	if delta >= 8 {
		if bp, err := readU64(mem, cfa-16); err == nil {
			caller.val[regRBP] = bp
		}
	}
	caller.val[regRIP] = ra
	caller.val[regRSP] = cfa
	return cfa, &caller, true, nil
}

// goPCToLine is the pclntab's line for a runtime pc, when there is one.
func (i *Info) goPCToLine(pc uint64) (string, int, bool) {
	if i.gotab == nil {
		return "", 0, false
	}
	return i.gotab.PCToLine(pc - i.bias)
}

// waitReason names g.waitreason: from the table of the program's Go
// release, else from the program's own runtime.waitReasonStrings (an array
// of Go strings) when its symbol is known; "" when neither says.
func (i *Info) waitReason(mem Memory, k uint8) string {
	if i.gotab != nil {
		if l, err := layoutFor(i.gotab.GoVersion()); err == nil {
			if int(k) < len(l.waitReasons) {
				return l.waitReasons[k]
			}
			return fmt.Sprintf("waitreason(%d)", k)
		}
	}
	a, ok := i.symbolValue("runtime.waitReasonStrings")
	if !ok || k >= 64 {
		return ""
	}
	var hdr [16]byte
	if err := mem.ReadMemory(a+i.bias+16*uint64(k), hdr[:]); err != nil {
		return ""
	}
	ptr, n := binary.LittleEndian.Uint64(hdr[:]), binary.LittleEndian.Uint64(hdr[8:])
	if n == 0 || n > 64 {
		return ""
	}
	buf := make([]byte, n)
	if err := mem.ReadMemory(ptr, buf); err != nil {
		return ""
	}
	return string(buf)
}

// schedRegs are a parked goroutine's saved registers (g.sched).
type schedRegs struct{ pc, sp, bp uint64 }

func (r schedRegs) PC() uint64 { return r.pc }
func (r schedRegs) SP() uint64 { return r.sp }
func (r schedRegs) Reg(n int) (uint64, bool) {
	switch n {
	case regRIP:
		return r.pc, true
	case regRSP:
		return r.sp, true
	case regRBP:
		return r.bp, true
	}
	return 0, false
}

// Regs are the registers to unwind g's stack from: its thread's when it
// runs, else those the scheduler saved in g.sched (the pc in gopark after
// its mcall, or where a preemption stopped it).
func (g *Goroutine) Regs() Registers {
	if g.Thread != nil {
		return g.Thread
	}
	return schedRegs{g.PC, g.SP, g.BP}
}

// UserFrame is the frame Delve calls a goroutine's user location
// (proc.G.UserCurrent, pkg/proc/variables.go): the innermost of the first
// 30 frames whose function is neither the runtime's own (runtime.* but
// exported ones such as runtime.Gosched) nor in internal/, runtime/internal
// or iter; frame 0 when there is none.
func UserFrame(frames []Frame) (Frame, bool) {
	for k, f := range frames {
		if k == 30 {
			break
		}
		name := f.Func
		if !strings.Contains(name, ".") || strings.HasPrefix(name, "internal/") ||
			strings.HasPrefix(name, "runtime/internal") || strings.HasPrefix(name, "iter.") {
			continue
		}
		if rest, ok := strings.CutPrefix(name, "runtime."); ok && (rest == "" || rest[0] < 'A' || rest[0] > 'Z') {
			continue
		}
		return f, true
	}
	if len(frames) > 0 {
		return frames[0], true
	}
	return Frame{}, false
}

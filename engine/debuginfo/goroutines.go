package debuginfo

import (
	"debug/dwarf"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// GOffsets are the byte offsets of the runtime.g fields the goroutine walk
// reads, taken from the binary's own DWARF type runtime.g, so they follow
// the Go version the program was built with.
type GOffsets struct {
	Size         int64 // sizeof(runtime.g)
	StackLo      int64 // g.stack.lo
	StackHi      int64 // g.stack.hi
	Goid         int64
	AtomicStatus int64 // the uint32 inside g.atomicstatus (atomic.Uint32)
	SchedSP      int64 // g.sched.sp
	SchedPC      int64 // g.sched.pc
	SchedBP      int64 // g.sched.bp
	StartPC      int64
	GoPC         int64  // the go statement that created it
	WaitReason   int64  // uint8
	AllGs        uint64 // file address of runtime.allgs ([]*g)
}

// Goroutine is one entry of runtime.allgs. PC and SP are the saved
// scheduling context (g.sched): for a running goroutine they are stale, and
// GoroutinesWithThreads replaces them with the thread's registers.
type Goroutine struct {
	ID        int64
	Status    string
	PC, SP    uint64
	Func      string
	StartPC   uint64
	StartFunc string
	GoPC      uint64 // the go statement that created it
	G         uint64 // address of the runtime.g
	StackHi   uint64 // g.stack.hi: the top of its stack
	BP        uint64 // g.sched.bp (the thread's rbp when running)
	// WaitReason is why a waiting goroutine waits (g.waitreason, named by
	// the runtime's waitReasonStrings): "chan receive", "sleep", ...
	WaitReason string
	// Thread holds the registers of the thread running the goroutine, nil
	// when it is parked (its state is then g.sched: PC, SP, BP).
	Thread Registers
}

// Status names of runtime/runtime2.go (_Gidle ... _Gdeadextra); the _Gscan
// bit (0x1000) is masked off.
var gStatus = []string{"idle", "runnable", "running", "syscall", "waiting", "moribund", "dead", "enqueue", "copystack", "preempted", "leaked", "dead"}

func statusName(s uint32) string {
	s &^= 0x1000
	if int(s) < len(gStatus) {
		return gStatus[s]
	}
	return fmt.Sprintf("status(%d)", s)
}

// GoroutineOffsets returns the runtime.g layout of the program, computed
// once from its DWARF.
func (i *Info) GoroutineOffsets() (GOffsets, error) {
	if i.goff != nil || i.goffErr != nil {
		if i.goff == nil {
			return GOffsets{}, i.goffErr
		}
		return *i.goff, nil
	}
	o, err := i.computeGOffsets()
	if err != nil {
		i.goffErr = err
		return GOffsets{}, err
	}
	i.goff = &o
	return o, nil
}

func (i *Info) computeGOffsets() (GOffsets, error) {
	if i.dw == nil {
		return i.tableGOffsets()
	}
	gt, err := i.typeByName("runtime.g")
	if err != nil {
		return GOffsets{}, fmt.Errorf("goroutines: %w", err)
	}
	var o GOffsets
	o.Size = gt.Size()
	fields := []struct {
		path string
		dst  *int64
	}{
		{"stack.lo", &o.StackLo}, {"stack.hi", &o.StackHi}, {"goid", &o.Goid},
		{"atomicstatus", &o.AtomicStatus}, {"sched.sp", &o.SchedSP}, {"sched.pc", &o.SchedPC},
		{"sched.bp", &o.SchedBP}, {"startpc", &o.StartPC}, {"gopc", &o.GoPC}, {"waitreason", &o.WaitReason},
	}
	for _, f := range fields {
		off, ft, err := fieldPath(gt, f.path)
		if err != nil {
			return GOffsets{}, fmt.Errorf("goroutines: runtime.g: %w", err)
		}
		// atomicstatus is an atomic.Uint32 struct: its value field.
		if st, ok := resolve(ft).(*godwarf.StructType); ok {
			if vo, _, err := fieldPath(st, "value"); err == nil {
				off += vo
			}
		}
		*f.dst = off
	}
	addr, ok := i.globalAddr("runtime.allgs")
	if !ok {
		return GOffsets{}, errors.New("goroutines: no runtime.allgs symbol")
	}
	o.AllGs = addr
	return o, nil
}

// fieldPath returns the offset and type of a dotted field path in a struct.
func fieldPath(t godwarf.Type, path string) (int64, godwarf.Type, error) {
	var off int64
	for _, name := range splitDots(path) {
		st, ok := resolve(t).(*godwarf.StructType)
		if !ok {
			return 0, nil, fmt.Errorf("%s: not a struct", t)
		}
		found := false
		for _, f := range st.Field {
			if f.Name == name {
				off += f.ByteOffset
				t = f.Type
				found = true
				break
			}
		}
		if !found {
			return 0, nil, fmt.Errorf("no field %q in %s", name, st.StructName)
		}
	}
	return off, t, nil
}

func splitDots(s string) []string {
	var out []string
	start := 0
	for k := 0; k < len(s); k++ {
		if s[k] == '.' {
			out = append(out, s[start:k])
			start = k + 1
		}
	}
	return append(out, s[start:])
}

// Goroutines walks runtime.allgs and returns every goroutine that is not
// dead, in allgs order.
func (i *Info) Goroutines(mem Memory) ([]Goroutine, error) {
	o, err := i.GoroutineOffsets()
	if err != nil {
		return nil, err
	}
	var hdr [16]byte
	if err := mem.ReadMemory(o.AllGs+i.bias, hdr[:]); err != nil {
		return nil, fmt.Errorf("goroutines: read runtime.allgs at %#x: %w", o.AllGs+i.bias, err)
	}
	ptr, n := binary.LittleEndian.Uint64(hdr[:]), binary.LittleEndian.Uint64(hdr[8:])
	if n > 1<<20 {
		return nil, fmt.Errorf("goroutines: runtime.allgs length %d is implausible", n)
	}
	ptrs := make([]byte, 8*n)
	if n > 0 {
		if err := mem.ReadMemory(ptr, ptrs); err != nil {
			return nil, fmt.Errorf("goroutines: read allgs array at %#x: %w", ptr, err)
		}
	}
	gbuf := make([]byte, o.Size)
	var out []Goroutine
	for k := uint64(0); k < n; k++ {
		g := binary.LittleEndian.Uint64(ptrs[8*k:])
		if g == 0 {
			continue
		}
		if err := mem.ReadMemory(g, gbuf); err != nil {
			return out, fmt.Errorf("goroutines: read g at %#x: %w", g, err)
		}
		u64 := func(off int64) uint64 { return binary.LittleEndian.Uint64(gbuf[off:]) }
		st := binary.LittleEndian.Uint32(gbuf[o.AtomicStatus:])
		gr := Goroutine{
			ID:      int64(u64(o.Goid)),
			Status:  statusName(st),
			PC:      u64(o.SchedPC),
			SP:      u64(o.SchedSP),
			StartPC: u64(o.StartPC),
			GoPC:    u64(o.GoPC),
			G:       g,
		}
		if gr.Status == "dead" {
			continue
		}
		gr.BP = u64(o.SchedBP)
		gr.StackHi = u64(o.StackHi)
		if gr.Status == "waiting" {
			gr.WaitReason = i.waitReason(mem, gbuf[o.WaitReason])
		}
		gr.Func = i.FuncName(gr.PC)
		gr.StartFunc = i.FuncName(gr.StartPC)
		out = append(out, gr)
	}
	return out, nil
}

// GoroutinesWithThreads is Goroutines with the running goroutines' PC, SP
// and Func taken from the thread that runs each (its registers in threads).
func (i *Info) GoroutinesWithThreads(mem Memory, threads []Registers) ([]Goroutine, error) {
	gs, err := i.Goroutines(mem)
	if err != nil {
		return gs, err
	}
	byID := map[int64]Registers{}
	for _, t := range threads {
		if id, ok := i.GoroutineID(mem, t); ok {
			byID[id] = t
		}
	}
	for k := range gs {
		if t, ok := byID[gs[k].ID]; ok {
			gs[k].PC, gs[k].SP = t.PC(), t.SP()
			gs[k].BP, _ = t.Reg(regRBP)
			gs[k].Func = i.FuncName(gs[k].PC)
			gs[k].Thread = t
		}
	}
	return gs, nil
}

// GoroutineID returns the id of the goroutine a thread runs. In Go code
// r14 holds the current g (Go internal ABI, "amd64 architecture": R14 is
// the current goroutine); elsewhere (cgo, the runtime's assembly) the g is
// at fs_base-8 (the runtime's TLS slot, runtime.tlsg) when Registers gives
// fs_base. The g is accepted only if the stack pointer is inside its stack
// or it is a g0 (goid 0). Offsets are cached, so this costs two reads.
func (i *Info) GoroutineID(mem Memory, regs Registers) (int64, bool) {
	o, err := i.GoroutineOffsets()
	if err != nil {
		return 0, false
	}
	return goroutineID(mem, regs, o.Goid, o.StackLo)
}

// goroutineID reads the goid of the g a thread runs, given g's goid and
// stack.lo offsets (stack.hi follows lo).
func goroutineID(mem Memory, regs Registers, goidOff, stackLoOff int64) (int64, bool) {
	id, _, ok := goroutineStack(mem, regs, goidOff, stackLoOff)
	return id, ok
}

// goroutineStack is the one reader of "which goroutine and stack is this
// thread on": the goid of the g a thread runs and that g's stack.hi. The g
// is r14's, else the one at fs_base-8, whichever has the stack pointer
// inside its stack; a g0 (a system stack) has goid 0.
func goroutineStack(mem Memory, regs Registers, goidOff, stackLoOff int64) (id int64, hi uint64, ok bool) {
	if g, ok := regs.Reg(regR14); ok && g != 0 {
		if id, hi, ok := goidAt(mem, g, regs.SP(), goidOff, stackLoOff); ok {
			return id, hi, true
		}
	}
	if fs, ok := regs.Reg(regFSBase); ok && fs != 0 {
		if g, err := readU64(mem, fs-8); err == nil && g != 0 {
			return goidAt(mem, g, regs.SP(), goidOff, stackLoOff)
		}
	}
	return 0, 0, false
}

func goidAt(mem Memory, g, sp uint64, goidOff, stackLoOff int64) (int64, uint64, bool) {
	var st [16]byte
	if err := mem.ReadMemory(g+uint64(stackLoOff), st[:]); err != nil {
		return 0, 0, false
	}
	lo, hi := binary.LittleEndian.Uint64(st[:]), binary.LittleEndian.Uint64(st[8:])
	if sp < lo || sp >= hi {
		return 0, 0, false
	}
	id, err := readU64(mem, g+uint64(goidOff))
	if err != nil {
		return 0, 0, false
	}
	return int64(id), hi, true
}

// typeByName finds a named type among the DWARF types.
func (i *Info) typeByName(name string) (godwarf.Type, error) {
	r := i.reader()
	for {
		e, err := r.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			return nil, fmt.Errorf("no type %s in DWARF", name)
		}
		switch e.Tag {
		case dwarf.TagCompileUnit, dwarf.TagPartialUnit:
			continue
		case dwarf.TagStructType, dwarf.TagTypedef, dwarf.TagBaseType, dwarf.TagPointerType:
			if n, _ := e.Val(dwarf.AttrName).(string); n == name {
				return i.readType(e.Offset)
			}
		}
		if e.Children {
			r.SkipChildren()
		}
	}
}

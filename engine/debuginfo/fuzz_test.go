package debuginfo

import (
	"bytes"
	"debug/elf"
	"os"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// FuzzNew feeds debuginfo.New a fuzzed ELF file and then asks what a session
// asks at a stop (function, line, backtrace, arguments, locals, an
// expression, goroutines) over a fake memory and fake registers. A damaged
// binary must give errors, never a panic.
//
// The seed corpus in testdata/fuzz/FuzzNew holds a 2.5 KB static C program
// with DWARF 5 and CFI (testdata/fuzzseed/tiny.c, built as described there)
// and damaged copies of it (DWARF, .eh_frame and .debug_frame overwritten,
// truncated); f.Add adds the -g builds of testdata/cvars.c and hello.c.
func FuzzNew(f *testing.F) {
	for _, src := range []string{"cvars.c", "hello.c"} {
		if b, err := os.ReadFile(fixture.C(f, src, "-O0", "-g")); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ef, err := elf.NewFile(bytes.NewReader(data))
		if err != nil {
			return
		}
		defer ef.Close()
		d, _ := ef.DWARF() // nil DWARF is a valid input to New
		if g, err := NewGoidReader(d); err == nil {
			g.GoroutineID(fuzzMemory(data), fuzzRegs{pc: ef.Entry, sp: 0x7ffe0000})
		}
		info, err := New(ef, d, 0)
		if err != nil {
			return
		}
		mem := fuzzMemory(data)
		pcs := []uint64{ef.Entry, ef.Entry + 1}
		if syms, err := ef.Symbols(); err == nil {
			for _, s := range syms {
				if elf.ST_TYPE(s.Info) == elf.STT_FUNC && len(pcs) < 8 {
					pcs = append(pcs, s.Value, s.Value+4)
				}
			}
		}
		for _, pc := range pcs {
			regs := fuzzRegs{pc: pc, sp: 0x7ffe0000}
			info.FuncName(pc)
			file, line := info.PCToLine(pc)
			info.LineToPC(file, line)
			info.Unwind(mem, regs, 16)
			info.Args(mem, regs)
			info.Locals(mem, regs)
			info.Eval(mem, regs, "p.x")
			info.Eval(mem, regs, "*g")
			info.Eval(mem, regs, `m["k"]`)
			info.Eval(mem, regs, "m[3]")
			info.GoroutineID(mem, regs)
		}
		info.GoroutineOffsets()
		info.Goroutines(mem)
	})
}

// fuzzMemory serves reads from the input itself, repeated, so pointers
// chase into bytes the fuzzer controls; addresses past 2^47 fail, as
// unmapped memory does.
type fuzzMemory []byte

func (m fuzzMemory) ReadMemory(addr uint64, buf []byte) error {
	if len(m) == 0 || addr >= 1<<47 {
		return os.ErrNotExist
	}
	for i := range buf {
		buf[i] = m[(addr+uint64(i))%uint64(len(m))]
	}
	return nil
}

// fuzzRegs is a thread stopped at pc with every other register holding sp.
type fuzzRegs struct{ pc, sp uint64 }

func (r fuzzRegs) PC() uint64 { return r.pc }
func (r fuzzRegs) SP() uint64 { return r.sp }
func (r fuzzRegs) Reg(n int) (uint64, bool) {
	switch {
	case n == regRIP:
		return r.pc, true
	case n < regRIP:
		return r.sp, true
	}
	return 0, false
}

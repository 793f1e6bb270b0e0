package engine

import (
	"fmt"

	"github.com/godbg/godbg/engine/internal/ptrace"
)

// ReadMemory reads raw bytes as the CPU sees them (a trap shows as 0xcc).
// One process_vm_readv(2) for the whole range; pages it cannot read (for
// example execute-only ones) are read through /proc/PID/mem, which ptrace
// access permits.
func (p *Process) ReadMemory(addr Addr, buf []byte) error {
	if p.exited {
		return ErrExited
	}
	if ptrace.ReadVM(p.pid, uint64(addr), buf) {
		return nil
	}
	m, err := p.mem.ReadAt(buf, int64(addr))
	if m == len(buf) {
		return nil
	}
	return fmt.Errorf("read %d bytes at %#x: %w", len(buf), uint64(addr), errOrShort(err))
}

// readCode reads a few bytes of code on the hit path (ptrace.ReadVMRaw:
// no allocation); ReadMemory when that fails.
func (p *Process) readCode(addr Addr, buf []byte) error {
	if ptrace.ReadVMRaw(p.pid, uint64(addr), buf) {
		return nil
	}
	return p.ReadMemory(addr, buf)
}

// ReadOriginal reads like ReadMemory, with each trap's saved byte in place.
func (p *Process) ReadOriginal(addr Addr, buf []byte) error {
	if err := p.ReadMemory(addr, buf); err != nil {
		return err
	}
	p.patchSaved(addr, buf)
	return nil
}

func (p *Process) patchSaved(addr Addr, buf []byte) {
	end := addr + Addr(len(buf))
	for a, s := range p.sites {
		if s.inserted && s.jump != nil {
			for i, c := range s.jump.orig {
				if at := a + Addr(i); at >= addr && at < end {
					buf[at-addr] = c
				}
			}
			continue
		}
		// A trap the program wrote over (self-modifying code) shows the
		// program's byte.
		if s.inserted && a >= addr && a < end && buf[a-addr] == int3 {
			buf[a-addr] = s.saved
		}
	}
}

// WriteMemory writes bytes into the tracee, read-only code included. Over a
// trap the saved byte changes and the trap stays; the step-over plan of each
// site whose instruction the write touches is made again.
func (p *Process) WriteMemory(addr Addr, data []byte) error {
	if p.exited {
		return ErrExited
	}
	end := addr + Addr(len(data))
	for a, s := range p.sites {
		// A write over a jump's bytes: the site becomes an int3 first.
		if s.jump != nil && a+Addr(len(s.jump.orig)) > addr && a < end {
			if err := p.unJump(s); err != nil {
				return err
			}
		}
	}
	var touched []*site
	buf := data
	for a, s := range p.sites {
		if a+maxInstLen > addr && a < end {
			touched = append(touched, s)
		}
		if s.inserted && a >= addr && a < end {
			if &buf[0] == &data[0] {
				buf = append([]byte(nil), data...)
			}
			s.saved = buf[a-addr]
			buf[a-addr] = int3
		}
	}
	if err := p.writeRaw(addr, buf); err != nil {
		return err
	}
	for _, s := range touched {
		s.plan = stepPlan{}
	}
	return nil
}

// writeRaw writes through /proc/PID/mem, which ignores page protections for
// a tracer (proc(5)), so code pages need no mprotect.
func (p *Process) writeRaw(addr Addr, data []byte) error {
	n, err := p.mem.WriteAt(data, int64(addr))
	if n != len(data) {
		return fmt.Errorf("write %d bytes at %#x: %w", len(data), uint64(addr), errOrShort(err))
	}
	return nil
}

func errOrShort(err error) error {
	if err == nil {
		return fmt.Errorf("short transfer")
	}
	return err
}

func (p *Process) readU64(addr Addr) (uint64, error) {
	var b [8]byte
	if err := p.ReadMemory(addr, b[:]); err != nil {
		return 0, err
	}
	return le64(b[:]), nil
}

func le64(b []byte) uint64 {
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

func putLE64(b []byte, v uint64) {
	for i := 0; i < 8; i++ {
		b[i] = byte(v >> (8 * i))
	}
}

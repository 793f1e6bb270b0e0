// Package hwdebug is the pure part of x86-64 hardware watchpoints: the DR7
// and DR6 encodings and the allocation of the four address registers
// DR0-DR3 (Intel SDM vol. 3B 17.2). It makes no system call and imports
// nothing of the engine; the engine writes the values it computes with
// PTRACE_POKEUSER at UserOffset.
package hwdebug

import "fmt"

// NumSlots is the number of debug address registers, DR0-DR3.
const NumSlots = 4

// userDebugReg is offsetof(struct user, u_debugreg) on x86-64
// (sys/user.h).
const userDebugReg = 848

// UserOffset is the offset of debug register n (0-7) in struct user, the
// address PTRACE_PEEKUSER and PTRACE_POKEUSER take.
func UserOffset(n int) uintptr { return uintptr(userDebugReg + 8*n) }

// Mode is the access a watchpoint traps on. Its values are DR7's R/W
// field encodings (SDM vol. 3B 17.2.4): x86 has no read-only data
// breakpoint, so reads are watched together with writes.
type Mode uint64

const (
	Write     Mode = 0b01 // data writes only
	ReadWrite Mode = 0b11 // data reads or writes
)

func (m Mode) String() string {
	switch m {
	case Write:
		return "w"
	case ReadWrite:
		return "rw"
	}
	return fmt.Sprintf("WatchMode(%d)", uint64(m))
}

// ParseMode reads "w" or "rw".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "w":
		return Write, nil
	case "rw":
		return ReadWrite, nil
	}
	return 0, fmt.Errorf("watch mode %q: want \"w\" (writes) or \"rw\" (reads and writes)", s)
}

// lenBits is DR7's LEN field for a size (SDM vol. 3B 17.2.5: 10b is 8 bytes).
func lenBits(size int) (uint64, bool) {
	switch size {
	case 1:
		return 0b00, true
	case 2:
		return 0b01, true
	case 4:
		return 0b11, true
	case 8:
		return 0b10, true
	}
	return 0, false
}

// SlotBits is DR7's bits for slot n watching size bytes on mode: the local
// enable bit Ln (bit 2n), R/Wn at bits 16+4n and LENn at bits 18+4n.
func SlotBits(n, size int, mode Mode) (uint64, error) {
	if n < 0 || n >= NumSlots {
		return 0, fmt.Errorf("debug register %d: only DR0-DR3 watch addresses", n)
	}
	if mode != Write && mode != ReadWrite {
		return 0, fmt.Errorf("watch mode %v: want w or rw", mode)
	}
	l, ok := lenBits(size)
	if !ok {
		return 0, fmt.Errorf("watch size %d: want 1, 2, 4 or 8", size)
	}
	return 1<<(2*n) | uint64(mode)<<(16+4*n) | l<<(18+4*n), nil
}

// Check validates a watched address, size and alignment.
func Check(addr uint64, size int) error {
	if _, ok := lenBits(size); !ok {
		return fmt.Errorf("watch %#x: size %d: want 1, 2, 4 or 8", addr, size)
	}
	if addr%uint64(size) != 0 {
		// The CPU masks the low address bits (SDM vol. 3B 17.2.5): a
		// misaligned watch would cover other bytes than asked.
		return fmt.Errorf("watch %#x: address not aligned to its size %d", addr, size)
	}
	return nil
}

// Fired is the mask of the slots DR6 says fired: its B0-B3 bits (SDM vol.
// 3B 17.2.3), bit n for DRn.
func Fired(dr6 uint64) uint64 { return dr6 & (1<<NumSlots - 1) }

// Spec is what one slot watches.
type Spec struct {
	Addr uint64
	Size int
	Mode Mode
}

// Slots allocates DR0-DR3 to watches of type T (the engine's
// *Watchpoint); the zero value has every slot free. The zero T marks a
// free slot.
type Slots[T comparable] struct {
	w    [NumSlots]T
	spec [NumSlots]Spec
}

// Alloc puts w in the first free slot; false when all four are taken. The
// spec must pass Check.
func (s *Slots[T]) Alloc(w T, spec Spec) (int, bool) {
	n := s.Free()
	if n < 0 {
		return -1, false
	}
	s.w[n], s.spec[n] = w, spec
	return n, true
}

// Free is the first free slot, -1 when none is.
func (s *Slots[T]) Free() int {
	var zero T
	for n, w := range s.w {
		if w == zero {
			return n
		}
	}
	return -1
}

// Release frees slot n if it still holds w.
func (s *Slots[T]) Release(n int, w T) {
	var zero T
	if n >= 0 && n < NumSlots && s.w[n] == w {
		s.w[n], s.spec[n] = zero, Spec{}
	}
}

// At is the watch in slot n, the zero T when n is free or out of range.
func (s *Slots[T]) At(n int) T {
	var zero T
	if n < 0 || n >= NumSlots {
		return zero
	}
	return s.w[n]
}

// Reset frees every slot and returns the watches they held.
func (s *Slots[T]) Reset() []T {
	var zero T
	var held []T
	for _, w := range s.w {
		if w != zero {
			held = append(held, w)
		}
	}
	*s = Slots[T]{}
	return held
}

// Used lists the occupied slots and what they watch, by slot number.
func (s *Slots[T]) Used() (ns []int, specs []Spec) {
	var zero T
	for n, w := range s.w {
		if w != zero {
			ns = append(ns, n)
			specs = append(specs, s.spec[n])
		}
	}
	return ns, specs
}

// DR7 is the DR7 value enabling the occupied slots.
func (s *Slots[T]) DR7() uint64 {
	var v uint64
	ns, specs := s.Used()
	for i, n := range ns {
		// Alloc's callers checked the spec: SlotBits cannot fail here.
		b, _ := SlotBits(n, specs[i].Size, specs[i].Mode)
		v |= b
	}
	return v
}

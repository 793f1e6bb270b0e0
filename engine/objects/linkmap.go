package objects

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
)

// The dynamic loader's list of objects, as glibc publishes it for
// debuggers (<link.h>, glibc elf/dl-debug.c, the interface of gdb's
// solib-svr4): the program's DT_DEBUG entry, once the loader ran, holds
// the address of its struct r_debug (also the loader's _r_debug symbol);
// r_map heads the doubly linked list of struct link_map, one per loaded
// object, in load order: the program (l_name ""), the vdso, the
// DT_NEEDED libraries, the loader, then what dlopen(3) loaded. r_brk is
// the function the loader calls around each change (r_state RT_ADD or
// RT_DELETE before, RT_CONSISTENT after). Since glibc 2.35, r_version 2
// adds r_next, the r_debug of the next link-map namespace (dlmopen).
// The layouts are the x86-64 LP64 ones.

// Memory reads the tracee's memory (engine.Process.ReadMemory).
type Memory interface {
	ReadMemory(a Addr, b []byte) error
}

// State is r_debug.r_state.
type State int32

// The states of r_debug.r_state (<link.h>).
const (
	Consistent State = 0 // RT_CONSISTENT: the list is complete
	Adding     State = 1 // RT_ADD: an object is being added
	Deleting   State = 2 // RT_DELETE: an object is being removed
)

// RDebug is struct r_debug (r_debug_extended for version 2).
type RDebug struct {
	Version int32
	Map     Addr // the first link_map, 0 before the loader set it up
	Brk     Addr // the loader's notification function, _dl_debug_state
	State   State
	LdBase  Addr // the loader's load address
	Next    Addr // version 2: the next namespace's r_debug, or 0
}

// Link is one struct link_map: an object the loader has loaded.
type Link struct {
	At   Addr   // the link_map's own address
	Addr Addr   // l_addr, the object's load bias
	Name string // l_name: the path the loader opened, "" for the program
	Ld   Addr   // l_ld, the runtime address of its dynamic section
}

const (
	dynSize    = 16 // Elf64_Dyn: d_tag, d_val
	rDebugSize = 40 // struct r_debug
	linkSize   = 40 // the public head of struct link_map: l_addr .. l_prev
	maxDyn     = 1 << 12
	maxLinks   = 1 << 14 // a bound on a list read from a live, maybe corrupt, process
	maxName    = 1 << 12 // PATH_MAX
)

// DebugFromDynamic reads the dynamic section at dyn (runtime address,
// size bytes: PT_DYNAMIC's memsz) and returns its DT_DEBUG value: the
// r_debug address, 0 while the loader has not run (or none: the program
// has no DT_DEBUG).
func DebugFromDynamic(mem Memory, dyn Addr, size uint64) (Addr, error) {
	b := make([]byte, min(size, maxDyn*dynSize)&^(dynSize-1))
	if err := mem.ReadMemory(dyn, b); err != nil {
		return 0, fmt.Errorf("dynamic section: %w", err)
	}
	for ; len(b) >= dynSize; b = b[dynSize:] {
		switch elf.DynTag(binary.LittleEndian.Uint64(b)) {
		case elf.DT_NULL:
			return 0, nil
		case elf.DT_DEBUG:
			return Addr(binary.LittleEndian.Uint64(b[8:])), nil
		}
	}
	return 0, errors.New("dynamic section: no DT_NULL")
}

// ReadRDebug reads the struct r_debug at a (with r_next for version 2).
func ReadRDebug(mem Memory, a Addr) (RDebug, error) {
	var b [rDebugSize + 8]byte
	if err := mem.ReadMemory(a, b[:rDebugSize]); err != nil {
		return RDebug{}, fmt.Errorf("r_debug at %#x: %w", uint64(a), err)
	}
	le := binary.LittleEndian
	r := RDebug{
		Version: int32(le.Uint32(b[0:])),
		Map:     Addr(le.Uint64(b[8:])),
		Brk:     Addr(le.Uint64(b[16:])),
		State:   State(int32(le.Uint32(b[24:]))),
		LdBase:  Addr(le.Uint64(b[32:])),
	}
	if r.Version >= 2 {
		if err := mem.ReadMemory(a+rDebugSize, b[rDebugSize:]); err != nil {
			return RDebug{}, fmt.Errorf("r_debug_extended at %#x: %w", uint64(a), err)
		}
		r.Next = Addr(le.Uint64(b[rDebugSize:]))
	}
	return r, nil
}

// Walk reads the list of objects of every namespace from the r_debug at
// a: the first namespace's in list order, then the next ones'. A list
// that loops or does not end is an error.
func Walk(mem Memory, a Addr) (RDebug, []Link, error) {
	first, err := ReadRDebug(mem, a)
	if err != nil {
		return RDebug{}, nil, err
	}
	var links []Link
	seen := map[Addr]bool{}
	r := first
	for ns := 0; ; ns++ {
		for at := r.Map; at != 0; {
			if seen[at] || len(links) == maxLinks {
				return first, nil, fmt.Errorf("link_map list loops at %#x", uint64(at))
			}
			seen[at] = true
			l, next, err := readLink(mem, at)
			if err != nil {
				return first, nil, err
			}
			links = append(links, l)
			at = next
		}
		if r.Next == 0 || ns == maxLinks {
			return first, links, nil
		}
		if r, err = ReadRDebug(mem, r.Next); err != nil {
			return first, nil, err
		}
	}
}

// AllConsistent tells whether the list of every namespace, from the
// r_debug at a, is complete (RT_CONSISTENT): false between the RT_ADD or
// RT_DELETE call of r_brk and the RT_CONSISTENT one of any namespace.
func AllConsistent(mem Memory, a Addr) (bool, error) {
	for ns := 0; a != 0 && ns < maxLinks; ns++ {
		r, err := ReadRDebug(mem, a)
		if err != nil {
			return false, err
		}
		if r.State != Consistent {
			return false, nil
		}
		a = r.Next
	}
	return true, nil
}

// readLink reads the link_map at a and its l_next.
func readLink(mem Memory, a Addr) (Link, Addr, error) {
	var b [linkSize]byte
	if err := mem.ReadMemory(a, b[:]); err != nil {
		return Link{}, 0, fmt.Errorf("link_map at %#x: %w", uint64(a), err)
	}
	le := binary.LittleEndian
	l := Link{At: a, Addr: Addr(le.Uint64(b[0:])), Ld: Addr(le.Uint64(b[16:]))}
	if name := Addr(le.Uint64(b[8:])); name != 0 {
		s, err := readCString(mem, name)
		if err != nil {
			return Link{}, 0, fmt.Errorf("link_map at %#x: l_name: %w", uint64(a), err)
		}
		l.Name = s
	}
	return l, Addr(le.Uint64(b[24:])), nil
}

// readCString reads a NUL-terminated string at a, in reads that never
// cross into a page the string does not reach.
func readCString(mem Memory, a Addr) (string, error) {
	var out []byte
	for len(out) < maxName {
		n := min(0x1000-int(a&0xfff), 256)
		buf := make([]byte, n)
		if err := mem.ReadMemory(a, buf); err != nil {
			return "", err
		}
		for i, c := range buf {
			if c == 0 {
				return string(append(out, buf[:i]...)), nil
			}
		}
		out = append(out, buf...)
		a += Addr(n)
	}
	return "", fmt.Errorf("no NUL in %d bytes", maxName)
}

package syscalls

// System call prototypes: what each argument register holds. A register is
// 64 bits but the call reads only the width of its C parameter type: an
// int is the low 32 bits, sign-extended (glibc's openat(AT_FDCWD, ...)
// leaves 0x00000000ffffff9c in rdi, which the kernel reads as -100).
// sigs_table.go is generated from the kernel's include/linux/syscalls.h
// by sigs_gen.go; its header names the kernel version and the command.

// ArgKind is what a system call parameter or result holds.
type ArgKind uint8

const (
	ArgInt  ArgKind = iota // a signed integer (a count, an offset, a pid, an int flag)
	ArgUint                // an unsigned integer (a size, unsigned flags, a uid, a mode)
	ArgPtr                 // an address in the tracee: a pointer, or an address passed as unsigned long
	ArgFD                  // a file descriptor: 32 bits signed whatever the C type (close(unsigned int fd))
)

func (k ArgKind) String() string {
	switch k {
	case ArgInt:
		return "int"
	case ArgUint:
		return "uint"
	case ArgPtr:
		return "ptr"
	case ArgFD:
		return "fd"
	}
	return "?"
}

// Param is one parameter of a system call's kernel prototype.
type Param struct {
	Name   string // "dfd"; "" where the prototype names none
	Type   string // the C type: "int", "const char __user *", "umode_t"
	Size   uint8  // the bytes of the register the call reads: 1, 2, 4 or 8
	Signed bool
	Kind   ArgKind
}

// Sig is the prototype of an x86-64 system call.
type Sig struct {
	Entry  string // the kernel's entry point: "sys_openat", "sys_newstat" for stat, "sys_ni_syscall" for none
	Ret    ArgKind
	Params []Param
}

// Signature is the prototype of x86-64 system call nr, nil for a
// number the table does not know. The result is shared: do not modify it.
func Signature(nr int) *Sig {
	if nr < 0 || nr >= len(sigs) || sigs[nr].Entry == "" {
		return nil
	}
	return &sigs[nr]
}

// Decode reads a register as the parameter's type: its low Size bytes,
// sign- or zero-extended to 64 bits.
func (p Param) Decode(raw uint64) uint64 {
	if p.Size == 0 || p.Size >= 8 {
		return raw
	}
	shift := 64 - 8*uint(p.Size)
	if p.Signed {
		return uint64(int64(raw<<shift) >> shift)
	}
	return raw << shift >> shift
}

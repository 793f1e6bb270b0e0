package syscalls

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// Classic BPF opcodes (linux/bpf_common.h) and struct seccomp_data offsets
// (linux/seccomp.h).
const (
	bpfLdAbsW   = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
	bpfJeqK     = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
	bpfRetK     = unix.BPF_RET | unix.BPF_K
	seccompNr   = 0
	seccompArch = 4

	// MaxInsns is BPF_MAXINSNS, the longest program the kernel takes.
	MaxInsns = 4096
	// FprogSize is the size of struct sock_fprog: u16 len, padding, the
	// pointer to the instructions.
	FprogSize = 16
)

// Program is the filter tracing nrs (every call with all) of the x86-64
// ABI, and every call of the i386 ABI (int 0x80: rare in a 64-bit program,
// and their numbers differ; the engine matches them to the catches by
// name, and resumes at once those no catch wants); other ABIs are allowed.
// Each JEQ of the numbers jumps one instruction at most, so any number of
// calls fits the 8-bit offsets.
func Program(all bool, nrs []int) []unix.SockFilter {
	prog := []unix.SockFilter{
		{Code: bpfLdAbsW, K: seccompArch},
		{Code: bpfJeqK, Jt: 3, Jf: 0, K: unix.AUDIT_ARCH_X86_64},
		{Code: bpfJeqK, Jt: 0, Jf: 1, K: unix.AUDIT_ARCH_I386},
		{Code: bpfRetK, K: unix.SECCOMP_RET_TRACE},
		{Code: bpfRetK, K: unix.SECCOMP_RET_ALLOW},
	}
	if all {
		return append(prog, unix.SockFilter{Code: bpfRetK, K: unix.SECCOMP_RET_TRACE})
	}
	prog = append(prog, unix.SockFilter{Code: bpfLdAbsW, K: seccompNr})
	for _, nr := range nrs {
		prog = append(prog,
			unix.SockFilter{Code: bpfJeqK, Jt: 0, Jf: 1, K: uint32(nr)},
			unix.SockFilter{Code: bpfRetK, K: unix.SECCOMP_RET_TRACE})
	}
	return append(prog, unix.SockFilter{Code: bpfRetK, K: unix.SECCOMP_RET_ALLOW})
}

// Encode is the bytes to write at address at in the tracee for
// seccomp(SECCOMP_SET_MODE_FILTER, flags, at): a struct sock_fprog whose
// filter pointer is at+FprogSize, then the instructions (struct
// sock_filter: u16 code, u8 jt, u8 jf, u32 k, little-endian).
func Encode(prog []unix.SockFilter, at uint64) []byte {
	buf := make([]byte, FprogSize, FprogSize+8*len(prog))
	binary.LittleEndian.PutUint16(buf, uint16(len(prog)))
	binary.LittleEndian.PutUint64(buf[8:], at+FprogSize)
	for _, in := range prog {
		var b [8]byte
		binary.LittleEndian.PutUint16(b[0:], in.Code)
		b[2], b[3] = in.Jt, in.Jf
		binary.LittleEndian.PutUint32(b[4:], in.K)
		buf = append(buf, b[:]...)
	}
	return buf
}

// Filtered is what the filters installed in a process trace; the zero
// value is none.
type Filtered struct {
	n   int          // filters installed
	all bool         // a filter traces every call
	nrs map[int]bool // the call numbers some filter traces
}

// Add records one more installed filter, of Program(all, nrs).
func (f *Filtered) Add(all bool, nrs []int) {
	f.n++
	if all {
		f.all = true
	}
	if f.nrs == nil {
		f.nrs = map[int]bool{}
	}
	for _, nr := range nrs {
		f.nrs[nr] = true
	}
}

// Installed is the number of filters installed.
func (f *Filtered) Installed() int { return f.n }

// Clone is a copy of f that grows apart from it: a fork child inherits the
// filters installed so far, not those installed in its parent later.
func (f *Filtered) Clone() Filtered {
	c := Filtered{n: f.n, all: f.all}
	if f.nrs != nil {
		c.nrs = map[int]bool{}
		for nr, v := range f.nrs {
			c.nrs[nr] = v
		}
	}
	return c
}

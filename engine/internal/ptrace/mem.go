package ptrace

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// ReadVM reads len(buf) bytes at addr of pid with one process_vm_readv(2);
// false when it read less (a page it cannot read: the caller falls back to
// /proc/PID/mem, which ptrace access permits).
func ReadVM(pid int, addr uint64, buf []byte) bool {
	if len(buf) == 0 {
		return true
	}
	local := []unix.Iovec{{Base: &buf[0]}}
	local[0].SetLen(len(buf))
	remote := []unix.RemoteIovec{{Base: uintptr(addr), Len: len(buf)}}
	n, err := unix.ProcessVMReadv(pid, local, remote, 0)
	return err == nil && n == len(buf)
}

// ReadVMRaw is ReadVM for a few bytes on the hit path: one raw system call
// with the vectors on the stack, so that a hit allocates nothing and skips
// the runtime's system call bookkeeping (the bytes follow an instruction the
// thread just ran, so their page is resident and the call does not block).
func ReadVMRaw(pid int, addr uint64, buf []byte) bool {
	local := unix.Iovec{Base: &buf[0]}
	local.SetLen(len(buf))
	remote := unix.RemoteIovec{Base: uintptr(addr), Len: len(buf)}
	n, _, e := unix.RawSyscall6(unix.SYS_PROCESS_VM_READV, uintptr(pid),
		uintptr(unsafe.Pointer(&local)), 1, uintptr(unsafe.Pointer(&remote)), 1, 0)
	return e == 0 && int(n) == len(buf)
}

// Package syscalls is the pure side of system call stops: the x86-64 and
// i386 name tables and the x86-64 prototypes (generated from the kernel's
// headers), the set of catches and which of them want a call, the state of
// one thread between a call's entry and its exit, and the seccomp filter
// program that stops only the caught calls. It makes no system call and
// imports nothing of the engine; the engine (syscall.go, seccomp.go) keeps
// the ptrace side: PTRACE_SYSCALL, PTRACE_GET_SYSCALL_INFO, the injection
// of seccomp(2).
//
// The filter tests run the program through a small interpreter of the
// four opcodes it uses (filter_test.go) rather than golang.org/x/net/bpf's
// VM: that module is not a dependency, and its VM reads packets, not
// struct seccomp_data.
package syscalls

package engine

//go:generate go run sysnames_gen.go

import "sort"

// SyscallName is the name of x86-64 system call nr ("openat"), or "" when
// the number is not in the table.
func SyscallName(nr int) string { return syscallNames[nr] }

// SyscallName32 is the name of i386 system call nr (int 0x80 in an x86-64
// program: getpid is 20, write 4), or "" when the number is not in the
// table.
func SyscallName32(nr int) string { return syscallNames32[nr] }

// SyscallNumber is the number of the named x86-64 system call.
func SyscallNumber(name string) (int, bool) {
	nr, ok := syscallNumbers[name]
	return nr, ok
}

// SyscallNames lists every known system call name, sorted.
func SyscallNames() []string {
	names := make([]string, 0, len(syscallNames))
	for _, n := range syscallNames {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

var syscallNumbers = func() map[string]int {
	m := make(map[string]int, len(syscallNames))
	for nr, n := range syscallNames {
		m[n] = nr
	}
	return m
}()

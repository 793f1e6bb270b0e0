package engine

//go:generate go run sysnames_gen.go

import "sort"

// SyscallName is the name of x86-64 system call nr ("openat"), or "" when
// the number is not in the table.
func SyscallName(nr int) string { return syscallNames[nr] }

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

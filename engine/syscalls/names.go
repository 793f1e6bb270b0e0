package syscalls

//go:generate go run names_gen.go

import "sort"

// Name is the name of x86-64 system call nr ("openat"), or "" when
// the number is not in the table.
func Name(nr int) string { return names[nr] }

// Name32 is the name of i386 system call nr (int 0x80 in an x86-64
// program: getpid is 20, write 4), or "" when the number is not in the
// table.
func Name32(nr int) string { return names32[nr] }

// Number is the number of the named x86-64 system call.
func Number(name string) (int, bool) {
	nr, ok := numbers[name]
	return nr, ok
}

// Names lists every known system call name, sorted.
func Names() []string {
	names := make([]string, 0, len(names))
	for _, n := range names {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

var numbers = func() map[string]int {
	m := make(map[string]int, len(names))
	for nr, n := range names {
		m[n] = nr
	}
	return m
}()

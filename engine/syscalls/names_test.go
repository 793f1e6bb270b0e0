package syscalls

import "testing"

func TestSyscallNames(t *testing.T) {
	for name, nr := range map[string]int{"read": 0, "openat": 257, "getpid": 39, "execve": 59, "exit_group": 231} {
		if got, ok := Number(name); !ok || got != nr {
			t.Errorf("Number(%q) = %d, %v; want %d", name, got, ok, nr)
		}
		if got := Name(nr); got != name {
			t.Errorf("Name(%d) = %q, want %q", nr, got, name)
		}
	}
	if Name(-1) != "" || Name(100000) != "" {
		t.Error("unknown numbers should have no name")
	}
}

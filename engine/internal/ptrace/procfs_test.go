package ptrace

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseMapping(t *testing.T) {
	for _, c := range []struct {
		line string
		want Mapping
		ok   bool
	}{
		{"00400000-00452000 r-xp 00001000 08:02 173521      /usr/bin/dbus daemon",
			Mapping{Lo: 0x400000, Hi: 0x452000, Prot: unix.PROT_READ | unix.PROT_EXEC, Perms: "r-xp", Off: 0x1000, Ino: 173521, Name: "/usr/bin/dbus daemon"}, true},
		{"7ffd1000-7ffd2000 rw-p 00000000 00:00 0 [stack]",
			Mapping{Lo: 0x7ffd1000, Hi: 0x7ffd2000, Prot: unix.PROT_READ | unix.PROT_WRITE, Perms: "rw-p", Name: "[stack]"}, true},
		{"7f0000000000-7f0000001000 ---p 00000000 00:00 0",
			Mapping{Lo: 0x7f0000000000, Hi: 0x7f0000001000, Perms: "---p"}, true},
		{"zz-10 r--p 0 00:00 0", Mapping{}, false},
		{"1000 r--p 0 00:00", Mapping{}, false},
	} {
		got, ok := ParseMapping(c.line)
		if ok != c.ok || got != c.want {
			t.Errorf("ParseMapping(%q) = %+v, %v; want %+v, %v", c.line, got, ok, c.want, c.ok)
		}
	}
}

// This process's own auxv and maps: AT_ENTRY lies in an executable mapping.
func TestAuxvEntryInMaps(t *testing.T) {
	entry, err := AuxvEntry(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	ms, err := ReadMaps(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if entry >= m.Lo && entry < m.Hi {
			if m.Prot&unix.PROT_EXEC == 0 {
				t.Errorf("AT_ENTRY %#x is in %+v, not executable", entry, m)
			}
			return
		}
	}
	t.Errorf("AT_ENTRY %#x is in no mapping of %d", entry, len(ms))
}

// This test process's own threads include the thread group leader.
func TestListTasks(t *testing.T) {
	tids, err := ListTasks(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for _, tid := range tids {
		if tid == os.Getpid() {
			return
		}
	}
	t.Errorf("ListTasks(%d) = %v, want the leader among them", os.Getpid(), tids)
}

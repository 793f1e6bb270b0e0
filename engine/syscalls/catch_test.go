package syscalls

import (
	"fmt"
	"testing"
)

func ids(cs []*Catch) string {
	var s []int
	for _, c := range cs {
		s = append(s, c.ID)
	}
	return fmt.Sprint(s)
}

// TestSetFor: which catches want a call of either ABI, and removal.
func TestSetFor(t *testing.T) {
	var s Set
	open := s.Add(false, []int{257})  // openat
	getpid := s.Add(false, []int{39}) // getpid
	all := s.Add(true, nil)
	tests := []struct {
		nr     int
		compat bool
		want   string
	}{
		{257, false, "[1 3]"},
		{39, false, "[2 3]"},
		{0, false, "[3]"},
		{20, true, "[2 3]"},   // i386 getpid is x86-64's 39
		{39, true, "[3]"},     // i386 39 is mkdir
		{100000, true, "[3]"}, // no name: only the catch of every call
		{-1, false, "[3]"},
	}
	for _, tt := range tests {
		if got := ids(s.For(tt.nr, tt.compat)); got != tt.want {
			t.Errorf("For(%d, compat=%v) = %s, want %s", tt.nr, tt.compat, got, tt.want)
		}
	}
	if !s.Remove(all) || s.Remove(all) || !all.Deleted() || open.Deleted() {
		t.Fatal("Remove: want true once, then false; Deleted to follow")
	}
	if got := ids(s.For(0, false)); got != "[]" {
		t.Errorf("after Remove: For(0) = %s, want []", got)
	}
	s.Remove(open)
	if n := s.Add(false, nil); n.ID != 4 || ids(s.List()) != "[2 4]" || s.Len() != 2 {
		t.Errorf("ids go on: got %d, list %s, len %d", n.ID, ids(s.List()), s.Len())
	}
	if !getpid.Wants(39) || getpid.Wants(257) || !all.Wants(12345) {
		t.Error("Wants")
	}
}

// TestSetInsertDrop: a followed process's set holds another set's catch
// (one object), its own ids going on after it; Drop leaves it unmarked.
func TestSetInsertDrop(t *testing.T) {
	var root, child Set
	child.Add(false, []int{39})
	root.Add(false, []int{39})
	root.Add(false, []int{257})
	c := root.Add(true, nil) // id 3
	child.Insert(c)
	if got := ids(child.For(0, false)); got != "[3]" || child.Add(false, nil).ID != 4 {
		t.Errorf("after Insert: For(0) = %s, want [3], next id 4", got)
	}
	child.Drop(c)
	if got := ids(child.For(0, false)); got != "[]" || c.Deleted() || root.Len() != 3 {
		t.Errorf("after Drop: For(0) = %s, want []; deleted %v, root len %d", got, c.Deleted(), root.Len())
	}
}

// TestThreadExitNr: the number and result an exit stop reports.
func TestThreadExitNr(t *testing.T) {
	minus1 := ^uint64(0)
	tests := []struct {
		name    string
		ts      Thread
		origRax uint64
		ret     int64
		nr      int
		wantRet int64
	}{
		{"plain", Thread{InCall: true, Nr: 0}, 0, 5, 0, 5},
		{"execve replaced the thread", Thread{InCall: true, Nr: 59}, 59, 0, 59, 0},
		{"rt_sigreturn restores -1", Thread{InCall: true, Nr: 15}, minus1, 0, 15, 0},
		{"-1 with no entry seen", Thread{}, minus1, -38, -1, -38},
		{"skipped", Thread{InCall: true, Nr: 257, Skip: true, Ret: -2}, minus1, -38, 257, -2},
	}
	for _, tt := range tests {
		nr, ret := tt.ts.ExitNr(tt.origRax, tt.ret)
		if nr != tt.nr || ret != tt.wantRet {
			t.Errorf("%s: ExitNr = %d, %d; want %d, %d", tt.name, nr, ret, tt.nr, tt.wantRet)
		}
	}
	ts := Thread{InCall: true, Nr: 4, Compat: true}
	if !ts.Entry(4, true) || ts.Entry(4, false) || ts.Entry(5, true) || (&Thread{Nr: 4}).Entry(4, false) {
		t.Error("Entry")
	}
	if NameOf(20, true) != "getpid" || NameOf(39, false) != "getpid" || !IsCompat(AuditArchI386) || IsCompat(0xc000003e) {
		t.Error("NameOf / IsCompat")
	}
}

// int 0x80 calls (i386 ABI): named by the i386 table and wanted by the
// catches of the x86-64 call of the same name, not of the same number.
func TestSyscallCompat(t *testing.T) {
	for nr, name := range map[int]string{1: "exit", 3: "read", 4: "write", 20: "getpid", 252: "exit_group", 102: "socketcall"} {
		if got := Name32(nr); got != name {
			t.Errorf("Name32(%d) = %q, want %q", nr, got, name)
		}
	}
	var s Set
	getpid := s.Add(false, []int{39})
	writev := s.Add(false, []int{20})
	all := s.Add(true, nil)
	for _, tt := range []struct {
		nr     int
		compat bool
		want   []*Catch
	}{
		{20, true, []*Catch{getpid, all}},  // i386 getpid
		{20, false, []*Catch{writev, all}}, // x86-64 writev
		{39, false, []*Catch{getpid, all}},
		{102, true, []*Catch{all}}, // socketcall: no x86-64 call
		{100000, true, []*Catch{all}},
	} {
		got := s.For(tt.nr, tt.compat)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("For(%d, %v) = %v, want %v", tt.nr, tt.compat, got, tt.want)
		}
	}
	if NameOf(20, true) != "getpid" || NameOf(20, false) != "writev" {
		t.Errorf("NameOf(20) = %q (i386), %q (x86-64)", NameOf(20, true), NameOf(20, false))
	}
}

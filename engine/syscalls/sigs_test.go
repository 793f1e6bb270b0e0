package syscalls

import (
	"fmt"
	"testing"
)

func TestSyscallParamDecode(t *testing.T) {
	i32 := Param{Size: 4, Signed: true}
	u32 := Param{Size: 4}
	u16 := Param{Size: 2}
	i64 := Param{Size: 8, Signed: true}
	tests := []struct {
		p         Param
		raw, want uint64
	}{
		{i32, 0xffffff9c, uint64(0xffffffffffffff9c)},         // AT_FDCWD as glibc leaves it: -100
		{i32, 0xffffffffffffff9c, uint64(0xffffffffffffff9c)}, // as Go passes it
		{i32, 0xdeadbeef00000003, 3},                          // garbage above an int
		{i32, 0x7fffffff, 0x7fffffff},
		{u32, 0xffffffffffffffff, 0xffffffff}, // (uid_t)-1
		{u32, 0x1234567880000000, 0x80000000},
		{u16, 0x81a4, 0x81a4}, // umode_t 0100644
		{u16, 0xffff0000000001a4, 0x1a4},
		{i64, 0xfffffffffffffffe, 0xfffffffffffffffe},
		{Param{Size: 8}, 1 << 63, 1 << 63},
	}
	for _, tt := range tests {
		if got := tt.p.Decode(tt.raw); got != tt.want {
			t.Errorf("Decode(%#x) as %d bytes signed=%v = %#x, want %#x", tt.raw, tt.p.Size, tt.p.Signed, got, tt.want)
		}
	}
}

// The generated table against the kernel's prototypes, for calls whose
// types matter: each parameter as name:type:size:signed:kind.
func TestSyscallSignatures(t *testing.T) {
	tests := []struct {
		name, entry, ret string
		params           []string
	}{
		{"openat", "sys_openat", "int", []string{"dfd:int:4:true:fd", "filename:const char __user *:8:false:ptr", "flags:int:4:true:int", "mode:umode_t:2:false:uint"}},
		{"read", "sys_read", "int", []string{"fd:unsigned int:4:true:fd", "buf:char __user *:8:false:ptr", "count:size_t:8:false:uint"}},
		{"close", "sys_close", "int", []string{"fd:unsigned int:4:true:fd"}},
		{"mmap", "sys_mmap", "ptr", []string{"addr:unsigned long:8:false:ptr", "len:unsigned long:8:false:uint", "prot:unsigned long:8:false:uint", "flags:unsigned long:8:false:uint", "fd:unsigned long:4:true:fd", "off:unsigned long:8:false:uint"}},
		{"brk", "sys_brk", "ptr", []string{"brk:unsigned long:8:false:ptr"}},
		{"stat", "sys_newstat", "int", []string{"filename:const char __user *:8:false:ptr", "statbuf:struct stat __user *:8:false:ptr"}},
		{"lseek", "sys_lseek", "int", []string{"fd:unsigned int:4:true:fd", "offset:off_t:8:true:int", "whence:unsigned int:4:false:uint"}},
		{"pread64", "sys_pread64", "int", []string{"fd:unsigned int:4:true:fd", "buf:char __user *:8:false:ptr", "count:size_t:8:false:uint", "pos:loff_t:8:true:int"}},
		{"wait4", "sys_wait4", "int", []string{"pid:pid_t:4:true:int", "stat_addr:int __user *:8:false:ptr", "options:int:4:true:int", "ru:struct rusage __user *:8:false:ptr"}},
		{"setresuid", "sys_setresuid", "int", []string{"ruid:uid_t:4:false:uint", "euid:uid_t:4:false:uint", "suid:uid_t:4:false:uint"}},
		{"close_range", "sys_close_range", "int", []string{"fd:unsigned int:4:true:fd", "max_fd:unsigned int:4:false:uint", "flags:unsigned int:4:false:uint"}},
		{"clone", "sys_clone", "int", []string{":unsigned long:8:false:uint", ":unsigned long:8:false:uint", ":int __user *:8:false:ptr", ":int __user *:8:false:ptr", ":unsigned long:8:false:uint"}},
		{"rt_sigaction", "sys_rt_sigaction", "int", []string{":int:4:true:int", ":const struct sigaction __user *:8:false:ptr", ":struct sigaction __user *:8:false:ptr", ":size_t:8:false:uint"}},
		{"rt_sigreturn", "sys_rt_sigreturn", "int", nil},
		{"getpid", "sys_getpid", "int", nil},
		{"capget", "sys_capget", "int", []string{"header:cap_user_header_t:8:false:ptr", "dataptr:cap_user_data_t:8:false:ptr"}},
		{"uselib", "sys_ni_syscall", "int", nil},
	}
	for _, tt := range tests {
		nr, ok := Number(tt.name)
		if !ok {
			t.Fatalf("no number for %s", tt.name)
		}
		s := Signature(nr)
		if s == nil {
			t.Errorf("%s: no signature", tt.name)
			continue
		}
		var got []string
		for _, p := range s.Params {
			got = append(got, fmt.Sprintf("%s:%s:%d:%v:%v", p.Name, p.Type, p.Size, p.Signed, p.Kind))
		}
		if s.Entry != tt.entry || s.Ret.String() != tt.ret || fmt.Sprint(got) != fmt.Sprint(tt.params) {
			t.Errorf("%s: got %s ret %v %q, want %s ret %s %q", tt.name, s.Entry, s.Ret, got, tt.entry, tt.ret, tt.params)
		}
	}
}

// Every call of the name table has a prototype; a number without a call
// (sys_ni_syscall) has no parameters.
func TestSyscallSignaturesCoverNames(t *testing.T) {
	for nr, name := range names {
		s := Signature(nr)
		if s == nil {
			t.Errorf("%d %s: no signature", nr, name)
			continue
		}
		if s.Entry == "sys_ni_syscall" && len(s.Params) != 0 {
			t.Errorf("%d %s: sys_ni_syscall with parameters", nr, name)
		}
		for i, p := range s.Params {
			if p.Size != 1 && p.Size != 2 && p.Size != 4 && p.Size != 8 || p.Kind == ArgPtr && (p.Size != 8 || p.Signed) {
				t.Errorf("%s parameter %d: size %d signed %v kind %v", name, i+1, p.Size, p.Signed, p.Kind)
			}
		}
		if len(s.Params) > 6 {
			t.Errorf("%s: %d parameters", name, len(s.Params))
		}
	}
	if Signature(-1) != nil || Signature(100000) != nil {
		t.Errorf("signature of a number out of range")
	}
}

package lua

import (
	"testing"

	glua "github.com/yuin/gopher-lua"
)

// sysfmt's pure decoders, each against the text strace prints for the
// same value.
func TestSysfmtDecoders(t *testing.T) {
	L := glua.NewState()
	defer L.Close()
	preloadModules(L)
	// Lua's escapes are decimal: "\16" is strace's "\20".
	if err := L.DoString(`sys_info = function() return nil end; sysfmt = require("sysfmt")`); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ expr, want string }{
		{`sysfmt.quote("\127ELF\2\1\1\3\0\0\0\0\0\0\0\0\3\0>\0\1\0\0\0\16t\2")`, `"\177ELF\2\1\1\3\0\0\0\0\0\0\0\0\3\0>\0\1\0\0\0\20t\2"`},
		{`sysfmt.quote("\0001\n\t\"\\\255 ok")`, `"\0001\n\t\"\\\377 ok"`},
		{`sysfmt.quote("\5@", true)`, `"\x05\x40"`},
		{`sysfmt.types.open_flags(524288)`, `O_RDONLY|O_CLOEXEC`},
		{`sysfmt.types.open_flags(0x90800)`, `O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY`},
		{`sysfmt.types.open_flags(0x101041)`, `O_WRONLY|O_CREAT|O_SYNC`},
		{`sysfmt.types.open_flags(0x8002)`, `O_RDWR|O_LARGEFILE`},
		{`sysfmt.types.prot(3)`, `PROT_READ|PROT_WRITE`},
		{`sysfmt.types.prot(0)`, `PROT_NONE`},
		{`sysfmt.types.mmap_flags(0x822)`, `MAP_PRIVATE|MAP_ANONYMOUS|MAP_DENYWRITE`},
		{`sysfmt.types.mmap_flags(0x812)`, `MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE`},
		{`sysfmt.types.at_flags(0x1000)`, `AT_EMPTY_PATH`},
		{`sysfmt.types.dirfd(-100)`, `AT_FDCWD`},
		{`sysfmt.types.access_mode(4)`, `R_OK`},
		{`sysfmt.types.access_mode(0)`, `F_OK`},
		{`sysfmt.types.whence(1)`, `SEEK_CUR`},
		{`sysfmt.types.signal(13) .. " " .. sysfmt.types.signal(32) .. " " .. sysfmt.types.signal(34)`, `SIGPIPE SIGRTMIN SIGRT_2`},
		{`sysfmt.types.clone_flags(0x3d0f00)`, `CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID`},
		{`sysfmt.types.clone_flags(0x1200011)`, `CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD`},
		{`sysfmt.types.futex_op(129)`, `FUTEX_WAKE_PRIVATE`},
		{`sysfmt.types.futex_op(393)`, `FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME`},
		{`sysfmt.flags(0x1c000004, sysfmt.consts.sa_flags)`, `SA_RESTORER|SA_ONSTACK|SA_RESTART|SA_SIGINFO`},
		{`sysfmt.flags(0x40 + 0x100000000, sysfmt.consts.open_flags)`, `O_CREAT|0x100000000`},
		{`sysfmt.sigset("\0\0\1\0\0\0\0\0")`, `[CHLD]`},
		{`sysfmt.sigset("\255\255\255\255\255\255\255\255")`, `~[]`},
		{`sysfmt.sigset("\255\255\255\127\251\255\255\255")`, `~[RTMIN RT_3]`},
		{`sysfmt.mode(0x81a4) .. " " .. sysfmt.mode(0x43ff) .. " " .. sysfmt.mode(0)`, `S_IFREG|0644 S_IFDIR|01777 000`},
		{`string.format("%s (%s)", sysfmt.errno(2))`, `ENOENT (No such file or directory)`},
		{`string.format("%s (%s)", sysfmt.errno(512))`, `ERESTARTSYS (To be restarted if SA_RESTART is set)`},
		{`sysfmt.types.rlimit(3)`, `RLIMIT_STACK`},
		{`sysfmt.types.statx_mask(0x173f)`, `STATX_TYPE|STATX_MODE|STATX_NLINK|STATX_UID|STATX_GID|STATX_ATIME|STATX_INO|STATX_SIZE|STATX_BLOCKS|STATX_MNT_ID`},
		{`sysfmt.types.eventfd_flags(0x80800)`, `EFD_CLOEXEC|EFD_NONBLOCK`},
		{`sysfmt.ret({name="openat", ret=-2, args={}})`, `-1 ENOENT (No such file or directory)`},
		{`sysfmt.ret({name="fcntl", ret=1, args={3, 1}})`, `0x1 (flags FD_CLOEXEC)`},
		{`sysfmt.ret({name="fcntl", ret=0x8002, args={3, 3}})`, `0x8002 (flags O_RDWR|O_LARGEFILE)`},
		{`sysfmt.line({name="close", phase="exit", ret=0, args={3}})`, `close(3)                                = 0`},
		{`sysfmt.line({name="exit_group", phase="enter", args={0}})`, `exit_group(0)                           = ?`},
		{`sysfmt.signal_line({signal="SIGUSR1", si_code=-6, si_pid=7, si_uid=0})`, `--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=7, si_uid=0} ---`},
		{`sysfmt.signal_line({signal="SIGSEGV", si_code=128, fault_addr=0})`, `--- SIGSEGV {si_signo=SIGSEGV, si_code=SI_KERNEL, si_addr=NULL} ---`},
		{`sysfmt.signal_line({signal="SIGBUS", si_code=2, fault_addr=4096})`, `--- SIGBUS {si_signo=SIGBUS, si_code=BUS_ADRERR, si_addr=0x1000} ---`},
	}
	for _, tt := range tests {
		if err := L.DoString("got = " + tt.expr); err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if got := L.GetGlobal("got").String(); got != tt.want {
			t.Errorf("%s = %s, want %s", tt.expr, got, tt.want)
		}
	}
}

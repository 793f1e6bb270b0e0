-- strace: log system calls by name, strace style, with decoded paths and durations.
--
-- One line a call, written when it returns: its name, its arguments (the
-- path of open, stat, exec and the *at calls decoded as a string, AT_FDCWD
-- by name), its result (a failure as -1 ERRNO (-N)) and the time it took
-- in the kernel <seconds>. Threads other than the first are prefixed with
-- [pid TID], as strace -f does. exit and exit_group, which never return,
-- are written at their entry with = ?.
--
-- Parameters:
--   -a filter=GLOBS   system calls to log: names or globs, comma-separated
--                     (default *: every call)
--   -a summary=1      also count the calls and failures, printed at the end
--                     (the program's exit, Ctrl-C, --timeout or a detach)
--
-- Example:
--   godbg run -a filter='open*,read,close' strace ./prog

local filter = params.filter or "*"
local summary = params.summary == "1"

local names = {}
for g in string.gmatch(filter, "[^,%s]+") do
	names[#names + 1] = g
end

-- errnos of Linux x86-64 (errno(3)), for the failures' names.
local errnos = {
	[1] = "EPERM", [2] = "ENOENT", [3] = "ESRCH", [4] = "EINTR", [5] = "EIO", [6] = "ENXIO",
	[7] = "E2BIG", [8] = "ENOEXEC", [9] = "EBADF", [10] = "ECHILD", [11] = "EAGAIN",
	[12] = "ENOMEM", [13] = "EACCES", [14] = "EFAULT", [16] = "EBUSY", [17] = "EEXIST",
	[18] = "EXDEV", [19] = "ENODEV", [20] = "ENOTDIR", [21] = "EISDIR", [22] = "EINVAL",
	[23] = "ENFILE", [24] = "EMFILE", [25] = "ENOTTY", [27] = "EFBIG", [28] = "ENOSPC",
	[29] = "ESPIPE", [30] = "EROFS", [31] = "EMLINK", [32] = "EPIPE", [34] = "ERANGE",
	[36] = "ENAMETOOLONG", [38] = "ENOSYS", [39] = "ENOTEMPTY", [40] = "ELOOP",
	[61] = "ENODATA", [95] = "EOPNOTSUPP", [98] = "EADDRINUSE", [104] = "ECONNRESET",
	[110] = "ETIMEDOUT", [111] = "ECONNREFUSED", [115] = "EINPROGRESS",
	[512] = "ERESTARTSYS", [513] = "ERESTARTNOINTR", [514] = "ERESTARTNOHAND",
	[516] = "ERESTART_RESTARTBLOCK",
}

-- Which argument is a path (1-based), by call.
local path_arg = {
	open = 1, creat = 1, stat = 1, lstat = 1, access = 1, execve = 1, chdir = 1, mkdir = 1,
	rmdir = 1, unlink = 1, readlink = 1, chmod = 1, chown = 1, truncate = 1, statfs = 1,
	rename = 1, link = 1, symlink = 2,
	openat = 2, openat2 = 2, newfstatat = 2, faccessat = 2, faccessat2 = 2, mkdirat = 2,
	unlinkat = 2, readlinkat = 2, fchmodat = 2, fchownat = 2, execveat = 2, statx = 2,
	utimensat = 2, renameat = 2, renameat2 = 2, mknodat = 2, inotify_add_watch = 2,
}
-- Which argument is a directory fd (AT_FDCWD shown by name).
local dirfd_arg = {
	openat = 1, openat2 = 1, newfstatat = 1, faccessat = 1, faccessat2 = 1, mkdirat = 1,
	unlinkat = 1, readlinkat = 1, fchmodat = 1, fchownat = 1, execveat = 1, statx = 1,
	utimensat = 1, renameat = 1, renameat2 = 1, mknodat = 1,
}
-- How many arguments to show, for common calls (others: 6).
local nargs = {
	read = 3, write = 3, open = 3, close = 1, stat = 2, fstat = 2, lstat = 2, poll = 3,
	lseek = 3, mmap = 6, mprotect = 3, munmap = 2, brk = 1, rt_sigaction = 4,
	rt_sigprocmask = 4, ioctl = 3, pread64 = 4, pwrite64 = 4, readv = 3, writev = 3,
	access = 2, pipe = 1, dup = 1, dup2 = 2, getpid = 0, getppid = 0, gettid = 0,
	getuid = 0, geteuid = 0, getgid = 0, getegid = 0, socket = 3, connect = 3,
	accept = 3, sendto = 6, recvfrom = 6, clone = 5, fork = 0, vfork = 0, execve = 3,
	exit = 1, exit_group = 1, wait4 = 4, kill = 2, uname = 1, fcntl = 3, flock = 2,
	fsync = 1, getcwd = 2, chdir = 1, rename = 2, mkdir = 2, rmdir = 1, unlink = 1,
	readlink = 3, chmod = 2, getdents64 = 3, openat = 4, newfstatat = 4, unlinkat = 3,
	mkdirat = 3, faccessat = 3, readlinkat = 4, futex = 6, sched_yield = 0,
	nanosleep = 2, clock_nanosleep = 4, set_tid_address = 1, arch_prctl = 2,
	sigaltstack = 2, madvise = 3, prlimit64 = 4, getrandom = 3, statx = 5,
	rt_sigreturn = 0, tgkill = 3, pipe2 = 2, dup3 = 3, epoll_create1 = 1,
	epoll_ctl = 4, epoll_pwait = 6, eventfd2 = 2, rseq = 4, set_robust_list = 2,
	sched_getaffinity = 3, close_range = 3, prctl = 5,
}

local function quote(s)
	local q = string.format("%q", s):gsub("\\\n", "\\n")
	return q
end

local function arg_text(name, i, v, path)
	if path_arg[name] == i and path then
		return quote(path)
	end
	if dirfd_arg[name] == i and (v == -100 or v == 4294967196) then
		return "AT_FDCWD"
	end
	if v < 0 or v < 4096 then
		return tostring(v)
	end
	return hex(v)
end

local first_tid
local pending = {} -- tid -> { text of the call }
local counts, errors = {}, {}

local function prefix(tid)
	if first_tid == nil then
		first_tid = tid
	end
	if tid == first_tid then
		return ""
	end
	return string.format("[pid %d] ", tid)
end

local function call_text(ev)
	local n = nargs[ev.name] or 6
	local path
	local pi = path_arg[ev.name]
	if pi then
		local ok, s = pcall(mem.cstr, ev.args[pi], 4096)
		if ok then
			path = s
		end
	end
	local parts = {}
	for i = 1, n do
		parts[i] = arg_text(ev.name, i, ev.args[i], path)
	end
	return string.format("%s(%s)", ev.name ~= "" and ev.name or ("syscall_" .. ev.nr), table.concat(parts, ", "))
end

sys(names, function(ev)
	if ev.phase == "enter" then
		local text = call_text(ev)
		if ev.name == "exit" or ev.name == "exit_group" then
			print(prefix(ev.tid) .. text .. " = ?")
			return
		end
		pending[ev.tid] = text
		return
	end
	local text = pending[ev.tid] or (ev.name .. "(...)")
	pending[ev.tid] = nil
	local ret
	if ev.ret < 0 and ev.ret > -4096 then
		local e = -ev.ret
		ret = string.format("-1 %s (%d)", errnos[e] or ("E" .. e), e)
		errors[ev.name] = (errors[ev.name] or 0) + 1
	elseif ev.ret >= 4096 then
		ret = hex(ev.ret)
	else
		ret = tostring(ev.ret)
	end
	counts[ev.name] = (counts[ev.name] or 0) + 1
	printf("%s%s = %s <%.6f>", prefix(ev.tid), text, ret, ev.elapsed)
end)

if summary then
	on("end", function()
		local list = {}
		for name in pairs(counts) do
			list[#list + 1] = name
		end
		table.sort(list, function(a, b)
			if counts[a] ~= counts[b] then
				return counts[a] > counts[b]
			end
			return a < b
		end)
		printf("%-20s %8s %8s", "syscall", "calls", "errors")
		for _, name in ipairs(list) do
			printf("%-20s %8d %8d", name, counts[name], errors[name] or 0)
		end
	end)
end

-- strace: log system calls by name, strace style, with decoded paths and durations.
--
-- One line a call, written when it returns: its name, its arguments as the
-- kernel prototype declares them (sys_info): integers in decimal with their
-- own width and sign (AT_FDCWD is -100, shown by name), pointers in hex or
-- NULL, a mode in octal, the path of open, stat, exec and the *at calls as
-- a string; its result in decimal (an address in hex: mmap, brk), a failure
-- as -1 ERRNO (message); and the time it took in the kernel <seconds>.
-- Threads other than the first are prefixed with [pid TID], as strace -f
-- does. exit and exit_group, which never return, are written at their entry
-- with = ?.
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

-- errnos of Linux x86-64 (errno(3)) and their messages (strerror(3)).
local errnos = {
	[1] = {"EPERM", "Operation not permitted"}, [2] = {"ENOENT", "No such file or directory"},
	[3] = {"ESRCH", "No such process"}, [4] = {"EINTR", "Interrupted system call"},
	[5] = {"EIO", "Input/output error"}, [6] = {"ENXIO", "No such device or address"},
	[7] = {"E2BIG", "Argument list too long"}, [8] = {"ENOEXEC", "Exec format error"},
	[9] = {"EBADF", "Bad file descriptor"}, [10] = {"ECHILD", "No child processes"},
	[11] = {"EAGAIN", "Resource temporarily unavailable"}, [12] = {"ENOMEM", "Cannot allocate memory"},
	[13] = {"EACCES", "Permission denied"}, [14] = {"EFAULT", "Bad address"},
	[16] = {"EBUSY", "Device or resource busy"}, [17] = {"EEXIST", "File exists"},
	[18] = {"EXDEV", "Invalid cross-device link"}, [19] = {"ENODEV", "No such device"},
	[20] = {"ENOTDIR", "Not a directory"}, [21] = {"EISDIR", "Is a directory"},
	[22] = {"EINVAL", "Invalid argument"}, [23] = {"ENFILE", "Too many open files in system"},
	[24] = {"EMFILE", "Too many open files"}, [25] = {"ENOTTY", "Inappropriate ioctl for device"},
	[27] = {"EFBIG", "File too large"}, [28] = {"ENOSPC", "No space left on device"},
	[29] = {"ESPIPE", "Illegal seek"}, [30] = {"EROFS", "Read-only file system"},
	[31] = {"EMLINK", "Too many links"}, [32] = {"EPIPE", "Broken pipe"},
	[34] = {"ERANGE", "Numerical result out of range"}, [36] = {"ENAMETOOLONG", "File name too long"},
	[38] = {"ENOSYS", "Function not implemented"}, [39] = {"ENOTEMPTY", "Directory not empty"},
	[40] = {"ELOOP", "Too many levels of symbolic links"}, [61] = {"ENODATA", "No data available"},
	[95] = {"EOPNOTSUPP", "Operation not supported"}, [98] = {"EADDRINUSE", "Address already in use"},
	[104] = {"ECONNRESET", "Connection reset by peer"}, [110] = {"ETIMEDOUT", "Connection timed out"},
	[111] = {"ECONNREFUSED", "Connection refused"}, [115] = {"EINPROGRESS", "Operation now in progress"},
	[512] = {"ERESTARTSYS", "To be restarted if SA_RESTART is set"},
	[513] = {"ERESTARTNOINTR", "To be restarted"},
	[514] = {"ERESTARTNOHAND", "To be restarted if no handler"},
	[516] = {"ERESTART_RESTARTBLOCK", "Interrupted by signal"},
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
-- The prototypes, by call name (sys_info), looked up once each.
local sigs = {}
local function sig_of(name)
	local sg = sigs[name]
	if sg == nil then
		sg = sys_info(name) or false
		sigs[name] = sg
	end
	return sg
end

local function quote(s)
	local q = string.format("%q", s):gsub("\\\n", "\\n")
	return q
end

-- arg_text shows argument v as strace does for its parameter p (nil for a
-- call sys_info does not know).
local function arg_text(name, i, v, p, path)
	if path_arg[name] == i and path then
		return quote(path)
	end
	if p == nil then
		return tostring(v)
	end
	if p.kind == "ptr" then
		return v == 0 and "NULL" or hex(v)
	end
	if p.kind == "fd" and v == -100 and p.name and p.name:match("dfd$") then
		return "AT_FDCWD"
	end
	if p.type == "umode_t" then
		return string.format("%#03o", v)
	end
	return string.format("%d", v)
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
	local sg = sig_of(ev.name)
	local n = sg and #sg.args or 6
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
		parts[i] = arg_text(ev.name, i, ev.args[i], sg and sg.args[i], path)
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
		local e = errnos[-ev.ret]
		if e then
			ret = string.format("-1 %s (%s)", e[1], e[2])
		else
			ret = string.format("-1 E%d (errno %d)", -ev.ret, -ev.ret)
		end
		errors[ev.name] = (errors[ev.name] or 0) + 1
	elseif sig_of(ev.name) and sig_of(ev.name).ret == "ptr" then
		ret = hex(ev.ret)
	else
		ret = string.format("%d", ev.ret)
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

-- faults: inject errors into system calls (skip them, make them return an errno or a value), as strace --inject does.
--
-- Each matching call is skipped at its entry: the kernel runs nothing and
-- the program sees the injected result. Calls are counted per system call
-- name, from 1, and `when` picks which ones fail. One line a fault is
-- written: the call, its number in the count, its path argument if any, and
-- the injected result.
--
-- Parameters:
--   -a inject=SET:error=ERRNO[:when=EXPR]   or  SET:retval=N[:when=EXPR]
--        SET   system call names or globs, comma-separated ("openat", "open*,read")
--        ERRNO a name (ENOENT, EACCES, EIO, ...) or a number
--        EXPR  N: the Nth call only; N+: the Nth and every later one;
--              N+S: the Nth and every Sth after it (1+3: calls 1, 4, 7...);
--              default 1+ (every call)
--        several specs may be given, separated by ';'
--   -a path=TEXT   only count calls whose path argument contains TEXT
--   -a quiet=1     write nothing
--
-- Example:
--   godbg run -a inject='openat:error=ENOENT:when=2+' faults ./prog
--   godbg run -a inject='openat:error=ENOENT' -a path=app.conf faults ./server

local errnos = {
	EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7,
	ENOEXEC = 8, EBADF = 9, ECHILD = 10, EAGAIN = 11, EWOULDBLOCK = 11, ENOMEM = 12,
	EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, EXDEV = 18, ENODEV = 19,
	ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENFILE = 23, EMFILE = 24, ENOTTY = 25,
	EFBIG = 27, ENOSPC = 28, ESPIPE = 29, EROFS = 30, EMLINK = 31, EPIPE = 32,
	ERANGE = 34, EDEADLK = 35, ENAMETOOLONG = 36, ENOSYS = 38, ENOTEMPTY = 39,
	ELOOP = 40, ENODATA = 61, ETIME = 62, EOPNOTSUPP = 95, EADDRINUSE = 98,
	ENETDOWN = 100, ENETUNREACH = 101, ECONNABORTED = 103, ECONNRESET = 104,
	ENOBUFS = 105, ETIMEDOUT = 110, ECONNREFUSED = 111, EHOSTUNREACH = 113,
	EINPROGRESS = 115, EDQUOT = 122,
}

-- Which argument is a path (1-based), by call.
local path_arg = {
	open = 1, creat = 1, stat = 1, lstat = 1, access = 1, execve = 1, chdir = 1, mkdir = 1,
	rmdir = 1, unlink = 1, readlink = 1, chmod = 1, truncate = 1, rename = 1,
	openat = 2, openat2 = 2, newfstatat = 2, faccessat = 2, faccessat2 = 2, mkdirat = 2,
	unlinkat = 2, readlinkat = 2, fchmodat = 2, execveat = 2, statx = 2, renameat2 = 2,
}

local quiet = params.quiet == "1"
local path_filter = params.path
if not params.inject then
	error("faults: give -a inject=SET:error=ERRNO[:when=EXPR] (e.g. openat:error=ENOENT:when=2+)")
end

-- parse_when reads N, N+ or N+S into first, step (step 0: only the first).
local function parse_when(expr)
	local first, plus, step = string.match(expr, "^(%d+)(%+?)(%d*)$")
	if not first or tonumber(first) < 1 then
		error("faults: bad when=" .. expr .. " (want N, N+ or N+S, N >= 1)")
	end
	first = tonumber(first)
	if plus == "" then
		return first, 0
	end
	if step == "" then
		return first, 1
	end
	if tonumber(step) < 1 then
		error("faults: bad when=" .. expr .. " (step must be >= 1)")
	end
	return first, tonumber(step)
end

local function parse_spec(spec)
	local fields = {}
	for f in string.gmatch(spec, "[^:]+") do
		fields[#fields + 1] = f
	end
	if #fields < 2 then
		error("faults: bad inject=" .. spec .. " (want SET:error=ERRNO[:when=EXPR])")
	end
	local rule = { names = {}, first = 1, step = 1, count = {} }
	for n in string.gmatch(fields[1], "[^,%s]+") do
		rule.names[#rule.names + 1] = n
	end
	for i = 2, #fields do
		local k, v = string.match(fields[i], "^(%w+)=(.+)$")
		if k == "error" then
			local e = errnos[v] or tonumber(v)
			if not e or e <= 0 or e >= 4096 then
				error("faults: unknown errno " .. v)
			end
			rule.ret, rule.what = -e, "-1 " .. v
		elseif k == "retval" then
			rule.ret = tonumber(v)
			if not rule.ret then
				error("faults: bad retval=" .. v)
			end
			rule.what = v
		elseif k == "when" then
			rule.first, rule.step = parse_when(v)
		else
			error("faults: unknown field " .. fields[i] .. " (want error=, retval= or when=)")
		end
	end
	if not rule.ret then
		error("faults: " .. spec .. ": give error=ERRNO or retval=N")
	end
	return rule
end

-- chosen says whether the nth call is injected.
local function chosen(rule, n)
	if n < rule.first then
		return false
	end
	if rule.step == 0 then
		return n == rule.first
	end
	return (n - rule.first) % rule.step == 0
end

local total = 0
for spec in string.gmatch(params.inject, "[^;]+") do
	local rule = parse_spec(spec)
	sys(rule.names, function(ev)
		if ev.phase ~= "enter" then
			return
		end
		local path
		local pi = path_arg[ev.name]
		if pi then
			local ok, s = pcall(mem.cstr, ev.args[pi], 4096)
			path = ok and s or nil
		end
		if path_filter and not (path and string.find(path, path_filter, 1, true)) then
			return
		end
		local n = (rule.count[ev.name] or 0) + 1
		rule.count[ev.name] = n
		if not chosen(rule, n) then
			return
		end
		sys_return(rule.ret)
		total = total + 1
		if not quiet then
			if path then
				printf("faults: %s #%d %q = %s (injected) tid=%d", ev.name, n, path, rule.what, ev.tid)
			else
				printf("faults: %s #%d = %s (injected) tid=%d", ev.name, n, rule.what, ev.tid)
			end
		end
	end)
end

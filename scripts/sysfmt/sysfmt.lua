-- sysfmt: system call arguments, results and structs as strace prints them.
--
--   local sysfmt = require("sysfmt")
--   sys("openat", function(ev)
--     if ev.phase == "exit" then print(sysfmt.line(ev)) end
--   end)
--
-- sysfmt.line(ev) is `openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3`
-- for a sys() exit event (an entry event for calls that never return).
-- sysfmt.calls[name] lists a call's argument decoders, by type name
-- (sysfmt.types) or as functions; a script may add or replace entries.
-- The names of flags, errnos and signals come from sysfmt.consts, generated
-- from golang.org/x/sys/unix and the kernel's uapi headers by
-- lua/sysfmt_gen.go into lua/sysfmt_table.go.

local M = ... or {}
local band, shr, le, quote = M.band, M.shr, M.le, M.quote
local C = require("sysfmt.consts")
M.consts = C

local fmt, concat, floor = string.format, table.concat, math.floor

-- strace's -s: strings and buffers are cut at this many bytes, then "...".
M.max_string = 32

-- The errnos the kernel returns only to a tracer, when a signal cuts a
-- call short (include/linux/errno.h, kernel-internal, no uapi header):
-- strace names them from its own table.
local kernel_errno = {
	[512] = {"ERESTARTSYS", "To be restarted if SA_RESTART is set"},
	[513] = {"ERESTARTNOINTR", "To be restarted"},
	[514] = {"ERESTARTNOHAND", "To be restarted if no handler"},
	[515] = {"ENOIOCTLCMD", "No ioctl command"},
	[516] = {"ERESTART_RESTARTBLOCK", "Interrupted by signal"},
}

-- hex(v): an address or a hex value, 0x..., 0 as 0 (strace's %#lx).
local function hx(v)
	if v == 0 then
		return "0"
	end
	if v < 0 then
		return hex(v)
	end
	return fmt("%#x", v)
end
M.hex = hx

local function ptr(v)
	if v == 0 then
		return "NULL"
	end
	return hx(v)
end
M.ptr = ptr

-- flags(v, set [, zero]): "A|B" from a generated set ({name, value} pairs
-- in strace's order), the unnamed bits left as a hex number; v = 0 is
-- zero (default "0").
local function flags(v, set, zero)
	if v == 0 then
		return zero or "0"
	end
	local parts, n = {}, 0
	for i = 1, #set do
		local f = set[i]
		local fv = f[2]
		if fv ~= 0 and band(v, fv) == fv then
			n = n + 1
			parts[n] = f[1]
			v = v - fv
		end
		if v == 0 then
			break
		end
	end
	if v ~= 0 then
		n = n + 1
		parts[n] = hx(v)
	end
	return concat(parts, "|")
end
M.flags = flags

-- enum(v, set [, default]): the name of value v in set, else default or v
-- in decimal.
local byval = setmetatable({}, {__mode = "k"})
local function enum(v, set, default)
	local m = byval[set]
	if m == nil then
		m = {}
		for i = #set, 1, -1 do
			m[set[i][2]] = set[i][1]
		end
		byval[set] = m
	end
	return m[v] or default or fmt("%d", v)
end
M.enum = enum

-- errno(n) -> name, message: "ENOENT", "No such file or directory".
function M.errno(n)
	local e = C.errno[n] or kernel_errno[n]
	if e then
		return e[1], e[2]
	end
	return fmt("E%d", n), fmt("Unknown error %d", n)
end

-- signame(n) -> "SIGCHLD", the real-time ones as strace names them
-- (SIGRTMIN is 32, then SIGRT_1...).
local function signame(n)
	local s = C.signals[n]
	if s then
		return s
	end
	if n == 32 then
		return "SIGRTMIN"
	end
	if n > 32 and n <= 64 then
		return fmt("SIGRT_%d", n - 32)
	end
	return fmt("%d", n)
end
M.signame = signame

-- read(addr, n) -> bytes or nil where the memory cannot be read.
local function read(addr, n)
	if n <= 0 then
		return ""
	end
	local ok, s = pcall(mem, addr, n)
	if ok then
		return s
	end
	return nil
end
M.read = read

-- buf(addr, n [, hex]): n bytes at addr as a strace string, cut at
-- max_string with "..." after the closing quote.
local function buf(addr, n, hexstyle)
	if addr == 0 then
		return "NULL"
	end
	local max = M.max_string
	local s = read(addr, n < max and n or max)
	if s == nil then
		return hx(addr)
	end
	local q = quote(s, hexstyle)
	if n > max then
		return q .. "..."
	end
	return q
end
M.buf = buf

-- cstr(addr [, max]): the NUL-terminated string at addr, cut at max bytes
-- (default max_string) with "..."; NULL for 0.
local function cstr(addr, max)
	if addr == 0 then
		return "NULL"
	end
	max = max or M.max_string
	local ok, s = pcall(mem.cstr, addr, max + 1)
	if not ok then
		return hx(addr)
	end
	if #s > max then
		return quote(s:sub(1, max)) .. "..."
	end
	return quote(s)
end
M.cstr = cstr

-- path(addr): a path argument, whole (strace cuts them at PATH_MAX only).
local function path(addr)
	return cstr(addr, 4096)
end
M.path = path

-- sigset(s): a sigset_t's bytes as strace shows them: [INT TERM], or
-- ~[...] of the signals not in it when more than half are.
local function sigset(s)
	local words, nbits = {}, #s * 8
	local set = 0
	for i = 0, #s / 4 - 1 do
		local w = le(s, i * 4, 4)
		words[i] = w
		local c = 0
		while w ~= 0 do
			c = c + w % 2
			w = floor(w / 2)
		end
		set = set + c
	end
	local inv = set * 2 > nbits
	local names = {}
	for sig = 1, nbits do
		local w = words[floor((sig - 1) / 32)]
		local bit = floor(w / 2 ^ ((sig - 1) % 32)) % 2 == 1
		if bit ~= inv then
			names[#names + 1] = signame(sig):gsub("^SIG", "")
		end
	end
	return (inv and "~[" or "[") .. concat(names, " ") .. "]"
end
M.sigset = sigset

-- siginfo(ev): a signal event's siginfo as strace shows it: {si_signo=
-- SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL} for a fault,
-- {si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=7, si_uid=0} for a signal a
-- process sent.
local code_sets = {
	SIGSEGV = C.segv_code, SIGBUS = C.bus_code, SIGILL = C.ill_code,
	SIGFPE = C.fpe_code, SIGTRAP = C.trap_code,
}
function M.siginfo(ev)
	local code = ev.si_code
	local out = "{si_signo=" .. ev.signal
	if code == nil then
		return out .. "}"
	end
	local set = code > 0 and code ~= 128 and code_sets[ev.signal]
	out = out .. ", si_code=" .. enum(code, set or C.si_code)
	if code <= 0 then
		return out .. fmt(", si_pid=%d, si_uid=%d}", ev.si_pid, ev.si_uid)
	end
	if code_sets[ev.signal] then
		return out .. ", si_addr=" .. ptr(ev.fault_addr) .. "}"
	end
	return out .. "}"
end

-- signal_line(ev): "--- SIGSEGV {si_signo=SIGSEGV, ...} ---".
function M.signal_line(ev)
	return "--- " .. ev.signal .. " " .. M.siginfo(ev) .. " ---"
end

-- Structs: each reads its bytes at addr and returns strace's {...}
-- summary, or the address when they cannot be read.
local structs = {}
M.structs = structs

local function mode_text(m)
	local t = band(m, 61440) -- S_IFMT
	local perm = fmt("%#03o", band(m, 4095))
	if t == 0 then
		return perm
	end
	return enum(t, C.s_ifmt, fmt("%#o", t)) .. "|" .. perm
end
M.mode = mode_text

local function makedev(dev)
	local major = band(shr(dev, 8), 0xfff) + band(shr(dev, 32), 0xfffff000)
	local minor = band(dev, 0xff) + band(shr(dev, 12), 0xffffff00)
	return fmt("makedev(%s, %s)", hx(major), hx(minor))
end

-- struct stat (x86-64, 144 bytes): strace's abbreviated form.
function structs.stat(addr)
	local s = read(addr, 144)
	if s == nil then
		return hx(addr)
	end
	local m = le(s, 24, 4)
	local t = band(m, 61440)
	if t == 8192 or t == 24576 then -- S_IFCHR, S_IFBLK
		return fmt("{st_mode=%s, st_rdev=%s, ...}", mode_text(m), makedev(le(s, 40, 8)))
	end
	return fmt("{st_mode=%s, st_size=%d, ...}", mode_text(m), le(s, 48, 8, true))
end

-- struct statx: the fields strace's abbreviated form shows.
function structs.statx(addr)
	local s = read(addr, 256)
	if s == nil then
		return hx(addr)
	end
	local mask = le(s, 0, 4)
	return fmt("{stx_mask=%s, stx_attributes=%s, stx_mode=%s, stx_size=%d, ...}",
		M.statx_mask(mask), hx(le(s, 8, 8)), mode_text(le(s, 28, 2)), le(s, 40, 8, true))
end

function M.statx_mask(v)
	return flags(v, C.statx_mask)
end

function structs.timespec(addr)
	local s = read(addr, 16)
	if s == nil then
		return hx(addr)
	end
	return fmt("{tv_sec=%d, tv_nsec=%d}", le(s, 0, 8, true), le(s, 8, 8, true))
end

function structs.timeval(addr)
	local s = read(addr, 16)
	if s == nil then
		return hx(addr)
	end
	return fmt("{tv_sec=%d, tv_usec=%d}", le(s, 0, 8, true), le(s, 8, 8, true))
end

-- the kernel's struct sigaction on x86-64: handler, flags, restorer, mask.
function structs.sigaction(addr)
	local s = read(addr, 32)
	if s == nil then
		return hx(addr)
	end
	local h, fl = le(s, 0, 8), le(s, 8, 8)
	local handler = h == 0 and "SIG_DFL" or h == 1 and "SIG_IGN" or hx(h)
	local out = fmt("{sa_handler=%s, sa_mask=%s, sa_flags=%s", handler, sigset(s:sub(25, 32)), flags(fl, C.sa_flags))
	if band(fl, 0x04000000) ~= 0 then -- SA_RESTORER
		out = out .. ", sa_restorer=" .. hx(le(s, 16, 8))
	end
	return out .. "}"
end

local function rlim(v, s, off)
	if le(s, off, 8, true) == -1 then
		return "RLIM64_INFINITY"
	end
	if v > 0 and v % 1024 == 0 then
		return fmt("%d*1024", v / 1024)
	end
	return fmt("%d", v)
end

function structs.rlimit(addr)
	local s = read(addr, 16)
	if s == nil then
		return hx(addr)
	end
	return fmt("{rlim_cur=%s, rlim_max=%s}", rlim(le(s, 0, 8), s, 0), rlim(le(s, 8, 8), s, 8))
end

function structs.stack(addr)
	local s = read(addr, 24)
	if s == nil then
		return hx(addr)
	end
	return fmt("{ss_sp=%s, ss_flags=%s, ss_size=%d}", ptr(le(s, 0, 8)), flags(le(s, 8, 4), C.ss_flags), le(s, 16, 8))
end

-- iovec(addr, n, total): n struct iovec, each base shown as a buffer of
-- its length, the data cut at total bytes over them all (a read's result).
function structs.iovec(addr, n, total)
	local s = read(addr, 16 * n)
	if s == nil then
		return hx(addr)
	end
	local parts = {}
	for i = 0, n - 1 do
		local base, len = le(s, i * 16, 8), le(s, i * 16 + 8, 8)
		local shown = len
		if total then
			shown = math.min(len, math.max(total, 0))
			total = total - shown
		end
		parts[#parts + 1] = fmt("{iov_base=%s, iov_len=%d}", buf(base, shown), len)
	end
	return "[" .. concat(parts, ", ") .. "]"
end

function structs.pollfd(addr, n, revents)
	local s = read(addr, 8 * n)
	if s == nil then
		return hx(addr)
	end
	local parts = {}
	for i = 0, n - 1 do
		local fd, ev, rev = le(s, i * 8, 4, true), le(s, i * 8 + 4, 2), le(s, i * 8 + 6, 2)
		if revents then
			if rev ~= 0 then
				parts[#parts + 1] = fmt("{fd=%d, revents=%s}", fd, flags(rev, C.poll_events))
			end
		else
			parts[#parts + 1] = fmt("{fd=%d, events=%s}", fd, flags(ev, C.poll_events))
		end
	end
	return "[" .. concat(parts, ", ") .. "]"
end

function structs.sockaddr(addr, len)
	if addr == 0 then
		return "NULL"
	end
	local s = read(addr, math.min(len, 128))
	if s == nil or #s < 2 then
		return hx(addr)
	end
	local fam = le(s, 0, 2)
	local name = enum(fam, C.af)
	if len <= 2 then
		return fmt("{sa_family=%s}", name)
	end
	if fam == 1 then -- AF_UNIX
		local p = s:sub(3):match("^[^%z]*")
		if s:byte(3) == 0 and #s > 3 then
			return fmt("{sa_family=AF_UNIX, sun_path=@%s}", quote(s:sub(4):match("^[^%z]*")))
		end
		return fmt("{sa_family=AF_UNIX, sun_path=%s}", quote(p))
	elseif fam == 2 and #s >= 8 then -- AF_INET
		return fmt("{sa_family=AF_INET, sin_port=htons(%d), sin_addr=inet_addr(\"%d.%d.%d.%d\")}",
			s:byte(3) * 256 + s:byte(4), s:byte(5), s:byte(6), s:byte(7), s:byte(8))
	end
	return fmt("{sa_family=%s, ...}", name)
end

-- struct epoll_event (packed on x86-64: events, then 8 bytes of data).
function structs.epoll_event(addr)
	local s = read(addr, 12)
	if s == nil then
		return hx(addr)
	end
	return fmt("{events=%s, data={u32=%d, u64=%d}}", flags(le(s, 0, 4), C.epoll_events), le(s, 4, 4), M.ledec(s, 4))
end

function structs.utsname(addr)
	local s = read(addr, 130)
	if s == nil then
		return hx(addr)
	end
	return fmt("{sysname=%s, nodename=%s, ...}", quote(s:sub(1, 65):match("^[^%z]*")), quote(s:sub(66, 130):match("^[^%z]*")))
end

-- Argument types: decoder(v, ev, i) -> text, or nil to leave the argument
-- (and those after it) out, as strace does for an open without O_CREAT.
-- ev is the exit event (the entry's for calls that never return); v is
-- ev.args[i]. An output argument of a failed call shows as its address.
local types = {}
M.types = types

local function failed(ev)
	return ev.ret ~= nil and ev.ret < 0 and ev.ret > -4096
end
M.failed = failed

local function out(fn)
	return function(v, ev, i)
		if v == 0 then
			return "NULL"
		end
		if ev.phase ~= "exit" or failed(ev) then
			return hx(v)
		end
		return fn(v, ev, i)
	end
end
M.out = out

function types.int(v) return fmt("%d", v) end
types.fd = types.int
function types.uint(v) return fmt("%d", v < 0 and v + 2 ^ 32 or v) end
types.hex = hx
types.ptr = ptr
function types.dirfd(v)
	if v == -100 then
		return "AT_FDCWD"
	end
	return fmt("%d", v)
end
function types.path(v) return path(v) end
function types.str(v) return cstr(v) end
function types.mode(v) return fmt("%#03o", v) end
function types.open_flags(v)
	local acc = band(v, 3)
	local rest = v - acc
	local s = enum(acc, C.open_accmode)
	if rest ~= 0 then
		s = s .. "|" .. flags(rest, C.open_flags)
	end
	return s
end
-- openat's mode shows only with O_CREAT or O_TMPFILE.
function types.open_mode(v, ev, i)
	if band(ev.args[i - 1], 64 + 4194304) == 0 then
		return nil
	end
	return fmt("%#03o", v)
end
function types.prot(v) return flags(v, C.prot, "PROT_NONE") end
function types.mmap_flags(v)
	local t = band(v, 15)
	local s = enum(t, C.map_type, hx(t))
	if v - t ~= 0 then
		s = s .. "|" .. flags(v - t, C.map_flags)
	end
	return s
end
function types.at_flags(v) return flags(v, C.at_flags) end
function types.unlinkat_flags(v) return flags(v, {{"AT_REMOVEDIR", 512}}) end
function types.faccessat_flags(v)
	return flags(v, {{"AT_SYMLINK_NOFOLLOW", 256}, {"AT_EACCESS", 512}, {"AT_EMPTY_PATH", 4096}})
end
function types.statx_flags(v)
	local sync = band(v, 24576)
	return enum(sync, C.at_statx_sync, hx(sync)) .. (v - sync ~= 0 and "|" .. flags(v - sync, C.at_flags) or "")
end
function types.access_mode(v) return flags(v, C.access_mode, "F_OK") end
function types.whence(v) return enum(v, C.seek) end
function types.signal(v) return signame(v) end
function types.grnd(v) return flags(v, C.grnd) end
function types.rlimit(v) return enum(v, C.rlimit) end
function types.fadvise(v) return enum(v, C.fadvise) end
function types.madvise(v) return enum(v, C.madvise) end
function types.arch_prctl(v) return enum(v, C.arch_prctl) end
function types.clock(v) return enum(v, C.clock) end
function types.sighow(v) return enum(v, C.sigprocmask_how) end
function types.epoll_ctl(v) return enum(v, C.epoll_ctl) end
function types.epoll_flags(v) return flags(v, C.epoll_flags) end
function types.eventfd_flags(v) return flags(v, C.eventfd_flags) end
function types.mremap_flags(v) return flags(v, C.mremap) end
function types.ioctl_cmd(v) return enum(v < 0 and v + 2 ^ 32 or v, C.ioctl, hx(v < 0 and v + 2 ^ 32 or v)) end
function types.futex_op(v)
	local cmd = band(v, 127)
	local s = enum(cmd, C.futex_op)
	if band(v, 128) ~= 0 then
		s = s .. "_PRIVATE"
	end
	if band(v, 256) ~= 0 then
		s = s .. "|FUTEX_CLOCK_REALTIME"
	end
	local rest = band(v, M.bnot(511))
	if rest ~= 0 then
		s = s .. "|" .. hx(rest)
	end
	return s
end
-- ioctl's argument: none for FIOCLEX and FIONCLEX, else its value in hex.
function types.ioctl_arg(v, ev)
	local cmd = ev.args[2]
	if cmd == 0x5451 or cmd == 0x5450 then
		return nil
	end
	return hx(v)
end
-- rt_sigreturn's {mask=[...]}: the signal mask the frame restores, read at
-- the entry from the ucontext at the stack pointer (x86-64's rt_sigframe:
-- uc_sigmask follows uc_flags, uc_link, uc_stack and the 256-byte
-- sigcontext).
function types.sigreturn_frame(v, ev)
	if ev.phase ~= "enter" then
		return "{mask=?}"
	end
	local s = read(regs.rsp + 296, 8)
	return s and "{mask=" .. sigset(s) .. "}" or hx(regs.rsp)
end
function types.socket_family(v) return enum(v, C.af) end
function types.socket_type(v)
	local t = band(v, 15)
	local s = enum(t, C.sock_type)
	if v - t ~= 0 then
		s = s .. "|" .. flags(v - t, C.sock_flags)
	end
	return s
end
function types.clone_flags(v)
	local sig = band(v, 255)
	local s = flags(v - sig, C.clone_flags, "")
	if sig ~= 0 then
		s = (s ~= "" and s .. "|" or "") .. signame(sig)
	end
	return s ~= "" and s or "0"
end

-- in_buf(n): a buffer the call reads, of the length in argument n.
function M.in_buf(n)
	return function(v, ev)
		return buf(v, ev.args[n])
	end
end
-- out_buf: a buffer the call fills, of the length it returns; shown at the
-- exit.
types.out_buf = out(function(v, ev)
	return buf(v, ev.ret)
end)
types.out_buf_hex = out(function(v, ev)
	return buf(v, ev.ret, true)
end)
types.out_path = out(function(v, ev)
	local s = read(v, ev.ret)
	return s and quote((s:gsub("%z.*", ""))) or hx(v)
end)
types.stat = out(structs.stat)
types.statx = out(structs.statx)
types.timespec = function(v) return v == 0 and "NULL" or structs.timespec(v) end
types.out_timespec = out(structs.timespec)
types.sigaction = function(v) return v == 0 and "NULL" or structs.sigaction(v) end
types.out_sigaction = out(structs.sigaction)
types.sigset = function(v, ev)
	if v == 0 then
		return "NULL"
	end
	local s = read(v, 8)
	return s and sigset(s) or hx(v)
end
types.out_sigset = out(types.sigset)
types.rlimit_in = function(v) return v == 0 and "NULL" or structs.rlimit(v) end
types.out_rlimit = out(structs.rlimit)
types.stack = function(v) return v == 0 and "NULL" or structs.stack(v) end
types.out_stack = out(structs.stack)
types.utsname = out(structs.utsname)
types.epoll_event = function(v) return v == 0 and "NULL" or structs.epoll_event(v) end
types.statx_mask = function(v) return M.statx_mask(v < 0 and v + 2 ^ 32 or v) end
-- prctl: the option by name; PR_SET_VMA's sub-option and name string.
function types.prctl_option(v) return enum(v, C.prctl) end
function types.prctl_arg(v, ev, i)
	if ev.args[1] == 0x53564d41 then -- PR_SET_VMA
		if i == 2 then
			return v == 0 and "PR_SET_VMA_ANON_NAME" or hx(v)
		end
		if i == 3 then
			return ptr(v)
		end
		if i == 4 then
			return fmt("%d", v)
		end
		if i == 5 then
			return cstr(v)
		end
		return nil
	end
	return hx(v)
end
types.sockaddr = function(v, ev, i) return structs.sockaddr(v, ev.args[i + 1]) end
-- getdents64's buffer: its address and the count of entries it got.
types.dirents = function(v, ev)
	if ev.phase ~= "exit" or failed(ev) then
		return hx(v)
	end
	local s = read(v, ev.ret)
	local n, off = 0, 0
	while s and off + 18 <= #s do
		local reclen = le(s, off + 16, 2)
		if reclen == 0 then
			break
		end
		n = n + 1
		off = off + reclen
	end
	return fmt("%s /* %d entries */", hx(v), n)
end
types.cpuset = out(function(v, ev)
	local s = read(v, ev.ret)
	if s == nil then
		return hx(v)
	end
	local cpus = {}
	for i = 1, #s do
		local b = s:byte(i)
		for bit = 0, 7 do
			if floor(b / 2 ^ bit) % 2 == 1 then
				cpus[#cpus + 1] = fmt("%d", (i - 1) * 8 + bit)
			end
		end
	end
	return "[" .. concat(cpus, " ") .. "]"
end)
-- a socklen_t the call reads and writes: [N], or [IN => OUT] where the
-- call changed it (the value at the entry kept by sysfmt.enter).
types.socklen = function(v, ev)
	if v == 0 then
		return "NULL"
	end
	local s = read(v, 4)
	if s == nil then
		return hx(v)
	end
	local n = le(s, 0, 4)
	if ev.before ~= nil and ev.before ~= n then
		return fmt("[%d => %d]", ev.before, n)
	end
	return fmt("[%d]", n)
end
-- a sockaddr the call fills, as long as its socklen argument (the next).
types.out_sockaddr = out(function(v, ev, i)
	local s = read(ev.args[i + 1], 4)
	return s and structs.sockaddr(v, le(s, 0, 4)) or hx(v)
end)
-- an int[2] the call fills: pipe2's fds.
types.out_fds = out(function(v)
	local s = read(v, 8)
	return s and fmt("[%d, %d]", le(s, 0, 4, true), le(s, 4, 4, true)) or hx(v)
end)
-- wait4's status, as strace writes it: [{WIFEXITED(s) && WEXITSTATUS(s)
-- == 0}]; read when a child was reaped (a result above 0).
types.out_wstatus = out(function(v, ev)
	if ev.ret == nil or ev.ret <= 0 then
		return hx(v)
	end
	local s = read(v, 4)
	if s == nil then
		return hx(v)
	end
	local st = le(s, 0, 4)
	local sig = st % 128
	local d
	if sig == 0 then
		d = fmt("WIFEXITED(s) && WEXITSTATUS(s) == %d", math.floor(st / 256) % 256)
	elseif st % 256 == 0x7f then
		d = fmt("WIFSTOPPED(s) && WSTOPSIG(s) == %s", signame(math.floor(st / 256) % 256))
	elseif st == 0xffff then
		d = "WIFCONTINUED(s)"
	else
		d = fmt("WIFSIGNALED(s) && WTERMSIG(s) == %s", signame(sig))
		if st % 256 >= 128 then
			d = d .. " && WCOREDUMP(s)"
		end
	end
	return "[{" .. d .. "}]"
end)
local wait_flags = {{"WNOHANG", 1}, {"WUNTRACED", 2}, {"WCONTINUED", 8}, {"__WNOTHREAD", 0x20000000}, {"__WALL", 0x40000000}, {"__WCLONE", 0x80000000}}
function types.wait_flags(v) return flags(v, wait_flags) end
function types.fd_flags(v) return flags(v, C.open_flags) end
function types.timer_flags(v) return flags(v, C.timer_flags) end
-- socket's protocol: named for the IP families, as strace does.
function types.socket_protocol(v, ev)
	local fam = ev.args[1]
	if fam == 2 or fam == 10 then -- AF_INET, AF_INET6
		return enum(v, C.ipproto)
	end
	return fmt("%d", v)
end
types.iovec_in = function(v, ev, i) return structs.iovec(v, ev.args[i + 1]) end
types.iovec_out = out(function(v, ev, i) return structs.iovec(v, ev.args[i + 1], ev.ret) end)
types.pollfd = function(v, ev, i) return structs.pollfd(v, ev.args[i + 1]) end
-- execve's argv: the strings, each cut at max_string; envp: its count.
types.argv = function(v)
	if v == 0 then
		return "NULL"
	end
	local parts = {}
	for k = 0, 255 do
		local ok, p = pcall(mem.u64, v + 8 * k)
		if not ok then
			return hx(v)
		end
		if p == 0 then
			break
		end
		parts[#parts + 1] = cstr(p)
	end
	return "[" .. concat(parts, ", ") .. "]"
end
types.envp = function(v)
	if v == 0 then
		return "NULL"
	end
	local n = 0
	while n < 4096 do
		local ok, p = pcall(mem.u64, v + 8 * n)
		if not ok or p == 0 then
			break
		end
		n = n + 1
	end
	return fmt("%s /* %d vars */", hx(v), n)
end

-- fcntl's third argument, by command.
local fcntl_noarg = {[1] = true, [3] = true, [9] = true, [11] = true, [1025] = true, [1032] = true, [1034] = true}
function types.fcntl_cmd(v) return enum(v, C.fcntl_cmd) end
function types.fcntl_arg(v, ev, i)
	local cmd = ev.args[i - 1]
	if fcntl_noarg[cmd] then
		return nil
	end
	if cmd == 2 then -- F_SETFD
		return flags(v, C.fd_flags)
	end
	if cmd == 4 then -- F_SETFL
		return types.open_flags(v)
	end
	if cmd == 0 or cmd == 1030 or cmd == 1031 or cmd == 8 or cmd == 10 then
		return fmt("%d", v)
	end
	return hx(v)
end

-- futex: the arguments its operation reads.
function types.futex_val(v, ev) return fmt("%d", v) end
function types.futex_rest(v, ev, i)
	local cmd = band(ev.args[2], 127)
	if cmd == 0 or cmd == 9 then -- FUTEX_WAIT, FUTEX_WAIT_BITSET: timeout
		if i == 4 then
			return types.timespec(v)
		end
		if cmd == 9 and i == 6 then
			return v == -1 and "FUTEX_BITSET_MATCH_ANY" or hx(v)
		end
		if cmd == 9 and i == 5 then
			return ptr(v)
		end
		return nil
	end
	if cmd == 1 or cmd == 7 then -- FUTEX_WAKE, FUTEX_UNLOCK_PI
		return nil
	end
	if i == 4 then
		return fmt("%d", v)
	end
	return ptr(v)
end

-- clone(flags, stack, parent_tid, child_tid, tls), x86-64's order,
-- shown as strace does: named, the pointers only where flags use them.
function M.clone_args(ev)
	local a = ev.args
	local fl = a[1]
	local parts = {"child_stack=" .. ptr(a[2]), "flags=" .. types.clone_flags(fl)}
	if band(fl, 1048576) ~= 0 then -- CLONE_PARENT_SETTID
		parts[#parts + 1] = "parent_tid=" .. ptr(a[3])
	end
	if band(fl, 16777216 + 2097152) ~= 0 then -- CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID
		parts[#parts + 1] = "child_tidptr=" .. ptr(a[4])
	end
	if band(fl, 524288) ~= 0 then -- CLONE_SETTLS
		parts[#parts + 1] = "tls=" .. ptr(a[5])
	end
	return concat(parts, ", ")
end

-- calls[name]: the decoders of the call's arguments, in order. A call not
-- listed shows its prototype's arguments (sys_info): fds and integers in
-- decimal, pointers in hex or NULL.
local ob = types.out_buf
M.calls = {
	read = {"fd", ob, "uint"},
	write = {"fd", M.in_buf(3), "uint"},
	pread64 = {"fd", ob, "uint", "int"},
	pwrite64 = {"fd", M.in_buf(3), "uint", "int"},
	readv = {"fd", "iovec_out", "int"},
	writev = {"fd", "iovec_in", "int"},
	open = {"path", "open_flags", "open_mode"},
	openat = {"dirfd", "path", "open_flags", "open_mode"},
	creat = {"path", "mode"},
	close = {"fd"},
	stat = {"path", "stat"},
	lstat = {"path", "stat"},
	fstat = {"fd", "stat"},
	newfstatat = {"dirfd", "path", "stat", "at_flags"},
	statx = {"dirfd", "path", "statx_flags", "statx_mask", "statx"},
	statfs = {"path", out(hx)},
	fstatfs = {"fd", out(hx)},
	prctl = {"prctl_option", "prctl_arg", "prctl_arg", "prctl_arg", "prctl_arg"},
	access = {"path", "access_mode"},
	faccessat = {"dirfd", "path", "access_mode"},
	faccessat2 = {"dirfd", "path", "access_mode", "faccessat_flags"},
	readlink = {"path", "out_buf", "int"},
	readlinkat = {"dirfd", "path", "out_buf", "int"},
	getcwd = {"out_path", "int"},
	chdir = {"path"},
	mkdir = {"path", "mode"},
	mkdirat = {"dirfd", "path", "mode"},
	unlink = {"path"},
	unlinkat = {"dirfd", "path", "unlinkat_flags"},
	rmdir = {"path"},
	rename = {"path", "path"},
	renameat = {"dirfd", "path", "dirfd", "path"},
	chmod = {"path", "mode"},
	fchmodat = {"dirfd", "path", "mode"},
	lseek = {"fd", "int", "whence"},
	mmap = {"ptr", "uint", "prot", "mmap_flags", "fd", "hex"},
	mprotect = {"ptr", "uint", "prot"},
	munmap = {"ptr", "uint"},
	mremap = {"ptr", "uint", "uint", "mremap_flags", "ptr"},
	madvise = {"ptr", "uint", "madvise"},
	brk = {"ptr"},
	arch_prctl = {"arch_prctl", "ptr"},
	set_tid_address = {"ptr"},
	set_robust_list = {"ptr", "uint"},
	rseq = {"ptr", "hex", "int", "hex"},
	prlimit64 = {"int", "rlimit", "rlimit_in", "out_rlimit"},
	getrlimit = {"rlimit", "out_rlimit"},
	setrlimit = {"rlimit", "rlimit_in"},
	getrandom = {"out_buf_hex", "uint", "grnd"},
	getdents64 = {"fd", "dirents", "uint"},
	getdents = {"fd", "dirents", "uint"},
	ioctl = {"fd", "ioctl_cmd", "ioctl_arg"},
	rt_sigreturn = {"sigreturn_frame"},
	fcntl = {"fd", "fcntl_cmd", "fcntl_arg"},
	fadvise64 = {"fd", "int", "int", "fadvise"},
	rt_sigaction = {"signal", "sigaction", "out_sigaction", "uint"},
	rt_sigprocmask = {"sighow", "sigset", "out_sigset", "uint"},
	sigaltstack = {"stack", "out_stack"},
	futex = {"ptr", "futex_op", "futex_val", "futex_rest", "futex_rest", "futex_rest"},
	nanosleep = {"timespec", "out_timespec"},
	clock_nanosleep = {"clock", "timer_flags", "timespec", "out_timespec"},
	clock_gettime = {"clock", "out_timespec"},
	clock_getres = {"clock", "out_timespec"},
	uname = {"utsname"},
	kill = {"int", "signal"},
	tgkill = {"int", "int", "signal"},
	tkill = {"int", "signal"},
	exit = {"int"},
	exit_group = {"int"},
	execve = {"path", "argv", "envp"},
	dup = {"fd"},
	dup2 = {"fd", "fd"},
	dup3 = {"fd", "fd", "fd_flags"},
	pipe2 = {"out_fds", "fd_flags"},
	pipe = {"out_fds"},
	wait4 = {"int", "out_wstatus", "wait_flags", "ptr"},
	socket = {"socket_family", "socket_type", "socket_protocol"},
	getsockname = {"fd", "out_sockaddr", "socklen"},
	getpeername = {"fd", "out_sockaddr", "socklen"},
	accept = {"fd", "out_sockaddr", "socklen"},
	accept4 = {"fd", "out_sockaddr", "socklen", "fd_flags"},
	sendto = {"fd", M.in_buf(3), "uint", "int", "sockaddr", "int"},
	recvfrom = {"fd", "out_buf", "uint", "int", "out_sockaddr", "socklen"},
	connect = {"fd", "sockaddr", "int"},
	bind = {"fd", "sockaddr", "int"},
	poll = {"pollfd", "uint", "int"},
	sched_getaffinity = {"int", "uint", "cpuset"},
	epoll_create1 = {"epoll_flags"},
	epoll_ctl = {"fd", "epoll_ctl", "fd", "epoll_event"},
	eventfd2 = {"uint", "eventfd_flags"},
	getpid = {}, gettid = {}, getuid = {}, geteuid = {}, getgid = {}, getegid = {}, getppid = {},
	sched_yield = {},
}

-- before[name](ev) -> a value of the entry the exit's decoders need (as
-- ev.before), for calls that overwrite it: the socklen of getsockname and
-- the like. sysfmt.enter(ev) keeps it, by thread.
local function u32_at_arg(n)
	return function(ev)
		local a = ev.args[n]
		local s = a ~= 0 and read(a, 4)
		return s and le(s, 0, 4) or nil
	end
end
M.before = {
	getsockname = u32_at_arg(3), getpeername = u32_at_arg(3),
	accept = u32_at_arg(3), accept4 = u32_at_arg(3),
	recvfrom = u32_at_arg(6),
}
local saved = {}
function M.enter(ev)
	local f = M.before[ev.name]
	if f then
		saved[ev.tid] = f(ev)
	end
end

-- The calls whose arguments are read at the entry, where the exit finds
-- them gone: execve's strings (a new program), rt_sigreturn's frame.
M.at_entry = {execve = true, rt_sigreturn = true}

-- Signatures of the calls calls does not list, from sys_info.
local sigs = {}
local function proto(name)
	local sg = sigs[name]
	if sg == nil then
		sg = sys_info(name) or false
		sigs[name] = sg
	end
	return sg
end

local function decode(ty, v, ev, i)
	if type(ty) == "string" then
		local f = types[ty]
		if f == nil then
			error("sysfmt: unknown type " .. ty .. " for " .. ev.name, 0)
		end
		return f(v, ev, i)
	end
	return ty(v, ev, i)
end

-- args(ev) -> "AT_FDCWD, \"/etc/passwd\", O_RDONLY": the arguments of ev
-- (an exit event, or an entry for calls that never return).
function M.args(ev)
	local name = ev.name
	if ev.phase == "exit" and M.before[name] and ev.tid then
		ev.before = saved[ev.tid]
		saved[ev.tid] = nil
	end
	if name == "clone" then
		return M.clone_args(ev)
	end
	local tys = M.calls[name]
	local parts = {}
	if tys then
		for i = 1, #tys do
			local s = decode(tys[i], ev.args[i], ev, i)
			if s == nil then
				break
			end
			parts[i] = s
		end
		return concat(parts, ", ")
	end
	local sg = proto(name)
	local n = sg and #sg.args or 6
	for i = 1, n do
		local p = sg and sg.args[i]
		local v = ev.args[i]
		if p and p.kind == "ptr" then
			parts[i] = ptr(v)
		else
			parts[i] = fmt("%d", v)
		end
	end
	return concat(parts, ", ")
end

-- ret(ev) -> "3", "0x7f0000000000", "-1 ENOENT (No such file or
-- directory)", "0x1 (flags FD_CLOEXEC)": the result as strace shows it.
function M.ret(ev)
	local r = ev.ret
	if r < 0 and r > -4096 then
		local name, msg = M.errno(-r)
		if -r >= 512 and -r <= 516 then
			return fmt("? %s (%s)", name, msg)
		end
		return fmt("-1 %s (%s)", name, msg)
	end
	local sg = proto(ev.name)
	if sg and sg.ret == "ptr" then
		return hx(r)
	end
	if ev.name == "fcntl" then
		local cmd = ev.args[2]
		if cmd == 1 and r ~= 0 then -- F_GETFD
			return fmt("%s (flags %s)", hx(r), flags(r, C.fd_flags))
		end
		if cmd == 3 then -- F_GETFL
			return fmt("%s (flags %s)", hx(r), types.open_flags(r))
		end
	end
	if ev.name == "poll" and r > 0 then
		return fmt("%d (%s)", r, structs.pollfd(ev.args[1], ev.args[2], true))
	end
	return fmt("%d", r)
end

-- call(ev) -> "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY)".
function M.call(ev)
	local name = ev.name ~= "" and ev.name or ("syscall_" .. ev.nr)
	return name .. "(" .. M.args(ev) .. ")"
end

-- line(ev): the call and its result, the "=" at column 40 as strace puts
-- it; a call that never returns (ev an entry event) shows "= ?".
function M.line(ev)
	local c = M.call(ev)
	local r = ev.phase == "exit" and M.ret(ev) or "?"
	if #c < 39 then
		c = c .. string.rep(" ", 39 - #c)
	end
	return c .. " = " .. r
end

return M

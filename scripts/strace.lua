-- strace: log system calls by name, as strace prints them, with durations.
--
-- One line a call, written when it returns, as strace writes it: symbolic
-- flags (O_RDONLY|O_CLOEXEC, PROT_READ|PROT_WRITE), strings and buffers
-- escaped and cut at 32 bytes with "..." (a read's buffer decoded at the
-- exit), NULL, structs as strace's {...} summaries (stat, timespec,
-- sigaction, iovec, sockaddr, pollfd, rlimit), other pointers as
-- addresses; a failure as -1 ENOENT (No such file or directory); then the
-- time the call took in the kernel <seconds>. The decoding is the sysfmt
-- module's (require("sysfmt"), docs/lua-api.md), run only for the calls
-- the filter keeps. Threads other than the first are prefixed with
-- [pid TID]; with godbg run -f (children followed), while more than one
-- process is traced every line is, as strace -f writes them. exit and exit_group, which never return, are written at their
-- entry with = ?; a signal the program gets (not the silent ones, such as
-- SIGCHLD and SIGURG) as --- SIGSEGV {si_signo=SIGSEGV, si_code=
-- SEGV_MAPERR, si_addr=NULL} ---, its end as +++ exited with 0 +++ or
-- +++ killed by SIGSEGV +++.
--
-- Parameters:
--   -a filter=GLOBS   system calls to log: names or globs, comma-separated
--                     (default *: every call)
--   -a summary=1      instead of the calls, strace -c's table at the end
--                     (the program's exit, Ctrl-C, --timeout or a detach):
--                     % time, seconds, usecs/call, calls, errors, syscall
--
-- Example:
--   godbg run -a filter='open*,read,close' strace ./prog

local sysfmt = require("sysfmt")

local filter = params.filter or "*"
local summary = params.summary == "1"

local names = {}
for g in string.gmatch(filter, "[^,%s]+") do
	names[#names + 1] = g
end

local first_tid
local procs = 1 -- processes traced now (on("fork"), on("exit") with -f)
local pending = {} -- tid -> the text of a call decoded at its entry (sysfmt.at_entry)
local counts, errors, times = {}, {}, {}

local function prefix(tid)
	if first_tid == nil then
		first_tid = tid
	end
	if tid == first_tid and procs == 1 then
		return ""
	end
	return string.format("[pid %d] ", tid)
end

local function count(ev)
	local name = ev.name
	counts[name] = (counts[name] or 0) + 1
	times[name] = (times[name] or 0) + (ev.elapsed or 0)
	if sysfmt.failed(ev) then
		errors[name] = (errors[name] or 0) + 1
	end
end

sys(names, function(ev)
	local name = ev.name
	if ev.phase == "enter" then
		sysfmt.enter(ev)
		if name == "exit" or name == "exit_group" then
			-- strace -c leaves them out: they never return
			if not summary then
				print(prefix(ev.tid) .. sysfmt.line(ev))
			end
		elseif sysfmt.at_entry[name] and not summary then
			-- execve's strings are gone once it succeeds, and so is
			-- rt_sigreturn's frame
			pending[ev.tid] = sysfmt.call(ev)
		end
		return
	end
	if summary then
		count(ev)
		return
	end
	local line
	if sysfmt.at_entry[name] and pending[ev.tid] then
		line = pending[ev.tid] .. " = " .. sysfmt.ret(ev)
		pending[ev.tid] = nil
	else
		line = sysfmt.line(ev)
	end
	printf("%s%s <%.6f>", prefix(ev.tid), line, ev.elapsed)
end)

if not summary then
	on("signal", function(ev)
		print(prefix(ev.tid) .. sysfmt.signal_line(ev))
	end)
	on("fork", function()
		procs = procs + 1
	end)
	on("exit", function(ev)
		local pfx = ""
		if procs > 1 then
			pfx = string.format("[pid %d] ", ev.pid)
		end
		procs = procs - 1
		if ev.signal then
			printf("%s+++ killed by %s +++", pfx, ev.signal)
		else
			printf("%s+++ exited with %d +++", pfx, ev.code)
		end
	end)
else
	-- strace -c's table, printed however the trace ends
	on("end", function()
		-- by time spent, then calls, then name
		local list, total, calls, errs = {}, 0, 0, 0
		for name in pairs(counts) do
			list[#list + 1] = name
			total = total + times[name]
			calls = calls + counts[name]
			errs = errs + (errors[name] or 0)
		end
		table.sort(list, function(a, b)
			if times[a] ~= times[b] then
				return times[a] > times[b]
			end
			if counts[a] ~= counts[b] then
				return counts[a] > counts[b]
			end
			return a < b
		end)
		local rule = "------ ----------- ----------- --------- --------- ----------------"
		local function row(pct, secs, n, e, name)
			printf("%6.2f %11.6f %11d %9d %9s %s", pct, secs, math.floor(secs * 1e6 / n), n, e > 0 and tostring(e) or "", name)
		end
		printf("%6s %11s %11s %9s %9s %s", "% time", "seconds", "usecs/call", "calls", "errors", "syscall")
		print(rule)
		for _, name in ipairs(list) do
			row(total > 0 and times[name] * 100 / total or 0, times[name], counts[name], errors[name] or 0, name)
		end
		print(rule)
		row(100, total, math.max(calls, 1), errs, "total")
	end)
end

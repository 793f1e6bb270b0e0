-- watch: report every write to a global variable (by symbol name), its new value and who wrote it, with a backtrace.
--
-- Sets a watchpoint on the variable (its first 8 bytes when it is larger,
-- or its size when 1, 2 or 4) on every thread: the debug registers where
-- they fire, else a software watchpoint (`--watch software` forces it). One report a write:
-- the old and the new value (as a signed integer), the thread (and the
-- goroutine in Go programs), then the writer's backtrace; frame #0 is the
-- instruction right after the write. At the end (the program's exit,
-- Ctrl-C, --timeout or a detach), the number of accesses seen.
--
-- Parameters:
--   -a var=SYMBOL   the global to watch (main.counter, counter); required
--   -a mode=w|rw    w: writes (default); rw: reads too
--   -a depth=N      backtrace frames a report (default 2)
--   -a stop=1       stop at the first access (the script ends there; the program runs on)
--
-- Example:
--   godbg run -a var=main.counter watch ./prog

local var = params.var or error("watch: give -a var=SYMBOL (e.g. main.counter)")
local mode = params.mode or "w"
local depth = tonumber(params.depth or "2")

local addr = sym(var) or error("watch: no symbol " .. var)
local size = 8
for _, s in ipairs(syms(var)) do
	if s.name == var and (s.size == 1 or s.size == 2 or s.size == 4) then
		size = s.size
	end
end
if addr % size ~= 0 then
	error(string.format("watch: %s at %s is not aligned to %d bytes", var, hex(addr), size))
end
local readers = { [1] = mem.i8, [2] = mem.i16, [4] = mem.i32, [8] = mem.i64 }
local read = readers[size]

local old = read(addr)
local n = 0
local wp = watch(addr, size, mode, function(ev)
	n = n + 1
	local v = read(addr)
	local who = ev.sym or hex(ev.pc)
	local ctx = ev.goid and string.format("goroutine %d, tid %d", ev.goid, ev.tid) or string.format("tid %d", ev.tid)
	if v ~= old then
		printf("%s = %d (was %d) by %s [%s]", var, v, old, who, ctx)
	else
		printf("%s accessed (value %d) by %s [%s]", var, v, who, ctx)
	end
	old = v
	print(tostring(bt(depth)))
	return params.stop == "1"
end)

on("end", function()
	printf("%s: %d accesses watched", var, n)
end)

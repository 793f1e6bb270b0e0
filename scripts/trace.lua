-- trace: log every call of the functions matching a glob, with its goroutine, and count them.
--
-- Sets a breakpoint after the prologue of each function whose name matches
-- the glob and prints one line a call: the function and the goroutine id (Go
-- programs) or the thread id (others). At the end (the program's exit,
-- Ctrl-C, --timeout or a detach), one line a called function: its number
-- of calls, most called first.
--
-- Parameters:
--   -a pattern=GLOB   functions to trace (default main.*); * ? [...] as in syms()
--   -a quiet=1        print only the counts at the end
--
-- Example:
--   godbg run -a pattern='main.*' trace ./prog

local pattern = params.pattern or "main.*"
local quiet = params.quiet == "1"

local counts = {}
local traced = 0
for _, s in ipairs(syms(pattern)) do
	if s.kind == "func" and counts[s.name] == nil then
		local name = s.name
		counts[name] = 0
		brk(name, function(ev)
			counts[name] = counts[name] + 1
			if not quiet then
				if ev.goid then
					printf("%s goroutine=%d", name, ev.goid)
				else
					printf("%s tid=%d", name, ev.tid)
				end
			end
		end)
		traced = traced + 1
	end
end
if traced == 0 then
	error("no function matches " .. pattern)
end

on("end", function()
	local names = {}
	for name, n in pairs(counts) do
		if n > 0 then
			names[#names + 1] = name
		end
	end
	table.sort(names, function(a, b)
		if counts[a] ~= counts[b] then
			return counts[a] > counts[b]
		end
		return a < b
	end)
	for _, name in ipairs(names) do
		printf("%8d %s", counts[name], name)
	end
end)

-- trace: log every call of the functions matching a glob, with its goroutine, and count them.
--
-- Sets a breakpoint after the prologue of each function whose name matches
-- the glob and prints one line a call: the function and the goroutine id (Go
-- programs) or the thread id (others). At the end (the program's exit,
-- Ctrl-C, --timeout or a detach), one line a called function: its number
-- of calls, most called first.
--
-- Parameters:
--   -a pattern=GLOB   functions to trace (default main.*); * ? [...] as in syms(); a plain name also in libraries not loaded yet
--   -a quiet=1        print only the counts at the end
--   -a timeline=FILE  also write each call as a span on its goroutine's (Go)
--                     or thread's row, Chrome trace-event JSON: open FILE in
--                     ui.perfetto.dev or chrome://tracing (calls still running
--                     at the end are not in it)
--   -a probe=1        stopless probes instead of breakpoints (no stop a call:
--                     the same output, the lines of different threads in
--                     another interleaving; not with timeline=)
--
-- Example:
--   godbg run -a pattern='main.*' trace ./prog
--   godbg run -a pattern='main.*' -a quiet=1 -a timeline=calls.json trace ./prog

local pattern = params.pattern or "main.*"
local quiet = params.quiet == "1"
local useProbe = params.probe == "1"
if useProbe and params.timeline then
	error("trace: probe=1 cannot time calls (timeline=): a probe sees no return")
end

-- spans(name): the on_return options that put each call of name on the
-- timeline, or nil without one.
local tl = params.timeline and timeline.new()
local rows = {}
local function spans(name)
	if not tl then
		return nil
	end
	return {
		on_return = function(ev)
			local row = ev.goid or ev.tid
			if not rows[row] then
				rows[row] = true
				tl:track(row, (ev.goid and "goroutine " or "thread ") .. row)
			end
			tl:span(name, ev.start, ev.elapsed, { track = row })
		end,
	}
end

local counts = {}
for _, name in ipairs(require("funcs").match(pattern, "trace")) do
	counts[name] = 0
	local function hit(ev)
		counts[name] = counts[name] + 1
		if not quiet then
			if ev.goid then
				printf("%s goroutine=%d", name, ev.goid)
			else
				printf("%s tid=%d", name, ev.tid)
			end
		end
	end
	if useProbe then
		probe(name, hit)
	else
		brk(name, hit, spans(name))
	end
end

on("end", function()
	if tl then
		tl:write(params.timeline)
	end
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

-- latency: a log2 histogram of the time each call of the matching functions takes, printed at the end.
--
-- Times each call from its breakpoint (after the prologue) to its return
-- (brk's on_return: recursion, goroutines and threads kept apart). At the
-- end (the program's exit, Ctrl-C, --timeout or a detach: a server traced
-- for a while and stopped with Ctrl-C still gets its histogram), for each
-- called function: its count, p50 and p99, then a
-- histogram in powers of two, as bpftrace's hist() prints it.
--
-- Parameters:
--   -a func=GLOB    functions to time (default main.*); * ? [...] as in syms(); a plain name also in libraries not loaded yet
--   -a unit=U       histogram unit: ns, us (default) or ms
--   -a each=1       also print every call's time (`NAME VALUE`), in call order
--   -a timeline=FILE  also write each call as a span on its goroutine's (Go) or
--                   thread's row, Chrome trace-event JSON (ui.perfetto.dev)
--   -a pprof=FILE   also write the time by calling stack as a gzipped pprof
--                   profile (calls/count, time/nanoseconds; `go tool pprof
--                   -top FILE`): the function's frame on its caller's stack
--   -a probe=1      refused: a stopless probe sees a call's entry only, never
--                   its return, so it cannot time it; `trace -a probe=1`
--                   logs and counts the calls without stopping
--
-- Example:
--   godbg run -a func='main.Handle*' -a unit=us latency ./server
--   godbg run -a func='main.Handle*' -a pprof=handle.pb.gz -a timeline=handle.json latency ./server

if params.probe ~= nil then
	error("latency: probe=1 cannot time calls: a probe sees the entry only, never the return; trace -a probe=1 counts calls without stopping")
end
local glob = params.func or "main.*"
local unit = params.unit or "us"
local scale = ({ ns = 1e9, us = 1e6, ms = 1e3 })[unit] or error("latency: unit must be ns, us or ms, got " .. unit)

local tl = params.timeline and timeline.new()
local rows = {}
local pr = params.pprof and profile.new({ types = { "calls/count", "time/nanoseconds" }, default = "time" })

local samples, names = {}, {}
for _, name in ipairs(require("funcs").match(glob, "latency")) do
	local list = {}
	samples[name] = list
	names[#names + 1] = name
	brk(name, {
		on_return = function(ev)
			list[#list + 1] = ev.elapsed * scale
			if tl then
				local row = ev.goid or ev.tid
				if not rows[row] then
					rows[row] = true
					tl:track(row, (ev.goid and "goroutine " or "thread ") .. row)
				end
				tl:span(name, ev.start, ev.elapsed, { track = row })
			end
			if pr then
				-- Back in the caller: its stack, under the function's own frame.
				local stack = bt()
				table.insert(stack, 1, name)
				pr:add(stack, { 1, math.floor(ev.elapsed * 1e9 + 0.5) })
			end
		end,
	})
end

-- bucket(v): -1 for values below 1, else k with 2^k <= v < 2^(k+1).
local function bucket(v)
	if v < 1 then
		return -1
	end
	local k = 0
	while v >= 2 do
		v = v / 2
		k = k + 1
	end
	return k
end

-- label(2^k) as bpftrace writes bounds: 512, 1K, 2M ...
local function label(n)
	local suffixes = { "", "K", "M", "G", "T" }
	local i = 1
	while n >= 1024 and n % 1024 == 0 and i < #suffixes do
		n = n / 1024
		i = i + 1
	end
	return string.format("%d%s", n, suffixes[i])
end

local function percentile(sorted, p)
	local i = math.ceil(#sorted * p / 100)
	if i < 1 then
		i = 1
	end
	return sorted[i]
end

local function hist(list)
	local counts, lo, hi, most = {}, nil, nil, 0
	for _, v in ipairs(list) do
		local b = bucket(v)
		counts[b] = (counts[b] or 0) + 1
		lo = (lo == nil or b < lo) and b or lo
		hi = (hi == nil or b > hi) and b or hi
		most = math.max(most, counts[b])
	end
	for b = lo, hi do
		local n = counts[b] or 0
		local range
		if b < 0 then
			range = "(..., 1)"
		elseif b == 0 then
			range = "[1]"
		else
			range = string.format("[%s, %s)", label(2 ^ b), label(2 ^ (b + 1)))
		end
		local bar = string.rep("@", math.floor(n * 52 / most + 0.5))
		printf("%-20s %6d |%-52s|", range, n, bar)
	end
end

on("end", function()
	if tl then
		tl:write(params.timeline)
	end
	if pr then
		pr:write(params.pprof)
	end
	for _, name in ipairs(names) do
		local list = samples[name]
		if #list > 0 then
			local sorted = {}
			for i, v in ipairs(list) do
				sorted[i] = v
			end
			table.sort(sorted)
			if params.each then
				for _, v in ipairs(list) do
					printf("%s %.3f", name, v)
				end
			end
			printf("%s: count=%d p50=%.0f%s p99=%.0f%s", name, #sorted, percentile(sorted, 50), unit,
				percentile(sorted, 99), unit)
			printf("@%s[%s]:", unit, name)
			hist(list)
			print("")
		end
	end
end)

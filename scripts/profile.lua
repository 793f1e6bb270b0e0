-- profile: a sampling CPU profile of any program, Go or C, launched or attached.
--
-- hz times a second godbg stops every thread (no help from the program: no
-- pprof endpoint, no perf_event), reads the stack of each thread that was
-- on the CPU (threads waiting in a system call are left out, as a CPU
-- profile does) and resumes them. Each sample stands for 1/hz s of CPU.
-- At the end, one line a distinct stack, most samples first, in the folded
-- format flamegraph.pl and speedscope read (outermost frame first); with
-- pprof=FILE also a pprof CPU profile (samples/count, cpu/nanoseconds) for
-- `go tool pprof -top FILE` or `-http=:8080 FILE` (a flame graph).
--
-- Parameters:
--   -a hz=N         samples a second (default 99; 1 to 10000: each one stops
--                   every thread, see the README for the cost)
--   -a seconds=N    profile for N seconds, then write the profile and detach:
--                   the program runs on without godbg (default: until it exits)
--   -a pprof=FILE   also write a gzipped pprof profile
--   -a depth=N      frames kept of each stack (default 64)
--
-- Example:
--   godbg run -a pprof=cpu.pb.gz profile ./prog
--   godbg attach -a seconds=10 -a hz=199 -a pprof=cpu.pb.gz profile 4242
--   go tool pprof -top cpu.pb.gz

local hz = tonumber(params.hz or "99") or error("profile: hz must be a number, got " .. params.hz)
local seconds = params.seconds and (tonumber(params.seconds) or error("profile: seconds must be a number, got " .. params.seconds))
local depth = tonumber(params.depth or "64") or error("profile: depth must be a number, got " .. params.depth)
local period = math.floor(1e9 / hz + 0.5)
local pr = profile.new({
	types = { "samples/count", "cpu/nanoseconds" },
	period = period,
	period_type = "cpu/nanoseconds",
	default = "cpu",
})

local folded = require("folded").new()
local started, done = nil, false

-- finish prints the folded stacks and writes the profile, once.
local function finish()
	if done then
		return
	end
	done = true
	folded:print()
	if params.pprof then
		pr:write(params.pprof)
	end
end

local sampler
sampler = sample(hz, function(ev)
	started = started or ev.time
	if seconds and ev.time - started >= seconds then
		sampler:delete()
		finish()
		detach()
		return
	end
	if not ev.running then
		return
	end
	local stack = bt(depth)
	pr:add(stack, { 1, period })
	folded:add(stack)
end)

on("end", finish) -- the exit, Ctrl-C, --timeout or a detach

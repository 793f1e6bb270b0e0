-- count: count the calls of the functions matching a glob, by calling stack.
--
-- Sets a breakpoint after the prologue of each function whose name matches
-- the glob; each hit walks the stack (bt) and counts the call under its
-- stack. At the exit, one line a distinct stack, most calls first, in the
-- folded format flamegraph.pl and speedscope read (`main.main;main.A;main.Leaf
-- 6`, the outermost frame first); with pprof=FILE also a pprof profile
-- (calls/count) that `go tool pprof -top FILE`, `-lines` or `-http=:8080
-- FILE` (a flame graph) open.
--
-- Parameters:
--   -a func=GLOB    functions to count (default main.*); * ? [...] as in syms(); a plain name also in libraries not loaded yet
--   -a pprof=FILE   also write the calls as a gzipped pprof profile
--   -a depth=N      frames kept of each stack (default 64)
--   -a probe=1      refused: a stopless probe records the registers at the
--                   hit, not its stack (its fn runs later), so it cannot
--                   count by stack; `trace -a probe=1 -a quiet=1` counts the
--                   calls without stopping
--
-- Example:
--   godbg run -a func='main.Leaf' -a pprof=leaf.pb.gz count ./prog
--   go tool pprof -top leaf.pb.gz

if params.probe ~= nil then
	error("count: probe=1 cannot count by calling stack: a probe records the registers at the hit, not its stack (fn runs later); trace -a probe=1 -a quiet=1 counts calls without stopping")
end
local glob = params.func or "main.*"
local depth = tonumber(params.depth or "64") or error("count: depth must be a number, got " .. params.depth)
local pr = profile.new({ types = { "calls/count" } })

local folded = require("folded").new()
for _, name in ipairs(require("funcs").match(glob, "count")) do
	brk(name, function()
		local stack = bt(depth)
		pr:add(stack, 1)
		folded:add(stack)
	end)
end

on("end", function()
	folded:print()
	if params.pprof then
		pr:write(params.pprof)
	end
end)

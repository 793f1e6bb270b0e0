-- inject: make the functions matching a glob return a chosen value, every call or one call in N.
--
-- Sets a breakpoint after the prologue of each matching function. On every
-- Nth call the rest of the call is skipped with force_return(value): the
-- caller sees the value as the function's result (rax; with float=1, xmm0).
-- One line per forced call, and a count per function at the end (the
-- program's exit, Ctrl-C, --timeout or a detach).
--
-- Parameters:
--   -a func=GLOB    functions to force (required); * ? [...] as in syms(); a plain name also in libraries not loaded yet
--   -a value=V      the result to return (default 0; true/false count as 1/0)
--   -a every=N      force one call in N: the Nth, 2Nth, ... (default 1: every call)
--   -a float=1      return value as a double (xmm0) instead of an integer
--   -a quiet=1      print only the counts at the end
--
-- Example:
--   godbg run -a func=check_auth -a value=1 -a every=1 inject ./server

local glob = params.func or error("inject: -a func=GLOB is required")
local every = tonumber(params.every or "1")
if every == nil or every < 1 or every % 1 ~= 0 then
	error("inject: every must be a whole number >= 1, got " .. tostring(params.every))
end
local quiet = params.quiet == "1"

local value
local raw = params.value or "0"
if params.float == "1" then
	value = { float = tonumber(raw) or error("inject: value must be a number, got " .. raw) }
elseif raw == "true" then
	value = 1
elseif raw == "false" then
	value = 0
else
	value = tonumber(raw) or error("inject: value must be a number, got " .. raw)
end

local calls, forced, names = {}, {}, {}
for _, name in ipairs(require("funcs").match(glob, "inject")) do
	calls[name], forced[name] = 0, 0
	names[#names + 1] = name
	brk(name, function(ev)
		calls[name] = calls[name] + 1
		if calls[name] % every ~= 0 then
			return
		end
		forced[name] = forced[name] + 1
		force_return(value)
		if not quiet then
			printf("inject %s -> %s (call %d)", name, raw, calls[name])
		end
	end)
end

on("end", function()
	for _, name in ipairs(names) do
		if calls[name] > 0 then
			printf("%s: forced %d of %d calls", name, forced[name], calls[name])
		end
	end
end)

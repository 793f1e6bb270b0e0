-- funcs: the functions a recipe's glob names, for the recipes that hook
-- functions (count, inject, latency, trace).
--
--   local funcs = require("funcs")
--   for _, name in ipairs(funcs.match(glob, "count")) do brk(name, ...) end
--
-- match(glob, recipe) gives the distinct names of the functions that syms()
-- finds for glob, in the order syms gives them. A name without * ? or [
-- that matches nothing loaded yet (malloc, at the launch of a C program, is
-- in libc, which is not mapped yet) is given as it is: brk resolves it as
-- it resolves any name, in the program's libraries too, and says which
-- near names exist when there is no such function. A glob that matches no
-- function is an error naming the recipe.
local M = {}

function M.match(glob, recipe)
	local names, seen = {}, {}
	for _, s in ipairs(syms(glob)) do
		if s.kind == "func" and not seen[s.name] then
			seen[s.name] = true
			names[#names + 1] = s.name
		end
	end
	if #names == 0 then
		if glob:find("[%*%?%[]") then
			-- Raised at the recipe's line, not this module's.
			local at = debug.getinfo(2, "Sl")
			local where = at and at.currentline and at.currentline > 0 and (tostring(at.source):gsub("^@", "") .. ":" .. at.currentline .. ": ") or ""
			error(where .. recipe .. ": no function matches " .. glob, 0)
		end
		names[1] = glob
	end
	return names
end

return M

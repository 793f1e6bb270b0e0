-- folded: stacks counted in the folded format flamegraph.pl and speedscope
-- read (`main.main;main.A;main.Leaf 6`, the outermost frame first), for the
-- count and profile recipes.
--
--   local folded = require("folded").new()
--   folded:add(bt(64))   -- one more of this stack
--   folded:print()       -- one line a distinct stack, most first
local M = {}
M.__index = M

function M.new()
	return setmetatable({ counts = {}, order = {} }, M)
end

-- add counts one more of stack (a bt() list, innermost frame first).
function M:add(stack)
	local names = {}
	for i = #stack, 1, -1 do
		names[#names + 1] = stack[i].sym or hex(stack[i].pc)
	end
	local key = table.concat(names, ";")
	if self.counts[key] == nil then
		self.counts[key] = 0
		self.order[#self.order + 1] = key
	end
	self.counts[key] = self.counts[key] + 1
end

-- print writes one line a distinct stack, most counted first, then by name.
function M:print()
	local counts = self.counts
	table.sort(self.order, function(a, b)
		if counts[a] ~= counts[b] then
			return counts[a] > counts[b]
		end
		return a < b
	end)
	for _, key in ipairs(self.order) do
		printf("%s %d", key, counts[key])
	end
end

return M

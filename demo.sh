#!/usr/bin/env bash
# The demo: build godbg and the seed document's `break` program into a
# temporary folder, then trace every call of main.* with the bundled `trace`
# recipe, and show the breakpoint the seed document sets by hand.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/godbg" ./cmd/godbg
go build -gcflags='all=-N -l' -o "$tmp/break" ./testdata/break

echo '$ godbg syms break "main.Break*"'
"$tmp/godbg" syms "$tmp/break" 'main.Break*'
echo
echo '$ godbg run -a pattern="main.*" trace break'
"$tmp/godbg" run -a pattern='main.*' trace "$tmp/break"
echo
echo '$ godbg run -e <the seed: a breakpoint on main.BreakMe, its 0xcc, its bytes, its stack> break'
"$tmp/godbg" run -e '
local bp = brk("main.BreakMe", function(ev)
	if ev.bp.hits == 1 then
		printf("hit at %s (%s+%d); memory there now: %s", hex(ev.addr), where(ev.addr).sym, where(ev.addr).off,
			(mem(ev.addr, 4):gsub(".", function(c) return string.format("%02x", c:byte()) end)))
		print(tostring(disas(ev.addr, 2)))
		print(tostring(bt(2)))
	end
end)
on("exit", function(ev) printf("main.BreakMe: %d hits, exit code %d", bp.hits, ev.code) end)' "$tmp/break"

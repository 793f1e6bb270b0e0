#!/usr/bin/env bash
# bench/probes.sh: stopless probes (issue 13) against the uninstrumented
# loop and godbg's own brk, one run, one machine.
#
#   bench/probes.sh [-n COUNT_HITS] [-l LUA_HITS] [-b BRK_HITS]
#
# Targets: testdata/hotloop.c at -O0 (hot_c) and testdata/hotloop (hot_go),
# one call of hot() a loop turn. A figure is HITS / (t(HITS) - t(0)), wall
# clock, best of 3, so start-up is left out; the loop's own time per call
# is measured the same way without godbg. Every count is checked ("!"
# marks a wrong one). Then godbg's peak RSS with a Lua-callback probe over
# 1M and 10M hits, with function() (no event made) and function(ev).
set -euo pipefail
N=100000000 # count-only probe and the bare loop
NL=4000000  # Lua-callback probe
NB=200000   # brk with a Lua callback
while getopts "n:l:b:h" o; do
	case $o in
	n) N=$OPTARG ;;
	l) NL=$OPTARG ;;
	b) NB=$OPTARG ;;
	*) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/godbg-probes.XXXXXX)
trap 'rm -rf "$T"' EXIT
(cd "$ROOT" && go build -o "$T/godbg" ./cmd/godbg && go build -o "$T/hot_go" ./testdata/hotloop)
gcc -O0 -g -o "$T/hot_c" "$ROOT/testdata/hotloop.c"

now() { date +%s.%N; }
# best PROG... : the best wall time of 3 runs of the command, in seconds;
# its first output line is checked to contain $WANT.
best() {
	local b=999999 t0 t1 out
	for _ in 1 2 3; do
		t0=$(now)
		out=$("$@" 2>&1 | grep -m1 -- "$WANT" || true)
		t1=$(now)
		[[ -n $out ]] || { echo "!" >&2; echo "! $* gave no line with $WANT" >&2; }
		b=$(echo "$t1 - $t0" | bc -l | awk -v b="$b" '{print ($1 < b) ? $1 : b}')
	done
	echo "$b"
}
rate() { # hits t(hits) t(0) -> hits/s
	echo "$1 / ($2 - $3)" | bc -l | awk '{printf "%.0f", $1}'
}
pcall() { # hits t(hits) t(0) -> ns per call
	echo "($2 - $3) * 1000000000 / $1" | bc -l | awk '{printf "%.2f", $1}'
}

printf "%-7s %-30s %14s %12s\n" target measure "hits/s" "ns/call"
# measure LABEL HITS SCRIPT WANT WANT0: godbg with SCRIPT on $P over HITS
# calls and over 0, each output checked (WANT, WANT0), one row.
measure() {
	WANT=$4
	local t1 t0
	t1=$(best "$T/godbg" run -e "$3" "$P" "$2")
	WANT=$5
	t0=$(best "$T/godbg" run -e "$3" "$P" 0)
	printf "%-7s %-30s %14s %12s\n" $tg "$1" "$(rate $2 $t1 $t0)" "$(pcall $2 $t1 $t0)"
}

for tg in hot_c hot_go; do
	fn=hot
	[[ $tg == hot_go ]] && fn=main.hot
	P="$T/$tg"
	WANT="calls=$N "
	bare=$(best "$P" "$N")
	WANT="calls=0 "
	bare0=$(best "$P" 0)
	printf "%-7s %-30s %14s %12s\n" $tg "no godbg" "$(rate $N $bare $bare0)" "$(pcall $N $bare $bare0)"

	S="local p = probe('$fn'); on('exit', function() print('hits=' .. p.hits .. ' kind=' .. p.kind) end)"
	measure "probe, count only" "$N" "$S" "hits=$N kind=jump" "hits=0 kind=jump"

	S="local n = 0; local p = probe('$fn', function() n = n + 1 end); on('exit', function() print('n=' .. n .. ' hits=' .. p.hits .. ' lost=' .. p.lost) end)"
	measure "probe, Lua callback (lossless)" "$NL" "$S" "n=$NL hits=$NL lost=0" "n=0 hits=0 lost=0"

	# the same with fn(ev): godbg makes each hit's event table
	S="local n = 0; local p = probe('$fn', function(ev) n = n + 1 end); on('exit', function() print('n=' .. n .. ' hits=' .. p.hits .. ' lost=' .. p.lost) end)"
	measure "probe, Lua fn(ev) (lossless)" "$NL" "$S" "n=$NL hits=$NL lost=0" "n=0 hits=0 lost=0"

	S="local n = 0; brk('$fn', function() n = n + 1 end); on('exit', function() print('n=' .. n) end)"
	measure "brk, Lua callback" "$NB" "$S" "n=$NB" "n=0"
done

echo
echo "peak RSS of godbg, Lua-callback probe on hot_c (KiB):"
for f in "function()" "function(ev)"; do
	for n in 1000000 10000000; do
		S="local n = 0; probe('hot', $f n = n + 1 end); on('exit', function() print('n=' .. n) end)"
		rss=$( { /usr/bin/time -f "%M" "$T/godbg" run -e "$S" "$T/hot_c" $n >/dev/null; } 2>&1 | tail -1)
		printf "%-12s %9d hits: %s\n" "$f" $n "$rss"
	done
done

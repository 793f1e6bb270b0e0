#!/usr/bin/env bash
# bench/run.sh: breakpoint hits per second of godbg against gdb's Python hook
# and the C reference tracers, side by side in one run (issue 3).
#
#   bench/run.sh [-n HITS] [-g GDB_HITS] [-r REPEATS] [-p "cpu0 default"] [-q]
#
# Builds godbg, the hot loops (testdata/hotloop.c, testdata/hotloop) and
# bench/reftracer.c into a temporary folder, then for each placement
# ("cpu0": the whole tool under `taskset -c 0`, tracer and tracee on one
# CPU; "default": where the scheduler puts them) measures each tool on each
# target. A figure is HITS / (t(HITS) - t(0)), wall clock, best of REPEATS
# runs each, so start-up and symbol loading are left out for every tool
# alike; "cpu" is the user+sys time of the tool and its tracee a hit, the
# same difference (steadier than wall time on a busy machine). Every tool's
# hit count is checked against HITS ("!" marks a wrong count). Then the
# engine's own benchmark (go test -bench Hit) and godbg's peak RSS over
# 100,000, 1,000,000 and 2,000,000 hits. -q skips those two.
#
# Needs go, gcc, taskset; gdb (with Python) is measured when found (Delve:
# not installed here, not measured).
set -euo pipefail

N=200000       # hits for godbg and the C tracers
NG=20000       # hits for gdb (about 10 times slower)
R=3            # runs of each measurement; the best is kept
PLACES="cpu0 default"
EXTRA=1
while getopts "n:g:r:p:qh" o; do
	case $o in
	n) N=$OPTARG ;;
	g) NG=$OPTARG ;;
	r) R=$OPTARG ;;
	p) PLACES=$OPTARG ;;
	q) EXTRA=0 ;;
	*) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/godbg-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT

echo "building into $T" >&2
(cd "$ROOT" && go build -o "$T/godbg" ./cmd/godbg && go build -o "$T/hotloop_go" ./testdata/hotloop)
gcc -O2 -g -o "$T/hotloop_c" "$ROOT/testdata/hotloop.c"
gcc -O2 -o "$T/reftracer" "$ROOT/bench/reftracer.c"

# The breakpoint's address (after the prologue, where godbg and gdb put it)
# and the length of the instruction there, from godbg itself: every tool
# traps the same instruction.
site() { # prog func -> "addr len"
	"$T/godbg" run -e "local b = brk('$2'); print(hex(b.addr) .. ' ' .. disas(b.addr, 1)[1].len); kill()" "$1" 0 2>/dev/null | head -1 || true
}
read -r CADDR CLEN <<<"$(site "$T/hotloop_c" hot)"
read -r GADDR GLEN <<<"$(site "$T/hotloop_go" main.hot)"
[[ -n $CADDR && -n $GADDR ]] || { echo "bench: could not place the breakpoints" >&2; exit 1; }

COUNT='n = 0; brk(FN, function() n = n + 1 end); on("exit", function() print("hits=" .. n) end)'
# Two registers and a Go string: hot(s string, i int) has s in rax (data) and
# rbx (length) at its first instruction (Go's register ABI).
REGSTR='n, bad = 0, 0
brk("main.hot", function() local s = mem(regs.rax, regs.rbx); n = n + 1; if s ~= "hotloop" then bad = bad + 1 end end)
on("exit", function() print("hits=" .. (bad == 0 and n or -bad)) end)'
NODISP=""
if "$T/godbg" run --help 2>&1 | grep -q -- '--no-displaced'; then
	NODISP="--no-displaced"
fi

now() { date +%s%N; }

# timed PLACE HITS CMD...: runs CMD, sets ELAPSED (ns) and HITS_SEEN.
timed() {
	local place=$1 hits=$2
	shift 2
	local pre=()
	[[ $place == cpu0 ]] && pre=(taskset -c 0)
	local t0 t1
	t0=$(now)
	/usr/bin/time -f '%U %S' -o "$T/cpu" "${pre[@]}" "$@" >"$T/out" 2>&1 || true
	t1=$(now)
	ELAPSED=$((t1 - t0))
	CPU=$(awk '{ printf "%.0f", ($1 + $2) * 1e9 }' "$T/cpu")
	HITS_SEEN=$(grep -o '^hits=-\{0,1\}[0-9]*' "$T/out" | tail -1 | cut -d= -f2 || true)
	HITS_SEEN=${HITS_SEEN:-?}
}

# measure PLACE HITS CMD... (the target's N is the last word): prints
# hits/s and the count check; sets RATE.
measure() {
	local place=$1 hits=$2
	shift 2
	local best=0 base=0 cbest=0 cbase=0 seen=""
	for ((i = 0; i < R; i++)); do
		timed "$place" "$hits" "$@" "$hits"
		seen=$HITS_SEEN
		((best == 0 || ELAPSED < best)) && best=$ELAPSED
		((cbest == 0 || CPU < cbest)) && cbest=$CPU
		timed "$place" 0 "$@" 0
		((base == 0 || ELAPSED < base)) && base=$ELAPSED
		((cbase == 0 || CPU < cbase)) && cbase=$CPU
	done
	local d=$((best - base))
	((d > 0)) || d=1
	RATE=$(awk -v n="$hits" -v d="$d" 'BEGIN { printf "%.0f", n / (d / 1e9) }')
	local ok=ok
	[[ $seen == "$hits" ]] || ok="! got $seen"
	printf "  %-34s %-7s %9s hits/s %7.2f us/hit (cpu %6.2f us)  hits=%s %s\n" "$LABEL" "$place" "$RATE" \
		"$(awk -v r="$RATE" 'BEGIN { print 1e6 / r }')" \
		"$(awk -v a="$cbest" -v b="$cbase" -v n="$hits" 'BEGIN { print (a - b) / n / 1e3 }')" "$hits" "$ok"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "hits: $N (godbg, C tracers), $NG (gdb); best of $R; figure = hits / (t(hits) - t(0))"
echo "breakpoint: C hot at $CADDR ($CLEN-byte instruction), Go main.hot at $GADDR ($GLEN)"
HAVE_GDB=0
command -v gdb >/dev/null && gdb -batch -nx -ex 'python print(1)' >/dev/null 2>&1 && HAVE_GDB=1
command -v dlv >/dev/null || echo "dlv: not installed, Delve not measured"
((HAVE_GDB)) || echo "gdb with Python: not found, not measured"

for place in $PLACES; do
	echo
	echo "placement: $place$([[ $place == cpu0 ]] && echo ' (taskset -c 0: tracer and tracee on CPU 0)')"
	declare -A rate=()
	for tgt in C Go; do
		if [[ $tgt == C ]]; then
			prog=$T/hotloop_c fn=hot addr=$CADDR len=$CLEN
		else
			prog=$T/hotloop_go fn=main.hot addr=$GADDR len=$GLEN
		fi
		LABEL="godbg, counting callback ($tgt)"
		measure "$place" "$N" "$T/godbg" run -e "${COUNT//FN/\"$fn\"}" "$prog"
		rate[godbg$tgt]=$RATE
		if [[ $tgt == Go ]]; then
			LABEL="godbg, 2 regs + Go string (Go)"
			measure "$place" "$N" "$T/godbg" run -e "$REGSTR" "$prog"
		fi
		if [[ -n $NODISP ]]; then
			LABEL="godbg, out-of-line off ($tgt)"
			measure "$place" "$N" "$T/godbg" run $NODISP -e "${COUNT//FN/\"$fn\"}" "$prog"
		fi
		LABEL="C tracer, one stop ($tgt)"
		measure "$place" "$N" "$T/reftracer" onestop "$addr" "$len" "$prog"
		rate[one$tgt]=$RATE
		LABEL="C tracer, 3 stops ($tgt)"
		measure "$place" "$N" "$T/reftracer" 3stop "$addr" "$len" "$prog"
		if ((HAVE_GDB)); then
			LABEL="gdb, Python stop() -> False ($tgt)"
			measure "$place" "$NG" env BENCH_LOC="*$addr" \
				gdb -batch -nx -x "$ROOT/bench/gdb_count.py" --args "$prog"
			rate[gdb$tgt]=$RATE
		fi
	done
	for tgt in C Go; do
		printf "  ratios (%s, %s): godbg/one-stop C = %s (goal >= 0.75x)" "$tgt" "$place" \
			"$(ratio "${rate[godbg$tgt]}" "${rate[one$tgt]}")"
		((HAVE_GDB)) && printf ", godbg/gdb = %s (goal >= 10x)" "$(ratio "${rate[godbg$tgt]}" "${rate[gdb$tgt]}")"
		echo
	done
	[[ -n $NODISP ]] || echo "  (godbg with out-of-line execution off: no CLI switch yet; see BenchmarkHit/C-nodisplaced below)"
	unset rate
done

((EXTRA)) || exit 0

echo
echo "engine only (go test -bench Hit: an engine hook counting, no Lua), taskset -c 0:"
(cd "$ROOT/engine" && taskset -c 0 go test -run '^$' -bench '^BenchmarkHit$' -benchtime "${N}x" . 2>&1 |
	grep '^BenchmarkHit' | sed 's/^/  /')

echo
echo "godbg peak RSS (counting callback, C target, taskset -c 0):"
for hits in 100000 1000000 2000000; do
	taskset -c 0 /usr/bin/time -f '%M' -o "$T/rss" "$T/godbg" run -e "${COUNT//FN/\"hot\"}" "$T/hotloop_c" "$hits" >"$T/out" 2>&1 || true
	printf "  %8d hits: %s KB peak RSS, %s\n" "$hits" "$(tail -1 "$T/rss")" "$(grep '^hits=' "$T/out")"
done

#!/usr/bin/env bash
# bench/profile.sh: what the profile recipe costs the program it samples
# (issue 17): a fixed amount of work, timed bare and under
# `godbg run -a hz=H profile`, for a one-thread C program and a Go program
# working on G goroutines.
#
#   bench/profile.sh [-r REPEATS] [-c C_ROUNDS] [-g GO_ROUNDS] [-G GOROUTINES] [-z "99 999"]
#
# Builds godbg, testdata/cspin.c (`cspin -n ROUNDS`) and testdata/gocalls
# (`gocalls work ROUNDS G`) into a temporary folder. Figures, best of
# REPEATS each: the wall time of the whole run and its slowdown against the
# bare run (under godbg the start-up, symbol loading and the launch, is
# included), and the CPU time (user+sys) of the program and godbg together,
# steadier than wall time on a busy machine; the samples taken (the folded
# stacks' total: the running threads' stacks, ticks the loop was too busy to
# take skipped) and the CPU time each tick costs, (cpu - bare cpu) / ticks.
set -euo pipefail

R=3
CR=100000
GR=30000
G=4
HZS="99 999"
while getopts "r:c:g:G:z:h" o; do
	case $o in
	r) R=$OPTARG ;;
	c) CR=$OPTARG ;;
	g) GR=$OPTARG ;;
	G) G=$OPTARG ;;
	z) HZS=$OPTARG ;;
	*) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/godbg-profbench.XXXXXX)
trap 'rm -rf "$T"' EXIT
(cd "$ROOT" && go build -o "$T/godbg" ./cmd/godbg && go build -o "$T/gocalls" ./testdata/gocalls)
gcc -O0 -g -o "$T/cspin" "$ROOT/testdata/cspin.c"

# best CMD...: the best wall and CPU times of R runs, in seconds ("WALL CPU").
best() {
	local bw=1e9 bc=1e9
	for _ in $(seq "$R"); do
		/usr/bin/time -f "%e %U %S" -o "$T/time" "$@" >"$T/out" 2>&1
		read -r w u s <"$T/time"
		bw=$(echo "$w $bw" | awk '{print ($1 < $2 ? $1 : $2)}')
		bc=$(echo "$u $s $bc" | awk '{c = $1 + $2; print (c < $3 ? c : $3)}')
	done
	echo "$bw $bc"
}

# samples: the folded stacks' total in $T/folded.
samples() { awk '{n += $NF} END {print n + 0}' "$T/folded"; }

printf "%-24s %8s %9s %8s %9s %8s %12s\n" "run" "wall s" "slowdown" "cpu s" "cpu x" "samples" "cpu/tick ms"
for target in "C 1 thread:$T/cspin -n $CR" "Go $G goroutines:$T/gocalls work $GR $G"; do
	name=${target%%:*}
	cmd=${target#*:}
	# shellcheck disable=SC2086
	read -r bw bc <<<"$(best $cmd)"
	printf "%-24s %8.2f %9s %8.2f %9s %8s %12s\n" "$name, bare" "$bw" "1.00x" "$bc" "1.00x" "-" "-"
	for hz in $HZS; do
		# shellcheck disable=SC2086
		read -r w c <<<"$(best "$T/godbg" run -a hz="$hz" -o "$T/folded" profile $cmd)"
		n=$(samples)
		printf "%-24s %8.2f %8.2fx %8.2f %8.2fx %8s %12.3f\n" "$name, $hz Hz" "$w" \
			"$(echo "$w $bw" | awk '{print $1 / $2}')" "$c" "$(echo "$c $bc" | awk '{print $1 / $2}')" "$n" \
			"$(echo "$c $bc $n" | awk '{print ($3 > 0 ? ($1 - $2) * 1000 / $3 : 0)}')"
	done
done

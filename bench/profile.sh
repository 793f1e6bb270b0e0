#!/usr/bin/env bash
# bench/profile.sh: what the profile recipe costs the program it samples
# (issue 17): a fixed amount of work, timed bare and under
# `godbg run -a hz=H profile`, for a one-thread C program and a Go program
# working on G goroutines.
#
#   bench/profile.sh [-r REPEATS] [-c C_ROUNDS] [-g GO_ROUNDS] [-G GOROUTINES] [-z "99 999"]
#
# Builds godbg, testdata/cspin.c (`cspin -n ROUNDS`) and testdata/gocalls
# (`gocalls work ROUNDS G`) into a temporary folder; both print the seconds
# their work took, measured inside the program, so godbg's start-up is left
# out. The runs alternate (bare, each rate, again), REPEATS rounds, and each
# figure is the best of its runs: on a shared machine the fastest run is the
# one least disturbed by other work. Slowdown: work time under godbg over
# the bare one. Samples: the folded stacks' total of the best run (running
# threads' stacks; a tick the loop is too busy to take is skipped).
set -euo pipefail

R=5
CR=60000
GR=20000
G=4
HZS="99 999"
while getopts "r:c:g:G:z:h" o; do
	case $o in
	r) R=$OPTARG ;;
	c) CR=$OPTARG ;;
	g) GR=$OPTARG ;;
	G) G=$OPTARG ;;
	z) HZS=$OPTARG ;;
	*) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/godbg-profbench.XXXXXX)
trap 'rm -rf "$T"' EXIT
(cd "$ROOT" && go build -o "$T/godbg" ./cmd/godbg && go build -o "$T/gocalls" ./testdata/gocalls)
gcc -O0 -g -o "$T/cspin" "$ROOT/testdata/cspin.c"

printf "%-22s %10s %9s %8s\n" "run" "work s" "slowdown" "samples"
for target in "C, 1 thread:$T/cspin -n $CR" "Go, $G goroutines:$T/gocalls work $GR $G"; do
	name=${target%%:*}
	cmd=${target#*:}
	declare -A best=() samples=()
	for _ in $(seq "$R"); do
		for hz in bare $HZS; do
			if [ "$hz" = bare ]; then
				# shellcheck disable=SC2086
				$cmd >"$T/out"
			else
				# shellcheck disable=SC2086
				"$T/godbg" run -a hz="$hz" -o "$T/folded" profile $cmd >"$T/out"
			fi
			s=$(awk '{print $2}' "$T/out")
			if [ -z "${best[$hz]:-}" ] || awk -v a="$s" -v b="${best[$hz]}" 'BEGIN {exit !(a < b)}'; then
				best[$hz]=$s
				[ "$hz" = bare ] || samples[$hz]=$(awk '{n += $NF} END {print n + 0}' "$T/folded")
			fi
		done
	done
	printf "%-22s %10.3f %9s %8s\n" "$name, bare" "${best[bare]}" "1.00x" "-"
	for hz in $HZS; do
		printf "%-22s %10.3f %8.2fx %8s\n" "$name, $hz Hz" "${best[$hz]}" \
			"$(awk -v a="${best[$hz]}" -v b="${best[bare]}" 'BEGIN {print a / b}')" "${samples[$hz]}"
	done
	unset best samples
done

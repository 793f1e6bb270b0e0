#!/usr/bin/env bash
# bench/swwatch.sh: software watchpoints, godbg against gdb's own software
# watchpoint (`set can-use-hw-watchpoints 0`), same program, same run.
#
#   bench/swwatch.sh [-n WRITES] [-g GDB_WRITES]
#
# testdata/swwatch.c N writes its watched global N times (bump(i) in a loop).
# godbg counts the writes in a Lua callback (--watch software); gdb runs a
# silent `commands ... continue` on each. gdb single-steps the program under
# a software watchpoint, so it gets fewer writes (-g); the figures compare
# the time per write, each tool's count checked.
set -euo pipefail
N=100000
NG=1000
while getopts "n:g:h" o; do
	case $o in
	n) N=$OPTARG ;;
	g) NG=$OPTARG ;;
	*) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/godbg-swwatch.XXXXXX)
trap 'rm -rf "$T"' EXIT
(cd "$ROOT" && go build -o "$T/godbg" ./cmd/godbg)
gcc -O0 -g -o "$T/swwatch" "$ROOT/testdata/swwatch.c"

now() { date +%s.%N; }
t0=$(now)
got=$("$T/godbg" run --watch software -e 'local n = 0
watch(sym("g"), 8, "w", function() n = n + 1 end)
on("exit", function() print(n) end)' "$T/swwatch" "$N" | tail -1)
t1=$(now)
[ "$got" = "$N" ] || { echo "godbg counted $got writes, want $N"; exit 1; }
godbg_us=$(echo "($t1 - $t0) * 1000000 / $N" | bc -l)

cat >"$T/gdb.cmd" <<GDB
set pagination off
set confirm off
set can-use-hw-watchpoints 0
break main
run
watch g.counter
commands
silent
set \$writes = \$writes + 1
continue
end
set \$writes = 0
continue
printf "writes=%d\n", \$writes
GDB
t0=$(now)
gw=$(gdb -q -batch -x "$T/gdb.cmd" --args "$T/swwatch" "$NG" 2>&1 | sed -n 's/^writes=//p')
t1=$(now)
[ "$gw" = "$NG" ] || echo "gdb counted '$gw' writes, want $NG (its figure is kept, marked !)"
gdb_us=$(echo "($t1 - $t0) * 1000000 / $NG" | bc -l)
printf "%-40s %10s %14s\n" tool writes "us per write"
printf "%-40s %10d %14.1f\n" "godbg --watch software, Lua counter" "$N" "$godbg_us"
printf "%-40s %10d %14.1f%s\n" "gdb software watchpoint (commands)" "$NG" "$gdb_us" "$([ "$gw" = "$NG" ] || echo ' !')"
printf "godbg is %.1fx faster a write\n" "$(echo "$gdb_us / $godbg_us" | bc -l)"

# gdb's fastest scripted hook, for bench/run.sh: a Breakpoint whose stop()
# counts and returns False (the inferior never stops for the user).
#
#   BENCH_LOC='*0x4a0380' gdb -batch -nx -x bench/gdb_count.py --args PROG N
#
# BENCH_LOC is a gdb location (default "hot"). Prints "hits=N" on stderr
# after the program exits.
import os
import sys

import gdb


class Counter(gdb.Breakpoint):
    def __init__(self, loc):
        super().__init__(loc, internal=True)
        self.count = 0

    def stop(self):
        self.count += 1
        return False


gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("set startup-with-shell off")
bp = Counter(os.environ.get("BENCH_LOC", "hot"))
gdb.execute("run")
sys.stderr.write("hits=%d\n" % bp.count)
sys.stderr.flush()

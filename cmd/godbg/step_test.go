package main

import (
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// step() across a hooked system call runs the sys() callback at its entry
// and its exit, once each; step() over an instruction that writes a watched
// global returns the watch event. In both syscall modes, with and without
// displaced stepping.
const stepScript = `
local stepping = false
sys("getpid", function(ev)
	if stepping then printf("%s %s", ev.phase, ev.phase == "exit" and tostring(ev.ret > 0) or "") end
end)
local w = watch(sym("counter"), 8, "w")
local bp = brk(sym("my_getpid"))
assert(cont().reason == "breakpoint")
stepping = true
for i = 1, 3 do print(step().reason) end
stepping = false
bp:delete()
brk(sym("bump"))
assert(cont().reason == "breakpoint")
local ev = step()
print(ev.reason, ev.wp == w, where(ev.pc).sym)
w:delete()`

func TestStepScript(t *testing.T) {
	prog := target(t, fixture.C(t, "stepsys.c", "-O2", "-fcf-protection=none"))
	watch, _ := watchModes(t)
	for _, mode := range sysModes {
		for _, extra := range [][]string{watch[0], watch[1], {"--no-displaced"}, append([]string{"--no-displaced"}, watch[0]...)} {
			r := runIn(t, append(append([]string(nil), mode...), extra...), "-e", stepScript, prog)
			check(t, r, 0, "step\nenter \nexit true\nstep\nstep\nwatch\ttrue\tbump\nrounds=3 ok=3 counter=3\n", "")
		}
	}
}

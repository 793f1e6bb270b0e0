package main

import (
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// --no-displaced: every step-over lifts the trap with the other threads
// held; the counts stay exact and the program's output unchanged.
func TestNoDisplacedExactHits(t *testing.T) {
	script := `local n = 0
		brk(params.fn, function() n = n + 1 end)
		on("exit", function(ev) printf("hits %d code %d", n, ev.code) end)`
	goProg := target(t, fixture.GoDebug(t, "gomulti"))
	r := godbg(t, "run", "--no-displaced", "-a", "fn=main.Work", "-e", script, goProg, "8", "5000")
	check(t, r, 0, "goroutines=8 calls=40000 sum=199960000\nhits 40000 code 0\n", "")
	cProg := target(t, fixture.C(t, "cthreads.c", "-O2", "-g"))
	r = godbg(t, "run", "--no-displaced", "-a", "fn=work", "-e", script, cProg, "4", "5000")
	check(t, r, 0, "threads=4 calls=20000 sum=99980000\nhits 20000 code 0\n", "")
	noProcessLeft(t, goProg)
	noProcessLeft(t, cProg)
}

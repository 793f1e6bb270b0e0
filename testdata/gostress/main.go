// gostress: G goroutines call Work N times each while everything that can
// move or interrupt a goroutine happens: Work recurses into itself with big
// frames (the stack is copied while Work frames are on it), panics raised
// below Work unwind through it to a recover above it, runtime.GC runs in a
// loop (stacks shrink, so they grow again), the CPU profiler is on
// (SIGPROF) and a goroutine sends the process SIGURG in a loop. The program
// counts its own calls of Work, checks its results against a formula and
// prints them; exit status 1 when a check fails. For the probe safety
// tests (a probe's hits must equal calls=). Args: G N [wait]: with "wait",
// it reads a line from stdin before starting (to be attached first).
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
)

var calls, panics atomic.Int64

type boom struct{ i int }

// Work returns i + depth*(depth+1)/2 through depth recursive calls of
// itself, each with a 2 KB frame; when i%5 == 3 the innermost call panics
// (boom) instead, to be recovered by callWork.
//
//go:noinline
func Work(i, depth int) int {
	calls.Add(1)
	var pad [256]int // a big frame: deep recursion grows the stack
	pad[i%256] = depth
	if depth == 0 {
		if i%5 == 3 {
			raise(i)
		}
		return i
	}
	return Work(i, depth-1) + pad[i%256]
}

//go:noinline
func raise(i int) { panic(boom{i}) }

// callWork calls Work, recovering a boom raised through it: -1 then.
func callWork(i, depth int) (r int) {
	defer func() {
		if e := recover(); e != nil {
			if b, ok := e.(boom); !ok || b.i != i {
				panic(e)
			}
			panics.Add(1)
			r = -1
		}
	}()
	return Work(i, depth)
}

func main() {
	g, n := 8, 2000
	if len(os.Args) > 2 {
		g, _ = strconv.Atoi(os.Args[1])
		n, _ = strconv.Atoi(os.Args[2])
	}
	if len(os.Args) > 3 && os.Args[3] == "wait" {
		bufio.NewReader(os.Stdin).ReadString('\n')
	}
	if err := pprof.StartCPUProfile(io.Discard); err != nil {
		fmt.Println("profile:", err)
		os.Exit(1)
	}
	var done atomic.Bool
	var side sync.WaitGroup
	side.Add(2)
	go func() { // GC in a loop
		defer side.Done()
		for !done.Load() {
			runtime.GC()
		}
	}()
	go func() { // a SIGURG storm
		defer side.Done()
		for !done.Load() {
			syscall.Kill(os.Getpid(), syscall.SIGURG)
			runtime.Gosched()
		}
	}()
	var wg sync.WaitGroup
	sums := make([]int, g)
	for w := 0; w < g; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < n; i++ {
				sums[w] += callWork(i, i%40)
			}
		}(w)
	}
	wg.Wait()
	done.Store(true)
	side.Wait()
	pprof.StopCPUProfile()

	// The same from the formula.
	wantCalls, wantPanics, want := 0, 0, 0
	for i := 0; i < n; i++ {
		d := i % 40
		wantCalls += d + 1
		if i%5 == 3 {
			wantPanics++
			want--
		} else {
			want += i + d*(d+1)/2
		}
	}
	wantCalls, wantPanics, want = wantCalls*g, wantPanics*g, want*g
	s := 0
	for _, v := range sums {
		s += v
	}
	state := "ok"
	if int(calls.Load()) != wantCalls || int(panics.Load()) != wantPanics || s != want {
		state = fmt.Sprintf("BAD (want calls=%d panics=%d sum=%d)", wantCalls, wantPanics, want)
	}
	fmt.Printf("goroutines=%d calls=%d panics=%d sum=%d %s\n", g, calls.Load(), panics.Load(), s, state)
	if state != "ok" {
		os.Exit(1)
	}
}

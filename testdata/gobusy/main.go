// gobusy: 4 goroutines call Work without pause, each checking its own sums;
// main prints "tick N ok" every 10 ms while every check holds ("tick N BAD"
// else). For the SIGKILL-while-attached test (cmd/godbg/killsafe_test.go).
package main

import (
	"fmt"
	"sync/atomic"
	"time"
)

var calls [4]atomic.Int64
var bad atomic.Bool

//go:noinline
func Work(k int, sum int64) int64 {
	calls[k].Add(1)
	return sum + 1
}

func main() {
	for k := 0; k < 4; k++ {
		go func() {
			var sum int64
			for i := int64(0); ; i++ {
				sum = Work(k, sum)
				if sum != i+1 || calls[k].Load() != i+1 {
					bad.Store(true)
				}
			}
		}()
	}
	for n := 1; ; n++ {
		time.Sleep(10 * time.Millisecond)
		state := "ok"
		if bad.Load() {
			state = "BAD"
		}
		fmt.Printf("tick %d %s\n", n, state)
	}
}

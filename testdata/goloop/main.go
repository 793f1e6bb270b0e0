// goloop is a server-like loop: it calls Tick every few milliseconds from a
// worker goroutine and prints a running check line every 100 ticks. Each
// line says whether the ticks so far are consistent ("ok"), so a test can
// see that attaching and detaching left it unharmed.
package main

import (
	"fmt"
	"time"
)

var ticks int

//go:noinline
func Tick(i int) int {
	ticks++
	return i + 1
}

func main() {
	done := make(chan bool)
	go func() {
		sum := 0
		for i := 0; ; i++ {
			sum = Tick(sum)
			if i%100 == 99 {
				state := "ok"
				if sum != i+1 || ticks != i+1 {
					state = "BAD"
				}
				fmt.Printf("tick %d %s\n", i+1, state)
			}
			time.Sleep(200 * time.Microsecond)
		}
	}()
	<-done
}

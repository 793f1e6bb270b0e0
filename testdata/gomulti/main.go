// gomulti runs G goroutines that each call Work N times, then prints the
// total. Used for exact hit counting across threads. Args: G N.
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
)

var total atomic.Int64

//go:noinline
func Work(i int) int {
	total.Add(1)
	return i * 2
}

func main() {
	g, n := 8, 20000
	if len(os.Args) > 2 {
		g, _ = strconv.Atoi(os.Args[1])
		n, _ = strconv.Atoi(os.Args[2])
	}
	var wg sync.WaitGroup
	sums := make([]int, g)
	for w := 0; w < g; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < n; i++ {
				sums[w] += Work(i)
			}
		}(w)
	}
	wg.Wait()
	s := 0
	for _, v := range sums {
		s += v
	}
	fmt.Printf("goroutines=%d calls=%d sum=%d\n", g, total.Load(), s)
}

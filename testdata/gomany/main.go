// gomany parks N goroutines (arg 1, default 1000) on a channel receive,
// calls checkpoint with all of them parked, then releases them and prints
// their sum (engine/jumpguard_test.go: the install scan's cost).
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

//go:noinline
func wait(ch chan int, out *int64, mu *sync.Mutex) {
	v := <-ch
	mu.Lock()
	*out += int64(v)
	mu.Unlock()
}

// checkpoint is where the tests stop, every goroutine parked.
//
//go:noinline
func checkpoint(n int) int {
	return n + 1
}

func main() {
	n := 1000
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	ch := make(chan int)
	var sum int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); wait(ch, &sum, &mu) }()
	}
	for {
		buf := make([]byte, 1<<24)
		if strings.Count(string(buf[:runtime.Stack(buf, true)]), "[chan receive]") == n {
			break
		}
		runtime.Gosched()
	}
	checkpoint(n)
	for i := 1; i <= n; i++ {
		ch <- i
	}
	wg.Wait()
	fmt.Println("sum", sum)
}

// auth is a Go target for on_return, force_return and finish: usage
// auth [MODE [N]]; MODE auth (default), fib, deep, panic, latency.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// Authorized grants alice only.
//
//go:noinline
func Authorized(user string) bool {
	return user == "alice"
}

// Lookup returns two results (the register ABI's rax and rbx).
//
//go:noinline
func Lookup(user string) (int, error) {
	if user == "alice" {
		return 1, nil
	}
	return 0, fmt.Errorf("no user %s", user)
}

//go:noinline
func Ratio(a, b int) float64 { return float64(a) / float64(b) }

//go:noinline
func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

// deep recurses with a 4 KiB frame: 2,000 levels need 8 MiB of stack, so
// the runtime copies the goroutine's stack many times on the way down.
//
//go:noinline
func deep(n int) int {
	var buf [4096]byte
	buf[n%4096] = byte(n)
	if n == 0 {
		return 0
	}
	return deep(n-1) + int(buf[n%4096]&1)
}

//go:noinline
func risky(n int) int {
	if n < 0 {
		panic("negative")
	}
	return n * 2
}

//go:noinline
func safe(n int) (r int) {
	defer func() {
		if recover() != nil {
			r = -1
		}
	}()
	return risky(n)
}

//go:noinline
func quitter() int {
	runtime.Goexit()
	return 1
}

//go:noinline
func checkpoint(n int) int { return n }

//go:noinline
func Fast() { time.Sleep(time.Millisecond) }

//go:noinline
func Slow() { time.Sleep(10 * time.Millisecond) }

func main() {
	mode := "auth"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	n := 0
	if len(os.Args) > 2 {
		n, _ = strconv.Atoi(os.Args[2])
	}
	switch mode {
	case "auth":
		ok := Authorized("bob")
		v, err := Lookup("bob")
		fmt.Printf("bob: %v\nlookup: %d %v\nratio=%.2f\n", map[bool]string{true: "granted", false: "denied"}[ok], v, err, Ratio(1, 4))
	case "fib":
		fmt.Printf("fib(%d)=%d\n", n, fib(n))
	case "deep":
		fmt.Printf("deep(%d)=%d\n", n, deep(n))
	case "panic":
		fmt.Println("safe:", safe(-1), safe(3))
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			quitter()
		}()
		wg.Wait()
		// Goexit runs wg.Done before the goroutine ends: wait until it has
		// (runtime.goexit1 ran), so that checkpoint sees no call of quitter
		// still pending (TestNoReturnTrapLeft).
		for runtime.NumGoroutine() > 1 {
			runtime.Gosched()
		}
		fmt.Println("checkpoint:", checkpoint(7))
	case "latency":
		for i := 0; i < n; i++ {
			Fast()
			if i%4 == 0 {
				Slow()
			}
		}
		fmt.Println("done")
	}
}

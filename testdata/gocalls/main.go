// gocalls makes calls whose numbers and callers are known, for the count
// and trace recipes' tests: main calls A 3 times and B 5 times; each A
// calls Leaf twice, each B once (Leaf: 6 calls from A, 5 from B). With the
// argument "spin SECONDS" it burns CPU in Spin instead, for the sampling
// profile's test; "work ROUNDS GOROUTINES" does a fixed amount of work in
// Rounds on that many goroutines and prints the seconds it took
// (bench/profile.sh).
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

var sink int

//go:noinline
func Leaf(i int) int { return i + 1 }

//go:noinline
func A(i int) int { return Leaf(i) + Leaf(i+1) }

//go:noinline
func B(i int) int { return Leaf(i) * 2 }

// Spin loops for d and returns how many rounds it made.
//
//go:noinline
func Spin(d time.Duration) int {
	n := 0
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		for i := 0; i < 10000; i++ {
			sink += i
		}
		n++
	}
	return n
}

// Rounds makes n rounds of the inner loop.
//
//go:noinline
func Rounds(n int) int {
	s := 0
	for r := 0; r < n; r++ {
		for i := 0; i < 10000; i++ {
			s += i ^ r
		}
	}
	return s
}

func main() {
	if len(os.Args) > 3 && os.Args[1] == "work" {
		n, _ := strconv.Atoi(os.Args[2])
		g, _ := strconv.Atoi(os.Args[3])
		t0 := time.Now()
		var wg sync.WaitGroup
		sums := make([]int, g)
		for w := 0; w < g; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				sums[w] = Rounds(n)
			}(w)
		}
		wg.Wait()
		fmt.Printf("worked %.6f %d\n", time.Since(t0).Seconds(), sums[0])
		return
	}
	if len(os.Args) > 2 && os.Args[1] == "spin" {
		s, _ := strconv.ParseFloat(os.Args[2], 64)
		Spin(time.Duration(s * float64(time.Second)))
		fmt.Println("spun")
		return
	}
	sum := 0
	for i := 0; i < 3; i++ {
		sum += A(i)
	}
	for i := 0; i < 5; i++ {
		sum += B(i)
	}
	fmt.Printf("sum=%d\n", sum)
}

// rets: results of every shape for rets(), and a function to step
// through with next_line() (the line numbers matter to the tests).
package main

import (
	"errors"
	"fmt"
)

type Point struct {
	X, Y int
	Name string
}

type Big struct{ A [3]int }

//go:noinline
func triple(n int) (int, string, error) {
	if n < 0 {
		return 0, "", errors.New("negative")
	}
	return n * 2, fmt.Sprint("n=", n), nil
}

//go:noinline
func ratio(a, b int) (float64, bool) {
	if b == 0 {
		return 0, false
	}
	return float64(a) / float64(b), true
}

//go:noinline
func divmod(a, b int) (q, r int) {
	q = a / b
	r = a % b
	return
}

//go:noinline
func mkpoint(x, y int) Point { return Point{x, y, "p"} }

//go:noinline
func big(n int) Big { return Big{[3]int{n, n + 1, n + 2}} }

//go:noinline
func add(a, b int) int { return a + b }

//go:noinline
func compute(n int) int {
	s := 0
	s += add(n, 1)
	s *= 2
	return s
}

func main() {
	n, s, err := triple(21)
	fmt.Println(n, s, err)
	_, _, err = triple(-1)
	fmt.Println(err)
	f, ok := ratio(1, 4)
	fmt.Println(f, ok)
	q, r := divmod(17, 5)
	fmt.Println(q, r)
	fmt.Println(mkpoint(3, 4), big(7))
	c := compute(5)
	fmt.Println(c)
	fmt.Println(many(1))
}

// many has more results than the 9 integer registers: j and s are
// stack-assigned.
//
//go:noinline
func many(n int) (a, b, c, d, e, f, g, h, i, j int, s string) {
	return n, n + 1, n + 2, n + 3, n + 4, n + 5, n + 6, n + 7, n + 8, n + 9, "tail"
}

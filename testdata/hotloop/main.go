// hotloop calls main.hot N times (N from os.Args[1], default 100000) and
// prints the count: a target for the breakpoint benchmark (bench/run.sh).
// hot takes a string so that a callback can read a Go string from its
// arguments (rax: the data pointer, rbx: the length, Go's register ABI).
package main

import (
	"fmt"
	"os"
	"strconv"
)

var total int

//go:noinline
func hot(s string, i int) int {
	total += len(s)
	return i*2 + 1
}

func main() {
	n := 100000
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	sum := 0
	name := "hotloop"
	for i := 0; i < n; i++ {
		sum += hot(name, i)
	}
	fmt.Printf("calls=%d sum=%d total=%d\n", n, sum, total)
}

// goinline has a small function the compiler inlines (scale) into a
// non-inlined caller (outer): built optimized, a breakpoint on scale's line
// lands inside outer's code, and the backtrace shows scale as its own frame.
package main

import (
	"fmt"
	"os"
)

var sink int

//go:noinline
func note(x int) { sink += x }

func scale(x int) int {
	note(x) // INLINED
	return x*3 + 1
}

//go:noinline
func outer(n int) int {
	return scale(n) + scale(n+1)
}

func main() {
	fmt.Println(outer(len(os.Args) + 4))
}

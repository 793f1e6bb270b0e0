// goexec: runs `true` N times (default 20) with os/exec, which starts each
// child with clone(CLONE_VFORK|CLONE_VM) and execve, calling Step after
// each; it prints how many children exited 0.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
)

//go:noinline
func Step(i int) int { return i + 1 }

func main() {
	n := 20
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	ok, steps := 0, 0
	for i := 0; i < n; i++ {
		if err := exec.Command("true").Run(); err == nil {
			ok++
		}
		steps = Step(steps)
	}
	fmt.Printf("ran %d/%d ok, steps %d\n", ok, n, steps)
	if ok != n {
		os.Exit(1)
	}
}

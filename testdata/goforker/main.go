// goforker: the parent calls Step 1000 times while a child, a copy of
// itself started with os/exec (fork and exec), calls it 1000 times too and
// exits with status 7 if it got through; the parent prints what it saw.
package main

import (
	"fmt"
	"os"
	"os/exec"
)

//go:noinline
func Step(i int) int { return i + 1 }

func count() int {
	n := 0
	for i := 0; i < 1000; i++ {
		n = Step(n)
	}
	return n
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "child" {
		if count() == 1000 {
			os.Exit(7)
		}
		os.Exit(1)
	}
	cmd := exec.Command(os.Args[0], "child")
	if err := cmd.Start(); err != nil {
		fmt.Println("start:", err)
		os.Exit(1)
	}
	n := count()
	err := cmd.Wait()
	child := "killed"
	if cmd.ProcessState != nil && cmd.ProcessState.ExitCode() == 7 {
		child = "ok"
	}
	fmt.Printf("parent=%d child=%s (%v)\n", n, child, err)
}

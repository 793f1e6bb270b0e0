// gowatch writes a global from two named functions: WriterA on the main
// goroutine, WriterB on another goroutine (locked to a thread of its own),
// then reads it once in Reader. Used by the watchpoint tests. Args: N
// (writes by each writer, default 3).
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
)

var counter int64

//go:noinline
func WriterA(v int64) { counter = v }

//go:noinline
func WriterB(v int64) { counter = v * 10 }

//go:noinline
func Reader() int64 { return counter }

func main() {
	n := 3
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	for i := 1; i <= n; i++ {
		WriterA(int64(i))
	}
	done := make(chan bool)
	go func() {
		runtime.LockOSThread()
		for i := 1; i <= n; i++ {
			WriterB(int64(i))
		}
		done <- true
	}()
	<-done
	fmt.Printf("read=%d\n", Reader())
}

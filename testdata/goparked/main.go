// goparked parks ten goroutines, one in each way a goroutine waits (channel
// send and receive, a nil channel, select, an empty select, a mutex, a
// read lock, a wait group, a condition variable, a sleep), then calls
// checkpoint with all of them parked. The // GO and // PARK markers name
// the lines tests expect.
package main

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"
)

var (
	recvCh = make(chan int)
	sendCh = make(chan int)
	selA   = make(chan int)
	selB   = make(chan int)
	mu     sync.Mutex
	rw     sync.RWMutex
	wg     sync.WaitGroup
	cmu    sync.Mutex
	cond   = sync.NewCond(&cmu)
)

func chanRecv() {
	<-recvCh // PARK chanRecv
}

func chanSend() {
	sendCh <- 1 // PARK chanSend
}

func nilRecv() {
	var c chan int
	<-c // PARK nilRecv
}

func selectTwo() {
	select { // PARK selectTwo
	case <-selA:
	case <-selB:
	}
}

func selectNone() {
	select {} // PARK selectNone
}

func mutexLock() {
	mu.Lock() // PARK mutexLock
}

func readLock() {
	rw.RLock() // PARK readLock
}

func groupWait() {
	wg.Wait() // PARK groupWait
}

func condWait() {
	cmu.Lock()
	cond.Wait() // PARK condWait
}

func sleeper() {
	time.Sleep(time.Hour) // PARK sleeper
}

// checkpoint is where the tests stop, every goroutine parked.
func checkpoint(n int) int {
	return n + 1
}

// parked reports whether every goroutine but the caller waits as wanted,
// from the runtime's own dump.
func parked(want []string) bool {
	buf := make([]byte, 1<<16)
	dump := string(buf[:runtime.Stack(buf, true)])
	for _, w := range want {
		if !strings.Contains(dump, "["+w) {
			return false
		}
	}
	return true
}

func main() {
	mu.Lock()
	rw.Lock()
	wg.Add(1)
	go chanRecv()   // GO chanRecv
	go chanSend()   // GO chanSend
	go nilRecv()    // GO nilRecv
	go selectTwo()  // GO selectTwo
	go selectNone() // GO selectNone
	go mutexLock()  // GO mutexLock
	go readLock()   // GO readLock
	go groupWait()  // GO groupWait
	go condWait()   // GO condWait
	go sleeper()    // GO sleeper
	want := []string{"chan receive]", "chan send]", "chan receive (nil chan)]", "select]",
		"select (no cases)]", "sync.Mutex.Lock]", "sync.RWMutex.RLock]", "sync.WaitGroup.Wait]",
		"sync.Cond.Wait]", "sleep]"}
	for !parked(want) {
		time.Sleep(time.Millisecond)
	}
	fmt.Println(checkpoint(10))
}

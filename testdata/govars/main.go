// govars is debuginfo's target: Greet holds one local of every kind the
// value reader decodes; three workers wait on a channel so the goroutine
// list has waiting goroutines besides main.
package main

import (
	"errors"
	"fmt"
	"os"
	"sync"
)

type Point struct {
	X, Y  int
	Label string
}

type Shape interface{ Area() int }

func (p Point) Area() int { return p.X * p.Y }

var counter = 42

var origin = Point{X: 1, Y: 2, Label: "origin"}

var stop = make(chan struct{})

//go:noinline
func Greet(name string, n int) (result string) {
	p := Point{X: n, Y: -7, Label: name}
	pp := &p
	s := []int{1, 2, 3}
	arr := [3]string{"a", "b", "c"}
	m := map[string]int{"one": 1, "two": 2}
	big := make([]int, 100)
	var iface interface{} = 123
	var shape Shape = p
	var err error = errors.New("boom")
	var noerr error
	f := 3.5
	b := true
	u := uint8(200)
	var np *Point
	msg := fmt.Sprintf("%s:%d", name, n)
	sink(pp, s, arr, m, big, iface, shape, err, noerr, f, b, u, np, msg) // MID
	return msg
}

//go:noinline
func sink(args ...interface{}) {}

func worker(id int, wg *sync.WaitGroup) {
	wg.Done()
	<-stop
	fmt.Println("worker", id)
}

func main() {
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go worker(i, &wg)
	}
	wg.Wait()
	counter++
	fmt.Fprintln(os.Stderr, Greet("gopher", 5), counter, origin.Label)
}

// goexpr is the target of debuginfo's expression table (TestGoExprTable):
// main.stop's caller holds a value of every kind an expression reads, and
// the globals below serve the optimized build, where locals may be gone.
package main

import (
	"fmt"
	"os"
	"unsafe"

	"github.com/godbg/godbg/testdata/goexpr/dir.io"
	ren "github.com/godbg/godbg/testdata/goexpr/renamed"
)

const constTwo = 2

const constBig = 1 << 40

const constNeg = -3

const constTyped myint = 5

const constU uint64 = 1<<63 + 1

type myint int

type astruct struct{ A, B int }

func (a *astruct) Error() string { return fmt.Sprint("astruct ", a.A) }

func (a astruct) Sum() int { return a.A + a.B }

type base struct {
	val  int
	name string
}

type derived struct {
	base
	extra int
}

func (b *base) Describe() string { return b.name }

type ptrembed struct {
	*base
	n int
}

type Shape interface{ Area() int }

type square struct{ side int }

func (s square) Area() int { return s.side * s.side }

var (
	globalInt            = 7
	globalU64     uint64 = 1<<64 - 1
	globalStr            = "global"
	globalS              = []int{5, 6, 7, 8}
	globalM              = map[string]int{"x": 24, "y": 25}
	globalP              = &astruct{A: 31, B: 32}
	globalIf      any    = &astruct{A: 41, B: 42}
	globalCh             = make(chan int, 4)
	globalFn             = afunc
	globalBase           = derived{base: base{val: 51, name: "gb"}, extra: 52}
	globalClosure func() int
)

//go:noinline
func afunc(x int) int { return x * 2 }

//go:noinline
func afunc2() {}

//go:noinline
func stop(vs ...any) {}

func main() {
	i1 := 3
	i2 := -5
	var i8 int8 = 100
	var u8 uint8 = 200
	var u16 uint16 = 65535
	var u64 uint64 = 1<<64 - 1
	var i64 int64 = 1<<63 - 1
	f1 := 2.5
	var f32 float32 = 1.5
	b1 := true
	str1 := "01234567890"
	str2 := "one"
	s1 := []int{1, 2, 3, 4, 5}
	a1 := [5]int{10, 20, 30, 40, 50}
	m1 := map[string]int{"one": 1, "two": 2}
	mi := map[int]string{3: "three", -4: "minus four"}
	mf := map[float64]string{1.5: "one and a half"}
	mb := map[bool]int{true: 1, false: 0}
	mr := map[rune]int{'a': 97}
	mu := map[uint8]int{200: 7}
	emptymap := map[string]int{}
	var nilmap map[string]int
	p1 := &i1
	var nilp *int
	ps := &astruct{A: 1, B: 2}
	s2 := []astruct{{1, 2}, {3, 4}}
	sp := []*astruct{{5, 6}}
	var iface1 any = &astruct{A: 7, B: 8}
	var shape Shape = square{side: 9}
	var err1 error = &astruct{A: 10}
	ch1 := make(chan int, 10)
	ch1 <- 1
	ch1 <- 4
	closedch := make(chan int, 2)
	close(closedch)
	fn1 := afunc
	var nilfn func()
	d := derived{base: base{val: 21, name: "dee"}, extra: 22}
	pe := ptrembed{base: &base{val: 23, name: "pee"}, n: 24}
	mi1 := myint(6)
	up := uintptr(unsafe.Pointer(&i1))
	bs := []byte("hey")
	rs := []rune("añb")
	as1 := astruct{1, 2}
	as2 := astruct{1, 3}
	ia := [2]int{1, 2}
	ms := map[astruct]string{{1, 2}: "onetwo"}
	var ik any = "k"
	mif := map[any]int{"k": 1, 2: 2}
	esc := 77
	globalClosure = func() int { esc++; return esc }
	globalCh <- 61
	stop(i1, i2, i8, u8, u16, u64, i64, f1, f32, b1, str1, str2, s1, a1, m1, mi, mf, mb, mr, mu, // STOP
		emptymap, nilmap, p1, nilp, ps, s2, sp, iface1, shape, err1, ch1, closedch, fn1, nilfn,
		d, pe, mi1, up, bs, rs, as1, as2, ia, ms, ik, mif, esc)
	afunc2()
	fmt.Fprintln(os.Stderr, d.Describe(), s2[0].Sum(), shape.Area(), dirio.Touch(), ren.Touch(), globalInt, globalU64, globalStr, globalS, globalM,
		globalP, globalIf, len(globalCh), globalFn != nil, globalBase, dirio.ConstC, constTwo, constBig, constNeg, constTyped, constU)
}

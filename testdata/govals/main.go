// govals holds the Go values debuggers get wrong, for the tests of
// locals(), args(), var() and frame(): nil elements in slices and arrays of
// interfaces and pointers, empty and nil maps (also inside interfaces),
// values of anonymous types, func values, integers beyond 2^53, nil locals,
// a main.main over 450 lines whose first local is read at its last line,
// and goroutines parked with locals of their own in several frames. The
// markers (// STOP, // PARK ...) name the lines tests stop at.
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
)

type astruct struct {
	A, B int
}

func (a *astruct) Error() string {
	if a == nil {
		return "nil astruct"
	}
	return "astruct " + strconv.Itoa(a.A)
}

type tree struct {
	Left, Right *tree
	Val         int
}

var (
	sink  int
	ready sync.WaitGroup
	gate  = make(chan int)
)

// stop is where the tests stop main, every worker parked.
//
//go:noinline
func stop(n int) int { return n + 1 }

// worker parks in a receive with locals of its own; its caller's frame
// (spawn) has more.
func worker(id int, label string, in chan int) int {
	scaled := id * 10
	name := label + "-" + strconv.Itoa(id)
	var none *astruct
	ready.Done()
	v := <-in // PARK worker
	return v + scaled + len(name) + len(fmt.Sprint(none))
}

//go:noinline
func spawn(id int, in chan int) {
	outer := id + 1000
	tag := "spawn"
	sink += worker(id, tag, in) + outer // CALL worker
}

// deep recurses depth times, then parks: frames of one function with
// their own values of n and here.
func deep(n int, in chan int) int {
	here := n * 100
	if n == 0 {
		ready.Done()
		return <-in + here // PARK deep
	}
	return deep(n-1, in) + here // CALL deep
}

func main() {
	i1 := 1
	efacearr := []any{&astruct{A: 1, B: 2}, nil, "three"}
	efacearr3 := [3]any{4, nil, 6.5}
	ptrs := []*astruct{nil, {A: 3, B: 4}, nil}
	errs := []error{nil, errors.New("second")}
	emptymap := map[string]int{}
	var nilmap map[string]int
	var mapiface any = map[string]int{}
	var fullmapiface any = map[string]int{"one": 1}
	anonptr := &struct {
		A int
		B int
	}{1, 2}
	anonstruct := struct {
		X int
		Y string
	}{3, "y"}
	fn := strconv.Itoa
	var fnnil func()
	var fnany any = fn
	var np *astruct
	var nerr error
	var nch chan int
	var nslice []int
	var niface any
	var errval error = &astruct{A: 9}
	t := &tree{Left: &tree{Val: 1}, Val: 2}
	u64max := ^uint64(0)
	u64big := uint64(1<<53 + 1)
	u64exact := uint64(1 << 53)
	i64min := int64(-1 << 63)
	i64neg := int64(-(1 << 53) - 1)
	i64max := int64(1<<63 - 1)
	for k := 0; k < 10; k++ {
		ready.Add(1)
		go spawn(k, gate) // GO spawn
	}
	ready.Add(1)
	go deep(3, gate) // GO deep
	total := 0
	for j1 := 0; j1 < 2; j1++ {
		total += j1 * 1
	}
	if total%3 == 0 {
		total++
	} else {
		total += 2
	}
	s3 := strconv.Itoa(total)
	total += len(s3)
	switch total % 3 {
	case 0:
		total += 4
	default:
		total--
	}
	{
		blk5 := i1 + 5
		total += blk5
	}
	for j6 := 0; j6 < 2; j6++ {
		total += j6 * 6
	}
	if total%8 == 0 {
		total++
	} else {
		total += 2
	}
	s8 := strconv.Itoa(total)
	total += len(s8)
	switch total % 3 {
	case 0:
		total += 9
	default:
		total--
	}
	{
		blk10 := i1 + 10
		total += blk10
	}
	for j11 := 0; j11 < 2; j11++ {
		total += j11 * 11
	}
	if total%13 == 0 {
		total++
	} else {
		total += 2
	}
	s13 := strconv.Itoa(total)
	total += len(s13)
	switch total % 3 {
	case 0:
		total += 14
	default:
		total--
	}
	{
		blk15 := i1 + 15
		total += blk15
	}
	for j16 := 0; j16 < 2; j16++ {
		total += j16 * 16
	}
	if total%18 == 0 {
		total++
	} else {
		total += 2
	}
	s18 := strconv.Itoa(total)
	total += len(s18)
	switch total % 3 {
	case 0:
		total += 19
	default:
		total--
	}
	{
		blk20 := i1 + 20
		total += blk20
	}
	for j21 := 0; j21 < 2; j21++ {
		total += j21 * 21
	}
	if total%23 == 0 {
		total++
	} else {
		total += 2
	}
	s23 := strconv.Itoa(total)
	total += len(s23)
	switch total % 3 {
	case 0:
		total += 24
	default:
		total--
	}
	{
		blk25 := i1 + 25
		total += blk25
	}
	for j26 := 0; j26 < 2; j26++ {
		total += j26 * 26
	}
	if total%28 == 0 {
		total++
	} else {
		total += 2
	}
	s28 := strconv.Itoa(total)
	total += len(s28)
	switch total % 3 {
	case 0:
		total += 29
	default:
		total--
	}
	{
		blk30 := i1 + 30
		total += blk30
	}
	for j31 := 0; j31 < 2; j31++ {
		total += j31 * 31
	}
	if total%33 == 0 {
		total++
	} else {
		total += 2
	}
	s33 := strconv.Itoa(total)
	total += len(s33)
	switch total % 3 {
	case 0:
		total += 34
	default:
		total--
	}
	{
		blk35 := i1 + 35
		total += blk35
	}
	for j36 := 0; j36 < 2; j36++ {
		total += j36 * 36
	}
	if total%38 == 0 {
		total++
	} else {
		total += 2
	}
	s38 := strconv.Itoa(total)
	total += len(s38)
	switch total % 3 {
	case 0:
		total += 39
	default:
		total--
	}
	{
		blk40 := i1 + 40
		total += blk40
	}
	for j41 := 0; j41 < 2; j41++ {
		total += j41 * 41
	}
	if total%43 == 0 {
		total++
	} else {
		total += 2
	}
	s43 := strconv.Itoa(total)
	total += len(s43)
	switch total % 3 {
	case 0:
		total += 44
	default:
		total--
	}
	{
		blk45 := i1 + 45
		total += blk45
	}
	for j46 := 0; j46 < 2; j46++ {
		total += j46 * 46
	}
	if total%48 == 0 {
		total++
	} else {
		total += 2
	}
	s48 := strconv.Itoa(total)
	total += len(s48)
	switch total % 3 {
	case 0:
		total += 49
	default:
		total--
	}
	{
		blk50 := i1 + 50
		total += blk50
	}
	for j51 := 0; j51 < 2; j51++ {
		total += j51 * 51
	}
	if total%53 == 0 {
		total++
	} else {
		total += 2
	}
	s53 := strconv.Itoa(total)
	total += len(s53)
	switch total % 3 {
	case 0:
		total += 54
	default:
		total--
	}
	{
		blk55 := i1 + 55
		total += blk55
	}
	for j56 := 0; j56 < 2; j56++ {
		total += j56 * 56
	}
	if total%58 == 0 {
		total++
	} else {
		total += 2
	}
	s58 := strconv.Itoa(total)
	total += len(s58)
	switch total % 3 {
	case 0:
		total += 59
	default:
		total--
	}
	{
		blk60 := i1 + 60
		total += blk60
	}
	for j61 := 0; j61 < 2; j61++ {
		total += j61 * 61
	}
	if total%63 == 0 {
		total++
	} else {
		total += 2
	}
	s63 := strconv.Itoa(total)
	total += len(s63)
	switch total % 3 {
	case 0:
		total += 64
	default:
		total--
	}
	{
		blk65 := i1 + 65
		total += blk65
	}
	for j66 := 0; j66 < 2; j66++ {
		total += j66 * 66
	}
	if total%68 == 0 {
		total++
	} else {
		total += 2
	}
	s68 := strconv.Itoa(total)
	total += len(s68)
	switch total % 3 {
	case 0:
		total += 69
	default:
		total--
	}
	{
		blk70 := i1 + 70
		total += blk70
	}
	for j71 := 0; j71 < 2; j71++ {
		total += j71 * 71
	}
	if total%73 == 0 {
		total++
	} else {
		total += 2
	}
	s73 := strconv.Itoa(total)
	total += len(s73)
	switch total % 3 {
	case 0:
		total += 74
	default:
		total--
	}
	{
		blk75 := i1 + 75
		total += blk75
	}
	for j76 := 0; j76 < 2; j76++ {
		total += j76 * 76
	}
	if total%78 == 0 {
		total++
	} else {
		total += 2
	}
	s78 := strconv.Itoa(total)
	total += len(s78)
	switch total % 3 {
	case 0:
		total += 79
	default:
		total--
	}
	{
		blk80 := i1 + 80
		total += blk80
	}
	for j81 := 0; j81 < 2; j81++ {
		total += j81 * 81
	}
	if total%83 == 0 {
		total++
	} else {
		total += 2
	}
	s83 := strconv.Itoa(total)
	total += len(s83)
	switch total % 3 {
	case 0:
		total += 84
	default:
		total--
	}
	{
		blk85 := i1 + 85
		total += blk85
	}
	for j86 := 0; j86 < 2; j86++ {
		total += j86 * 86
	}
	if total%88 == 0 {
		total++
	} else {
		total += 2
	}
	s88 := strconv.Itoa(total)
	total += len(s88)
	switch total % 3 {
	case 0:
		total += 89
	default:
		total--
	}
	{
		blk90 := i1 + 90
		total += blk90
	}
	for j91 := 0; j91 < 2; j91++ {
		total += j91 * 91
	}
	if total%93 == 0 {
		total++
	} else {
		total += 2
	}
	s93 := strconv.Itoa(total)
	total += len(s93)
	switch total % 3 {
	case 0:
		total += 94
	default:
		total--
	}
	{
		blk95 := i1 + 95
		total += blk95
	}
	for j96 := 0; j96 < 2; j96++ {
		total += j96 * 96
	}
	if total%98 == 0 {
		total++
	} else {
		total += 2
	}
	s98 := strconv.Itoa(total)
	total += len(s98)
	switch total % 3 {
	case 0:
		total += 99
	default:
		total--
	}
	{
		blk100 := i1 + 100
		total += blk100
	}
	ready.Wait()
	fmt.Println(i1, efacearr, efacearr3, ptrs, errs, emptymap, nilmap, mapiface, fullmapiface, anonptr, anonstruct,
		fn(1), fnnil == nil, fnany != nil, np, nerr, nch, nslice, niface, errval, t.Val, u64max, u64big, u64exact,
		i64min, i64neg, i64max, total)
	sink += stop(i1 + total) // STOP
	if len(os.Args) > 1 && os.Args[1] == "dump" {
		// The runtime's own traceback of every goroutine, the reference
		// the tests hold bt(nil, goid) to.
		buf := make([]byte, 1<<20)
		os.Stderr.Write(buf[:runtime.Stack(buf, true)])
	}
}

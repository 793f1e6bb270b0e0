// govalues holds the values debuggers get wrong: an empty map, nil entries
// in a slice of interfaces, a string to index, a promoted field, values of
// anonymous types and a uint64 above 2^53. inspect is where tests stop.
package main

import "fmt"

type base struct {
	val  int
	name string
}

type outer struct {
	base
	extra int
}

//go:noinline
func inspect(n int) int { return n + 1 }

func main() {
	empty := map[string]int{}
	var nilMap map[string]int
	ifaces := []any{1, nil, "two", nil}
	str := "0123"
	b := outer{base: base{val: 7, name: "inner"}, extra: 9}
	anon := struct {
		X int
		Y string
	}{3, "y"}
	anonPtr := &struct{ Z int }{5}
	anonSlice := []struct{ A int }{{1}, {2}}
	var anonIface any = anon
	big := uint64(1<<63 + 1)
	max := ^uint64(0)
	small := uint64(42)
	inspect(len(empty) + len(nilMap) + len(ifaces) + len(str) + b.val + anon.X + anonPtr.Z + len(anonSlice)) // STOP
	_ = anonIface
	fmt.Println(empty, nilMap, ifaces, str, b, anon, *anonPtr, anonSlice, big, max, small)
}

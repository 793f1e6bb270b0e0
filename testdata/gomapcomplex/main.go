// gomapcomplex is debuginfo's target for map lookups past the displayed
// entries (1,000-entry maps with int and string keys) and for complex
// numbers.
package main

import (
	"fmt"
	"strconv"
)

type Temp int16

//go:noinline
func Look(ints map[int]int, strs map[string]int, temps map[Temp]string) int {
	c64 := complex64(complex(1.5, -2.25))
	c128 := complex(3.25, 4.5)
	var zc complex128
	sink(ints, strs, temps, c64, c128, zc) // MID
	return len(ints) + len(strs)
}

//go:noinline
func sink(args ...interface{}) {}

func main() {
	ints := make(map[int]int)
	strs := make(map[string]int)
	for k := 0; k < 1000; k++ {
		ints[k] = k * k
		strs["k"+strconv.Itoa(k)] = -k
	}
	temps := map[Temp]string{-40: "cold", 100: "boiling"}
	fmt.Println(Look(ints, strs, temps))
}

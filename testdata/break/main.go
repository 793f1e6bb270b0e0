// break is the seed document's target: main calls BreakMe, which prints.
package main

import "fmt"

func BreakMe() {
	fmt.Println("hello")
}

func main() {
	for i := 0; i < 3; i++ {
		BreakMe()
	}
}

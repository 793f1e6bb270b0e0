// goconfig reads the config file named by its argument and prints it, or
// "no config" when os.Open fails with ENOENT. Used by the sys_return tests.
package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

func main() {
	path := "/etc/goconfig.conf"
	if len(os.Args) > 1 {
		path = os.Args[1]
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Println("no config")
		return
	}
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	fmt.Printf("config: %s\n", b)
}

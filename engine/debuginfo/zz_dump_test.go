package debuginfo

import (
	"os"
	"runtime"
	"time"
)

func init() {
	go func() {
		for {
			time.Sleep(8 * time.Second)
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			os.WriteFile("/tmp/fuzzlogs/dump.txt", buf[:n], 0o644)
		}
	}()
}

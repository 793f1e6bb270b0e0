package ptrace

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Wait4 waits for pid (-1: any tracee), with __WALL so that clone children
// (threads) are reported too (wait(2)). With nohang and nothing to report,
// it returns tid 0.
func Wait4(pid int, nohang bool) (tid int, ws unix.WaitStatus, err error) {
	checkThread()
	opts := unix.WALL
	if nohang {
		opts |= unix.WNOHANG
	}
	for {
		tid, err = unix.Wait4(pid, &ws, opts, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, 0, fmt.Errorf("wait4(%d): %w", pid, err)
		}
		return tid, ws, nil
	}
}

package engine

// /proc/PID/maps, read in one place: the mapped objects (solib.go), the
// breakpoint address check (codecheck.go) and the software watchpoints'
// pages (softwatch.go).

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// mapping is one line of /proc/PID/maps (proc(5)):
// start-end perms offset dev inode path.
type mapping struct {
	lo, hi Addr
	prot   int    // PROT_READ | PROT_WRITE | PROT_EXEC
	perms  string // as maps shows them: "rw-p"
	off    uint64
	ino    uint64
	name   string // the file's path, [heap], [stack]..., "" for anonymous memory
}

// readMaps reads every mapping of pid, in address order.
func readMaps(pid int) ([]mapping, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return nil, fmt.Errorf("read maps of %d: %w", pid, err)
	}
	defer f.Close()
	var ms []mapping
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m, ok := parseMapping(sc.Text()); ok {
			ms = append(ms, m)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read maps of %d: %w", pid, err)
	}
	return ms, nil
}

func parseMapping(line string) (mapping, bool) {
	fs := strings.Fields(line)
	if len(fs) < 5 {
		return mapping{}, false
	}
	lo, hi, ok := strings.Cut(fs[0], "-")
	if !ok {
		return mapping{}, false
	}
	l, err1 := strconv.ParseUint(lo, 16, 64)
	h, err2 := strconv.ParseUint(hi, 16, 64)
	off, err3 := strconv.ParseUint(fs[2], 16, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return mapping{}, false
	}
	ino, _ := strconv.ParseUint(fs[4], 10, 64)
	m := mapping{lo: Addr(l), hi: Addr(h), perms: fs[1], off: off, ino: ino}
	if len(fs) >= 6 {
		m.name = strings.Join(fs[5:], " ")
	}
	for c, bit := range map[byte]int{'r': unix.PROT_READ, 'w': unix.PROT_WRITE, 'x': unix.PROT_EXEC} {
		if strings.IndexByte(m.perms, c) >= 0 {
			m.prot |= bit
		}
	}
	return m, true
}

// readMapping finds the mapping holding addr.
func readMapping(pid int, addr Addr) (mapping, bool) {
	ms, err := readMaps(pid)
	if err != nil {
		return mapping{}, false
	}
	for _, m := range ms {
		if addr >= m.lo && addr < m.hi {
			return m, true
		}
	}
	return mapping{}, false
}

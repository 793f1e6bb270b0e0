package ptrace

// /proc readers (proc(5)): status fields, the memory map, the auxiliary
// vector.

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// StatusField reads one field of a /proc status file ("Tgid:",
// "TracerPid:", "SigPnd:", ...), "" when the file or field is missing.
func StatusField(path, field string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// Mapping is one line of /proc/PID/maps: start-end perms offset dev inode
// path.
type Mapping struct {
	Lo, Hi uint64
	Prot   int    // PROT_READ | PROT_WRITE | PROT_EXEC
	Perms  string // as maps shows them: "rw-p"
	Off    uint64
	Ino    uint64
	Name   string // the file's path, [heap], [stack]..., "" for anonymous memory
}

// ReadMaps reads every mapping of pid, in address order.
func ReadMaps(pid int) ([]Mapping, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return nil, fmt.Errorf("read maps of %d: %w", pid, err)
	}
	defer f.Close()
	var ms []Mapping
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m, ok := ParseMapping(sc.Text()); ok {
			ms = append(ms, m)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read maps of %d: %w", pid, err)
	}
	return ms, nil
}

// MappingAt finds the mapping of pid holding addr; false when none does
// (or the maps cannot be read).
func MappingAt(pid int, addr uint64) (Mapping, bool) {
	ms, err := ReadMaps(pid)
	if err != nil {
		return Mapping{}, false
	}
	for _, m := range ms {
		if addr >= m.Lo && addr < m.Hi {
			return m, true
		}
	}
	return Mapping{}, false
}

// ParseMapping parses one maps line; false for a line it cannot read.
func ParseMapping(line string) (Mapping, bool) {
	fs := strings.Fields(line)
	if len(fs) < 5 {
		return Mapping{}, false
	}
	lo, hi, ok := strings.Cut(fs[0], "-")
	if !ok {
		return Mapping{}, false
	}
	l, err1 := strconv.ParseUint(lo, 16, 64)
	h, err2 := strconv.ParseUint(hi, 16, 64)
	off, err3 := strconv.ParseUint(fs[2], 16, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return Mapping{}, false
	}
	// The inode is informational (0 for anonymous memory): an unreadable
	// one reads as 0.
	ino, _ := strconv.ParseUint(fs[4], 10, 64)
	m := Mapping{Lo: l, Hi: h, Perms: fs[1], Off: off, Ino: ino}
	if len(fs) >= 6 {
		m.Name = strings.Join(fs[5:], " ")
	}
	for c, bit := range map[byte]int{'r': unix.PROT_READ, 'w': unix.PROT_WRITE, 'x': unix.PROT_EXEC} {
		if strings.IndexByte(m.Perms, c) >= 0 {
			m.Prot |= bit
		}
	}
	return m, true
}

// atEntry is AT_ENTRY (getauxval(3)).
const atEntry = 9

// AuxvEntry reads AT_ENTRY from /proc/PID/auxv: the program's runtime entry
// point, from which the PIE load bias follows.
func AuxvEntry(pid int) (uint64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/auxv", pid))
	if err != nil {
		return 0, fmt.Errorf("read auxv of %d: %w", pid, err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var kv [16]byte
	for {
		if _, err := io.ReadFull(r, kv[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return 0, fmt.Errorf("auxv of %d has no AT_ENTRY", pid)
			}
			return 0, err
		}
		k := binary.LittleEndian.Uint64(kv[:8])
		if k == atEntry {
			return binary.LittleEndian.Uint64(kv[8:]), nil
		}
		if k == 0 {
			return 0, fmt.Errorf("auxv of %d has no AT_ENTRY", pid)
		}
	}
}

// ListTasks lists the thread ids of pid (/proc/PID/task).
func ListTasks(pid int) ([]int, error) {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return nil, err
	}
	var tids []int
	for _, e := range ents {
		if tid, err := strconv.Atoi(e.Name()); err == nil {
			tids = append(tids, tid)
		}
	}
	return tids, nil
}

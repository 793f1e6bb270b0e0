package engine

// /proc/PID/maps, read in one place (ptrace.ReadMaps): the mapped objects
// (solib.go), the breakpoint address check (codecheck.go) and the software
// watchpoints' pages (softwatch.go).

import "github.com/godbg/godbg/engine/internal/ptrace"

// mapping is one line of /proc/PID/maps, in the engine's address type.
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
	pms, err := ptrace.ReadMaps(pid)
	if err != nil {
		return nil, err
	}
	ms := make([]mapping, len(pms))
	for i, m := range pms {
		ms[i] = mapping{lo: Addr(m.Lo), hi: Addr(m.Hi), prot: m.Prot, perms: m.Perms, off: m.Off, ino: m.Ino, name: m.Name}
	}
	return ms, nil
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

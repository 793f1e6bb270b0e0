package engine

import (
	"strconv"

	"github.com/godbg/godbg/engine/internal/ptrace"
)

// statusField reads one field of a /proc status file (ptrace.StatusField).
func statusField(path, field string) string { return ptrace.StatusField(path, field) }

// statusInt is statusField read as a decimal number, 0 if none.
func statusInt(path, field string) int {
	n, _ := strconv.Atoi(statusField(path, field))
	return n
}

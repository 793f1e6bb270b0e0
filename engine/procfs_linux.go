package engine

import "github.com/godbg/godbg/engine/internal/ptrace"

// statusField reads one field of a /proc status file (ptrace.StatusField).
func statusField(path, field string) string { return ptrace.StatusField(path, field) }

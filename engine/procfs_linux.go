package engine

import (
	"os"
	"strconv"
	"strings"
)

// statusField reads one field of a /proc status file (proc(5): "Tgid:",
// "TracerPid:", "SigPnd:", ...), "" when the file or field is missing.
func statusField(path, field string) string {
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

// statusInt is statusField read as a decimal number, 0 if none.
func statusInt(path, field string) int {
	n, _ := strconv.Atoi(statusField(path, field))
	return n
}

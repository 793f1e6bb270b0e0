package engine

import (
	"testing"

	"github.com/godbg/godbg/engine/symtab"
)

// needLibcDebug fails the test when libc has no separate debug file under
// /usr/lib/debug (Debian's libc6-dbg; .ci/run installs it).
func needLibcDebug(t *testing.T) {
	t.Helper()
	b, err := symtab.Open("/lib/x86_64-linux-gnu/libc.so.6")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if !b.HasDWARF() {
		t.Fatal("libc.so.6 has no separate debug file under /usr/lib/debug: apt-get install libc6-dbg (.ci/run does)")
	}
}

// noDebugDirs points the debug directories at an empty folder for the
// rest of the test: libraries then have no separate debug file.
func noDebugDirs(t *testing.T) {
	t.Helper()
	symtab.SetDebugFileDirectories([]string{t.TempDir()})
	t.Cleanup(func() { symtab.SetDebugFileDirectories(nil) })
}

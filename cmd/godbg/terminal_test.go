package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/godbg/godbg/internal/fixture"
)

// screen collects what godbg writes to its terminal.
type screen struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	seen int // what expect has consumed
}

func (s *screen) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(b)
}

// expect waits for want in the output not yet consumed, and consumes it.
func (s *screen) expect(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s.mu.Lock()
		rest := s.buf.String()[s.seen:]
		if i := strings.Index(rest, want); i >= 0 {
			s.seen += i + len(want)
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("no %q on the terminal after 30s; it shows:\n%s", want, rest)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The prompt on a real pseudo-terminal: shown, a symbol completed with
// Tab, a line recalled from the history (kept in $XDG_STATE_HOME), Ctrl-C
// at the prompt clearing the line, Ctrl-C stopping a running program and
// returning to the prompt, Ctrl-D ending the session with no process left.
func TestDebugTerminal(t *testing.T) {
	prog := target(t, fixture.Go(t, "goloop"))
	state := t.TempDir()
	cmd := exec.Command(godbgBin, "debug", prog)
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+state, "TERM=xterm")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatalf("start godbg on a pty: %v", err)
	}
	defer tty.Close()
	scr := &screen{}
	go func() { _, _ = io.Copy(scr, tty) }()
	done := make(chan error, 1)
	exited := make(chan struct{})
	go func() { done <- cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	typ := func(s string) {
		if _, err := tty.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}

	scr.expect(t, "stopped before its first instruction")
	scr.expect(t, "(godbg) ")

	// Tab completes the symbol: main.Ti -> main.Tick.
	typ("b main.Ti\t")
	scr.expect(t, "main.Tick")
	typ("\r")
	scr.expect(t, "breakpoint 1 at ")
	scr.expect(t, "main.Tick (0 hits)")
	scr.expect(t, "(godbg) ")
	typ("c\r")
	scr.expect(t, "> main.Tick() main.go:")
	scr.expect(t, "(godbg) ")

	// History: the up arrow brings back the last line.
	typ(`print("again " .. 1 + 1)` + "\r")
	scr.expect(t, "again 2")
	scr.expect(t, "(godbg) ")
	typ("\x1b[A")
	scr.expect(t, `print("again " .. 1 + 1)`)
	typ("\r")
	scr.expect(t, "again 2")
	scr.expect(t, "(godbg) ")

	// Ctrl-C at the prompt clears the line.
	typ("nosuchfunction(")
	scr.expect(t, "nosuchfunction(")
	typ("\x03")
	scr.expect(t, "^C")
	scr.expect(t, "(godbg) ")
	typ("print('cleared')\r")
	scr.expect(t, "cleared")
	scr.expect(t, "(godbg) ")

	// Ctrl-C while the program runs stops it; the session goes on.
	typ("delete 1\r")
	scr.expect(t, "(godbg) ")
	typ("c\r")
	scr.expect(t, "tick 100 ok") // it runs
	typ("\x03")
	scr.expect(t, "interrupted")
	scr.expect(t, "(PC: 0x")
	scr.expect(t, "(godbg) ")
	typ("print(#threads() > 0)\r")
	scr.expect(t, "true")
	scr.expect(t, "(godbg) ")
	// The program did not see the Ctrl-C (a SIGINT would kill it): it runs
	// on and stops again.
	typ("c\r")
	scr.expect(t, " ok\r\n")
	typ("\x03")
	scr.expect(t, "interrupted")
	scr.expect(t, "(godbg) ")

	// Ctrl-D ends: the program is killed, godbg exits 0.
	typ("\x04")
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("godbg after Ctrl-D: %v\n%s", err, scr.buf.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("godbg still runs 30s after Ctrl-D:\n%s", scr.buf.String())
	}
	noProcessLeft(t, prog)

	hist, err := os.ReadFile(filepath.Join(state, "godbg", "history"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"b main.Tick", `print("again " .. 1 + 1)`, "delete 1"} {
		if !strings.Contains(string(hist), l+"\n") {
			t.Errorf("history file lacks %q:\n%s", l, hist)
		}
	}
}

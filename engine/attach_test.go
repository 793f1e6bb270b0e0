package engine

import (
	"bufio"
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbg/godbg/internal/fixture"
)

// textOf reads the program's .text from the file and from the live process.
func textOf(t *testing.T, prog string, pid int) (file, live []byte) {
	t.Helper()
	f, err := elf.Open(prog)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sec := f.Section(".text")
	file, err = sec.Data()
	if err != nil {
		t.Fatal(err)
	}
	m, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	live = make([]byte, len(file))
	if _, err := m.ReadAt(live, int64(sec.Addr)); err != nil {
		t.Fatalf("read live text: %v", err)
	}
	return file, live
}

// TestAttachDetachRepeatedly attaches to a running loop 50 times, counts a
// few hits each time, detaches, and checks that the loop's code bytes match
// the binary's and its output stays consistent.
func TestAttachDetachRepeatedly(t *testing.T) {
	prog := fixture.GoDebug(t, "goloop")
	pid, nextOK := startLoop(t, prog)
	lockThread(t)
	for round := 0; round < 50; round++ {
		p, err := Attach(pid)
		if err != nil {
			t.Fatalf("round %d: Attach: %v", round, err)
		}
		bp, err := p.SetBreakpoint(mustSym(t, p, "main.Tick"), "main.Tick")
		if err != nil {
			t.Fatal(err)
		}
		ev, err := p.Continue(func(ev *Event) (bool, error) { return ev.Bp == bp && bp.Hits == 3, nil })
		if err != nil || ev.Kind != EventBreakpoint || bp.Hits != 3 {
			t.Fatalf("round %d: got %v %v hits %d", round, ev, err, bp.Hits)
		}
		if err := p.Detach(); err != nil {
			t.Fatalf("round %d: Detach: %v", round, err)
		}
		file, live := textOf(t, prog, pid)
		if !bytes.Equal(file, live) {
			t.Fatalf("round %d: code differs from the binary after detach", round)
		}
	}
	nextOK()
}

// startLoop runs testdata/goloop, killed at the end of the test, and waits
// for its first line; nextOK fails the test unless the loop's next line, read
// within 10 seconds, says its ticks are consistent.
func startLoop(t *testing.T, prog string) (pid int, nextOK func()) {
	t.Helper()
	cmd := exec.Command(prog)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() {
		t.Fatalf("the loop printed nothing: %v", lines.Err())
	}
	return cmd.Process.Pid, func() {
		t.Helper()
		done := make(chan bool)
		go func() { done <- lines.Scan() && strings.HasSuffix(lines.Text(), " ok") }()
		select {
		case ok := <-done:
			if !ok {
				t.Fatalf("the loop reports %q", lines.Text())
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the loop stopped printing")
		}
	}
}

func TestAttachRefusals(t *testing.T) {
	lockThread(t)
	if _, err := Attach(1 << 30); err == nil || !strings.Contains(err.Error(), "no such process") {
		t.Errorf("Attach(no such pid) = %v", err)
	}
	if _, err := Attach(os.Getpid()); err == nil || !strings.Contains(err.Error(), "godbg itself") {
		t.Errorf("Attach(self) = %v", err)
	}
	// A process already traced by someone else (a launched tracee of ours).
	p, _ := launch(t, fixture.C(t, "hello.c", "-O0", "-g"), false)
	_, err := Attach(p.Pid())
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("already traced by process %d", os.Getpid())) {
		t.Errorf("Attach(traced) = %v", err)
	}
}

func TestForkChildReleasedClean(t *testing.T) { forkChildClean(t, false) }

// forkChildClean runs forker with a breakpoint on step, an INT3 or (jump)
// a jump site: the parent's 1000 calls hit, the untraced fork child runs
// its own calls clean.
func forkChildClean(t *testing.T, jump bool) {
	t.Helper()
	p, out := launch(t, fixture.C(t, "forker.c", "-O0", "-g"), false)
	p.jumpSites = jump
	bp, err := p.SetBreakpoint(mustSym(t, p, "step"), "step")
	if err != nil {
		t.Fatal(err)
	}
	if jump && p.jumpCount != 1 {
		t.Fatal("the site took no jump")
	}
	ev, err := p.Continue(func(*Event) (bool, error) { return false, nil })
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
		t.Fatalf("got %v %v", ev, err)
	}
	if bp.Hits != 1000 {
		t.Errorf("hits %d, want 1000 (the parent's calls only)", bp.Hits)
	}
	if got, want := out(), "parent=1000 child=ok\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}

// A SIGSTOP pending when the detach comes (Ctrl-C's process-wide one sent
// while a callback ran, or a stop request that crossed another stop) is
// taken before the detach: the program runs on, not stopped.
func TestDetachTakesPendingStops(t *testing.T) {
	pid, p, nextOK := attachLoop(t, fixture.GoDebug(t, "goloop"))
	bp, err := p.SetBreakpoint(mustSym(t, p, "main.Tick"), "main.Tick")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		syscall.Kill(pid, syscall.SIGSTOP) // process-wide, pending
		for _, th := range p.Threads() {
			if th != ev.Thread {
				tgkill(pid, th.Tid(), syscall.SIGSTOP) // thread-directed
			}
		}
		return true, nil
	})
	if err != nil || ev.Bp != bp {
		t.Fatalf("Continue: %+v %v", ev, err)
	}
	detachRunsOn(t, p, pid)
	nextOK()
}

// attachLoop starts prog as startLoop does and attaches to it from the
// test's locked thread.
func attachLoop(t *testing.T, prog string) (pid int, p *Process, nextOK func()) {
	t.Helper()
	pid, nextOK = startLoop(t, prog)
	lockThread(t)
	p, err := Attach(pid)
	if err != nil {
		t.Fatal(err)
	}
	return pid, p, nextOK
}

// detachRunsOn detaches p and checks that the program pid runs on, not
// stopped by a SIGSTOP left pending.
func detachRunsOn(t *testing.T, p *Process, pid int) {
	t.Helper()
	if err := p.Detach(); err != nil {
		t.Fatalf("Detach: %v", err)
	}
	time.Sleep(200 * time.Millisecond)
	if st := procState(t, pid); st == "T" || st == "t" {
		t.Fatalf("the program is stopped (state %s) after the detach", st)
	}
}

func procState(t *testing.T, pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	return f[0]
}

// Detach unmaps the scratch area: after each of 20 attach, hits and detach
// rounds, the program has the executable mappings it had before the first
// (each attach used to leave 64 KiB more), its code is the binary's, and
// its own checks stay ok.
func TestDetachUnmapsScratch(t *testing.T) {
	prog := fixture.GoDebug(t, "goloop")
	pid, nextOK := startLoop(t, prog)
	lockThread(t)
	want := execMappings(t, pid)
	for round := 0; round < 20; round++ {
		p, err := Attach(pid)
		if err != nil {
			t.Fatalf("round %d: Attach: %v", round, err)
		}
		if p.scratch.base == 0 {
			t.Fatalf("round %d: no scratch area mapped", round)
		}
		bp, err := p.SetBreakpoint(mustSym(t, p, "main.Tick"), "main.Tick")
		if err != nil {
			t.Fatal(err)
		}
		ev, err := p.Continue(func(ev *Event) (bool, error) { return ev.Bp == bp && bp.Hits == 5, nil })
		if err != nil || ev.Kind != EventBreakpoint || bp.Hits != 5 {
			t.Fatalf("round %d: got %v %v hits %d", round, ev, err, bp.Hits)
		}
		if err := p.Detach(); err != nil {
			t.Fatalf("round %d: Detach: %v", round, err)
		}
		if got := execMappings(t, pid); got != want {
			t.Fatalf("round %d: executable mappings after detach:\n%s\nwant, as before the first attach:\n%s", round, got, want)
		}
		if file, live := textOf(t, prog, pid); !bytes.Equal(file, live) {
			t.Fatalf("round %d: code differs from the binary after detach", round)
		}
	}
	nextOK()
}

// execMappings lists the executable mappings of pid (/proc/PID/maps): the
// Go runtime maps no code of its own as it runs, so the list only changes
// when someone else maps code.
func execMappings(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 1 && strings.Contains(f[1], "x") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

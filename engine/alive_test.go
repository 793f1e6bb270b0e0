package engine

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbg/godbg/engine/internal/ptrace"
	"github.com/godbg/godbg/internal/fixture"
)

// TestLiveWordHelper is the tracer that TestLiveWordOnTracerKill starts in a
// process of its own: it attaches to GODBG_ALIVE_PID, makes the liveness
// word, says where it is and lets the loop run traced until it is killed
// (held in the single-step stop of the last injected call, a thread would
// get that SIGTRAP delivered at the tracer's death: see README's limits).
func TestLiveWordHelper(t *testing.T) {
	var pid int
	if _, err := fmt.Sscan(os.Getenv("GODBG_ALIVE_PID"), &pid); err != nil {
		return // run by TestLiveWordOnTracerKill only
	}
	lockThread(t)
	p, at := attachLiveWord(t, pid)
	fmt.Printf("word %#x %d\n", uint64(at), *p.live.word())
	_, err := p.Continue(func(*Event) (bool, error) { return false, nil })
	t.Fatalf("Continue returned: %v", err)
}

// readWord reads the 32-bit word at addr in process pid.
func readWord(t *testing.T, pid int, addr uint64) uint32 {
	t.Helper()
	m, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var b [4]byte
	if _, err := m.ReadAt(b[:], int64(addr)); err != nil {
		t.Fatalf("read the word at %#x: %v", addr, err)
	}
	return binary.LittleEndian.Uint32(b[:])
}

// TestLiveWordOnTracerKill: a tracer process attached to a running loop is
// killed with SIGKILL; the liveness word in the loop, which held the
// tracer's thread id, then says dead (FUTEX_OWNER_DIED alone), and the loop
// runs on.
func TestLiveWordOnTracerKill(t *testing.T) {
	prog := fixture.GoDebug(t, "goloop")
	pid, nextOK := startLoop(t, prog)
	for round := 0; round < 3; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLiveWordHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), fmt.Sprintf("GODBG_ALIVE_PID=%d", pid))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(out)
		if !lines.Scan() || !strings.HasPrefix(lines.Text(), "word ") {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("round %d: the tracer said %q", round, lines.Text())
		}
		var addr uint64
		var tid uint32
		fmt.Sscanf(lines.Text(), "word %v %d", &addr, &tid)
		if got := readWord(t, pid, addr); got != tid || tid == 0 {
			t.Fatalf("round %d: word = %#x, want the tracer's tid %d", round, got, tid)
		}
		// The thread that ran the injected calls was held in their last
		// single-step's SIGTRAP stop: kill once it has been resumed.
		untilNoTraceStop(t, pid)
		if ptrace.TracerPid(pid) != int(tid) { // TracerPid names the tracer thread
			t.Fatalf("round %d: tracer of %d is %d, want %d", round, pid, ptrace.TracerPid(pid), tid)
		}
		cmd.Process.Kill()
		cmd.Wait()
		if got := readWord(t, pid, addr); got != LiveDeadBit {
			t.Fatalf("round %d: after the tracer's SIGKILL the word = %#x, want %#x", round, got, LiveDeadBit)
		}
		nextOK()
	}
}

// TestLiveWordDetach: detach unmaps the page in the tracee and the tracer
// thread's robust list is the one it had before.
func TestLiveWordDetach(t *testing.T) {
	prog := fixture.GoDebug(t, "goloop")
	pid, nextOK := startLoop(t, prog)
	lockThread(t)
	for round := 0; round < 3; round++ {
		p, at := attachLiveWord(t, pid)
		if again, err := p.liveWord(p.CurrentThread()); again != at || err != nil {
			t.Fatalf("second liveWord = %v %v, want %v", again, err, at)
		}
		if maps := mapsText(t, pid); !strings.Contains(maps, "godbg-alive") {
			t.Fatalf("no godbg-alive mapping in %s", maps)
		}
		if err := p.Detach(); err != nil {
			t.Fatal(err)
		}
		if maps := mapsText(t, pid); strings.Contains(maps, "godbg-alive") {
			t.Fatalf("round %d: godbg-alive still mapped after detach:\n%s", round, maps)
		}
		robustMu.Lock()
		n := len(robustLists)
		robustMu.Unlock()
		if n != 0 {
			t.Fatalf("round %d: %d robust lists left", round, n)
		}
	}
	nextOK()
}

// attachLiveWord attaches to pid and makes the liveness word from the
// current thread; it returns the process and the word's address.
func attachLiveWord(t *testing.T, pid int) (*Process, Addr) {
	t.Helper()
	p, err := Attach(pid)
	if err != nil {
		t.Fatal(err)
	}
	at, err := p.liveWord(p.CurrentThread())
	if err != nil {
		t.Fatal(err)
	}
	return p, at
}

func mapsText(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// untilNoTraceStop waits until no thread of pid is in a tracing stop (state
// t) at one look, that is every thread has been resumed since its last stop.
func untilNoTraceStop(t *testing.T, pid int) {
	t.Helper()
	for try := 0; try < 3000; try++ {
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
		stopped := false
		for _, task := range tasks {
			b, err := os.ReadFile(task + "/stat")
			if err != nil {
				continue // exited meanwhile
			}
			if f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:])); len(f) > 0 && f[0] == "t" {
				stopped = true
			}
		}
		if !stopped {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("threads of %d stay in a tracing stop", pid)
}

package engine

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

func readCString(p *Process, addr uint64) string {
	buf := make([]byte, 256)
	for n := len(buf); n > 0; n /= 2 {
		if err := p.ReadMemory(Addr(addr), buf[:n]); err == nil {
			if i := bytes.IndexByte(buf[:n], 0); i >= 0 {
				return string(buf[:i])
			}
			return string(buf[:n])
		}
	}
	return ""
}

func catchNames(t *testing.T, p *Process, names ...string) *SyscallCatch {
	t.Helper()
	var nrs []int
	for _, n := range names {
		nr, ok := SyscallNumber(n)
		if !ok {
			t.Fatalf("no system call %s", n)
		}
		nrs = append(nrs, nr)
	}
	c, err := p.CatchSyscall(false, nrs)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSyscallSkipGo makes the Go program's openat of its config file fail
// with ENOENT without running: it prints its own "no config".
func TestSyscallSkipGo(t *testing.T) {
	prog := fixture.Go(t, "goconfig")
	cfg := filepath.Join(t.TempDir(), "app.conf")
	if err := os.WriteFile(cfg, []byte("x=1"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, mode := range sysModes {
		for _, skip := range []bool{false, true} {
			testSyscallSkipGo(t, prog, cfg, mode, skip)
		}
	}
}

func testSyscallSkipGo(t *testing.T, prog, cfg string, mode sysMode, skip bool) {
	p, out := launchSys(t, prog, mode, cfg)
	c := catchNames(t, p, "openat")
	var seen []string
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		if ev.Kind != EventSyscall {
			return false, nil
		}
		sc := ev.Syscall
		if sc.Name != "openat" || sc.Nr != 257 || len(sc.Catches) != 1 || sc.Catches[0] != c {
			t.Errorf("event %+v", sc)
		}
		path := readCString(p, sc.Args[1])
		if path != cfg {
			return false, nil
		}
		if !sc.Exit {
			seen = append(seen, fmt.Sprintf("enter dirfd=%d", int64(sc.Args[0])))
			if skip {
				return false, p.SkipSyscall(ev.Thread, -2)
			}
			return false, nil
		}
		if sc.Ret >= 3 {
			seen = append(seen, "exit ret=fd")
		} else {
			seen = append(seen, fmt.Sprintf("exit ret=%d", sc.Ret))
		}
		return false, nil
	})
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
		t.Fatalf("%s skip=%v: got %+v, %v", mode, skip, ev, err)
	}
	want, wantOut := "enter dirfd=-100,exit ret=fd", "config: x=1\n"
	if skip {
		want, wantOut = "enter dirfd=-100,exit ret=-2", "no config\n"
	}
	if got := strings.Join(seen, ","); got != want {
		t.Errorf("%s skip=%v: events %s, want %s", mode, skip, got, want)
	}
	if out() != wantOut {
		t.Errorf("%s skip=%v: output %q, want %q", mode, skip, out(), wantOut)
	}
}

// TestSyscallOrderC checks the calls of a C program, in order, with their
// arguments and results.
func TestSyscallOrderC(t *testing.T) {
	prog := fixture.C(t, "sysorder.c", "-O0", "-g")
	for _, mode := range sysModes {
		testSyscallOrderC(t, prog, mode)
	}
}

func testSyscallOrderC(t *testing.T, prog string, mode sysMode) {
	dir := t.TempDir()
	p, _ := launchSys(t, prog, mode, dir)
	catchNames(t, p, "openat", "read", "write", "close", "unlinkat")
	var lines []string
	var entered *Syscall
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		sc := ev.Syscall
		if sc == nil {
			return false, nil
		}
		if !sc.Exit {
			if entered != nil {
				t.Errorf("%s entered while %s is running", sc.Name, entered.Name)
			}
			entered = sc
			if sc.Name == "openat" || sc.Name == "unlinkat" {
				lines = append(lines, readCString(p, sc.Args[1]))
			}
			return false, nil
		}
		if entered == nil || entered.Nr != sc.Nr {
			t.Errorf("exit of %s without its entry", sc.Name)
		}
		entered = nil
		lines = append(lines, fmt.Sprintf("%s=%d", sc.Name, sc.Ret))
		return false, nil
	})
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
		t.Fatalf("%s: got %+v, %v", mode, ev, err)
	}
	got := strings.Join(lines, " ")
	path := dir + "/sysorder.txt"
	want := path + " openat=3 write=6 close=0 " + path + " openat=3 read=6 close=0 /nonexistent/sysorder openat=-2 " + path + " unlinkat=0"
	if !strings.HasSuffix(got, want) {
		t.Errorf("%s: calls:\n%s\nwant them to end with:\n%s", mode, got, want)
	}
}

// TestSyscallAllThreadsGo catches every call of a Go program with many
// threads: each thread's stops alternate entry, exit, and the program's
// result is unchanged.
func TestSyscallAllThreadsGo(t *testing.T) {
	prog := fixture.Go(t, "gomulti")
	for _, mode := range sysModes {
		testSyscallAllThreadsGo(t, prog, mode)
	}
}

func testSyscallAllThreadsGo(t *testing.T, prog string, mode sysMode) {
	p, out := launchSys(t, prog, mode, "8", "2000")
	if _, err := p.CatchSyscall(true, nil); err != nil {
		t.Fatal(err)
	}
	in := map[int]int{} // tid -> the nr it is in, or -1
	n := 0
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		sc := ev.Syscall
		if sc == nil {
			return false, nil
		}
		n++
		cur, ok := in[ev.Tid]
		if !sc.Exit {
			if ok && cur >= 0 {
				t.Errorf("%s: thread %d enters %s inside %s", mode, ev.Tid, sc.Name, SyscallName(cur))
			}
			in[ev.Tid] = sc.Nr
		} else {
			if ok && cur != sc.Nr {
				t.Errorf("%s: thread %d exits %s inside %s", mode, ev.Tid, sc.Name, SyscallName(cur))
			}
			in[ev.Tid] = -1
		}
		return false, nil
	})
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
		t.Fatalf("%s: got %+v, %v", mode, ev, err)
	}
	if want := "goroutines=8 calls=16000 sum=31984000\n"; out() != want {
		t.Errorf("%s: output %q, want %q", mode, out(), want)
	}
	if n < 100 || len(in) < 2 {
		t.Errorf("%s: %d syscall stops on %d threads: too few", mode, n, len(in))
	}
}

package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/godbg/godbg/engine/syscalls"
	"github.com/godbg/godbg/internal/fixture"
)

// sysMode is how syscall stops are made: PTRACE_SYSCALL or a seccomp filter.
type sysMode bool

const (
	modePtrace  sysMode = false
	modeSeccomp sysMode = true
)

func (m sysMode) String() string {
	if m {
		return "seccomp"
	}
	return "ptrace"
}

// sysModes: every syscall test runs in both.
var sysModes = []sysMode{modePtrace, modeSeccomp}

// launchSys is launch with the syscall stop mode chosen.
func launchSys(t *testing.T, prog string, mode sysMode, args ...string) (*Process, func() string) {
	t.Helper()
	return launchWith(t, prog, LaunchOptions{Args: args, Seccomp: bool(mode)})
}

// TestSeccompFilterFits: a filter of every call of the table fits the
// room the scratch area reserves for it (syscalls.Encode's bytes).
func TestSeccompFilterFits(t *testing.T) {
	var nrs []int
	for _, name := range SyscallNames() {
		nr, _ := SyscallNumber(name)
		nrs = append(nrs, nr)
	}
	prog := syscalls.Program(false, nrs)
	if _, room := (&scratchArea{base: 0x1000}).dataArea(); len(syscalls.Encode(prog, 0x1000)) > room {
		t.Errorf("a filter of every call (%d instructions) does not fit the %d bytes reserved", len(prog), room)
	}
}

// TestSeccompStopsOnlyHooked: the unhooked calls cost no stop.
func TestSeccompStopsOnlyHooked(t *testing.T) {
	prog := fixture.C(t, "getpidloop.c", "-O2")
	for _, mode := range sysModes {
		p, out := launchSys(t, prog, mode, "2000")
		catchNames(t, p, "openat")
		n := 0
		ev, err := p.Continue(func(ev *Event) (bool, error) {
			if ev.Kind == EventSyscall {
				n++
			}
			return false, nil
		})
		if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 || out() != "getpid calls=2000\n" {
			t.Fatalf("%s: got %+v, %v, output %q", mode, ev, err, out())
		}
		// The loader opens the C library (and perhaps its cache): a few
		// openat calls, each an entry and an exit.
		if n < 2 || n > 10 {
			t.Errorf("%s: %d syscall events", mode, n)
		}
		stops := int(p.Stops())
		if mode == modeSeccomp && stops > n+10 {
			t.Errorf("%s: %d stops for %d events: want the hooked calls only", mode, stops, n)
		}
		if mode == modePtrace && stops < 4000 {
			t.Errorf("%s: %d stops: want two a call", mode, stops)
		}
	}
}

// TestSeccompCatchFromHook adds calls from a hook: in a single-threaded C
// program at a seccomp entry stop (installed at the call's exit), and in a
// Go program whose other threads run (installed through another thread).
func TestSeccompCatchFromHook(t *testing.T) {
	prog := fixture.C(t, "sysorder.c", "-O0", "-g")
	dir := t.TempDir()
	p, _ := launchSys(t, prog, modeSeccomp, dir)
	first := catchNames(t, p, "unlinkat", "openat")
	var got []string
	swapped := false
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		sc := ev.Syscall
		if sc == nil {
			return false, nil
		}
		if swapped {
			got = append(got, sc.Name)
		}
		if !swapped && !sc.Exit && sc.Name == "openat" && strings.HasSuffix(readCString(p, sc.Args[1]), "sysorder.txt") {
			swapped = true
			if err := p.ClearSyscallCatch(first); err != nil {
				return false, err
			}
			if _, err := p.CatchSyscall(false, []int{unix.SYS_WRITE, unix.SYS_READ, unix.SYS_UNLINKAT}); err != nil {
				return false, err
			}
			if !p.sys.pendingFilter {
				t.Error("the filter should wait for the call's exit")
			}
		}
		return false, nil
	})
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
		t.Fatalf("got %+v, %v", ev, err)
	}
	// The deleted hook's calls (openat) go on stopping, unreported.
	if want := "write write read read unlinkat unlinkat"; strings.Join(got, " ") != want {
		t.Errorf("calls %q, want %q", strings.Join(got, " "), want)
	}

	goProg := fixture.Go(t, "gomulti")
	p, out := launchSys(t, goProg, modeSeccomp, "8", "2000")
	catchNames(t, p, "sched_yield", "futex")
	var added *SyscallCatch
	writes := 0
	ev, err = p.Continue(func(ev *Event) (bool, error) {
		sc := ev.Syscall
		if sc == nil {
			return false, nil
		}
		if added == nil && sc.Name == "futex" && !sc.Exit {
			c, err := p.CatchSyscall(false, []int{unix.SYS_WRITE})
			added = c
			return false, err
		}
		if sc.Name == "write" && sc.Exit {
			writes++
		}
		return false, nil
	})
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
		t.Fatalf("go: got %+v, %v", ev, err)
	}
	if added == nil || writes != 1 || out() != "goroutines=8 calls=16000 sum=31984000\n" {
		t.Errorf("go: added %v, %d writes, output %q", added != nil, writes, out())
	}
}

// TestSeccompDetach: refused once a filter is installed, allowed before.
func TestSeccompDetach(t *testing.T) {
	prog := fixture.C(t, "getpidloop.c", "-O2")
	p, _ := launchSys(t, prog, modeSeccomp, "100")
	if err := p.Detach(); err != nil {
		t.Fatalf("detach before any hook: %v", err)
	}
	p, _ = launchSys(t, prog, modeSeccomp, "100")
	catchNames(t, p, "openat")
	err := p.Detach()
	if !errors.Is(err, ErrSeccompDetach) || !strings.Contains(err.Error(), "ENOSYS") || !strings.Contains(err.Error(), "--seccomp") {
		t.Fatalf("detach with a filter: got %v", err)
	}
	ev, err := p.Continue(func(*Event) (bool, error) { return false, nil })
	if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
		t.Fatalf("after the refused detach: got %+v, %v", ev, err)
	}
}

// TestSeccompForkChildren: a fork child and a posix_spawn (vfork, exec)
// child make the hooked call: they run right, and only the parent's calls
// are reported.
func TestSeccompForkChildren(t *testing.T) {
	prog := fixture.C(t, "forksys.c", "-O0", "-g")
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, mode := range sysModes {
		p, out := launchSys(t, prog, mode, file, "20")
		catchNames(t, p, "openat")
		enters, exits := 0, 0
		ev, err := p.Continue(func(ev *Event) (bool, error) {
			sc := ev.Syscall
			if sc == nil || readCString(p, sc.Args[1]) != file {
				return false, nil
			}
			if ev.Tid != p.Pid() {
				t.Errorf("%s: a call of task %d reported", mode, ev.Tid)
			}
			if sc.Exit {
				exits++
				if sc.Ret < 3 {
					t.Errorf("%s: openat returned %d", mode, sc.Ret)
				}
			} else {
				enters++
			}
			return false, nil
		})
		if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
			t.Fatalf("%s: got %+v, %v", mode, ev, err)
		}
		want := "child opened 20\nchild status 7\nspawned opened 20\nspawned status 5\nparent opened 20\n"
		if out() != want {
			t.Errorf("%s: output %q, want %q", mode, out(), want)
		}
		if enters != 20 || exits != 20 {
			t.Errorf("%s: %d entries, %d exits reported, want 20", mode, enters, exits)
		}
		if pids := p.ReleaseChildren(); len(pids) != 0 {
			t.Errorf("%s: children left: %v", mode, pids)
		}
	}
}

// TestSeccompKillChildren: Kill takes the children kept traced with it.
func TestSeccompKillChildren(t *testing.T) {
	prog := fixture.C(t, "forksys.c", "-O0", "-g")
	file := filepath.Join(t.TempDir(), "f")
	p, _ := launchSys(t, prog, modeSeccomp, file, "1", "orphan")
	catchNames(t, p, "openat")
	var child int
	// Stop at the parent's exit_group: the child sleeps then.
	catchNames(t, p, "exit_group")
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		return ev.Syscall != nil && ev.Syscall.Name == "exit_group", nil
	})
	if err != nil || ev.Kind != EventSyscall {
		t.Fatalf("got %+v, %v", ev, err)
	}
	for tid := range p.sys.passive {
		child = tid
	}
	if child == 0 {
		t.Fatal("no child kept traced")
	}
	if _, err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	// Gone, or a zombie left for its new parent to reap.
	stat := fmt.Sprintf("/proc/%d/stat", child)
	var st []byte
	for i := 0; i < 100; i++ {
		if st, err = os.ReadFile(stat); err != nil || strings.Contains(string(st), ") Z ") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("child %d still runs: %s", child, st)
}

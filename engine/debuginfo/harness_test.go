package debuginfo

import (
	"bufio"
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// tracee is a test-only ptrace harness: it launches a program stopped at
// exec, runs it to a breakpoint and serves Memory and Registers at the
// stop. The test goroutine stays locked to its OS thread, the tracer
// (ptrace(2): a tracee is attached to one tracer thread).
type tracee struct {
	t    testing.TB
	cmd  *exec.Cmd
	pid  int
	tid  int // the thread of the last stop
	mem  *os.File
	path string
	elf  *elf.File
	bias uint64
	info *Info
}

// PTRACE_O_TRACECLONE makes every new thread a tracee too, so a breakpoint
// hit on any thread of a Go program stops it instead of killing it.
const ptraceOTraceClone = 0x8

func launch(t testing.TB, path string, args ...string) *tracee {
	t.Helper()
	runtime.LockOSThread()
	cmd := exec.Command(path, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Ptrace: true}
	if err := cmd.Start(); err != nil {
		runtime.UnlockOSThread()
		t.Fatalf("start %s: %v", path, err)
	}
	tr := &tracee{t: t, cmd: cmd, pid: cmd.Process.Pid, tid: cmd.Process.Pid, path: path}
	t.Cleanup(func() {
		syscall.Kill(tr.pid, syscall.SIGKILL)
		var ws syscall.WaitStatus
		for {
			// Reap the threads until the process itself is gone (wait(2),
			// __WALL: threads are reported as clone children).
			pid, err := syscall.Wait4(-1, &ws, syscall.WALL, nil)
			if err != nil || (pid == tr.pid && (ws.Exited() || ws.Signaled())) {
				break
			}
		}
		if tr.mem != nil {
			tr.mem.Close()
		}
		runtime.UnlockOSThread()
	})
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(tr.pid, &ws, syscall.WALL, nil); err != nil || !ws.Stopped() {
		t.Fatalf("wait for exec stop: %v %v", err, ws)
	}
	if err := syscall.PtraceSetOptions(tr.pid, ptraceOTraceClone); err != nil {
		t.Fatalf("PTRACE_SETOPTIONS: %v", err)
	}
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { f.Close() })
	tr.elf = f
	tr.bias = tr.loadBias()
	m, err := os.Open(fmt.Sprintf("/proc/%d/mem", tr.pid))
	if err != nil {
		t.Fatalf("open mem: %v", err)
	}
	tr.mem = m
	d, err := f.DWARF()
	if err != nil {
		d = nil
	}
	tr.info, err = New(f, d, tr.bias)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return tr
}

// openInfo opens the ELF file at path (closed when the test ends) and
// indexes its DWARF at bias 0, without running it.
func openInfo(t testing.TB, path string) (*elf.File, *dwarf.Data, *Info) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	d, err := f.DWARF()
	if err != nil {
		t.Fatal(err)
	}
	info, err := New(f, d, 0)
	if err != nil {
		t.Fatal(err)
	}
	return f, d, info
}

// loadBias: where /proc/pid/maps put the file's first page, minus the
// lowest PT_LOAD address (0 for ET_EXEC).
func (tr *tracee) loadBias() uint64 {
	if tr.elf.Type != elf.ET_DYN {
		return 0
	}
	fm, err := os.Open(fmt.Sprintf("/proc/%d/maps", tr.pid))
	if err != nil {
		tr.t.Fatalf("maps: %v", err)
	}
	defer fm.Close()
	sc := bufio.NewScanner(fm)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) >= 6 && fs[2] == "00000000" && strings.HasSuffix(fs[5], tr.path[strings.LastIndex(tr.path, "/"):]) {
			start, _ := strconv.ParseUint(strings.Split(fs[0], "-")[0], 16, 64)
			low := ^uint64(0)
			for _, p := range tr.elf.Progs {
				if p.Type == elf.PT_LOAD && p.Vaddr < low {
					low = p.Vaddr
				}
			}
			return start - low&^0xfff
		}
	}
	tr.t.Fatalf("no mapping of %s", tr.path)
	return 0
}

func (tr *tracee) symAddr(name string) uint64 {
	tr.t.Helper()
	syms, _ := tr.elf.Symbols()
	for _, s := range syms {
		if s.Name == name {
			return s.Value + tr.bias
		}
	}
	tr.t.Fatalf("no symbol %s", name)
	return 0
}

// lineAddr is the address of the line of path:file marked with marker.
func (tr *tracee) lineAddr(src, marker string) uint64 {
	tr.t.Helper()
	line := markerLine(tr.t, src, marker)
	pc, ok := tr.info.LineToPC(src[strings.LastIndex(src, "/")+1:], line)
	if !ok {
		tr.t.Fatalf("no code for %s:%d", src, line)
	}
	return pc
}

func markerLine(t testing.TB, src, marker string) int {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	for n, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, marker) {
			return n + 1
		}
	}
	t.Fatalf("no %q in %s", marker, src)
	return 0
}

// runTo plants an int3 at addr, continues until a thread hits it, and
// puts the byte back with rip at addr.
func (tr *tracee) runTo(addr uint64) {
	tr.t.Helper()
	var orig [8]byte
	if _, err := syscall.PtracePeekData(tr.pid, uintptr(addr), orig[:]); err != nil {
		tr.t.Fatalf("peek %#x: %v", addr, err)
	}
	patched := orig
	patched[0] = 0xcc
	if _, err := syscall.PtracePokeData(tr.pid, uintptr(addr), patched[:]); err != nil {
		tr.t.Fatalf("poke %#x: %v", addr, err)
	}
	if err := syscall.PtraceCont(tr.tid, 0); err != nil {
		tr.t.Fatalf("cont: %v", err)
	}
	for {
		var ws syscall.WaitStatus
		tid, err := syscall.Wait4(-1, &ws, syscall.WALL, nil)
		if err != nil {
			tr.t.Fatalf("wait: %v", err)
		}
		if ws.Exited() || ws.Signaled() {
			if tid == tr.pid {
				tr.t.Fatalf("tracee ended before reaching %#x: %v", addr, ws)
			}
			continue
		}
		if !ws.Stopped() {
			continue
		}
		sig := ws.StopSignal()
		if sig == syscall.SIGTRAP && ws.TrapCause() == 0 {
			var regs syscall.PtraceRegs
			if err := syscall.PtraceGetRegs(tid, &regs); err != nil {
				tr.t.Fatalf("getregs: %v", err)
			}
			if regs.Rip-1 == addr {
				regs.Rip = addr
				syscall.PtraceSetRegs(tid, &regs)
				syscall.PtracePokeData(tr.pid, uintptr(addr), orig[:])
				tr.tid = tid
				return
			}
		}
		deliver := 0
		if sig != syscall.SIGTRAP && sig != syscall.SIGSTOP {
			deliver = int(sig) // SIGURG (Go preemption) and friends go on
		}
		syscall.PtraceCont(tid, deliver)
	}
}

func (tr *tracee) ReadMemory(addr uint64, buf []byte) error {
	_, err := tr.mem.ReadAt(buf, int64(addr))
	return err
}

// threadRegs is the Registers of one stopped thread.
type threadRegs struct {
	r  syscall.PtraceRegs
	fp [512]byte // user_fpregs_struct (FXSAVE layout): xmm0 at 160
}

func (tr *tracee) regs() *threadRegs {
	tr.t.Helper()
	tr2 := &threadRegs{}
	if err := syscall.PtraceGetRegs(tr.tid, &tr2.r); err != nil {
		tr.t.Fatalf("getregs: %v", err)
	}
	const ptraceGetFPRegs = 14
	if _, _, e := syscall.Syscall6(syscall.SYS_PTRACE, ptraceGetFPRegs, uintptr(tr.tid), 0, uintptr(unsafe.Pointer(&tr2.fp[0])), 0, 0); e != 0 {
		tr.t.Fatalf("getfpregs: %v", e)
	}
	return tr2
}

func (r *threadRegs) PC() uint64 { return r.r.Rip }
func (r *threadRegs) SP() uint64 { return r.r.Rsp }
func (r *threadRegs) Reg(n int) (uint64, bool) {
	g := &r.r
	switch {
	case n >= 0 && n <= 16:
		return [...]uint64{g.Rax, g.Rdx, g.Rcx, g.Rbx, g.Rsi, g.Rdi, g.Rbp, g.Rsp,
			g.R8, g.R9, g.R10, g.R11, g.R12, g.R13, g.R14, g.R15, g.Rip}[n], true
	case n >= 17 && n <= 32:
		return binary.LittleEndian.Uint64(r.fp[160+16*(n-17):]), true
	case n == 58:
		return g.Fs_base, true
	}
	return 0, false
}

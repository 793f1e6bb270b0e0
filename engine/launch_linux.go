package engine

import (
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/godbg/godbg/engine/internal/ptrace"
	"github.com/godbg/godbg/engine/symtab"
)

// Launch starts path under ptrace, stopped right after exec (before the
// loader or the Go runtime ran), with ASLR off unless opts.KeepASLR. The
// calling goroutine must be locked to its OS thread, and every later call on
// the Process must come from it.
func Launch(path string, opts LaunchOptions) (*Process, error) {
	resolved, err := findProgram(path)
	if err != nil {
		return nil, err
	}
	bin, err := symtab.Open(resolved)
	if err != nil {
		return nil, err
	}
	files := []*os.File{opts.Stdin, opts.Stdout, opts.Stderr}
	defaults := []*os.File{os.Stdin, os.Stdout, os.Stderr}
	fds := make([]uintptr, 3)
	for i, f := range files {
		if f == nil {
			f = defaults[i]
		}
		fds[i] = f.Fd()
	}
	env := opts.Env
	if env == nil {
		env = os.Environ()
	}
	attr := &syscall.ProcAttr{
		Dir:   opts.Dir,
		Env:   env,
		Files: fds,
		Sys:   &syscall.SysProcAttr{Setpgid: opts.Setpgid},
	}
	argv := append([]string{path}, opts.Args...)
	pid, err := ptrace.Start(resolved, argv, attr, opts.KeepASLR)
	if err != nil {
		bin.Close()
		return nil, err
	}
	p := &Process{
		pid:         pid,
		bin:         bin,
		threads:     map[int]*Thread{},
		sites:       map[Addr]*site{},
		nextID:      1,
		noDisplaced: opts.NoDisplacedStep,
	}
	t := p.addThread(pid)
	p.current = t
	p.sys.seccomp = opts.Seccomp
	if err := ptrace.SetOptions(pid, p.ptraceOptions()); err != nil {
		p.killNow()
		return nil, fmt.Errorf("ptrace set options on %d: %w", pid, err)
	}
	if err := p.afterExec(); err != nil {
		p.killNow()
		return nil, err
	}
	// Map the scratch area now, while the program has one thread: the
	// injected system call briefly replaces code at the thread's pc.
	if err := p.ensureScratch(t); err != nil {
		p.killNow()
		return nil, fmt.Errorf("prepare %s: %w", path, err)
	}
	return p, nil
}

// findProgram resolves a program name as a shell would (a name without a
// slash is looked up on PATH when it is not a file here), with a clear error.
func findProgram(path string) (string, error) {
	if _, err := os.Stat(path); err == nil {
		abs, err := filepath.Abs(path)
		if err != nil {
			return "", err
		}
		return abs, nil
	}
	if !strings.Contains(path, "/") {
		if p, err := exec.LookPath(path); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: no such file", path)
}

// afterExec (re)reads what an exec changes: /proc/PID/mem, the load bias and
// the scratch area.
func (p *Process) afterExec() error {
	if p.mem != nil {
		p.mem.Close()
	}
	f, err := os.OpenFile(fmt.Sprintf("/proc/%d/mem", p.pid), os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("open memory of %d: %w", p.pid, err)
	}
	p.mem = f
	entry, err := auxvEntry(p.pid)
	if err != nil {
		return err
	}
	if p.bin.PIE() {
		p.bias = Addr(entry - uint64(p.bin.Entry()))
	}
	p.scratch = scratchArea{}
	p.dropLiveWord() // the exec unmapped the tracee's side
	p.tramps, p.trampList = nil, nil
	p.execProbes()
	p.lowAddr = ^Addr(0)
	for _, pr := range p.bin.ELF().Progs {
		if pr.Type == elf.PT_LOAD && Addr(pr.Vaddr) < p.lowAddr {
			p.lowAddr = Addr(pr.Vaddr)
		}
	}
	return nil
}

// auxvEntry reads AT_ENTRY from /proc/PID/auxv (ptrace.AuxvEntry).
func auxvEntry(pid int) (uint64, error) { return ptrace.AuxvEntry(pid) }

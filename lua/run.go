package lua

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/godbg/godbg/bindings"
	"github.com/godbg/godbg/engine"
	glua "github.com/yuin/gopher-lua"
)

// Exit statuses of godbg's own endings (the tracee's status otherwise).
const (
	StatusFailure     = 1   // usage, unreadable program, script error
	StatusTimeout     = 124 // --timeout ran out, as timeout(1)
	StatusInterrupted = 130 // Ctrl-C, SIGTERM, SIGHUP or SIGQUIT: 128+SIGINT, as a shell reports Ctrl-C
	StatusBrokenPipe  = 141 // the output's reader went away: 128+SIGPIPE, as a shell reports a writer killed by it
)

// Config is one `godbg run` or `godbg attach`.
type Config struct {
	Script string // a path or a bundled recipe's name
	Code   string // the -e code, used when Inline
	Inline bool

	Program string   // run: the program to launch
	Args    []string // its arguments
	Pid     int      // attach: the process (Program is then ignored)

	Params  map[string]string // -a KEY=VALUE
	Out     io.Writer         // the output stream: stdout or the -o file
	Stderr  io.Writer         // diagnostics
	Timeout time.Duration     // 0: none

	// NoDisplacedStep: run: breakpoints stepped over by lifting the trap
	// (engine.LaunchOptions.NoDisplacedStep).
	NoDisplacedStep bool
	// Seccomp: run: syscall hooks through a seccomp filter
	// (engine.LaunchOptions.Seccomp).
	Seccomp bool
	// FollowForks: run, attach: the program's children are traced too
	// (engine.Process.FollowForks).
	FollowForks bool
	// WatchKind: what watch() uses by default: "auto" or "" (the debug
	// registers where they fire, else software watchpoints), "hardware",
	// "software" (CheckWatchKind).
	WatchKind string

	// main, when set, makes the main chunk: godbg debug's prompt (Debug,
	// repl.go) runs in place of a script, with the same lifecycle.
	main func(se *session) *glua.LFunction
}

// Run runs one debugging session and returns godbg's exit status: the
// tracee's (128+N when signal N killed it, 0 after detach()), or one of the
// Status constants. Every diagnostic goes to cfg.Stderr. It must be called
// on a locked OS thread (see the package comment).
func Run(cfg Config) int {
	CatchSignals() // the run and attach commands did already; another caller gets it here
	if cfg.Stderr == nil {
		cfg.Stderr = os.Stderr
	}
	fail := func(err error) int {
		fmt.Fprintf(cfg.Stderr, "godbg: %v\n", err)
		return StatusFailure
	}
	s, err := loadScript(cfg.Script, cfg.Code, cfg.Inline)
	if err != nil {
		return fail(err)
	}
	if err := checkParams(s.name, s.src, cfg.Params); err != nil {
		return fail(err)
	}
	L := newState(s, cfg.Params)
	defer L.Close()
	chunk, err := compile(L, s)
	if err != nil {
		fmt.Fprintln(cfg.Stderr, err)
		return StatusFailure
	}

	// A stop signal caught before the launch or the attach: nothing to
	// start, nothing to undo. One that comes later waits in the channel.
	select {
	case sig := <-caught:
		fmt.Fprintln(cfg.Stderr, interrupted(sig))
		return StatusInterrupted
	default:
	}
	var p *engine.Process
	if cfg.Pid > 0 {
		p, err = engine.Attach(cfg.Pid)
		if err != nil {
			return fail(err) // engine.Attach names the pid and the reason
		}
	} else {
		if err := checkProgram(cfg.Program); err != nil {
			return fail(err)
		}
		p, err = engine.Launch(cfg.Program, engine.LaunchOptions{Args: cfg.Args, NoDisplacedStep: cfg.NoDisplacedStep, Seccomp: cfg.Seccomp,
			Setpgid: cfg.main != nil}) // godbg debug: Ctrl-C is the prompt's (repl.go)
		if err != nil {
			return fail(fmt.Errorf("launch %s: %w", cfg.Program, err))
		}
	}

	if cfg.FollowForks {
		p.FollowForks()
	}
	p.OnExec(func(e engine.ExecInfo) { reportExec(cfg.Stderr, e.Pid, e) })
	if err := p.GoroutineIDsError(); err != nil {
		fmt.Fprintf(cfg.Stderr, "godbg: warning: %v: events carry no goid\n", err)
	}
	if kind, err := engine.ParseWatchKind(cfg.WatchKind); err == nil {
		p.SetDefaultWatchKind(kind)
	}

	// A signal caught since CatchSignals (during the launch or the attach
	// too) is in the channel: the watcher acts on it at once.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := startWatcher(p, cancel, cfg.Timeout)
	defer w.close()
	L.SetContext(ctx)

	out := bindings.NewOutput(cfg.Out)
	out.OnClosed(w.brokenPipe)
	m := bindings.New(L, p, out)
	se := &session{cfg: cfg, p: p, m: m, w: w}
	defer se.end() // also on a panic: the tracee is never left with traps in
	se.endOnExit(L)
	if cfg.main != nil {
		chunk = cfg.main(se)
	}
	status, how := se.run(chunk)
	w.release()
	se.end()
	return se.runEnd(status, how)
}

// session is the lifecycle of one tracee under one script.
type session struct {
	cfg Config
	p   *engine.Process
	m   *bindings.Module
	w   *watcher
}

// run runs the main chunk, then the tracee to its exit and the on("exit")
// handlers; it returns godbg's exit status and how the session ended
// (on("end")'s ev.how).
func (se *session) run(chunk *glua.LFunction) (int, string) {
	L := se.m.L
	L.Push(chunk)
	if err := L.PCall(0, 0, nil); err != nil {
		return se.scriptError(err)
	}
	se.flush()
	if !se.m.Detached() && !se.p.Exited() {
		if err := se.m.RunToExit(); err != nil {
			return se.callbackError(err)
		}
	}
	// After detach() the program did not exit: on("exit") does not run
	// (on("end") does, with how="detach").
	if ev := se.m.ExitEvent(); ev != nil && !se.m.Detached() {
		if err := se.m.RunExitHandlers(ev); err != nil {
			return se.callbackError(err)
		}
	}
	err := se.flush() // a closed output (EPIPE) stops the session: checked next
	if r := se.w.why(); r != 0 {
		return se.stopped(r)
	}
	if err != nil {
		fmt.Fprintf(se.cfg.Stderr, "godbg: output: %v\n", err)
		return StatusFailure, bindings.EndError
	}
	if se.m.Detached() {
		return 0, bindings.EndDetach
	}
	how := bindings.EndExit
	if se.m.EndedBy() == bindings.EndKill {
		how = bindings.EndKill
	}
	ev := se.m.ExitEvent()
	if ev == nil {
		return 0, how
	}
	if ev.ExitSignal != 0 {
		return 128 + int(ev.ExitSignal), how
	}
	return ev.ExitCode, how
}

// runEnd runs the on("end") handlers, the tracee already killed or
// detached, and returns godbg's exit status: status, or StatusFailure when
// a handler fails. A stop signal that arrives meanwhile stops them.
func (se *session) runEnd(status int, how string) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	se.m.L.SetContext(ctx)
	se.w.endPhase(cancel)
	err := se.m.RunEndHandlers(how)
	se.flush()
	if err == nil {
		return status
	}
	if ctx.Err() != nil {
		if how != bindings.EndInterrupt && how != bindings.EndTimeout {
			return se.report(se.w.why())
		}
		return status
	}
	fmt.Fprintln(se.cfg.Stderr, describe(err, nil))
	return StatusFailure
}

// scriptError reports a Lua error (SCRIPT:LINE: message and a traceback),
// unless it is the echo of Ctrl-C or the timeout.
func (se *session) scriptError(err error) (int, string) {
	se.flush()
	if r := se.w.why(); r != 0 {
		return se.stopped(r)
	}
	fmt.Fprintln(se.cfg.Stderr, describe(err, se.m.CallbackError()))
	return StatusFailure, bindings.EndError
}

// callbackError reports an error of a callback run after the main chunk
// (by the implicit run to the exit, or an on("exit") handler): its own
// traceback only, since no cont() of the script raised it again.
func (se *session) callbackError(err error) (int, string) {
	se.flush()
	if r := se.w.why(); r != 0 {
		return se.stopped(r)
	}
	fmt.Fprintln(se.cfg.Stderr, describe(err, nil))
	return StatusFailure, bindings.EndError
}

// stopped ends a session stopped from outside: Ctrl-C and the other stop
// signals, the timeout, the output's reader gone.
func (se *session) stopped(r int32) (int, string) {
	se.flush()
	if r == stopTimeout {
		return se.report(r), bindings.EndTimeout
	}
	return se.report(r), bindings.EndInterrupt
}

// report says why the session was stopped and returns the exit status.
func (se *session) report(r int32) int {
	switch r {
	case stopTimeout:
		fmt.Fprintf(se.cfg.Stderr, "godbg: timed out after %v\n", se.cfg.Timeout)
		return StatusTimeout
	case stopBrokenPipe:
		return StatusBrokenPipe // as a writer killed by SIGPIPE: nothing to say
	}
	fmt.Fprintln(se.cfg.Stderr, interrupted(se.w.signal()))
	return StatusInterrupted
}

// endOnExit makes os.exit([code]) end the session as every other ending
// does (end: a launched tracee killed and reaped, an attached one detached
// with its code bytes back, the output flushed) before godbg exits with
// code. gopher-lua's own os.exit exits at once, which would leave an
// attached program with its traps in. code: a number, or true (0) and
// false (1) as in Lua 5.2; default 0.
func (se *session) endOnExit(L *glua.LState) {
	lib, ok := L.GetGlobal("os").(*glua.LTable)
	if !ok {
		return
	}
	lib.RawSetString("exit", L.NewFunction(func(L *glua.LState) int {
		code := 0
		switch v := L.Get(1).(type) {
		case *glua.LNilType:
		case glua.LBool:
			if !v {
				code = 1
			}
		default:
			code = L.CheckInt(1)
		}
		se.end()
		os.Exit(code)
		return 0
	}))
}

// interrupted is the message of a session ended by a stop signal: Ctrl-C's
// as it always was, the others' naming the signal.
func interrupted(sig os.Signal) string {
	if s, ok := sig.(syscall.Signal); ok && s != syscall.SIGINT {
		return "godbg: interrupted by " + bindings.SignalName(s)
	}
	return "godbg: interrupted"
}

func (se *session) flush() error { return se.m.Output().Flush() }

// end puts the tracee back whatever happened: a launched one is killed and
// reaped, an attached one detached with its code bytes as they were.
func (se *session) end() {
	se.flush()
	defer se.releaseChildren()
	if se.p.Exited() || se.m.Detached() {
		return
	}
	if se.p.Attached() {
		if err := se.p.Detach(); err != nil {
			fmt.Fprintf(se.cfg.Stderr, "godbg: detach: %v\n", err)
		}
		return
	}
	if _, err := se.p.Kill(); err != nil {
		fmt.Fprintf(se.cfg.Stderr, "godbg: kill: %v\n", err)
	}
}

// releaseChildren lets the program's fork children that godbg still traces
// (--seccomp) run on untraced, with a warning: they carry the filter.
func (se *session) releaseChildren() {
	for _, pid := range se.p.ReleaseChildren() {
		fmt.Fprintf(se.cfg.Stderr, "godbg: warning: process %d (started by the program) still runs and is detached: "+
			"its hooked system calls will fail with ENOSYS (the --seccomp filter stays, seccomp(2))\n", pid)
	}
}

// describe renders a Lua error: its message (SCRIPT:LINE: message) and
// traceback. An error raised again by cont() from a callback shows the
// callback's traceback first.
func describe(err error, cb *glua.ApiError) string {
	var ae *glua.ApiError
	if !errors.As(err, &ae) {
		return err.Error()
	}
	var b strings.Builder
	b.WriteString(ae.Object.String())
	if cb != nil && cb.Object.String() == ae.Object.String() && cb.StackTrace != "" {
		b.WriteString("\n" + cb.StackTrace + "\n(raised again by the cont() below)")
	}
	if ae.StackTrace != "" {
		b.WriteString("\n" + ae.StackTrace)
	}
	return b.String()
}

// reportExec says on stderr that the tracee became another program: the
// script's symbols and breakpoints now refer to it.
func reportExec(w io.Writer, pid int, e engine.ExecInfo) {
	if e.Child && e.Err == nil && e.Dropped == 0 {
		return // a followed child's exec is its own business (strace -f's shells)
	}
	switch {
	case e.Err != nil:
		fmt.Fprintf(w, "godbg: process %d exec'd %s, whose symbols cannot be read (%v); %d breakpoints deleted\n", pid, e.Path, e.Err, e.Dropped)
	case e.Reloaded:
		fmt.Fprintf(w, "godbg: process %d exec'd %s: its symbols are loaded, %d breakpoints of the old program deleted\n", pid, e.Path, e.Dropped)
	}
}

// checkProgram gives the clear message for a program that cannot be run.
func checkProgram(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("program %s: no such file", path)
		}
		return fmt.Errorf("program %s: %w", path, err)
	}
	if st.IsDir() {
		return fmt.Errorf("program %s: is a directory", path)
	}
	head := make([]byte, 256)
	if fh, err := os.Open(path); err == nil {
		n, _ := io.ReadFull(fh, head)
		head = head[:n]
		fh.Close()
	}
	f, err := elf.Open(path)
	if err != nil {
		return notELF(path, head, err)
	}
	defer f.Close()
	if f.Class != elf.ELFCLASS64 {
		return fmt.Errorf("program %s: a 32-bit ELF file (%v), godbg debugs 64-bit x86-64 programs", path, f.Machine)
	}
	if f.Machine != elf.EM_X86_64 {
		return fmt.Errorf("program %s: an ELF file for %v, godbg debugs x86-64 programs", path, f.Machine)
	}
	for _, pr := range f.Progs {
		if end := pr.Off + pr.Filesz; pr.Type == elf.PT_LOAD && end > uint64(st.Size()) {
			return fmt.Errorf("program %s: a truncated ELF file (a segment ends at byte %d, the file has %d)", path, end, st.Size())
		}
	}
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return fmt.Errorf("program %s: not an executable (ELF type %v)", path, f.Type)
	}
	if st.Mode()&0o111 == 0 {
		return fmt.Errorf("program %s: not executable (no x permission)", path)
	}
	return nil
}

// notELF explains a file that debug/elf refused: a #! script names its
// interpreter, which is what to debug; a file that starts as an ELF file
// is damaged or cut short.
func notELF(path string, head []byte, err error) error {
	if rest, ok := bytes.CutPrefix(head, []byte("#!")); ok {
		line, _, _ := bytes.Cut(rest, []byte("\n"))
		interp := strings.Fields(string(line))
		if len(interp) > 0 {
			return fmt.Errorf("program %s: not an ELF executable but a script for %s; debug its interpreter instead, e.g. godbg run SCRIPT %s %s",
				path, strings.Join(interp, " "), strings.Join(interp, " "), path)
		}
	}
	if bytes.HasPrefix(head, []byte(elf.ELFMAG)) {
		return fmt.Errorf("program %s: a truncated or damaged ELF file (%v)", path, err)
	}
	return fmt.Errorf("program %s: not an ELF executable", path)
}

// Why a session was stopped from outside.
const (
	stopInterrupt int32 = 1 + iota
	stopTimeout
	stopBrokenPipe
)

// stopSignals end a session as Ctrl-C does (ev.how = "interrupt").
var stopSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

var (
	catchOnce sync.Once
	caught    chan os.Signal // stopSignals since CatchSignals
	pipeSigs  chan os.Signal // SIGPIPE, never read: caught only so that writes fail with EPIPE
)

// CatchSignals routes SIGINT, SIGTERM, SIGHUP and SIGQUIT to godbg from
// now on, instead of their default action (death; a goroutine dump for
// SIGQUIT), and SIGPIPE too. The run and attach commands call it first: a
// signal that arrives while the program is launched or attached then waits
// in the channel and ends the session clean once it is under way, where it
// used to kill godbg between the fork and PTRACE_O_EXITKILL (the program
// ran on untraced) or with traps in an attached program (it died of
// SIGTRAP). With SIGPIPE caught, a write to a closed stdout fails with
// EPIPE instead of killing godbg (os/signal: "If the program has called
// Notify to receive SIGPIPE signals, ... the write will fail with an EPIPE
// error"); the output stream reports it. Notify rather than Ignore: an
// ignored disposition would pass to the launched program across
// execve(2); a caught one is reset to the default there.
func CatchSignals() {
	catchOnce.Do(func() {
		caught = make(chan os.Signal, 8)
		signal.Notify(caught, stopSignals...)
		pipeSigs = make(chan os.Signal, 1)
		signal.Notify(pipeSigs, syscall.SIGPIPE)
	})
}

// watcher is the one other goroutine: on a stop signal or the timeout it
// interrupts the engine's wait and cancels the LState's context (so a
// callback in an endless loop stops too). It touches nothing else.
type watcher struct {
	reason atomic.Int32
	sig    atomic.Int32 // the stop signal, with stopInterrupt
	done   chan struct{}
	timer  *time.Timer

	mu     sync.Mutex
	p      *engine.Process // nil once released: the tracee is killed or detached
	cancel context.CancelFunc
	// onInt, when set, handles SIGINT instead (the prompt: Ctrl-C stops
	// the tracee and returns to the prompt, the session goes on).
	onInt atomic.Pointer[func()]
}

func startWatcher(p *engine.Process, cancel context.CancelFunc, timeout time.Duration) *watcher {
	w := &watcher{done: make(chan struct{}), p: p, cancel: cancel}
	var tc <-chan time.Time
	if timeout > 0 {
		w.timer = time.NewTimer(timeout)
		tc = w.timer.C
	}
	go func() {
		for {
			select {
			case <-w.done:
				return
			case s := <-caught:
				if f := w.onInt.Load(); f != nil && s == syscall.SIGINT {
					(*f)()
					continue
				}
				if sig, ok := s.(syscall.Signal); ok && w.reason.CompareAndSwap(0, stopInterrupt) {
					w.sig.Store(int32(sig))
				}
			case <-tc:
				w.reason.CompareAndSwap(0, stopTimeout)
			}
			w.stop()
		}
	}()
	return w
}

// stop cancels the Lua code running and wakes the engine's wait.
func (w *watcher) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cancel()
	if w.p != nil {
		w.p.Interrupt()
	}
}

// brokenPipe is the output's OnClosed: its reader is gone. It runs on the
// event loop's thread, inside a print or a callback's flush; the session
// ends as on Ctrl-C.
func (w *watcher) brokenPipe() {
	w.reason.CompareAndSwap(0, stopBrokenPipe)
	w.stop()
}

// release is called before the tracee is killed or detached: from then on
// a signal no longer interrupts it. A SIGSTOP sent to a detached program
// would stop it for good, and one to a reaped pid could reach another
// process.
func (w *watcher) release() {
	w.mu.Lock()
	w.p = nil
	w.mu.Unlock()
}

// endPhase makes a later stop signal (or the timeout) cancel the on("end")
// handlers, through their own context.
func (w *watcher) endPhase(cancel context.CancelFunc) {
	w.mu.Lock()
	w.cancel = cancel
	w.mu.Unlock()
}

func (w *watcher) why() int32 { return w.reason.Load() }

func (w *watcher) signal() syscall.Signal { return syscall.Signal(w.sig.Load()) }

// close ends the goroutine. The signals stay caught until godbg exits: a
// late one must not kill it while it writes its last output.
func (w *watcher) close() {
	if w.timer != nil {
		w.timer.Stop()
	}
	close(w.done)
}

// CheckWatchKind validates Config.WatchKind.
func CheckWatchKind(s string) error {
	_, err := engine.ParseWatchKind(s)
	return err
}

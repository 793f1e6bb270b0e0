package bindings

import (
	"fmt"
	"sort"
	"strings"
	"syscall"

	"github.com/godbg/godbg/engine"
	glua "github.com/yuin/gopher-lua"
)

// handlerKinds are the events on() accepts.
var handlerKinds = []string{"exit", "signal", "thread", "exec", "fork", "end"}

// on(event, fn): run fn(ev) on "exit" (the tracee is gone; with -f also
// each followed child, ev.pid), "signal" (a signal other than the silent
// ones; fn returning true suppresses it), "thread" (a new thread, ev.tid),
// "fork" (with -f, a followed child is born: ev.pid, ev.parent) or "end"
// (once, whatever ends the session: ev.how). Handlers run in the order
// registered.
func (m *Module) on(L *glua.LState) int {
	kind := checkString(L, 1)
	known := false
	for _, k := range handlerKinds {
		known = known || k == kind
	}
	if !known {
		argError(L, 1, "unknown event %q (want %s)", kind, strings.Join(handlerKinds, ", "))
	}
	fn := checkFunction(L, 2)
	m.handlers[kind] = append(m.handlers[kind], fn)
	return 0
}

// hook is the engine's Continue hook: it runs the Lua callbacks of one
// event and turns their answers into stop or resume. A Lua error is kept in
// m.cbErr and returned as a Go error, so it never unwinds engine frames.
func (m *Module) hook(ev *engine.Event) (stop bool, err error) {
	defer m.out.Flush() // a callback's lines come out before the tracee's next ones
	// Probe records come first: their hits happened before this stop.
	if err := m.drainProbes(); err != nil {
		return true, err
	}
	m.stop = ev
	switch ev.Kind {
	case engine.EventProbe:
		return false, nil // drained above
	case engine.EventBreakpoint:
		// The engine calls the hook once for each breakpoint of a stop.
		stop, err := m.callBreakpoint(ev)
		if err != nil {
			return true, err
		}
		if stop && m.stopEv == nil {
			m.stopEv = ev
		}
		return stop, nil
	case engine.EventSignal:
		suppress, err := m.callHandlers("signal", ev)
		if err != nil {
			return true, err
		}
		if suppress {
			ev.Thread.DiscardSignal()
			return false, nil
		}
		return true, nil
	case engine.EventThread:
		_, err := m.callHandlers("thread", ev)
		return false, err
	case engine.EventExec:
		_, err := m.callHandlers("exec", ev)
		return false, err
	case engine.EventFork:
		_, err := m.callHandlers("fork", ev)
		return false, err
	case engine.EventProcessExit:
		_, err := m.callHandlers("exit", ev)
		return false, err
	case engine.EventReturn:
		return m.callReturn(ev)
	case engine.EventWatch:
		return m.callWatch(ev)
	case engine.EventSyscall:
		return m.callSyscall(ev)
	case engine.EventTick:
		return m.callSample(ev)
	default:
		return true, nil
	}
}

// callBreakpoint runs the breakpoint's fn; without fn the breakpoint stops.
func (m *Module) callBreakpoint(ev *engine.Event) (bool, error) {
	d, _ := ev.Bp.Data.(*bpData)
	if d == nil || d.fn == nil {
		return true, nil
	}
	if p := d.fn.Proto; p != nil && p.NumParameters == 0 && p.IsVarArg == 0 {
		// fn() cannot see its event: the table, most of the bindings' cost
		// of a hit, is not made.
		return m.call(d.fn, nil)
	}
	return m.call(d.fn, m.eventTable(ev))
}

// callHandlers runs the on(kind) handlers; true when one returned true.
func (m *Module) callHandlers(kind string, ev *engine.Event) (bool, error) {
	hs := m.handlers[kind]
	if len(hs) == 0 {
		return false, nil
	}
	t := m.eventTable(ev)
	any := false
	for _, fn := range hs {
		r, err := m.call(fn, t)
		if err != nil {
			return false, err
		}
		any = any || r
	}
	return any, nil
}

// call runs fn(ev) protected (fn() when ev is nil); true when it returned
// true.
func (m *Module) call(fn *glua.LFunction, ev *glua.LTable) (bool, error) {
	L := m.L
	L.Push(fn)
	nargs := 0
	if ev != nil {
		L.Push(ev)
		nargs = 1
	}
	m.inCallback++
	err := L.PCall(nargs, 1, nil)
	m.inCallback--
	if err != nil {
		ae, ok := err.(*glua.ApiError)
		if !ok {
			ae = &glua.ApiError{Type: glua.ApiErrorRun, Object: glua.LString(err.Error())}
		}
		m.cbErr, m.lastCbErr = ae, ae
		return false, ae
	}
	r := L.Get(-1)
	L.Pop(1)
	return r == glua.LTrue, nil
}

// CallbackError is the last Lua error raised by a callback (its traceback
// is the callback's), for the lua layer's report.
func (m *Module) CallbackError() *glua.ApiError { return m.lastCbErr }

// eventTable makes the Lua table of an event, as the contract lists them.
// ev.goid is read lazily (it costs a memory read), while the event is the
// current one.
func (m *Module) eventTable(ev *engine.Event) *glua.LTable {
	L := m.L
	t := L.CreateTable(0, 8)
	t.RawSetString("reason", glua.LString(eventReason(ev.Kind)))
	exit := ev.Kind == engine.EventExit || ev.Kind == engine.EventProcessExit
	if !exit {
		t.RawSetString("tid", glua.LNumber(ev.Tid))
	}
	t.RawSetString("pid", glua.LNumber(m.eventPid(ev)))
	switch ev.Kind {
	case engine.EventBreakpoint, engine.EventReturn:
		t.RawSetString("addr", AddrNumber(uint64(ev.Addr)))
		if ev.Bp != nil {
			t.RawSetString("bp", m.pushBreakpoint(ev.Bp))
		}
		m.setSym(t, ev.Addr)
		if ev.Kind == engine.EventReturn {
			t.RawSetString("elapsed", glua.LNumber(ev.Elapsed.Seconds()))
			// time and start on the session clock (timeline.now()): the
			// call's span, both ends read by the engine.
			t.RawSetString("time", glua.LNumber(m.sessionTime(ev.Time)))
			t.RawSetString("start", glua.LNumber(m.sessionTime(ev.Time.Add(-ev.Elapsed))))
		}
	case engine.EventSignal:
		t.RawSetString("addr", AddrNumber(uint64(ev.Addr)))
		t.RawSetString("signal", glua.LString(SignalName(ev.Signal)))
		t.RawSetString("fault_addr", AddrNumber(uint64(ev.FaultAddr)))
		t.RawSetString("si_code", glua.LNumber(ev.SigCode))
		if ev.SigCode <= 0 {
			t.RawSetString("si_pid", glua.LNumber(ev.SigPid))
			t.RawSetString("si_uid", glua.LNumber(ev.SigUid))
		}
		m.setSym(t, ev.Addr)
	case engine.EventStep, engine.EventFinish:
		t.RawSetString("addr", AddrNumber(uint64(ev.Addr)))
		m.setSym(t, ev.Addr)
	case engine.EventWatch:
		m.watchFields(t, ev)
	case engine.EventSyscall:
		m.syscallFields(t, ev)
	case engine.EventExec:
		// {reason="exec", path=, reloaded=, dropped=}: what runs now; with
		// reloaded, another program, whose symbols replaced the old ones,
		// and the old program's breakpoints (dropped of them) deleted.
		if e := ev.Exec; e != nil {
			t.RawSetString("path", glua.LString(e.Path))
			t.RawSetString("reloaded", glua.LBool(e.Reloaded))
			t.RawSetString("dropped", glua.LNumber(e.Dropped))
		}
	case engine.EventFork:
		t.RawSetString("parent", glua.LNumber(ev.Parent))
	case engine.EventExit, engine.EventProcessExit:
		if ev.ExitSignal != 0 {
			t.RawSetString("signal", glua.LString(SignalName(ev.ExitSignal)))
		} else {
			t.RawSetString("code", glua.LNumber(ev.ExitCode))
		}
	}
	if ev.Thread != nil && !exit && (m.isGo || ev.Thread.Process().Binary().IsGo()) {
		m.curEv, m.curTab = ev, t
		L.SetMetatable(t, m.eventMeta)
	} else {
		L.SetMetatable(t, m.eventStr)
	}
	return t
}

// eventPid is the process of an event: the one it names, else its
// thread's, else the first process.
func (m *Module) eventPid(ev *engine.Event) int {
	switch {
	case ev.Pid != 0:
		return ev.Pid
	case ev.Thread != nil:
		return ev.Thread.Pid()
	case m.p != nil:
		return m.p.Pid()
	}
	return 0
}

func (m *Module) setSym(t *glua.LTable, addr engine.Addr) {
	if s, ok := m.proc().FuncAt(addr); ok { // the program's, or a library's (puts)
		t.RawSetString("sym", glua.LString(s.Sym.Name))
	}
}

// eventIndex is the __index of Go programs' events: goid, read on demand
// from the stopped thread and kept.
func (m *Module) eventIndex(L *glua.LState) int {
	t := L.CheckTable(1)
	if L.CheckString(2) != "goid" || t != m.curTab || m.curEv == nil || m.curEv.Thread == nil {
		return 0
	}
	id, ok := m.curEv.Thread.GoroutineID()
	if !ok {
		return 0
	}
	t.RawSetString("goid", glua.LNumber(id))
	L.Push(glua.LNumber(id))
	return 1
}

func eventReason(k engine.EventKind) string {
	if k == engine.EventThread {
		return "thread"
	}
	if k == engine.EventExec {
		return "exec"
	}
	if k == engine.EventTick {
		return "sample"
	}
	if k == engine.EventFork {
		return "fork"
	}
	if k == engine.EventProcessExit {
		return "exit"
	}
	return k.String()
}

// SignalName is the SIG name of a signal ("SIGSEGV"), as events show it.
func SignalName(s syscall.Signal) string {
	if n, ok := signalNames[s]; ok {
		return n
	}
	if s >= 34 && s <= 64 { // the real-time signals, signal(7)
		return fmt.Sprintf("SIGRTMIN+%d", int(s)-34)
	}
	return fmt.Sprintf("SIG%d", int(s))
}

// signalNames are Linux x86-64's standard signals, signal(7).
var signalNames = map[syscall.Signal]string{
	syscall.SIGHUP: "SIGHUP", syscall.SIGINT: "SIGINT", syscall.SIGQUIT: "SIGQUIT",
	syscall.SIGILL: "SIGILL", syscall.SIGTRAP: "SIGTRAP", syscall.SIGABRT: "SIGABRT",
	syscall.SIGBUS: "SIGBUS", syscall.SIGFPE: "SIGFPE", syscall.SIGKILL: "SIGKILL",
	syscall.SIGUSR1: "SIGUSR1", syscall.SIGSEGV: "SIGSEGV", syscall.SIGUSR2: "SIGUSR2",
	syscall.SIGPIPE: "SIGPIPE", syscall.SIGALRM: "SIGALRM", syscall.SIGTERM: "SIGTERM",
	syscall.SIGSTKFLT: "SIGSTKFLT", syscall.SIGCHLD: "SIGCHLD", syscall.SIGCONT: "SIGCONT",
	syscall.SIGSTOP: "SIGSTOP", syscall.SIGTSTP: "SIGTSTP", syscall.SIGTTIN: "SIGTTIN",
	syscall.SIGTTOU: "SIGTTOU", syscall.SIGURG: "SIGURG", syscall.SIGXCPU: "SIGXCPU",
	syscall.SIGXFSZ: "SIGXFSZ", syscall.SIGVTALRM: "SIGVTALRM", syscall.SIGPROF: "SIGPROF",
	syscall.SIGWINCH: "SIGWINCH", syscall.SIGIO: "SIGIO", syscall.SIGPWR: "SIGPWR",
	syscall.SIGSYS: "SIGSYS",
}

// RunExitHandlers runs the on("exit") handlers with the exit event.
func (m *Module) RunExitHandlers(ev *engine.Event) error {
	if m.exitHandled {
		return nil
	}
	m.exitHandled = true
	// The last records (the ring is shared memory: readable after the exit).
	if err := m.drainProbes(); err != nil {
		return err
	}
	m.stop = ev
	hs := m.handlers["exit"]
	t := m.eventTable(ev)
	for _, fn := range hs {
		if _, err := m.call(fn, t); err != nil {
			return err
		}
	}
	return nil
}

// End reasons: ev.how of on("end").
const (
	EndExit      = "exit"      // the tracee exited on its own (after the on("exit") handlers)
	EndKill      = "kill"      // the script called kill()
	EndDetach    = "detach"    // the script called detach()
	EndInterrupt = "interrupt" // SIGINT, SIGTERM, SIGHUP, SIGQUIT to godbg, or its output closed
	EndTimeout   = "timeout"   // --timeout ran out
	EndError     = "error"     // a script error (ext), reported before the handlers run
)

// EndedBy is what the script itself did to end the session: EndKill after
// kill(), EndDetach after detach(), "" otherwise.
func (m *Module) EndedBy() string { return m.endedBy }

// RunEndHandlers runs the on("end") handlers once, with {reason="end",
// how=how}, plus the exit's code or signal when how is EndExit or EndKill.
// The lua layer calls it after the tracee was killed or detached: the
// state functions then raise "the session has ended".
func (m *Module) RunEndHandlers(how string) error {
	if m.ended != "" {
		return nil
	}
	m.ended = how
	if err := m.drainProbes(); err != nil {
		return err
	}
	hs := m.handlers["end"]
	if len(hs) == 0 {
		return nil
	}
	m.curEv, m.curTab = nil, nil
	t := m.L.CreateTable(0, 3)
	t.RawSetString("reason", glua.LString("end"))
	t.RawSetString("how", glua.LString(how))
	if ev := m.exit; ev != nil && (how == EndExit || how == EndKill) {
		if ev.ExitSignal != 0 {
			t.RawSetString("signal", glua.LString(SignalName(ev.ExitSignal)))
		} else {
			t.RawSetString("code", glua.LNumber(ev.ExitCode))
		}
	}
	for _, fn := range hs {
		if _, err := m.call(fn, t); err != nil {
			return err
		}
	}
	return nil
}

// sortedTids lists the threads' ids in increasing order.
func sortedTids(ts []*engine.Thread) []int {
	ids := make([]int, 0, len(ts))
	for _, t := range ts {
		ids = append(ids, t.Tid())
	}
	sort.Ints(ids)
	return ids
}

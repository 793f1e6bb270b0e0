package bindings

import (
	"fmt"
	"math"
	"strings"

	"github.com/godbg/godbg/engine"
	glua "github.com/yuin/gopher-lua"
)

// callReturn runs the on_return callback of the breakpoint whose call just
// returned; true stops, as for breakpoints.
func (m *Module) callReturn(ev *engine.Event) (bool, error) {
	d, _ := ev.Bp.Data.(*bpData)
	if d == nil || d.onReturn == nil {
		return false, nil
	}
	return m.call(d.onReturn, m.eventTable(ev))
}

// force_return([v]): in the callback of a breakpoint at a function's entry
// or after its prologue (or after cont() stopped at one: returnSafe), skip
// the rest of the current function: its frame is unwound
// through the call frame information (rsp, rip and the callee-saved
// registers its prologue saved) and it returns v to its caller (default 0).
// v is an integer or a boolean (rax; a Go function's other integer results
// become 0, so (T, error) returns (v, nil)), or a table {int=, float=}:
// float goes to xmm0 as a double (C double, Go float64), int to rax.
func (m *Module) forceReturn(L *glua.LState) int {
	var v engine.ReturnValue
	switch a := L.Get(1).(type) {
	case *glua.LNilType:
	case glua.LBool:
		if a {
			v.Int = 1
		}
	case *glua.LTable:
		a.ForEach(func(k, _ glua.LValue) {
			if k != glua.LString("int") && k != glua.LString("float") {
				argError(L, 1, "unknown field %s (want int, float)", L.ToStringMeta(k).String())
			}
		})
		if a.RawGetString("int") == glua.LNil && a.RawGetString("float") == glua.LNil {
			argError(L, 1, "a table wants int= or float=")
		}
		if n := a.RawGetString("int"); n != glua.LNil {
			x, err := U64FromLua(n)
			if err != nil {
				argError(L, 1, "int: %v", err)
			}
			v.Int = x
		}
		if f := a.RawGetString("float"); f != glua.LNil {
			n, ok := f.(glua.LNumber)
			if !ok {
				argError(L, 1, "float: number expected, got %s", typeName(f))
			}
			x := float64(n)
			v.Float = &x
		}
	default:
		v.Int = checkU64(L, 1)
	}
	t := m.currentThread(L)
	if why := m.returnSafe(t); why != "" {
		L.RaiseError("force_return: %s", why)
	}
	if err := t.ForceReturn(v); err != nil {
		m.raise(L, "force_return", err)
	}
	return 0
}

// notHere names the stops where force_return is refused, for its message.
var notHere = map[engine.EventKind]string{
	engine.EventWatch:  "not in a watchpoint's callback",
	engine.EventSignal: "not at a signal",
	engine.EventStep:   "not after step() or next_line()",
	engine.EventFinish: "not after finish()",
	engine.EventThread: `not in an on("thread") handler`,
	engine.EventExec:   `not in an on("exec") handler`,
	engine.EventExit:   "the program has exited",
}

// returnSafe tells why force_return cannot run now on t, or "" when it
// can: the stop at hand is a breakpoint's and t is at the first instruction
// of a function or at the first after its prologue (where brk puts a
// function's breakpoint). There the function has done nothing yet but set
// up its frame, which the call frame information unwinds. Anywhere else it
// may hold a lock, be halfway through an update or a system call (a Go
// program then dies with "fatal error: unlock of unlocked lock"), or have no
// caller (the program's first instruction).
func (m *Module) returnSafe(t *engine.Thread) string {
	const only = "only in the callback of a breakpoint at a function's entry or after its prologue (brk(\"func\")), " +
		"or after cont() stopped at one"
	ev := m.stop
	if ev == nil || ev.Kind != engine.EventBreakpoint || ev.Thread != t {
		what := "before the program stopped at a breakpoint"
		switch {
		case ev == nil:
		case ev.Kind == engine.EventReturn:
			what = "not at a return (on_return sees the return: set regs.rax there)"
		case ev.Kind == engine.EventSyscall:
			what = "not at a system call (sys_return skips one in its enter callback)"
		case ev.Kind == engine.EventBreakpoint:
			what = "not on another thread than the breakpoint's"
		case notHere[ev.Kind] != "":
			what = notHere[ev.Kind]
		default:
			what = fmt.Sprintf("not at a %s stop", eventReason(ev.Kind))
		}
		return only + "; " + what
	}
	r, err := t.Regs()
	if err != nil {
		return err.Error()
	}
	pc := engine.Addr(r.Rip)
	fn, ok := m.proc().FuncAt(pc)
	if ok && pc == fn.Addr {
		return ""
	}
	if ok {
		if after, err := m.proc().FirstPCAfterPrologue(fn); err == nil && pc == after {
			return ""
		}
		return fmt.Sprintf("%s; %#x is %s+%#x, inside the function: returning from there skips what it has begun (locks, deferred calls)",
			only, uint64(pc), fn.Sym.Name, uint64(pc-fn.Addr))
	}
	return fmt.Sprintf("%s; %#x is in no known function", only, uint64(pc))
}

// finish() -> ev: run until the current function returns to its caller:
// {reason="finish", tid=, addr=} with the thread stopped at the return
// address (regs.rax: the result). Other threads run meanwhile and their
// callbacks run as with cont(); one returning true ends finish() early with
// its event, as does the exit.
func (m *Module) finish(L *glua.LState) int {
	m.notFromCallback(L, "finish")
	m.checkLive(L, "finish")
	ev, err := m.runWith(m.p.Finish)
	if err != nil {
		m.raise(L, "finish", err)
	}
	L.Push(m.runEvent(ev))
	return 1
}

// retval([kind]) -> number: the current thread's first result after a
// return (on_return, finish): kind "int" (default, rax read signed) or
// "float" (xmm0 as a double).
func (m *Module) retval(L *glua.LState) int {
	t := m.currentThread(L)
	switch kind := optString(L, 1, "int"); kind {
	case "int":
		r, err := t.Regs()
		if err != nil {
			m.raise(L, "retval", err)
		}
		L.Push(SignedNumber(r.Rax))
	case "float":
		bits, err := t.XMM0()
		if err != nil {
			m.raise(L, "retval", err)
		}
		L.Push(glua.LNumber(math.Float64frombits(bits)))
	default:
		argError(L, 1, `"int" or "float" expected, got %q`, kind)
	}
	return 1
}

// rets() -> {name=value | [i]=value}: every result of the call the current
// thread has just returned from (in an on_return callback, after finish(),
// or after cont() returned a return event), through DWARF types, converted
// as args() converts. Go results named in the source are keyed by name
// ({n=3, err=nil}); unnamed ones (the compiler's ~r0, ~r1) and a C
// function's one result by position ({42, "s"}: rets()[1]). A nil result
// (a nil error) is absent from the table. Raises when the thread is not at
// such a return.
func (m *Module) rets(L *glua.LState) int {
	vs, err := m.currentThread(L).Results()
	if err != nil {
		m.raise(L, "rets", err)
	}
	t := L.CreateTable(0, len(vs))
	for k, v := range vs {
		if v.Name == "" || strings.HasPrefix(v.Name, "~") {
			t.RawSetInt(k+1, m.valueToLua(v))
		} else {
			t.RawSetString(v.Name, m.valueToLua(v))
		}
	}
	L.Push(t)
	return 1
}

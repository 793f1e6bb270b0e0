package bindings

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/godbg/godbg/engine"
	glua "github.com/yuin/gopher-lua"
)

// syscallHookType is the metatable name of sys() hooks.
const syscallHookType = "godbg.SyscallHook"

// sysData is what a syscall catch carries for the bindings (engine
// SyscallCatch.Data).
type sysData struct {
	fn    *glua.LFunction
	ud    *glua.LUserData
	names []string
}

// sys(names, fn) -> hook: fn(ev) at the entry and the exit of the named
// system calls: names is a name ("openat"), a list of names, or a glob
// ("*" for all, "open*"). ev = {reason="syscall", phase="enter"|"exit",
// name=, nr=, args={a1, ..., a6}, raw={r1, ..., r6}, ret= (exit), elapsed=
// (exit: seconds since the entry), tid=, goid=}; args read with the width
// and sign of the call's parameters (syscallArgs), raw the registers as
// signed 64 bits, ret signed. Returning true stops; without fn every stop
// stops.
func (m *Module) sys(L *glua.LState) int {
	var pats []string
	switch v := L.Get(1).(type) {
	case glua.LString:
		pats = []string{string(v)}
	case *glua.LTable:
		v.ForEach(func(_, x glua.LValue) {
			s, ok := x.(glua.LString)
			if !ok {
				argError(L, 1, "system call names must be strings, got %s", typeName(x))
			}
			pats = append(pats, string(s))
		})
		if len(pats) == 0 {
			argError(L, 1, "an empty list of system calls")
		}
	default:
		argError(L, 1, "system call name, glob or list of them expected, got %s", typeName(v))
	}
	fn := optFunction(L, 2)
	all, nrs, err := SyscallNumbers(pats)
	if err != nil {
		argError(L, 1, "%v", err)
	}
	m.checkLive(L, "sys")
	c, err := m.p.CatchSyscall(all, nrs)
	if err != nil {
		L.RaiseError("sys: %v", err)
	}
	c.Data = &sysData{fn: fn, names: pats}
	L.Push(m.pushSyscallHook(c))
	return 1
}

// SyscallNumbers resolves sys() names: exact names, or globs (* ? [..]);
// "*" is every call. An unknown name or a glob matching none is an error.
func SyscallNumbers(pats []string) (all bool, nrs []int, err error) {
	if len(pats) == 0 {
		return false, nil, fmt.Errorf("no system call named")
	}
	seen := map[int]bool{}
	for _, pat := range pats {
		if pat == "*" {
			return true, nil, nil
		}
		if !strings.ContainsAny(pat, "*?[") {
			nr, ok := engine.SyscallNumber(pat)
			if !ok {
				return false, nil, fmt.Errorf("unknown system call %q", pat)
			}
			if !seen[nr] {
				seen[nr] = true
				nrs = append(nrs, nr)
			}
			continue
		}
		n := 0
		for _, name := range engine.SyscallNames() {
			ok, perr := path.Match(pat, name)
			if perr != nil {
				return false, nil, fmt.Errorf("bad glob %q: %v", pat, perr)
			}
			if ok {
				n++
				nr, _ := engine.SyscallNumber(name)
				if !seen[nr] {
					seen[nr] = true
					nrs = append(nrs, nr)
				}
			}
		}
		if n == 0 {
			return false, nil, fmt.Errorf("no system call matches %q", pat)
		}
	}
	sort.Ints(nrs)
	return false, nrs, nil
}

// sys_return(v): in a syscall entry callback (or after cont() returned an
// entry event), skip the call: it returns v (e.g. -2, -ENOENT) and its exit
// event still comes, with ret = v.
func (m *Module) sysReturn(L *glua.LState) int {
	v := int64(checkU64(L, 1))
	m.checkLive(L, "sys_return")
	t := m.p.CurrentThread()
	if t == nil {
		L.RaiseError("sys_return: no current thread")
	}
	if err := m.p.SkipSyscall(t, v); err != nil {
		L.RaiseError("sys_return: only in a system call's enter callback: %v", err)
	}
	return 0
}

func (m *Module) pushSyscallHook(c *engine.SyscallCatch) *glua.LUserData {
	d, _ := c.Data.(*sysData)
	if d == nil {
		d = &sysData{}
		c.Data = d
	}
	if d.ud == nil {
		d.ud = newHandle(m, syscallHookHandle, c)
	}
	return d.ud
}

func checkSyscallHook(L *glua.LState, n int) *engine.SyscallCatch {
	return checkHandle[*engine.SyscallCatch](L, n, "sys hook")
}

// hookNames are the system calls a sys() hook was asked for.
func hookNames(c *engine.SyscallCatch) []string {
	if d, _ := c.Data.(*sysData); d != nil {
		return d.names
	}
	return nil
}

// syscallHookHandle is the sys() hooks' Lua type (handle.go).
var syscallHookHandle = &handleType[*engine.SyscallCatch]{
	meta:   syscallHookType,
	what:   "sys hook",
	prefix: "hook",
	fields: map[string]func(*glua.LState, *engine.SyscallCatch) glua.LValue{
		"id": func(_ *glua.LState, c *engine.SyscallCatch) glua.LValue { return glua.LNumber(c.ID) },
		"names": func(L *glua.LState, c *engine.SyscallCatch) glua.LValue {
			t := L.NewTable()
			for _, n := range hookNames(c) {
				t.Append(glua.LString(n))
			}
			return t
		},
		"deleted": func(_ *glua.LState, c *engine.SyscallCatch) glua.LValue { return glua.LBool(c.Deleted()) },
	},
	methods: map[string]func(*Module, *glua.LState) int{
		// hook:delete(): stop calling the hook.
		"delete": func(m *Module, L *glua.LState) int {
			if err := m.p.ClearSyscallCatch(checkSyscallHook(L, 1)); err != nil {
				apiError(L, "%v", err)
			}
			return 0
		},
	},
	deleted: func(c *engine.SyscallCatch) (int, bool) { return c.ID, c.Deleted() },
	tostring: func(c *engine.SyscallCatch) string {
		return fmt.Sprintf("sys hook %d on %s", c.ID, strings.Join(hookNames(c), ","))
	},
}

// callSyscall runs the fn of each sys() hook that wants the call, with one
// event table; true when one returned true (or has no fn).
func (m *Module) callSyscall(ev *engine.Event) (bool, error) {
	t := m.eventTable(ev)
	stop := false
	for _, c := range ev.Syscall.Catches {
		if c.Deleted() {
			continue // deleted by an earlier hook of this stop
		}
		d, _ := c.Data.(*sysData)
		if d == nil || d.fn == nil {
			stop = true
			continue
		}
		s, err := m.call(d.fn, t)
		if err != nil {
			return true, err
		}
		stop = stop || s
	}
	return stop, nil
}

// syscallFields fills a syscall event's table.
func (m *Module) syscallFields(t *glua.LTable, ev *engine.Event) {
	sc := ev.Syscall
	L := m.L
	phase := "enter"
	if sc.Exit {
		phase = "exit"
		t.RawSetString("ret", glua.LNumber(float64(sc.Ret)))
		t.RawSetString("elapsed", glua.LNumber(ev.Elapsed.Seconds()))
	}
	t.RawSetString("phase", glua.LString(phase))
	t.RawSetString("name", glua.LString(sc.Name))
	t.RawSetString("nr", glua.LNumber(sc.Nr))
	if sc.Compat {
		t.RawSetString("arch", glua.LString("i386")) // int 0x80: nr and name of the i386 table
	}
	args, raw := L.CreateTable(6, 0), L.CreateTable(6, 0)
	for _, a := range syscallArgs(sc) {
		args.Append(a)
	}
	for _, a := range sc.Args {
		raw.Append(SignedNumber(a))
	}
	t.RawSetString("args", args)
	t.RawSetString("raw", raw)
}

// compatArgs reads an i386 call's arguments (int 0x80: ebx, ecx, edx,
// esi, edi, ebp, zero-extended): a pointer of the x86-64 call of the same
// name is its address, anything else a signed 32-bit value (the i386
// kernel's int and long alike).
func compatArgs(sc *engine.Syscall) [6]glua.LNumber {
	var out [6]glua.LNumber
	var sig *engine.SyscallSig
	if nr, ok := engine.SyscallNumber(sc.Name); ok {
		sig = engine.SyscallSignature(nr)
	}
	for i, a := range sc.Args {
		if sig != nil && i < len(sig.Params) && sig.Params[i].Kind == engine.ArgPtr {
			out[i] = AddrNumber(uint64(uint32(a)))
		} else {
			out[i] = glua.LNumber(int32(uint32(a)))
		}
	}
	return out
}

// syscallArgs reads a call's argument registers as its prototype's
// parameters (engine.SyscallSignature), signed at the parameter's width as
// the contract says: an int is the low 32 bits (AT_FDCWD -100 even when the
// register holds 0xffffff9c), a uid_t of -1 is -1; a pointer is its
// address. The registers
// past the parameters, and all six of a call the table does not know, read
// as signed 64 bits.
func syscallArgs(sc *engine.Syscall) [6]glua.LNumber {
	var out [6]glua.LNumber
	if sc.Compat {
		return compatArgs(sc)
	}
	sig := engine.SyscallSignature(sc.Nr)
	for i, a := range sc.Args {
		switch {
		case sig == nil || i >= len(sig.Params):
			out[i] = SignedNumber(a)
		case sig.Params[i].Kind == engine.ArgPtr:
			out[i] = AddrNumber(a)
		default:
			// The contract reads every argument signed at its own width,
			// unsigned C types too (a uid_t of -1 is -1, as strace shows it).
			p := sig.Params[i]
			p.Signed = true
			out[i] = SignedNumber(p.Decode(a))
		}
	}
	return out
}

// sys_info(name | nr) -> {name=, nr=, entry=, ret=, args={{name=, type=,
// size=, signed=, kind=}, ...}}: a system call's kernel prototype, as
// sys() events read it; kind is "int", "uint", "ptr" or "fd", ret "int" or
// "ptr" (an address: mmap, brk). nil for an unknown call.
func (m *Module) sysInfo(L *glua.LState) int {
	var nr int
	switch v := L.Get(1).(type) {
	case glua.LString:
		n, ok := engine.SyscallNumber(string(v))
		if !ok {
			L.Push(glua.LNil)
			return 1
		}
		nr = n
	case glua.LNumber:
		nr = int(v)
	default:
		L.RaiseError("sys_info: system call name or number expected, got %s", v.Type())
	}
	sig := engine.SyscallSignature(nr)
	if sig == nil {
		L.Push(glua.LNil)
		return 1
	}
	t := L.CreateTable(0, 5)
	t.RawSetString("name", glua.LString(engine.SyscallName(nr)))
	t.RawSetString("nr", glua.LNumber(nr))
	t.RawSetString("entry", glua.LString(sig.Entry))
	t.RawSetString("ret", glua.LString(sig.Ret.String()))
	args := L.CreateTable(len(sig.Params), 0)
	for _, p := range sig.Params {
		a := L.CreateTable(0, 5)
		if p.Name != "" {
			a.RawSetString("name", glua.LString(p.Name))
		}
		a.RawSetString("type", glua.LString(p.Type))
		a.RawSetString("size", glua.LNumber(p.Size))
		a.RawSetString("signed", glua.LBool(p.Signed))
		a.RawSetString("kind", glua.LString(p.Kind.String()))
		args.Append(a)
	}
	t.RawSetString("args", args)
	L.Push(t)
	return 1
}

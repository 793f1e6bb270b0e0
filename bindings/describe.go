package bindings

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/godbg/godbg/engine"
	glua "github.com/yuin/gopher-lua"
)

// An event's __tostring says where the tracee stopped, as Delve's prompt
// shows a stop: the function, file:line, the pc and why, then the source
// line when the file is readable:
//
//	> main.BreakMe() main.go:6 (breakpoint 1) (PC: 0x4bcbaa)
//	=>   6:	func BreakMe() {
//
// It reads the table's own fields (reason, addr, sym, bp, signal, ...), so
// it renders a kept event as well as the current one. The interactive
// prompt prints stops with it, and so does print(cont()) in a script: a
// session saved at the prompt replays with the same output.

// describeEvent is the __tostring of event tables.
func (m *Module) describeEvent(L *glua.LState) int {
	t := L.CheckTable(1)
	L.Push(glua.LString(m.renderEvent(t)))
	return 1
}

func (m *Module) renderEvent(t *glua.LTable) string {
	str := func(k string) string {
		if s, ok := t.RawGetString(k).(glua.LString); ok {
			return string(s)
		}
		return ""
	}
	num := func(k string) (uint64, bool) {
		v := t.RawGetString(k)
		if v == glua.LNil {
			return 0, false
		}
		n, err := U64FromLua(v)
		return n, err == nil
	}
	bpID := func() string {
		if ud, ok := t.RawGetString("bp").(*glua.LUserData); ok {
			if bp, ok := ud.Value.(*engine.Breakpoint); ok {
				return fmt.Sprintf("breakpoint %d", bp.ID)
			}
		}
		return "breakpoint"
	}
	switch reason := str("reason"); reason {
	case "exit":
		if sig := str("signal"); sig != "" {
			return "Process killed by " + sig
		}
		code, _ := num("code")
		return fmt.Sprintf("Process exited with status %d", code)
	case "detach":
		return "Process detached"
	case "thread":
		return "New thread"
	case "exec":
		return "Process exec'd " + str("path")
	case "syscall":
		s := fmt.Sprintf("> system call %s (%s)", str("name"), str("phase"))
		if ret := t.RawGetString("ret"); ret != glua.LNil {
			s += " = " + ret.String()
		}
		return s
	case "breakpoint":
		pc, _ := num("addr")
		return m.DescribePC(engine.Addr(pc), bpID())
	case "return":
		pc, _ := num("addr")
		note := "returned"
		if ud, ok := t.RawGetString("bp").(*glua.LUserData); ok {
			if bp, ok := ud.Value.(*engine.Breakpoint); ok {
				note = "returned from " + bp.Loc
			}
		}
		return m.DescribePC(engine.Addr(pc), note)
	case "signal":
		pc, _ := num("addr")
		note := "signal " + str("signal")
		switch str("signal") {
		case "SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL": // si_addr means something
			fa, _ := num("fault_addr")
			note += fmt.Sprintf(", fault address %#x", fa)
		}
		return m.DescribePC(engine.Addr(pc), note)
	case "watch":
		pc, _ := num("pc")
		note := "watchpoint"
		if a, ok := num("addr"); ok {
			note = fmt.Sprintf("watchpoint on %#x", a)
		}
		return m.DescribePC(engine.Addr(pc), note)
	default: // step, finish and any other stop at a pc
		pc, ok := num("addr")
		if !ok {
			return "event " + reason
		}
		return m.DescribePC(engine.Addr(pc), "")
	}
}

// DescribePC renders a stop at pc: "> fn() file:line (note) (PC: 0x...)"
// and, when the source file is readable, the line itself.
func (m *Module) DescribePC(pc engine.Addr, note string) string {
	var b strings.Builder
	b.WriteString("> ")
	loc := fmt.Sprintf("%#x", uint64(pc))
	var file string
	var line int
	if m.p != nil {
		if ref, ok := m.proc().SymAt(pc); ok {
			if off := pc - ref.Addr; off == 0 {
				loc = ref.Sym.Name + "()"
			} else {
				loc = fmt.Sprintf("%s()+%d", ref.Sym.Name, off)
			}
			if f, l, ok := m.proc().PCToLine(pc); ok {
				file, line = f, l
				loc = fmt.Sprintf("%s() %s:%d", ref.Sym.Name, filepath.Base(f), l)
			}
		}
	}
	b.WriteString(loc)
	if note != "" {
		b.WriteString(" (" + note + ")")
	}
	fmt.Fprintf(&b, " (PC: %#x)", uint64(pc))
	if src, ok := m.sourceLine(file, line); ok {
		fmt.Fprintf(&b, "\n=>%4d:\t%s", line, src)
	}
	return b.String()
}

// sourceLine is line n of file, when the file is readable; files are read
// once a session.
func (m *Module) sourceLine(file string, n int) (string, bool) {
	if file == "" || n <= 0 {
		return "", false
	}
	if m.sources == nil {
		m.sources = map[string][]string{}
	}
	lines, seen := m.sources[file]
	if !seen {
		if b, err := os.ReadFile(file); err == nil {
			lines = strings.Split(string(b), "\n")
		}
		m.sources[file] = lines
	}
	if n > len(lines) {
		return "", false
	}
	return strings.TrimRight(lines[n-1], "\r"), true
}

// regsOrder is the order gdb's `info registers` lists them.
var regsOrder = []string{"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "eflags",
	"cs", "ss", "ds", "es", "fs", "gs", "fs_base", "gs_base", "orig_rax"}

// renderRegs is tostring(regs): the current thread's registers, one a line
// (name, hex, signed decimal), as gdb's `info registers`.
func (m *Module) renderRegs(L *glua.LState) string {
	r, err := m.currentThread(L).Regs()
	if err != nil {
		L.RaiseError("regs: %v", err)
	}
	var b strings.Builder
	for _, name := range regsOrder {
		v, ok := r.Get(name)
		if !ok {
			continue
		}
		fmt.Fprintf(&b, "%-8s %#-18x %d\n", name, v, int64(v))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

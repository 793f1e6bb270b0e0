package lua

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// command is one of the prompt's short commands, as a gdb or Delve user
// types them. Each has a Lua form: what runs, and what save writes, so a
// saved session replays with the same output.
type command struct {
	name    string
	aliases []string
	usage   string
	help    string
	lua     func(r *repl, arg string) (string, error)
}

var commands []*command

func init() {
	commands = []*command{
		{name: "b", aliases: []string{"break"}, usage: "b LOC", help: "set a breakpoint that stops: LOC is a function, file:LINE or an address; brk(LOC)", lua: luaBreak},
		{name: "c", aliases: []string{"continue"}, usage: "c", help: "continue until a breakpoint, a signal or the exit; print(cont())", lua: fixed("print(cont())")},
		{name: "si", aliases: []string{"stepi"}, usage: "si", help: "one instruction; print(step())", lua: fixed("print(step())")},
		{name: "n", aliases: []string{"next"}, usage: "n", help: "the next source line, over calls; print(next_line())", lua: fixed("print(next_line())")},
		{name: "finish", usage: "finish", help: "run until the current function returns; print(finish())", lua: fixed("print(finish())")},
		{name: "bt", aliases: []string{"backtrace"}, usage: "bt [N]", help: "the stack, N frames at most; print(bt(N))", lua: luaBt},
		{name: "p", usage: "p EXPR", help: "a variable or expression of the current frame, as Delve's print; pp(var(EXPR))", lua: luaPrint},
		{name: "x", usage: "x ADDR [N]", help: "hex dump of N bytes (64) at ADDR: a number, a symbol or Lua; print(mem.dump(ADDR, N))", lua: luaExamine},
		{name: "disas", usage: "disas [LOC]", help: "disassemble from the pc to the function's end, or the function or address LOC; print(disas(LOC))", lua: luaDisas},
		{name: "regs", usage: "regs", help: "the current thread's registers; print(regs)", lua: fixed("print(regs)")},
		{name: "args", usage: "args", help: "the current function's arguments; pp(args())", lua: fixed("pp(args())")},
		{name: "locals", usage: "locals", help: "the current function's local variables; pp(locals())", lua: fixed("pp(locals())")},
		{name: "goroutines", usage: "goroutines", help: "the goroutines (Go programs), one a line", lua: fixed(goroutinesLua)},
		{name: "threads", usage: "threads", help: "the threads' ids; pp(threads())", lua: fixed("pp(threads())")},
		{name: "bps", usage: "bps", help: "the breakpoints", lua: fixed("for _, b in ipairs(bps()) do print(b) end")},
		{name: "delete", aliases: []string{"d"}, usage: "delete ID", help: "delete breakpoint ID", lua: luaDelete},
		{name: "save", usage: "save FILE", help: "write the session so far as a script: godbg run FILE PROGRAM replays it"},
		{name: "help", aliases: []string{"h"}, usage: "help [CMD]", help: "the commands, or one command"},
		{name: "q", aliases: []string{"quit", "exit"}, usage: "q", help: "end the session: a launched program is killed, an attached one detached"},
	}
}

// goroutinesLua prints one line a goroutine, as Delve's goroutines does.
const goroutinesLua = `for _, g in ipairs(goroutines()) do printf("goroutine %d %s in %s (started by %s)", g.id, g.status, g.sym or "?", g.start or "?") end`

func lookupCommand(word string) *command {
	for _, c := range commands {
		if c.name == word {
			return c
		}
		for _, a := range c.aliases {
			if a == word {
				return c
			}
		}
	}
	return nil
}

func fixed(code string) func(*repl, string) (string, error) {
	return func(_ *repl, arg string) (string, error) {
		if arg != "" {
			return "", fmt.Errorf("takes no argument")
		}
		return code, nil
	}
}

var number = regexp.MustCompile(`^(0[xX][0-9a-fA-F]+|[0-9]+)$`)

// location is LOC in Lua: an address stays a number (gdb's *ADDR too), a
// name or file:LINE becomes a string.
func location(loc string) string {
	loc = strings.TrimSpace(loc)
	if a := strings.TrimPrefix(loc, "*"); number.MatchString(a) {
		return a
	}
	return strconv.Quote(loc)
}

func luaBreak(_ *repl, arg string) (string, error) {
	if arg == "" {
		return "", fmt.Errorf("want a location: b main.f, b file.go:12, b 0x401000")
	}
	return "print(brk(" + location(arg) + "))", nil
}

func luaBt(_ *repl, arg string) (string, error) {
	if arg == "" {
		return "print(bt())", nil
	}
	if n, err := strconv.Atoi(arg); err != nil || n <= 0 {
		return "", fmt.Errorf("%q is not a frame count", arg)
	}
	return "print(bt(" + arg + "))", nil
}

func luaPrint(_ *repl, arg string) (string, error) {
	if arg == "" {
		return "", fmt.Errorf("want an expression: p x, p s.field, p *ptr")
	}
	return "pp(var(" + strconv.Quote(arg) + "))", nil
}

func luaExamine(r *repl, arg string) (string, error) {
	f := strings.Fields(arg)
	if len(f) == 0 {
		return "", fmt.Errorf("want an address: x 0x4c8000 32, x main.counter, x regs.rsp 16")
	}
	n := "64"
	if len(f) > 1 && number.MatchString(f[len(f)-1]) {
		n, f = f[len(f)-1], f[:len(f)-1]
	}
	addr := strings.Join(f, " ")
	if name := strings.TrimPrefix(addr, "&"); name != addr && r.isSymbol(name) {
		addr = name // x &counter, as gdb takes it
	}
	switch {
	case number.MatchString(addr):
	case r.isSymbol(addr):
		addr = "sym(" + strconv.Quote(addr) + ")"
	}
	return "print(mem.dump(" + addr + ", " + n + "))", nil
}

// isSymbol tells a name of the program's symbol tables.
func (r *repl) isSymbol(name string) bool {
	if r == nil {
		return false // no session (tests of the Lua forms)
	}
	if b := r.se.p.Binary(); b != nil {
		_, ok := b.LookupSym(name)
		return ok
	}
	return false
}

func luaDisas(_ *repl, arg string) (string, error) {
	if arg == "" {
		return "print(disas())", nil
	}
	return "print(disas(" + location(arg) + "))", nil
}

func luaDelete(r *repl, arg string) (string, error) {
	id, err := strconv.Atoi(arg)
	if err != nil {
		return "", fmt.Errorf("want a breakpoint id (bps lists them)")
	}
	found := false
	for _, bp := range r.se.p.Breakpoints() {
		found = found || bp.ID == id
	}
	if !found {
		return "", fmt.Errorf("no breakpoint %d (bps lists them)", id)
	}
	return fmt.Sprintf("for _, b in ipairs(bps()) do if b.id == %d then b:delete() end end", id), nil
}

// help prints the commands, or one.
func (r *repl) help(arg string) {
	if arg != "" {
		c := lookupCommand(arg)
		if c == nil {
			fmt.Fprintf(r.ui, "help: no command %q (help lists them; any other line is Lua)\n", arg)
			return
		}
		fmt.Fprintf(r.ui, "%s\n    %s\n", c.usage, c.help)
		if len(c.aliases) > 0 {
			fmt.Fprintf(r.ui, "    also: %s\n", strings.Join(c.aliases, ", "))
		}
		return
	}
	fmt.Fprintln(r.ui, "Commands (any other line is Lua, run as a script's lines are; an expression prints its value):")
	for _, c := range commands {
		fmt.Fprintf(r.ui, "  %-14s %s\n", c.usage, c.help)
	}
}

package lua

import (
	"strings"
	"testing"

	"github.com/godbg/godbg/bindings"
	glua "github.com/yuin/gopher-lua"
)

// Each short command's Lua form: what runs at the prompt and what save
// writes.
func TestCommandLuaForms(t *testing.T) {
	tests := []struct{ cmd, arg, want, err string }{
		{"b", "main.BreakMe", `print(brk("main.BreakMe"))`, ""},
		{"break", "main.go:12", `print(brk("main.go:12"))`, ""},
		{"b", "0x401000", `print(brk(0x401000))`, ""},
		{"b", "*0x401000", `print(brk(0x401000))`, ""},
		{"b", "", "", "want a location: b main.f, b file.go:12, b 0x401000"},
		{"c", "", `print(cont())`, ""},
		{"c", "x", "", "takes no argument"},
		{"si", "", `print(step())`, ""},
		{"n", "", `print(next_line())`, ""},
		{"finish", "", `print(finish())`, ""},
		{"bt", "", `print(bt())`, ""},
		{"bt", "3", `print(bt(3))`, ""},
		{"bt", "-1", "", `"-1" is not a frame count`},
		{"p", `s.name`, `pp(var("s.name"))`, ""},
		{"p", `m["k"]`, `pp(var("m[\"k\"]"))`, ""},
		{"x", "0x4c8000 16", `print(mem.dump(0x4c8000, 16))`, ""},
		{"x", "regs.rsp", `print(mem.dump(regs.rsp, 64))`, ""},
		{"disas", "", `print(disas())`, ""},
		{"disas", "main.f", `print(disas("main.f"))`, ""},
		{"regs", "", `print(regs)`, ""},
		{"locals", "", `pp(locals())`, ""},
		{"bps", "", `for _, b in ipairs(bps()) do print(b) end`, ""},
	}
	for _, tt := range tests {
		c := lookupCommand(tt.cmd)
		if c == nil {
			t.Fatalf("no command %q", tt.cmd)
		}
		got, err := c.lua(nil, tt.arg)
		if got != tt.want || (err == nil) != (tt.err == "") || err != nil && err.Error() != tt.err {
			t.Errorf("%s %s: got %q, %v; want %q, %q", tt.cmd, tt.arg, got, err, tt.want, tt.err)
		}
	}
}

func TestStatementForm(t *testing.T) {
	tests := []struct {
		chunk string
		nret  int
		want  string
	}{
		{"x = 1", 0, "x = 1"},
		{"local y = 2", 0, "do\nlocal y = 2\nend"},
		{"return 1, 2", 2, "pp((function()\nreturn 1, 2\nend)())"},
		{"localize = 1", 0, "localize = 1"},
	}
	for _, tt := range tests {
		if got := statementForm(tt.chunk, tt.nret); got != tt.want {
			t.Errorf("statementForm(%q, %d) = %q, want %q", tt.chunk, tt.nret, got, tt.want)
		}
	}
}

func TestPretty(t *testing.T) {
	L := glua.NewState()
	defer L.Close()
	tests := []struct{ expr, want string }{
		{`"top"`, "top"},
		{`42`, "42"},
		{`-0.5`, "-0.5"},
		{`nil`, "nil"},
		{`{}`, "{}"},
		{`{1, "a", true}`, `{1, "a", true}`},
		{`{b = 2, a = 1, [10] = "x", ["not id"] = 3}`, `{[10] = "x", a = 1, b = 2, ["not id"] = 3}`},
		{`{name = "gopher", tags = {"a", "b"}}`, `{name = "gopher", tags = {"a", "b"}}`},
		{`setmetatable({}, {__tostring = function() return "custom" end})`, "custom"},
		{`{s = "a fairly long string value", t = "another fairly long string", u = "and a third one"}`,
			"{\n  s = \"a fairly long string value\",\n  t = \"another fairly long string\",\n  u = \"and a third one\",\n}"},
		{`(function() local t = {}; t.self = t; return t end)()`, "{self = <cycle>}"},
	}
	for _, tt := range tests {
		if err := L.DoString("return " + tt.expr); err != nil {
			t.Fatalf("%s: %v", tt.expr, err)
		}
		got := bindings.Pretty(L, L.Get(-1))
		L.Pop(1)
		if got != tt.want {
			t.Errorf("Pretty(%s) = %q, want %q", tt.expr, got, tt.want)
		}
	}
}

func TestShellQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"./break", "./break"},
		{"a b", "'a b'"},
		{"it's", `'it'\''s'`},
		{"", "''"},
	}
	for _, tt := range tests {
		if got := shellQuote(tt.in); got != tt.want {
			t.Errorf("shellQuote(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCompleterDo(t *testing.T) {
	c := newCompleter(nil)
	words := []string{"brk", "bt", "main.BreakMe", "main.Tick", "main.main", "total"}
	c.words.Store(&words)
	tests := []struct {
		line string
		want []string
		n    int
	}{
		{"b main.Ti", []string{"ck"}, 7},
		{"b main.", []string{"BreakMe", "Tick", "main"}, 5},
		{`brk("main.Br`, []string{"eakMe"}, 7},
		{"fin", []string{"ish"}, 3},  // a command, first word
		{"", nil, 0},                 // nothing typed: the commands
		{"p to", []string{"tal"}, 2}, // a local
		{"p ", nil, 0},               // no word: nothing
		{"print(x) ; b", []string{"rk", "t"}, 1},
	}
	for _, tt := range tests {
		got, n := c.Do([]rune(tt.line), len([]rune(tt.line)))
		var gs []string
		for _, g := range got {
			gs = append(gs, string(g))
		}
		if tt.line == "" {
			if len(gs) != len(c.first) {
				t.Errorf("Do(%q): %d words, want the %d commands", tt.line, len(gs), len(c.first))
			}
			continue
		}
		if n != tt.n || strings.Join(gs, ",") != strings.Join(tt.want, ",") {
			t.Errorf("Do(%q) = %q, %d; want %q, %d", tt.line, gs, n, tt.want, tt.n)
		}
	}
}

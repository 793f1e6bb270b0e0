package lua

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/godbg/godbg/bindings"
	glua "github.com/yuin/gopher-lua"
)

func TestCompileErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"local x = = 1\n", "s.lua:1: syntax error near '='"},
		{"print(1)\nif x then\n", "s.lua: syntax error at end of file"},
		{"print(1)\nprint(2))\n", "s.lua:2: syntax error near ')'"},
	}
	for _, tt := range tests {
		L := newState(&script{name: "s.lua"}, nil)
		_, err := compile(L, &script{name: "s.lua", src: []byte(tt.src)})
		L.Close()
		if err == nil || err.Error() != tt.want {
			t.Errorf("compile(%q): got %v, want %q", tt.src, err, tt.want)
		}
	}
}

func TestStateParamsAndLibs(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "mod.lua"), []byte("return 42"), 0o644)
	L := newState(&script{name: "s.lua", dir: dir}, map[string]string{"pattern": "main.*", "n": "3"})
	defer L.Close()
	err := L.DoString(`
		assert(params.pattern == "main.*" and params.n == "3")
		assert(require("mod") == 42)
		assert(type(io.write) == "function" and type(os.execute) == "function" and type(os.remove) == "function")
		assert(type(os.clock()) == "number" and string.format("%d", 7) == "7" and math.floor(1.5) == 1)
		assert(package.loaded.os == os)`)
	if err != nil {
		t.Fatal(err)
	}
}

func TestLoadScript(t *testing.T) {
	s, err := loadScript("trace", "", false)
	if err != nil || s.name != "trace.lua" || !strings.HasPrefix(string(s.src), "-- trace:") {
		t.Fatalf("recipe trace: got %+v, %v", s, err)
	}
	if _, err := loadScript("/nonexistent.lua", "", false); err == nil ||
		err.Error() != "script /nonexistent.lua: no such file and no bundled recipe of that name (see godbg scripts)" {
		t.Errorf("missing script: got %v", err)
	}
	s, err = loadScript("", "print(1)", true)
	if err != nil || s.name != "-e" || string(s.src) != "print(1)" {
		t.Errorf("-e: got %+v, %v", s, err)
	}
}

func TestRecipesHaveHeaders(t *testing.T) {
	rs := Recipes()
	if len(rs) == 0 {
		t.Fatal("no bundled recipe")
	}
	for _, r := range rs {
		src, _ := recipe(r.Name)
		if r.Header == "" || !strings.Contains(string(src), "-- Example:") || !strings.Contains(string(src), "godbg run") {
			t.Errorf("recipe %s: want a header line and an example command", r.Name)
		}
		L := newState(&script{name: r.Name}, nil)
		if _, err := compile(L, &script{name: r.Name + ".lua", src: src}); err != nil {
			t.Errorf("recipe %s: %v", r.Name, err)
		}
		L.Close()
	}
}

func TestDescribe(t *testing.T) {
	L := glua.NewState()
	defer L.Close()
	err := L.DoString("local function f() error('boom') end\nf()")
	got := describe(err, nil)
	if !strings.HasPrefix(got, "<string>:1: boom\nstack traceback:") {
		t.Errorf("describe: got %q", got)
	}
}

// With the API installed, every global of a fresh gopher-lua state (the
// base functions, the libraries io and os included) is still the original:
// the same Go function, a library table with the same functions and
// values. print is the one redefinition (to the output stream); next stays
// Lua's table iterator (line stepping is next_line).
func TestStandardGlobalsKept(t *testing.T) {
	fresh := glua.NewState()
	defer fresh.Close()
	L := newState(&script{name: "s.lua"}, nil)
	defer L.Close()
	bindings.New(L, nil, bindings.NewOutput(io.Discard))
	n := 0
	fresh.G.Global.ForEach(func(k, want glua.LValue) {
		name := k.String()
		n++
		got := L.GetGlobal(name)
		switch {
		case name == "print":
			if got.Type() != glua.LTFunction {
				t.Errorf("print: got %s, want a function", got.Type())
			}
		case name == "_G":
			if got != L.G.Global {
				t.Errorf("_G: not the global table")
			}
		default:
			if msg := sameValue(want, got, true); msg != "" {
				t.Errorf("%s: %s", name, msg)
			}
		}
	})
	for _, lib := range []string{"io", "os", "string", "table", "math", "coroutine", "debug", "package", "channel"} {
		if fresh.GetGlobal(lib).Type() != glua.LTTable {
			t.Errorf("a fresh state has no %s library", lib)
		}
	}
	if n < 30 {
		t.Errorf("only %d globals in a fresh state", n)
	}
	if err := L.DoString(`
		assert(next({}) == nil and next({7}) == 1 and select("#", 1, 2) == 2 and type(load) == "function")
		local keys = {}
		for k in pairs({a = 1}) do keys[#keys + 1] = k end
		assert(#keys == 1 and keys[1] == "a")
		assert(type(next_line) == "function")`); err != nil {
		t.Fatal(err)
	}
}

// sameValue compares a value of a fresh state with the one in godbg's: a
// Go function by its code, a table (a library, one level deep) field by
// field, anything else by value.
func sameValue(want, got glua.LValue, deep bool) string {
	if want.Type() != got.Type() {
		return "got a " + got.Type().String() + ", want a " + want.Type().String()
	}
	switch w := want.(type) {
	case *glua.LFunction:
		g := got.(*glua.LFunction)
		if w.IsG != g.IsG || (w.IsG && reflect.ValueOf(w.GFunction).Pointer() != reflect.ValueOf(g.GFunction).Pointer()) {
			return "not the standard function"
		}
	case *glua.LTable:
		if !deep {
			return ""
		}
		g := got.(*glua.LTable)
		msg := ""
		w.ForEach(func(k, v glua.LValue) {
			if m := sameValue(v, g.RawGet(k), false); m != "" && msg == "" {
				msg = k.String() + ": " + m
			}
		})
		g.ForEach(func(k, _ glua.LValue) {
			if w.RawGet(k) == glua.LNil && msg == "" {
				msg = k.String() + ": not in the standard library"
			}
		})
		return msg
	case *glua.LUserData, *glua.LState:
	default:
		if want.String() != got.String() {
			return "got " + got.String() + ", want " + want.String()
		}
	}
	return ""
}

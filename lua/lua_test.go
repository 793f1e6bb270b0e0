package lua

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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

func TestStateParamsAndSafeLibs(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "mod.lua"), []byte("return 42"), 0o644)
	L := newState(&script{name: "s.lua", dir: dir}, map[string]string{"pattern": "main.*", "n": "3"})
	defer L.Close()
	err := L.DoString(`
		assert(params.pattern == "main.*" and params.n == "3")
		assert(require("mod") == 42)
		assert(io == nil and os.execute == nil and os.exit == nil and os.remove == nil)
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

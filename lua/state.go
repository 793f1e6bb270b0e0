package lua

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	glua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// script is a loaded, not yet compiled, script.
type script struct {
	name string // the chunk name errors start with: the path, the recipe file or "-e"
	dir  string // its folder, put on package.path ("" for -e)
	src  []byte
}

// loadScript reads the script: code given with -e, a file path, or the name
// of a bundled recipe. A path wins over a recipe of the same name.
func loadScript(pathOrName, code string, inline bool) (*script, error) {
	if inline {
		return &script{name: "-e", src: []byte(code)}, nil
	}
	src, err := os.ReadFile(pathOrName)
	if err == nil {
		dir, _ := filepath.Abs(filepath.Dir(pathOrName))
		return &script{name: pathOrName, dir: dir, src: src}, nil
	}
	if src, ok := recipe(pathOrName); ok {
		name := strings.TrimSuffix(pathOrName, ".lua") + ".lua"
		return &script{name: name, src: src}, nil
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("script %s: no such file and no bundled recipe of that name (see godbg scripts)", pathOrName)
	}
	return nil, fmt.Errorf("script: %w", err)
}

// newState makes an LState with the safe standard libraries: base, package,
// table, string, math, coroutine and a read-only os (clock, date, time,
// difftime, getenv). io and the rest of os are left out: print goes to the
// output stream, and a script has no business running commands.
func newState(s *script, params map[string]string) *glua.LState {
	L := glua.NewState(glua.Options{SkipOpenLibs: true})
	for _, lib := range []struct {
		name string
		open glua.LGFunction
	}{
		{glua.LoadLibName, glua.OpenPackage},
		{glua.BaseLibName, glua.OpenBase},
		{glua.TabLibName, glua.OpenTable},
		{glua.StringLibName, glua.OpenString},
		{glua.MathLibName, glua.OpenMath},
		{glua.CoroutineLibName, glua.OpenCoroutine},
		{glua.OsLibName, glua.OpenOs},
	} {
		L.Push(L.NewFunction(lib.open))
		L.Push(glua.LString(lib.name))
		L.Call(1, 0)
	}
	if os, ok := L.GetGlobal("os").(*glua.LTable); ok {
		safe := L.NewTable()
		for _, f := range []string{"clock", "date", "time", "difftime", "getenv"} {
			safe.RawSetString(f, os.RawGetString(f))
		}
		L.SetGlobal("os", safe)
		if loaded, ok := L.GetField(L.Get(glua.RegistryIndex), "_LOADED").(*glua.LTable); ok {
			loaded.RawSetString("os", safe)
		}
	}
	if s.dir != "" {
		pkg := L.GetGlobal("package")
		old := glua.LVAsString(L.GetField(pkg, "path"))
		L.SetField(pkg, "path", glua.LString(filepath.Join(s.dir, "?.lua")+";"+old))
	}
	p := L.NewTable()
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p.RawSetString(k, glua.LString(params[k]))
	}
	L.SetGlobal("params", p)
	return L
}

// compile checks the script's syntax; an error reads SCRIPT:LINE: message.
func compile(L *glua.LState, s *script) (*glua.LFunction, error) {
	fn, err := L.Load(bytes.NewReader(s.src), s.name)
	if err == nil {
		return fn, nil
	}
	cause := err
	if ae, ok := err.(*glua.ApiError); ok && ae.Cause != nil {
		cause = ae.Cause
	}
	var perr *parse.Error
	if errors.As(cause, &perr) {
		if perr.Pos.Line == parse.EOF {
			return nil, fmt.Errorf("%s: %s at end of file", s.name, strings.TrimSpace(perr.Message))
		}
		return nil, fmt.Errorf("%s:%d: %s near '%s'", s.name, perr.Pos.Line, strings.TrimSpace(perr.Message), perr.Token)
	}
	var cerr *glua.CompileError
	if errors.As(cause, &cerr) {
		return nil, fmt.Errorf("%s:%d: %s", s.name, cerr.Line, cerr.Message)
	}
	return nil, err
}

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

// newState makes an LState with Lua's standard libraries, all of them, as
// gopher-lua opens them (base, package, table, io, os, string, math, debug,
// channel, coroutine): a script runs with the user's rights. The API
// (bindings.New) then adds its globals beside them; Run makes os.exit end
// the session cleanly (endOnExit).
func newState(s *script, params map[string]string) *glua.LState {
	L := glua.NewState()
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
	preloadModules(L)
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

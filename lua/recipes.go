package lua

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/godbg/godbg/scripts"
)

// Recipe is a bundled script.
type Recipe struct {
	Name   string  // run it as `godbg run NAME ...`
	Header string  // the first line of its header comment
	Help   string  // the whole header comment, without the "--"
	Params []Param // what it declares, in its header's order
}

// Param is one parameter a script declares in its header comment, under a
// "Parameters:" line, one "-a KEY=VALUE  help" line each (the bundled
// recipes all do):
//
//	-- Parameters:
//	--   -a func=GLOB    functions to time (default main.*)
type Param struct {
	Key  string
	Help string // the rest of its line: "GLOB    functions to time (default main.*)"
}

// Recipes lists the bundled recipes by name.
func Recipes() []Recipe {
	entries, _ := fs.Glob(scripts.FS, "*.lua")
	var out []Recipe
	for _, e := range entries {
		src, _ := scripts.FS.ReadFile(e)
		params, _ := declaredParams(src)
		out = append(out, Recipe{Name: strings.TrimSuffix(e, ".lua"), Header: header(src), Help: headerComment(src), Params: params})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// recipe returns the source of the bundled recipe name ("trace" or
// "trace.lua").
func recipe(name string) ([]byte, bool) {
	if strings.ContainsAny(name, "/\\") {
		return nil, false
	}
	if path.Ext(name) != ".lua" {
		name += ".lua"
	}
	src, err := scripts.FS.ReadFile(name)
	return src, err == nil
}

// header is a recipe's first comment line without "--" and without its
// own name ("trace: log every call" gives "log every call").
func header(src []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(src))
	if !sc.Scan() {
		return ""
	}
	line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "--"))
	if i := strings.Index(line, ": "); i >= 0 && !strings.Contains(line[:i], " ") {
		line = line[i+2:]
	}
	return line
}

// headerComment is the script's leading comment lines, "--" taken off.
func headerComment(src []byte) string {
	var b strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(src))
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "--")
		if !ok {
			break
		}
		b.WriteString(strings.TrimPrefix(line, " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// declaredParams reads the parameters a script declares in its header
// comment (Param); declared is false when it has no "Parameters:" section,
// and then any -a key is taken.
func declaredParams(src []byte) (params []Param, declared bool) {
	in := false
	for _, line := range strings.Split(headerComment(src), "\n") {
		t := strings.TrimSpace(line)
		switch {
		case t == "Parameters:":
			in, declared = true, true
		case !in:
		case t == "":
			in = false
		case strings.HasPrefix(t, "-a "):
			kv := strings.TrimSpace(strings.TrimPrefix(t, "-a "))
			key, rest, ok := strings.Cut(kv, "=")
			if ok && key != "" && !strings.ContainsAny(key, " \t") {
				params = append(params, Param{Key: key, Help: strings.TrimSpace(rest)})
			}
		}
	}
	return params, declared
}

// checkParams refuses an -a key the script does not declare, naming the
// ones it does (`-a valu=5` on inject would otherwise inject 0 silently).
func checkParams(name string, src []byte, given map[string]string) error {
	params, declared := declaredParams(src)
	if !declared {
		return nil
	}
	known := map[string]bool{}
	var names []string
	for _, p := range params {
		known[p.Key] = true
		names = append(names, p.Key)
	}
	var bad []string
	for k := range given {
		if !known[k] {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	want := "none"
	if len(names) > 0 {
		want = strings.Join(names, ", ")
	}
	return fmt.Errorf("%s has no parameter %s (its parameters: %s; see godbg scripts %s)",
		name, strings.Join(quoteAll(bad), ", "), want, strings.TrimSuffix(path.Base(name), ".lua"))
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

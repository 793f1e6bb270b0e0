package lua

import (
	"bufio"
	"bytes"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/godbg/godbg/scripts"
)

// Recipe is a bundled script.
type Recipe struct {
	Name   string // run it as `godbg run NAME ...`
	Header string // the first line of its header comment
}

// Recipes lists the bundled recipes by name.
func Recipes() []Recipe {
	entries, _ := fs.Glob(scripts.FS, "*.lua")
	var out []Recipe
	for _, e := range entries {
		src, _ := scripts.FS.ReadFile(e)
		out = append(out, Recipe{Name: strings.TrimSuffix(e, ".lua"), Header: header(src)})
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

package debuginfo

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// show renders a Value compactly and without addresses, so tests compare
// whole values exactly.
func show(v Value) string {
	switch v.Kind {
	case Int:
		return fmt.Sprint(v.Int)
	case Uint:
		return fmt.Sprint(v.Uint)
	case Float:
		return fmt.Sprint(v.Float)
	case Bool:
		return fmt.Sprint(v.Bool)
	case String:
		s := fmt.Sprintf("%q", v.Str)
		if v.Truncated {
			s += fmt.Sprintf("...(%d)", v.Len)
		}
		return s
	case Nil:
		return "nil"
	case Func:
		return "func " + v.Str
	case Pointer:
		if len(v.Fields) == 1 {
			return "&" + show(v.Fields[0])
		}
		return "ptr"
	case Struct:
		var parts []string
		for _, f := range v.Fields {
			parts = append(parts, f.Name+":"+show(f))
		}
		return v.Type + "{" + strings.Join(parts, " ") + "}"
	case Array:
		var parts []string
		for _, f := range v.Fields {
			parts = append(parts, show(f))
		}
		s := "[" + strings.Join(parts, " ") + "]"
		if v.Truncated {
			s += fmt.Sprintf("...(%d)", v.Len)
		}
		return s
	case Map:
		var parts []string
		for k := 0; k+1 < len(v.Fields); k += 2 {
			parts = append(parts, show(v.Fields[k])+":"+show(v.Fields[k+1]))
		}
		sort.Strings(parts)
		return fmt.Sprintf("map(%d)[%s]", v.Len, strings.Join(parts, " "))
	case Interface:
		return v.Type + "(" + show(v.Fields[0]) + ")"
	}
	return "unreadable(" + v.Err + ")"
}

// showAll renders name=value lines.
func showAll(vs []Value) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "%s %s = %s\n", v.Name, v.Type, show(v))
	}
	return b.String()
}

func checkValues(t *testing.T, what string, got []Value, err error, want string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if g := showAll(got); g != want {
		t.Errorf("%s:\ngot:\n%s\nwant:\n%s", what, g, want)
	}
}

func TestStatusName(t *testing.T) {
	for _, c := range []struct {
		s    uint32
		want string
	}{{0, "idle"}, {1, "runnable"}, {2, "running"}, {3, "syscall"}, {4, "waiting"}, {6, "dead"}, {9, "preempted"}, {0x1004, "waiting"}, {0x1002, "running"}, {99, "status(99)"}} {
		if got := statusName(c.s); got != c.want {
			t.Errorf("statusName(%#x) = %q, want %q", c.s, got, c.want)
		}
	}
}

func TestGoPackage(t *testing.T) {
	for _, c := range []struct{ fn, want string }{
		{"main.Greet", "main"},
		{"main.(*T).M", "main"},
		{"github.com/a/b.F", "github.com/a/b"},
		{"github.com/a/b.(*T).M.func1", "github.com/a/b"},
		{"nodot", ""},
	} {
		if got := goPackage(c.fn); got != c.want {
			t.Errorf("goPackage(%q) = %q, want %q", c.fn, got, c.want)
		}
	}
}

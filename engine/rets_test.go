package engine

import (
	"fmt"
	"strings"
	"testing"

	"github.com/godbg/godbg/engine/debuginfo"
	"github.com/godbg/godbg/internal/fixture"
)

// showValue renders a value compactly for exact comparisons.
func showValue(v debuginfo.Value) string {
	switch v.Kind {
	case debuginfo.Int:
		return fmt.Sprint(v.Int)
	case debuginfo.Uint:
		return fmt.Sprint(v.Uint)
	case debuginfo.Float:
		return fmt.Sprint(v.Float)
	case debuginfo.Bool:
		return fmt.Sprint(v.Bool)
	case debuginfo.String:
		return fmt.Sprintf("%q", v.Str)
	case debuginfo.Nil:
		return "nil"
	case debuginfo.Interface:
		return "error(" + v.Str + ")"
	case debuginfo.Struct, debuginfo.Array:
		var parts []string
		for _, f := range v.Fields {
			if v.Kind == debuginfo.Struct {
				parts = append(parts, f.Name+"="+showValue(f))
			} else {
				parts = append(parts, showValue(f))
			}
		}
		return "{" + strings.Join(parts, " ") + "}"
	}
	return "<" + v.Kind.String() + ":" + v.Err + ">"
}

func showValues(vs []debuginfo.Value) string {
	var parts []string
	for _, v := range vs {
		s := showValue(v)
		if v.Name != "" {
			s = v.Name + "=" + s
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// collectResults watches fns and records "fn: results" at each return.
func collectResults(t *testing.T, prog string, fns []string) []string {
	t.Helper()
	p, _ := launch(t, prog, false)
	byBp := map[*Breakpoint]string{}
	for _, fn := range fns {
		byBp[watch(t, p, fn)] = fn
	}
	var got []string
	runToExit(t, p, func(ev *Event) (bool, error) {
		if ev.Kind != EventReturn {
			return false, nil
		}
		vs, err := ev.Thread.Results()
		if err != nil {
			t.Errorf("%s: Results: %v", byBp[ev.Bp], err)
		}
		got = append(got, byBp[ev.Bp]+": "+showValues(vs))
		return false, nil
	})
	return got
}

func TestResultsGo(t *testing.T) {
	want := []string{
		`main.triple: ~r0=42 ~r1="n=21" ~r2=nil`,
		`main.triple: ~r0=0 ~r1="" ~r2=error(negative)`,
		`main.ratio: ~r0=0.25 ~r1=true`,
		`main.divmod: q=3 r=2`,
		`main.mkpoint: ~r0={X=3 Y=4 Name="p"}`,
		`main.big: ~r0={A={7 8 9}}`,
		`main.add: ~r0=6`,
		`main.compute: ~r0=12`,
		`main.many: a=1 b=2 c=3 d=4 e=5 f=6 g=7 h=8 i=9 j=10 s="tail"`,
	}
	fns := []string{"main.many", "main.triple", "main.ratio", "main.divmod", "main.mkpoint", "main.big", "main.add", "main.compute"}
	for _, prog := range []string{fixture.GoDebug(t, "rets"), fixture.Go(t, "rets")} {
		got := collectResults(t, prog, fns)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s:\ngot  %s\nwant %s", prog, strings.Join(got, "\n     "), strings.Join(want, "\n     "))
		}
	}
}

func TestResultsC(t *testing.T) {
	want := []string{
		"half: 2.5", // gcc evaluates printf's arguments right to left
		"add: 42",
		"mkpair: {a=10 b=2.5}",
		"add: 6",
		"compute: 12",
	}
	for _, opt := range []string{"-O0", "-O1"} {
		got := collectResults(t, fixture.C(t, "rets.c", opt, "-g", "-fno-inline"), []string{"add", "half", "mkpair", "compute"})
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s:\ngot  %s\nwant %s", opt, strings.Join(got, "\n     "), strings.Join(want, "\n     "))
		}
	}
}

// After Finish, Results reads the finished function's results; elsewhere
// it refuses.
func TestResultsAfterFinish(t *testing.T) {
	for _, tt := range []struct{ prog, fn, want string }{
		{fixture.GoDebug(t, "rets"), "main.divmod", "q=3 r=2"},
		{fixture.C(t, "rets.c", "-O0", "-g"), "half", "2.5"},
	} {
		p, _ := launch(t, tt.prog, false)
		bp, err := p.SetBreakpoint(mustSym(t, p, tt.fn), tt.fn)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := p.Continue(nil)
		if err != nil || ev.Bp != bp {
			t.Fatalf("%s: %+v %v", tt.fn, ev, err)
		}
		if _, err := ev.Thread.Results(); err == nil {
			t.Errorf("%s: Results at the entry: no error", tt.fn)
		}
		ev, err = p.Finish(nil)
		if err != nil || ev.Kind != EventFinish {
			t.Fatalf("%s: Finish: %+v %v", tt.fn, ev, err)
		}
		vs, err := ev.Thread.Results()
		if got := showValues(vs); err != nil || got != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.fn, got, err, tt.want)
		}
		p.ClearBreakpoint(bp)
		runToExit(t, p, nil)
	}
}

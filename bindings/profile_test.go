package bindings

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// A profile built from named stacks and frame tables: what pprof's own
// parser reads back, and what `go tool pprof -top` prints of it.
func TestProfileWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.pb.gz")
	_, err := runLua(t, `
		local pr = profile.new{types = {"samples/count", "cpu/nanoseconds"}, period = 1000, period_type = "cpu/nanoseconds"}
		pr:add({"leaf", "a", "main"}, {1, 1000})
		pr:add({"leaf", "a", "main"}, {2, 2000})
		pr:add({"leaf", "b", "main"}, {4, 4000}, {goroutine = 7, state = "running"})
		-- frames as bt() gives them: an inlined frame folds into its caller's location
		pr:add({
			{pc = 0x401000, sym = "inl", file = "x.go", line = 3, inlined = true},
			{pc = 0x401000, sym = "outer", file = "x.go", line = 9},
			{pc = 0x402005, sym = "main", file = "x.go", line = 20},
		}, {8, 8000})
		assert(pr.samples == 3, pr.samples)
		pr:write("`+path+`")
	`)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		t.Fatalf("pprof cannot parse it: %v", err)
	}
	got := map[string]int64{}
	for _, s := range p.Sample {
		var names []string
		for _, l := range s.Location {
			for _, ln := range l.Line {
				names = append(names, ln.Function.Name)
			}
		}
		got[strings.Join(names, ";")] += s.Value[0]
		if s.NumLabel["goroutine"] != nil && (s.NumLabel["goroutine"][0] != 7 || s.Label["state"][0] != "running") {
			t.Errorf("labels %v %v", s.NumLabel, s.Label)
		}
	}
	want := map[string]int64{"leaf;a;main": 3, "leaf;b;main": 4, "inl;outer;main": 8}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("stack %s: got %d samples, want %d (all: %v)", k, got[k], v, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got stacks %v, want %v", got, want)
	}
	if p.Period != 1000 || p.PeriodType.Type != "cpu" || len(p.SampleType) != 2 || p.SampleType[1].Unit != "nanoseconds" {
		t.Errorf("period %d %v, types %v", p.Period, p.PeriodType, p.SampleType)
	}
	// The caller's return address is stored as the call's (pc-1), as pprof does.
	for _, l := range p.Location {
		if l.Line[0].Function.Name == "main" && l.Address != 0 && l.Address != 0x402004 {
			t.Errorf("main's location at %#x, want 0x402004", l.Address)
		}
		if l.Line[0].Function.Name == "inl" && (len(l.Line) != 2 || l.Line[1].Function.Name != "outer") {
			t.Errorf("inlined location %v", l.Line)
		}
	}

	out, err := exec.Command("go", "tool", "pprof", "-top", "-sample_index=samples", path).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool pprof: %v\n%s", err, out)
	}
	for _, line := range []string{" 8 53.33% 53.33% 8 53.33% inl", " 7 46.67%   100%  7 46.67% leaf"} {
		if !strings.Contains(strings.Join(strings.Fields(string(out)), " "), strings.Join(strings.Fields(line), " ")) {
			t.Errorf("go tool pprof -top lacks %q:\n%s", line, out)
		}
	}
}

func TestProfileErrors(t *testing.T) {
	tests := []struct{ code, want string }{
		{`profile.new{types = {}}`, "profile.new: types must be a non-empty list"},
		{`profile.new{types = {"/x"}}`, `profile.new: sample type "/x"`},
		{`profile.new{period = 0}`, "profile.new: period must be a number"},
		{`profile.new{types = {"a/count", "b/count"}}:add({"f"}, 1)`, "profile add: the profile has 2 sample types"},
		{`profile.new():add({"f"}, {1, 2})`, "profile add: 2 values for 1 sample types"},
		{`profile.new():add({true}, 1)`, "profile add: stack[1] is not a frame table"},
		{`profile.new():add({{line = 3}}, 1)`, "profile add: frame 1 has neither sym nor pc"},
		{`profile.new():add({"f"}, 1, {x = true})`, `profile add: label "x" must be a string or a number`},
		{`profile.new():write("/nonexistent/dir/p.pb.gz")`, "profile write: open /nonexistent/dir/p.pb.gz"},
		{`local x = profile.new().nosuch`, `profile: no field "nosuch"`},
	}
	for _, tc := range tests {
		_, err := runLua(t, tc.code)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want one containing %q", tc.code, err, tc.want)
		}
	}
}

package bindings

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/tracecheck"
)

// A timeline's file: every event carries the format's required fields,
// spans nest on their track, and named tracks get thread_name metadata.
func TestTimelineWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.json")
	_, err := runLua(t, `
		local tl = timeline.new{process = "prog"}
		tl:span("inner", 1.5, 0.25, {track = 7, args = {n = 3}})
		tl:span("outer", 1.0, 2.0, {track = 7, cat = "call"})
		tl:span("other", 1.2, 5, {track = 8})
		tl:instant("mark", 2, {track = "events"})
		tl:counter("heap", 2.5, {used = 10, free = 2})
		tl:counter("calls", 3, 42)
		tl:track(7, "goroutine 7")
		assert(tl.events == 7, tl.events)
		assert(timeline.now() >= 0)
		tl:write("`+path+`")
	`)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := tracecheck.Validate(data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	var got []string
	for _, e := range evs {
		s := e.Ph + " " + e.Name
		if e.Ph == "X" {
			s += " " + strconv.FormatFloat(*e.Ts, 'f', -1, 64) + "+" + strconv.FormatFloat(*e.Dur, 'f', -1, 64)
		}
		got = append(got, s)
	}
	want := "M process_name,M thread_name,M thread_name,X outer 1000000+2000000,X other 1200000+5000000," +
		"X inner 1500000+250000,i mark,C heap,C calls"
	if strings.Join(got, ",") != want {
		t.Errorf("got events %s\nwant %s", strings.Join(got, ","), want)
	}
	for _, frag := range []string{`"args":{"name":"prog"}`, `"args":{"name":"goroutine 7"}`, `"args":{"name":"events"}`,
		`"args":{"free":2,"used":10}`, `"args":{"value":42}`, `"args":{"n":3}`, `"cat":"call"`, `"s":"t"`} {
		if !strings.Contains(string(data), frag) {
			t.Errorf("the file lacks %s:\n%s", frag, data)
		}
	}

	// The checker itself refuses spans that overlap without nesting, and missing fields.
	if _, err := tracecheck.Validate([]byte(`{"traceEvents":[{"name":"a","ph":"X","ts":0,"dur":10,"pid":1,"tid":1},` +
		`{"name":"b","ph":"X","ts":5,"dur":10,"pid":1,"tid":1}]}`)); err == nil {
		t.Error("tracecheck accepted overlapping spans")
	}
	if _, err := tracecheck.Validate([]byte(`{"traceEvents":[{"name":"a","ph":"X","ts":0,"pid":1,"tid":1}]}`)); err == nil {
		t.Error("tracecheck accepted an X event without dur")
	}
}

func TestTimelineErrors(t *testing.T) {
	tests := []struct{ code, want string }{
		{`timeline.new():span("x", -1, 1)`, "timeline span: time -1 is not a time in seconds"},
		{`timeline.new():span("x", 0, 1, {track = true})`, "timeline span: track must be a number or a name"},
		{`timeline.new():counter("c", 0, {a = "x"})`, "timeline counter: series a is not a number"},
		{`timeline.new():write("/nonexistent/dir/t.json")`, "timeline write: open /nonexistent/dir/t.json"},
		{`local x = timeline.new().nosuch`, `timeline: no field "nosuch"`},
	}
	for _, tc := range tests {
		_, err := runLua(t, tc.code)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want one containing %q", tc.code, err, tc.want)
		}
	}
}

package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// govalsMainScript reads main's values at govals' stop through frame(1):
// nil elements keep their places, empty maps (also in an interface) are
// empty tables, nil locals are named by tostring, anonymous and func types
// have their Go names, integers beyond 2^53 are exact strings.
const govalsMainScript = `
local function show(v)
  if type(v) == "table" then return "{" .. (v.type and ("type=" .. v.type) or "") .. "}" end
  return type(v) .. ":" .. tostring(v)
end
brk("main.stop", function(ev)
  local m = frame(1)
  printf("%s goid=%s n=%d", m.sym, tostring(m.goid), m.n)
  local l = m:locals()
  local e, e3, p, er = l.efacearr, l.efacearr3, l.ptrs, l.errs
  printf("efacearr #=%d _len=%d [1]=%s [2]=%s [3]=%s", #e, e._len, e[1].type, tostring(e[2]), e[3].value)
  printf("efacearr3 _len=%d [1]=%s [2]=%s [3]=%s", e3._len, e3[1].value, tostring(e3[2]), e3[3].value)
  printf("ptrs _len=%d [1]=%s [2]=%s [3]=%s", p._len, tostring(p[1]), type(p[2]), tostring(p[3]))
  printf("errs _len=%d [1]=%s [2]=%s", er._len, tostring(er[1]), er[2].error)
  printf("emptymap %s %s nilmap %s", type(l.emptymap), tostring(next(l.emptymap)), tostring(l.nilmap))
  printf("mapiface %s %s fullmapiface %s one=%d", l.mapiface.type, tostring(next(l.mapiface.value)), l.fullmapiface.type, l.fullmapiface.value.one)
  for _, v in ipairs(m:vars()) do
    if v.kind == "nil" or v.name:match("^anon") or v.name:match("^fn") or v.name:match("64") then
      printf("%s %s %s %s", v.name, v.type, v.kind, show(v.value))
    end
  end
  local shown = tostring(l)
  printf("shown: np=%s nerr=%s i1=%s", tostring(shown:find("\n  np = nil,\n", 1, true) ~= nil),
    tostring(shown:find("\n  nerr = nil,\n", 1, true) ~= nil), tostring(shown:find("\n  i1 = 1,\n", 1, true) ~= nil))
  printf("var: %s %s %s", m:var("i1"), m:var("u64max"), m:var("t.Left.Val"))
  printf("args(stop) n=%d", frame(0):args().n)
  GOROUTINES
end)
`

// govalsGoroutines reads, for every goroutine, the arguments and locals
// (those named in keys0) of each frame of main.worker, main.spawn and
// main.deep, through frame(n, goid): one line a goroutine, sorted.
const govalsGoroutines = `
  local rows = {}
 for _, g in ipairs(goroutines()) do
    local s
    for n = 0, 12 do
      local ok, fr = pcall(frame, n, g.id)
      if not ok then break end
      if fr.sym == "main.worker" or fr.sym == "main.spawn" or fr.sym == "main.deep" then
        local a, lo = fr:args(), fr:locals()
        local keys = {}
        for _, k in ipairs(keys0) do
          if a[k] ~= nil or lo[k] ~= nil then keys[#keys + 1] = k .. "=" .. tostring(a[k] or lo[k]) end
        end
        s = (s and s .. " | " or "") .. fr.sym:sub(6) .. ":" .. fr.line .. " " .. table.concat(keys, " ")
      end
    end
    if s then rows[#rows + 1] = s end
  end
  table.sort(rows)
  print(table.concat(rows, "\n"))
  print(pcall(frame, 0, 99999))
`

// At govals' stop, -N -l: main's values through frame(1), and every
// parked goroutine's frames (ten workers two frames deep, one recursion
// four frames deep), argument for argument, through frame(n, goid).
func TestGoValsFrames(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "govals"))
	src := strings.Replace(govalsMainScript, "  GOROUTINES\n", strings.Replace(govalsGoroutines,
		"\n  local rows", "\n  local keys0 = {\"id\", \"label\", \"n\", \"scaled\", \"name\", \"none\", \"outer\", \"tag\", \"here\"}\n  local rows", 1), 1)
	script := writeFile(t, "frames.lua", src)
	out := filepath.Join(t.TempDir(), "out")
	r := godbg(t, "run", "-o", out, script, prog)
	b, _ := os.ReadFile(out)
	line := func(m string) string { return strconv.Itoa(markerLine(t, "govals/main.go", m)) }
	want := "main.main goid=1 n=1\n" +
		"efacearr #=3 _len=3 [1]=*main.astruct [2]=nil [3]=three\n" +
		"efacearr3 _len=3 [1]=4 [2]=nil [3]=6.5\n" +
		"ptrs _len=3 [1]=nil [2]=number [3]=nil\n" +
		"errs _len=2 [1]=nil [2]=second\n" +
		"emptymap table nil nilmap nil\n" +
		"mapiface map[string]int nil fullmapiface map[string]int one=1\n" +
		"anonptr *struct { A int; B int } pointer number:ADDR\n" +
		"anonstruct struct { X int; Y string } struct {}\n" +
		"fn func(int) string func string:strconv.Itoa\n" + // a func value reads as its function's name (var())
		"fnany func(int) string interface {type=func(int) string}\n" +
		"fnnil func() nil nil:nil\n" +
		"nch chan int nil nil:nil\n" +
		"nerr error nil nil:nil\n" +
		"niface interface {} nil nil:nil\n" +
		"nilmap map[string]int nil nil:nil\n" +
		"np *main.astruct nil nil:nil\n" +
		"i64max int64 int string:9223372036854775807\n" +
		"i64min int64 int string:-9223372036854775808\n" +
		"i64neg int64 int string:-9007199254740993\n" +
		"u64big uint64 uint string:9007199254740993\n" +
		"u64exact uint64 uint number:9007199254740992\n" +
		"u64max uint64 uint string:18446744073709551615\n" +
		"shown: np=true nerr=true i1=true\n" +
		"var: 1 18446744073709551615 1\n" +
		"args(stop) n=2202\n" +
		"deep:" + line("// PARK deep") + " n=0 here=0 | deep:" + line("// CALL deep") + " n=1 here=100 | deep:" + line("// CALL deep") +
		" n=2 here=200 | deep:" + line("// CALL deep") + " n=3 here=300\n"
	for id := 0; id < 10; id++ {
		n := strconv.Itoa(id)
		want += "worker:" + line("// PARK worker") + " id=" + n + " label=spawn scaled=" + strconv.Itoa(10*id) + " name=spawn-" + n +
			" | spawn:" + line("// CALL worker") + " id=" + n + " outer=" + strconv.Itoa(1000+id) + " tag=spawn\n"
	}
	want += "false\t" + script + ":" + strconv.Itoa(strings.Count(src[:strings.Index(src, "pcall(frame, 0, 99999)")], "\n")+1) + ": frame: no goroutine 99999\n"
	got := regexp.MustCompile(`pointer number:[0-9]+`).ReplaceAllString(string(b), "pointer number:ADDR")
	if r.status != 0 || r.stderr != "" || got != want {
		t.Errorf("status %d stderr %q; got\n%s\nwant\n%s", r.status, r.stderr, got, want)
	}
	noProcessLeft(t, prog)
}

// The same goroutines in the optimized build: what the compiler keeps at
// the park and call sites reads right (deep's here in all four frames,
// worker's label), what it does not says so ("?": optimized out, not
// available at that pc, or in a register a call does not preserve), and
// main's i1, a constant, is optimized out.
func TestGoValsFramesOptimized(t *testing.T) {
	prog := target(t, fixture.Go(t, "govals"))
	src := `brk("main.stop", function(ev)
  local m = frame(1)
  printf("i1: %s", m:locals().i1)
` + strings.Replace(strings.Replace(govalsGoroutines, "\n  local rows", "\n  local keys0 = {\"id\", \"label\", \"n\", \"outer\", \"tag\", \"here\"}\n  local rows", 1),
		"local a, lo = fr:args(), fr:locals()", `local a, lo = fr:args(), fr:locals()
        for k, v in pairs(a) do if type(v) == "string" and v:match("^<unreadable") then a[k] = "?" end end
        for k, v in pairs(lo) do if type(v) == "string" and v:match("^<unreadable") then lo[k] = "?" end end`, 1) + "end)\n"
	script := writeFile(t, "framesO.lua", src)
	out := filepath.Join(t.TempDir(), "out")
	r := godbg(t, "run", "-o", out, script, prog)
	b, _ := os.ReadFile(out)
	line := func(m string) string { return strconv.Itoa(markerLine(t, "govals/main.go", m)) }
	want := "i1: <unreadable: optimized out>\n" +
		"deep:" + line("// PARK deep") + " n=? here=0 | deep:" + line("// CALL deep") + " n=? here=100 | deep:" + line("// CALL deep") +
		" n=? here=200 | deep:" + line("// CALL deep") + " n=? here=300\n" +
		strings.Repeat("worker:"+line("// PARK worker")+" id=? label=spawn | spawn:"+line("// CALL worker")+" id=? tag=?\n", 10)
	want += "false\t" + script + ":" + strconv.Itoa(strings.Count(src[:strings.Index(src, "pcall(frame, 0, 99999)")], "\n")+1) + ": frame: no goroutine 99999\n"
	if r.status != 0 || r.stderr != "" || string(b) != want {
		t.Errorf("status %d stderr %q; got\n%s\nwant\n%s", r.status, r.stderr, b, want)
	}
	noProcessLeft(t, prog)
}

// i1, main's first local, read at every line of govals' 450-line main
// (-N -l) that has code: through var() and locals(), in every lexical
// block.
func TestGoValsLongMain(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "govals"))
	first, last := markerLine(t, "govals/main.go", "i1 := 1")+1, markerLine(t, "govals/main.go", "sink += stop(i1 + total) // STOP")
	script := writeFile(t, "long.lua", `
local st = {fails = {}, hits = 0, bps = 0}
for line = `+strconv.Itoa(first)+`, `+strconv.Itoa(last)+` do
  if pcall(brk, "main.go:" .. line, function(ev)
    st.hits = st.hits + 1
    local ok, v = pcall(var, "i1")
    if not ok or v ~= 1 or locals().i1 ~= 1 then st.fails[#st.fails + 1] = line .. ":" .. tostring(v) end
  end, {once = true}) then st.bps = st.bps + 1 end
end
on("exit", function() printf("bps>300 %s hits>250 %s fails %d %s", tostring(st.bps > 300), tostring(st.hits > 250), #st.fails, table.concat(st.fails, " ")) end)
`)
	out := filepath.Join(t.TempDir(), "out")
	r := godbg(t, "run", "-o", out, script, prog)
	b, _ := os.ReadFile(out)
	if want := "bps>300 true hits>250 true fails 0 \n"; r.status != 0 || r.stderr != "" || string(b) != want {
		t.Errorf("status %d stderr %q; got %q, want %q", r.status, r.stderr, b, want)
	}
	noProcessLeft(t, prog)
}

// bt(nil, goid) of each of govals' eleven parked goroutines against the
// runtime's own traceback of the same goroutines: runtime.Stack of all of
// them, which the program prints to stderr right after the stop. That
// traceback leaves out the runtime's frames and the go statements'
// wrappers (runtime.gopark, runtime.chanrecv1, main.main.gowrap1,
// runtime.goexit); every other frame compares, function and line, and the
// runtime frames are pinned by TestParkedGoroutines.
func TestGoroutineStacksAsRuntime(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "govals"))
	script := writeFile(t, "stacks.lua", `
brk("main.stop", function(ev)
  for _, g in ipairs(goroutines()) do
    if g.user and (g.user.sym == "main.worker" or g.user.sym == "main.deep") then
      local s = "goroutine " .. g.id .. ":"
      for _, f in ipairs(bt(nil, g.id)) do s = s .. " " .. f.sym .. ":" .. f.line end
      print(s)
    end
  end
end)
`)
	out := filepath.Join(t.TempDir(), "out")
	r := godbg(t, "run", "-o", out, script, prog, "dump")
	b, _ := os.ReadFile(out)
	if r.status != 0 {
		t.Fatalf("status %d; stderr %q; output %q", r.status, r.stderr, b)
	}
	// The runtime's dump: "goroutine 5 gp=... m=nil [chan receive]:", then
	// two lines a frame, "pkg.fn(args)" and "\tfile:line +0x..".
	runtimeStacks := map[string][]string{}
	for _, block := range strings.Split(r.stderr, "\n\n") {
		m := regexp.MustCompile(`^goroutine (\d+) [^\n]*\[`).FindStringSubmatch(block)
		if m == nil {
			continue
		}
		lines := strings.Split(block, "\n")[1:]
		for k := 0; k+1 < len(lines) && !strings.HasPrefix(lines[k], "created by"); k += 2 {
			fn := regexp.MustCompile(`\(.*\)$`).ReplaceAllString(lines[k], "")
			ln := regexp.MustCompile(`:(\d+)`).FindStringSubmatch(lines[k+1])
			if ln == nil {
				t.Fatalf("runtime frame %q %q: no line", lines[k], lines[k+1])
			}
			runtimeStacks[m[1]] = append(runtimeStacks[m[1]], fn+":"+ln[1])
		}
	}
	n := 0
	for _, l := range strings.Split(string(b), "\n") {
		m := regexp.MustCompile(`^goroutine (\d+): (.*)$`).FindStringSubmatch(l)
		if m == nil {
			continue
		}
		n++
		var ours []string
		for _, f := range strings.Fields(m[2]) {
			if !strings.HasPrefix(f, "runtime.") && !strings.Contains(f, ".gowrap") {
				ours = append(ours, f)
			}
		}
		theirs := runtimeStacks[m[1]]
		same := len(ours) == len(theirs) && len(ours) >= 2
		for k := 0; same && k < len(ours); k++ {
			same = ours[k] == theirs[k]
		}
		if !same {
			t.Errorf("goroutine %s: bt %q, the runtime's traceback %q", m[1], ours, theirs)
		}
	}
	if n != 11 {
		t.Errorf("%d goroutines compared, want 11; output:\n%s", n, b)
	}
	noProcessLeft(t, prog)
}

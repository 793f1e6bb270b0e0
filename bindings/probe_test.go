package bindings

import (
	"io"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/godbg/godbg/engine"
	glua "github.com/yuin/gopher-lua"
)

// TestTableLayout: the events' templates (evtable.go) are in use with the
// gopher-lua linked in. On failure, gopher-lua's LTable changed: update
// ltableLayout (and check table.go still never writes keys in place).
func TestTableLayout(t *testing.T) {
	if !tableLayoutOK {
		t.Fatal("ltableLayout is not glua.LTable's layout: probe events are built field by field")
	}
}

// probeModule is a Module without a tracee and a probe at 0x401000 with
// the callback fn (Lua source), its data made as probe() makes it.
func probeModule(t testing.TB, fn string, isGo, templates bool) (*Module, *glua.LState, *engine.Probe) {
	L := glua.NewState()
	t.Cleanup(L.Close)
	m := New(L, nil, NewOutput(io.Discard))
	m.isGo = isGo
	if err := L.DoString("fn = " + fn); err != nil {
		t.Fatal(err)
	}
	pr := &engine.Probe{ID: 1, Addr: 0x401000, Loc: "hot", Kind: "jump"}
	d := m.newPrData(pr, L.GetGlobal("fn").(*glua.LFunction))
	if !templates {
		d.evTpl = nil
	}
	L.SetGlobal("pr", d.ud)
	return m, L, pr
}

// probeRecord is the i-th record of a test: pid 42, tid 100+i%2, rdi i,
// goid 7+i.
func probeRecord(m *Module, pr *engine.Probe, i int) *engine.ProbeRecord {
	r := &engine.ProbeRecord{Probe: pr, Pid: 42, Tid: 100 + i%2, Time: m.epoch.Add(time.Duration(i) * time.Second), Goid: int64(7 + i)}
	r.Regs.Rdi = uint64(i)
	r.Regs.Rip = uint64(pr.Addr)
	return r
}

// TestProbeEvents: what a probe's callback sees of ev, built from the
// template and field by field (as before templates): the same fields in
// the same pairs order, each event its own table, which the callback may
// write to (a new key of one event is in no other) and keep, finding the
// same values after later records.
func TestProbeEvents(t *testing.T) {
	const fn = `function(ev)
  local keys = {}
  for k in pairs(ev) do keys[#keys + 1] = k end
  seen[#seen + 1] = table.concat(keys, ",")
  ev["extra" .. #seen] = #seen
  ev.note = -#seen
  ev.tid = ev.tid + 1000
  kept[#kept + 1] = ev
end`
	const check = `local out = {}
for i, ev in ipairs(kept) do
  local keys = {}
  for k, v in pairs(ev) do
    if k == "regs" then v = "rdi=" .. v.rdi elseif k == "pr" then v = tostring(v == pr) end
    keys[#keys + 1] = k .. "=" .. tostring(v)
  end
  out[#out + 1] = seen[i] .. " | " .. table.concat(keys, " ")
end
assert(kept[1] ~= kept[2])
result = table.concat(out, "\n")`
	for _, isGo := range []bool{false, true} {
		var got [2]string
		for i, templates := range []bool{true, false} {
			m, L, pr := probeModule(t, fn, isGo, templates)
			if err := L.DoString("seen, kept = {}, {}"); err != nil {
				t.Fatal(err)
			}
			dr := m.newProbeDrain()
			defer dr.finish()
			for i := 1; i <= 3; i++ {
				if err := dr.record(probeRecord(m, pr, i)); err != nil {
					t.Fatal(err)
				}
			}
			if err := L.DoString(check); err != nil {
				t.Fatal(err)
			}
			got[i] = L.GetGlobal("result").String()
		}
		want := `reason,pr,pid,tid,addr,time,regs | reason=probe pr=true pid=42 tid=1101 addr=4198400 time=1 regs=rdi=1 extra1=1 note=-1
reason,pr,pid,tid,addr,time,regs | reason=probe pr=true pid=42 tid=1100 addr=4198400 time=2 regs=rdi=2 extra2=2 note=-2
reason,pr,pid,tid,addr,time,regs | reason=probe pr=true pid=42 tid=1101 addr=4198400 time=3 regs=rdi=3 extra3=3 note=-3`
		if isGo {
			want = strings.NewReplacer("regs |", "regs,goid |", "rdi=1 ", "rdi=1 goid=8 ", "rdi=2 ", "rdi=2 goid=9 ", "rdi=3 ", "rdi=3 goid=10 ").Replace(want)
		}
		if got[0] != want || got[1] != want {
			t.Errorf("Go %v: template events:\n%s\nfield by field:\n%s\nwant:\n%s", isGo, got[0], got[1], want)
		}
	}
}

// TestProbeDrainGC: a drain that makes events raises the GC's goal to
// drainGCPercent, or keeps a higher one (GOGC=off), and puts it back.
func TestProbeDrainGC(t *testing.T) {
	m, _, pr := probeModule(t, "function(ev) end", false, true)
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, c := range []struct{ before, during int }{{100, drainGCPercent}, {-1, -1}, {1000, 1000}} {
		debug.SetGCPercent(c.before)
		dr := m.newProbeDrain()
		if err := dr.record(probeRecord(m, pr, 1)); err != nil {
			t.Fatal(err)
		}
		during := debug.SetGCPercent(c.during)
		dr.finish()
		if after := debug.SetGCPercent(100); during != c.during || after != c.before {
			t.Errorf("GOGC %d: %d during the drain, %d after; want %d, %d", c.before, during, after, c.during, c.before)
		}
	}
}

// BenchmarkProbeRecord: godbg's cost of a probe record with a Lua callback
// (a drain's work a record, no tracee): fn() (no event made), fn(ev) with
// the template and field by field, fn(ev) reading a field.
func BenchmarkProbeRecord(b *testing.B) {
	for _, c := range []struct {
		name, fn  string
		templates bool
	}{
		{"noarg", "function() n = n + 1 end", true},
		{"ev", "function(ev) n = n + 1 end", true},
		{"ev-fieldwise", "function(ev) n = n + 1 end", false},
		{"ev.tid", "function(ev) if ev.tid then n = n + 1 end end", true},
	} {
		b.Run(c.name, func(b *testing.B) {
			m, L, pr := probeModule(b, c.fn, false, c.templates)
			L.SetGlobal("n", glua.LNumber(0))
			recs := make([]*engine.ProbeRecord, 1024)
			for i := range recs {
				recs[i] = probeRecord(m, pr, i)
				recs[i].Tid = 100 // one thread, as in bench/probes.sh
			}
			b.ReportAllocs()
			b.ResetTimer()
			dr := m.newProbeDrain()
			defer dr.finish()
			for i := 0; i < b.N; i++ {
				if err := dr.record(recs[i%len(recs)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

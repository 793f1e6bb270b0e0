package bindings

import (
	"io"
	"os"
	"runtime"
	"testing"

	"github.com/godbg/godbg/engine"
	"github.com/godbg/godbg/internal/fixture"
	glua "github.com/yuin/gopher-lua"
)

// TestHandles checks what every handle type built by registerHandle does,
// on a breakpoint, a watchpoint and a sys hook of a real tracee and on a
// profile, a timeline and a sampler: fields read, an unknown field and a
// write raise naming the handle, a method of a deleted handle raises one
// message naming the method, tostring renders.
func TestHandles(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	prog := fixture.C(t, "hello.c", "-O0", "-g")
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	p, err := engine.Launch(prog, engine.LaunchOptions{Stdout: devnull, Stderr: devnull})
	if err != nil {
		t.Fatalf("launch: %v", err)
	}
	L := glua.NewState()
	defer L.Close()
	m := New(L, p, NewOutput(io.Discard))
	defer endSession(t, m, p)
	if err := L.DoString(`
		bp = brk("add")
		ev = cont()
		wp = watch(sym("counter"), 4, "w", function() end)
		hook = sys("write", function() end)
		pr = profile.new()
		tl = timeline.new()
		smp = sample(10, function() end)
		fr = frame(1)
		dbp = brk("main"); dbp:delete()
		dwp = watch(sym("counter"), 4, "rw"); dwp:delete()
		dhook = sys("read"); dhook:delete()
		prb = probe("add", {entry = true})
		dprb = probe("main", {entry = true}); dprb:delete()
	`); err != nil {
		t.Fatalf("setup: %v", err)
	}
	addr := func(name string) string {
		t.Helper()
		if err := L.DoString(`x = ` + name); err != nil {
			t.Fatal(err)
		}
		return L.GetGlobal("x").String()
	}
	for _, tc := range []struct{ expr, want string }{
		{"bp.id", "1"},
		{"bp.hits", "1"},
		{"bp.loc", "add"},
		{"bp.enabled", "true"},
		{"bp.once", "false"},
		{"bp.pending", "false"},
		{"bp.deleted", "false"},
		{"#bp.addrs", "1"},
		{"bp.addr == ev.addr", "true"},
		{"ev.bp == bp", "true"},
		{"bps()[1] == bp", "true"},
		{"dbp.deleted", "true"},
		{"wp.size", "4"},
		{"wp.mode", "w"},
		{"wp.hits", "0"},
		{"wp.addr == sym('counter')", "true"},
		{"dwp.deleted", "true"},
		{"hook.names[1]", "write"},
		{"hook.deleted", "false"},
		{"dhook.deleted", "true"},
		{"prb.loc", "add"},
		{"prb.hits", "0"},
		{"prb.deleted", "false"},
		{"dprb.deleted", "true"},
		{"tostring(prb) == 'probe add (' .. prb.kind .. ')'", "true"},
		{"pr.samples", "0"},
		{"pr.types[1]", "calls/count"},
		{"tl.events", "1"},
		{"smp.hz", "10"},
		{"smp.ticks", "0"},
		{"tostring(pr)", "profile(0 samples)"},
		{"fr.n", "1"},
		{"fr.sym", "main"},
		{"fr.goid", "nil"},
		{"fr:locals().total", "0"},
		{"fr:var('i')", "0"},
		{"tostring(fr):match('^#1 0x%x+ in main at hello.c:%d+$') ~= nil", "true"},
		{"tostring(hook)", "sys hook " + addr("hook.id") + " on write"},
		{"tostring(bp):match('^breakpoint 1 at 0x%x+ add %(1 hits%)$') ~= nil", "true"},
	} {
		if got := addr(tc.expr); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.expr, got, tc.want)
		}
	}
	bpFields := "breakpoint fields: addr, addrs, deleted, enabled, hits, id, loc, once, pending; methods: delete, disable, enable"
	for _, tc := range []struct{ code, want string }{
		{"return bp.hitz", `bp: no field "hitz" (` + bpFields + `)`},
		{"return bp[1]", `bp: no field 1 (` + bpFields + `)`},
		{"bp.hits = 5", `bp: field "hits" is read-only`},
		{"return wp.nosuch", `wp: no field "nosuch" (watchpoint fields: addr, deleted, hits, id, kind, mode, size; methods: delete)`},
		{"wp.size = 8", `wp: field "size" is read-only`},
		{"return hook.name", `hook: no field "name" (sys hook fields: deleted, id, names; methods: delete)`},
		{"return prb.hitz", `pr: no field "hitz" (probe fields: addr, deleted, hits, id, kind, loc, lost, reason; methods: delete)`},
		{"prb.hits = 1", `pr: field "hits" is read-only`},
		{"dprb:delete()", "pr:delete: probe " + addr("dprb.id") + " was deleted"},
		{"prb.delete(bp)", "bad argument #1 to 'pr:delete' (probe expected, got userdata)"},
		{"return pr.nosuch", `profile: no field "nosuch" (profile fields: samples, types; methods: add, write)`},
		{"return tl.nosuch", `timeline: no field "nosuch" (timeline fields: events; methods: counter, instant, span, track, write)`},
		{"smp.hz = 1", `sampler: field "hz" is read-only`},
		{"return fr.nosuch", `fr: no field "nosuch" (frame fields: file, goid, inlined, line, n, off, pc, sp, sym; methods: args, locals, var, vars)`},
		{"fr.n = 2", `fr: field "n" is read-only`},
		{"fr.locals(bp)", "bad argument #1 to 'fr:locals' (frame expected, got userdata)"},
		{"dbp:delete()", "bp:delete: breakpoint " + addr("dbp.id") + " was deleted"},
		{"dbp:enable()", "bp:enable: breakpoint " + addr("dbp.id") + " was deleted"},
		{"dbp:disable()", "bp:disable: breakpoint " + addr("dbp.id") + " was deleted"},
		{"dwp:delete()", "wp:delete: watchpoint " + addr("dwp.id") + " was deleted"},
		{"dhook:delete()", "hook:delete: sys hook " + addr("dhook.id") + " was deleted"},
		{"bp.delete(wp)", "bad argument #1 to 'bp:delete' (breakpoint expected, got userdata)"},
		{"wp.delete(1)", "bad argument #1 to 'wp:delete' (watchpoint expected, got number)"},
		{"pr.add(tl, {'f'}, 1)", "bad argument #1 to 'profile:add' (profile expected, got userdata)"},
	} {
		err := L.DoString(tc.code)
		if err == nil {
			t.Errorf("%s: no error, want %q", tc.code, tc.want)
			continue
		}
		got := err.(*glua.ApiError).Object.String()
		if want := "<string>:1: " + tc.want; got != want {
			t.Errorf("%s: error %q, want %q", tc.code, got, want)
		}
	}
	// A sampler's delete() may be repeated; the others' methods still run.
	if err := L.DoString(`smp:delete(); smp:delete(); bp:disable(); bp:enable(); wp:delete(); hook:delete(); prb:delete()`); err != nil {
		t.Errorf("methods of live handles: %v", err)
	}
	if got := addr("tostring(smp.deleted) .. tostring(wp.deleted) .. tostring(hook.deleted) .. tostring(prb.deleted)"); got != "truetruetruetrue" {
		t.Errorf("deleted after delete(): %s", got)
	}
	// After the process ends, a breakpoint's methods say so first.
	if err := L.DoString(`kill()`); err != nil {
		t.Fatal(err)
	}
	err = L.DoString(`bp:delete()`)
	if ae, ok := err.(*glua.ApiError); !ok || ae.Object.String() != "<string>:1: bp:delete: the process has exited" {
		t.Errorf("bp:delete() after kill(): %v", err)
	}
}

package bindings

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbg/godbg/engine"
	"github.com/godbg/godbg/internal/fixture"
	glua "github.com/yuin/gopher-lua"
)

// fuzzAPI is what FuzzLuaAPI calls: the API's functions by their Lua name
// ("next" is left out: it is being renamed next_line), the mem accessors,
// the regs read and write (regs[k], regs[k] = v), the methods of a
// breakpoint, a watchpoint and a sys hook made by the calls, and field
// reads of those.
var fuzzAPI = []string{
	"sym", "syms", "where", "brk", "bps", "cont", "step", "finish", "kill", "detach", "on", "threads",
	"bt", "disas", "watch", "sys", "sys_return", "args", "locals", "var", "goroutines", "force_return",
	"retval", "rets", "printf", "emit", "hex", "print",
	"mem", "mem.u8", "mem.u16", "mem.u32", "mem.u64", "mem.i8", "mem.i16", "mem.i32", "mem.i64",
	"mem.f32", "mem.f64", "mem.cstr", "mem.gostr",
	"regs[]", "regs[]=", "bp:delete", "bp:enable", "bp:disable", "bp.", "wp:delete", "wp.", "hook:delete", "hook.",
}

// writers are the calls that may change the tracee's code or registers:
// after them the code is not compared. The mem accessors write when given
// a second argument (isWrite).
var writers = map[string]bool{"mem": true, "regs[]=": true, "force_return": true, "sys_return": true}

// isWrite: the call may write the tracee's memory or registers.
func (c fuzzCall) isWrite() bool {
	return writers[c.name] || strings.HasPrefix(c.name, "mem.") && c.nargs >= 2
}

// Values a fuzz input picks from, beside raw numbers and strings.
var (
	fuzzNumbers = []float64{0, 1, -1, 2, 3, 4, 8, 16, 0.5, 1.5, -0.5, 1 << 53, 1 << 62, 1 << 63, -(1 << 63),
		two64, 1e9, 1e300, math.NaN(), math.Inf(1), math.Inf(-1), 4096, 1 << 24, 255, 256, 65536}
	fuzzStrings = []string{"add", "main", "counter", "greeting", "hello.c:9", "hello.c:17", "hello.c:0", "*",
		"a*", "[", "w", "rw", "int", "float", "exit", "signal", "thread", "exec", "openat", "read", "*",
		"%d", "%s %s", "%q", "%5.2f", "%x", "%c", "%", "%y", "x", "", "rax", "rip", "rsp", "eflags", "nosuch",
		"0xffffffffffffffff", "-1", "18446744073709551616", "1.5", "s", "a.b", "*p", "total", "i",
		"libc.so.6:puts", "puts", "main.main", "hello.c:99999", "id", "hits", "addr", "loc", "enabled"}
	// fuzzAddrs are addresses in the tracee, taken by fuzzSetup (so that
	// an argument never raises an error of its own).
	fuzzAddrs = []string{`sym("counter")`, `sym("add")`, `sym("add") + 1`, `sym("add") + 4`, `sym("main")`,
		`regs.rsp`, `regs.rip`, `sym("greeting")`, `sym("counter") + 1`, `regs.rsp - 8`,
		// the last bytes of counter's page and of add's: reads that run
		// into the next page
		`sym("counter") - sym("counter") % 4096 + 4095`, `sym("counter") - sym("counter") % 4096 + 4092`,
		`sym("add") - sym("add") % 4096 + 4095`}
	// fuzzValues are other Lua values: tables, functions, userdata.
	fuzzValues = []string{`{}`, `{entry = true}`, `{once = true}`, `{entry = true, once = true}`, `{int = 7}`,
		`{float = 2.5}`, `{bogus = 1}`, `{"openat", "read"}`, `{1, 2, 3}`, `fz.cyc`, `fz.deep`, `{f = print}`,
		`{on_return = fz.stop}`, `{goroutine = 1}`, `{pending = true}`, `fz.stop`, `fz.go_on`, `fz.fail`, `print`,
		`regs`, `mem`, `fz.bp`, `fz.wp`, `fz.hook`, `coroutine.create(print)`, `{[{}] = 1}`, `{x = 0/0}`}
)

// fuzzReader reads a fuzz input as a stream of small choices; past its end
// every choice is 0.
type fuzzReader struct{ b []byte }

func (r *fuzzReader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *fuzzReader) pick(n int) int { return int(r.byte()) % n }

// value is the Lua expression of one argument.
func (r *fuzzReader) value() string {
	switch r.pick(9) {
	case 0:
		return "nil"
	case 1:
		return []string{"true", "false"}[r.pick(2)]
	case 2:
		return fmt.Sprint(int8(r.byte()))
	case 3:
		var b [8]byte
		for i := range b {
			b[i] = r.byte()
		}
		return luaNumber(math.Float64frombits(binary.LittleEndian.Uint64(b[:])))
	case 4:
		return luaNumber(fuzzNumbers[r.pick(len(fuzzNumbers))])
	case 5:
		n := r.pick(12)
		var s []byte
		for i := 0; i < n; i++ {
			s = append(s, r.byte())
		}
		return luaString(s)
	case 6:
		return luaString([]byte(fuzzStrings[r.pick(len(fuzzStrings))]))
	case 7:
		return fmt.Sprintf("fz.addr[%d]", r.pick(len(fuzzAddrs))+1)
	default:
		return fuzzValues[r.pick(len(fuzzValues))]
	}
}

// luaString spells s as a Lua string literal.
func luaString(s []byte) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		if c >= ' ' && c < 127 && c != '"' && c != '\\' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "\\%03d", c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// luaNumber spells f as a Lua expression.
func luaNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "(0/0)"
	case math.IsInf(f, 1):
		return "(1/0)"
	case math.IsInf(f, -1):
		return "(-1/0)"
	}
	return fmt.Sprintf("(%v)", f)
}

// fuzzCall is one call: the API name, its Lua source and its number of
// arguments.
type fuzzCall struct {
	name, code string
	nargs      int
}

// decodeCalls turns a fuzz input into at most 8 calls.
func decodeCalls(data []byte) []fuzzCall {
	r := &fuzzReader{data}
	var calls []fuzzCall
	for len(r.b) > 0 && len(calls) < 8 {
		name := fuzzAPI[r.pick(len(fuzzAPI))]
		args := make([]string, r.pick(5))
		for i := range args {
			args[i] = r.value()
		}
		a := strings.Join(args, ", ")
		var code string
		switch {
		case name == "regs[]":
			code = fmt.Sprintf("return regs[%s]", argOr(args, 0))
		case name == "regs[]=":
			code = fmt.Sprintf("regs[%s] = %s", argOr(args, 0), argOr(args, 1))
		case strings.HasSuffix(name, "."):
			code = fmt.Sprintf("return fz.%s[%s]", strings.TrimSuffix(name, "."), argOr(args, 0))
		case strings.Contains(name, ":"):
			obj, method, _ := strings.Cut(name, ":")
			code = fmt.Sprintf("return fz.%s.%s(%s)", obj, method, a)
		default:
			code = fmt.Sprintf("return %s(%s)", name, a)
		}
		calls = append(calls, fuzzCall{name, code, len(args)})
	}
	return calls
}

func argOr(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return "nil"
}

// fuzzSetup runs before the calls, with hello stopped in add: fz holds the
// values the calls use (a breakpoint, a watchpoint, a sys hook, callbacks),
// and keeps what the calls return that is one of those.
var fuzzSetup = `
fz = {}
fz.stop = function() return true end
fz.go_on = function() return false end
fz.fail = function() error("callback error") end
fz.cyc = {}; fz.cyc.self = fz.cyc
fz.deep = {}; for i = 1, 80 do fz.deep = {fz.deep} end
brk("add", {once = true}); cont()
fz.bp = brk("hello.c:17")
fz.wp = watch(sym("counter"), 4, "w", fz.go_on)
fz.hook = sys("write", fz.go_on)
fz.addr = {` + strings.Join(fuzzAddrs, ", ") + `}
`

// callBound is the time one call may take: hello runs to its end in
// milliseconds; a call that takes this long on a loaded machine is stuck.
const callBound = 30 * time.Second

// FuzzLuaAPI drives the Lua API with random calls (a random function, random
// arguments of random types) on hello stopped at a breakpoint: no call
// panics, each returns or raises within callBound, a Lua error names its
// function, the code is as the ELF file has it after the calls unless they
// wrote, and the session always ends with the process killed and reaped.
func FuzzLuaAPI(f *testing.F) {
	prog := fixture.C(f, "hello.c", "-O0", "-g")
	text := textSection(f, prog)
	for _, s := range [][]byte{
		{}, {0}, {1, 1, 6, 0}, {13, 2, 7, 1, 4, 7}, {5}, {6, 6}, {8}, {9}, {14, 3, 7, 0, 4, 4, 6, 9},
		{24, 2, 4, 12, 6, 0}, {25, 1, 8, 9}, {3, 3, 6, 0, 8, 15, 8, 16}, {41, 2, 7, 0, 4, 0},
	} {
		f.Add(s)
	}

	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		calls := decodeCalls(data)
		p, err := engine.Launch(prog, engine.LaunchOptions{Stdout: devnull, Stderr: devnull})
		if err != nil {
			t.Fatalf("launch: %v", err)
		}
		L := glua.NewState()
		defer L.Close()
		m := New(L, p, NewOutput(io.Discard))
		defer endSession(t, m, p)
		if err := L.DoString(fuzzSetup); err != nil {
			t.Fatalf("setup: %v", err)
		}
		wrote := false
		for _, c := range calls {
			fn, err := L.LoadString(c.code)
			if err != nil {
				t.Fatalf("%s: does not compile: %v", c.code, err)
			}
			wrote = wrote || c.isWrite()
			timer := time.AfterFunc(callBound, func() {
				panic(fmt.Sprintf("%s: no return after %v", c.code, callBound))
			})
			L.Push(fn)
			err = L.PCall(0, glua.MultRet, nil)
			timer.Stop()
			L.SetTop(0)
			if err == nil {
				continue
			}
			ae, ok := err.(*glua.ApiError)
			if !ok || ae.Type == glua.ApiErrorPanic {
				t.Fatalf("%s: Go panic: %v", c.code, err)
			}
			msg := ae.Object.String()
			if strings.Contains(msg, "callback error") {
				continue // fz.fail's, raised again by cont() or step()
			}
			if !strings.HasPrefix(msg, "<string>:1: ") || strings.Contains(msg, "runtime error") {
				t.Errorf("%s: error %q has no SCRIPT:LINE", c.code, msg)
			}
			if !namesCall(msg, c.name) {
				t.Errorf("%s: error %q does not name %s", c.code, msg, c.name)
			}
		}
		if wrote || p.Exited() || m.Detached() {
			return
		}
		for _, bp := range p.Breakpoints() {
			if err := p.ClearBreakpoint(bp); err != nil {
				t.Fatalf("clear breakpoint %d: %v", bp.ID, err)
			}
		}
		got := make([]byte, len(text.data))
		if err := p.ReadMemory(engine.Addr(text.addr)+p.Bias(), got); err != nil {
			t.Fatalf("read .text: %v", err)
		}
		if !bytes.Equal(got, text.data) {
			t.Errorf(".text changed by calls that do not write:\n%s", callList(calls))
		}
	})
}

// namesCall: an error message names the API function called ("mem.u8",
// "bp:delete", "regs").
func namesCall(msg, name string) bool {
	switch {
	case strings.HasPrefix(name, "regs"):
		name = "regs"
	case strings.HasSuffix(name, "."):
		name = strings.TrimSuffix(name, ".")
	}
	return strings.Contains(msg, name)
}

func callList(calls []fuzzCall) string {
	var b strings.Builder
	for _, c := range calls {
		b.WriteString("\t" + c.code + "\n")
	}
	return b.String()
}

// endSession ends the session as godbg does (lua.session.end), and checks
// that no process is left: killed and reaped, or, after detach(), run to
// its end and reaped.
func endSession(t *testing.T, m *Module, p *engine.Process) {
	switch {
	case m.Detached():
		var ws syscall.WaitStatus
		if _, err := syscall.Wait4(p.Pid(), &ws, 0, nil); err != nil {
			t.Errorf("reap the detached process %d: %v", p.Pid(), err)
		}
	case !p.Exited():
		if _, err := p.Kill(); err != nil {
			t.Errorf("kill: %v", err)
		}
	}
	if err := syscall.Kill(p.Pid(), 0); err != syscall.ESRCH {
		t.Errorf("process %d still exists after the session (kill(0): %v)", p.Pid(), err)
	}
}

type section struct {
	addr uint64
	data []byte
}

// textSection is prog's .text as the ELF file has it.
func textSection(t testing.TB, prog string) section {
	ef, err := elf.Open(prog)
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	s := ef.Section(".text")
	if s == nil {
		t.Fatalf("%s has no .text", prog)
	}
	data, err := s.Data()
	if err != nil {
		t.Fatal(err)
	}
	return section{s.Addr, data}
}

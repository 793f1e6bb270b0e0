package bindings

import (
	"time"

	"github.com/godbg/godbg/engine"
	glua "github.com/yuin/gopher-lua"
)

// Module is the Lua API of one debugging session: the globals a script sees,
// as methods on one struct carrying the process and the output stream.
type Module struct {
	L   *glua.LState
	p   *engine.Process // nil in a session without a tracee (tests of the pure parts)
	out *Output

	// bps maps each engine breakpoint to its one Lua value, so that
	// ev.bp == bp holds.
	bps map[*engine.Breakpoint]*glua.LUserData

	handlers map[string][]*glua.LFunction // on("exit" | "signal" | "thread" | "exec" | "end")

	// cbErr is the Lua error of a callback run from the engine hook; cont()
	// raises it again once the engine has returned.
	cbErr *glua.ApiError
	// exit is the tracee's exit event once seen.
	exit *engine.Event
	// detached is set by detach(): the tracee lives on, godbg exits 0.
	detached bool
	// lastCbErr is the last callback error, kept for the final report.
	lastCbErr *glua.ApiError
	// stopEv is the event whose callback asked to stop, when several
	// breakpoints share the site that was hit.
	stopEv *engine.Event
	// exitHandled: the on("exit") handlers ran.
	exitHandled bool
	// inCallback counts the callbacks running (call): cont, step, finish
	// and next_line refuse to run from one (notFromCallback).
	inCallback int
	// stop is the stop at hand: the event whose callbacks run, or the one
	// the last cont, step, finish or next_line returned (nil before the
	// first, or after an error); force_return checks it (returnSafe).
	stop *engine.Event
	// endedBy is EndKill or EndDetach once the script called kill() or
	// detach(); ended is the session's end reason once RunEndHandlers ran.
	endedBy, ended string

	// isGo: events carry a goid (read lazily through eventMeta from
	// curEv, while curTab is the current event).
	isGo      bool
	eventMeta *glua.LTable
	curEv     *engine.Event
	curTab    *glua.LTable
	// eventStr is the metatable of the other events: __tostring only
	// (describe.go).
	eventStr *glua.LTable

	// sources: the source files read for stop descriptions, by path (nil
	// lines when unreadable).
	sources map[string][]string
	// resuming, when set, is told when the tracee starts and stops
	// running (SetResumeNotify).
	resuming func(running bool)

	sampler *sampler // sample(): the one periodic sampler

	probeEvMeta *glua.LTable // probe events of Go programs: goid on demand

	// epoch is when the session started: the zero of timeline.now() and
	// of the events' time fields.
	epoch time.Time
}

// exports is the one registration table of the global functions of the
// contract (docs/lua-api.md): Lua name -> method. New installs each with
// its name (api), the REPL completes them (Exports). The handle types'
// methods are in their handleType (handle.go); the namespaces regs, mem,
// profile and timeline are built by registerTypes.
var exports = map[string]func(*Module, *glua.LState) int{
	// output.go
	"print":  (*Module).print,
	"printf": (*Module).printf,
	"emit":   (*Module).emit,
	"hex":    (*Module).hex,
	// symbols.go
	"sym":   (*Module).sym,
	"syms":  (*Module).syms,
	"where": (*Module).where,
	// breakpoint.go
	"brk": (*Module).brk,
	"bps": (*Module).bpsList,
	// exec.go
	"cont":   (*Module).cont,
	"step":   (*Module).step,
	"kill":   (*Module).kill,
	"detach": (*Module).detach,
	// events.go
	"on": (*Module).on,
	// regs.go
	"threads": (*Module).threads,
	// stack.go
	"bt": (*Module).bt,
	// frame.go
	"frame": (*Module).frame,
	// disas.go
	"disas": (*Module).disas,
	// next.go
	"next_line": (*Module).nextLine,
	// pretty.go
	"pp": (*Module).pp,
	// sample.go
	"sample": (*Module).sample,
	// vars.go
	"args":       (*Module).args,
	"locals":     (*Module).locals,
	"var":        (*Module).varExpr,
	"goroutines": (*Module).goroutines,
	// sys.go
	"sys":        (*Module).sys,
	"sys_return": (*Module).sysReturn,
	"sys_info":   (*Module).sysInfo,
	// watch.go
	"watch": (*Module).watch,
	// returns.go
	"force_return": (*Module).forceReturn,
	"finish":       (*Module).finish,
	"retval":       (*Module).retval,
	"rets":         (*Module).rets,
}

// New makes the Module for L and p (p may be nil: then only the functions
// that need no tracee work) and installs its globals in L. L must have the
// string library open.
// proc is the process whose address space memory, symbols and new
// breakpoints refer to: the first process, or (godbg run -f) the followed
// child whose event is being handled (engine.Process.Focus).
func (m *Module) proc() *engine.Process { return m.p.Focus() }

func New(L *glua.LState, p *engine.Process, out *Output) *Module {
	m := &Module{
		L:        L,
		p:        p,
		out:      out,
		bps:      map[*engine.Breakpoint]*glua.LUserData{},
		handlers: map[string][]*glua.LFunction{},
		epoch:    time.Now(),
	}
	if p != nil && p.Binary() != nil {
		m.isGo = p.Binary().IsGo()
	}
	for name, fn := range exports {
		fn := fn
		L.SetGlobal(name, m.api(name, func(L *glua.LState) int { return fn(m, L) }))
	}
	m.registerTypes()
	return m
}

// api makes the Lua function of an API function (or method) named name:
// its errors name it (conv.go, apiName).
func (m *Module) api(name string, fn glua.LGFunction) *glua.LFunction {
	return m.L.NewClosure(fn, glua.LString(name))
}

// Output returns the output stream.
func (m *Module) Output() *Output { return m.out }

// registerTypes builds the metatables of the API's userdata types and
// installs the global values that are not functions (regs, mem).
func (m *Module) registerTypes() {
	registerHandle(m, breakpointHandle)
	m.registerBacktraceType()
	registerHandle(m, frameHandle)
	m.registerListingType()
	m.registerRegs()
	m.registerMem()
	m.registerProfile()
	m.registerTimeline()
	registerHandle(m, samplerHandle)
	m.registerProbeType()
	m.eventMeta = m.L.NewTable()
	m.eventMeta.RawSetString("__index", m.L.NewFunction(m.eventIndex))
	m.eventMeta.RawSetString("__tostring", m.L.NewFunction(m.describeEvent))
	m.eventStr = m.L.NewTable()
	m.eventStr.RawSetString("__tostring", m.L.NewFunction(m.describeEvent))
	m.registerMemDump()
}

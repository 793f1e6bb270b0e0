package bindings

import (
	"time"

	"github.com/godbg/godbg/engine"
	glua "github.com/yuin/gopher-lua"
)

const (
	samplerType = "godbg.Sampler"
	maxHz       = 10000
)

// sampler is the one sample() hook of a session.
type sampler struct {
	hz      float64
	fn      *glua.LFunction
	ticks   int
	deleted bool
}

// sample(hz, fn) -> s: hz times a second while the program runs, stop
// every thread and call fn(ev) once for each, that thread current (bt(),
// regs, var read it): ev = {reason="sample", tid=, goid=, time=, running=};
// running is false for a thread that was waiting in a system call (futex,
// epoll_wait, nanosleep, read): off the CPU. The threads resume when the
// last fn returns; fn's return value is ignored. s.hz, s.ticks,
// s:delete(). One sampler at a time.
func (m *Module) sample(L *glua.LState) int {
	hz := float64(L.CheckNumber(1))
	fn := L.CheckFunction(2)
	if !(hz >= 1 && hz <= maxHz) {
		L.RaiseError("sample: hz %v out of range [1, %d]", hz, maxHz)
	}
	if m.p == nil || m.p.Exited() || m.detached {
		L.RaiseError("sample: no process")
	}
	if m.sampler != nil && !m.sampler.deleted {
		L.RaiseError("sample: a sampler exists already (delete it first)")
	}
	s := &sampler{hz: hz, fn: fn}
	m.sampler = s
	m.p.SetTicker(time.Duration(float64(time.Second) / hz))
	L.Push(newHandle(m, samplerHandle, s))
	return 1
}

// samplerHandle is the sampler's Lua type (handle.go).
var samplerHandle = &handleType[*sampler]{
	meta:   samplerType,
	what:   "sampler",
	prefix: "sampler",
	fields: map[string]func(*glua.LState, *sampler) glua.LValue{
		"hz":      func(_ *glua.LState, s *sampler) glua.LValue { return glua.LNumber(s.hz) },
		"ticks":   func(_ *glua.LState, s *sampler) glua.LValue { return glua.LNumber(s.ticks) },
		"deleted": func(_ *glua.LState, s *sampler) glua.LValue { return glua.LBool(s.deleted) },
	},
	methods: map[string]func(*Module, *glua.LState) int{
		// s:delete(): stop sampling; deleting twice does nothing.
		"delete": func(m *Module, L *glua.LState) int {
			s := checkHandle[*sampler](L, 1, "sampler")
			if !s.deleted {
				s.deleted = true
				if m.sampler == s && m.p != nil && !m.p.Exited() {
					m.p.SetTicker(0)
				}
			}
			return 0
		},
	},
}

// callSample runs the sampler's fn for each thread of a tick.
func (m *Module) callSample(ev *engine.Event) (bool, error) {
	s := m.sampler
	if s == nil || s.deleted {
		return false, nil
	}
	s.ticks++
	when := glua.LNumber(m.sessionTime(ev.Time))
	for _, tid := range sortedTids(m.p.Threads()) {
		th := m.p.Thread(tid)
		if th == nil {
			continue
		}
		in, err := th.InSyscall()
		if err != nil {
			continue // the thread is exiting
		}
		m.p.SetCurrentThread(th)
		tev := &engine.Event{Kind: engine.EventTick, Thread: th, Tid: tid, Time: ev.Time}
		t := m.eventTable(tev)
		t.RawSetString("time", when)
		t.RawSetString("running", glua.LBool(!in))
		if _, err := m.call(s.fn, t); err != nil {
			return true, err
		}
		if s.deleted || m.p.Exited() || m.detached {
			break
		}
	}
	return false, nil
}

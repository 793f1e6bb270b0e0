package bindings

import (
	"time"

	"github.com/godbg/godbg/engine"
	glua "github.com/yuin/gopher-lua"
)

func init() {
	exports["sample"] = (*Module).sample
}

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
	ud := L.NewUserData()
	ud.Value = s
	L.SetMetatable(ud, L.GetTypeMetatable(samplerType))
	L.Push(ud)
	return 1
}

func (m *Module) registerSamplerType() {
	L := m.L
	mt := L.NewTypeMetatable(samplerType)
	L.SetField(mt, "__index", L.NewFunction(func(L *glua.LState) int {
		ud := L.CheckUserData(1)
		s, ok := ud.Value.(*sampler)
		if !ok {
			L.ArgError(1, "sampler expected")
		}
		switch key := L.CheckString(2); key {
		case "hz":
			L.Push(glua.LNumber(s.hz))
		case "ticks":
			L.Push(glua.LNumber(s.ticks))
		case "deleted":
			L.Push(glua.LBool(s.deleted))
		case "delete":
			L.Push(L.NewFunction(func(L *glua.LState) int {
				if !s.deleted {
					s.deleted = true
					if m.sampler == s && m.p != nil && !m.p.Exited() {
						m.p.SetTicker(0)
					}
				}
				return 0
			}))
		default:
			L.RaiseError("sampler: no field %q", key)
		}
		return 1
	}))
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

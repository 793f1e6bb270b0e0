package bindings

// profile.new: pprof profiles built from Lua, written as gzipped protocol
// buffers by github.com/google/pprof/profile (the package `go tool pprof`
// itself reads them with), so that `go tool pprof -top`, `-lines`, `-http`
// and every pprof viewer open what a script measured.

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/godbg/godbg/engine"
	"github.com/google/pprof/profile"
	glua "github.com/yuin/gopher-lua"
)

const profileType = "godbg.Profile"

// prof is one profile under construction: samples merged by stack and
// labels, locations and functions made once.
type prof struct {
	m       *Module
	p       *profile.Profile
	samples map[string]*profile.Sample
	locs    map[string]*profile.Location
	funcs   map[string]*profile.Function
	start   time.Time
}

// registerProfile installs the global table profile = {new = ...} and the
// profile type.
func (m *Module) registerProfile() {
	L := m.L
	registerHandle(m, profileHandle)
	t := L.NewTable()
	L.SetField(t, "new", L.NewFunction(m.profileNew))
	L.SetGlobal("profile", t)
}

func checkProfile(L *glua.LState, n int) *prof {
	return checkHandle[*prof](L, n, "profile")
}

// profileHandle is the profiles' Lua type (handle.go).
var profileHandle = &handleType[*prof]{
	meta:   profileType,
	what:   "profile",
	prefix: "profile",
	fields: map[string]func(*glua.LState, *prof) glua.LValue{
		"samples": func(_ *glua.LState, pr *prof) glua.LValue { return glua.LNumber(len(pr.p.Sample)) },
		"types": func(L *glua.LState, pr *prof) glua.LValue {
			t := L.NewTable()
			for _, st := range pr.p.SampleType {
				t.Append(glua.LString(st.Type + "/" + st.Unit))
			}
			return t
		},
	},
	methods: map[string]func(*Module, *glua.LState) int{
		"add":   (*Module).profileAdd,
		"write": (*Module).profileWrite,
	},
	tostring: func(pr *prof) string { return fmt.Sprintf("profile(%d samples)", len(pr.p.Sample)) },
}

// valueType parses "type/unit" ("cpu/nanoseconds"); a bare name has unit
// "count".
func valueType(s string) (*profile.ValueType, error) {
	typ, unit, ok := strings.Cut(s, "/")
	if !ok {
		unit = "count"
	}
	if typ == "" || unit == "" {
		return nil, fmt.Errorf("sample type %q: want TYPE/UNIT (samples/count, cpu/nanoseconds)", s)
	}
	return &profile.ValueType{Type: typ, Unit: unit}, nil
}

// profile.new([opts]) -> pr: an empty profile. opts.types lists the values
// each sample carries, as "type/unit" strings (default {"calls/count"});
// opts.period and opts.period_type ("type/unit", default the first type)
// say what one sample stands for (a CPU profile at 99 Hz: period 10101010,
// "cpu/nanoseconds"); opts.default names the type a viewer shows first.
func (m *Module) profileNew(L *glua.LState) int {
	opts := L.OptTable(1, L.NewTable())
	p := &profile.Profile{TimeNanos: time.Now().UnixNano()}
	types := []string{"calls/count"}
	if v := opts.RawGetString("types"); v != glua.LNil {
		tt, ok := v.(*glua.LTable)
		if !ok || tt.Len() == 0 {
			L.RaiseError("profile.new: types must be a non-empty list of \"type/unit\" strings")
		}
		types = types[:0]
		for i := 1; i <= tt.Len(); i++ {
			s, ok := tt.RawGetInt(i).(glua.LString)
			if !ok {
				L.RaiseError("profile.new: types[%d] is not a string", i)
			}
			types = append(types, string(s))
		}
	}
	for _, s := range types {
		vt, err := valueType(s)
		if err != nil {
			L.RaiseError("profile.new: %v", err)
		}
		p.SampleType = append(p.SampleType, vt)
	}
	p.PeriodType = &profile.ValueType{Type: p.SampleType[0].Type, Unit: p.SampleType[0].Unit}
	if v, ok := opts.RawGetString("period_type").(glua.LString); ok {
		vt, err := valueType(string(v))
		if err != nil {
			L.RaiseError("profile.new: period_type: %v", err)
		}
		p.PeriodType = vt
	}
	p.Period = 1
	if v := opts.RawGetString("period"); v != glua.LNil {
		n, ok := v.(glua.LNumber)
		if !ok || n < 1 || n > 1<<62 {
			L.RaiseError("profile.new: period must be a number from 1 to 2^62")
		}
		p.Period = int64(n)
	}
	if v, ok := opts.RawGetString("default").(glua.LString); ok {
		p.DefaultSampleType = string(v)
	}
	pr := &prof{
		m: m, p: p, start: time.Now(),
		samples: map[string]*profile.Sample{},
		locs:    map[string]*profile.Location{},
		funcs:   map[string]*profile.Function{},
	}
	L.Push(newHandle(m, profileHandle, pr))
	return 1
}

// pr:add(stack, value [, labels]): one sample. stack is a bt() table
// (innermost frame first; inlined frames fold into their caller's
// location, as pprof stores them) or a list of function names; value a
// number, or a list with one number a sample type; labels a table of
// string or number values (pprof's labels: `-tagfocus`, `-tags`). Samples
// with the same stack and labels are merged (values added).
func (m *Module) profileAdd(L *glua.LState) int {
	pr := checkProfile(L, 1)
	stack := L.CheckTable(2)
	n := len(pr.p.SampleType)
	vals := make([]int64, n)
	switch v := L.Get(3).(type) {
	case glua.LNumber:
		if n != 1 {
			L.RaiseError("profile add: the profile has %d sample types: value must be a list of %d numbers", n, n)
		}
		vals[0] = int64(v)
	case *glua.LTable:
		if v.Len() != n {
			L.RaiseError("profile add: %d values for %d sample types", v.Len(), n)
		}
		for i := range vals {
			x, ok := v.RawGetInt(i + 1).(glua.LNumber)
			if !ok {
				L.RaiseError("profile add: value %d is not a number", i+1)
			}
			vals[i] = int64(x)
		}
	default:
		L.ArgError(3, "number or list of numbers expected")
	}
	locs, key := pr.stackLocations(L, stack)
	var strLabels map[string][]string
	var numLabels map[string][]int64
	if lt, ok := L.Get(4).(*glua.LTable); ok {
		var names []string
		lt.ForEach(func(k, _ glua.LValue) { names = append(names, k.String()) })
		sort.Strings(names)
		for _, name := range names {
			switch v := lt.RawGetString(name).(type) {
			case glua.LNumber:
				if numLabels == nil {
					numLabels = map[string][]int64{}
				}
				numLabels[name] = []int64{int64(v)}
				key += "\x00" + name + "=#" + strconv.FormatInt(int64(v), 10)
			case glua.LString:
				if strLabels == nil {
					strLabels = map[string][]string{}
				}
				strLabels[name] = []string{string(v)}
				key += "\x00" + name + "=" + string(v)
			default:
				L.RaiseError("profile add: label %q must be a string or a number", name)
			}
		}
	} else if L.Get(4) != glua.LNil {
		L.ArgError(4, "labels table expected")
	}
	if s := pr.samples[key]; s != nil {
		for i, v := range vals {
			s.Value[i] += v
		}
		return 0
	}
	s := &profile.Sample{Location: locs, Value: vals, Label: strLabels, NumLabel: numLabels}
	pr.samples[key] = s
	pr.p.Sample = append(pr.p.Sample, s)
	return 0
}

// stackLocations turns a Lua stack into locations, and a key naming them.
func (pr *prof) stackLocations(L *glua.LState, stack *glua.LTable) ([]*profile.Location, string) {
	type line struct {
		fn   string
		file string
		line int64
	}
	var locs []*profile.Location
	var key strings.Builder
	var pending []line // inlined frames waiting for the frame they are inlined into
	for i := 1; i <= stack.Len(); i++ {
		var ln line
		var addr uint64
		inlined := false
		switch f := stack.RawGetInt(i).(type) {
		case glua.LString:
			ln.fn = string(f)
		case *glua.LTable:
			if s, ok := f.RawGetString("sym").(glua.LString); ok {
				ln.fn = string(s)
			}
			if s, ok := f.RawGetString("file").(glua.LString); ok {
				ln.file = string(s)
			}
			if n, ok := f.RawGetString("line").(glua.LNumber); ok {
				ln.line = int64(n)
			}
			if pc, err := U64FromLua(f.RawGetString("pc")); err == nil {
				addr = pc
				if i > 1 && addr > 0 {
					addr-- // a caller's pc is a return address: its call is before it
				}
			}
			inlined = glua.LVAsBool(f.RawGetString("inlined"))
			if ln.fn == "" {
				if addr == 0 {
					L.RaiseError("profile add: frame %d has neither sym nor pc", i)
				}
				ln.fn = Hex(addr)
			}
		default:
			L.RaiseError("profile add: stack[%d] is not a frame table or a function name", i)
		}
		pending = append(pending, ln)
		if inlined && i < stack.Len() {
			continue
		}
		k := fmt.Sprintf("%x", addr)
		for _, l := range pending {
			k += "|" + l.fn + "|" + l.file + ":" + strconv.FormatInt(l.line, 10)
		}
		loc := pr.locs[k]
		if loc == nil {
			loc = &profile.Location{ID: uint64(len(pr.p.Location) + 1), Address: addr}
			for _, l := range pending {
				loc.Line = append(loc.Line, profile.Line{Function: pr.function(l.fn, l.file), Line: l.line})
			}
			pr.locs[k] = loc
			pr.p.Location = append(pr.p.Location, loc)
		}
		pending = pending[:0]
		locs = append(locs, loc)
		key.WriteString(strconv.FormatUint(loc.ID, 36))
		key.WriteByte(',')
	}
	return locs, key.String()
}

func (pr *prof) function(name, file string) *profile.Function {
	k := name + "\x00" + file
	if f := pr.funcs[k]; f != nil {
		return f
	}
	f := &profile.Function{ID: uint64(len(pr.p.Function) + 1), Name: name, SystemName: name, Filename: file}
	pr.funcs[k] = f
	pr.p.Function = append(pr.p.Function, f)
	return f
}

// pr:write(path): the profile, gzipped protocol buffer (pprof's format),
// with a mapping for each object of the process (the program, its
// libraries) marked as symbolized, so pprof reads names, files and lines
// from the file itself and `-lines`, `-http` work without the binary.
func (m *Module) profileWrite(L *glua.LState) int {
	pr := checkProfile(L, 1)
	path := L.CheckString(2)
	pr.p.DurationNanos = time.Since(pr.start).Nanoseconds()
	pr.setMappings()
	if err := pr.p.CheckValid(); err != nil {
		L.RaiseError("profile write: %v", err)
	}
	f, err := os.Create(path)
	if err != nil {
		L.RaiseError("profile write: %v", err)
	}
	err = pr.p.Write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		L.RaiseError("profile write: %s: %v", path, err)
	}
	return 0
}

// setMappings gives each location with an address the mapping of the
// object it lies in; the program's mapping comes first (pprof names the
// profile after it), then the libraries', in the process's order.
func (pr *prof) setMappings() {
	var objs []*engine.Object
	if pr.m.p != nil {
		objs = pr.m.proc().Objects()
	}
	pr.p.Mapping = nil
	of := map[*profile.Location]*engine.Object{}
	used := map[*engine.Object]bool{}
	for _, loc := range pr.p.Location {
		loc.Mapping = nil
		for _, o := range objs {
			if loc.Address != 0 && o.Contains(engine.Addr(loc.Address)) {
				of[loc], used[o] = o, true
				break
			}
		}
	}
	byObj := map[*engine.Object]*profile.Mapping{}
	for _, o := range objs {
		if !used[o] {
			continue
		}
		mp := &profile.Mapping{
			ID: uint64(len(pr.p.Mapping) + 1), Start: uint64(o.Lo), Limit: uint64(o.Hi),
			File: o.Path, HasFunctions: true, HasFilenames: true,
			HasLineNumbers: true, HasInlineFrames: true,
		}
		byObj[o] = mp
		pr.p.Mapping = append(pr.p.Mapping, mp)
	}
	for loc, o := range of {
		loc.Mapping = byObj[o]
	}
}

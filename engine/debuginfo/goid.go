package debuginfo

import (
	"debug/dwarf"
	"errors"
	"fmt"
)

// GoidReader reads the id of the goroutine a thread runs, knowing only the
// layout of runtime.g. New indexes the whole DWARF (about 0.25 s and 110 MB
// on the 22 MB cmd/go); finding runtime.g alone takes a few milliseconds: the
// runtime's compile unit is found by name, the others skipped whole. Every
// event of a Go program carries a goid, so this is what the first one costs.
type GoidReader struct {
	goid, stackLo int64
}

// GoidOffset is the offset of goid in runtime.g.
func (g *GoidReader) GoidOffset() int64 { return g.goid }

// NewGoidReader finds runtime.g's goid and stack.lo in d (a Go program's).
func NewGoidReader(d *dwarf.Data) (g *GoidReader, err error) {
	if d == nil {
		return nil, errors.New("goroutine ids: no DWARF")
	}
	defer func() {
		if p := recover(); p != nil { // damaged DWARF (FuzzNew)
			g, err = nil, fmt.Errorf("goroutine ids: malformed DWARF: %v", p)
		}
	}()
	r, found, err := runtimeStruct(d, "runtime.g")
	if err != nil {
		return nil, fmt.Errorf("goroutine ids: %w", err)
	}
	if !found {
		return nil, errors.New("goroutine ids: no runtime.g in DWARF")
	}
	return goidLayout(d, r)
}

// runtimeStruct finds the struct type structName in the runtime's compile
// unit, skipping the other units whole; the reader it returns has just read
// the struct's entry (its members come next). found is false when the DWARF
// has no such struct. A caller recovers from debug/dwarf's panics.
func runtimeStruct(d *dwarf.Data, structName string) (r *dieReader, found bool, err error) {
	r = &dieReader{Reader: d.Reader()}
	for {
		e, err := r.Next()
		if err != nil {
			return nil, false, err
		}
		if e == nil {
			return nil, false, nil
		}
		switch {
		case e.Tag == dwarf.TagCompileUnit:
			if name, _ := e.Val(dwarf.AttrName).(string); name != "runtime" {
				r.SkipChildren()
			}
			continue
		case e.Tag == dwarf.TagStructType:
			if name, _ := e.Val(dwarf.AttrName).(string); name == structName {
				return r, true, nil
			}
		}
		if e.Children {
			r.SkipChildren()
		}
	}
}

// goidLayout reads the members of the struct whose entry r just returned.
func goidLayout(d *dwarf.Data, r *dieReader) (*GoidReader, error) {
	members, err := structMembers(r)
	if err != nil {
		return nil, err
	}
	goid, ok1 := members["goid"]
	stack, ok2 := members["stack"]
	if !ok1 || !ok2 {
		return nil, errors.New("goroutine ids: runtime.g has no goid or stack")
	}
	sr := &dieReader{Reader: d.Reader()}
	typ := stack.typ
	for hops := 0; ; hops++ {
		sr.Seek(typ)
		e, err := sr.Next()
		if err != nil || e == nil || hops > 4 {
			return nil, errors.New("goroutine ids: runtime.g.stack is not a struct")
		}
		if e.Tag == dwarf.TagStructType {
			break
		}
		// A named type may come as a typedef of the struct.
		next, ok := e.Val(dwarf.AttrType).(dwarf.Offset)
		if e.Tag != dwarf.TagTypedef || !ok {
			return nil, errors.New("goroutine ids: runtime.g.stack is not a struct")
		}
		typ = next
	}
	sm, err := structMembers(sr)
	if err != nil {
		return nil, err
	}
	lo, ok := sm["lo"]
	if !ok {
		return nil, errors.New("goroutine ids: runtime.stack has no lo")
	}
	return &GoidReader{goid: goid.off, stackLo: stack.off + lo.off}, nil
}

type member struct {
	off int64
	typ dwarf.Offset
}

// structMembers reads the DW_TAG_member children of the struct entry just
// read by r: name, offset and type.
func structMembers(r *dieReader) (map[string]member, error) {
	out := map[string]member{}
	for {
		e, err := r.Next()
		if err != nil {
			return nil, err
		}
		if e == nil || e.Tag == 0 {
			return out, nil
		}
		if e.Tag == dwarf.TagMember {
			name, _ := e.Val(dwarf.AttrName).(string)
			off, _ := e.Val(dwarf.AttrDataMemberLoc).(int64)
			typ, _ := e.Val(dwarf.AttrType).(dwarf.Offset)
			out[name] = member{off, typ}
		}
		if e.Children {
			r.SkipChildren()
		}
	}
}

// GoroutineID reads the goid of the g the thread runs (r14 in Go code, the
// runtime's TLS slot at fs_base-8 elsewhere), accepted only if the stack
// pointer lies in that g's stack, as Info.GoroutineID does.
func (g *GoidReader) GoroutineID(mem Memory, regs Registers) (int64, bool) {
	return goroutineID(mem, regs, g.goid, g.stackLo)
}

// GoroutineStack is GoroutineID with the goroutine's stack.hi, the top of
// the stack it runs on (a g0's goid is 0).
func (g *GoidReader) GoroutineStack(mem Memory, regs Registers) (id int64, hi uint64, ok bool) {
	return goroutineStack(mem, regs, g.goid, g.stackLo)
}

// RuntimeFieldOffsets finds the offsets of fields of a struct of package
// runtime (runtime.g, runtime.m) in d; an error names what is missing.
func RuntimeFieldOffsets(d *dwarf.Data, structName string, fields ...string) (offs []int64, err error) {
	if d == nil {
		return nil, errors.New("no DWARF")
	}
	defer func() {
		if p := recover(); p != nil {
			offs, err = nil, fmt.Errorf("%s: malformed DWARF: %v", structName, p)
		}
	}()
	r, found, err := runtimeStruct(d, structName)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("no %s in DWARF", structName)
	}
	members, err := structMembers(r)
	if err != nil {
		return nil, err
	}
	for _, f := range fields {
		m, ok := members[f]
		if !ok {
			return nil, fmt.Errorf("%s has no %s", structName, f)
		}
		offs = append(offs, m.off)
	}
	return offs, nil
}

package debuginfo

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// selector is v.name: a field (through pointers and interfaces, promoted
// fields too), a Go channel's runtime field, or a method value.
func (e *evaluator) selector(v *evalue, name string) (*evalue, error) {
	o, err := e.obj(v, "")
	if err != nil {
		return nil, err
	}
	if ct, ok := resolve(o.typ).(*godwarf.ChanType); ok {
		return e.chanField(o, ct, name)
	}
	if it, ok := ifaceType(o.typ); ok {
		d, err := e.dynamic(o, it)
		if err != nil {
			return nil, err
		}
		if m, ok := e.method(d, name); ok {
			return m, nil
		}
		o = d
	}
	f, ferr := e.i.field(e.mem, o, name)
	if ferr == nil {
		return &evalue{o: f}, nil
	}
	if m, ok := e.method(o, name); ok {
		return m, nil
	}
	if f, ok, err := e.embeddedPtrField(o, name); ok || err != nil {
		if err != nil {
			return nil, err
		}
		return &evalue{o: f}, nil
	}
	return nil, ferr
}

func ifaceType(t godwarf.Type) (*godwarf.InterfaceType, bool) {
	if it, ok := t.(*godwarf.InterfaceType); ok {
		return it, true
	}
	it, ok := resolve(t).(*godwarf.InterfaceType)
	return it, ok
}

// dynamic is the value an interface holds, with its dynamic type (the
// itab's or eface's runtime type, mapped to DWARF as decodeInterface does).
func (e *evaluator) dynamic(o *object, t *godwarf.InterfaceType) (*object, error) {
	w0, err1 := e.i.word(e.mem, o, 0)
	data, err2 := e.i.word(e.mem, o, 8)
	if err := firstErr(err1, err2); err != nil {
		return nil, err
	}
	if w0 == 0 {
		return nil, fmt.Errorf("%s is a nil interface", o.name)
	}
	rtype := w0
	if st, ok := resolve(t.Type).(*godwarf.StructType); ok && len(st.Field) > 0 && st.Field[0].Name == "tab" {
		rt, err := readU64(e.mem, w0+8)
		if err != nil {
			return nil, fmt.Errorf("read itab at %#x: %w", w0, err)
		}
		rtype = rt
	}
	dt, err := e.i.runtimeType(rtype)
	if err != nil {
		return nil, err
	}
	if e.i.directIface(e.mem, rtype, dt) {
		b := make([]byte, 8)
		binary.LittleEndian.PutUint64(b, data)
		return &object{name: o.name, typ: dt, buf: b[:dt.Size()]}, nil
	}
	return memObject(o.name, dt, data), nil
}

// method is the method value o.name as Go names its code: pkg.T.M for a
// value receiver, pkg.(*T).M for a pointer one (taken on a pointer or on an
// addressable value, as Go does).
func (e *evaluator) method(o *object, name string) (*evalue, bool) {
	t := o.typ
	ptr := false
	if pt, ok := resolve(t).(*godwarf.PtrType); ok && pt.Type != nil {
		t, ptr = pt.Type, true
	}
	tn := typeString(t)
	slash := strings.LastIndex(tn, "/")
	dot := strings.LastIndex(tn, ".")
	if dot <= slash || strings.ContainsAny(tn, "[]*(){} ") {
		return nil, false
	}
	pkg, base := tn[:dot], tn[dot+1:]
	cands := []string{tn + "." + name}
	if ptr || o.inMem {
		cands = append(cands, pkg+".(*"+base+")."+name)
	}
	for _, c := range cands {
		if v, ok := e.funcValue(c, true); ok {
			return v, true
		}
	}
	return e.promotedMethod(o, name, 0)
}

// promotedMethod finds a method of an embedded field (Go spec "Struct
// types": promoted methods), the shallowest first.
func (e *evaluator) promotedMethod(o *object, name string, depth int) (*evalue, bool) {
	if depth > 4 {
		return nil, false
	}
	if _, ok := resolve(o.typ).(*godwarf.PtrType); ok {
		d, err := e.i.deref(e.mem, o)
		if err != nil {
			return nil, false
		}
		o = d
	}
	st, ok := resolve(o.typ).(*godwarf.StructType)
	if !ok {
		return nil, false
	}
	var inner []*object
	for _, f := range st.Field {
		if !f.Embedded {
			continue
		}
		fo := o.sub(o.name+"."+f.Name, f.Type, f.ByteOffset)
		if _, isIface := ifaceType(f.Type); isIface {
			if d, err := e.dynamic(fo, mustIface(f.Type)); err == nil {
				fo = d
			}
		}
		t := fo.typ
		ptr := false
		if pt, ok := resolve(t).(*godwarf.PtrType); ok && pt.Type != nil {
			t, ptr = pt.Type, true
		}
		tn := typeString(t)
		slash, dot := strings.LastIndex(tn, "/"), strings.LastIndex(tn, ".")
		if dot > slash && !strings.ContainsAny(tn, "[]*(){} ") {
			cands := []string{tn + "." + name}
			if ptr || fo.inMem {
				cands = append(cands, tn[:dot]+".(*"+tn[dot+1:]+")."+name)
			}
			for _, c := range cands {
				if v, ok := e.funcValue(c, true); ok {
					return v, true
				}
			}
		}
		inner = append(inner, fo)
	}
	for _, fo := range inner {
		if v, ok := e.promotedMethod(fo, name, depth+1); ok {
			return v, true
		}
	}
	return nil, false
}

func mustIface(t godwarf.Type) *godwarf.InterfaceType {
	it, _ := ifaceType(t)
	return it
}

// embeddedPtrField finds name in a struct embedded by pointer (type T
// struct{ *base }), which field() leaves alone: its fields are elsewhere.
func (e *evaluator) embeddedPtrField(o *object, name string) (*object, bool, error) {
	if _, ok := resolve(o.typ).(*godwarf.PtrType); ok {
		d, err := e.i.deref(e.mem, o)
		if err != nil {
			return nil, false, nil
		}
		o = d
	}
	st, ok := resolve(o.typ).(*godwarf.StructType)
	if !ok {
		return nil, false, nil
	}
	for _, f := range st.Field {
		if !f.Embedded {
			continue
		}
		if _, isPtr := resolve(f.Type).(*godwarf.PtrType); !isPtr {
			continue
		}
		p := o.sub(o.name+"."+f.Name, f.Type, f.ByteOffset)
		d, err := e.i.deref(e.mem, p)
		if err != nil {
			continue
		}
		if g, err := e.i.field(e.mem, d, name); err == nil {
			g.name = o.name + "." + name
			return g, true, nil
		}
	}
	return nil, false, nil
}

// chanField reads a field of a Go channel's runtime.hchan (qcount,
// dataqsiz, closed, ...); buf reads as a pointer to an array of dataqsiz
// elements, so ch.buf[0] is the first slot of the ring, as Delve shows it.
func (e *evaluator) chanField(o *object, ct *godwarf.ChanType, name string) (*evalue, error) {
	h, err := e.i.deref(e.mem, &object{name: o.name, typ: ct.TypedefType.Type, addr: o.addr, buf: o.buf, inMem: o.inMem, err: o.err})
	if err != nil {
		return nil, err
	}
	f, err := e.i.field(e.mem, h, name)
	if err != nil {
		return nil, err
	}
	if name != "buf" {
		return &evalue{o: f}, nil
	}
	n, err := e.chanWord(o, ct, "dataqsiz")
	if err != nil {
		return nil, err
	}
	arr := &godwarf.ArrayType{CommonType: godwarf.CommonType{ByteSize: int64(n) * ct.ElemType.Size(),
		Name: fmt.Sprintf("[%d]%s", n, typeString(ct.ElemType))}, Type: ct.ElemType, Count: int64(n), StrideBitSize: 0}
	f.typ = e.pointerTo(arr)
	return &evalue{o: f}, nil
}

// chanWord reads one integer field of a channel's hchan (0 for nil).
func (e *evaluator) chanWord(o *object, ct *godwarf.ChanType, name string) (uint64, error) {
	p, err := e.i.word(e.mem, o, 0)
	if err != nil || p == 0 {
		return 0, err
	}
	pt, ok := resolve(ct.TypedefType.Type).(*godwarf.PtrType)
	if !ok {
		return 0, fmt.Errorf("channel layout: %s", ct.TypedefType.Type)
	}
	off, ft, err := fieldPath(pt.Type, name)
	if err != nil {
		return 0, err
	}
	v := e.i.decode(e.mem, memObject(name, ft, p+uint64(off)), 0)
	if v.Kind == Uint {
		return v.Uint, nil
	}
	if v.Kind == Int {
		return uint64(v.Int), nil
	}
	return 0, fmt.Errorf("channel %s: %s", name, v.Err)
}

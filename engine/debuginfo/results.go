package debuginfo

// Results of a function that has just returned. The frame is gone, so the
// results' location lists no longer apply: they are found where the calling
// convention leaves them, from their DWARF types.
//
// Go (the internal ABI, https://go.dev/s/regabi, "Function call argument and
// result passing"): each result is register-assigned or, if it does not fit
// in what is left of the 9 integer registers (rax, rbx, rcx, rdi, rsi, r8,
// r9, r10, r11) and 15 float registers (xmm0-xmm14), stack-assigned. The
// counters start again at zero for the results. A register-assigned value
// is split into its scalar parts (a string: pointer, length; a slice:
// pointer, length, capacity; an interface: type, data; a struct: its fields
// in order; an array of one element: the element), each in the low bytes of
// its own register. Stack-assigned results follow the stack-assigned
// arguments, aligned to the pointer size, in the caller's outgoing argument
// area: at the caller's sp (the thread's rsp once the call returned).
//
// C (System V x86-64 psABI, 3.2.3): the DWARF return type of the function;
// INTEGER in rax (then rdx), SSE in xmm0 (then xmm1), a struct of at most 16
// bytes classified per eightbyte, a larger one in memory at rax.

import (
	"debug/dwarf"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// goIntRegs are the Go ABI's integer argument and result registers, as
// DWARF register numbers: rax, rbx, rcx, rdi, rsi, r8, r9, r10, r11.
var goIntRegs = []int{0, 3, 2, 5, 4, 8, 9, 10, 11}

// goFloatRegs is how many of xmm0.. carry Go floats (xmm15 is kept zero).
const goFloatRegs = 15

// abiPart is one register-sized piece of a register-assigned value.
type abiPart struct {
	off, size int64
	float     bool
}

// Results returns the results of the function holding fnPC (a runtime
// address), read at its return: regs are the thread's registers at the
// return address, with xmm0-xmm15 as DWARF registers 17-32. Go results come
// named as in the source, unnamed ones as the compiler names them (~r0,
// ~r1, ...); a C function's one result has no name. A function without
// results returns an empty list.
func (i *Info) Results(mem Memory, fnPC uint64, regs Registers) ([]Value, error) {
	if i.dw == nil {
		return nil, errNoDWARF
	}
	fn := i.funcAt(fnPC - i.bias)
	if fn == nil {
		return nil, fmt.Errorf("no debug information for pc %#x", fnPC)
	}
	t := i.tree(fn.off)
	if t == nil {
		return nil, fmt.Errorf("read DWARF of %s", fn.name)
	}
	if fn.isGo() {
		return i.goResults(mem, t, regs)
	}
	return i.cResult(mem, t, regs)
}

func (i *Info) goResults(mem Memory, fnDIE *godwarf.Tree, regs Registers) ([]Value, error) {
	type param struct {
		name string
		typ  godwarf.Type
		err  error
	}
	var args, results []param
	for _, c := range fnDIE.Children {
		if c.Tag != dwarf.TagFormalParameter {
			continue
		}
		name, _ := c.Val(dwarf.AttrName).(string)
		typ, err := treeType(c, i.dw, i.typeCache)
		pr := param{name: name, typ: typ, err: err}
		if isResult(c) {
			results = append(results, pr)
		} else {
			args = append(args, pr)
		}
	}
	// The arguments matter only for where the stack-assigned results start.
	var stack int64
	ni, nf := 0, 0
	for _, a := range args {
		if a.err != nil {
			return nil, fmt.Errorf("type of argument %s: %w", a.name, a.err)
		}
		if parts, ok := goParts(a.typ, 0, nil); ok && fits(parts, ni, nf) {
			ni, nf = count(parts, ni, nf)
			continue
		}
		stack = alignUp(stack, goAlign(a.typ)) + a.typ.Size()
	}
	stack = alignUp(stack, 8)
	ni, nf = 0, 0
	out := make([]Value, 0, len(results))
	for _, r := range results {
		if r.err != nil {
			out = append(out, unreadable(r.name, "", fmt.Errorf("type: %w", r.err)))
			continue
		}
		parts, ok := goParts(r.typ, 0, nil)
		if !ok || !fits(parts, ni, nf) {
			off := alignUp(stack, goAlign(r.typ))
			stack = off + r.typ.Size()
			out = append(out, i.decode(mem, memObject(r.name, r.typ, regs.SP()+uint64(off)), 0))
			continue
		}
		buf := make([]byte, r.typ.Size())
		var err error
		for _, pt := range parts {
			n := 17 + nf // xmm0 is DWARF 17
			if !pt.float {
				n = goIntRegs[ni]
				ni++
			} else {
				nf++
			}
			v, ok := regs.Reg(n)
			if !ok {
				err = fmt.Errorf("register %d unavailable", n)
				break
			}
			var w [8]byte
			binary.LittleEndian.PutUint64(w[:], v)
			copy(buf[pt.off:pt.off+pt.size], w[:pt.size])
		}
		o := &object{name: r.name, typ: r.typ, buf: buf, err: err}
		out = append(out, i.decode(mem, o, 0))
	}
	return out, nil
}

func fits(parts []abiPart, ni, nf int) bool {
	ni, nf = count(parts, ni, nf)
	return ni <= len(goIntRegs) && nf <= goFloatRegs
}

func count(parts []abiPart, ni, nf int) (int, int) {
	for _, p := range parts {
		if p.float {
			nf++
		} else {
			ni++
		}
	}
	return ni, nf
}

func alignUp(n, a int64) int64 {
	if a <= 1 {
		return n
	}
	return (n + a - 1) / a * a
}

// goParts splits a Go type into its register-assigned parts at off; false
// when the type is always stack-assigned (an array of two or more
// elements) or unknown.
func goParts(t godwarf.Type, off int64, out []abiPart) ([]abiPart, bool) {
	switch t.(type) {
	case *godwarf.InterfaceType:
		return append(out, abiPart{off, 8, false}, abiPart{off + 8, 8, false}), true
	case *godwarf.MapType, *godwarf.ChanType:
		return append(out, abiPart{off, 8, false}), true
	}
	switch tt := resolve(t).(type) {
	case *godwarf.InterfaceType:
		return append(out, abiPart{off, 8, false}, abiPart{off + 8, 8, false}), true
	case *godwarf.MapType, *godwarf.ChanType, *godwarf.PtrType, *godwarf.FuncType:
		return append(out, abiPart{off, 8, false}), true
	case *godwarf.StringType:
		return append(out, abiPart{off, 8, false}, abiPart{off + 8, 8, false}), true
	case *godwarf.SliceType:
		return append(out, abiPart{off, 8, false}, abiPart{off + 8, 8, false}, abiPart{off + 16, 8, false}), true
	case *godwarf.FloatType:
		return append(out, abiPart{off, tt.ByteSize, true}), true
	case *godwarf.ComplexType:
		h := tt.ByteSize / 2
		return append(out, abiPart{off, h, true}, abiPart{off + h, h, true}), true
	case *godwarf.StructType:
		for _, f := range tt.Field {
			var ok bool
			if out, ok = goParts(f.Type, off+f.ByteOffset, out); !ok {
				return nil, false
			}
		}
		return out, true
	case *godwarf.ArrayType:
		switch tt.Count {
		case 0:
			return out, true
		case 1:
			return goParts(tt.Type, off, out)
		}
		return nil, false
	default:
		if s := t.Size(); s > 0 && s <= 8 {
			return append(out, abiPart{off, s, false}), true
		}
		return nil, false
	}
}

// goAlign is a Go type's alignment on amd64 (the size of its largest
// scalar part, at most 8).
func goAlign(t godwarf.Type) int64 {
	switch tt := resolve(t).(type) {
	case *godwarf.StructType:
		a := int64(1)
		for _, f := range tt.Field {
			a = max(a, goAlign(f.Type))
		}
		return a
	case *godwarf.ArrayType:
		return goAlign(tt.Type)
	case *godwarf.ComplexType:
		return tt.ByteSize / 2
	}
	s := t.Size()
	switch {
	case s >= 8:
		return 8
	case s >= 4:
		return 4
	case s >= 2:
		return 2
	}
	return 1
}

// cResult reads a C function's result from rax/rdx and xmm0/xmm1.
func (i *Info) cResult(mem Memory, fnDIE *godwarf.Tree, regs Registers) ([]Value, error) {
	if _, ok := fnDIE.Val(dwarf.AttrType).(dwarf.Offset); !ok {
		return nil, nil // void
	}
	typ, err := treeType(fnDIE, i.dw, i.typeCache)
	if err != nil {
		return nil, fmt.Errorf("return type: %w", err)
	}
	size := typ.Size()
	if _, void := resolve(typ).(*godwarf.VoidType); void || size <= 0 {
		return nil, nil
	}
	if size > 16 {
		// MEMORY class: the caller's buffer, whose address comes back in rax.
		rax, _ := regs.Reg(0)
		return []Value{i.decode(mem, memObject("", typ, rax), 0)}, nil
	}
	if f, ok := resolve(typ).(*godwarf.FloatType); ok && f.ByteSize > 8 {
		return []Value{unreadable("", typeString(typ), errors.New("long double (x87 st0) unsupported"))}, nil
	}
	var parts []cLeaf
	cLeaves(typ, 0, &parts)
	buf := make([]byte, (size+7)/8*8)
	intRegs, sseRegs := []int{0, 1}, []int{17, 18} // rax, rdx; xmm0, xmm1
	for e := int64(0); e*8 < size; e++ {
		sse := true
		for _, l := range parts {
			if l.off/8 == e && !l.float {
				sse = false
			}
		}
		var n int
		if sse {
			n, sseRegs = sseRegs[0], sseRegs[1:]
		} else {
			n, intRegs = intRegs[0], intRegs[1:]
		}
		v, ok := regs.Reg(n)
		if !ok {
			return []Value{unreadable("", typeString(typ), fmt.Errorf("register %d unavailable", n))}, nil
		}
		binary.LittleEndian.PutUint64(buf[e*8:], v)
	}
	return []Value{i.decode(mem, &object{typ: typ, buf: buf[:size]}, 0)}, nil
}

type cLeaf struct {
	off   int64
	float bool
}

// cLeaves lists the scalar fields of a C type with their offsets.
func cLeaves(t godwarf.Type, off int64, out *[]cLeaf) {
	switch tt := resolve(t).(type) {
	case *godwarf.StructType:
		for _, f := range tt.Field {
			cLeaves(f.Type, off+f.ByteOffset, out)
		}
	case *godwarf.ArrayType:
		es := tt.Type.Size()
		for k := int64(0); k < tt.Count && es > 0; k++ {
			cLeaves(tt.Type, off+k*es, out)
		}
	case *godwarf.FloatType:
		*out = append(*out, cLeaf{off, true})
	case *godwarf.ComplexType:
		*out = append(*out, cLeaf{off, true}, cLeaf{off + tt.ByteSize/2, true})
	default:
		*out = append(*out, cLeaf{off, false})
	}
}

package engine

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// GNU indirect functions (STT_GNU_IFUNC: strlen, memcpy, strchr in glibc).
//
// Their symbol is a resolver the loader calls once, at relocation time,
// which returns the implementation chosen for this CPU (__strlen_avx2,
// __strlen_evex...). gdb, after the loader ran, finds that address by
// calling the resolver in the inferior or from the GOT slot the loader
// filled. godbg never runs code in the program for this; it reads what the
// loader already wrote:
//
//  1. The library's own IRELATIVE relocations. A library that calls its
//     own IFUNC (libc's internal calls to strlen go through *ABS*+0x...@plt)
//     has an R_X86_64_IRELATIVE relocation whose addend is the resolver's
//     file address; the loader applies them eagerly, even under lazy
//     binding (glibc sysdeps/x86_64/dl-machine.h elf_machine_lazy_rel), so
//     the slot at r_offset+bias holds the implementation.
//  2. Otherwise any object's GLOB_DAT or JUMP_SLOT relocation naming the
//     symbol, once bound: a slot still pointing into a PLT (lazy binding,
//     not called yet) or at the resolver is not taken.
//
// Both need the loader to have relocated the library: a dynamic program
// run to its entry point (LoadLibraries), or an attached one.

const (
	rX8664GlobDat   = 6
	rX8664JumpSlot  = 7
	rX8664IRelative = 37
)

// ResolveIFunc is the runtime address of the implementation the resolver
// of an indirect function chose (ref.IFunc), read from the slots the loader
// filled (see above).
func (p *Process) ResolveIFunc(ref SymbolRef) (Addr, error) {
	if !ref.IFunc {
		return ref.Addr, nil
	}
	o := ref.Object
	if a, ok := o.File.IFuncImpl[ref.Sym.Addr]; ok {
		return a + o.Bias, nil // found before (it never changes; symbols outlive the process)
	}
	a, err := p.resolveIFunc(ref)
	if err != nil {
		return 0, err
	}
	if o.File.IFuncImpl == nil {
		o.File.IFuncImpl = map[Addr]Addr{}
	}
	o.File.IFuncImpl[ref.Sym.Addr] = a - o.Bias
	return a, nil
}

func (p *Process) resolveIFunc(ref SymbolRef) (Addr, error) {
	if p.exited {
		return 0, ErrExited
	}
	if p.LibrariesPending() {
		return 0, fmt.Errorf("%s is an indirect function: the loader has not resolved it yet", ref.Sym.Name)
	}
	o := ref.Object
	for _, r := range o.File.Relocations() {
		if uint32(r.Info) == rX8664IRelative && r.Addend == uint64(ref.Sym.Addr) {
			if a, ok := p.boundSlot(o, r.Off, ref); ok {
				return a, nil
			}
		}
	}
	name := ref.Sym.Name
	if at := strings.IndexByte(name, '@'); at > 0 {
		name = name[:at]
	}
	for _, so := range p.Objects() {
		of := so.File
		if of.ELF == nil {
			continue
		}
		dsyms, err := of.ELF.DynamicSymbols()
		if err != nil {
			continue
		}
		for _, r := range of.Relocations() {
			typ, si := uint32(r.Info), int(r.Info>>32)
			if (typ != rX8664GlobDat && typ != rX8664JumpSlot) || si < 1 || si > len(dsyms) {
				continue
			}
			if dsyms[si-1].Name != name {
				continue // DynamicSymbols omits the null symbol 0
			}
			if a, ok := p.boundSlot(so, r.Off, ref); ok {
				return a, nil
			}
		}
	}
	return 0, fmt.Errorf("%s (%s) is an indirect function (IFUNC) whose implementation no slot the loader filled holds yet "+
		"(lazy binding: run the program with LD_BIND_NOW=1, or link it with -z now)", name, o.Name())
}

// boundSlot reads the GOT slot at file address off of object so and tells
// whether it holds a bound implementation of ref: code of ref's object
// other than the resolver and outside its PLT.
func (p *Process) boundSlot(so *Object, off uint64, ref SymbolRef) (Addr, bool) {
	var b [8]byte
	if err := p.ReadMemory(Addr(off)+so.Bias, b[:]); err != nil {
		return 0, false
	}
	a := Addr(binary.LittleEndian.Uint64(b[:]))
	o := ref.Object
	if a == ref.Addr || !o.Contains(a) || !o.File.Bin.IsCode(a-o.Bias) {
		return 0, false
	}
	for _, s := range o.File.ELF.Sections {
		if strings.HasPrefix(s.Name, ".plt") && uint64(a-o.Bias) >= s.Addr && uint64(a-o.Bias) < s.Addr+s.Size {
			return 0, false
		}
	}
	if !so.Contains(Addr(off) + so.Bias) {
		return 0, false
	}
	return a, true
}

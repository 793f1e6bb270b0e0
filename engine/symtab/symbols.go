package symtab

import (
	"debug/elf"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// entry is a Symbol plus what the indexes need to choose between aliases.
type entry struct {
	Symbol
	global  bool
	section int // ELF section index; -1 when unknown (pclntab)
}

// symIndex is built once per Binary.
type symIndex struct {
	all    []entry        // sorted by address, preferred alias first
	byName map[string]int // name (and C name without @version) -> index in all
	funcs  []int          // indexes of Func entries, address order
	data   []int          // indexes of Data entries, address order
}

func (b *Binary) symbols() (*symIndex, error) {
	if !b.symsDone {
		b.symsDone = true
		b.syms, b.symsErr = safe(b.loadSyms)
		if b.symsErr != nil {
			b.syms = &symIndex{byName: map[string]int{}}
			b.symsErr = fmt.Errorf("read symbols of %s: %w", b.path, b.symsErr)
		}
	}
	return b.syms, b.symsErr
}

// loadSyms reads .symtab, else the separate debug file's (debugfile.go),
// else .dynsym; a stripped Go binary still has its function table in the
// pclntab, which fills in when .symtab is gone.
func (b *Binary) loadSyms() (*symIndex, error) {
	raw, err := b.f.Symbols()
	if errors.Is(err, elf.ErrNoSymbols) {
		if sep := b.debugFile(); sep != nil {
			raw, err = sep.Symbols()
		}
	}
	if errors.Is(err, elf.ErrNoSymbols) {
		raw, err = b.f.DynamicSymbols()
	}
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return nil, err
	}
	var es []entry
	for _, s := range raw {
		var kind SymKind
		switch elf.ST_TYPE(s.Info) {
		case elf.STT_FUNC, elf.STT_GNU_IFUNC:
			// An indirect function's symbol is its resolver (strlen in
			// libc): code all the same, listed and named as a function.
			kind = Func
		case elf.STT_OBJECT, elf.STT_TLS:
			kind = Data
		default:
			continue
		}
		if s.Section == elf.SHN_UNDEF || s.Name == "" || (s.Value == 0 && kind == Func) {
			continue
		}
		bind := elf.ST_BIND(s.Info)
		es = append(es, entry{
			Symbol:  Symbol{Name: s.Name, Addr: Addr(s.Value), Size: s.Size, Kind: kind},
			global:  bind == elf.STB_GLOBAL || bind == elf.STB_WEAK,
			section: int(s.Section),
		})
	}
	idx := newSymIndex(es)
	if len(idx.funcs) == 0 && b.IsGo() {
		b.syms = idx // goTable may look up runtime.text in what we have
		if t, err := b.goTable(); err == nil && t != nil {
			p, _ := b.goPcln()
			for _, fn := range t.Funcs {
				// The pclntab's next entry counts the alignment padding;
				// the pcsp table ends where the code does, at the size the
				// linker gave the ELF symbol.
				size := fn.End - fn.Entry
				if p != nil {
					if end, ok := p.funcEnd(p.find(fn.Entry)); ok && end <= fn.End {
						size = end - fn.Entry
					}
				}
				es = append(es, entry{
					Symbol:  Symbol{Name: fn.Name, Addr: Addr(fn.Entry), Size: size, Kind: Func},
					global:  true,
					section: -1,
				})
			}
			idx = newSymIndex(es)
		}
	}
	return idx, nil
}

func newSymIndex(es []entry) *symIndex {
	// Among aliases at one address prefer the global one, then the sized
	// one, then the shorter name: what FuncAt and SymAt should report.
	sort.SliceStable(es, func(i, j int) bool {
		a, b := &es[i], &es[j]
		if a.Addr != b.Addr {
			return a.Addr < b.Addr
		}
		if a.global != b.global {
			return a.global
		}
		if (a.Size == 0) != (b.Size == 0) {
			return a.Size != 0
		}
		if len(a.Name) != len(b.Name) {
			return len(a.Name) < len(b.Name)
		}
		return a.Name < b.Name
	})
	idx := &symIndex{all: es, byName: make(map[string]int, len(es))}
	for i := range es {
		e := &es[i]
		if e.Kind == Func {
			idx.funcs = append(idx.funcs, i)
		} else {
			idx.data = append(idx.data, i)
		}
		idx.addName(e.Name, i)
	}
	// C names carry a version in .dynsym-style symbols (memcpy@@GLIBC_2.14):
	// the bare name finds them too, unless a real symbol owns it.
	for i := range es {
		if at := strings.IndexByte(es[i].Name, '@'); at > 0 {
			if _, taken := idx.byName[es[i].Name[:at]]; !taken {
				idx.byName[es[i].Name[:at]] = i
			}
		}
	}
	return idx
}

// addName keeps the better of two symbols with one name: a global over a
// local (static functions of the same name in several C files), then the
// lower address.
func (idx *symIndex) addName(name string, i int) {
	if j, ok := idx.byName[name]; ok && (idx.all[j].global || !idx.all[i].global) {
		return
	}
	idx.byName[name] = i
}

// LookupSym finds a function or data symbol by exact name (for C, also the
// name with its @version suffix stripped).
func (b *Binary) LookupSym(name string) (Symbol, bool) {
	idx, _ := b.symbols()
	if i, ok := idx.byName[name]; ok {
		return idx.all[i].Symbol, true
	}
	return Symbol{}, false
}

// Syms lists the symbols whose names match glob, in address order. The glob
// has path.Match's * ? [..] and \ escapes, but * also crosses '/' (and a
// class may be negated with ! as well as ^); "" and "*" list everything.
// A malformed glob is an error (ErrBadGlob).
func (b *Binary) Syms(glob string) ([]Symbol, error) {
	if glob == "" {
		glob = "*"
	}
	if err := checkGlob(glob); err != nil {
		return nil, err
	}
	idx, err := b.symbols()
	if err != nil {
		return nil, err
	}
	var out []Symbol
	for i := range idx.all {
		if glob == "*" || globMatch(glob, idx.all[i].Name) {
			out = append(out, idx.all[i].Symbol)
		}
	}
	return out, nil
}

// FuncAt finds the function containing pc: by size, or for a size-0 symbol
// the nearest preceding one in the same section.
func (b *Binary) FuncAt(pc Addr) (Symbol, bool) {
	idx, _ := b.symbols()
	return idx.containing(idx.funcs, pc, b, true)
}

// SymAt finds the function or data symbol containing addr (a size-0 data
// symbol only at its own address).
func (b *Binary) SymAt(addr Addr) (Symbol, bool) {
	idx, _ := b.symbols()
	if s, ok := idx.containing(idx.funcs, addr, b, true); ok {
		return s, true
	}
	return idx.containing(idx.data, addr, b, false)
}

func (idx *symIndex) containing(list []int, pc Addr, b *Binary, nearest bool) (Symbol, bool) {
	// Last entry at or below pc, then back to the first alias at that
	// address (the preferred one).
	k := sort.Search(len(list), func(k int) bool { return idx.all[list[k]].Addr > pc }) - 1
	if k < 0 {
		return Symbol{}, false
	}
	at := idx.all[list[k]].Addr
	for k > 0 && idx.all[list[k-1]].Addr == at {
		k--
	}
	for ; k < len(list) && idx.all[list[k]].Addr == at; k++ {
		e := &idx.all[list[k]]
		if e.Size > 0 && uint64(pc-e.Addr) < e.Size {
			return e.Symbol, true
		}
	}
	// Sized symbols at this address all end before pc; a size-0 one covers
	// pc when nothing else starts in between and pc is still in its section.
	for k--; k >= 0 && idx.all[list[k]].Addr == at; k-- {
		e := &idx.all[list[k]]
		if e.Size != 0 {
			continue
		}
		if e.Addr == pc {
			return e.Symbol, true
		}
		if nearest && e.section >= 0 {
			if s := b.sectionAt(pc); s != nil && e.section < len(b.f.Sections) && b.f.Sections[e.section] == s {
				return e.Symbol, true
			}
		}
	}
	// A symbol nested in a bigger one (a size-0 label inside a function):
	// look a few entries further back for a sized symbol spanning pc.
	for j := 0; k >= 0 && j < 8; k, j = k-1, j+1 {
		e := &idx.all[list[k]]
		if e.Size > 0 && uint64(pc-e.Addr) < e.Size {
			return e.Symbol, true
		}
	}
	return Symbol{}, false
}

package objects

import (
	"debug/elf"
	"encoding/binary"
	"path/filepath"
	"strings"

	"github.com/godbg/godbg/engine/symtab"
)

// File is what one ELF file gives, opened once per process (Open).
type File struct {
	Bin   *symtab.Binary
	ELF   *elf.File
	Err   error // why it could not be opened (not an ELF file...)
	LowVA Addr  // lowest PT_LOAD address, page-aligned down

	ifuncs map[string]bool // STT_GNU_IFUNC names, read on first use
	relas  []Rela          // its RELA relocations, read on first use

	// IFuncImpl maps an indirect function's resolver to the
	// implementation the loader chose (file addresses), as the engine
	// found it in the tracee's slots: it never changes for a file.
	IFuncImpl map[Addr]Addr
}

// Open opens path's tables; a file that is no ELF file gives one with Err.
func Open(path string) *File {
	bin, err := symtab.Open(path)
	if err != nil {
		return &File{Err: err}
	}
	ef := bin.ELF()
	return &File{Bin: bin, ELF: ef, LowVA: LowVA(ef)}
}

// Close releases the file (and its ELF, which is Bin's).
func (f *File) Close() {
	if f.Bin != nil {
		f.Bin.Close()
	}
}

// IsIFunc tells whether the file defines name ("strlen", "strlen@GLIBC_2.2.5")
// as a GNU indirect function.
func (f *File) IsIFunc(name string) bool {
	if f.ifuncs == nil {
		f.ifuncs = IFuncNames(f.ELF)
	}
	if at := strings.IndexByte(name, '@'); at > 0 {
		name = name[:at]
	}
	return f.ifuncs[name]
}

// Rela is one Elf64_Rela entry.
type Rela struct {
	Off, Info, Addend uint64
}

// Relocations reads every allocated SHT_RELA section of the file
// (.rela.dyn and .rela.plt), once.
func (f *File) Relocations() []Rela {
	if f.relas != nil || f.ELF == nil {
		return f.relas
	}
	f.relas = []Rela{}
	for _, s := range f.ELF.Sections {
		if s.Type != elf.SHT_RELA || s.Flags&elf.SHF_ALLOC == 0 {
			continue
		}
		data, err := s.Data()
		if err != nil {
			continue
		}
		for i := 0; i+24 <= len(data); i += 24 {
			f.relas = append(f.relas, Rela{
				Off:    binary.LittleEndian.Uint64(data[i:]),
				Info:   binary.LittleEndian.Uint64(data[i+8:]),
				Addend: binary.LittleEndian.Uint64(data[i+16:]),
			})
		}
	}
	return f.relas
}

// Object is one ELF file mapped in a process.
type Object struct {
	Path   string // as /proc/PID/maps names it, or the loader for a file gone
	Bias   Addr   // runtime address = file address + Bias
	Lo, Hi Addr   // runtime range of its mappings
	Main   bool   // the program
	Loader bool   // the dynamic loader (PT_INTERP)
	File   *File
}

// Name is the file's base name (libc.so.6).
func (o *Object) Name() string { return filepath.Base(o.Path) }

// Binary is the object's symbol tables (file addresses).
func (o *Object) Binary() *symtab.Binary { return o.File.Bin }

// Contains tells whether a runtime address lies in one of its mappings.
func (o *Object) Contains(a Addr) bool { return a >= o.Lo && a < o.Hi }

// Matches tells whether q names the object: its base name, or the base
// name's start up to a dot ("libc" and "libc.so" name libc.so.6).
func (o *Object) Matches(q string) bool { return Matches(o.Path, q) }

// SymbolRef is a symbol found in one of a process's objects.
type SymbolRef struct {
	Object *Object
	Sym    symtab.Symbol // Addr in the object's file addresses
	Addr   Addr          // runtime address
	IFunc  bool          // a GNU indirect function: Addr is its resolver
}

// Ref is s of o at its runtime address.
func Ref(o *Object, s symtab.Symbol) SymbolRef {
	r := SymbolRef{Object: o, Sym: s, Addr: s.Addr + o.Bias}
	if !o.Main && s.Kind == symtab.Func {
		r.IFunc = o.File.IsIFunc(s.Name)
	}
	return r
}

// List is a process's objects: the program first, then the libraries in
// the loader's order, the loader last.
type List []*Object

// Lookup finds a function or data symbol by name: in the program first,
// then as LookupLibs does.
func (l List) Lookup(name string) (SymbolRef, bool) {
	if len(l) > 0 && l[0].Main {
		if s, ok := l[0].File.Bin.LookupSym(name); ok {
			return Ref(l[0], s), true
		}
	}
	return l.LookupLibs(name)
}

// LookupLibs finds a symbol by name in the objects other than the
// program, in order; "libc.so.6:malloc" looks in that object only.
func (l List) LookupLibs(name string) (SymbolRef, bool) {
	for _, o := range l {
		if o.Main {
			continue
		}
		if s, ok := o.File.Bin.LookupSym(name); ok {
			return Ref(o, s), true
		}
	}
	if o, sym, ok := l.Qualified(name); ok {
		if s, ok := o.File.Bin.LookupSym(sym); ok {
			return Ref(o, s), true
		}
	}
	return SymbolRef{}, false
}

// Qualified splits "libc.so.6:malloc" into the object it names and the
// symbol; ok is false when the prefix names no object (the whole string is
// then a name: Go has "type:.eq.T").
func (l List) Qualified(name string) (*Object, string, bool) {
	q, sym, ok := strings.Cut(name, ":")
	if !ok || q == "" || sym == "" {
		return nil, "", false
	}
	if o := l.Named(q); o != nil {
		return o, sym, true
	}
	return nil, "", false
}

// Named is the object q names (libc.so.6, libc, a full path), or nil.
func (l List) Named(q string) *Object {
	for _, o := range l {
		if o.Matches(q) {
			return o
		}
	}
	return nil
}

// At is the object mapping a runtime address, or nil.
func (l List) At(a Addr) *Object {
	for _, o := range l {
		if o.Contains(a) {
			return o
		}
	}
	return nil
}

// SymbolIn finds, with lookup (the symbol table's SymAt or FuncAt), the
// symbol of o at a runtime address; a miss still names the object.
func SymbolIn(o *Object, a Addr, lookup func(*symtab.Binary, Addr) (symtab.Symbol, bool)) (SymbolRef, bool) {
	s, ok := lookup(o.File.Bin, a-o.Bias)
	if !ok {
		return SymbolRef{Object: o}, false
	}
	return Ref(o, s), true
}

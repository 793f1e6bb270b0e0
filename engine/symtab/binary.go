package symtab

import (
	"bytes"
	"debug/dwarf"
	"debug/elf"
	"debug/gosym"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// Binary is an opened ELF program. Its tables load lazily on first use and
// are then cached; see the package comment.
type Binary struct {
	path string
	osf  *os.File
	f    *elf.File

	syms     *symIndex // nil until loadSyms
	symsErr  error
	symsDone bool

	dwarfData *dwarf.Data
	dwarfErr  error
	dwarfDone bool
	lines     *lineIndex // nil until loadLines

	goTab     *gosym.Table
	goTabErr  error
	goTabDone bool

	pclnData []byte // the pclntab goTable read, and its text base
	pclnText uint64
	pcln     *pcln
	pclnErr  error
	pclnDone bool

	goVer     string
	goVerDone bool

	sep     *elf.File // the separate debug file (debugfile.go), nil if none
	sepOSF  *os.File
	sepPath string
	sepDone bool
}

// OpenError is the error Open returns: Path and a one-line Reason.
// It unwraps to the cause (fs.ErrNotExist for a missing file).
type OpenError struct {
	Path   string
	Reason string
	Err    error
}

func (e *OpenError) Error() string { return e.Path + ": " + e.Reason }
func (e *OpenError) Unwrap() error { return e.Err }

// Open reads path's ELF headers. Symbols, pclntab and DWARF are loaded
// lazily by the queries that need them. It refuses anything but a 64-bit
// x86-64 ELF file and never panics on a corrupt one.
func Open(path string) (b *Binary, err error) {
	osf, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &OpenError{path, "no such file", err}
		}
		return nil, &OpenError{path, "cannot open: " + strings.TrimPrefix(err.Error(), "open "+path+": "), err}
	}
	defer func() {
		if err != nil {
			osf.Close()
		}
	}()
	if st, serr := osf.Stat(); serr == nil && st.IsDir() {
		return nil, &OpenError{path, "is a directory", nil}
	}
	var ident [elf.EI_NIDENT]byte
	n, _ := io.ReadFull(osf, ident[:])
	if n < 4 || !bytes.Equal(ident[:4], []byte(elf.ELFMAG)) {
		return nil, &OpenError{path, "not an ELF file", nil}
	}
	if n < elf.EI_NIDENT {
		return nil, &OpenError{path, "truncated or corrupt ELF: short header", nil}
	}
	switch elf.Class(ident[elf.EI_CLASS]) {
	case elf.ELFCLASS64:
	case elf.ELFCLASS32:
		return nil, &OpenError{path, "32-bit ELF (godbg debugs x86-64 only)", nil}
	default:
		return nil, &OpenError{path, fmt.Sprintf("truncated or corrupt ELF: bad class %d", ident[elf.EI_CLASS]), nil}
	}
	f, err := safe(func() (*elf.File, error) { return elf.NewFile(osf) })
	if err != nil {
		return nil, &OpenError{path, "truncated or corrupt ELF: " + err.Error(), err}
	}
	if f.Machine != elf.EM_X86_64 {
		return nil, &OpenError{path, fmt.Sprintf("ELF for %s, not x86-64", strings.TrimPrefix(f.Machine.String(), "EM_")), nil}
	}
	return &Binary{path: path, osf: osf, f: f}, nil
}

// safe runs fn and turns a panic into an error: debug/elf, debug/dwarf and
// debug/gosym can panic on corrupt input (golang.org/issue/47653 and kin).
func safe[T any](fn func() (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("corrupt data: %v", r)
		}
	}()
	return fn()
}

// ELF is the parsed file, for readers of what symtab does not index
// (program headers, call-frame sections). It belongs to the Binary: it is
// valid until Close and must not be closed by its user.
func (b *Binary) ELF() *elf.File { return b.f }

// Path is the file name Open was given.
func (b *Binary) Path() string { return b.path }

// Close releases the file. The Binary must not be used afterwards.
func (b *Binary) Close() error {
	if b.osf == nil {
		return nil
	}
	err := b.osf.Close()
	b.osf = nil
	if b.sepOSF != nil {
		b.sepOSF.Close()
		b.sepOSF = nil
	}
	return err
}

// PIE reports a position-independent executable (ET_DYN): its addresses
// move by the load bias at run time.
func (b *Binary) PIE() bool { return b.f.Type == elf.ET_DYN }

// Entry is the ELF entry point (a file address).
func (b *Binary) Entry() Addr { return Addr(b.f.Entry) }

// IsGo reports a Go program: it has a pclntab or Go build info.
func (b *Binary) IsGo() bool {
	for _, name := range []string{".gopclntab", ".go.buildinfo", ".data.rel.ro.gopclntab"} {
		if b.f.Section(name) != nil {
			return true
		}
	}
	return false
}

// HasDWARF reports whether the file carries DWARF debug info (a .debug_info
// section, compressed or not), itself or in its separate debug file
// (debugfile.go). It does not parse it.
func (b *Binary) HasDWARF() bool {
	if hasDWARF(b.f) {
		return true
	}
	sep := b.debugFile()
	return sep != nil && hasDWARF(sep)
}

func hasDWARF(f *elf.File) bool {
	for _, name := range []string{".debug_info", ".zdebug_info"} {
		if s := f.Section(name); s != nil && s.Type != elf.SHT_NOBITS {
			return true
		}
	}
	return false
}

// DWARF parses the debug info once and caches it.
func (b *Binary) DWARF() (*dwarf.Data, error) {
	if !b.dwarfDone {
		b.dwarfDone = true
		if !b.HasDWARF() {
			b.dwarfErr = fmt.Errorf("no debug info (DWARF) in %s", b.path)
		} else {
			f := b.f
			if !hasDWARF(f) {
				f = b.debugFile()
			}
			b.dwarfData, b.dwarfErr = safe(f.DWARF)
			if b.dwarfErr != nil {
				b.dwarfErr = fmt.Errorf("read DWARF of %s: %w", b.path, b.dwarfErr)
			}
		}
	}
	return b.dwarfData, b.dwarfErr
}

// ReadCode returns up to n bytes of the file image at file address addr,
// from the PT_LOAD segment that maps it. The result is shorter than n when
// the segment's file bytes end first (.bss has none); an address no segment
// maps is an error.
func (b *Binary) ReadCode(addr Addr, n int) ([]byte, error) {
	if n < 0 {
		return nil, fmt.Errorf("read code at %v: negative length %d", addr, n)
	}
	for _, p := range b.f.Progs {
		if p.Type != elf.PT_LOAD || uint64(addr) < p.Vaddr || uint64(addr) >= p.Vaddr+p.Filesz {
			continue
		}
		off := uint64(addr) - p.Vaddr
		if rest := p.Filesz - off; uint64(n) > rest {
			n = int(rest)
		}
		buf := make([]byte, n)
		if _, err := p.ReadAt(buf, int64(off)); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("read code at %v in %s: %w", addr, b.path, err)
		}
		return buf, nil
	}
	return nil, fmt.Errorf("read code at %v: no loaded segment of %s holds it", addr, b.path)
}

// IsCode reports whether addr lies inside an executable section.
func (b *Binary) IsCode(addr Addr) bool {
	s := b.sectionAt(addr)
	return s != nil && s.Flags&elf.SHF_EXECINSTR != 0
}

// sectionAt is the allocated section holding addr, or nil.
func (b *Binary) sectionAt(addr Addr) *elf.Section {
	for _, s := range b.f.Sections {
		if s.Flags&elf.SHF_ALLOC != 0 && uint64(addr) >= s.Addr && uint64(addr) < s.Addr+s.Size {
			return s
		}
	}
	return nil
}

// goTable parses the Go pclntab once (debug/gosym); nil for non-Go files.
func (b *Binary) goTable() (*gosym.Table, error) {
	if !b.goTabDone && !b.symsDone {
		// The symbols first: reading them calls goTable in a binary
		// without .symtab (its function list is the pclntab's), and
		// loadGoTable looks up runtime.text among them. The other order
		// left a stripped binary's index without its functions.
		b.symbols()
	}
	if b.goTabDone {
		return b.goTab, b.goTabErr
	}
	b.goTabDone = true
	b.goTab, b.goTabErr = safe(b.loadGoTable)
	if b.goTabErr != nil {
		b.goTabErr = fmt.Errorf("read Go pclntab of %s: %w", b.path, b.goTabErr)
	}
	return b.goTab, b.goTabErr
}

func (b *Binary) loadGoTable() (*gosym.Table, error) {
	var data []byte
	if s := b.f.Section(".gopclntab"); s != nil {
		d, err := s.Data()
		if err != nil {
			return nil, err
		}
		data = d
	} else {
		// PIE and externally linked binaries keep the table inside
		// .data.rel.ro, between runtime.pclntab and runtime.epclntab (what
		// cmd/internal/objfile does).
		d, err := b.symbolRange("runtime.pclntab", "runtime.epclntab")
		if err != nil {
			return nil, err
		}
		data = d
	}
	var text uint64
	if s := b.f.Section(".text"); s != nil {
		text = s.Addr
	}
	if sym, ok := b.LookupSym("runtime.text"); ok {
		text = uint64(sym.Addr)
	}
	b.pclnData, b.pclnText = data, text
	return gosym.NewTable(nil, gosym.NewLineTable(data, text))
}

func (b *Binary) symbolRange(start, end string) ([]byte, error) {
	s, ok1 := b.LookupSym(start)
	e, ok2 := b.LookupSym(end)
	if !ok1 || !ok2 || e.Addr < s.Addr {
		return nil, errors.New("no Go pclntab")
	}
	data, err := b.ReadCode(s.Addr, int(e.Addr-s.Addr))
	if err != nil {
		return nil, err
	}
	return data, nil
}

package objects

import (
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/godbg/godbg/engine/symtab"
)

// Addr is an address, as in symtab.
type Addr = symtab.Addr

// Mapping is one line of /proc/PID/maps (proc(5)), as much as objects need.
type Mapping struct {
	Lo, Hi Addr
	Off    uint64
	Ino    uint64
	Path   string // the file's path, [heap], [stack]..., "" for anonymous memory
}

// Span is one file mapped in a process: the runtime range of all its
// mappings and Base, the start of its mapping at file offset 0.
type Span struct {
	Path   string
	Lo, Hi Addr
	Base   Addr
	Ino    uint64
}

// Spans groups maps by file, in the order each file first appears. Only
// files are kept (a path starting with "/", not deleted since) that have a
// mapping at offset 0: that mapping is where the loader put the file's
// first page, from which the load bias follows.
func Spans(maps []Mapping) []Span { return spans(maps, false) }

// FileSpans is Spans with the files deleted since they were mapped, a
// memfd's included: their Path ends in " (deleted)" ("/memfd:NAME
// (deleted)"), a name no open(2) finds; the loader's list names them
// (engine/solib.go).
func FileSpans(maps []Mapping) []Span { return spans(maps, true) }

func spans(maps []Mapping, deleted bool) []Span {
	type acc struct {
		Span
		haveBase bool
	}
	var order []string
	spans := map[string]*acc{}
	for _, m := range maps {
		if !strings.HasPrefix(m.Path, "/") || !deleted && Deleted(m.Path) {
			continue // anonymous, [heap], [stack], [vdso], a file gone
		}
		s := spans[m.Path]
		if s == nil {
			s = &acc{Span: Span{Path: m.Path, Lo: m.Lo, Hi: m.Hi, Ino: m.Ino}}
			spans[m.Path] = s
			order = append(order, m.Path)
		}
		s.Lo, s.Hi = min(s.Lo, m.Lo), max(s.Hi, m.Hi)
		if m.Off == 0 && !s.haveBase {
			s.Base, s.haveBase = m.Lo, true
		}
	}
	out := make([]Span, 0, len(order))
	for _, path := range order {
		if s := spans[path]; s.haveBase {
			out = append(out, s.Span)
		}
	}
	return out
}

// Deleted tells whether a maps path is of a file deleted since it was
// mapped (or a memfd).
func Deleted(path string) bool { return strings.HasSuffix(path, " (deleted)") }

// LowVA is the lowest PT_LOAD address of an ELF file, page-aligned down:
// the file address of its first mapped page.
func LowVA(ef *elf.File) Addr {
	low := ^Addr(0)
	for _, pr := range ef.Progs {
		if pr.Type == elf.PT_LOAD && Addr(pr.Vaddr) < low {
			low = Addr(pr.Vaddr)
		}
	}
	if low == ^Addr(0) {
		return 0
	}
	return low &^ 0xfff
}

// Bias is an object's load bias (runtime address = file address + bias):
// the start of its offset-0 mapping less its LowVA, as the loader computes
// l_addr (glibc elf/dl-load.c).
func Bias(base, lowVA Addr) Addr { return base - lowVA }

// Matches tells whether q names the object at path: its base name, the
// base name's start up to a dot ("libc" and "libc.so" name libc.so.6), or
// the path itself.
func Matches(path, q string) bool {
	n := filepath.Base(path)
	return n == q || strings.HasPrefix(n, q+".") || path == q
}

// IFuncNames are the GNU indirect functions (STT_GNU_IFUNC) an ELF file
// defines: their symbol's address is the resolver, not the function.
func IFuncNames(ef *elf.File) map[string]bool {
	names := map[string]bool{}
	if ef == nil {
		return names
	}
	dyn, _ := ef.DynamicSymbols()
	all, _ := ef.Symbols()
	for _, s := range append(dyn, all...) {
		if elf.ST_TYPE(s.Info) == elf.STT_GNU_IFUNC && s.Section != elf.SHN_UNDEF {
			names[s.Name] = true
		}
	}
	return names
}

// Inode is path's inode number, 0 when it cannot be read: how a mapping is
// matched to the program and the loader (maps may spell a path otherwise).
func Inode(path string) uint64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return s.Ino
	}
	return 0
}

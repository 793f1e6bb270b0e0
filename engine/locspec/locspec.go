package locspec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/godbg/godbg/engine/symtab"
)

// Kind is the form of a location.
type Kind int

const (
	Func     Kind = iota // a function or data symbol: "main.BreakMe"
	FileLine             // a source line: "main.go:12"
	LibFunc              // a library-qualified name: "libc.so.6:puts"
	Address              // an address (Spec.Addr), made by At
)

// Spec is a parsed location.
type Spec struct {
	Kind Kind
	Text string // as written ("0x401000" for an Address)
	File string // FileLine: the path suffix
	Line int    // FileLine
	Lib  string // LibFunc: the library's file name ("libc.so.6")
	Name string // Func: the symbol; LibFunc: the symbol within Lib
	Addr symtab.Addr
}

// fileLine matches "file.go:LINE".
var fileLine = regexp.MustCompile(`^(.+):([0-9]+)$`)

// Parse reads a location written as text. "x:NUMBER" is a source line; a
// name qualified by a file name holding ".so" is a library's function
// ("libplugin.so:plugin_add"; the symbol part may be empty, or a glob for
// syms()); anything else is a symbol name.
func Parse(loc string) Spec {
	if mm := fileLine.FindStringSubmatch(loc); mm != nil {
		line, err := strconv.Atoi(mm[2])
		if err == nil {
			return Spec{Kind: FileLine, Text: loc, File: mm[1], Line: line}
		}
	}
	if lib, name, ok := SplitLib(loc); ok {
		return Spec{Kind: LibFunc, Text: loc, Lib: lib, Name: name}
	}
	return Spec{Kind: Func, Text: loc, Name: loc}
}

// SplitLib splits a library-qualified name or glob ("libc.so.6:mall*")
// into the library's file name and the rest; ok is false when the part
// before the first colon names no shared object.
func SplitLib(loc string) (lib, rest string, ok bool) {
	lib, rest, ok = strings.Cut(loc, ":")
	return lib, rest, ok && strings.Contains(lib, ".so")
}

// At is the location of an address.
func At(a symtab.Addr) Spec {
	return Spec{Kind: Address, Text: fmt.Sprintf("%#x", uint64(a)), Addr: a}
}

// IsFileLine tells whether loc is a source line ("main.go:12").
func IsFileLine(loc string) bool { return fileLine.MatchString(loc) }

// Resolve turns a location into a file (link-time) address of bin: a
// symbol (a function after its prologue, or its entry with entry=true; a
// data symbol at its start), "file:LINE" (suffix match on the path; the
// lowest address of the line) or an address (as is). A library-qualified
// name is looked up in bin by its whole text, as the symbol tables of an
// object spell versioned names. Unknown symbols get a suggestion
// (UnknownSymbol).
func Resolve(bin *symtab.Binary, loc string, entry bool) (symtab.Addr, error) {
	return ResolveSpec(bin, Parse(loc), entry)
}

// ResolveSpec is Resolve of a parsed location.
func ResolveSpec(bin *symtab.Binary, s Spec, entry bool) (symtab.Addr, error) {
	switch s.Kind {
	case Address:
		return s.Addr, nil
	case FileLine:
		pcs, err := bin.LineToPCs(s.File, s.Line)
		if err != nil {
			return 0, err
		}
		if len(pcs) == 0 {
			return 0, fmt.Errorf("%s: no code at this line", s.Text)
		}
		return pcs[0], nil
	}
	sym, ok := bin.LookupSym(s.Text)
	if !ok {
		return 0, UnknownSymbol(bin, s.Text)
	}
	if entry || sym.Kind != symtab.Func {
		return sym.Addr, nil
	}
	return bin.FirstPCAfterPrologue(sym)
}

// UnknownSymbol is the error for a name bin does not define: it suggests
// up to three near names, or says that bin is stripped.
func UnknownSymbol(bin *symtab.Binary, name string) error {
	if sug := bin.Suggest(name, 3); len(sug) > 0 {
		return fmt.Errorf("unknown symbol %s (did you mean %s?)", name, strings.Join(sug, ", "))
	}
	if all, err := bin.Syms("*"); err == nil && len(all) == 0 {
		return fmt.Errorf("unknown symbol %s: %s has no symbols (stripped); use addresses", name, bin.Path())
	}
	return fmt.Errorf("unknown symbol %s", name)
}

package symtab

import "fmt"

// Addr is an address, printed as %#x.
type Addr uint64

func (a Addr) String() string { return fmt.Sprintf("%#x", uint64(a)) }

// SymKind tells functions from data.
type SymKind int

const (
	Func SymKind = iota
	Data
)

func (k SymKind) String() string {
	if k == Func {
		return "func"
	}
	return "data"
}

// Symbol is one ELF symbol (file addresses).
type Symbol struct {
	Name string
	Addr Addr
	Size uint64
	Kind SymKind
}

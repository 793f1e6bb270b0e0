package symtab

import "errors"

var errNotYet = errors.New("not implemented yet")

// Binary is an opened ELF program.
type Binary struct{ path string }

// Open reads path's ELF headers and symbol table; DWARF is loaded lazily.
func Open(path string) (*Binary, error) { return nil, errNotYet }

func (b *Binary) Path() string { return b.path }

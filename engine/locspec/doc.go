// Package locspec turns the locations a user writes into addresses: a
// function name ("main.BreakMe", "malloc"), a source line ("main.go:12",
// matched as a suffix of the path), a function of a named shared library
// ("libc.so.6:puts") or a bare address. A name that is not found gets an
// error suggesting near names.
//
// Layer and threading: the engine's static half, like symtab: it reads
// only the ELF and DWARF tables of the binary it is given (file, that is
// link-time, addresses; the caller adds the load bias) and knows no
// process, so `godbg disas` and the Lua bindings share it. Pure functions,
// safe from any goroutine. Looking a name up across the objects a live
// process has mapped is the engine's (Process.LookupSym); Parse tells the
// caller which kind of location it holds.
package locspec

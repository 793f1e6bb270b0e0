// Package symtab reads a program's ELF file once: symbols, Go pclntab, DWARF
// line tables and function prologues. Every address it holds or returns is a
// file (link-time) address; the engine adds the load bias at its boundary.
//
// Layer and threading: symtab is the static half of the engine. It makes no
// syscalls on a process, never imports the engine, and a *Binary is meant
// for one goroutine at a time (the engine's locked thread): its lazy caches
// are filled without locks.
//
// What is loaded when. Open reads only the ELF headers (so a bad file fails
// at once with a one-line error). The symbol table is parsed on the first
// symbol query and indexed once (a name map and two address-sorted slices).
// The Go pclntab (debug/gosym) is parsed on the first PCToLine of a Go
// binary, or when a stripped Go binary needs its function list. DWARF is
// parsed on first use, and its line tables one compile unit at a time: a
// pc finds its unit through the units' DW_AT_ranges, a file:line reads only
// the units whose file table names that file. A 30 MB Go binary asked for
// one symbol therefore costs about what `go tool nm` costs.
//
// Design note: standard library versus Delve's pkg/dwarf/line.
//
// From the standard library we take all the parsing: debug/elf for headers,
// sections, segments and symbols; debug/gosym for Go's pclntab, which gives
// file:line for any Go pc even in a binary built with -ldflags=-s -w;
// debug/dwarf for compile units, ranges and the line-number program. Since
// Go 1.x, dwarf.LineReader reports everything a debugger needs per row:
// IsStmt, PrologueEnd, EndSequence, and DWARF 5 file tables.
//
// From Delve (pkg/dwarf/line, pkg/proc) we take ideas, not code. Delve keeps
// its own line-program state machine, mainly to cache state per function
// entry and to read tables lazily per compile unit; we get the same laziness
// by indexing the standard LineReader's rows per unit on demand, which is
// simpler and maintained with the toolchain. Delve's FirstPCAfterPrologue
// rules are the model for Go: the first row marked prologue_end inside the
// function (PrologueEndPC); failing that, a decode of the stack-growth check
// (its prologue opcode sequences). For C we follow gdb instead (see
// prologue.go), since that is what a C programmer compares against.
package symtab

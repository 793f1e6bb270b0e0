// Package disasm decodes x86-64 machine code into Intel-syntax listings
// with symbol names, over golang.org/x/arch/x86/x86asm, and renders them as
// Delve's disassemble command does. listing.go holds the listing model
// that `godbg disas` and the Lua disas() share (Listing, Entry: each
// instruction with its function, source line and breakpoint mark).
//
// Layer and threading: part of the engine's static half, like symtab. It
// reads no memory and knows no process: callers hand it bytes (the
// original bytes, with any breakpoint's 0xcc already replaced) and a
// symbolizer (a Listing: a reader and a Symbols, BinarySymbols for one
// ELF file, the bindings' adapter for a live process). Everything here is
// a pure function, safe from any goroutine.
package disasm

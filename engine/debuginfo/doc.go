// Package debuginfo turns a stopped thread's registers and memory into
// source-level state: a call stack (Unwind), typed arguments and locals
// (Args, Locals, Eval) and the Go scheduler's goroutines (Goroutines,
// GoroutineID).
//
// Layer: it sits beside the engine's mechanism and below the bindings. It
// makes no syscalls on a process: it reads the tracee only through the two
// small interfaces Memory and Registers, so the same code serves a live
// ptrace stop, a core file, or a test double. Every table it holds is in
// file (link-time) addresses; the load bias is added or removed at the
// boundary, where a Registers value or a Memory address comes in or a Frame
// goes out.
//
// Threading rule: an Info is built once per program and is safe for use
// from one goroutine at a time (its lazily filled caches are not locked).
//
// # Design note: Eval's expressions
//
// Eval parses with the standard library's go/parser (ParseExpr) and folds
// untyped constants with go/constant, exact as the Go compiler does
// (integer division, shifts, overflow checks on conversion), instead of a
// hand-written parser: the syntax Delve's print takes is Go's, and these
// two packages are its reference. What is written here is the walk over
// go/ast (eval.go; selection in evalselect.go, indexing, slicing and
// builtins in evalindex.go), the typed operators with wrapping at the
// type's width (evalops.go, evalbinary.go, evalequal.go for ==), and the
// name lookups (evalnames.go: functions, DWARF constants, types, and
// package names from DW_AT_go_package_name and the current file's
// imports, parsed with parser.ImportsOnly). go/types is not
// used: it type-checks source, and here the types are the binary's DWARF.
// Delve's pkg/proc evaluator was not taken: it is bound to its Target and
// Variable types (thousands of lines around a live process). C's `->` and
// casts such as `(int *)p`, which Go's grammar lacks, are rewritten before
// parsing (evalc.go): `->` to `.`, a cast to the unary `<-` (which a
// debugger never needs) recorded with its type.
//
// # Design note: Delve's dwarf packages vs debug/dwarf
//
// The standard library's debug/dwarf reads DIEs, line tables and ranges
// well, and this package uses it for all of that. It has no evaluator for
// DWARF expressions (DW_OP_*), no call-frame-information (CFI) parser for
// .eh_frame/.debug_frame, no location-list reader, and its Type drops Go's
// own attributes (DW_AT_go_kind, DW_AT_go_key/elem, DW_AT_go_runtime_type)
// that tell a string from a struct and give a map its key and value types.
//
// Delve's github.com/go-delve/delve/pkg/dwarf/{op,frame,loclist,godwarf}
// fill exactly those gaps, are maintained against every Go release and are
// exercised by Delve's own test suite on gcc and Go binaries. Importing them
// adds one module to go.mod (delve itself; these packages import only the
// standard library and Delve's small leb128 and pkg/dwarf helpers, checked with
// `go list -deps`), nothing of Delve's CLI, DAP or proc layers. So:
//
//   - op: DWARF expression evaluation, including DW_OP_piece (Go's
//     register-ABI arguments at function entry), DW_OP_fbreg and
//     DW_OP_call_frame_cfa;
//   - frame: .eh_frame and .debug_frame parsing and the CFA/register rules
//     at a pc;
//   - loclist: .debug_loc (DWARF 2-4) and .debug_loclists (DWARF 5);
//   - godwarf: Go-aware types (StringType, SliceType, MapType,
//     InterfaceType) and the DIE tree with abstract origins resolved.
//
// What is written here: the unwinder's loop (CFI first, the rbp chain where
// there is no FDE, Go's stack ends), inlined frames, scope and variable
// selection, the value reader (Go strings, slices, interfaces through the
// runtime type, swiss-table maps of Go 1.24+), the expression parser of
// Eval, and the goroutine walk, whose runtime.g offsets come from the
// binary's own DWARF rather than a per-version table.
//
// Outer frames and other goroutines' frames (frames.go): the unwinder keeps
// each frame's recovered registers in the Frame, and Frame.Registers feeds
// them to the same Args, Locals and Eval, rather than a second, per-frame
// evaluator as Delve's EvalScope is; the only differences a frame makes,
// the call's pc for scopes and location lists, the inlined call it shows
// and the registers a call does not preserve, are decided in scopeAt.
package debuginfo

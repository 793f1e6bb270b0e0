// Package bindings is godbg's policy layer: the Lua functions of the
// contract (sym, brk, cont, regs, mem, disas, bt, printf, emit, ...) as thin
// methods on one Module that carries the process and the output stream.
// It turns engine events into Lua tables and Lua callbacks into the engine's
// Go hook: a callback returning true stops, a Lua error travels back to the
// engine as a Go error and is raised again in cont(), so Lua never unwinds
// through engine frames.
//
// Two tables say what a script sees: exports (module.go), every global
// function by its Lua name, and one handleType value per handle type
// (handle.go: breakpoint, watchpoint, sys hook, profile, timeline,
// sampler), which registerHandle turns into a metatable with read-only
// fields, methods, an error on an unknown field and one check for a
// deleted handle. Where a location is read (symbols.go, solib.go) the
// forms are engine/locspec's; the listing of disas() is engine/disasm's.
//
// Probe events (probe.go, evtable.go), up to a million a second: each is
// a copy of its probe's template table with maps of its own (gopher-lua
// has no table copy and builds a table key by key: three stores a field);
// a callback without parameters gets none; a drain that makes them runs
// with GOGC=200, since they are garbage as soon as the callback returns.
//
// Layer: lua -> bindings -> engine. Bindings make no syscalls of their own;
// every tracee access goes through engine.Process.
//
// Threading rule: a Module and its LState belong to the one locked OS thread
// that launched or attached the tracee; the engine calls the hook on that
// thread too. No other goroutine may touch them.
package bindings

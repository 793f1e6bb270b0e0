// Package lua is godbg's lifecycle layer: it loads a script (a file, a
// bundled recipe or -e code), launches or attaches the tracee, runs the main
// chunk with the tracee stopped before its first instruction, keeps the
// tracee running with its callbacks until it exits, runs the on("exit")
// handlers and, in a defer, kills a launched tracee or detaches an attached
// one clean, whatever happened (script error, Ctrl-C, timeout).
//
// Layer: cmd -> lua -> bindings -> engine. gopher-lua is imported as glua.
//
// Threading rule: Run must be called on a goroutine locked to its OS thread
// (cmd/godbg locks the main thread in an init). The launch, the LState, the
// event loop and every callback run there; the only other goroutine is the
// signal and timeout watcher, which calls Process.Interrupt and cancels the
// LState's context and touches nothing else.
package lua

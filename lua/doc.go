// Package lua is godbg's lifecycle layer: it loads a script (a file, a
// bundled recipe or -e code), launches or attaches the tracee, runs the main
// chunk with the tracee stopped before its first instruction, keeps the
// tracee running with its callbacks until it exits, runs the on("exit")
// handlers and, in a defer, kills a launched tracee or detaches an attached
// one clean, whatever happened (script error, Ctrl-C, timeout).
//
// godbg debug (Debug, repl.go) runs the same lifecycle with a prompt as the
// main chunk: each line read is Lua or a short command (commands.go) run in
// the script's state, and the Lua form of each line that worked is kept for
// save. Line editing is readline's (readline.go), read on a helper
// goroutine that touches no Lua and no ptrace; completion words are
// gathered on the session's thread before each line.
//
// Layer: cmd -> lua -> bindings -> engine. gopher-lua is imported as glua.
//
// Threading rule: Run must be called on a goroutine locked to its OS thread
// (cmd/godbg locks the main thread in an init). The launch, the LState, the
// event loop and every callback run there; the only other goroutines are the
// signal and timeout watcher, which calls Process.Interrupt and cancels the
// LState's context and touches nothing else, and godbg debug's line reader
// (and readline's own, which call the completer over prepared word lists).
package lua

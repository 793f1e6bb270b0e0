// Package objects is the model of the ELF objects a process has mapped
// (the program, the dynamic loader, each shared library): which files the
// mappings of /proc/PID/maps belong to and where each is loaded (Spans),
// its load bias (LowVA, Bias), how a user names one ("libc", "libc.so.6",
// a path: Matches) and which of its functions are GNU indirect functions
// (IFuncNames).
//
// Where the line falls: this package is pure, over values (a maps list, an
// *elf.File) and safe from any goroutine; it reads no process and never
// runs one. The engine's Process keeps the live list (engine/solib.go):
// it reads the maps, re-reads them on a lookup miss (a library dlopen'ed
// since), runs a dynamically linked program to its entry point to have
// its libraries mapped (LoadLibraries) and traps the loader's r_brk for
// pending breakpoints; those need the tracee, so they stay in the engine.
package objects

// Package objects is the model of the ELF objects a process has mapped
// (the program, the dynamic loader, each shared library: Object, its File
// opened once; List, the lookups across them: Lookup by name or
// "lib:name", At and SymbolIn by address, Lines and LibraryLines for
// file:line): which files the mappings of /proc/PID/maps belong to and
// where each is loaded (Spans), its load bias (LowVA, Bias), how a user
// names one ("libc", "libc.so.6", a path: Matches) and which of its
// functions are GNU indirect functions (IFuncNames, File.Relocations);
// and the dynamic loader's own list of objects, read from a tracee's
// memory through Memory (Walk: r_debug and its link_maps, AllConsistent,
// DebugFromDynamic: where DT_DEBUG points).
//
// The loader's list or the maps. The libraries are the list's (engine:
// RefreshObjects) whenever the program has one, because it is what the
// loader has loaded, as the loader names it and places it: a library
// loaded from a memfd or a file deleted since is in the list under the
// name dlopen was given, where the maps say "/memfd:x (deleted)"; l_addr
// is the bias the loader relocated with, not one inferred from the first
// mapping; an ELF file mapped by other means (read with mmap, a custom
// loader) is no loaded library; the order is the loader's search order.
// The maps stay where the list says nothing: each object's runtime range
// (the list holds only l_ld, which tells which file mapping an entry is),
// the program and the loader themselves, and programs without a loader
// (static binaries, Go programs without cgo: no PT_DYNAMIC/DT_DEBUG, no
// r_debug), or stopped before the loader ran (DT_DEBUG still 0). An
// object mapped but not yet in the list (the loader maps a library's
// segments, then lists it, between its RT_ADD and RT_CONSISTENT calls of
// r_brk) is left out: it may be mapped in part, and a list entry is the
// loader's word that it is whole. So the pending breakpoints are placed
// at the RT_CONSISTENT call of every namespace (AllConsistent), when the
// loader has mapped and listed every object of the dlopen (relocation
// comes after). Delve's walk (pkg/proc/linutil) is tied to its own
// Process type, and debug/elf stops at the file, hence these few dozen
// lines of reading.
//
// Where the line falls: this package is pure, over values (a maps list, an
// *elf.File, a Memory to read) and safe from any goroutine; it makes no
// system call and never runs a process. The engine's Process keeps the
// live list (engine/solib.go, linkmap.go): it reads the maps and the
// loader's list, re-reads them on a lookup miss (a library dlopen'ed
// since), runs a dynamically linked program to its entry point to have
// its libraries mapped (LoadLibraries) and traps the loader's r_brk for
// pending breakpoints; those need the tracee, so they stay in the engine.
package objects

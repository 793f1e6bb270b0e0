package bindings

import (
	"fmt"
	"strings"

	"github.com/godbg/godbg/engine"
	"github.com/godbg/godbg/engine/locspec"
	"github.com/godbg/godbg/engine/symtab"
	glua "github.com/yuin/gopher-lua"
)

// Shared libraries, as the Lua functions see them (engine/solib.go does
// the work). A name the program does not define is looked up in its
// libraries; in a dynamically linked program stopped before its loader ran,
// that first runs it to its entry point, where the loader has mapped every
// library it needs (the callbacks already set run on the way).

// lookupSym finds name in the program, then its libraries (mapping them
// first when they are not yet).
func (m *Module) lookupSym(L *glua.LState, name string) (engine.SymbolRef, bool) {
	ref, ok := m.proc().LookupSym(name)
	if ok && !(ref.Object.Loader && !strings.Contains(name, ":")) {
		return ref, true
	}
	if !m.proc().LibrariesPending() {
		return ref, ok
	}
	// The loader comes after the libraries it has not mapped yet: with its
	// separate debug file it defines strlen, memcpy... of its own.
	m.loadLibraries(L)
	return m.proc().LookupSym(name)
}

// loadLibraries runs the program to its entry point (engine LoadLibraries),
// its events going to the callbacks; a callback's Lua error is raised.
func (m *Module) loadLibraries(L *glua.LState) {
	m.out.Flush()
	m.cbErr, m.stopEv = nil, nil
	ev, err := m.p.LoadLibraries(m.hook)
	m.stop = nil
	if m.cbErr != nil {
		m.raise(L, "load libraries", m.cbErr)
	}
	if err != nil {
		apiError(L, "%v", err)
	}
	if ev != nil {
		m.exit = ev
		apiError(L, "the program exited while its libraries were loaded")
	}
}

// libLocation is where a breakpoint on a library's function goes (runtime
// address): after its prologue, or its first instruction with entry.
func (m *Module) libLocation(L *glua.LState, name string, entry bool) (engine.Addr, bool) {
	ref, ok := m.lookupSym(L, name)
	if !ok {
		return 0, false
	}
	if ref.IFunc && !entry {
		// An indirect function (strlen): the implementation the loader's
		// call to the resolver chose, at its first instruction (glibc's
		// are assembly: no frame set-up to skip); entry traps the resolver.
		a, err := m.proc().ResolveIFunc(ref)
		if err != nil {
			apiError(L, "%v (brk(%q, {entry=true}) traps its resolver)", err, name)
		}
		return a, true
	}
	if entry || ref.Sym.Kind != symtab.Func {
		return ref.Addr, true
	}
	a, err := m.proc().FirstPCAfterPrologue(ref)
	if err != nil {
		apiError(L, "%v", err)
	}
	return a, true
}

// pendingWanted tells whether an unknown name becomes a pending breakpoint:
// with opts.pending, or qualified by a library not loaded yet
// ("libplugin.so:plugin_add").
func pendingWanted(name string, opt bool) bool {
	if opt {
		return true
	}
	_, sym, ok := locspec.SplitLib(name)
	return ok && sym != ""
}

// unknownHint completes an unknown-symbol error in a dynamically linked
// program: how to wait for a library that dlopen will load.
func (m *Module) unknownHint(err error, name string) error {
	if !m.proc().Dynamic() {
		return err
	}
	return fmt.Errorf("%w; not in its libraries either (for a library dlopen will load: brk(%q, {pending=true}))", err, name)
}

// defined tells whether a function name is defined now, in the program or
// a library (mapping the libraries first when they are not yet).
func (m *Module) defined(L *glua.LState, name string) bool {
	if locspec.IsFileLine(name) {
		return true // a source line: not a pending candidate
	}
	if _, ok := m.proc().Binary().LookupSym(name); ok {
		return true
	}
	_, ok := m.lookupSym(L, name)
	return ok
}

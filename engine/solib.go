package engine

import (
	"debug/elf"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/godbg/godbg/engine/debuginfo"
	"github.com/godbg/godbg/engine/internal/ptrace"
	"github.com/godbg/godbg/engine/objects"
	"github.com/godbg/godbg/engine/symtab"
)

// Shared libraries.
//
// The objects of a process (the program, the dynamic loader, each shared
// library): the program and the loader are found in /proc/PID/maps; the
// libraries are those of the loader's list (linkmap.go: the r_debug and
// link_map walk, l_addr their bias) once the loader has one, else (a
// static program, a Go program without cgo, stopped before the loader
// ran) each ELF file mapped at offset 0, its load bias the start of that
// mapping minus its lowest PT_LOAD address (page-aligned), as the loader
// computes l_addr. The maps give every object's runtime range.
//
// When they are loaded: right after exec only the program and the loader
// are mapped. A lookup that misses in a dynamically linked program whose
// libraries are not mapped yet runs the program to its entry point
// (AT_ENTRY, a one-shot internal trap: LoadLibraries); the loader has then
// mapped and relocated every DT_NEEDED library and run their constructors,
// and nothing of the program itself has run. Libraries opened later with
// dlopen(3) are found by re-reading the objects on a lookup miss (the
// process is stopped then), and a pending breakpoint (SetPendingBreakpoint)
// puts a trap on the loader's r_brk, _dl_debug_state, which the loader
// calls around every change of its list of objects (glibc elf/dl-debug.c,
// the interface gdb's solib-svr4 uses): each call that finds every list
// consistent re-reads the objects and places the pending breakpoints whose
// function has appeared.

// Object is one ELF file mapped in the process (engine/objects).
type Object = objects.Object

// SymbolRef is a symbol found in one of the process's objects.
type SymbolRef = objects.SymbolRef

// solibState is the process's list of objects (solib.go).
type solibState struct {
	objs      []*Object // the program first, the libraries in the loader's order, the loader last
	files     map[string]*objects.File
	dbgs      map[objDbgKey]*objDbg // the libraries' debug info, read on first use
	dynamic   int                   // 0 unknown, 1 the program has PT_INTERP, 2 it has not
	interp    string
	entryDone bool // LoadLibraries ran the program to its entry point
	loadTrap  *loadTrap
	pending   []*Breakpoint
}

// objDbgKey is a library's file where it is loaded: its debug info's key.
type objDbgKey struct {
	file *objects.File
	bias Addr
}

// objDbg is a library's debuginfo.Info or why it has none.
type objDbg struct {
	info *debuginfo.Info
	err  error
}

// isDynamic reports a program started by a dynamic loader (PT_INTERP).
func (p *Process) isDynamic() bool {
	if p.libs.dynamic == 0 {
		p.libs.dynamic = 2
		for _, pr := range p.bin.ELF().Progs {
			if pr.Type == elf.PT_INTERP {
				p.libs.dynamic = 1
				b := make([]byte, pr.Filesz)
				if _, err := pr.ReadAt(b, 0); err == nil {
					p.libs.interp = strings.TrimRight(string(b), "\x00")
				}
			}
		}
	}
	return p.libs.dynamic == 1
}

// RefreshObjects re-reads /proc/PID/maps and the loader's list (cheap: one
// small file and a few reads; the ELF files of objects already seen are
// not opened again).
func (p *Process) RefreshObjects() error {
	if p.exited {
		return ErrExited
	}
	if p.libs.files == nil {
		p.libs.files = map[string]*objects.File{}
	}
	maps, err := ptrace.ReadMaps(p.pid)
	if err != nil {
		return err
	}
	ms := make([]objects.Mapping, len(maps))
	for i, m := range maps {
		ms[i] = objects.Mapping{Lo: Addr(m.Lo), Hi: Addr(m.Hi), Off: m.Off, Ino: m.Ino, Path: m.Name}
	}
	mainIno := objects.Inode(p.bin.Path())
	p.isDynamic()
	interpIno := uint64(0)
	if p.libs.interp != "" {
		interpIno = objects.Inode(p.libs.interp)
	}
	var mainObj, loader *Object
	var others []objects.Span
	spans := objects.FileSpans(ms)
	for _, s := range spans {
		if objects.Deleted(s.Path) {
			continue // only the loader's list names it (listedObjects)
		}
		path := s.Path
		isMain := s.Ino != 0 && s.Ino == mainIno && objects.Inode(path) == mainIno
		switch {
		case isMain:
			mainObj = &Object{Path: path, Bias: p.bias, Lo: s.Lo, Hi: s.Hi, Main: true, File: &objects.File{Bin: p.bin, ELF: p.bin.ELF()}}
		case interpIno != 0 && s.Ino == interpIno:
			if o := p.mappedObject(s); o != nil {
				o.Loader = true
				loader = o
			}
		default:
			others = append(others, s)
		}
	}
	var libs []*Object
	if _, links, ok := p.linkMap(loader); ok {
		libs = p.listedObjects(links, spans, ms, mainObj, loader)
	} else {
		for _, s := range others {
			if o := p.mappedObject(s); o != nil {
				libs = append(libs, o)
			}
		}
	}
	if mainObj == nil {
		// A program run from a file since replaced: keep its own tables.
		mainObj = p.mainStub()
	}
	objs := append([]*Object{mainObj}, libs...)
	if loader != nil {
		objs = append(objs, loader)
	}
	p.libs.objs = objs
	return nil
}

// mappedObject is the ELF file of a maps span as an object, its bias
// from its offset-0 mapping; nil for a file that is no ELF file (a locale
// archive, a data file mapped).
func (p *Process) mappedObject(s objects.Span) *Object {
	of := p.objFile(s.Path)
	if of.Err != nil {
		return nil
	}
	return &Object{Path: s.Path, Bias: objects.Bias(s.Base, of.LowVA), Lo: s.Lo, Hi: s.Hi, File: of}
}

// objFile opens path's tables once.
func (p *Process) objFile(path string) *objects.File { return p.objFileAs(path, path) }

// objFileAs opens path's tables once under key.
func (p *Process) objFileAs(key, path string) *objects.File {
	if of := p.libs.files[key]; of != nil {
		return of
	}
	of := objects.Open(path)
	p.libs.files[key] = of
	return of
}

// Objects lists the process's objects as last read (RefreshObjects): the
// program first, then the shared libraries, the loader last.
func (p *Process) Objects() []*Object {
	if p.libs.objs == nil && !p.exited {
		p.RefreshObjects()
	}
	if p.libs.objs == nil {
		// Gone before its maps were read: the program's own tables serve.
		p.libs.objs = []*Object{p.mainStub()}
	}
	return p.libs.objs
}

// mainStub is the program as an object when its mapping is unknown.
func (p *Process) mainStub() *Object {
	return &Object{Path: p.bin.Path(), Bias: p.bias, Main: true, File: &objects.File{Bin: p.bin}}
}

// LibrariesPending reports a dynamically linked program whose libraries
// are not mapped yet (stopped before its loader ran): LoadLibraries would
// map them.
func (p *Process) LibrariesPending() bool {
	if p.exited || p.libs.entryDone || p.attached || !p.isDynamic() {
		return false
	}
	for _, o := range p.Objects() {
		if !o.Main && !o.Loader {
			return false
		}
	}
	return true
}

// entryTrap is LoadLibraries' one-shot trap at the program's entry point.
type entryTrap struct{ ev *Event }

func (e *entryTrap) siteHit(t *Thread, s *site) ([]*Event, error) {
	if e.ev != nil {
		return nil, nil
	}
	e.ev = &Event{Kind: EventStep, Thread: t, Tid: t.tid, Addr: s.addr}
	return []*Event{e.ev}, nil
}

// LoadLibraries runs a dynamically linked program, stopped before its
// loader ran, to its entry point, where every library it needs is mapped
// and nothing of the program has run; then it re-reads the objects. The
// events met on the way (system call stops, signals, watchpoints) go to
// hook, whose requests to stop are passed over; the process exiting on the
// way returns its exit event. Otherwise it only re-reads the objects.
// Every thread must be stopped.
func (p *Process) LoadLibraries(hook Hook) (*Event, error) {
	if !p.LibrariesPending() {
		return nil, p.RefreshObjects()
	}
	for _, t := range p.threads {
		if t.running {
			return nil, errors.New("load libraries: the program must be stopped")
		}
	}
	entry, err := auxvEntry(p.pid)
	if err != nil {
		return nil, fmt.Errorf("load libraries: %w", err)
	}
	et := &entryTrap{}
	if err := p.addSiteUser(Addr(entry), et); err != nil {
		return nil, fmt.Errorf("load libraries: %w", err)
	}
	ev, err := p.Continue(func(ev *Event) (bool, error) {
		if ev == et.ev {
			return true, nil
		}
		if hook == nil || ev.Notice() {
			return false, nil
		}
		_, err := hook(ev)
		return false, err
	})
	if !p.exited {
		if rerr := p.removeSiteUser(Addr(entry), et); rerr != nil && err == nil {
			err = rerr
		}
	}
	if err != nil {
		return nil, fmt.Errorf("load libraries: %w", err)
	}
	if ev != nil && ev.Kind == EventExit {
		return ev, nil
	}
	p.libs.entryDone = true
	return nil, p.RefreshObjects()
}

// LookupSym finds a function or data symbol by name: in the program first,
// then in the libraries, the loader last; "libc.so.6:malloc" looks in that
// object only (objects.List.Lookup). A miss re-reads the objects once (a
// library dlopen'ed since). It never runs the program: see LoadLibraries.
func (p *Process) LookupSym(name string) (SymbolRef, bool) {
	if ref, ok := objects.List(p.Objects()).Lookup(name); ok {
		return ref, true
	}
	if p.exited || p.RefreshObjects() != nil {
		return SymbolRef{}, false
	}
	return objects.List(p.libs.objs).LookupLibs(name)
}

// ObjectAt is the object mapping a runtime address (the objects are
// re-read once when none does), or nil.
func (p *Process) ObjectAt(a Addr) *Object {
	if o := objects.List(p.Objects()).At(a); o != nil {
		return o
	}
	if p.exited || p.RefreshObjects() != nil {
		return nil
	}
	return objects.List(p.libs.objs).At(a)
}

// symbolAt finds, with lookup (the symbol table's SymAt or FuncAt), the
// symbol at a runtime address in the object whose tables describe it: the
// program's when its own tables know the address (as before libraries),
// else the object mapping it.
func (p *Process) symbolAt(a Addr, lookup func(*symtab.Binary, Addr) (symtab.Symbol, bool)) (SymbolRef, bool) {
	known := func() bool { _, ok := lookup(p.bin, a-p.bias); return ok }
	var o *Object
	if objs := p.Objects(); len(objs) > 0 && (objs[0].Contains(a) || known()) {
		o = objs[0]
	} else {
		o = p.ObjectAt(a)
	}
	if o == nil {
		return SymbolRef{}, false
	}
	return objects.SymbolIn(o, a, lookup)
}

// SymAt finds the function or data symbol containing a runtime address, in
// whichever object maps it.
func (p *Process) SymAt(a Addr) (SymbolRef, bool) { return p.symbolAt(a, (*symtab.Binary).SymAt) }

// FuncAt finds the function containing a runtime pc, in whichever object
// maps it.
func (p *Process) FuncAt(pc Addr) (SymbolRef, bool) { return p.symbolAt(pc, (*symtab.Binary).FuncAt) }

// PCToLine is the source position of a runtime pc: the program's line
// table, or the library's DWARF if it has any.
func (p *Process) PCToLine(pc Addr) (file string, line int, ok bool) {
	if file, line, ok := p.bin.PCToLine(pc - p.bias); ok {
		return file, line, true
	}
	o := p.ObjectAt(pc)
	if o == nil || o.Main || !o.File.Bin.HasDWARF() {
		return "", 0, false
	}
	return o.File.Bin.PCToLine(pc - o.Bias)
}

// FirstPCAfterPrologue is where a breakpoint on the function goes (runtime
// address), by the object's own tables (symtab's rules).
func (p *Process) FirstPCAfterPrologue(r SymbolRef) (Addr, error) {
	pc, err := r.Object.File.Bin.FirstPCAfterPrologue(r.Sym)
	if err != nil {
		return 0, err
	}
	return pc + r.Object.Bias, nil
}

// ReadCode reads code at a runtime address as the program has it, the
// breakpoints' saved bytes in place of their traps.
func (p *Process) ReadCode(a Addr, n int) ([]byte, error) {
	buf := make([]byte, n)
	if err := p.ReadOriginal(a, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// objectDebugInfo is a library's CFI and DWARF (debuginfo.Info), read on
// first use: the unwinder takes a library frame's rules from it.
func (p *Process) objectDebugInfo(o *Object) *debuginfo.Info {
	d, _ := p.objectDebugInfoErr(o)
	return d
}

// objectDebugInfoErr is objectDebugInfo with why there is none.
func (p *Process) objectDebugInfoErr(o *Object) (*debuginfo.Info, error) {
	if o.Main {
		return p.DebugInfo()
	}
	k := objDbgKey{o.File, o.Bias}
	if od := p.libs.dbgs[k]; od != nil {
		return od.info, od.err
	}
	d, _ := o.File.Bin.DWARF()
	od := &objDbg{}
	od.info, od.err = debuginfo.NewWithSymbols(o.File.ELF, d, uint64(o.Bias), funcLookup(o.File.Bin))
	if od.info != nil {
		od.info.SetDebugFile(o.File.Bin.DebugELF())
	}
	if p.libs.dbgs == nil {
		p.libs.dbgs = map[objDbgKey]*objDbg{}
	}
	p.libs.dbgs[k] = od
	return od.info, od.err
}

// pendingLoc is the function a pending breakpoint waits for.
type pendingLoc struct {
	name  string
	entry bool
	// exact: at off bytes into the function (a breakpoint placed before an
	// exec of the same program, pendAgain), not after its prologue.
	exact bool
	off   Addr
}

// Pending tells whether bp waits for a library to be loaded.
func (bp *Breakpoint) Pending() bool { return bp.pending != nil }

// loadTrap is the internal trap on the loader's r_brk (_dl_debug_state),
// kept while pending breakpoints exist.
type loadTrap struct {
	p    *Process
	addr Addr
}

func (l *loadTrap) siteHit(t *Thread, s *site) ([]*Event, error) {
	// The loader calls it before (RT_ADD, RT_DELETE) and after
	// (RT_CONSISTENT) each change, in the r_debug of the namespace that
	// changes (dlmopen); the libraries are mapped and listed at the latter
	// (engine/objects/doc.go). The r_debug is found anew: an
	// exec moves it.
	if a := l.p.rDebug(l.p.loaderObject()); a != 0 {
		if done, err := objects.AllConsistent(l.p, a); err == nil && !done {
			return nil, nil
		}
	}
	if err := l.p.RefreshObjects(); err != nil {
		return nil, err
	}
	return nil, l.p.resolvePending()
}

// loaderObject is the dynamic loader's object, or nil.
func (p *Process) loaderObject() *Object {
	for _, o := range p.Objects() {
		if o.Loader {
			return o
		}
	}
	return nil
}

// pendAgain, at an exec of the same program (before its objects are
// forgotten), makes each breakpoint placed in a library pending again: the
// new image has not mapped the library yet, and it may map it elsewhere.
// It is placed again at the same function of the same library, the same
// number of bytes in, when the loader reports the library, as gdb
// re-sets its breakpoints after an exec. The traps of the engine's own in
// libraries (the load trap, return traps) go with the old image.
func (p *Process) pendAgain() {
	for addr, s := range p.sites {
		if p.bin.IsCode(addr - p.bias) {
			continue
		}
		delete(p.sites, addr)
		o := p.ObjectAt(addr)
		fn, ok := p.FuncAt(addr)
		for _, bp := range s.bps {
			if bp.Deleted() || len(bp.sites) != 1 || o == nil || !ok {
				continue // in the program too, or nowhere to find again
			}
			loc := &pendingLoc{name: filepath.Base(o.Path) + ":" + fn.Sym.Name, exact: true, off: addr - fn.Addr}
			bp.pending, bp.lib, bp.sites = loc, loc, nil
			p.libs.pending = append(p.libs.pending, bp)
		}
	}
	p.libs.loadTrap = nil
}

// SetPendingBreakpoint adds a breakpoint on a function that no object of
// the process has yet: it is placed (after the prologue, or at the entry
// with entry) when a library defining it is loaded. The program must be
// dynamically linked.
func (p *Process) SetPendingBreakpoint(name string, entry bool) (*Breakpoint, error) {
	if p.exited {
		return nil, ErrExited
	}
	if !p.isDynamic() {
		return nil, fmt.Errorf("breakpoint %s: %s is statically linked: no library will be loaded", name, p.bin.Path())
	}
	if err := p.ensureLoadTrap(name); err != nil {
		return nil, err
	}
	ids := p // breakpoint ids are the family's (follow.go)
	if p.fam != nil {
		ids = p.fam.root
	}
	loc := &pendingLoc{name: name, entry: entry}
	bp := &Breakpoint{ID: ids.nextID, Loc: name, Enabled: true, pending: loc, lib: loc}
	ids.nextID++
	p.bps = append(p.bps, bp)
	p.libs.pending = append(p.libs.pending, bp)
	p.sharePending(bp)
	return bp, nil
}

// ensureLoadTrap puts the trap on the loader's r_brk unless it is there.
func (p *Process) ensureLoadTrap(name string) error {
	if p.libs.loadTrap != nil {
		return nil
	}
	loader := p.loaderObject()
	if loader == nil {
		return fmt.Errorf("breakpoint %s: the dynamic loader is not mapped", name)
	}
	// r_brk as the loader gives it once it set up its r_debug (what gdb
	// traps), else its _dl_debug_state.
	lt := &loadTrap{p: p}
	if a := p.rDebug(loader); a != 0 {
		if r, err := objects.ReadRDebug(p, a); err == nil {
			lt.addr = r.Brk
		}
	}
	if lt.addr == 0 {
		s, ok := loader.File.Bin.LookupSym("_dl_debug_state")
		if !ok {
			return fmt.Errorf("breakpoint %s: no _dl_debug_state in %s", name, loader.Path)
		}
		lt.addr = s.Addr + loader.Bias
	}
	if err := p.addSiteUser(lt.addr, lt); err != nil {
		return fmt.Errorf("breakpoint %s: trap library loads: %w", name, err)
	}
	p.libs.loadTrap = lt
	return nil
}

// resolvePending places each pending breakpoint whose function is now
// defined; the load trap goes with the last of them.
func (p *Process) resolvePending() error {
	keep := p.libs.pending[:0]
	var first error
	for _, bp := range p.libs.pending {
		if bp.Deleted() {
			continue
		}
		r, ok := objects.List(p.Objects()).Lookup(bp.lib.name)
		if !ok {
			keep = append(keep, bp)
			continue
		}
		addr := r.Addr
		if bp.lib.exact {
			addr += bp.lib.off
		} else if !bp.lib.entry && r.Sym.Kind == symtab.Func && !r.IFunc {
			a, err := p.FirstPCAfterPrologue(r)
			if err == nil {
				addr = a
			}
		}
		if bp.pending == nil {
			// Placed in another process of the family first (followshare.go):
			// a copy here, at this process's address.
			if !p.holdsBp(bp) {
				p.bps = append(p.bps, bp)
			}
			if err := p.addCopy(bp, addr); err != nil && first == nil {
				first = fmt.Errorf("insert breakpoint %s at %#x: %w", bp.Loc, uint64(addr), err)
			}
			continue
		}
		s := p.sites[addr]
		if s == nil {
			s = &site{addr: addr}
		}
		s.bps = append(s.bps, bp)
		bp.sites = []*site{s}
		bp.owner = p
		bp.Addr, bp.Addrs = addr, []Addr{addr}
		bp.pending = nil
		if err := p.syncSite(s); err != nil && first == nil {
			first = fmt.Errorf("insert breakpoint %s at %#x: %w", bp.Loc, uint64(addr), err)
		}
	}
	p.libs.pending = keep
	if len(keep) == 0 && p.libs.loadTrap != nil {
		lt := p.libs.loadTrap
		p.libs.loadTrap = nil
		if err := p.removeSiteUser(lt.addr, lt); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// dropPending deletes a pending breakpoint.
func (p *Process) dropPending(bp *Breakpoint) {
	bp.pending = nil
	bp.Enabled = false
	for i, b := range p.bps {
		if b == bp {
			p.bps = append(p.bps[:i], p.bps[i+1:]...)
			break
		}
	}
}

// closeObjects releases the libraries' files.
func (p *Process) closeObjects() {
	for _, of := range p.libs.files {
		of.Close()
	}
	p.libs.files = nil
}

// ObjectNamed is the object q names (libc.so.6, libc, a full path), or nil.
func (p *Process) ObjectNamed(q string) *Object { return objects.List(p.Objects()).Named(q) }

// Dynamic reports a dynamically linked program (one with PT_INTERP).
func (p *Process) Dynamic() bool { return p.isDynamic() }

// objectForUnwind is the library holding pc, or nil for the program and
// for code no object maps (the vdso): the program's tables serve those, as
// before libraries were known.
func (p *Process) objectForUnwind(pc Addr) *Object {
	objs := p.Objects()
	if len(objs) == 0 || objs[0].Contains(pc) {
		return nil
	}
	if o := p.ObjectAt(pc); o != nil && !o.Main {
		return o
	}
	return nil
}

package engine

import (
	"debug/elf"
	"fmt"
	"strings"

	"github.com/godbg/godbg/engine/objects"
)

// The loader's list of objects (objects.Walk over the tracee's memory):
// where RefreshObjects takes the libraries from once the loader has set
// it up; engine/objects/doc.go says where it is better than the maps.

// rDebug is the address of the loader's struct r_debug: DT_DEBUG of the
// program's dynamic section, else the loader's _r_debug once the loader
// initialized it; 0 when there is none (a static program, a Go program
// without cgo: no loader) or not yet (stopped before the loader ran).
func (p *Process) rDebug(loader *Object) Addr {
	if a := p.rDebugOfProgram(); a != 0 {
		return a
	}
	return p.rDebugOfLoader(loader)
}

// rDebugOfProgram is the program's DT_DEBUG, or 0.
func (p *Process) rDebugOfProgram() Addr {
	for _, pr := range p.bin.ELF().Progs {
		if pr.Type != elf.PT_DYNAMIC {
			continue
		}
		if a, err := objects.DebugFromDynamic(p, Addr(pr.Vaddr)+p.bias, pr.Memsz); err == nil && a != 0 {
			return a
		}
	}
	return 0
}

// rDebugOfLoader is the loader's _r_debug once it is set up, or 0.
func (p *Process) rDebugOfLoader(loader *Object) Addr {
	if loader == nil || loader.File.Bin == nil {
		return 0
	}
	s, ok := loader.File.Bin.LookupSym("_r_debug")
	if !ok {
		return 0
	}
	a := s.Addr + loader.Bias
	if r, err := objects.ReadRDebug(p, a); err != nil || r.Version == 0 {
		return 0
	}
	return a
}

// linkMap walks the loader's list; ok is false when the program has no
// r_debug, or no list yet, or the list cannot be read.
func (p *Process) linkMap(loader *Object) (objects.RDebug, []objects.Link, bool) {
	a := p.rDebug(loader)
	if a == 0 {
		return objects.RDebug{}, nil, false
	}
	r, links, err := objects.Walk(p, a)
	if err != nil || len(links) == 0 {
		return objects.RDebug{}, nil, false
	}
	return r, links, true
}

// listedObjects are the libraries of the loader's list, in its order,
// each with the file mapping holding its dynamic section (l_ld): the
// program (the one entry without a name, also when its file is gone) and
// the loader (main, loader) are left out, and so is what maps
// no file (the vdso) or is no longer mapped. A library whose file is
// gone (deleted since, or a memfd) takes the loader's name (goneFile).
// The bias is the loader's l_addr.
func (p *Process) listedObjects(links []objects.Link, spans []objects.Span, ms []objects.Mapping, main, loader *Object) []*Object {
	var out []*Object
	for _, l := range links {
		if l.Name == "" || main != nil && main.Contains(l.Ld) || loader != nil && loader.Contains(l.Ld) {
			continue
		}
		var s *objects.Span
		for i := range spans {
			if l.Ld >= spans[i].Lo && l.Ld < spans[i].Hi {
				s = &spans[i]
				break
			}
		}
		if s == nil {
			continue
		}
		path, of := s.Path, (*objects.File)(nil)
		if objects.Deleted(s.Path) {
			path = l.Name
			of = p.goneFile(l.Name, s, ms)
		} else {
			of = p.objFile(path)
		}
		if of == nil || of.Err != nil {
			continue // not an ELF file we can read
		}
		out = append(out, &Object{Path: path, Bias: l.Addr, Lo: s.Lo, Hi: s.Hi, File: of})
	}
	return out
}

// mapFilesDir is map_files; a test names a folder that is not there to
// take goneFile's other way, as without the capability.
var mapFilesDir = "map_files"

// goneFile opens the file of a library deleted since it was loaded, or of
// a memfd: /proc/PID/map_files/LO-HI of its offset-0 mapping (which needs
// CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE), else, for a name the loader
// had under /proc/self (dlopen of /proc/self/fd/N), that name in the
// tracee's /proc/PID (ptrace access suffices); nil when neither opens.
// Each is kept under its mapping and inode: another file may take the
// same range later.
func (p *Process) goneFile(name string, s *objects.Span, ms []objects.Mapping) *objects.File {
	for _, m := range ms {
		if m.Lo != s.Base || m.Path != s.Path {
			continue
		}
		mf := fmt.Sprintf("/proc/%d/%s/%x-%x", p.pid, mapFilesDir, uint64(m.Lo), uint64(m.Hi))
		if of := p.objFileAs(fmt.Sprintf("%s %d", mf, m.Ino), mf); of.Err == nil {
			return of
		}
		if rest, ok := strings.CutPrefix(name, "/proc/self/"); ok {
			own := fmt.Sprintf("/proc/%d/%s", p.pid, rest)
			return p.objFileAs(fmt.Sprintf("%s %d", own, m.Ino), own)
		}
	}
	return nil
}

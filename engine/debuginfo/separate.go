package debuginfo

import "debug/elf"

// SetDebugFile names the separate debug file (objcopy --only-keep-debug,
// found by build ID or .gnu_debuglink: engine/symtab/debugfile.go) whose
// DWARF sections d was read from: the location lists, .debug_addr and the
// unit headers are read there. Code, .eh_frame and the program headers
// stay the program's own. nil: the DWARF is in the program itself.
func (i *Info) SetDebugFile(f *elf.File) { i.dwelf = f }

// dwarfELF is the file holding the DWARF sections.
func (i *Info) dwarfELF() *elf.File {
	if i.dwelf != nil && i.elf.Section(".debug_info") == nil {
		return i.dwelf
	}
	return i.elf
}

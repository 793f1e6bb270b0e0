package lua

import (
	"fmt"
	"io"

	"github.com/godbg/godbg/engine/disasm"
	"github.com/godbg/godbg/engine/locspec"
	"github.com/godbg/godbg/engine/symtab"
)

// ListSymbols writes program's symbols matching glob, one a line: address,
// size, kind and name (`godbg syms`). Link-time addresses: no process runs.
func ListSymbols(w io.Writer, program, glob string) error {
	if err := checkProgram(program); err != nil {
		return err
	}
	bin, err := symtab.Open(program)
	if err != nil {
		return err
	}
	defer bin.Close()
	list, err := bin.Syms(glob)
	if err != nil {
		return err
	}
	for _, s := range list {
		if _, err := fmt.Fprintf(w, "%016x %8d %-4s %s\n", uint64(s.Addr), s.Size, s.Kind, s.Name); err != nil {
			return err
		}
	}
	return nil
}

// Disassemble writes the whole function sym of program as Delve's disass
// does: a TEXT header, then one line an instruction (`godbg disas`).
func Disassemble(w io.Writer, program, sym string) error {
	if err := checkProgram(program); err != nil {
		return err
	}
	bin, err := symtab.Open(program)
	if err != nil {
		return err
	}
	defer bin.Close()
	s, ok := bin.LookupSym(sym)
	if !ok {
		if _, err := locspec.Resolve(bin, sym, true); err != nil {
			return err
		}
		return fmt.Errorf("unknown symbol %s", sym)
	}
	c := &disasm.Listing{
		Syms: disasm.BinarySymbols{Bin: bin},
		Read: func(addr uint64, n int) ([]byte, error) {
			return bin.ReadCode(symtab.Addr(addr), n)
		},
	}
	end := uint64(s.Addr) + s.Size
	if s.Size == 0 {
		end = 0
	}
	insts, err := c.Disassemble(uint64(s.Addr), end, 1<<16)
	if err != nil {
		return fmt.Errorf("disassemble %s: %w", sym, err)
	}
	file, _, _ := bin.PCToLine(s.Addr)
	if _, err := fmt.Fprintf(w, "TEXT %s(SB) %s\n", s.Name, file); err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, disasm.RenderListing(insts))
	return err
}

// SetDebugFileDirectories sets the directories searched for separate debug
// files (build-id trees, .gnu_debuglink targets), a colon-separated list as
// gdb's debug-file-directory; it replaces /usr/lib/debug and
// $GODBG_DEBUG_FILE_DIRECTORY (`--debug-file-directory`).
func SetDebugFileDirectories(list string) {
	symtab.SetDebugFileDirectories(symtab.SplitDebugDirs(list))
}

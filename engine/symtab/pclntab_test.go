package symtab

import (
	"encoding/binary"
	"testing"

	"github.com/go-delve/delve/pkg/dwarf/frame"
	"github.com/go-delve/delve/pkg/dwarf/godwarf"
	"github.com/godbg/godbg/internal/fixture"
)

// A stripped Go build lists its functions from the pclntab with the sizes
// the linker gave the symbols (the pcsp table's end, not the next entry),
// and SPDelta agrees at every pc of a few functions with the CFA rule of
// the debug build's .debug_frame (CFA = rsp + delta + 8).
func TestStrippedGoSizesAndSPDelta(t *testing.T) {
	debug := open(t, fixture.GoDebug(t, "break"))
	stripped := open(t, fixture.Go(t, "break", "-gcflags=all=-N -l", "-ldflags=-s -w"))
	syms, err := stripped.Syms("*")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, s := range syms {
		// By address: an ABI wrapper has its function's name in the
		// pclntab, and the .abi0 name in the debug build's .symtab.
		want, ok := debug.FuncAt(s.Addr)
		if !ok || want.Addr != s.Addr || want.Size == 0 || want.Size == 1 {
			continue // go:textfipsstart and its kin: markers without code
		}
		checked++
		if s.Addr != want.Addr || s.Size != want.Size {
			t.Errorf("stripped %s at %v size %d, debug build %v size %d", s.Name, s.Addr, s.Size, want.Addr, want.Size)
		}
	}
	if checked < 2000 {
		t.Errorf("checked %d functions, want the whole runtime's", checked)
	}

	data, err := godwarf.GetDebugSectionElf(debug.ELF(), "frame")
	if err != nil {
		t.Fatal(err)
	}
	fdes, err := frame.Parse(data, binary.LittleEndian, 0, 8, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"main.BreakMe", "main.main", "runtime.allgadd", "internal/runtime/syscall/linux.Syscall6", "runtime.morestack"} {
		fn, ok := stripped.LookupSym(name)
		if !ok {
			t.Fatalf("no %s in the stripped build", name)
		}
		for pc := fn.Addr; pc < fn.Addr+Addr(fn.Size); pc++ {
			fde, err := fdes.FDEForPC(uint64(pc))
			if err != nil {
				t.Fatalf("%s: no FDE at %v", name, pc)
			}
			ctx, err := fde.EstablishFrame(uint64(pc))
			if err != nil || ctx.CFA.Rule != frame.RuleCFA || ctx.CFA.Reg != 7 {
				t.Fatalf("%s at %v: CFA rule %+v, %v", name, pc, ctx.CFA, err)
			}
			got, ok := stripped.SPDelta(pc)
			if !ok || got+8 != ctx.CFA.Offset {
				t.Errorf("%s+%d: SPDelta = %d, %v; .debug_frame says CFA = rsp%+d", name, pc-fn.Addr, got, ok, ctx.CFA.Offset)
			}
		}
	}
	if _, ok := stripped.SPDelta(0x10); ok {
		t.Error("SPDelta outside the text: ok")
	}
	if v := stripped.GoVersion(); v == "" || v != debug.GoVersion() {
		t.Errorf("GoVersion = %q, debug build %q", v, debug.GoVersion())
	}
}

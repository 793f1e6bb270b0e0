package disasm

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// Render prints one line an instruction, as Delve's disassemble does:
//
//	main.go:6  0x496706  4883ec50  sub rsp, 0x50
//
// file base name:line, address, bytes in hex, text; columns aligned. An
// address lineOf does not know (or a nil lineOf) shows "?" for the
// position.
func Render(insts []Inst, lineOf func(addr uint64) (file string, line int, ok bool)) string {
	locs := make([]string, len(insts))
	locW, addrW, bytesW := 0, 0, 0
	for i, in := range insts {
		locs[i] = "?"
		if lineOf != nil {
			if file, line, ok := lineOf(uint64(in.Addr)); ok {
				locs[i] = filepath.Base(file) + ":" + strconv.Itoa(line)
			}
		}
		locW = max(locW, len(locs[i]))
		addrW = max(addrW, len(in.Addr.String()))
		bytesW = max(bytesW, 2*len(in.Bytes))
	}
	var sb strings.Builder
	for i, in := range insts {
		fmt.Fprintf(&sb, "%-*s  %-*s  %-*x  %s\n", locW, locs[i], addrW, in.Addr, bytesW, in.Bytes, in.Text)
	}
	return sb.String()
}

//go:build ignore

// gen writes FuzzNew's seed corpus from a binary built from tiny.c: the
// whole file, then copies with one section overwritten by a repeating
// pattern (each parser gets garbage) and copies cut short.
package main

import (
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

func main() {
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	dir := filepath.Join("..", "fuzz", "FuzzNew")
	write := func(name string, b []byte) {
		s := "go test fuzz v1\n[]byte(" + strconv.Quote(string(b)) + ")\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			panic(err)
		}
	}
	write("tiny", data)
	f, err := elf.Open(os.Args[1])
	if err != nil {
		panic(err)
	}
	for _, name := range []string{".eh_frame", ".debug_info", ".debug_abbrev", ".debug_line", ".debug_str", ".symtab"} {
		s := f.Section(name)
		if s == nil {
			continue
		}
		b := append([]byte(nil), data...)
		for i := uint64(0); i < s.Size && s.Offset+i < uint64(len(b)); i++ {
			b[s.Offset+i] = byte(0xff - i%7*0x11)
		}
		write("garbage"+name, b)
		// Only the first length field made huge: parsers must not trust it.
		b = append([]byte(nil), data...)
		if s.Size >= 4 {
			copy(b[s.Offset:], []byte{0xf0, 0xff, 0xff, 0x7f})
		}
		write("length"+name, b)
	}
	for _, n := range []int{64, 512, len(data) / 2, len(data) - 64} {
		write(fmt.Sprintf("truncated-%d", n), data[:n])
	}
}

package bindings

import (
	"testing"

	"github.com/godbg/godbg/engine"
	glua "github.com/yuin/gopher-lua"
)

// An int 0x80 call's arguments: 32-bit registers, a pointer (of the
// x86-64 call of the same name) as its address, anything else signed 32
// bits; a call with no x86-64 counterpart reads all six signed.
func TestCompatArgs(t *testing.T) {
	for _, tt := range []struct {
		sc   engine.Syscall
		want [6]glua.LNumber
	}{
		{engine.Syscall{Nr: 4, Name: "write", Compat: true, Args: [6]uint64{1, 0x404010, 12}},
			[6]glua.LNumber{1, 0x404010, 12, 0, 0, 0}},
		{engine.Syscall{Nr: 295, Name: "openat", Compat: true, Args: [6]uint64{0xffffff9c, 0xfffff000, 0, 0xffffffff}},
			[6]glua.LNumber{-100, 0xfffff000, 0, -1, 0, 0}},
		{engine.Syscall{Nr: 102, Name: "socketcall", Compat: true, Args: [6]uint64{0xffffffff, 0x80000000}},
			[6]glua.LNumber{-1, -0x80000000, 0, 0, 0, 0}},
	} {
		if got := syscallArgs(&tt.sc); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.sc.Name, got, tt.want)
		}
	}
}

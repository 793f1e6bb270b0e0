package debuginfo

import (
	"regexp"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// A piece with no location (DW_OP_piece first or right after a piece) is
// a part of the variable the program no longer has.
func TestEmptyPiece(t *testing.T) {
	for _, c := range []struct {
		name  string
		instr []byte
		want  bool
	}{
		{"reg0 piece8 piece8", []byte{0x50, 0x93, 0x08, 0x93, 0x08}, true},
		{"piece8 reg0 piece8", []byte{0x93, 0x08, 0x50, 0x93, 0x08}, true},
		{"reg0 piece8 reg1 piece8", []byte{0x50, 0x93, 0x08, 0x51, 0x93, 0x08}, false},
		{"fbreg 16", []byte{0x91, 0x10}, false},
		{"lit0 stack_value piece8 reg0 piece8", []byte{0x30, 0x9f, 0x93, 0x08, 0x50, 0x93, 0x08}, false},
		{"call_frame_cfa piece8 breg7 -8 piece8 piece8", []byte{0x9c, 0x93, 0x08, 0x77, 0x78, 0x93, 0x08, 0x93, 0x08}, true},
		{"addr piece8 (0x93 in the operand)", []byte{0x03, 0x93, 0x93, 0, 0, 0, 0, 0, 0, 0x93, 0x08}, false},
		{"empty", nil, false},
	} {
		if got := emptyPiece(c.instr); got != c.want {
			t.Errorf("%s: emptyPiece = %v, want %v", c.name, got, c.want)
		}
	}
}

// Frame.Registers of a caller's frame gives only the registers a call
// preserves, by the frame's language; frame 0 gives them all.
func TestFrameRegistersPreserved(t *testing.T) {
	rs := &regSet{}
	for n := 0; n < numRegs; n++ {
		rs.val[n], rs.ok[n] = uint64(100+n), true
	}
	for _, c := range []struct {
		caller, isGo bool
		known        []int
		unknown      []int
	}{
		{false, true, []int{0, 1, 3, 6, 7, 12, 14, 16, 17}, nil},
		{true, true, []int{6, 7, 14, 15, 16}, []int{0, 1, 2, 3, 4, 5, 8, 12, 13, 17}},
		{true, false, []int{3, 6, 7, 12, 13, 14, 15, 16}, []int{0, 1, 2, 4, 5, 8, 9, 10, 11, 17}},
	} {
		r := Frame{PC: 0x1000, state: &frameState{rs: rs, caller: c.caller, isGo: c.isGo}}.Registers()
		for _, n := range c.known {
			if v, ok := r.Reg(n); !ok || v != uint64(100+n) {
				t.Errorf("caller %v go %v: Reg(%d) = %d, %v; want %d", c.caller, c.isGo, n, v, ok, 100+n)
			}
		}
		for _, n := range c.unknown {
			if v, ok := r.Reg(n); ok {
				t.Errorf("caller %v go %v: Reg(%d) = %d, want unknown", c.caller, c.isGo, n, v)
			}
		}
	}
	if (Frame{PC: 1}).Registers() != nil {
		t.Errorf("a Frame not from the unwinder has Registers")
	}
}

// main's locals read through frame 1 of a stop in main.stop are those read
// at main's own stop line, value for value and type for type (-N -l).
func TestFrameLocalsAsOwnStop(t *testing.T) {
	prog := fixture.GoDebug(t, "govals")
	own := launch(t, prog)
	own.runTo(own.lineAddr(fixture.TestData("govals/main.go"), "stop(i1 + total) // STOP"))
	want, err := own.info.Locals(own, own.regs())
	if err != nil || len(want) < 40 {
		t.Fatalf("Locals at the stop line: %d values, %v", len(want), err)
	}

	tr := launch(t, prog)
	tr.runTo(tr.symAddr("main.stop"))
	frames, err := tr.info.Unwind(tr, tr.regs(), 3)
	if err != nil || len(frames) < 2 || frames[1].Func != "main.main" {
		t.Fatalf("Unwind: %+v, %v", frames, err)
	}
	got, err := tr.info.Locals(tr, frames[1].Registers())
	if err != nil {
		t.Fatalf("Locals of frame 1: %v", err)
	}
	// The two runs' heap addresses differ (the harness leaves ASLR on):
	// compare what does not move.
	strip := func(vs []Value) string {
		s := showAll(vs)
		return regexp.MustCompile(`0x[0-9a-f]+|ptr`).ReplaceAllString(s, "ADDR")
	}
	if g, w := strip(got), strip(want); g != w {
		t.Errorf("frame 1 locals:\n%s\nwant (at the stop line):\n%s", g, w)
	}
	args, err := tr.info.Args(tr, frames[0].Registers())
	checkValues(t, "Args of frame 0", args, err, "n int = 2202\n")
}

package engine

import (
	"bytes"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/godbg/godbg/engine/internal/oolstep"
	"github.com/godbg/godbg/internal/fixture"
)

// countingJump installs a jump at addr whose trampoline adds one to a
// counter in the area's data part; it returns the site and the counter.
func countingJump(t *testing.T, p *Process, addr Addr) (*jumpSite, Addr) {
	t.Helper()
	pl, err := p.planJump(addr)
	if err != nil {
		t.Fatalf("planJump(%#x): %v", uint64(addr), err)
	}
	cnt, ok := pl.area.allocData(8)
	if !ok {
		t.Fatal("no data room")
	}
	js, err := p.installJump(pl, func(a *oolstep.Asm) error {
		if !pl.flagsDead {
			a.LeaRSP(-128)
			a.Bytes(0x9c) // pushfq
		}
		a.RipRel([]byte{0xf0, 0x48, 0x83}, 0, uint64(cnt), 1) // lock add qword [cnt], 1
		if !pl.flagsDead {
			a.Bytes(0x9d) // popfq
			a.LeaRSP(128)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("installJump: %v", err)
	}
	return js, cnt
}

// funcBytes reads a function's code from the file and from the process.
func funcBytes(t *testing.T, p *Process, name string) (file, live []byte) {
	t.Helper()
	s, ok := p.Binary().LookupSym(name)
	if !ok {
		t.Fatalf("no symbol %s", name)
	}
	file, err := p.Binary().ReadCode(s.Addr, int(s.Size))
	if err != nil {
		t.Fatal(err)
	}
	live = make([]byte, len(file))
	if err := p.ReadMemory(s.Addr+p.Bias(), live); err != nil {
		t.Fatal(err)
	}
	return file, live
}

// TestJumpSiteCounts: a jump at a function's entry and one after its
// prologue (flags saved or not) count every call of 4 pthreads and 8
// goroutines exactly, with no stop; the program's output is unchanged, and
// removing the jumps gives the file's bytes back.
func TestJumpSiteCounts(t *testing.T) {
	for _, c := range []struct {
		prog, fn, want string
		args           []string
		calls          uint64
	}{
		{fixture.C(t, "cthreads.c", "-O0", "-g"), "work", "threads=4 calls=80000 sum=1599920000\n", []string{"4", "20000"}, 80000},
		{fixture.C(t, "cthreads.c", "-O2", "-g", "-no-pie"), "work", "threads=4 calls=80000 sum=1599920000\n", []string{"4", "20000"}, 80000},
		{fixture.GoDebug(t, "gomulti"), "main.Work", "goroutines=8 calls=160000 sum=3199840000\n", []string{"8", "20000"}, 160000},
	} {
		p, stdout := launch(t, c.prog, false, c.args...)
		s, _ := p.Binary().LookupSym(c.fn)
		entry := s.Addr + p.Bias()
		js1, cnt1 := countingJump(t, p, entry)
		cnts := []*uint64{js1.area.word(cnt1)}
		if after := mustSym(t, p, c.fn); after != entry {
			js2, cnt2 := countingJump(t, p, after)
			cnts = append(cnts, js2.area.word(cnt2))
		}
		stops := p.Stops()
		ev, err := p.Continue(nil)
		if err != nil || ev.Kind != EventExit || ev.ExitCode != 0 {
			t.Fatalf("%s: Continue = %+v, %v", c.fn, ev, err)
		}
		for i, w := range cnts {
			n := atomic.LoadUint64(w)
			// Go: a call whose prologue finds the stack too small (or
			// a preemption request in stackguard0) runs morestack and
			// then its entry again; after the prologue, once a call.
			if again := i == 0 && len(cnts) == 2 && p.Binary().IsGo(); again && n >= c.calls {
				continue
			}
			if n != c.calls {
				t.Errorf("%s: jump %d counted %d, want %d", c.fn, i, n, c.calls)
			}
		}
		if out := stdout(); out != c.want {
			t.Errorf("%s: output %q, want %q", c.fn, out, c.want)
		}
		// Thread starts and exits only: no stop per hit.
		if n := p.Stops() - stops; n > 40 {
			t.Errorf("%s: %d stops for %d hits", c.fn, n, c.calls)
		}
	}
}

// TestJumpSiteRemove: removed jumps leave the function's bytes equal to the
// file's, and the program runs as before.
func TestJumpSiteRemove(t *testing.T) {
	prog := fixture.C(t, "cthreads.c", "-O0", "-g")
	p, stdout := launch(t, prog, false, "4", "2000")
	s, _ := p.Binary().LookupSym("work")
	js, _ := countingJump(t, p, s.Addr+p.Bias())
	if file, live := funcBytes(t, p, "work"); bytes.Equal(file, live) {
		t.Fatal("the jump is not in the code")
	}
	if err := p.removeJump(js); err != nil {
		t.Fatal(err)
	}
	if file, live := funcBytes(t, p, "work"); !bytes.Equal(file, live) {
		t.Fatalf("after removal:\n% x\nwant\n% x", live, file)
	}
	runToCleanExit(t, p, stdout, "threads=4 calls=8000 sum=15992000\n")
}

// TestJumpSiteRefusals: each reason a jump cannot go in is reported.
func TestJumpSiteRefusals(t *testing.T) {
	prog := fixture.C(t, "cthreads.c", "-O0", "-g")
	p, _ := launch(t, prog, false, "1", "1")
	s, _ := p.Binary().LookupSym("work")
	entry := s.Addr + p.Bias()
	end := entry + Addr(s.Size)
	for _, c := range []struct {
		addr Addr
		want string
	}{
		{end - 2, "ends 2 bytes after it"},
		{0x10, "no function"},
	} {
		_, err := p.planJump(c.addr)
		var jr *JumpRefused
		if !errors.As(err, &jr) || !bytes.Contains([]byte(jr.Reason), []byte(c.want)) {
			t.Errorf("planJump(%#x) = %v, want a refusal %q", uint64(c.addr), err, c.want)
		}
	}
}

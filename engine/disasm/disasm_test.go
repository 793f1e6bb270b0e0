package disasm

import (
	"encoding/hex"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/godbg/godbg/engine/symtab"
	"github.com/godbg/godbg/internal/fixture"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// seedBreakMe is main.BreakMe from the seed document's Delve session (Go
// of its day, -N -l), at 0x496700, followed by two bytes that do not
// decode in 64-bit mode (push es, pop es).
const seedBreakMe = "493b6610766a4883ec5048896c2448488d6c2448440f117c2420488d442420" +
	"4889442418" + "8400" + "488d1533770000" + "4889542420" + "488d15ff2c0200" +
	"4889542428" + "8400" + "eb00" + "4889442430" + "48c744243801000000" +
	"48c744244001000000" + "bb01000000" + "4889d9" + "e8daabffff" + "488b6c2448" +
	"4883c450" + "c3" + "e80b8efcff" + "eb89" + "0607"

// seedSyms is a symbolizer over a hand-made table.
func seedSyms(addr uint64) (string, uint64, bool) {
	for _, s := range []struct {
		name       string
		addr, size uint64
	}{
		{"main.BreakMe", 0x496700, 0x77},
		{"fmt.Println", 0x491340, 0x60},
		{"runtime.morestack_noctxt", 0x45f580, 0x20},
		{"go:string.*", 0x49de50, 0x1000},
		{"go:itab.*os.File,io.Writer", 0x4b9438, 0x20},
	} {
		if addr >= s.addr && addr < s.addr+s.size {
			return s.name, s.addr, true
		}
	}
	return "", 0, false
}

// seedLines maps the seed listing's pcs to main.go lines.
func seedLines(addr uint64) (string, int, bool) {
	switch {
	case addr < 0x496700 || addr >= 0x496777:
		return "", 0, false
	case addr < 0x496714, addr >= 0x496770:
		return "/home/vagrant/main.go", 6, true
	case addr < 0x496766:
		return "/home/vagrant/main.go", 7, true
	default:
		return "/home/vagrant/main.go", 8, true
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./engine/disasm -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test ./engine/disasm -update rewrites it):\n--- got\n%s--- want\n%s", name, got, want)
	}
}

func TestGoldenSeedBreakMe(t *testing.T) {
	code, err := hex.DecodeString(seedBreakMe)
	if err != nil {
		t.Fatal(err)
	}
	insts := Decode(code, 0x496700, seedSyms)
	golden(t, "seed_breakme.golden", Render(insts, seedLines))

	// The fields behind the text.
	last := len(insts) - 1
	for _, tt := range []struct {
		i          int
		target     Addr
		sym        string
		text       string
		bad        bool
		addr, leng int
	}{
		{0, 0, "", "cmp rsp, qword ptr [r14+0x10]", false, 0x496700, 4},
		{1, 0x496770, "main.BreakMe+0x70", "jbe 0x496770", false, 0x496704, 2},
		{2, 0, "", "sub rsp, 0x50", false, 0x496706, 4},
		{9, 0, "go:string.*+0x10", "lea rdx, ptr [go:string.*+16]", false, 0x496726, 7},
		{11, 0, "go:itab.*os.File,io.Writer", "lea rdx, ptr [go:itab.*os.File,io.Writer]", false, 0x496732, 7},
		{20, 0x491340, "fmt.Println", "call fmt.Println", false, 0x496761, 5},
		{24, 0x45f580, "runtime.morestack_noctxt", "call runtime.morestack_noctxt", false, 0x496770, 5},
		{25, 0x496700, "main.BreakMe", "jmp main.BreakMe", false, 0x496775, 2},
		{last - 1, 0, "", "(bad)", true, 0x496777, 1},
		{last, 0, "", "(bad)", true, 0x496778, 1},
	} {
		in := insts[tt.i]
		if in.Target != tt.target || in.Sym != tt.sym || in.Text != tt.text || in.Bad != tt.bad || in.Addr != Addr(tt.addr) || in.Len != tt.leng || len(in.Bytes) != tt.leng {
			t.Errorf("insts[%d] = {%v len %d target %v sym %q text %q bad %v}, want {%#x len %d target %v sym %q text %q bad %v}",
				tt.i, in.Addr, in.Len, in.Target, in.Sym, in.Text, in.Bad, tt.addr, tt.leng, tt.target, tt.sym, tt.text, tt.bad)
		}
	}
}

func TestDecodeEdgeCases(t *testing.T) {
	if got := Decode(nil, 0x1000, nil); len(got) != 0 {
		t.Errorf("Decode(nil) = %v", got)
	}
	// A truncated instruction at the end (the first 2 bytes of a 5-byte
	// call) turns into (bad) bytes, never an error or a panic.
	got := Decode([]byte{0x90, 0xe8, 0x00}, 0x1000, nil)
	if len(got) != 3 || got[0].Text != "nop" || !got[1].Bad || !got[2].Bad {
		t.Errorf("Decode(nop, truncated call) = %+v", got)
	}
	// Without a symbolizer targets print as addresses.
	got = Decode([]byte{0xe8, 0x00, 0x00, 0x00, 0x00}, 0x1000, nil)
	if got[0].Text != "call 0x1005" || got[0].Target != 0x1005 || got[0].Sym != "" {
		t.Errorf("Decode(call) = %+v", got[0])
	}
	if r := Render(got, nil); r != "?  0x1000  e800000000  call 0x1005\n" {
		t.Errorf("Render without lines = %q", r)
	}
}

// The real binaries: structural checks that hold on any machine.

func TestDecodeGoBreakMe(t *testing.T) {
	path := fixture.GoDebug(t, "break")
	b, err := symtab.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	insts := decodeFunc(t, b, "main.BreakMe")
	if insts[0].Text != "cmp rsp, qword ptr [r14+0x10]" {
		t.Errorf("first instruction = %q, want the stack check", insts[0].Text)
	}
	var calls []string
	for _, in := range insts {
		if in.Inst.Op.String() == "CALL" {
			calls = append(calls, in.Text)
		}
		if in.Bad {
			t.Errorf("(bad) at %v", in.Addr)
		}
	}
	if len(calls) != 2 || calls[0] != "call fmt.Println" || !strings.HasPrefix(calls[1], "call runtime.morestack_noctxt") {
		t.Errorf("calls = %q, want fmt.Println then runtime.morestack_noctxt", calls)
	}
	last := insts[len(insts)-1]
	if last.Text != "jmp main.BreakMe" {
		t.Errorf("last instruction = %q, want jmp main.BreakMe", last.Text)
	}
	out := Render(insts, func(a uint64) (string, int, bool) { return b.PCToLine(symtab.Addr(a)) })
	if !regexp.MustCompile(`(?m)^main\.go:6  0x[0-9a-f]+  493b6610 +cmp rsp, qword ptr \[r14\+0x10\]$`).MatchString(out) {
		t.Errorf("rendered listing lacks the stack check line:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^main\.go:7  0x[0-9a-f]+  e8[0-9a-f]{8} +call fmt\.Println$`).MatchString(out) {
		t.Errorf("rendered listing lacks the call at line 7:\n%s", out)
	}
	compareBoundaries(t, path, "main.BreakMe", insts[len(insts)-1].Addr+2, insts)
}

func TestDecodeCAdd(t *testing.T) {
	path := fixture.C(t, "hello.c", "-O0", "-g")
	b, err := symtab.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	insts := decodeFunc(t, b, "add")
	if insts[0].Text != "push rbp" || insts[1].Text != "mov rbp, rsp" || insts[len(insts)-1].Text != "ret" {
		t.Errorf("add = %q ... %q", insts[0].Text, insts[len(insts)-1].Text)
	}
	refs := 0
	for _, in := range insts {
		if in.Sym == "counter" {
			refs++
			if !strings.Contains(in.Text, "[counter]") {
				t.Errorf("%q refers to counter but does not name it", in.Text)
			}
		}
	}
	if refs != 2 {
		t.Errorf("%d instructions name counter, want 2 (load and store)", refs)
	}
	compareBoundaries(t, path, "add", insts[len(insts)-1].Addr+1, insts)
}

func decodeFunc(t *testing.T, b *symtab.Binary, name string) []Inst {
	t.Helper()
	fn, ok := b.LookupSym(name)
	if !ok {
		t.Fatalf("no symbol %s", name)
	}
	code, err := b.ReadCode(fn.Addr, int(fn.Size))
	if err != nil {
		t.Fatal(err)
	}
	return Decode(code, uint64(fn.Addr), func(a uint64) (string, uint64, bool) {
		s, ok := b.SymAt(symtab.Addr(a))
		return s.Name, uint64(s.Addr), ok
	})
}

// compareBoundaries checks instruction addresses and bytes against
// objdump -d.
func compareBoundaries(t *testing.T, path, fn string, end Addr, insts []Inst) {
	t.Helper()
	out, err := exec.Command("objdump", "-d", "--disassemble="+fn, path).Output()
	if err != nil {
		t.Fatalf("objdump: %v", err)
	}
	re := regexp.MustCompile(`(?m)^\s+([0-9a-f]+):\t((?:[0-9a-f]{2} )+) *\t\S`)
	var want []string
	for _, m := range re.FindAllStringSubmatch(string(out), -1) {
		a, _ := strconv.ParseUint(m[1], 16, 64)
		if symtab.Addr(a) >= end { // objdump goes on through the padding
			break
		}
		want = append(want, symtab.Addr(a).String()+" "+strings.ReplaceAll(strings.TrimSpace(m[2]), " ", ""))
	}
	// objdump wraps bytes past 7 onto a continuation line: compare the
	// prefix it shows on the first.
	if len(want) != len(insts) {
		t.Fatalf("objdump lists %d instructions in %s, we decode %d", len(want), fn, len(insts))
	}
	for i, in := range insts {
		got := in.Addr.String() + " " + hex.EncodeToString(in.Bytes)
		if !strings.HasPrefix(got, want[i]) {
			t.Errorf("%s instruction %d = %s, objdump %s", fn, i, got, want[i])
		}
	}
}

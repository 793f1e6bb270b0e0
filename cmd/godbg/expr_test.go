package main

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// var() with expressions, as a script sees them: numbers, bools and
// strings from operators, a func value as its function's name, and an
// error that names var and says why.
func TestGoExpressions(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "goexpr"))
	stop := strconv.Itoa(markerLine(t, "goexpr/main.go", "// STOP"))
	out := filepath.Join(t.TempDir(), "out")
	r := godbg(t, "run", "-o", out, "-e", `brk("main.go:`+stop+`", function(ev)
		printf("%d %d %s %s", var("i8 + 100"), var("len(s1[1:3])"), tostring(var("str1 < \"1\"")), var("str1[2:5]"))
		printf("%s %s %s", var("s2[0].Error"), var("afunc"), tostring(var("nilfn")))
		printf("%s %d", var("u64 / 3"), var("*(*int)(up)"))
		print(select(2, pcall(var, "i1 + i8")))
		return true
	end)
	cont()
	kill()`, prog)
	b, _ := os.ReadFile(out)
	want := "-56 2 true 234\n" +
		"main.(*astruct).Error main.afunc nil\n" +
		"6148914691236517205 3\n" +
		"-e:5: var(\"i1 + i8\"): eval \"i1 + i8\": invalid operation: mismatched types int and int8\n"
	if string(b) != want {
		t.Errorf("status %d stderr %q; got\n%s\nwant\n%s", r.status, r.stderr, b, want)
	}
	noProcessLeft(t, prog)
}

package symtab

import (
	"path"
	"testing"
)

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		glob, name string
		want       bool
	}{
		{"*", "", true},
		{"*", "main.main", true},
		{"main.*", "main.BreakMe", true},
		{"main.*", "main.(*T).M", true},
		{"main.*", "xmain.main", false},
		{"*.main", "main.main", true},
		{"*fmt.Print*", "fmt.Println", true},
		{"*/gosym.*", "debug/gosym.(*Table).PCToLine", true},        // * crosses '/'
		{"runtime.*alloc*", "runtime.mallocgc", true},               // several stars
		{"a*b*c", "abxbc", true},                                    // backtracking
		{"a*b*c", "abxbd", false},                                   //
		{"?dd", "add", true},                                        //
		{"?dd", "dd", false},                                        //
		{"main.Break?e", "main.BreakMe", true},                      //
		{"[a-c]dd", "add", true},                                    //
		{"[^a-c]dd", "add", false},                                  //
		{"[!a-c]dd", "odd", true},                                   //
		{"[]]x", "]x", true},                                        // ']' first is literal
		{"[a\\]]x", "]x", true},                                     // escaped ']'
		{"\\*x", "*x", true},                                        // escaped '*'
		{"\\*x", "ax", false},                                       //
		{"counter", "counter", true},                                //
		{"counter", "counter2", false},                              //
		{"main.[BC]*", "main.BreakMe", true},                        //
		{"é?", "éé", true},                                          // runes, not bytes
		{"*.(*pp).*", "fmt.(*pp).doPrintln", true},                  //
		{"runtime.*", "runtime..inittask", true},                    //
		{"*[0-9]", "$f64.3eb0000000000000", true},                   //
		{"x*", "", false},                                           //
		{"", "", true},                                              //
		{"**", "anything/at.all", true},                             //
		{"*a", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", false}, // no blow-up
	}
	for _, tt := range tests {
		if err := checkGlob(tt.glob); err != nil {
			t.Errorf("checkGlob(%q) = %v", tt.glob, err)
			continue
		}
		if got := globMatch(tt.glob, tt.name); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tt.glob, tt.name, got, tt.want)
		}
	}
}

// TestGlobAgreesWithPathMatch: on names without '/', our glob is
// path.Match.
func TestGlobAgreesWithPathMatch(t *testing.T) {
	globs := []string{"*", "m*", "*n", "m?in", "[a-m]ain", "[^m]ain", "*.*", "ma[^x]n.*", "\\m*"}
	names := []string{"main", "main.main", "gain", "m", "", "main.", ".main", "mxin.a"}
	for _, g := range globs {
		for _, n := range names {
			want, err := path.Match(g, n)
			if err != nil {
				t.Fatal(err)
			}
			if got := globMatch(g, n); got != want {
				t.Errorf("globMatch(%q, %q) = %v, path.Match says %v", g, n, got, want)
			}
		}
	}
}

func TestBadGlob(t *testing.T) {
	for _, g := range []string{"[", "main.[Br", "x\\", "[z-a]", "[\\"} {
		if err := checkGlob(g); err != ErrBadGlob {
			t.Errorf("checkGlob(%q) = %v, want ErrBadGlob", g, err)
		}
	}
}

func TestLevenshtein(t *testing.T) {
	tests := []struct {
		a, b  string
		limit int
		want  int
	}{
		{"", "", 2, 0},
		{"abc", "abc", 2, 0},
		{"brakme", "breakme", 2, 1},
		{"mian", "main", 2, 2},
		{"kitten", "sitting", 5, 3},
		{"kitten", "sitting", 2, 3}, // limit+1 once beyond the limit
		{"a", "abcdefgh", 2, 3},     // length alone exceeds it
	}
	for _, tt := range tests {
		if got := levenshtein(tt.a, tt.b, tt.limit); got != tt.want {
			t.Errorf("levenshtein(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.limit, got, tt.want)
		}
	}
}

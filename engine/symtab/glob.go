package symtab

import (
	"errors"
	"sort"
	"strings"
	"unicode/utf8"
)

// ErrBadGlob reports a malformed glob (an unclosed [ or a trailing \).
var ErrBadGlob = errors.New("syntax error in glob")

// checkGlob validates the whole pattern once, so that a bad pattern is an
// error even when no name reaches its bad part.
func checkGlob(glob string) error {
	for i := 0; i < len(glob); i++ {
		switch glob[i] {
		case '\\':
			if i+1 >= len(glob) {
				return ErrBadGlob
			}
			i++
		case '[':
			_, n, ok := matchClass(glob[i:], 0)
			if !ok {
				return ErrBadGlob
			}
			i += n - 1
		}
	}
	return nil
}

// globMatch is path.Match where '*' matches any run of characters, '/'
// and '.' included (symbol names are not paths: "main.*" should list
// "main.(*T).M" and "github.com/x/y.F" alike). The pattern must have
// passed checkGlob.
func globMatch(glob, name string) bool {
	// Iterative matcher with one backtrack point, the last '*'.
	gi, ni := 0, 0
	starG, starN := -1, 0
	for ni < len(name) {
		if gi < len(glob) {
			switch c := glob[gi]; c {
			case '*':
				starG, starN = gi, ni
				gi++
				continue
			case '?':
				_, w := utf8.DecodeRuneInString(name[ni:])
				gi, ni = gi+1, ni+w
				continue
			case '[':
				r, w := utf8.DecodeRuneInString(name[ni:])
				if ok, n, _ := matchClass(glob[gi:], r); ok {
					gi, ni = gi+n, ni+w
					continue
				}
			case '\\':
				if gi+1 < len(glob) && glob[gi+1] == name[ni] {
					gi, ni = gi+2, ni+1
					continue
				}
			default:
				if c == name[ni] {
					gi, ni = gi+1, ni+1
					continue
				}
			}
		}
		if starG < 0 {
			return false
		}
		_, w := utf8.DecodeRuneInString(name[starN:])
		starN += w
		gi, ni = starG+1, starN
	}
	for gi < len(glob) && glob[gi] == '*' {
		gi++
	}
	return gi == len(glob)
}

// matchClass matches r against the class at the start of glob ("[...]",
// with ^ or ! negation, ranges and \ escapes). It returns whether r is in
// the class, the class's length in bytes, and false in ok when the class is
// malformed.
func matchClass(glob string, r rune) (match bool, n int, ok bool) {
	i := 1
	negate := false
	if i < len(glob) && (glob[i] == '^' || glob[i] == '!') {
		negate = true
		i++
	}
	first := true
	for {
		if i >= len(glob) {
			return false, 0, false
		}
		if glob[i] == ']' && !first {
			return match != negate, i + 1, true
		}
		first = false
		lo, w, good := classChar(glob, i)
		if !good {
			return false, 0, false
		}
		i += w
		hi := lo
		if i+1 < len(glob) && glob[i] == '-' && glob[i+1] != ']' {
			hi, w, good = classChar(glob, i+1)
			if !good || hi < lo {
				return false, 0, false
			}
			i += 1 + w
		}
		if lo <= r && r <= hi {
			match = true
		}
	}
}

func classChar(glob string, i int) (rune, int, bool) {
	if glob[i] == '\\' {
		if i+1 >= len(glob) {
			return 0, 0, false
		}
		r, w := utf8.DecodeRuneInString(glob[i+1:])
		return r, w + 1, true
	}
	r, w := utf8.DecodeRuneInString(glob[i:])
	return r, w, true
}

// Suggest returns up to n symbol names close to name, best first: for an
// error like "unknown symbol main.BrakMe; did you mean main.BreakMe?".
// Closeness is the edit distance (case-insensitive) to the whole name or to
// its last dotted part, and a name containing the query (or the reverse)
// counts as close.
func (b *Binary) Suggest(name string, n int) []string {
	if n <= 0 || name == "" {
		return nil
	}
	idx, _ := b.symbols()
	q := strings.ToLower(name)
	qTail := tail(q)
	limit := max(2, len(qTail)/3)
	type cand struct {
		name  string
		score int
	}
	var cands []cand
	seen := map[string]bool{}
	for i := range idx.all {
		s := idx.all[i].Name
		if seen[s] {
			continue
		}
		l := strings.ToLower(s)
		score := -1
		switch {
		case l == q:
			score = 0 // differs in case only
		case len(qTail) >= 3 && strings.Contains(l, q):
			score = 1 + (len(l)-len(q))/4
		default:
			d := levenshtein(q, l, limit)
			if dt := levenshtein(qTail, tail(l), limit); dt+1 < d {
				d = dt + 1 // matching the last part costs one for the package
			}
			if d <= limit {
				score = d
			}
		}
		if score >= 0 {
			seen[s] = true
			cands = append(cands, cand{s, score})
		}
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score < cands[j].score
		}
		if len(cands[i].name) != len(cands[j].name) {
			return len(cands[i].name) < len(cands[j].name)
		}
		return cands[i].name < cands[j].name
	})
	var out []string
	for _, c := range cands {
		if len(out) == n {
			break
		}
		out = append(out, c.name)
	}
	return out
}

// tail is the part of a symbol name after its last '.' (Go's package and
// receiver prefix), or the name.
func tail(s string) string {
	if i := strings.LastIndexByte(s, '.'); i >= 0 && i+1 < len(s) {
		return s[i+1:]
	}
	return s
}

// levenshtein is the edit distance of a and b (bytes), or limit+1 as soon
// as it must exceed limit: most names are far from the query and cost
// only a length check.
func levenshtein(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

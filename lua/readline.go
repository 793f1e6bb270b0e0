package lua

// Line editing at the prompt is github.com/chzyer/readline's: pure Go (no
// cgo, no libreadline), history in a file, tab completion through a small
// interface, Ctrl-C and Ctrl-D reported as errors, the terminal in raw
// mode only while a line is read (so the tty turns Ctrl-C into SIGINT while
// the tracee runs, and the watcher interrupts it), the terminal read only
// while a line is asked for (v1.5's kick channel: keys typed meanwhile wait
// for the next line), and the prompt, the echo and the completion list sent
// to a writer of our choice (stderr: stdout stays the session's output).
// Delve's terminal uses a fork of peterh/liner, which fits as well;
// readline is the one the Go module proxy serves here that does all of it.

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/chzyer/readline"
	"github.com/godbg/godbg/bindings"
	glua "github.com/yuin/gopher-lua"
)

// terminalReader reads lines with readline.
type terminalReader struct {
	rl      *readline.Instance
	refresh func() // the completion words, updated on the session's thread
}

func newTerminalReader(f *os.File, ui io.Writer, c *completer) (*terminalReader, error) {
	cfg := &readline.Config{
		Prompt:          Prompt,
		HistoryFile:     historyFile(),
		AutoComplete:    c,
		InterruptPrompt: "^C",
		EOFPrompt:       "",
		Stdin:           readline.NewCancelableStdin(f), // Close ends a pending read
		Stdout:          ui,
		Stderr:          ui,
	}
	rl, err := readline.NewEx(cfg)
	if err != nil {
		return nil, err
	}
	return &terminalReader{rl: rl, refresh: c.refresh}, nil
}

// ReadLine may run on any goroutine; refresh must run on the session's
// before it.
func (t *terminalReader) ReadLine(prompt string) (string, error) {
	t.rl.SetPrompt(prompt)
	line, err := t.rl.Readline()
	if errors.Is(err, readline.ErrInterrupt) {
		return "", errLineCleared
	}
	return line, err
}

func (t *terminalReader) Close() { t.rl.Close() }

// historyFile is $XDG_STATE_HOME/godbg/history, or
// ~/.local/state/godbg/history (the XDG base directory default); "" (no
// history kept) when neither can be made.
func historyFile() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".local", "state")
	}
	dir = filepath.Join(dir, "godbg")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return ""
	}
	return filepath.Join(dir, "history")
}

// completer completes the word before the cursor: a command (first word),
// an API or Lua global name, a symbol of the program or a local variable
// of the current frame. readline calls it on its own goroutine, so it only
// reads word lists the session's thread made (refresh, before each line).
type completer struct {
	r     *repl
	words atomic.Pointer[[]string] // sorted
	first []string                 // the commands, sorted
	syms  []string                 // the program's symbols, read once
}

func newCompleter(r *repl) *completer {
	c := &completer{r: r}
	for _, cmd := range commands {
		c.first = append(c.first, cmd.name)
		c.first = append(c.first, cmd.aliases...)
	}
	sort.Strings(c.first)
	return c
}

// refresh gathers the words on the session's thread: the API names, Lua's
// globals, the symbols (once) and the current frame's locals and args.
func (c *completer) refresh() {
	r := c.r
	if c.syms == nil {
		c.syms = []string{}
		if b := r.se.p.Binary(); b != nil {
			if list, err := b.Syms("*"); err == nil {
				for _, s := range list {
					c.syms = append(c.syms, s.Name)
				}
			}
		}
	}
	words := append([]string{}, bindings.Exports()...)
	words = append(words, c.first...)
	if g, ok := r.L.Get(glua.GlobalsIndex).(*glua.LTable); ok {
		g.ForEach(func(k, _ glua.LValue) {
			if s, ok := k.(glua.LString); ok {
				words = append(words, string(s))
			}
		})
	}
	words = append(words, c.syms...)
	if !r.se.p.Exited() && !r.m.Detached() {
		for _, fn := range []string{"locals", "args"} {
			words = append(words, r.frameNames(fn)...)
		}
	}
	sort.Strings(words)
	words = dedup(words)
	c.words.Store(&words)
}

// frameNames are the keys of locals() or args(), nil when there are none
// to read (no debug information, not in a function yet).
func (r *repl) frameNames(fn string) []string {
	L := r.L
	top := L.GetTop()
	defer L.SetTop(top)
	f, ok := L.GetGlobal(fn).(*glua.LFunction)
	if !ok {
		return nil
	}
	L.Push(f)
	if L.PCall(0, 1, nil) != nil {
		return nil
	}
	t, ok := L.Get(-1).(*glua.LTable)
	if !ok {
		return nil
	}
	var names []string
	t.ForEach(func(k, _ glua.LValue) {
		if s, ok := k.(glua.LString); ok {
			names = append(names, string(s))
		}
	})
	return names
}

func dedup(s []string) []string {
	out := s[:0]
	for i, w := range s {
		if i == 0 || w != s[i-1] {
			out = append(out, w)
		}
	}
	return out
}

func wordChar(c rune) bool {
	return c == '_' || c == '.' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// Do is readline's AutoCompleter: the endings of the words that start with
// the one before the cursor.
func (c *completer) Do(line []rune, pos int) ([][]rune, int) {
	start := pos
	for start > 0 && wordChar(line[start-1]) {
		start--
	}
	word := string(line[start:pos])
	var all []string
	if w := c.words.Load(); w != nil {
		all = *w
	}
	firstWord := strings.TrimSpace(string(line[:start])) == ""
	var lists [][]string
	switch {
	case firstWord && word == "":
		lists = [][]string{c.first} // Tab at an empty prompt: the commands
	case firstWord:
		lists = [][]string{c.first, all}
	case word != "":
		lists = [][]string{all}
	}
	seen := map[string]bool{}
	var out [][]rune
	for _, words := range lists {
		for i := sort.SearchStrings(words, word); i < len(words) && strings.HasPrefix(words[i], word) && len(out) < 500; i++ {
			if !seen[words[i]] {
				seen[words[i]] = true
				out = append(out, []rune(words[i][len(word):]))
			}
		}
	}
	return out, len([]rune(word))
}

var _ readline.AutoCompleter = (*completer)(nil)

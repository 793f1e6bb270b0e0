package lua

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chzyer/readline"
	"github.com/godbg/godbg/bindings"
	glua "github.com/yuin/gopher-lua"
)

// Prompt is what godbg debug shows on a terminal before each line.
const Prompt = "(godbg) "

// Input is where godbg debug reads its lines.
type Input struct {
	In io.Reader // the commands: a terminal or a pipe
	// Terminal: In is a terminal (its file is then *os.File): a prompt,
	// line editing, history and completion (readline.go). Otherwise lines
	// are read as they come, with no prompt.
	Terminal bool
}

// Debug runs godbg debug: the tracee launched (or attached) and stopped as a
// script's main chunk finds it, then a prompt whose lines run in the same
// Lua state a script has. The session's lifecycle is Run's: the prompt is
// the main chunk. It returns godbg's exit status: 0 when the session ended
// with q or end of input (the program killed or detached), the program's
// own status when it exited by itself, as godbg run reports it.
func Debug(cfg Config, in Input) int {
	cfg.Script, cfg.Code, cfg.Inline = "", "", true
	var r *repl
	cfg.main = func(se *session) *glua.LFunction {
		r = newREPL(se, in)
		return se.m.L.NewFunction(r.loop)
	}
	status := Run(cfg)
	if r != nil && r.killedAtEnd && status == 128+9 {
		return 0 // q killed the program, as the session's end does
	}
	return status
}

// repl is one interactive session: the lines read, the Lua form of each one
// that worked (for save), Ctrl-C.
type repl struct {
	se     *session
	L      *glua.LState
	m      *bindings.Module
	ui     io.Writer // the prompt's own messages (help, errors): stderr
	in     lineReader
	term   bool
	lineNo int
	// saved are the Lua forms of the lines that worked, in order.
	saved []string
	base  context.Context

	running atomic.Bool // the tracee runs (cont, step, next_line, finish)
	ctrlC   atomic.Bool // Ctrl-C came during the current line
	mu      sync.Mutex
	cancel  context.CancelFunc // the current line's

	killedAtEnd bool
}

// lineReader reads one line; io.EOF ends the session and errLineCleared
// is Ctrl-C at the prompt (the line is dropped).
type lineReader interface {
	ReadLine(prompt string) (string, error)
	Close()
}

var (
	errLineCleared = errors.New("line cleared")
	errEnded       = errors.New("session ended") // the timeout, SIGTERM
)

// readLine reads a line on another goroutine, so that the timeout or
// SIGTERM (the base context's end) ends a session waiting for its input;
// the completion words are gathered first, here, on the session's thread.
func (r *repl) readLine(prompt string) (string, error) {
	if t, ok := r.in.(*terminalReader); ok {
		t.refresh()
	}
	type result struct {
		line string
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		l, err := r.in.ReadLine(prompt)
		ch <- result{l, err}
	}()
	select {
	case res := <-ch:
		return res.line, res.err
	case <-r.base.Done():
		return "", errEnded
	}
}

// IsTerminal tells whether f is a terminal (godbg debug then edits lines).
func IsTerminal(f *os.File) bool { return readline.IsTerminal(int(f.Fd())) }

func newREPL(se *session, in Input) *repl {
	r := &repl{se: se, L: se.m.L, m: se.m, ui: se.cfg.Stderr, term: in.Terminal}
	if f, ok := in.In.(*os.File); ok && in.Terminal {
		lr, err := newTerminalReader(f, r.ui, newCompleter(r))
		if err == nil {
			r.in = lr
		} else {
			fmt.Fprintf(r.ui, "godbg: no line editing (%v)\n", err)
		}
	}
	if r.in == nil {
		r.in = &pipeReader{r: bufio.NewReader(in.In)}
	}
	return r
}

// pipeReader reads lines from a pipe or a file: no prompt, no editing.
type pipeReader struct{ r *bufio.Reader }

func (p *pipeReader) ReadLine(string) (string, error) {
	line, err := p.r.ReadString('\n')
	if err != nil && (line == "" || !errors.Is(err, io.EOF)) {
		return "", err
	}
	return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), nil
}

func (p *pipeReader) Close() {}

// loop is the main chunk of the session: it reads and runs lines until q
// or the end of input, then ends the tracee as the session's end does
// (kill or detach), so that the lifecycle finds it gone.
func (r *repl) loop(L *glua.LState) int {
	r.base = L.Context()
	if r.base == nil {
		r.base = context.Background()
	}
	r.m.SetResumeNotify(func(running bool) { r.running.Store(running) })
	onInt := func() {
		r.ctrlC.Store(true)
		r.mu.Lock()
		if r.cancel != nil {
			r.cancel()
		}
		r.mu.Unlock()
		if r.running.Load() {
			r.se.p.Interrupt()
		}
	}
	r.se.w.onInt.Store(&onInt)
	defer r.se.w.onInt.Store(nil)
	defer r.in.Close()
	if r.term {
		r.banner()
	}
	for r.se.w.why() == 0 {
		r.m.Output().Flush()
		line, err := r.readLine(Prompt)
		if errors.Is(err, errEnded) {
			break
		}
		if errors.Is(err, errLineCleared) {
			continue
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				fmt.Fprintf(r.ui, "godbg: read: %v\n", err)
			}
			break
		}
		r.lineNo++
		if !r.exec(line) {
			break
		}
	}
	r.m.Output().Flush()
	if r.se.w.why() != 0 {
		L.RaiseError("interrupted") // Run reports it (a timeout, SIGTERM)
	}
	r.end()
	return 0
}

func (r *repl) banner() {
	what := r.se.cfg.Program
	if r.se.p.Attached() {
		what = fmt.Sprintf("process %d", r.se.p.Pid())
		fmt.Fprintf(r.ui, "godbg: attached to %s; type help for the commands, q to detach and quit\n", what)
		return
	}
	fmt.Fprintf(r.ui, "godbg: %s (pid %d) stopped before its first instruction; type help for the commands, q to quit\n", what, r.se.p.Pid())
}

// end kills a launched tracee that still lives, or detaches an attached
// one, as the Lua kill() and detach() do, and as a saved session's last
// line does.
func (r *repl) end() {
	if r.se.p.Exited() || r.m.Detached() {
		return
	}
	code := "kill()"
	if r.se.p.Attached() {
		code = "detach()"
	} else {
		r.killedAtEnd = true
	}
	if err := r.L.DoString(code); err != nil {
		fmt.Fprintf(r.ui, "godbg: %v\n", err)
	}
}

// exec runs one line; false ends the session.
func (r *repl) exec(line string) bool {
	trimmed := strings.TrimSpace(line)
	if trimmed == "" || strings.HasPrefix(trimmed, "--") {
		return true
	}
	word, rest, _ := strings.Cut(trimmed, " ")
	rest = strings.TrimSpace(rest)
	// A command's name, alone or with arguments that are not Lua: `n`,
	// `b main.f`, `x main.counter 16`; `n = 3` and `x * 2` are Lua. save,
	// help and q are always the prompt's.
	if c := lookupCommand(word); c != nil && (rest == "" || c.lua == nil || !r.isLua(line)) {
		switch c.name {
		case "q":
			return false
		case "help":
			r.help(rest)
			return true
		case "save":
			r.save(rest)
			return true
		}
		code, err := c.lua(r, rest)
		if err != nil {
			fmt.Fprintf(r.ui, "%s: %v\n", c.name, err)
			return true
		}
		fn, err, _ := r.load(code, r.lineNo)
		if err != nil {
			fmt.Fprintf(r.ui, "%s: %v\n", c.name, err)
			return true
		}
		if _, ok := r.call(fn, true); ok {
			r.saved = append(r.saved, code)
		}
		return true
	}
	r.luaLine(line)
	return true
}

// luaLine runs a line of Lua as the Lua REPL does: as an expression first
// (`return LINE`, its values printed), else as statements; an incomplete
// chunk (an open function or block) reads more lines.
func (r *repl) luaLine(line string) {
	chunk := line
	first := r.lineNo
	for {
		if fn, _, _ := r.load("return "+chunk, first); fn != nil {
			n, ok := r.call(fn, false)
			if ok {
				code := chunk
				if n > 0 {
					code = "pp(" + code + ")"
				}
				r.saved = append(r.saved, code)
			}
			return
		}
		fn, err, open := r.load(chunk, first)
		if fn != nil {
			n, ok := r.call(fn, false)
			if ok {
				r.saved = append(r.saved, statementForm(chunk, n))
			}
			return
		}
		if !open {
			fmt.Fprintln(r.ui, err)
			return
		}
		more, rerr := r.readLine(">> ")
		if rerr != nil {
			fmt.Fprintln(r.ui, err)
			return
		}
		r.lineNo++
		chunk += "\n" + more
	}
}

// load compiles code typed from line first on: errors read stdin:LINE:
// message, as the Lua REPL's do; open tells a chunk that only lacks its
// end.
func (r *repl) load(code string, first int) (*glua.LFunction, error, bool) {
	src := strings.Repeat("\n", max(first-1, 0)) + code
	fn, err := compile(r.L, &script{name: "stdin", src: []byte(src)})
	if err != nil {
		return nil, err, strings.HasSuffix(err.Error(), "at end of file")
	}
	return fn, nil, false
}

// isLua tells a line that compiles as Lua.
func (r *repl) isLua(line string) bool {
	if fn, _, _ := r.load("return "+line, 1); fn != nil {
		return true
	}
	fn, _, _ := r.load(line, 1)
	return fn != nil
}

var localWord = regexp.MustCompile(`\blocal\b`)

// statementForm is a statement line as the saved script has it: its own
// block when it declares locals (each line at the prompt is its own chunk,
// its locals gone after it), a function when it returned values (printed
// at the prompt; a return mid-script would end the script).
func statementForm(chunk string, nret int) string {
	if nret > 0 {
		return "pp((function()\n" + chunk + "\nend)())"
	}
	if localWord.MatchString(chunk) {
		return "do\n" + chunk + "\nend"
	}
	return chunk
}

// call runs a line's function: its values printed as pp prints them. It
// returns how many values it gave and whether it worked; an error is
// printed on the prompt's stream.
func (r *repl) call(fn *glua.LFunction, isCommand bool) (int, bool) {
	L := r.L
	ctx, cancel := context.WithCancel(r.base)
	r.mu.Lock()
	r.cancel = cancel
	r.mu.Unlock()
	r.ctrlC.Store(false)
	L.SetContext(ctx)
	top := L.GetTop()
	L.Push(fn)
	err := L.PCall(0, glua.MultRet, nil)
	r.mu.Lock()
	r.cancel = nil
	r.mu.Unlock()
	cancel()
	L.SetContext(r.base)
	n := L.GetTop() - top
	if err != nil {
		L.SetTop(top)
		r.m.Output().Flush()
		r.reportError(err, isCommand)
		return 0, false
	}
	if n > 0 {
		vals := make([]string, n)
		for i := 0; i < n; i++ {
			vals[i] = bindings.Pretty(L, L.Get(top+1+i))
		}
		L.SetTop(top)
		r.m.Output().WriteString(strings.Join(vals, "\t") + "\n")
	}
	r.m.Output().Flush()
	return n, true
}

var chunkPos = regexp.MustCompile(`^stdin:\d+: `)

func (r *repl) reportError(err error, isCommand bool) {
	if r.se.w.why() != 0 {
		return // the timeout or SIGTERM: Run says so as the session ends
	}
	msg := err.Error()
	var ae *glua.ApiError
	if errors.As(err, &ae) {
		msg = ae.Object.String()
	}
	if r.ctrlC.Load() {
		r.ctrlC.Store(false)
		fmt.Fprintln(r.ui, "interrupted")
		if t := r.se.p.CurrentThread(); t != nil && !r.se.p.Exited() && !r.m.Detached() {
			if pc, err := t.PC(); err == nil {
				fmt.Fprintln(r.ui, r.m.DescribePC(pc, "interrupted"))
			}
		}
		return
	}
	if isCommand {
		msg = chunkPos.ReplaceAllString(msg, "")
	}
	fmt.Fprintln(r.ui, msg)
}

// save writes the session so far as a script that godbg run replays.
func (r *repl) save(path string) {
	if path == "" {
		fmt.Fprintln(r.ui, "save: want a FILE")
		return
	}
	if err := os.WriteFile(path, []byte(r.script(path)), 0o644); err != nil {
		fmt.Fprintf(r.ui, "save: %v\n", err)
		return
	}
	fmt.Fprintf(r.ui, "saved to %s\n", path)
}

// script is the saved session: a header naming the program, how to replay
// it and when, the Lua form of every line that worked, and the session's
// end (kill or detach) when the program still runs.
func (r *repl) script(path string) string {
	var b strings.Builder
	cfg := r.se.cfg
	when := time.Now().UTC().Format("2006-01-02 15:04:05 UTC")
	if r.se.p.Attached() {
		fmt.Fprintf(&b, "-- godbg debug session attached to process %d, saved %s\n", r.se.p.Pid(), when)
		fmt.Fprintf(&b, "-- replay: godbg attach %s PID\n", shellQuote(path))
	} else {
		prog := append([]string{cfg.Program}, cfg.Args...)
		for i := range prog {
			prog[i] = shellQuote(prog[i])
		}
		fmt.Fprintf(&b, "-- godbg debug session of %s, saved %s\n", strings.Join(prog, " "), when)
		fmt.Fprintf(&b, "-- replay: godbg run %s %s\n", shellQuote(path), strings.Join(prog, " "))
	}
	for _, l := range r.saved {
		b.WriteString(l + "\n")
	}
	switch {
	case r.se.p.Exited() || r.m.Detached():
	case r.se.p.Attached():
		b.WriteString("detach() -- the session ended here (q detaches)\n")
	default:
		b.WriteString("kill() -- the session ended here (q kills the program); without this line it runs on to its exit\n")
	}
	return b.String()
}

// shellQuote quotes s for sh when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

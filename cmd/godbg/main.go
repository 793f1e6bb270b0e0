// Command godbg is a scriptable Linux x86-64 debugger: it runs a program
// under a Lua script (breakpoints with callbacks, registers, memory,
// disassembly, backtraces).
//
//	godbg run [flags] SCRIPT PROGRAM [ARGS...]
//	godbg run [flags] -e 'CODE' PROGRAM [ARGS...]
//	godbg attach [flags] SCRIPT PID
//	godbg debug [flags] PROGRAM [ARGS...]
//	godbg debug [flags] -p PID
//	godbg syms PROGRAM [GLOB]
//	godbg disas PROGRAM SYMBOL
//	godbg scripts
//
// Threading: ptrace(2) ties a tracee to the OS thread that attached it, so
// the main goroutine locks itself to the main thread in init and the launch,
// the Lua state, the event loop and every callback run on it.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"

	"github.com/godbg/godbg/lua"
	"github.com/urfave/cli/v2"
)

func init() { runtime.LockOSThread() }

func main() {
	stop := cpuProfile(os.Getenv("GODBG_CPUPROFILE"))
	status := run(os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(status)
}

// cpuProfile starts godbg's own CPU profile into path (a hidden
// diagnostic, for `go tool pprof`: GODBG_CPUPROFILE=file); "" does
// nothing. The returned function stops it.
func cpuProfile(path string) func() {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "godbg: GODBG_CPUPROFILE: %v\n", err)
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// usageError is a command line godbg cannot run: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// statusError carries a session's exit status back through cli.
type statusError struct{ status int }

func (e *statusError) Error() string { return "exit status " + strconv.Itoa(e.status) }

// run is main without os.Exit: it returns godbg's exit status.
func run(args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	err := app.Run(args)
	var se *statusError
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &se):
		return se.status
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "godbg: %v\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "godbg: %v\n", err)
		return 1
	}
}

var sessionFlags = []cli.Flag{
	&cli.StringSliceFlag{Name: "a", Usage: "set params.KEY = \"VALUE\" for the script (repeatable)", Value: nil},
	&cli.StringFlag{Name: "o", Usage: "write the script's output to `FILE` instead of stdout"},
	&cli.BoolFlag{Name: "follow-forks", Aliases: []string{"f"}, Usage: "trace the children the program makes (fork, vfork, clone without CLONE_THREAD) too, with the same breakpoints and hooks; without it they run untraced"},
	&cli.DurationFlag{Name: "timeout", Usage: "stop after `DURATION` (e.g. 30s): the tracee is killed (or detached), godbg exits 124"},
	&cli.StringFlag{Name: "watch", Value: "auto", Usage: "how watch() watches by default: `KIND` auto (the CPU's debug registers where they fire, else page protection), hardware or software"},
	debugDirFlag,
}

// debugDirFlag is gdb's debug-file-directory: where separate debug files
// (build-id trees, .gnu_debuglink targets) are looked for.
var debugDirFlag = &cli.StringFlag{Name: "debug-file-directory", Usage: "look for separate debug files under `DIRS` (colon-separated; default $GODBG_DEBUG_FILE_DIRECTORY, else /usr/lib/debug), as gdb's debug-file-directory"}

// setDebugDirs applies --debug-file-directory.
func setDebugDirs(c *cli.Context) {
	if c.IsSet("debug-file-directory") {
		lua.SetDebugFileDirectories(c.String("debug-file-directory"))
	}
}

// version is godbg's version: set at build time with
// -ldflags '-X main.version=v1.2.3', else the module's (go install), else
// "devel".
var version string

func versionString() string {
	v := version
	if v == "" {
		v = "devel"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	return v + " (" + runtime.Version() + ", " + runtime.GOOS + "/" + runtime.GOARCH + ")"
}

func newApp(stdout, stderr io.Writer) *cli.App {
	onUsage := func(_ *cli.Context, err error, _ bool) error { return usagef("%v", err) }
	return &cli.App{
		Name:                      "godbg",
		Version:                   versionString(),
		Suggest:                   true,
		Usage:                     "a scriptable Linux x86-64 debugger (Lua scripts over ptrace)",
		Writer:                    stdout,
		ErrWriter:                 stderr,
		HideHelpCommand:           true,
		DisableSliceFlagSeparator: true, // -a pattern='a,b' keeps its comma
		OnUsageError:              onUsage,
		ExitErrHandler:            func(*cli.Context, error) {}, // run() reports and exits
		Action:                    unknownCommand,
		Commands: []*cli.Command{
			{
				Name:      "run",
				Usage:     "launch PROGRAM under SCRIPT (a .lua file or a bundled recipe)",
				ArgsUsage: "SCRIPT PROGRAM [ARGS...]   or   -e 'CODE' PROGRAM [ARGS...]",
				Description: "The script starts with PROGRAM stopped before its first instruction; when it\n" +
					"returns, PROGRAM runs on with its callbacks until it exits. godbg exits with\n" +
					"PROGRAM's status.\n\n" +
					"Examples:\n" +
					"   godbg run -a pattern='main.*' trace ./prog\n" +
					"   godbg run -e 'brk(\"main.BreakMe\", function(ev) printf(\"hit %d\", ev.bp.hits) end)' ./prog",
				Flags: append([]cli.Flag{
					&cli.StringFlag{Name: "e", Usage: "run `CODE` instead of a script file"},
					&cli.BoolFlag{Name: "seccomp", Usage: "stop only at the hooked system calls (a seccomp-bpf filter, as strace --seccomp-bpf) instead of at every call; detach() is then refused, and the program's children stay traced until they exit"},
					&cli.BoolFlag{Name: "no-displaced", Usage: "step over breakpoints by lifting the trap with the other threads held, instead of running the instruction out of line (slower; for benchmarks and engine debugging)"},
				}, sessionFlags...),
				OnUsageError: onUsage,
				Action:       runAction,
			},
			{
				Name:      "attach",
				Usage:     "attach SCRIPT to the running process PID",
				ArgsUsage: "SCRIPT PID   or   -e 'CODE' PID",
				Description: "The process is detached clean (every breakpoint removed) when the script\n" +
					"ends, on an error or on Ctrl-C.\n\n" +
					"Examples:\n" +
					"   godbg attach -a pattern='main.*' trace 4242\n" +
					"   godbg attach -e 'print(bt())' 4242",
				Flags: append([]cli.Flag{
					&cli.StringFlag{Name: "e", Usage: "run `CODE` instead of a script file"},
				}, sessionFlags...),
				OnUsageError: onUsage,
				Action:       attachAction,
			},
			{
				Name:      "debug",
				Usage:     "debug PROGRAM at a prompt: Lua lines and short commands, the session saved as a script",
				ArgsUsage: "PROGRAM [ARGS...]   or   -p PID",
				Description: "PROGRAM starts stopped before its first instruction (or the process PID is\n" +
					"attached), then each line read is Lua, run as a script's lines are, or a short\n" +
					"command (b, c, n, si, finish, bt, p, x, disas, regs, args, locals, ...; help\n" +
					"lists them). `save FILE` writes the session as a script that godbg run replays.\n" +
					"On a terminal: a prompt, history, tab completion, Ctrl-C stops the running\n" +
					"program. From a pipe the lines run with no prompt. q or end of input ends the\n" +
					"session: a launched program is killed, an attached one detached.\n\n" +
					"Examples:\n" +
					"   godbg debug ./prog arg1\n" +
					"   godbg debug -p 4242\n" +
					"   godbg debug ./prog < commands.txt",
				Flags: append([]cli.Flag{
					&cli.IntFlag{Name: "p", Usage: "attach to the running process `PID` instead of launching a program"},
				}, sessionFlags...),
				OnUsageError: onUsage,
				Action:       debugAction,
			},
			{
				Name:      "syms",
				Usage:     "list PROGRAM's symbols matching GLOB: address, size, kind, name",
				ArgsUsage: "PROGRAM [GLOB]",
				Flags:     []cli.Flag{debugDirFlag},
				Description: "GLOB has * ? [...] (default: every symbol). Addresses are link-time ones.\n\n" +
					"Example:\n" +
					"   godbg syms ./prog 'main.*'",
				OnUsageError: onUsage,
				Action: func(c *cli.Context) error {
					if c.NArg() < 1 || c.NArg() > 2 {
						return usagef("syms: want PROGRAM [GLOB] (see godbg syms --help)")
					}
					setDebugDirs(c)
					return lua.ListSymbols(c.App.Writer, c.Args().Get(0), c.Args().Get(1))
				},
			},
			{
				Name:      "disas",
				Usage:     "disassemble SYMBOL of PROGRAM, Delve's disass style",
				ArgsUsage: "PROGRAM SYMBOL",
				Flags:     []cli.Flag{debugDirFlag},
				Description: "Example:\n" +
					"   godbg disas ./prog main.BreakMe",
				OnUsageError: onUsage,
				Action: func(c *cli.Context) error {
					if c.NArg() != 2 {
						return usagef("disas: want PROGRAM SYMBOL (see godbg disas --help)")
					}
					setDebugDirs(c)
					return lua.Disassemble(c.App.Writer, c.Args().Get(0), c.Args().Get(1))
				},
			},
			{
				Name:         "scripts",
				Usage:        "list the bundled recipes and their parameters, or show one recipe's help",
				ArgsUsage:    "[RECIPE]",
				Description:  "Examples:\n   godbg scripts\n   godbg scripts latency",
				OnUsageError: onUsage,
				Action: func(c *cli.Context) error {
					if c.NArg() > 1 {
						return usagef("scripts: want at most one RECIPE (see godbg scripts)")
					}
					if name := c.Args().First(); name != "" {
						for _, r := range lua.Recipes() {
							if r.Name == name {
								fmt.Fprint(c.App.Writer, r.Help)
								return nil
							}
						}
						return usagef("scripts: no bundled recipe %q (see godbg scripts)", name)
					}
					for _, r := range lua.Recipes() {
						fmt.Fprintf(c.App.Writer, "%-12s %s\n", r.Name, r.Header)
						for _, p := range r.Params {
							fmt.Fprintf(c.App.Writer, "%-12s   -a %s=%s\n", "", p.Key, p.Help)
						}
					}
					return nil
				},
			},
		},
	}
}

// unknownCommand is the app's action: help without arguments, else the
// command is unknown, with the nearest one suggested (godbg rn: run).
func unknownCommand(c *cli.Context) error {
	if c.NArg() == 0 {
		return cli.ShowAppHelp(c)
	}
	msg := fmt.Sprintf("unknown command %q", c.Args().First())
	if cli.SuggestCommand != nil {
		if s := cli.SuggestCommand(c.App.Commands, c.Args().First()); s != "" {
			msg += ". " + s
		}
	}
	return usagef("%s (godbg --help lists the commands)", msg)
}

// session reads the flags shared by run and attach.
func session(c *cli.Context) (lua.Config, func(), error) {
	cfg := lua.Config{Params: map[string]string{}, Out: c.App.Writer, Stderr: c.App.ErrWriter, Timeout: c.Duration("timeout"), NoDisplacedStep: c.Bool("no-displaced"), Seccomp: c.Bool("seccomp"),
		FollowForks: c.Bool("follow-forks")}
	if err := lua.CheckWatchKind(c.String("watch")); err != nil {
		return cfg, nil, usagef("--watch: %v", err)
	}
	cfg.WatchKind = c.String("watch")
	setDebugDirs(c)
	for _, kv := range c.StringSlice("a") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return cfg, nil, usagef("-a %q: want KEY=VALUE", kv)
		}
		cfg.Params[k] = v
	}
	closeOut := func() {}
	if path := c.String("o"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return cfg, nil, fmt.Errorf("-o: %w", err)
		}
		cfg.Out = f
		closeOut = func() { f.Close() }
	}
	return cfg, closeOut, nil
}

func runAction(c *cli.Context) error {
	// First: from here on SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGPIPE wait
	// for the session instead of killing godbg in the middle of the launch
	// (see lua.CatchSignals). syms, disas and scripts keep the default
	// actions: Ctrl-C and a closed pipe end them at once.
	lua.CatchSignals()
	args := c.Args().Slice()
	code := c.String("e")
	inline := c.IsSet("e")
	if !inline {
		if len(args) < 2 {
			return usagef("run: want SCRIPT PROGRAM [ARGS...] (see godbg run --help)")
		}
	} else if len(args) < 1 {
		return usagef("run: want -e 'CODE' PROGRAM [ARGS...] (see godbg run --help)")
	}
	cfg, closeOut, err := session(c)
	if err != nil {
		return err
	}
	defer closeOut()
	cfg.Code, cfg.Inline = code, inline
	if !inline {
		cfg.Script, args = args[0], args[1:]
	}
	if cfg.Program, err = lookPath(args[0]); err != nil {
		return err
	}
	cfg.Args = args[1:]
	return status(lua.Run(cfg))
}

func attachAction(c *cli.Context) error {
	lua.CatchSignals() // first, as in runAction: none of the attach is left unguarded
	inline := c.IsSet("e")
	want := 2
	if inline {
		want = 1
	}
	if c.NArg() != want {
		if inline {
			return usagef("attach: want -e 'CODE' PID (see godbg attach --help)")
		}
		return usagef("attach: want SCRIPT PID (see godbg attach --help)")
	}
	arg := c.Args().Get(want - 1)
	pid, err := strconv.Atoi(arg)
	if err != nil || pid <= 0 {
		return usagef("attach: %q is not a process id", arg)
	}
	cfg, closeOut, err := session(c)
	if err != nil {
		return err
	}
	defer closeOut()
	cfg.Pid = pid
	if inline {
		cfg.Code, cfg.Inline = c.String("e"), true
	} else {
		cfg.Script = c.Args().Get(0)
	}
	return status(lua.Run(cfg))
}

func debugAction(c *cli.Context) error {
	pid := c.Int("p")
	switch {
	case c.IsSet("p") && (pid <= 0 || c.NArg() > 0):
		return usagef("debug: want -p PID alone, PID a process id (see godbg debug --help)")
	case !c.IsSet("p") && c.NArg() < 1:
		return usagef("debug: want PROGRAM [ARGS...] or -p PID (see godbg debug --help)")
	}
	cfg, closeOut, err := session(c)
	if err != nil {
		return err
	}
	defer closeOut()
	if pid > 0 {
		cfg.Pid = pid
	} else {
		if cfg.Program, err = lookPath(c.Args().First()); err != nil {
			return err
		}
		cfg.Args = c.Args().Tail()
	}
	return status(lua.Debug(cfg, lua.Input{In: os.Stdin, Terminal: lua.IsTerminal(os.Stdin)}))
}

// lookPath finds a PROGRAM given without a / on PATH, as a shell does (a
// file of that name in the current folder is not taken: ./NAME is).
func lookPath(name string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	p, err := exec.LookPath(name)
	if err == nil {
		return p, nil
	}
	if strings.HasPrefix(name, "-") {
		// godbg run count -a func=x ./prog: flags after the script.
		return "", fmt.Errorf("program %s: not found; godbg's own flags go before the script or recipe (godbg run -a KEY=VALUE SCRIPT PROGRAM)", name)
	}
	if st, serr := os.Stat(name); serr == nil && !st.IsDir() {
		return "", fmt.Errorf("program %s: not found on PATH (for the file in this folder, write ./%s)", name, name)
	}
	return "", fmt.Errorf("program %s: not found on PATH", name)
}

func status(s int) error {
	if s == 0 {
		return nil
	}
	return &statusError{s}
}

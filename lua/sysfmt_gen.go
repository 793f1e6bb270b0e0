//go:build ignore

// sysfmt_gen writes sysfmt_table.go, the named constants of the sysfmt Lua
// module (require("sysfmt.consts"), built from these tables):
// errno names and messages, signal names, and the flag and value sets the
// decoders print by name. Nothing in it is typed by hand; it reads
//
//   - golang.org/x/sys/unix from the module cache (the version go.mod
//     requires): zerrors_linux.go, zerrors_linux_amd64.go, ztypes_linux.go and
//     ztypes_linux_amd64.go, the constants
//     (O_*, PROT_*, MAP_*, CLONE_*, ...), errorList (errno names and
//     messages) and signalList (signal names);
//   - the C headers of Linux's uapi and glibc where x/sys/unix has no
//     names (SA_*, ARCH_*, FUTEX_*, POSIX_FADV_*, R_OK...): the files of
//     headerSources, under -include (default /usr/include).
//
// Run from lua/ (go generate ./lua):
//
//	go run sysfmt_gen.go -o sysfmt_table.go
//
// A set lists its constants by value, except that a flag containing the
// bits of another comes before it and the names of a set's `last` come
// last: strace's order (O_RDONLY|O_CLOEXEC|O_DIRECTORY, O_SYNC before
// O_DSYNC).
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"log"
	"math/bits"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// set is one named set of constants in sysfmt_table.go.
type set struct {
	name     string   // the Lua field
	prefixes []string // constants whose name starts with one of these (a whole name is one too)
	exclude  []string // names left out: aliases strace does not print, masks, sizes
	last     []string // names listed after the others (strace's order)
	keepZero bool     // keep a constant of value 0 (a flag of 0 never shows)
	enum     bool     // values, not flags: kept at 0, listed by value only
}

var sets = []set{
	{name: "open_flags", prefixes: []string{"O_"}, exclude: []string{"O_ACCMODE", "O_RDONLY", "O_WRONLY", "O_RDWR", "O_NDELAY", "O_FSYNC", "O_RSYNC"}, last: []string{"O_TMPFILE", "O_DIRECTORY"}},
	{name: "open_accmode", prefixes: []string{"O_RDONLY", "O_WRONLY", "O_RDWR"}, enum: true},
	{name: "prot", prefixes: []string{"PROT_"}, exclude: []string{"PROT_NONE"}},
	{name: "map_type", prefixes: []string{"MAP_SHARED", "MAP_PRIVATE"}, enum: true},
	{name: "map_flags", prefixes: []string{"MAP_"}, exclude: []string{"MAP_SHARED", "MAP_PRIVATE", "MAP_SHARED_VALIDATE", "MAP_TYPE", "MAP_ANON", "MAP_FILE", "MAP_HUGE_", "MAP_DROPPABLE"}},
	{name: "at_flags", prefixes: []string{"AT_"}, exclude: []string{"AT_FDCWD", "AT_EACCESS", "AT_REMOVEDIR", "AT_STATX_", "AT_RECURSIVE"}},
	{name: "at_statx_sync", prefixes: []string{"AT_STATX_"}, enum: true},
	{name: "access_mode", prefixes: []string{"R_OK", "W_OK", "X_OK"}},
	{name: "seek", prefixes: []string{"SEEK_"}, exclude: []string{"SEEK_MAX"}, enum: true},
	{name: "fcntl_cmd", prefixes: []string{"F_"}, exclude: []string{"F_OK", "F_LOCK", "F_TLOCK", "F_ULOCK", "F_TEST", "F_RDLCK", "F_WRLCK", "F_UNLCK", "F_EXLCK", "F_SHLCK", "F_SEAL_", "F_GETLK64", "F_SETLK64", "F_SETLKW64"}, enum: true},
	{name: "fd_flags", prefixes: []string{"FD_CLOEXEC"}},
	{name: "grnd", prefixes: []string{"GRND_"}},
	{name: "rlimit", prefixes: []string{"RLIMIT_"}, enum: true},
	{name: "s_ifmt", prefixes: []string{"S_IF"}, exclude: []string{"S_IFMT"}, enum: true},
	{name: "clone_flags", prefixes: []string{"CLONE_"}, exclude: []string{"CLONE_ARGS_SIZE_"}},
	{name: "sigprocmask_how", prefixes: []string{"SIG_BLOCK", "SIG_UNBLOCK", "SIG_SETMASK"}, enum: true},
	{name: "sa_flags", prefixes: []string{"SA_"}, exclude: []string{"SA_NOMASK", "SA_ONESHOT", "SA_UNSUPPORTED", "SA_EXPOSE_TAGBITS"}, last: []string{"SA_SIGINFO", "SA_NOCLDSTOP", "SA_NOCLDWAIT"}},
	{name: "arch_prctl", prefixes: []string{"ARCH_"}, enum: true},
	{name: "futex_op", prefixes: []string{"FUTEX_"}, exclude: []string{"FUTEX_PRIVATE_FLAG", "FUTEX_CLOCK_REALTIME", "FUTEX_CMD_MASK", "FUTEX_32", "FUTEX_WAITV_MAX", "FUTEX_OP_", "FUTEX_OWNER_DIED", "FUTEX_WAITERS", "FUTEX_TID_MASK", "FUTEX_BITSET_MATCH_ANY"}, enum: true},
	{name: "futex_flags", prefixes: []string{"FUTEX_PRIVATE_FLAG", "FUTEX_CLOCK_REALTIME"}},
	{name: "fadvise", prefixes: []string{"POSIX_FADV_"}, enum: true},
	{name: "madvise", prefixes: []string{"MADV_"}, enum: true},
	{name: "ioctl", prefixes: []string{"TCGETS", "TCSETS", "TCGETA", "TCSETA", "TCFLSH", "TCXONC", "TCSBRK", "TIOC", "FIO"}, exclude: []string{"TIOCM_", "TIOCPKT_", "TIOCSER_", "TCGETS2", "TCSETS2", "TCSETSW2", "TCSETSF2", "FIONREAD"}, enum: true},
	{name: "af", prefixes: []string{"AF_"}, exclude: []string{"AF_FILE", "AF_LOCAL", "AF_ROUTE", "AF_MAX"}, enum: true},
	{name: "sock_type", prefixes: []string{"SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET", "SOCK_DCCP", "SOCK_PACKET"}, enum: true},
	{name: "sock_flags", prefixes: []string{"SOCK_CLOEXEC", "SOCK_NONBLOCK"}},
	{name: "poll_events", prefixes: []string{"POLL"}, exclude: []string{"POLLRDNORM", "POLLRDBAND", "POLLWRNORM", "POLLWRBAND", "POLLMSG", "POLLREMOVE", "POLLRDHUP", "POLL_"}},
	{name: "epoll_ctl", prefixes: []string{"EPOLL_CTL_"}, enum: true},
	{name: "epoll_events", prefixes: []string{"EPOLL"}, exclude: []string{"EPOLL_"}},
	{name: "epoll_flags", prefixes: []string{"EPOLL_CLOEXEC"}},
	{name: "eventfd_flags", prefixes: []string{"EFD_"}, exclude: []string{"EFD_SEMAPHORE"}, last: []string{"EFD_NONBLOCK"}},
	{name: "clock", prefixes: []string{"CLOCK_"}, exclude: []string{"CLOCK_TXFROMRX", "CLOCK_TXINT", "CLOCK_EXT", "CLOCK_INT", "CLOCK_DEFAULT"}, enum: true},
	{name: "mremap", prefixes: []string{"MREMAP_"}},
	{name: "statx_mask", prefixes: []string{"STATX_"}, exclude: []string{"STATX_ALL", "STATX_BASIC_STATS", "STATX_ATTR_", "STATX__RESERVED", "STATX_WRITE_ATOMIC"}},
	{name: "prctl", prefixes: []string{"PR_SET_", "PR_GET_", "PR_CAPBSET_", "PR_CAP_AMBIENT", "PR_MCE_KILL", "PR_TASK_PERF"}, exclude: []string{"PR_SET_MM_", "PR_SET_VMA_", "PR_CAP_AMBIENT_", "PR_MCE_KILL_", "PR_SET_PTRACER_ANY"}, enum: true},
	{name: "si_code", prefixes: []string{"SI_"}, exclude: []string{"SI_MAX_SIZE", "SI_LOAD_SHIFT"}, enum: true},
	{name: "segv_code", prefixes: []string{"SEGV_"}, enum: true},
	{name: "bus_code", prefixes: []string{"BUS_"}, exclude: []string{"BUS_BLUETOOTH", "BUS_HIL", "BUS_USB", "BUS_VIRTUAL"}, enum: true},
	{name: "ill_code", prefixes: []string{"ILL_"}, enum: true},
	{name: "fpe_code", prefixes: []string{"FPE_"}, enum: true},
	{name: "trap_code", prefixes: []string{"TRAP_"}, exclude: []string{"TRAP_PERF_FLAG_ASYNC"}, enum: true},
	{name: "ipproto", prefixes: []string{"IPPROTO_"}, exclude: []string{"IPPROTO_HOPOPTS"}, enum: true},
	{name: "timer_flags", prefixes: []string{"TIMER_ABSTIME"}},
	{name: "ss_flags", prefixes: []string{"SS_ONSTACK", "SS_DISABLE", "SS_AUTODISARM"}},
}

// kernelValues are names whose value in the headers replaces x/sys's:
// glibc's O_LARGEFILE is 0 on x86-64, where the kernel sets its own
// 0100000 on every 64-bit open (fcntl(F_GETFL) shows it).
var kernelValues = map[string]string{"O_LARGEFILE": "asm-generic/fcntl.h"}

// headerSources are the C headers read for constants x/sys/unix lacks.
var headerSources = []string{
	"asm-generic/signal-defs.h",     // SA_*
	"x86_64-linux-gnu/asm/signal.h", // SA_RESTORER
	"linux/signal.h",                // SS_*
	"x86_64-linux-gnu/asm/prctl.h",  // ARCH_*
	"linux/futex.h",                 // FUTEX_*
	"linux/fadvise.h",               // POSIX_FADV_*
	"unistd.h",                      // R_OK, W_OK, X_OK (glibc)
	"asm-generic/poll.h",            // POLL*
	"linux/eventpoll.h",             // EPOLL*
	"linux/mman.h",                  // MREMAP_*
	"asm-generic/siginfo.h",         // SI_*, SEGV_*, BUS_*, ILL_*, FPE_*, TRAP_*
	"asm-generic/ioctls.h",          // FIOCLEX, FIONCLEX
}

type konst struct {
	name string
	val  int64
}

func main() {
	out := flag.String("o", "sysfmt_table.go", "output file")
	include := flag.String("include", "/usr/include", "the C headers' root")
	flag.Parse()
	dir, version := sysDir()
	consts := map[string]int64{}
	errnos := map[int64][2]string{}
	signals := map[int64]string{}
	for _, f := range []string{"zerrors_linux.go", "zerrors_linux_amd64.go", "ztypes_linux.go", "ztypes_linux_amd64.go"} {
		readGo(filepath.Join(dir, f), consts, errnos, signals)
	}
	for _, h := range headerSources {
		readHeader(filepath.Join(*include, h), consts)
	}
	for name, h := range kernelValues {
		k := map[string]int64{}
		readHeader(filepath.Join(*include, h), k)
		v, ok := k[name]
		if !ok {
			log.Fatalf("%s: no %s", h, name)
		}
		consts[name] = v
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by sysfmt_gen.go; DO NOT EDIT.\n")
	fmt.Fprintf(&b, "// Sources: golang.org/x/sys/unix %s (zerrors_linux*.go, ztypes_linux*.go:\n", version)
	fmt.Fprintf(&b, "// the constants, errorList, signalList) and the C headers under %s:\n", *include)
	fmt.Fprintf(&b, "// %s.\n", strings.Join(append(headerSources, "asm-generic/fcntl.h"), ", "))
	fmt.Fprintf(&b, "// Regenerate: go generate ./lua (go run sysfmt_gen.go -o sysfmt_table.go)\n\n")
	b.WriteString("package lua\n\n")
	b.WriteString("// sysfmtErrnos are the errnos' names and messages, the message as\n// strerror(3) words it.\n")
	b.WriteString("var sysfmtErrnos = map[int][2]string{\n")
	for _, n := range sortedKeys(errnos) {
		e := errnos[n]
		fmt.Fprintf(&b, "\t%d: {%q, %q},\n", n, e[0], e[1])
	}
	b.WriteString("}\n\n// sysfmtSignals are the signals' names.\nvar sysfmtSignals = map[int]string{\n")
	for _, n := range sortedKeys(signals) {
		fmt.Fprintf(&b, "\t%d: %q,\n", n, signals[n])
	}
	b.WriteString("}\n\n// sysfmtSets are the named sets, each in strace's order.\nvar sysfmtSets = []sysfmtSet{\n")
	for _, s := range sets {
		ks := pick(s, consts)
		if len(ks) == 0 {
			log.Fatalf("set %s: no constants", s.name)
		}
		fmt.Fprintf(&b, "\t{%q, []sysfmtConst{", s.name)
		for i, k := range ks {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "{%q, %d}", k.name, k.val)
		}
		b.WriteString("}},\n")
	}
	b.WriteString("}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		log.Fatal(err)
	}
	b.Reset()
	b.Write(src)
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}

// sysDir is golang.org/x/sys/unix's folder in the module cache, for the
// version go.mod requires.
func sysDir() (dir, version string) {
	b, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}} {{.Version}}", "golang.org/x/sys").Output()
	if err != nil {
		log.Fatalf("go list -m golang.org/x/sys: %v", err)
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		log.Fatalf("go list -m golang.org/x/sys: %q", b)
	}
	return filepath.Join(f[0], "unix"), f[1]
}

// readGo reads the constants of a zerrors file and, where it has them,
// errorList and signalList.
func readGo(path string, consts map[string]int64, errnos map[int64][2]string, signals map[int64]string) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, sp := range g.Specs {
			vs, ok := sp.(*ast.ValueSpec)
			if !ok || len(vs.Values) != len(vs.Names) {
				continue
			}
			for i, n := range vs.Names {
				switch g.Tok {
				case token.CONST:
					if v, ok := intLit(vs.Values[i]); ok {
						consts[n.Name] = v
					}
				case token.VAR:
					cl, ok := vs.Values[i].(*ast.CompositeLit)
					if !ok || (n.Name != "errorList" && n.Name != "signalList") {
						continue
					}
					for _, e := range cl.Elts {
						el := e.(*ast.CompositeLit).Elts
						num, _ := intLit(el[0])
						name, _ := strconv.Unquote(el[1].(*ast.BasicLit).Value)
						desc, _ := strconv.Unquote(el[2].(*ast.BasicLit).Value)
						if n.Name == "errorList" {
							// x/sys words them in lower case; strerror(3), which
							// strace prints, starts with a capital.
							errnos[num] = [2]string{name, strings.ToUpper(desc[:1]) + desc[1:]}
						} else {
							signals[num] = name
						}
					}
				}
			}
		}
	}
}

func intLit(e ast.Expr) (int64, bool) {
	neg := false
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.SUB {
		neg, e = true, u.X
	}
	if c, ok := e.(*ast.CallExpr); ok && len(c.Args) == 1 { // syscall.Errno(0x1)
		e = c.Args[0]
	}
	bl, ok := e.(*ast.BasicLit)
	if !ok || bl.Kind != token.INT {
		return 0, false
	}
	u, err := strconv.ParseUint(bl.Value, 0, 64)
	if err != nil || u > 1<<53 {
		return 0, false // beyond a Lua number's exact integers (RLIM_INFINITY): the decoders name those
	}
	if neg {
		return -int64(u), true
	}
	return int64(u), true
}

var define = regexp.MustCompile(`^#\s*define\s+([A-Z_][A-Z0-9_]*)\s+(\(?[-0-9A-Za-z_x]+\)?)\s*(?:/\*.*)?$`)

// readHeader reads `#define NAME VALUE` lines: a number, or the name of
// a constant already read. A name x/sys/unix has keeps x/sys's value.
func readHeader(path string, consts map[string]int64) {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := define.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		if _, ok := consts[m[1]]; ok {
			continue
		}
		v := strings.Trim(m[2], "()")
		if n, err := strconv.ParseInt(strings.TrimRight(v, "UL"), 0, 64); err == nil {
			consts[m[1]] = n
		} else if n, ok := consts[v]; ok {
			consts[m[1]] = n
		}
	}
}

func pick(s set, consts map[string]int64) []konst {
	var ks []konst
	has := func(list []string, name string, prefix bool) bool {
		for _, p := range list {
			if name == p || (prefix && strings.HasSuffix(p, "_") && strings.HasPrefix(name, p)) {
				return true
			}
		}
		return false
	}
	for name, v := range consts {
		match := false
		for _, p := range s.prefixes {
			if strings.HasPrefix(name, p) {
				match = true
			}
		}
		if !match || has(s.exclude, name, true) || (v == 0 && !s.keepZero && !s.enum) {
			continue
		}
		ks = append(ks, konst{name, v})
	}
	last := func(k konst) int {
		for i, n := range s.last {
			if n == k.name {
				return i + 1
			}
		}
		return 0
	}
	sort.Slice(ks, func(i, j int) bool {
		li, lj := last(ks[i]), last(ks[j])
		if li != lj {
			return li < lj
		}
		if ks[i].val != ks[j].val {
			return uint64(ks[i].val) < uint64(ks[j].val)
		}
		return ks[i].name < ks[j].name
	})
	// A flag holding another's bits comes just before it (O_SYNC, which
	// includes O_DSYNC), so that decoding names the wider one.
	for i := 0; i < len(ks) && !s.enum; i++ {
		for j := 0; j < i; j++ {
			a, b := ks[i].val, ks[j].val
			if bits.OnesCount64(uint64(a)) > 1 && a&b == b && a != b && b != 0 && last(ks[i]) == last(ks[j]) {
				k := ks[i]
				copy(ks[j+1:i+1], ks[j:i])
				ks[j] = k
				break
			}
		}
	}
	return ks
}

func sortedKeys[V any](m map[int64]V) []int64 {
	var ks []int64
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	return ks
}

//go:build ignore

// sigs_gen writes sigs_table.go: for every x86-64 system call number,
// its kernel entry point and the width, signedness and kind of each
// parameter, read from the kernel's own headers. Debian ships them in two
// packages (apt-get download linux-headers-VERSION-common
// linux-headers-VERSION-amd64; dpkg-deb -x each):
//
//	go run sigs_gen.go -common DIR -arch DIR -version 'linux-headers-6.1.0-57 (6.1.192-3)'
//
// where -common is the -common package's /usr/src/linux-headers-*-common and
// -arch the -amd64 package's /usr/src/linux-headers-*-amd64. It reads:
//
//   - ARCH/arch/x86/include/generated/asm/syscalls_64.h: the x86-64 table,
//     `__SYSCALL(nr, sys_entry)` lines (stat is sys_newstat, number 134 is
//     sys_ni_syscall...);
//   - COMMON/include/linux/syscalls.h: the prototypes, `asmlinkage long
//     sys_openat(int dfd, const char __user *filename, int flags, umode_t
//     mode);`, its #ifdef CONFIG_* blocks (the three sys_clone argument
//     orders) chosen by ARCH/.config;
//   - the typedefs of typeHeaders below, to bring umode_t, pid_t, size_t...
//     down to C base types, whose sizes are those of the x86-64 LP64 ABI.
//
// Five x86-64 calls have no prototype in syscalls.h; x86Protos gives theirs,
// from the SYSCALL_DEFINE of the kernel file named beside each.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// typeHeaders are read for typedefs in this order; the first definition of
// a name wins, so the x86-64 one comes before the generic fallback of
// posix_types.h (`#ifndef __kernel_old_uid_t ...`).
var typeHeaders = []string{
	"arch/x86/include/uapi/asm/posix_types_64.h",
	"include/uapi/asm-generic/posix_types.h",
	"include/uapi/linux/posix_types.h",
	"include/uapi/asm-generic/int-ll64.h",
	"include/asm-generic/int-ll64.h",
	"include/linux/types.h",
	"include/uapi/linux/fs.h",
	"include/linux/fs.h",
	"include/uapi/linux/aio_abi.h",
	"include/uapi/linux/capability.h",
	"include/linux/key.h",
	"include/linux/quota.h",
	"include/uapi/asm-generic/signal-defs.h",
}

// x86Protos are the x86-64 calls that include/linux/syscalls.h does not
// declare, written as it would, from their definitions in Linux 6.1.
var x86Protos = []string{
	// arch/x86/kernel/sys_x86_64.c: SYSCALL_DEFINE6(mmap, ...)
	"asmlinkage long sys_mmap(unsigned long addr, unsigned long len, unsigned long prot, unsigned long flags, unsigned long fd, unsigned long off);",
	// arch/x86/kernel/process_64.c: SYSCALL_DEFINE2(arch_prctl, ...)
	"asmlinkage long sys_arch_prctl(int option, unsigned long arg2);",
	// arch/x86/kernel/ioport.c: SYSCALL_DEFINE1(iopl, ...)
	"asmlinkage long sys_iopl(unsigned int level);",
	// arch/x86/kernel/ldt.c: SYSCALL_DEFINE3(modify_ldt, ...)
	"asmlinkage long sys_modify_ldt(int func, void __user *ptr, unsigned long bytecount);",
	// arch/x86/kernel/signal.c: SYSCALL_DEFINE0(rt_sigreturn)
	"asmlinkage long sys_rt_sigreturn(void);",
}

// retAddr are the calls whose result is an address, not a count: strace
// prints them in hex (its RVAL_HEX decoders of mmap, brk, mremap, shmat).
// Every prototype says long, so this cannot come from the header.
var retAddr = map[string]bool{"sys_mmap": true, "sys_brk": true, "sys_mremap": true, "sys_shmat": true}

// addrNames are the unsigned long parameters that carry a user address
// (the memory calls take addresses as integers: munmap(unsigned long addr,
// size_t len)); they read as pointers.
var addrNames = map[string]bool{"addr": true, "start": true, "brk": true, "new_addr": true}

// base are the C base types on x86-64 (System V ABI, LP64): size, signed.
// char is signed there.
var base = map[string]struct {
	size   int
	signed bool
}{
	"char": {1, true}, "signed char": {1, true}, "unsigned char": {1, false}, "_Bool": {1, false},
	"short": {2, true}, "signed short": {2, true}, "unsigned short": {2, false},
	"int": {4, true}, "signed int": {4, true}, "signed": {4, true}, "unsigned int": {4, false}, "unsigned": {4, false},
	"long": {8, true}, "signed long": {8, true}, "unsigned long": {8, false},
	"long long": {8, true}, "signed long long": {8, true}, "unsigned long long": {8, false},
}

type typedef struct {
	words []string // the type it names, qualifiers dropped
	ptr   bool     // a pointer (to anything, a function included)
	fn    bool     // a function type
	file  string
}

type param struct {
	name, ctype string
	size        int
	signed      bool
	kind        string
}

func main() {
	common := flag.String("common", "", "the linux-headers-*-common folder (include/linux/syscalls.h)")
	arch := flag.String("arch", "", "the linux-headers-*-amd64 folder (.config, arch/x86/include/generated/asm/syscalls_64.h)")
	version := flag.String("version", "", "the headers' package and kernel version, named in the output")
	out := flag.String("o", "sigs_table.go", "the Go file to write")
	flag.Parse()
	if *common == "" || *arch == "" || *version == "" {
		log.Fatal("usage: go run sigs_gen.go -common DIR -arch DIR -version TEXT")
	}
	config := readConfig(filepath.Join(*arch, ".config"))
	entries := readEntries(filepath.Join(*arch, "arch/x86/include/generated/asm/syscalls_64.h"))
	types := map[string]typedef{}
	for _, h := range typeHeaders {
		readTypedefs(filepath.Join(*common, h), h, config, types)
	}
	protoFile := filepath.Join(*common, "include/linux/syscalls.h")
	protos := readProtos(string(preprocess(protoFile, config)))
	for name, ps := range readProtos(strings.Join(x86Protos, "\n")) {
		if _, ok := protos[name]; ok {
			log.Fatalf("%s: declared in syscalls.h now: drop it from x86Protos", name)
		}
		protos[name] = ps
	}

	nrs := make([]int, 0, len(entries))
	for nr := range entries {
		nrs = append(nrs, nr)
	}
	sort.Ints(nrs)
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by sigs_gen.go from the Linux headers of %s; DO NOT EDIT.\n", *version)
	b.WriteString("// Sources: include/linux/syscalls.h (prototypes), arch/x86/include/generated/asm/syscalls_64.h\n")
	b.WriteString("// (numbers), .config (#ifdef CONFIG_*), the typedef headers listed in sigs_gen.go.\n")
	fmt.Fprintf(&b, "// Regenerate: go run sigs_gen.go -common linux-headers-*-common -arch linux-headers-*-amd64 -version %q\n\n", *version)
	b.WriteString("package syscalls\n\n")
	b.WriteString("// sigs are the x86-64 system calls' prototypes, by number.\n")
	b.WriteString("var sigs = [...]Sig{\n")
	for _, nr := range nrs {
		entry := entries[nr]
		if entry == "sys_ni_syscall" {
			fmt.Fprintf(&b, "\t%d: {Entry: %q},\n", nr, entry)
			continue
		}
		raw, ok := protos[entry]
		if !ok {
			log.Fatalf("%d %s: no prototype in %s", nr, entry, protoFile)
		}
		ret := "ArgInt"
		if retAddr[entry] {
			ret = "ArgPtr"
		}
		fmt.Fprintf(&b, "\t%d: {Entry: %q, Ret: %s, Params: []Param{", nr, entry, ret)
		for i, r := range raw {
			p, err := resolve(r, types)
			if err != nil {
				log.Fatalf("%s parameter %d (%q): %v", entry, i+1, r, err)
			}
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "{%q, %q, %d, %v, %s}", p.name, p.ctype, p.size, p.signed, p.kind)
		}
		b.WriteString("}},\n")
	}
	b.WriteString("}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatal(err)
	}
}

// readConfig reads the CONFIG_ options set (=y or =m) in a kernel .config.
func readConfig(path string) map[string]bool {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	set := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok && strings.HasPrefix(k, "CONFIG_") && v != "n" {
			set[k] = true
		}
	}
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
	return set
}

var entryLine = regexp.MustCompile(`^__SYSCALL\((\d+),\s*(\w+)\)`)

// readEntries reads the x86-64 table: number -> entry point.
func readEntries(path string) map[int]string {
	b, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	m := map[int]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if s := entryLine.FindStringSubmatch(l); s != nil {
			nr, _ := strconv.Atoi(s[1])
			m[nr] = s[2]
		}
	}
	if len(m) < 300 {
		log.Fatalf("%s: only %d entries", path, len(m))
	}
	return m
}

var (
	comments = regexp.MustCompile(`(?s)/\*.*?\*/|//[^\n]*`)
	ifdef    = regexp.MustCompile(`^#\s*(ifdef|ifndef)\s+(\w+)`)
	ifdefd   = regexp.MustCompile(`^#\s*if\s+defined\s*\(?\s*(CONFIG_\w+)\s*\)?\s*$`)
	ifexpr   = regexp.MustCompile(`^#\s*if\s+(.*)$`)
)

// facts are the #if conditions on the word size that the headers test,
// as they are on x86-64.
var facts = map[string]int{
	"__BITS_PER_LONG != 64": 0,
	"__BITS_PER_LONG == 64": 1,
	"BITS_PER_LONG == 32":   0,
	"BITS_PER_LONG == 64":   1,
}

// preprocess drops the lines of a header that #ifdef CONFIG_X blocks
// exclude for this .config, and those of the word-size conditions of facts.
// Other conditions (__ARCH_WANT_STAT64, #ifndef __kernel_pid_t) keep both
// branches: in syscalls.h they only guard calls that x86-64 does not have,
// and a call declared twice differently is an error; in the typedef headers
// the first definition wins.
// CONFIG_ARCH_HAS_SYSCALL_WRAPPER is taken as unset: with it x86-64 enters
// each call through a pt_regs wrapper and the header does not compile the
// declarations, but they are still the SYSCALL_DEFINE signatures.
func preprocess(path string, config map[string]bool) []byte {
	src, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	text := comments.ReplaceAllString(strings.ReplaceAll(string(src), "\\\n", " "), " ")
	// state per open #if: 1 keep this branch, 0 drop it, -1 unknown (keep both)
	var stack []int
	active := func() bool {
		for _, s := range stack {
			if s == 0 {
				return false
			}
		}
		return true
	}
	known := func(opt string) int {
		if opt == "CONFIG_ARCH_HAS_SYSCALL_WRAPPER" {
			return 0
		}
		if strings.HasPrefix(opt, "CONFIG_") {
			if config[opt] {
				return 1
			}
			return 0
		}
		return -1
	}
	var out bytes.Buffer
	for _, l := range strings.Split(text, "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "#") {
			d := strings.Fields(strings.TrimSpace(t[1:]) + " ")[0]
			switch {
			case ifdef.MatchString(t):
				m := ifdef.FindStringSubmatch(t)
				s := known(m[2])
				if m[1] == "ifndef" && s >= 0 {
					s = 1 - s
				}
				stack = append(stack, s)
			case ifdefd.MatchString(t):
				stack = append(stack, known(ifdefd.FindStringSubmatch(t)[1]))
			case d == "if":
				s, ok := facts[strings.Join(strings.Fields(ifexpr.FindStringSubmatch(t)[1]), " ")]
				if !ok {
					s = -1
				}
				stack = append(stack, s)
			case d == "else":
				if s := stack[len(stack)-1]; s >= 0 {
					stack[len(stack)-1] = 1 - s
				}
			case d == "elif":
				stack[len(stack)-1] = -1
			case d == "endif":
				stack = stack[:len(stack)-1]
			}
			continue
		}
		if active() {
			out.WriteString(l)
			out.WriteByte('\n')
		}
	}
	return out.Bytes()
}

var protoRe = regexp.MustCompile(`asmlinkage\s+long\s+(sys_\w+)\s*\(([^)]*)\)\s*;`)

// readProtos reads the prototypes: entry -> its parameters' text.
func readProtos(text string) map[string][]string {
	m := map[string][]string{}
	for _, s := range protoRe.FindAllStringSubmatch(text, -1) {
		var ps []string
		if list := strings.Join(strings.Fields(s[2]), " "); list != "void" && list != "" {
			for _, p := range strings.Split(list, ",") {
				ps = append(ps, strings.TrimSpace(p))
			}
		}
		if old, ok := m[s[1]]; ok && strings.Join(old, ",") != strings.Join(ps, ",") {
			log.Fatalf("%s declared twice: (%s) and (%s)", s[1], strings.Join(old, ", "), strings.Join(ps, ", "))
		}
		m[s[1]] = ps
	}
	return m
}

var (
	token      = regexp.MustCompile(`\w+|\*|\(|\)|\[|\]|\{|\}|;|,`)
	attributes = regexp.MustCompile(`__attribute__\s*\(\([^;]*?\)\)|__aligned\([^)]*\)`)
)

// qualifiers are dropped from types: they change neither width nor sign.
var qualifiers = map[string]bool{
	"const": true, "volatile": true, "__user": true, "restrict": true, "__restrict": true,
	"__bitwise": true, "__bitwise__": true, "__extension__": true, "__force": true, "typedef": true,
}

// readTypedefs adds the file's typedefs at brace depth 0 to types (the
// first definition of a name wins).
func readTypedefs(path, rel string, config map[string]bool, types map[string]typedef) {
	text := attributes.ReplaceAllString(string(preprocess(path, config)), " ")
	toks := token.FindAllString(text, -1)
	depth := 0
	for i := 0; i < len(toks); i++ {
		switch toks[i] {
		case "{":
			depth++
			continue
		case "}":
			depth--
			continue
		}
		if depth != 0 || toks[i] != "typedef" {
			continue
		}
		// The statement up to its ';' at depth 0.
		j, d := i+1, 0
		for ; j < len(toks) && (d > 0 || toks[j] != ";"); j++ {
			switch toks[j] {
			case "{":
				d++
			case "}":
				d--
			}
		}
		stmt := toks[i+1 : j]
		i = j
		name, td, ok := parseTypedef(stmt)
		if !ok {
			continue
		}
		td.file = rel
		if _, seen := types[name]; !seen {
			types[name] = td
		}
	}
}

// parseTypedef reads the tokens of `typedef ...;` (without either).
func parseTypedef(stmt []string) (string, typedef, bool) {
	var ws []string
	for _, t := range stmt {
		if t == "__signed__" {
			t = "signed"
		}
		if !qualifiers[t] {
			ws = append(ws, t)
		}
	}
	if len(ws) < 2 {
		return "", typedef{}, false
	}
	// typedef struct tag { ... } __user *name;
	if k := indexOf(ws, "{"); k >= 0 {
		end := lastIndexOf(ws, "}")
		decl := ws[end+1:]
		if len(decl) == 0 {
			return "", typedef{}, false
		}
		name := decl[len(decl)-1]
		td := typedef{words: ws[:k], ptr: indexOf(decl, "*") >= 0}
		return name, td, true
	}
	// typedef void (*name)(int); or typedef void name(int);
	if k := indexOf(ws, "("); k >= 0 {
		if k+2 < len(ws) && ws[k+1] == "*" {
			return ws[k+2], typedef{ptr: true}, true
		}
		return ws[k-1], typedef{fn: true}, true
	}
	if indexOf(ws, "[") >= 0 || indexOf(ws, ",") >= 0 {
		return "", typedef{}, false
	}
	name := ws[len(ws)-1]
	rest := ws[:len(ws)-1]
	td := typedef{}
	for _, w := range rest {
		if w == "*" {
			td.ptr = true
		} else {
			td.words = append(td.words, w)
		}
	}
	return name, td, true
}

func indexOf(ws []string, w string) int {
	for i, x := range ws {
		if x == w {
			return i
		}
	}
	return -1
}

func lastIndexOf(ws []string, w string) int {
	for i := len(ws) - 1; i >= 0; i-- {
		if ws[i] == w {
			return i
		}
	}
	return -1
}

var keywords = map[string]bool{
	"char": true, "short": true, "int": true, "long": true, "signed": true, "unsigned": true,
	"void": true, "_Bool": true, "struct": true, "union": true, "enum": true,
}

// resolve reads one parameter of a prototype: its name, its C type, and the
// width, sign and kind the call reads it with.
func resolve(text string, types map[string]typedef) (param, error) {
	toks := token.FindAllString(text, -1)
	var ws []string // type words without qualifiers, '*' kept
	for _, t := range toks {
		if !qualifiers[t] {
			ws = append(ws, t)
		}
	}
	p := param{ctype: text}
	// A name is the last word when something else names the type: not
	// after '*', not a type keyword, not the tag of struct X.
	if n := len(ws); n >= 2 && ws[n-1] != "*" && !keywords[ws[n-1]] &&
		ws[n-2] != "struct" && ws[n-2] != "union" && ws[n-2] != "enum" {
		p.name = ws[n-1]
		ws = ws[:n-1]
		p.ctype = strings.TrimSpace(strings.TrimSuffix(text, p.name))
	}
	if indexOf(ws, "*") >= 0 {
		p.size, p.kind = 8, "ArgPtr"
		return p, nil
	}
	size, signed, ptr, err := width(ws, types, 0)
	if err != nil {
		return p, err
	}
	p.size, p.signed = size, signed
	switch {
	case ptr:
		p.kind = "ArgPtr"
	case isFD(p.name):
		// A descriptor, whatever its C type (close(unsigned int fd),
		// readv(unsigned long fd)): the kernel takes it as an int
		// (fdget(unsigned int)), strace prints it signed, -1 is -1.
		p.size, p.signed, p.kind = 4, true, "ArgFD"
	case size == 8 && !signed && addrNames[p.name]:
		p.kind = "ArgPtr"
	case signed:
		p.kind = "ArgInt"
	default:
		p.kind = "ArgUint"
	}
	return p, nil
}

// width brings type words down to a C base type.
func width(ws []string, types map[string]typedef, depth int) (size int, signed, ptr bool, err error) {
	if depth > 10 {
		return 0, false, false, fmt.Errorf("typedef loop at %v", ws)
	}
	key := strings.Join(ws, " ")
	if b, ok := base[key]; ok {
		return b.size, b.signed, false, nil
	}
	if len(ws) == 2 && ws[0] == "enum" {
		// GCC gives an enum without negative values the type unsigned int.
		return 4, false, false, nil
	}
	if len(ws) != 1 {
		return 0, false, false, fmt.Errorf("type %q is neither a C integer type nor a typedef", key)
	}
	td, ok := types[key]
	if !ok {
		return 0, false, false, fmt.Errorf("typedef %q not found in the typedef headers", key)
	}
	if td.ptr {
		return 8, false, true, nil
	}
	if td.fn {
		return 0, false, false, fmt.Errorf("%s: a function type by value", key)
	}
	return width(td.words, types, depth+1)
}

// isFD tells a file descriptor parameter by its name: fd, dfd, olddfd,
// newfd, epfd, pidfd, ufd, fd_in, fdout, fildes... (not max_fd, a bound).
func isFD(name string) bool {
	switch {
	case name == "max_fd":
		return false
	case name == "fildes", name == "fdin", name == "fdout":
		return true
	}
	return strings.HasSuffix(name, "fd") || strings.HasPrefix(name, "fd_")
}

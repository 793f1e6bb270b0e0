package symtab

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Separate debug information, found as gdb finds it ("Separate Debug
// Files" in the gdb manual): a program or library stripped of its DWARF
// (and often of .symtab) names the file that holds them
//
//   - by its build ID (.note.gnu.build-id): DIR/.build-id/xx/rest.debug
//     in each debug directory, the file's own build ID checked;
//   - by .gnu_debuglink (a file name and the CRC-32 of that file): in the
//     file's own folder, its .debug/ subfolder, then DIR/FOLDER/name in
//     each debug directory (FOLDER the file's absolute folder), the CRC
//     checked, so a stale debug file is never used.
//
// The debug directories are gdb's debug-file-directory: /usr/lib/debug
// (where Debian's -dbg and -dbgsym packages install), or the list the user
// sets (colon-separated) in GODBG_DEBUG_FILE_DIRECTORY or with
// SetDebugFileDirectories (godbg's --debug-file-directory), which replaces
// it as gdb's setting does.
//
// The debug file (objcopy --only-keep-debug) keeps the section headers and
// addresses of the original: its .symtab and DWARF describe the stripped
// file's file addresses unchanged. Code, .eh_frame and the program headers
// stay the stripped file's (the debug file's are NOBITS).

// DebugFileEnv is the environment variable that sets the debug directories.
const DebugFileEnv = "GODBG_DEBUG_FILE_DIRECTORY"

var (
	debugDirsMu  sync.Mutex
	debugDirs    []string
	debugDirsSet bool
)

// SetDebugFileDirectories sets the directories searched for separate debug
// files (nil: back to the default) for the files opened afterwards.
func SetDebugFileDirectories(dirs []string) {
	debugDirsMu.Lock()
	defer debugDirsMu.Unlock()
	debugDirs, debugDirsSet = dirs, dirs != nil
}

// DebugFileDirectories is the list in force: the one set, else
// $GODBG_DEBUG_FILE_DIRECTORY, else /usr/lib/debug.
func DebugFileDirectories() []string {
	debugDirsMu.Lock()
	defer debugDirsMu.Unlock()
	if debugDirsSet {
		return debugDirs
	}
	if env := os.Getenv(DebugFileEnv); env != "" {
		return SplitDebugDirs(env)
	}
	return []string{"/usr/lib/debug"}
}

// SplitDebugDirs splits a colon-separated list, dropping empty entries.
func SplitDebugDirs(s string) []string {
	var dirs []string
	for _, d := range strings.Split(s, ":") {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// debugFile is the separate debug file, looked up once when the file
// itself lacks DWARF or a .symtab; nil when there is none.
func (b *Binary) debugFile() *elf.File {
	if b.sepDone {
		return b.sep
	}
	b.sepDone = true
	if b.f.Section(".debug_info") != nil && b.f.Section(".symtab") != nil {
		return nil
	}
	for _, cand := range b.debugCandidates() {
		if f, osf := openDebugFile(cand.path, b.path, cand.check); f != nil {
			b.sep, b.sepOSF, b.sepPath = f, osf, cand.path
			return f
		}
	}
	return nil
}

// DebugFilePath is the separate debug file in use, or "".
func (b *Binary) DebugFilePath() string {
	b.debugFile()
	return b.sepPath
}

// DebugELF is the separate debug file in use (for its DWARF sections), or
// nil. It belongs to the Binary, as ELF does.
func (b *Binary) DebugELF() *elf.File { return b.debugFile() }

type debugCandidate struct {
	path  string
	check func(*os.File, *elf.File) bool
}

// debugCandidates lists where the debug file may be, in gdb's order.
func (b *Binary) debugCandidates() []debugCandidate {
	dirs := DebugFileDirectories()
	var out []debugCandidate
	if id := buildID(b.f); len(id) >= 2 {
		h := hex.EncodeToString(id)
		check := func(_ *os.File, f *elf.File) bool { return bytes.Equal(buildID(f), id) }
		for _, d := range dirs {
			out = append(out, debugCandidate{filepath.Join(d, ".build-id", h[:2], h[2:]+".debug"), check})
		}
	}
	name, crc, ok := debugLink(b.f)
	if !ok {
		return out
	}
	check := func(osf *os.File, _ *elf.File) bool {
		h := crc32.NewIEEE()
		if _, err := osf.Seek(0, io.SeekStart); err != nil {
			return false
		}
		if _, err := io.Copy(h, osf); err != nil {
			return false
		}
		return h.Sum32() == crc
	}
	var folders []string
	if abs, err := filepath.Abs(b.path); err == nil {
		folders = append(folders, filepath.Dir(abs))
		if real, err := filepath.EvalSymlinks(abs); err == nil && filepath.Dir(real) != filepath.Dir(abs) {
			folders = append(folders, filepath.Dir(real))
		}
	}
	for _, dir := range folders {
		out = append(out, debugCandidate{filepath.Join(dir, name), check},
			debugCandidate{filepath.Join(dir, ".debug", name), check})
	}
	for _, d := range dirs {
		for _, dir := range folders {
			out = append(out, debugCandidate{filepath.Join(d, dir, name), check})
		}
	}
	return out
}

// openDebugFile opens a candidate that is not the file itself and passes
// its check.
func openDebugFile(path, self string, check func(*os.File, *elf.File) bool) (*elf.File, *os.File) {
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return nil, nil
	} else if st2, err := os.Stat(self); err == nil && os.SameFile(st, st2) {
		return nil, nil
	}
	osf, err := os.Open(path)
	if err != nil {
		return nil, nil
	}
	f, err := safe(func() (*elf.File, error) { return elf.NewFile(osf) })
	if err != nil || f.Machine != elf.EM_X86_64 || !check(osf, f) {
		osf.Close()
		return nil, nil
	}
	return f, osf
}

// buildID is the descriptor of the NT_GNU_BUILD_ID note, or nil.
func buildID(f *elf.File) []byte {
	for _, s := range f.Sections {
		if s.Type != elf.SHT_NOTE {
			continue
		}
		data, err := s.Data()
		if err != nil {
			continue
		}
		// Elf64_Nhdr: namesz, descsz, type, then name and desc, each
		// padded to 4 bytes.
		for len(data) >= 12 {
			nsz := binary.LittleEndian.Uint32(data)
			dsz := binary.LittleEndian.Uint32(data[4:])
			typ := binary.LittleEndian.Uint32(data[8:])
			nend := 12 + (uint64(nsz)+3)&^3
			dend := nend + (uint64(dsz)+3)&^3
			if dend > uint64(len(data)) {
				break
			}
			if typ == 3 && nsz == 4 && string(data[12:15]) == "GNU" { // NT_GNU_BUILD_ID
				return data[nend : nend+uint64(dsz)]
			}
			data = data[dend:]
		}
	}
	return nil
}

// debugLink reads .gnu_debuglink: a NUL-terminated file name, padding to 4
// bytes, the CRC-32 of the debug file.
func debugLink(f *elf.File) (string, uint32, bool) {
	s := f.Section(".gnu_debuglink")
	if s == nil {
		return "", 0, false
	}
	data, err := s.Data()
	if err != nil {
		return "", 0, false
	}
	n := bytes.IndexByte(data, 0)
	if n <= 0 {
		return "", 0, false
	}
	off := (n + 4) &^ 3
	if off+4 > len(data) {
		return "", 0, false
	}
	return filepath.Base(string(data[:n])), binary.LittleEndian.Uint32(data[off:]), true
}

// govalsbig is a large Go program (about 20 MB: it links the HTTP server
// and client, TLS, JSON, XML, templates, go/types, image codecs, gopher-lua
// and pprof's profile reader) with one small
// function, inspect, whose locals the benchmark of locals() reads: the cost
// that matters is placing a pc and reading a frame in a big binary.
package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/bzip2"
	"crypto/ecdh"
	"crypto/x509"
	"database/sql"
	"debug/dwarf"
	"debug/elf"
	"debug/gosym"
	"debug/macho"
	"debug/pe"
	"encoding/asn1"
	"encoding/csv"
	"encoding/gob"
	"encoding/json"
	"encoding/xml"
	"expvar"
	"fmt"
	"go/ast"
	"go/build"
	"go/doc"
	"go/format"
	"go/importer"
	"go/parser"
	"go/printer"
	"go/token"
	"go/types"
	"html/template"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"log/slog"
	"math/big"
	"mime/multipart"
	"net/http"
	"net/http/cgi"
	"net/http/cookiejar"
	"net/http/fcgi"
	"net/http/httptest"
	"net/http/httputil"
	_ "net/http/pprof"
	"net/mail"
	"net/rpc"
	"net/rpc/jsonrpc"
	"net/smtp"
	"os"
	"regexp"
	"runtime/pprof"
	"text/tabwriter"

	"github.com/chzyer/readline"
	"github.com/creack/pty"
	"github.com/go-delve/delve/pkg/dwarf/frame"
	"github.com/go-delve/delve/pkg/dwarf/godwarf"
	"github.com/google/pprof/profile"
	"github.com/urfave/cli/v2"
	glua "github.com/yuin/gopher-lua"
	"golang.org/x/arch/x86/x86asm"
	"golang.org/x/sys/unix"
)

type point struct {
	X, Y  int
	Label string
}

//go:noinline
func inspect(p point, names []string, m map[string]int) int {
	total := p.X + p.Y
	var err error
	label := fmt.Sprintf("%s:%d", p.Label, total)
	for _, n := range names {
		total += m[n] + len(label)
	}
	if err != nil {
		return -1
	}
	return total // STOP
}

func main() {
	// Reference each package so the linker keeps it.
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(point{1, 2, "json"})
	_ = xml.NewEncoder(&buf).Encode(point{3, 4, "xml"})
	fs := token.NewFileSet()
	f, _ := parser.ParseFile(fs, "x.go", "package x; var A = 1", 0)
	conf := types.Config{Importer: importer.Default()}
	_, _ = conf.Check("x", fs, []*ast.File{f}, nil)
	_ = template.Must(template.New("t").Parse("{{.}}")).Execute(&buf, "t")
	img := image.NewGray(image.Rect(0, 0, 2, 2))
	_ = png.Encode(&buf, img)
	_ = gif.Encode(&buf, img, nil)
	_ = jpeg.Encode(&buf, img, nil)
	_ = tar.NewWriter(&buf).Close()
	_ = zip.NewWriter(&buf).Close()
	_, _ = bzip2.NewReader(&buf).Read(nil)
	_, _ = x509.ParseCertificate(nil)
	_, _ = dwarf.New(nil, nil, nil, nil, nil, nil, nil, nil)
	_, _ = elf.NewFile(bytes.NewReader(nil))
	_, _ = pe.NewFile(bytes.NewReader(nil))
	_, _ = macho.NewFile(bytes.NewReader(nil))
	_ = gosym.NewLineTable(nil, 0)
	_, _ = asn1.Marshal(1)
	_ = gob.NewEncoder(&buf).Encode(point{7, 8, "gob"})
	_, _ = csv.NewReader(&buf).Read()
	_ = expvar.NewInt("n")
	_ = doc.New(&ast.Package{}, "x", 0)
	_, _ = format.Source([]byte("package x"))
	_ = printer.Fprint(&buf, fs, f)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x")
	_ = new(big.Float).Sqrt(big.NewFloat(2))
	_ = multipart.NewWriter(&buf).Close()
	_, _ = mail.ParseAddress("a@b.c")
	_ = smtp.PlainAuth("", "", "", "")
	_, _ = cookiejar.New(nil)
	_ = httputil.NewSingleHostReverseProxy
	_ = pprof.Profiles()
	L := glua.NewState()
	_ = L.DoString("x = 1")
	L.Close()
	_, _ = x86asm.Decode([]byte{0x90}, 64)
	_, _ = profile.Parse(&buf)
	_ = (&cli.App{Name: "x", Writer: &buf}).Run([]string{"x"})
	_ = readline.NewCancelableStdin
	_ = godwarf.ReadType
	_, _ = frame.Parse(nil, nil, 0, 8, 0)
	_ = build.Default.Import
	_ = cgi.Serve
	_ = fcgi.Serve
	_ = pty.Open
	_ = unix.Getpid
	_ = ecdh.X25519
	_ = jsonrpc.NewClient
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	_ = srv
	_ = rpc.NewServer()
	_ = sql.Drivers()
	_ = regexp.MustCompile("a+b")
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 1, ' ', 0)
	_ = w
	fmt.Println(inspect(point{5, -7, "gopher"}, []string{"a", "b"}, map[string]int{"a": 1, "b": 2}), buf.Len() > 0)
}

package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/godbg/godbg/internal/fixture"
)

// The layering of STYLE.md: cmd -> lua -> bindings -> engine. The engine
// knows no Lua and no CLI, the system-call library stays in the engine, and
// only cmd uses urfave/cli.
func TestLayers(t *testing.T) {
	list := func(format string, pkgs ...string) []string {
		t.Helper()
		cmd := exec.Command("go", append([]string{"list", "-f", format}, pkgs...)...)
		cmd.Dir = fixture.Root()
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list %v: %v", pkgs, err)
		}
		return strings.Fields(string(out))
	}
	for _, dep := range list("{{join .Deps \" \"}}", "./engine/...") {
		for _, banned := range []string{"gopher-lua", "urfave/cli", "godbg/lua", "godbg/bindings", "godbg/cmd"} {
			if strings.Contains(dep, banned) {
				t.Errorf("engine depends on %s", dep)
			}
		}
	}
	// (The syscall package's signal numbers are fine: bindings name them,
	// lua catches godbg's own Ctrl-C.)
	for _, imp := range list("{{join .Imports \" \"}}", "./bindings", "./lua") {
		if imp == "golang.org/x/sys/unix" {
			t.Errorf("bindings or lua import %s: system calls belong to the engine", imp)
		}
	}
	for _, dep := range list("{{join .Deps \" \"}}", "./lua", "./bindings", "./engine/...", "./scripts") {
		if strings.Contains(dep, "urfave/cli") {
			t.Errorf("only cmd may use urfave/cli, found in the deps of the other layers")
		}
	}
}

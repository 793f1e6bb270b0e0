// Package scripts holds godbg's bundled recipes, Lua scripts run by name:
// `godbg run trace ./prog`. It is a leaf the lua package embeds.
//
// Each recipe starts with a header comment: its first line says what it
// does; then its -a parameters and an example command.
package scripts

import "embed"

// FS holds every bundled recipe, NAME.lua at its root.
//
//go:embed *.lua
var FS embed.FS

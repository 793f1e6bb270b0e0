// Package scripts holds godbg's bundled recipes, Lua scripts run by name:
// `godbg run trace ./prog`, and the Lua modules scripts require (sysfmt/:
// require("sysfmt"), strace's decoders). It is a leaf the lua package
// embeds.
//
// Each recipe starts with a header comment: its first line says what it
// does; then its -a parameters and an example command.
package scripts

import "embed"

// FS holds every bundled recipe, NAME.lua at its root.
//
//go:embed *.lua
var FS embed.FS

// Modules holds the Lua modules a script can require, NAME/NAME.lua for
// require("NAME") and NAME/PART.lua for require("NAME.PART"). sysfmt's
// constants (require("sysfmt.consts")) are Go tables of the lua package,
// generated there.
//
//go:embed sysfmt/*.lua funcs/*.lua folded/*.lua
var Modules embed.FS

// Package dirio lives in a folder whose name (dir.io) is not the package's
// name: goexpr reads dirio.A by the package name.
package dirio

// A is read as dirio.A.
var A = 11

// ConstC is a package constant read as dirio.ConstC.
const ConstC = 12

//go:noinline
func Touch() int { return A }

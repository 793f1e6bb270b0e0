// Package renamed is imported under another name (ren) by goexpr.
package renamed

// B is read as ren.B, through the import's local name.
var B = "bee"

//go:noinline
func Touch() string { return B }

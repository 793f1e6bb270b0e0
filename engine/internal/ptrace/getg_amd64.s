#include "textflag.h"

// func getg() uintptr
// The current goroutine's g pointer, from thread-local storage (the
// (TLS) pseudo-register of the Go assembler on amd64).
TEXT ·getg(SB),NOSPLIT,$0-8
	MOVQ (TLS), AX
	MOVQ AX, ret+0(FP)
	RET

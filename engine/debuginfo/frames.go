package debuginfo

// Variables of any frame of a backtrace: Unwind and UnwindAcross keep, in
// each Frame, the registers the unwinder recovered for it; Frame.Registers
// hands them to Args, Locals and Eval, which then read that frame's
// variables as they read the innermost one's. The same serves a parked
// goroutine's frames (unwound from g.sched) and an outer frame of the
// current thread.

// frameState is what a Frame keeps of the unwinder's state.
type frameState struct {
	rs     *regSet
	caller bool // a caller's frame: its pc is a return address
	inl    int  // index of the inlined call in inlineChain; -1: the function itself
	isGo   bool
}

// frameRegisters are the Registers of one frame of a backtrace.
type frameRegisters struct {
	f  Frame
	st *frameState
}

// Registers returns the registers of the frame, for Args, Locals and Eval.
// In a caller's frame only the registers a call preserves are known: the
// stack pointer, the frame pointer and the return address, and for C code
// the System V callee-saved rbx and r12-r15 (psABI 3.2.1); Go's internal
// ABI preserves no general register but r14 (the g) and r15. A variable
// kept in another register there reads as unavailable, not as the
// callee's value. Nil for a Frame not made by the unwinder.
func (f Frame) Registers() Registers {
	if f.state == nil {
		return nil
	}
	return frameRegisters{f, f.state}
}

func (r frameRegisters) PC() uint64 { return r.f.PC }
func (r frameRegisters) SP() uint64 { return r.st.rs.val[regRSP] }
func (r frameRegisters) Reg(n int) (uint64, bool) {
	if n < 0 || n >= numRegs {
		return 0, false
	}
	if r.st.caller && !preserved(n, r.st.isGo) {
		return 0, false
	}
	return r.st.rs.val[n], r.st.rs.ok[n]
}

// preserved tells the registers a call leaves as they were (DWARF
// numbers): rsp, rbp and rip always; rbx, r12-r15 in C (System V psABI
// 3.2.1); r14 and r15 in Go (Go internal ABI, "amd64 architecture").
func preserved(n int, isGo bool) bool {
	switch n {
	case regRSP, regRBP, regRIP:
		return true
	case 14, 15:
		return true
	case 3, 12, 13:
		return !isGo
	}
	return false
}

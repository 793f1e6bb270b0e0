// flagsprobe: the status flags across a counting probe. flagbits compares
// its arguments, runs two moves that leave the flags alone (flags_live: a
// probe there must keep them) and returns the flags; main folds them over
// N calls (argv[1]) whose comparisons set each of OF SF ZF AF PF CF.
#include <stdio.h>
#include <stdlib.h>

long flagbits(long a, long b);
__asm__(".text\n"
	".globl flagbits\n"
	".type flagbits, @function\n"
	"flagbits:\n"
	"	cmp %rsi, %rdi\n"
	".globl flags_live\n"
	"flags_live:\n"
	"	mov %rdi, %rax\n"
	"	mov %rsi, %rdx\n"
	"	pushfq\n"
	"	pop %rax\n"
	"	ret\n"
	".size flagbits, .-flagbits\n");

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 1000;
	unsigned long x = 0, seen = 0;
	for (long i = 0; i < n; i++) {
		long a = (i * 7919) % 1000 - 500, b = (i * 104729) % 1000 - 500;
		if (i % 3 == 0) {
			a = 0x7fffffffffffffffL; // overflows: OF
			b = -1 - i % 5;
		}
		if (i % 7 == 0)
			b = a; // ZF
		long f = flagbits(a, b) & 0x8d5;
		seen |= f;
		x = x * 31 + f;
	}
	printf("calls=%ld flags=%#lx x=%lx\n", n, seen, x);
	return 0;
}

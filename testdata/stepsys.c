/* stepsys: targets for the engine's step tests. my_getpid makes getpid(2)
 * with its own `syscall` instruction; bump writes the global counter with
 * the first instruction of its body (built -O2 -fcf-protection=none: no
 * endbr64 before it). Args: N (rounds, default 3). Prints the number of
 * rounds whose getpid matched the C library's and the counter. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

volatile long counter;

__attribute__((noinline)) long my_getpid(void) {
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "0"(39L) : "rcx", "r11", "memory");
	return r;
}

__attribute__((noinline)) void bump(long v) { counter = v; }

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 3;
	long ok = 0;
	for (long i = 1; i <= n; i++) {
		ok += my_getpid() == getpid();
		bump(i);
	}
	printf("rounds=%ld ok=%ld counter=%ld\n", n, ok, counter);
	return 0;
}

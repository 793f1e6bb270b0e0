/* jumpguard: code a probe's jump must not replace while some resume address
 * sits inside its bytes (engine/jumpguard_test.go). main keeps spot+2 (an
 * instruction boundary inside spot's first 5 bytes) on its stack across
 * ready() and spot(); viaptr calls its argument from inside its first 5
 * bytes, and blocked() stops in ready() with viaptr's return address (not
 * the last of those bytes) on the stack. spot2 is spot's twin, with nothing
 * pointing inside it. Prints the results. */
#include <stdio.h>

/* xor eax, eax (2); add eax, 3 (3); add eax, 4 (3); ret */
__attribute__((naked, noinline)) int spot(void) {
	__asm__("xor %eax, %eax\n\tadd $3, %eax\n\tadd $4, %eax\n\tret\n");
}

__attribute__((naked, noinline)) int spot2(void) {
	__asm__("xor %eax, %eax\n\tadd $3, %eax\n\tadd $4, %eax\n\tret\n");
}

/* push rbx (1); call *rdi (2); pop rbx (1); add eax, 1 (3); ret */
__attribute__((naked, noinline)) int viaptr(int (*f)(void)) {
	__asm__("push %rbx\n\tcall *%rdi\n\tpop %rbx\n\tadd $1, %eax\n\tret\n");
}

__attribute__((noinline)) void ready(void) {
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) int blocked(void) {
	ready();
	return 5;
}

int main(void) {
	volatile unsigned long keep = (unsigned long)spot + 2;
	ready();
	int a = spot(), b = spot2(), c = viaptr(blocked);
	printf("spot=%d spot2=%d viaptr=%d kept=%d\n", a, b, c, keep == (unsigned long)spot + 2);
	return 0;
}

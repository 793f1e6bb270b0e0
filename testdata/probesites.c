/* probesites: functions whose code a probe's jump cannot replace, each
 * called N times (arg 1, default 1000), for the probe fallback test
 * (cmd/godbg/probe_test.go). Prints the calls and a checksum. */
#include <stdio.h>
#include <stdlib.h>

/* 3 bytes: xor eax, eax; ret (too short for a 5-byte jump) */
__attribute__((naked, noinline)) int tiny(void) {
	__asm__("xor %eax, %eax\n\tret\n");
}

/* a loop back to its 3rd byte: a branch into the replaced bytes */
__attribute__((naked, noinline)) int backjump(void) {
	__asm__("xor %eax, %eax\n1:\n\tinc %eax\n\tcmp $3, %eax\n\tjne 1b\n\tret\n");
}

/* jrcxz first: an instruction with only a rel8 form, not relocatable */
__attribute__((naked, noinline)) int rel8only(void) {
	__asm__("xor %ecx, %ecx\n\tjrcxz 1f\n\tnop\n1:\n\tmov $7, %eax\n\tret\n");
}

__attribute__((noinline)) int plain(int i) {
	return i + 1;
}

int main(int argc, char **argv) {
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	long sum = 0;
	for (int i = 0; i < n; i++)
		sum += tiny() + backjump() + rel8only() + plain(i);
	printf("calls=%d sum=%ld\n", n, sum);
	return 0;
}

// hotloop calls hot() N times (N from argv[1], default 100000) and prints
// the sum: a target for the breakpoint benchmark (bench/run.sh) that makes
// one breakpoint hit per call and does little else.
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) long hot(long i) {
	__asm__ volatile("" ::: "memory"); // keep the call and its body
	return i * 2 + 1;
}

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 100000;
	long sum = 0;
	for (long i = 0; i < n; i++)
		sum += hot(i);
	printf("calls=%ld sum=%ld\n", n, sum);
	return 0;
}

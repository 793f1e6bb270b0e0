/* seqthreads: R rounds of one thread that calls hot() N times, made after
 * the last one ended and was joined: glibc gives each new thread the stack
 * (and so the TLS) of the one before it. Prints the calls and the sum. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) long hot(long i) {
	__asm__ volatile("" ::: "memory");
	return i * 2 + 1;
}

static long n;

static void *work(void *arg) {
	long s = 0;
	for (long i = 0; i < n; i++)
		s += hot(i);
	*(long *)arg = s;
	return NULL;
}

int main(int argc, char **argv) {
	int rounds = argc > 1 ? atoi(argv[1]) : 10;
	n = argc > 2 ? atol(argv[2]) : 1000;
	long sum = 0;
	for (int r = 0; r < rounds; r++) {
		pthread_t th;
		long s;
		if (pthread_create(&th, NULL, work, &s) != 0 || pthread_join(th, NULL) != 0)
			return 1;
		sum += s;
	}
	printf("calls=%ld sum=%ld\n", rounds * n, sum);
	return 0;
}

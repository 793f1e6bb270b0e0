/* cthreads: T pthreads each call work() N times; prints the total. Args: T N. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static long counter;
static int n_calls = 20000;

__attribute__((noinline)) long work(long i) {
	__atomic_add_fetch(&counter, 1, __ATOMIC_SEQ_CST);
	return i * 2;
}

static void *run(void *arg) {
	long sum = 0;
	for (long i = 0; i < n_calls; i++)
		sum += work(i);
	*(long *)arg = sum;
	return NULL;
}

int main(int argc, char **argv) {
	int t = 4;
	if (argc > 2) {
		t = atoi(argv[1]);
		n_calls = atoi(argv[2]);
	}
	pthread_t th[64];
	long sums[64];
	for (int i = 0; i < t; i++)
		pthread_create(&th[i], NULL, run, &sums[i]);
	long s = 0;
	for (int i = 0; i < t; i++) {
		pthread_join(th[i], NULL);
		s += sums[i];
	}
	printf("threads=%d calls=%ld sum=%ld\n", t, counter, s);
	return 0;
}

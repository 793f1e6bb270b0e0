/* cbusy: 3 pthreads call work() without pause, each checking its own sums;
 * the main thread prints "tick N ok" every 10 ms while every check holds
 * ("tick N BAD" else). For the SIGKILL-while-
 * attached test (cmd/godbg/killsafe_test.go). */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#define T 3
static volatile long calls[T];
static volatile int bad;

__attribute__((noinline)) long work(int k, long sum) {
	calls[k]++;
	return sum + 1;
}

static void *run(void *arg) {
	int k = (int)(long)arg;
	long sum = 0;
	for (long i = 0;; i++) {
		sum = work(k, sum);
		if (sum != i + 1 || calls[k] != i + 1)
			bad = 1;
	}
	return NULL;
}

int main(void) {
	pthread_t th[T];
	for (long k = 0; k < T; k++)
		pthread_create(&th[k], NULL, run, (void *)k);
	struct timespec ts = {0, 10 * 1000 * 1000};
	for (long n = 1;; n++) {
		nanosleep(&ts, NULL);
		printf("tick %ld %s\n", n, bad ? "BAD" : "ok");
		fflush(stdout);
	}
}

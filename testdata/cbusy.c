#define _GNU_SOURCE
/* cbusy: 3 pthreads call work() without pause, each checking its own sums;
 * the main thread prints "tick N ok" every 10 ms while every check holds
 * ("tick N BAD" else). For the SIGKILL-while-attached test
 * (cmd/godbg/killsafe_test.go). A SIGTRAP (a trap left by a debugger gone)
 * is reported with its si_code and pc on stderr, and the program exits 3. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <signal.h>
#include <ucontext.h>
#include <unistd.h>
#include <string.h>
static void ontrap(int sig, siginfo_t *si, void *uc) {
	char b[128];
	int n = snprintf(b, sizeof b, "SIGTRAP code=%d pc=%llx\n", si->si_code, (unsigned long long)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP]);
	write(2, b, n);
	_exit(3);
}

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
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = ontrap;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGTRAP, &sa, NULL);
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

/* urgsig: three threads call work() N times each (argv[1], default 1000):
 * one with SIGURG blocked, one sending itself SIGURG (tgkill) before every
 * 10th call, one plain; a SIGURG handler counts what arrives. Prints
 * "calls=C urg=U sum=S". For the breakpoint trampolines' tests
 * (engine/killsafe_test.go): their own SIGURG never reaches the program,
 * the program's own all do, and a thread with SIGURG blocked still hits. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static long counter;
static long urgs;
static int n = 1000;

__attribute__((noinline)) long work(long i) {
	__atomic_add_fetch(&counter, 1, __ATOMIC_SEQ_CST);
	return i * 2;
}

static void onurg(int sig) {
	(void)sig;
	__atomic_add_fetch(&urgs, 1, __ATOMIC_SEQ_CST);
}

static void *blocked(void *arg) {
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGURG);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	long sum = 0;
	for (long i = 0; i < n; i++)
		sum += work(i);
	*(long *)arg = sum;
	return NULL;
}

static void *sender(void *arg) {
	long sum = 0;
	for (long i = 0; i < n; i++) {
		if (i % 10 == 0)
			syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGURG);
		sum += work(i);
	}
	*(long *)arg = sum;
	return NULL;
}

static void *plain(void *arg) {
	long sum = 0;
	for (long i = 0; i < n; i++)
		sum += work(i);
	*(long *)arg = sum;
	return NULL;
}

int main(int argc, char **argv) {
	if (argc > 1)
		n = atoi(argv[1]);
	struct sigaction sa = {0};
	sa.sa_handler = onurg;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGURG, &sa, NULL);
	void *(*fns[3])(void *) = {blocked, sender, plain};
	pthread_t th[3];
	long sums[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, fns[i], &sums[i]);
	long s = 0;
	for (int i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		s += sums[i];
	}
	printf("calls=%ld urg=%ld sum=%ld\n", counter, urgs, s);
	return 0;
}

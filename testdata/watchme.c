/* watchme: a global written by two named functions, writer_a on the main
 * thread and writer_b on a thread born later, then read once by reader.
 * Used by the watchpoint tests. Args: N (writes by each writer, default 3). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

volatile long counter;
static int n = 3;

__attribute__((noinline)) void writer_a(long v) { counter = v; }
__attribute__((noinline)) void writer_b(long v) { counter = v * 10; }
__attribute__((noinline)) long reader(void) { return counter; }

static void *run(void *arg) {
	for (long i = 1; i <= n; i++)
		writer_b(i);
	return arg;
}

int main(int argc, char **argv) {
	if (argc > 1)
		n = atoi(argv[1]);
	for (long i = 1; i <= n; i++)
		writer_a(i);
	pthread_t th;
	pthread_create(&th, NULL, run, NULL);
	pthread_join(th, NULL);
	long r = reader();
	printf("read=%ld\n", r);
	return 0;
}

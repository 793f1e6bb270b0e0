/* swwatch: what a software watchpoint (page protection) must get right
 * besides plain writes. g.counter shares its page with g.buf and g.other:
 * the kernel writes the page in read(2) (into g.buf: not watched; into
 * g.counter: watched), the program writes g.other (the page, not the
 * range), a fork child writes g.counter in its copy (it must not die
 * of the protection), and a read(2) into g.counter blocks until another
 * thread writes the pipe (the call made again must not hold that thread). With N: bump(i) writes g.counter N times (the
 * benchmark's loop). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

struct {
	long counter;
	char buf[64];
	long other;
} g;

__attribute__((noinline)) void bump(long v) { g.counter = v; }

static int pipefd[2];

static void *writer(void *arg) {
	long v = 77;
	if (write(pipefd[1], &v, sizeof v) != sizeof v)
		return arg;
	return NULL;
}

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 0;
	if (n > 0) {
		for (long i = 1; i <= n; i++)
			bump(i);
		printf("counter=%ld\n", g.counter);
		return 0;
	}
	int fds[2];
	if (pipe(fds) != 0)
		return 2;
	if (write(fds[1], "hello", 5) != 5)
		return 2;
	ssize_t r1 = read(fds[0], g.buf, 5);
	long v = 42;
	if (write(fds[1], &v, sizeof v) != sizeof v)
		return 2;
	ssize_t r2 = read(fds[0], &g.counter, sizeof g.counter);
	g.other = 7;
	pid_t pid = fork();
	if (pid == 0) {
		g.counter = 99;
		g.other = 8;
		_exit(g.counter == 99 ? 3 : 4);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	pipefd[0] = fds[0];
	pipefd[1] = fds[1];
	pthread_t th;
	pthread_create(&th, NULL, writer, NULL);
	ssize_t r3 = read(fds[0], &g.counter, sizeof g.counter);
	long r3v = g.counter;
	pthread_join(th, NULL);
	bump(5);
	printf("r1=%zd buf=%.5s r2=%zd r3=%zd/%ld counter=%ld other=%ld child=%d\n", r1, g.buf, r2, r3, r3v, g.counter,
	       g.other, WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st));
	return 0;
}

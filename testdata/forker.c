/* forker: the parent and a fork()ed child both call step() 1000 times; the
 * child exits with status 7 if it got through, and the parent prints what
 * the child reported. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) long step(long i) { return i + 1; }

int main(void) {
	long n = 0;
	pid_t c = fork();
	if (c == 0) {
		for (int i = 0; i < 1000; i++)
			n = step(n);
		_exit(n == 1000 ? 7 : 1);
	}
	for (int i = 0; i < 1000; i++)
		n = step(n);
	int st = 0;
	waitpid(c, &st, 0);
	printf("parent=%ld child=%s\n", n, WIFEXITED(st) && WEXITSTATUS(st) == 7 ? "ok" : "killed");
	return 0;
}

/* forkexec: forks a child that execs argv[1] (another program); once it
 * has ended the parent calls mark() 3 times. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) int mark(int i) { return i + 1; }

int main(int argc, char **argv) {
	if (argc < 2)
		return 2;
	pid_t c = fork();
	if (c == 0) {
		execl(argv[1], argv[1], (char *)0);
		_exit(127);
	}
	int st, n = 0;
	waitpid(c, &st, 0);
	for (int i = 0; i < 3; i++)
		n = mark(n);
	printf("child %d, marks %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1, n);
	return 0;
}

/* forkwatch: a global counter the parent and two fork()ed children each
 * increment, one write each: the parent 3 times before the forks, child 1
 * 4 times and child 2 5 times after their fork (each exits with its
 * count), the parent 2 times after both ended. The parent waits for child
 * 1 before it forks child 2, so that what a debugger does at child 1's
 * birth comes before anything else the parent does. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

volatile long counter;

__attribute__((noinline)) void bump(int k) {
	for (int i = 0; i < k; i++)
		counter++;
}

static int child(int k) {
	pid_t c = fork();
	if (c == 0) {
		bump(k);
		_exit((int)counter);
	}
	int st = 0;
	waitpid(c, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(void) {
	bump(3);
	int c1 = child(4);
	int c2 = child(5);
	bump(2);
	printf("parent=%ld child1=%d child2=%d\n", counter, c1, c2);
	return 0;
}

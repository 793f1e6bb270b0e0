/* forkserver: a pre-forking server in miniature. The parent forks 4
 * workers; worker k (0..3) handles k+2 requests (handle(), one call each)
 * read from its own pipe, then exits with status k. The parent writes the
 * requests, waits for every worker and prints what they returned. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) int handle(int req) { return req * 2; }

int main(void) {
	int fds[4][2];
	pid_t pids[4];
	for (int k = 0; k < 4; k++) {
		if (pipe(fds[k]) < 0)
			return 1;
		pids[k] = fork();
		if (pids[k] == 0) {
			close(fds[k][1]);
			int req, sum = 0;
			while (read(fds[k][0], &req, sizeof req) == sizeof req)
				sum += handle(req);
			_exit(sum == (k + 2) * (k + 3) ? k : 100);
		}
		close(fds[k][0]);
	}
	for (int k = 0; k < 4; k++) {
		for (int r = 1; r <= k + 2; r++)
			if (write(fds[k][1], &r, sizeof r) != sizeof r)
				return 1;
		close(fds[k][1]);
	}
	int ok = 0;
	for (int k = 0; k < 4; k++) {
		int st;
		if (waitpid(pids[k], &st, 0) == pids[k] && WIFEXITED(st) && WEXITSTATUS(st) == k)
			ok++;
	}
	printf("workers ok %d\n", ok);
	return ok == 4 ? 0 : 1;
}

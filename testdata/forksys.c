/* forksys: system calls a debugger hooks in the parent are made by its
 * children too. A fork()ed child and a posix_spawn()ed (vfork and exec) copy
 * of the program each open FILE N times and report; then the parent does.
 * Args: FILE N [orphan]: with orphan, the child outlives the parent and
 * tries its open 300 ms after the parent's exit. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int opens(const char *path, int n) {
	int ok = 0;
	for (int i = 0; i < n; i++) {
		int fd = openat(AT_FDCWD, path, O_RDONLY);
		if (fd >= 0) {
			ok++;
			close(fd);
		}
	}
	return ok;
}

int main(int argc, char **argv) {
	if (argc < 3)
		return 2;
	const char *path = argv[1];
	int n = atoi(argv[2]);
	if (argc > 3 && strcmp(argv[3], "spawned") == 0) {
		int ok = opens(path, n);
		printf("spawned opened %d\n", ok);
		return ok == n ? 5 : 1;
	}
	if (argc > 3 && strcmp(argv[3], "orphan") == 0) {
		fflush(stdout);
		if (fork() == 0) {
			usleep(300000);
			int fd = openat(AT_FDCWD, path, O_RDONLY);
			printf("orphan: openat = %d (%s)\n", fd, fd < 0 ? strerror(errno) : "ok");
			return 0;
		}
		printf("parent exits\n");
		return 0;
	}
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		int ok = opens(path, n);
		printf("child opened %d\n", ok);
		fflush(stdout);
		_exit(ok == n ? 7 : 1);
	}
	int st = 0;
	waitpid(c, &st, 0);
	printf("child status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	fflush(stdout);
	char *args[] = {argv[0], argv[1], argv[2], "spawned", NULL};
	pid_t s;
	if (posix_spawn(&s, "/proc/self/exe", NULL, NULL, args, environ) != 0)
		return 3;
	waitpid(s, &st, 0);
	printf("spawned status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	printf("parent opened %d\n", opens(path, n));
	return 0;
}

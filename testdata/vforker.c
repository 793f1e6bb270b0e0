/* vforker: vfork()s N times (default 50); each child calls mark() and then
 * execs /bin/true (even rounds) or _exits with 0 (odd rounds); the parent
 * calls mark() after each child is done. Then posix_spawn (glibc: clone with
 * CLONE_VM|CLONE_VFORK) runs /bin/true N/5 times. The program prints how many
 * children of each kind exited 0, and exits 0 only when all did. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

__attribute__((noinline)) int mark(int i) { return i + 1; }

int main(int argc, char **argv) {
	int n = argc > 1 ? atoi(argv[1]) : 50;
	int ok = 0, marks = 0, spawned = 0;
	for (int i = 0; i < n; i++) {
		pid_t c = vfork();
		if (c == 0) {
			if (mark(i) != i + 1)
				_exit(3);
			if (i % 2 == 0)
				execl("/bin/true", "true", (char *)NULL);
			_exit(0);
		}
		int st = 0;
		if (c > 0 && waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0)
			ok++;
		marks += mark(i) == i + 1;
	}
	for (int i = 0; i < n / 5; i++) {
		pid_t s;
		char *args[] = {"true", NULL};
		int st = 0;
		if (posix_spawn(&s, "/bin/true", NULL, NULL, args, environ) == 0 &&
		    waitpid(s, &st, 0) == s && WIFEXITED(st) && WEXITSTATUS(st) == 0)
			spawned++;
	}
	printf("vforked %d/%d ok, parent marks %d, spawned %d/%d ok\n", ok, n, marks, spawned, n / 5);
	return ok == n && marks == n && spawned == n / 5 ? 0 : 1;
}

/* dlforker: forks 2 children; child k opens the library argv[1] with
 * dlopen(3), calls its plugin_add k+2 times and exits with k. The parent
 * waits for both, then opens the library itself and calls plugin_add
 * once. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int calls(const char *lib, int n) {
	void *h = dlopen(lib, RTLD_NOW);
	if (!h) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return -1;
	}
	int (*add)(int, int) = (int (*)(int, int))dlsym(h, "plugin_add");
	if (!add)
		return -1;
	int sum = 0;
	for (int i = 0; i < n; i++)
		sum = add(sum, 1);
	return sum;
}

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: dlforker LIBRARY\n");
		return 2;
	}
	pid_t pids[2];
	for (int k = 0; k < 2; k++) {
		pids[k] = fork();
		if (pids[k] == 0)
			_exit(calls(argv[1], k + 2) == k + 2 ? k : 100);
	}
	int ok = 0;
	for (int k = 0; k < 2; k++) {
		int st;
		if (waitpid(pids[k], &st, 0) == pids[k] && WIFEXITED(st) && WEXITSTATUS(st) == k)
			ok++;
	}
	printf("children ok %d, parent sum %d\n", ok, calls(argv[1], 1));
	return 0;
}

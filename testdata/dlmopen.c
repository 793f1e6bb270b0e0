/* dlmopen: opens the library argv[1] in a new link-map namespace
 * (dlmopen(3), LM_ID_NEWLM: it gets its own libc) and calls its
 * plugin_add four times. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: dlmopen LIBRARY\n");
		return 2;
	}
	void *h = dlmopen(LM_ID_NEWLM, argv[1], RTLD_NOW);
	if (!h) {
		fprintf(stderr, "dlmopen: %s\n", dlerror());
		return 1;
	}
	int (*add)(int, int) = (int (*)(int, int))dlsym(h, "plugin_add");
	if (!add) {
		fprintf(stderr, "dlsym: %s\n", dlerror());
		return 1;
	}
	int sum = 0;
	for (int i = 0; i < 4; i++)
		sum = add(sum, i);
	printf("sum %d\n", sum);
	return 0;
}

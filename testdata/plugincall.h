/* plugincall.h: what dlhost.c, dlmopen.c and dlmemfd.c do with the plugin
 * (plugin.c) once they opened it: look up plugin_add, call it 4 times,
 * print the sum. h is what dlopen or dlmopen returned; opener names it for
 * the error. */
#include <dlfcn.h>
#include <stdio.h>

static int call_plugin(void *h, const char *opener) {
	if (!h) {
		fprintf(stderr, "%s: %s\n", opener, dlerror());
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

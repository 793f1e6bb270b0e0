/* dlhost: opens the library argv[1] with dlopen(3) and calls its
 * plugin_add four times. */
#include <dlfcn.h>
#include <stdio.h>

#include "plugincall.h"

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: dlhost LIBRARY\n");
		return 2;
	}
	return call_plugin(dlopen(argv[1], RTLD_NOW), "dlopen");
}

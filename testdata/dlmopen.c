/* dlmopen: opens the library argv[1] in a new link-map namespace
 * (dlmopen(3), LM_ID_NEWLM: it gets its own libc) and calls its
 * plugin_add four times. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>

#include "plugincall.h"

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: dlmopen LIBRARY\n");
		return 2;
	}
	return call_plugin(dlmopen(LM_ID_NEWLM, argv[1], RTLD_NOW), "dlmopen");
}

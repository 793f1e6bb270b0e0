/* dlmemfd: copies the library argv[1] into a memfd, opens it with
 * dlopen(3) as /proc/self/fd/N (its maps then name "/memfd:plugin
 * (deleted)") and calls its plugin_add four times. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "plugincall.h"

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: dlmemfd LIBRARY\n");
		return 2;
	}
	int in = open(argv[1], O_RDONLY);
	int mfd = memfd_create("plugin", 0);
	if (in < 0 || mfd < 0) {
		perror("open");
		return 1;
	}
	char buf[4096];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(mfd, buf, n) != n) {
			perror("write");
			return 1;
		}
	close(in);
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", mfd);
	return call_plugin(dlopen(path, RTLD_NOW), "dlopen");
}

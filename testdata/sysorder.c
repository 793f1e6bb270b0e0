/* sysorder: a fixed sequence of file system calls, for comparing the
 * strace recipe with strace(1). Args: DIR (an existing folder). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	char path[4096];
	snprintf(path, sizeof path, "%s/sysorder.txt", dir);
	int fd = openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	write(fd, "hello\n", 6);
	close(fd);
	fd = openat(AT_FDCWD, path, O_RDONLY);
	char buf[16];
	read(fd, buf, sizeof buf);
	close(fd);
	openat(AT_FDCWD, "/nonexistent/sysorder", O_RDONLY);
	unlinkat(AT_FDCWD, path, 0);
	return 0;
}

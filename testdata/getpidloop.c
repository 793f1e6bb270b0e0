/* getpidloop: N getpid system calls (default 100000), for measuring the cost
 * of syscall stops. Args: N. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 100000;
	long s = 0;
	for (long i = 0; i < n; i++)
		s += syscall(SYS_getpid) > 0;
	printf("getpid calls=%ld\n", s);
	return 0;
}

/* faults: raises the fault named by argv[1] from a function of its own, so
 * that a backtrace names it:
 *   segv   a read at address 8 (SIGSEGV)        in fault_segv
 *   bus    a read of a mapped page past the end of its file (SIGBUS) in fault_bus
 *   fpe    an integer division by zero (SIGFPE) in fault_fpe
 *   abort  abort() (SIGABRT)                    from fault_abort
 *   spin   prints "spinning" and loops until killed
 *   exec PROGRAM [ARGS...]  execv()s PROGRAM
 * Each prints "fault NAME" first and "survived R" if it gets through. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int divisor = 0;

__attribute__((noinline)) int fault_segv(void) { return *(volatile int *)8; }

__attribute__((noinline)) int fault_bus(void) {
	FILE *f = tmpfile();
	volatile char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fileno(f), 0);
	return p[0]; /* the file is empty: no page backs the mapping */
}

__attribute__((noinline)) int fault_fpe(int x) { return x / divisor; }

__attribute__((noinline)) void fault_abort(void) { abort(); }

__attribute__((noinline)) void spin(void) {
	printf("spinning\n");
	fflush(stdout);
	for (;;)
		usleep(10000);
}

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: faults segv|bus|fpe|abort|spin|exec PROGRAM...\n");
		return 2;
	}
	printf("fault %s\n", argv[1]);
	fflush(stdout);
	int r = 0;
	if (!strcmp(argv[1], "segv"))
		r = fault_segv();
	else if (!strcmp(argv[1], "bus"))
		r = fault_bus();
	else if (!strcmp(argv[1], "fpe"))
		r = fault_fpe(argc);
	else if (!strcmp(argv[1], "abort"))
		fault_abort();
	else if (!strcmp(argv[1], "spin"))
		spin();
	else if (!strcmp(argv[1], "exec") && argc > 2) {
		execv(argv[2], argv + 2);
		perror("execv");
		return 1;
	}
	printf("survived %d\n", r);
	return 0;
}

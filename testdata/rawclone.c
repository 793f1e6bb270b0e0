/* rawclone: threads made with a raw clone(2), as a runtime or a sandbox
 * of its own makes them, that call hot() N times each while the main
 * thread does too, all from one start. "shared": 2 threads without CLONE_SETTLS, which run on
 * the main thread's TLS; "notls": 1 thread with CLONE_SETTLS and a TLS
 * base of 0 (none at all); "late": 1 thread with a TLS of its own (a
 * block whose first word points to itself, as the x86-64 TLS ABI has it),
 * then, while it runs, 1 without CLONE_SETTLS. The threads touch no TLS (no libc call): they
 * add into one atomic sum and exit with a raw exit(2); main waits for each
 * on its CLONE_CHILD_CLEARTID word. Prints the calls and the sum. */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

__attribute__((noinline)) long hot(long i) {
	__asm__ volatile("" ::: "memory");
	return i * 2 + 1;
}

static long n;
static long sum;
static int ready, go;

static void work(void) {
	long s = 0;
	__atomic_fetch_add(&ready, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&go, __ATOMIC_SEQ_CST))
		__asm__ volatile("pause");
	for (long i = 0; i < n; i++)
		s += hot(i);
	__atomic_fetch_add(&sum, s, __ATOMIC_SEQ_CST);
}

/* raw_clone(flags, stack_top, ctid, tls): the child calls work() on its
 * stack and exits; the parent gets the tid. */
long raw_clone(unsigned long flags, void *stack, int *ctid, unsigned long tls);
__asm__(".text\n"
	"raw_clone:\n"
	"	mov %rcx, %r8\n"       /* tls */
	"	mov %rdx, %r10\n"      /* ctid */
	"	xor %edx, %edx\n"      /* ptid */
	"	mov $56, %eax\n"       /* SYS_clone */
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz 1f\n"
	"	call work\n"
	"	mov $60, %eax\n"       /* SYS_exit */
	"	xor %edi, %edi\n"
	"	syscall\n"
	"1:	ret\n");

int main(int argc, char **argv) {
	const char *mode = argc > 1 ? argv[1] : "shared";
	n = argc > 2 ? atol(argv[2]) : 10000;
	int notls = strcmp(mode, "notls") == 0, late = strcmp(mode, "late") == 0;
	int threads = notls ? 1 : 2;
	static unsigned long tcb[64];
	tcb[0] = (unsigned long)tcb;
	unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
			      CLONE_SYSVSEM | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
	static int ctid[2];
	for (int k = 0; k < threads; k++) {
		char *stack = malloc(1 << 16);
		unsigned long f = flags, tls = 0;
		if (notls || (late && k == 0))
			f |= CLONE_SETTLS, tls = late ? (unsigned long)tcb : 0;
		if (late && k == 1)
			while (__atomic_load_n(&ready, __ATOMIC_SEQ_CST) < 1)
				__asm__ volatile("pause");
		long tid = raw_clone(f, stack + (1 << 16) - 64, &ctid[k], tls);
		if (tid < 0)
			return 1;
	}
	while (__atomic_load_n(&ready, __ATOMIC_SEQ_CST) < threads)
		__asm__ volatile("pause");
	__atomic_store_n(&go, 1, __ATOMIC_SEQ_CST);
	work();
	for (int k = 0; k < threads; k++) {
		int v;
		while ((v = __atomic_load_n(&ctid[k], __ATOMIC_SEQ_CST)) != 0)
			syscall(SYS_futex, &ctid[k], FUTEX_WAIT, v, NULL, NULL, 0);
	}
	printf("calls=%ld sum=%ld\n", (threads + 1) * n, sum);
	return 0;
}

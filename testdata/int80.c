/* int80: the legacy i386 system call entry from a 64-bit program:
 * getpid (i386 nr 20) three times and write (i386 nr 4) once by int $0x80,
 * then one getpid by the syscall instruction (x86-64 nr 39). The message
 * is a static string: int 0x80 passes 32-bit pointers, and a non-PIE
 * program's data is below 4 GiB; the kernel zeroes r8-r11. */
#include <unistd.h>
#include <sys/syscall.h>

static const char msg[] = "int80 write\n";

static long int80(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "r8", "r9", "r10", "r11", "memory");
	return ret;
}

int main(void)
{
	long pid = 0;
	for (int i = 0; i < 3; i++)
		pid = int80(20, 0, 0, 0);
	int80(4, 1, (long)msg, sizeof msg - 1);
	return pid == syscall(SYS_getpid) ? 0 : 1;
}

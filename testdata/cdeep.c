/* cdeep: a 5-deep call chain for unwinding; built with -O2
 * -fomit-frame-pointer so only the CFI (.eh_frame) can unwind it. Each
 * call's result is used after the call, so none is a tail call, and the
 * argument comes from argc, so gcc makes no constant-propagated clones. */
#include <stdio.h>
#include <string.h>

__attribute__((noinline)) int f5(int x)
{
	char buf[64];
	snprintf(buf, sizeof buf, "depth %d", x);
	return (int)strlen(buf) + x;
}

__attribute__((noinline)) int f4(int x) { return f5(x + 1) * 3 + x; }
__attribute__((noinline)) int f3(int x) { return f4(x + 1) * 5 + x; }
__attribute__((noinline)) int f2(int x) { return f3(x + 1) * 7 + x; }
__attribute__((noinline)) int f1(int x) { return f2(x + 1) * 11 + x; }

int main(int argc, char **argv)
{
	(void)argv;
	printf("%d\n", f1(argc));
	return 0;
}

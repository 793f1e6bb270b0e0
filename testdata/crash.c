/* crash: main -> outer -> inner, which writes through a null pointer. */
#include <stdio.h>

__attribute__((noinline)) void inner(int *p) {
	*p = 42;
}

__attribute__((noinline)) void outer(int *p) {
	inner(p);
	printf("not reached\n");
}

int main(void) {
	printf("about to crash\n");
	fflush(stdout);
	outer(0);
	return 0;
}

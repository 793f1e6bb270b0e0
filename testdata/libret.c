/* libret: work(i) calls puts, fflush, malloc and write once each, for i =
 * 0, 1, 2, and prints what each returned, so that the return hooks on
 * library functions can be checked against the program's own view (what
 * ltrace shows): puts returns the bytes written with the newline (2, 3, 4),
 * fflush 0, write its length (3), malloc the pointer printed. stdout has a
 * static buffer: libc mallocs nothing of its own, so malloc runs 3 times. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char buf[4096];

int work(int i) {
	static const char *const words[] = {"a", "bb", "ccc"};
	int n = puts(words[i]);
	int f = fflush(stdout);
	char *p = malloc(16 + i);
	p[0] = 'w', p[1] = '0' + i, p[2] = '\n';
	ssize_t w = write(1, p, 3);
	printf("work %d: puts %d fflush %d malloc %p write %zd\n", i, n, f, (void *)p, w);
	free(p);
	return 100 + i;
}

int main(void) {
	setvbuf(stdout, buf, _IOFBF, sizeof buf);
	int sum = 0;
	for (int i = 0; i < 3; i++)
		sum += work(i);
	printf("sum %d\n", sum);
	return 0;
}

/* libcalls: calls puts, strlen and malloc a known number of times (5, 7
 * and 3), so that breakpoints on libc functions can be counted exactly.
 * With one argument it crashes inside libc instead: strlen(NULL). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

volatile size_t total;

int main(int argc, char **argv) {
	if (argc == 2)
		return (int)strlen(argv[2]); /* argv[argc] is NULL */
	const char *words[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"};
	for (int i = 0; i < 7; i++)
		total += strlen(words[i]);
	for (int i = 0; i < 3; i++) {
		char *p = malloc(16 + i);
		p[0] = 'x';
		total += (size_t)p[0];
		free(p);
	}
	for (int i = 0; i < 5; i++)
		puts(words[i]);
	printf("total %zu\n", total);
	return 0;
}

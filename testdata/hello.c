/* hello: a small C program with a global, a loop and a function with args. */
#include <stdio.h>
#include <string.h>

int counter = 0;
const char *greeting = "hi";

__attribute__((noinline)) int add(int a, int b) {
	int s = a + b;
	counter += s;
	return s;
}

int main(int argc, char **argv) {
	int total = 0;
	for (int i = 0; i < 5; i++)
		total += add(i, 10);
	printf("%s total=%d counter=%d\n", greeting, total, counter);
	return 0;
}

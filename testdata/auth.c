// auth.c: a target for on_return, force_return and finish (engine and Lua
// tests). Usage: auth [MODE [N]]; MODE auth (default), fib, deep, latency.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// check_auth keeps enough values live that, built with -O2, its prologue
// pushes callee-saved registers: force_return must restore them.
__attribute__((noinline)) int check_auth(const char *user) {
	unsigned h = 5381;
	for (const char *c = user; *c; c++)
		h = h * 33 + (unsigned char)*c;
	if (strcmp(user, "alice") == 0 && h != 0)
		return 1;
	return 0;
}

__attribute__((noinline)) double ratio(int a, int b) { return (double)a / b; }

__attribute__((noinline)) long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

__attribute__((noinline)) long deep(int n) {
	volatile char buf[512];
	buf[n % 512] = (char)(n & 1);
	if (n == 0)
		return 0;
	return deep(n - 1) + buf[n % 512];
}

static void sleep_us(long us) {
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
	nanosleep(&ts, NULL);
}

__attribute__((noinline)) void fast(void) { sleep_us(1000); }
__attribute__((noinline)) void slow(void) { sleep_us(10000); }

int main(int argc, char **argv) {
	const char *mode = argc > 1 ? argv[1] : "auth";
	int n = argc > 2 ? atoi(argv[2]) : 0;
	if (strcmp(mode, "auth") == 0) {
		long a = n + 11, b = n + 22, c = n + 33, d = n + 44;
		int ok = check_auth("bob");
		printf("bob: %s\n", ok ? "granted" : "denied");
		printf("ratio=%.2f\n", ratio(1, 4));
		printf("live=%ld,%ld,%ld,%ld\n", a, b, c, d);
	} else if (strcmp(mode, "fib") == 0) {
		printf("fib(%d)=%ld\n", n, fib(n));
	} else if (strcmp(mode, "deep") == 0) {
		printf("deep(%d)=%ld\n", n, deep(n));
	} else if (strcmp(mode, "latency") == 0) {
		for (int i = 0; i < n; i++) {
			fast();
			if (i % 4 == 0)
				slow();
		}
		printf("done\n");
	}
	return 0;
}

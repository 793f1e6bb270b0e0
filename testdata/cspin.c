// cspin burns CPU in spin() for argv[1] seconds (default 1) on the main
// thread, for the sampling profile's test: a profile of it names spin.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

volatile long sink;

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) long spin(double seconds) {
	long n = 0;
	double end = now() + seconds;
	while (now() < end) {
		for (int i = 0; i < 10000; i++)
			sink += i;
		n++;
	}
	return n;
}

int main(int argc, char **argv) {
	double s = argc > 1 ? atof(argv[1]) : 1;
	spin(s);
	printf("spun\n");
	return 0;
}

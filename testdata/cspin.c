// cspin burns CPU in spin() for argv[1] seconds (default 1) on the main
// thread, for the sampling profile's test: a profile of it names spin.
// `cspin -n ROUNDS` does a fixed amount of work instead and prints the
// seconds it took (bench/profile.sh).
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
	// The clock is read once per 64 batches: under load a clock read can
	// cost far more than in a quiet VM, and spin must stay what the
	// profile names.
	while (now() < end) {
		for (int b = 0; b < 64; b++) {
			for (int i = 0; i < 10000; i++)
				sink += i;
			n++;
		}
	}
	return n;
}

__attribute__((noinline)) long rounds(long n) {
	for (long r = 0; r < n; r++)
		for (int i = 0; i < 10000; i++)
			sink += i ^ r;
	return sink;
}

int main(int argc, char **argv) {
	if (argc > 2 && argv[1][0] == '-' && argv[1][1] == 'n') {
		double t0 = now();
		rounds(atol(argv[2]));
		printf("worked %.6f\n", now() - t0);
		return 0;
	}
	double s = argc > 1 ? atof(argv[1]) : 1;
	spin(s);
	printf("spun\n");
	return 0;
}

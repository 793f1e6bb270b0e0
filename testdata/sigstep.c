/* sigstep: counts the signals it takes while calling target() three
 * times. A test sends it several signals at once while it is stopped on a
 * breakpoint in target(): SIGUSR1 twice (one pending: standard signals do
 * not queue), SIGUSR2, and real-time signal 40 twice (they queue). */
#include <signal.h>
#include <stdio.h>

static volatile sig_atomic_t usr1, usr2, rt;

static void handler(int sig) {
	if (sig == SIGUSR1)
		usr1++;
	else if (sig == SIGUSR2)
		usr2++;
	else
		rt++;
}

__attribute__((noinline)) int target(int x) { return x + 1; }

int main(void) {
	signal(SIGUSR1, handler);
	signal(SIGUSR2, handler);
	signal(40, handler);
	int sum = 0;
	for (int i = 0; i < 3; i++)
		sum += target(i);
	printf("usr1=%d usr2=%d rt=%d sum=%d\n", usr1, usr2, rt, sum);
	return 0;
}

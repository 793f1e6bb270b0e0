/* sigsend: sends itself SIGUSR1 with kill(2), which siginfo reports as
 * SI_USER from its own pid and uid. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static void handler(int sig) { (void)sig; }

int main(void) {
	signal(SIGUSR1, handler);
	kill(getpid(), SIGUSR1);
	printf("sent\n");
	return 0;
}

/* handlerloop: calls work() in a loop and prints "tick N ok" every 100
 * calls when every result was right. SIGUSR1's handler calls in_handler()
 * and then waits, in sigsuspend(), until SIGUSR2 says go on: a test can hold a
 * thread inside a handler across a detach, the handler's frame saving
 * wherever the thread was. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t release;

__attribute__((noinline)) int work(int x) { return x * 3 + 1; }

__attribute__((noinline)) void in_handler(void) { __asm__ volatile(""); }

static void on_usr1(int sig) {
	(void)sig;
	/* SIGUSR2 stays blocked but while sigsuspend waits: one sent between
	 * the test of release and the wait is not lost (with pause() it was,
	 * now and then, on a loaded machine). */
	sigset_t usr2, old;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, &old);
	in_handler();
	while (!release)
		sigsuspend(&old);
	release = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void on_usr2(int sig) { (void)sig; release = 1; }

int main(void) {
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, on_usr2);
	int bad = 0;
	for (long i = 1;; i++) {
		if (work((int)i) != (int)i * 3 + 1)
			bad++;
		if (i % 100 == 0) {
			printf("tick %ld %s\n", i, bad ? "bad" : "ok");
			fflush(stdout);
		}
		usleep(200);
	}
}

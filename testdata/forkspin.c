/* forkspin: the parent forks one child and spins in its own code (no
 * system call) until the child, once it has called work() 3 times, sets a
 * flag in the memory they share; then the parent calls work() 5 times,
 * waits for the child and exits 0 when both got through. */
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) int work(int x) { return x + 1; }

int main(void) {
	volatile int *go = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (go == MAP_FAILED)
		return 2;
	pid_t c = fork();
	if (c == 0) {
		int n = 0;
		for (int i = 0; i < 3; i++)
			n = work(n);
		*go = 1;
		_exit(n == 3 ? 0 : 1);
	}
	while (!*go)
		;
	int n = 0;
	for (int i = 0; i < 5; i++)
		n = work(n);
	int st;
	waitpid(c, &st, 0);
	return n == 5 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

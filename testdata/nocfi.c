/* nocfi: leaf() is assembly with no call frame information and no frame
 * pointer of its own (push rbx, not rbp): past its first instruction no
 * unwinder can tell where its return address is. main prints leaf(41). */
#include <stdio.h>

long leaf(long);
__asm__(".text\n.globl leaf\n.type leaf, @function\nleaf:\n"
	"\tpush %rbx\n\tlea 1(%rdi), %rax\n\tpop %rbx\n\tret\n.size leaf, .-leaf\n");

int main(void) {
	printf("%ld\n", leaf(41));
	return 0;
}

/* selfmod: getval's first instruction is `mov eax, 0x11223344`; the program
 * makes its code page writable (mprotect RWX) and rewrites that instruction,
 * then calls getval again and prints what it returns:
 *   selfmod        rewrites the imm32 alone (bytes 1-4): mov eax, 0x55667788
 *   selfmod full   rewrites the whole instruction, first byte included, as
 *                  the other encoding c7 c0 imm32 (mov eax, 0x55667788; ret)
 * checkpoint() is called between the rewrite and the next call. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

__asm__(".text\n"
	".globl getval\n"
	".type getval, @function\n"
	"getval:\n"
	"\tmovl $0x11223344, %eax\n"
	"\tret\n"
	"\tnop\n"
	"\tnop\n"
	".size getval, .-getval\n");
int getval(void);

__attribute__((noinline)) void checkpoint(void) { __asm__ volatile(""); }

int main(int argc, char **argv) {
	int full = argc > 1 && strcmp(argv[1], "full") == 0;
	volatile unsigned char *code = (volatile unsigned char *)(uintptr_t)getval;
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = (uintptr_t)code & ~(pg - 1);
	if (mprotect((void *)start, (uintptr_t)code + 8 - start, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) {
		perror("mprotect");
		return 2;
	}
	printf("before=%#x\n", getval());
	static const unsigned char imm[4] = {0x88, 0x77, 0x66, 0x55};
	static const unsigned char insn[7] = {0xc7, 0xc0, 0x88, 0x77, 0x66, 0x55, 0xc3};
	if (full) {
		for (int i = 0; i < 7; i++)
			code[i] = insn[i];
	} else {
		for (int i = 0; i < 4; i++)
			code[1 + i] = imm[i];
	}
	checkpoint();
	printf("after=%#x\n", getval());
	printf("again=%#x\n", getval());
	return 0;
}

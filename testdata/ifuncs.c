/* ifuncs: calls glibc's indirect functions a known number of times:
 * strlen 7, memcpy 4, strchr 3 (-fno-builtin keeps the calls), without
 * stdio, whose own calls would go to the same implementations. */
#include <string.h>
#include <unistd.h>

volatile size_t total;

int main(void)
{
	const char *words[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"};
	char buf[16];
	for (int i = 0; i < 7; i++)
		total += strlen(words[i]);
	for (int i = 0; i < 4; i++) {
		memcpy(buf, words[i], 5);
		total += (size_t)buf[i];
	}
	for (int i = 0; i < 3; i++)
		total += strchr(words[i], 'a') != NULL;
	return total == 0;
}

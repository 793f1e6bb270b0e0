/* sepmain: calls seplib_add (libseplib.so) three times. */
#include <stdio.h>

int seplib_add(int a, int b);

int main(void)
{
	int t = 0;
	for (int i = 0; i < 3; i++)
		t += seplib_add(i, 10);
	printf("t %d\n", t);
	return 0;
}

/* ifuncmain: calls libifunclib.so's indirect function addtwo 4 times. */
#include <stdio.h>

int addtwo(int x);

int main(void)
{
	int t = 0;
	for (int i = 0; i < 4; i++)
		t += addtwo(i);
	printf("t %d\n", t);
	return 0;
}

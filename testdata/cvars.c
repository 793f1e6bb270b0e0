/* cvars: debuginfo's C target. cfunc has arguments and locals of every C
 * kind the value reader decodes: int, double, char*, struct, struct pointer,
 * array, pointer into an array. */
#include <stdio.h>

struct point {
	int x;
	int y;
	const char *name;
	double w;
};

int counter = 7;
struct point origin = {1, 2, "origin", 0.25};

int cfunc(int a, double d, const char *s, struct point *pp, struct point p)
{
	int arr[4] = {10, 20, 30, 40};
	char buf[8] = "hi";
	double half = d / 2;
	unsigned long ul = 123456789012UL;
	struct point local = p;
	local.x += a;
	int *ip = &arr[2];
	{
		int inner = a * 100;
		printf("%d %f %s %d %s %d %lu\n", a, half, s, local.x, buf, inner, ul); /* MID */
	}
	return local.x + *ip + pp->y;
}

int main(void)
{
	struct point p = {3, 4, "pt", 1.5};
	return cfunc(5, 2.5, "hello", &p, p) == 0;
}

/* An enum for the expression tests (after main: line numbers above are
 * used by other tests): its enumerators read by name. */
enum color { RED, GREEN = 5, BLUE };
enum color shade = BLUE;

/* rets: C results for rets() and a function to step through with next()
   (the line numbers matter to the tests). */
#include <stdio.h>

struct pair { long a; double b; };

int add(int a, int b) { return a + b; }

double half(double x) { return x / 2; }

struct pair mkpair(long a) { struct pair p = { a, a / 4.0 }; return p; }

int compute(int n) {
	int s = 0;
	s += add(n, 1);
	s *= 2;
	return s;
}

int main(void) {
	printf("%d %.2f\n", add(40, 2), half(5));
	struct pair p = mkpair(10);
	printf("%ld %.2f\n", p.a, p.b);
	printf("%d\n", compute(5));
	return 0;
}

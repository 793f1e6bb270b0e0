/* seplib: a shared library for the separate-debug-file tests (built with
 * -g -shared -fPIC, then stripped, its DWARF in a separate file). */
int seplib_add(int a, int b)
{
	int sum = a + b;
	return sum * 2; /* SUM */
}

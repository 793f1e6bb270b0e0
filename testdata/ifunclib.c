/* ifunclib: a shared library with an indirect function of its own, which
 * it never calls itself: only the program's PLT slot ever holds the
 * implementation (impl_two). */
static int impl_one(int x) { return x + 1; }
static int impl_two(int x) { return x + 2; }
static void *resolve_addtwo(void) { return impl_two; }
int addtwo(int x) __attribute__((ifunc("resolve_addtwo")));

/* The seed of FuzzNew's corpus (../fuzz/FuzzNew): a static program without
 * libc, small enough for the fuzzer to mutate quickly, with DWARF 5 (a
 * struct argument, locals, a global) and .eh_frame. Built with
 *   gcc -g -O0 -nostdlib -static -fasynchronous-unwind-tables \
 *       -Wl,--build-id=none -Wl,-z,max-page-size=0x10 -Wl,-z,norelro -o tiny tiny.c
 * and written into the corpus, whole and damaged, by gen.go (go run gen.go tiny). */
struct pt { int x, y; };
static int add(struct pt p, int k) { int s = p.x + p.y; return s * k; }
int g = 3;
void _start(void) { struct pt p = {1, 2}; g = add(p, g); for (;;) ; }

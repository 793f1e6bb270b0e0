/* plugin: a shared library dlhost.c opens with dlopen(3). */
int plugin_add(int a, int b) { return a + b; }

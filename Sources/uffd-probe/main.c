/* uffd-probe: runs uffd scripts against the running kernel (test-only). */
#include <stdio.h>
int main(void) { fputs("uffd-probe: no script given\n", stderr); return 2; }

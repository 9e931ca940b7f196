/* fuzz: a main that runs a harness on files, for make check and for
 * reproducing a finding without clang: replay FILE... */
#include <stdlib.h>

#include "fuzz.h"
#include "xalloc.h"

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 2;
        }
        size_t cap = 1 << 16, n = 0, got;
        uint8_t *buf = xmalloc(cap);
        while ((got = fread(buf + n, 1, cap - n, f)) > 0)
            if ((n += got) == cap)
                buf = xrealloc(buf, cap *= 2);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
        free(buf);
    }
    return 0;
}

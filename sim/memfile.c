/* memfile: vrun --mem-in's reader (memfile.h). */
#include "memfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xalloc.h"

int mem_read_words(const char *path, uint32_t **words, size_t *count, char *why, size_t why_size)
{
    if (strcmp(path, "-") == 0)
        return mem_read_stream(stdin, "standard input", words, count, why, why_size);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, why_size, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    int r = mem_read_stream(f, path, words, count, why, why_size);
    fclose(f);
    return r;
}

int mem_read_stream(FILE *f, const char *path, uint32_t **words, size_t *count, char *why, size_t why_size)
{
    /* Checked against the size first when there is one. */
    struct stat st;
    int have_stat = fileno(f) >= 0 && fstat(fileno(f), &st) == 0;
    if (have_stat && S_ISDIR(st.st_mode)) {
        snprintf(why, why_size, "cannot read %s: %s", path, strerror(EISDIR));
        return -1;
    }
    int too_big = have_stat && S_ISREG(st.st_mode) && (uint64_t)st.st_size > MEM_MAX_BYTES;
    size_t cap = 1 << 16, size = 0;
    uint8_t *bytes = xmalloc(cap);
    while (!too_big) {
        if (size == cap)
            bytes = xrealloc(bytes, cap *= 2);
        size_t n = fread(bytes + size, 1, cap - size, f);
        size += n;
        if (n == 0)
            break;
        too_big = size > MEM_MAX_BYTES;
    }
    int bad = ferror(f);
    int saved = errno;
    if (too_big || bad || size % 4 != 0) {
        if (too_big)
            snprintf(why, why_size, "%s: larger than the limit of %u MiB for a memory image", path,
                     MEM_MAX_BYTES >> 20);
        else if (bad)
            snprintf(why, why_size, "cannot read %s: %s", path, strerror(saved));
        else
            snprintf(why, why_size, "%s: its size, %zu bytes, is not a multiple of 4 (raw 32-bit words expected)",
                     path, size);
        free(bytes);
        return -1;
    }
    *count = size / 4;
    *words = xmalloc(size ? size : 1);
    for (size_t i = 0; i < *count; i++)
        (*words)[i] = (uint32_t)bytes[4 * i] | (uint32_t)bytes[4 * i + 1] << 8 |
                      (uint32_t)bytes[4 * i + 2] << 16 | (uint32_t)bytes[4 * i + 3] << 24;
    free(bytes);
    return 0;
}

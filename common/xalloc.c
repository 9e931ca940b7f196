/* xalloc: allocation that aborts instead of failing. */
#include "xalloc.h"

#include <stdint.h>
#include <stdlib.h>

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        abort();
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        abort();
    return p;
}

void *xrealloc(void *p, size_t size)
{
    p = realloc(p, size ? size : 1);
    if (!p)
        abort();
    return p;
}

void *xmallocarray(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        abort();
    return xmalloc(count * size);
}

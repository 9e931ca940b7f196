/* xalloc: allocation that aborts instead of failing. */
#include "xalloc.h"

#include "background.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

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

void xprefault(void *p, size_t size)
{
#ifdef MADV_POPULATE_WRITE
    if (size < XPREFAULT_MIN)
        return;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), base = (uintptr_t)p;
    uintptr_t lo = (base + page - 1) & ~(page - 1), hi = (base + size) & ~(page - 1);
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);   /* advice: a failure changes nothing */
#else
    (void)p;
    (void)size;
#endif
}

static void prefault_job(void *p, size_t size, void *unused)
{
    (void)unused;
    xprefault(p, size);
}

void xprefault_async(void *p, size_t size)
{
    if (size >= XPREFAULT_MIN)
        bg_post(prefault_job, p, size, NULL);
}

#define PREFAULT_AHEAD ((size_t)1 << 20)

void xprefault_ahead(void *p, size_t used, size_t size, size_t *ready)
{
    if (used + PREFAULT_AHEAD / 2 < *ready || *ready >= size)
        return;
    size_t to = size - used > PREFAULT_AHEAD ? used + PREFAULT_AHEAD : size;
    if (to > *ready) {
        xprefault_async((char *)p + *ready, to - *ready);
        *ready = to;
    }
}

/*
 * xalloc: allocation that cannot fail.  Every tool treats running out of
 * memory as fatal (abort), so callers need no error paths for it; a size
 * of 0 still returns a unique pointer.
 */
#ifndef VLIW_XALLOC_H
#define VLIW_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t size);
/* count * size bytes, aborting on overflow as on exhaustion. */
void *xmallocarray(size_t count, size_t size);

#endif

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

/* Asks the system to back bytes [p, p + size) of a buffer about to be
 * written with memory now, in one call: otherwise the first write to each
 * of its pages is a page fault, which costs about twice as much per page
 * (a million-line build touches some 60,000 pages).  Only whole pages
 * inside the range are touched, nothing under XPREFAULT_MIN bytes, and
 * where the system cannot do it this does nothing: the buffer works the
 * same either way. */
#define XPREFAULT_MIN ((size_t)256 << 10)
void xprefault(void *p, size_t size);
/* The same, by the helper thread (common/background.h) while the caller
 * goes on: the caller must not free or move the buffer before bg_wait
 * (a page asked for after that would belong to whatever is there then). */
void xprefault_async(void *p, size_t size);
/* The same for a buffer of size bytes written front to back, a chunk at
 * a time, by the helper thread: the writer is at byte used, the pages of
 * [0, *ready) have been asked for; when the writer comes near *ready, the
 * next megabyte is.  The buffer's memory then grows with the writer (a
 * stage that gives back its input as it goes keeps its peak). */
void xprefault_ahead(void *p, size_t used, size_t size, size_t *ready);

#endif

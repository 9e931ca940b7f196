/*
 * srclines: the text of source lines, for tools that print code beside
 * what a line map says about it (vasm's listing, vrun's profile and
 * annotation).  Files are read on first use and kept; a file the caller
 * already holds (standard input) can be handed in instead.
 *
 *   src_cache *c = src_cache_new();
 *   int len;
 *   const char *text = src_line(c, "k.vasm", 12, &len);   -- NULL: unknown
 */
#ifndef VLIW_SRCLINES_H
#define VLIW_SRCLINES_H

#include <stddef.h>
#include <stdint.h>

typedef struct src_cache src_cache;

src_cache *src_cache_new(void);
void src_cache_free(src_cache *c);

/* Uses text (not copied: it must outlive the cache) as the file name's
 * content instead of reading it. */
void src_cache_add_text(src_cache *c, const char *name, const char *text, size_t size);

/* Lines of a file, or -1 when it cannot be read (names starting with '<',
 * such as "<stdin>", are never read from disk); errno_out gets the
 * reason (0 when the name is not a file). */
long src_line_count(src_cache *c, const char *name, int *errno_out);

/* The text of a 1-based line without its line break (a trailing CR is
 * dropped too), or NULL when the file or the line does not exist. */
const char *src_line(src_cache *c, const char *name, uint32_t line, int *len);

#endif

/*
 * text: formatting into a caller's fixed buffer.  The text is always
 * NUL-terminated and cut where the buffer ends, while len counts what the
 * whole text needs (like snprintf), so callers can size a second try.
 */
#ifndef VLIW_TEXT_H
#define VLIW_TEXT_H

#include <stddef.h>

typedef struct {
    char *buf;
    size_t size;   /* bytes available at buf */
    size_t len;    /* bytes the full text needs, without the NUL */
} text_buf;

void text_put(text_buf *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

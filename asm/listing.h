/*
 * listing: a linked image beside the source that made it.
 *
 *   bundle  source
 *        3  k.vasm:12     loop:   < alu + acc, acc, one ; load const t, 5 >
 *           0x00 0 00000002 00000002 00000003 00000000 00000000   alu + 2, 2, 3
 *           0x24 0 00000005 00000005 00000000 00000000 00000000   load const 5, 5
 *
 * One entry per bundle: its index, the file:line of its line map and that
 * line's text, then each slot as the image encodes it (op byte, mask of
 * negative operands, the five operand words) and in canonical form,
 * followed by "# file:line" of the slot's own source when that is not the
 * bundle's line, and ", macro call file:line" when a macro made it.
 * Labels of the image stand on their own line before their bundle.
 */
#ifndef VLIW_ASM_LISTING_H
#define VLIW_ASM_LISTING_H

#include <stddef.h>
#include <stdio.h>

#include "image.h"

/* A source whose text the caller already holds (standard input); other
 * files named by the line map are read again from disk. */
typedef struct {
    const char *name;
    const char *text;
    size_t size;
} asm_listing_source;

/* Returns 0, or -1 when writing to out failed. */
int asm_write_listing(FILE *out, const vimage *exe, const asm_listing_source *known, size_t nknown);

#endif

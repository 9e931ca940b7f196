/*
 * source: an object printed back as assembly source, with its symbols'
 * names (vasm -S), so that it assembles to the very same object.
 */
#ifndef VLIW_ASM_SOURCE_H
#define VLIW_ASM_SOURCE_H

#include <stdio.h>

#include "image.h"

/* Writes obj (an object, not a linked image) as source; 0, or -1 when
 * the stream failed. */
int asm_print_source(FILE *f, const vimage *obj);

#endif

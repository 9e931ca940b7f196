/*
 * disasm: an image or object back to the canonical text form (ISA.md).
 *
 * One bundle per line: a single slot as is, several as "< a ; b >", an
 * empty bundle as "nop".  Everything else the disassembler adds is a
 * comment, so the output assembles back to the same code, byte for byte:
 *
 *   # loop:
 *   < alu + 10, 10, 11 ; load vload 16, 12 >   # 10=acc, 11=one, 16=vals
 *   flow cond_jump_rel 13, -2   # -2=loop
 *
 * Label lines ("# name:") stand before the bundle a label names (a label
 * at the end of the code follows the last bundle).  The trailing comment
 * names operands: scratch operands by the scratch symbol that holds them
 * ("16=vals", "17=vals+1"), code targets by their label; in an object,
 * operands that carry a relocation by its symbol and addend instead.  With
 * lines on, the comment ends with the distinct source lines of the
 * bundle's slots ("k.vasm:4,9"), from the image's per-slot line map.
 */
#ifndef VLIW_DISASM_H
#define VLIW_DISASM_H

#include <stdio.h>

#include "image.h"

typedef struct {
    int names;       /* label lines and operand names (trailing comments) */
    int addresses;   /* each bundle's index, first in its trailing comment */
    int lines;       /* the source lines of each bundle's slots, last in its comment */
} dis_options;

/* Prints the code of img to out.  opt NULL: names on, addresses off.
 * Returns 0, or -1 when writing to out failed. */
int dis_print(FILE *out, const vimage *img, const dis_options *opt);

#endif

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
 *
 * The Python form (dis_options.python, docs/python.md) prints the code
 * as the Python take-home's program: a literal list of dicts
 * {engine: [(op, *operands), ...]}, one bundle a line, with the same
 * label lines and names as comments.
 */
#ifndef VLIW_DISASM_H
#define VLIW_DISASM_H

#include <stdio.h>

#include "image.h"

typedef struct {
    int names;       /* label lines and operand names (trailing comments) */
    int addresses;   /* each bundle's index, first in its trailing comment */
    int python;      /* the Python take-home's list of dicts instead of text */
    int lines;       /* the source lines of each bundle's slots, last in its comment */
    /* -S: the source lines each bundle comes from, as comment lines before
     * it ("# k.vasm:12:     alu + acc, acc, one"), read through this cache
     * (NULL: off).  A line already shown just before is not repeated; a
     * line a little after the last one shown of its file brings the lines
     * between (labels, comments, directives) along, as objdump -S does. */
    struct src_cache *source;
} dis_options;

/* Prints text from an image (a name, a file name) with '?' for each
 * control character, so that it cannot end or break a line; NULL: "?". */
void dis_put_safe(FILE *out, const char *text);

/* Prints the code of img to out.  opt NULL: names on, addresses off.
 * Returns 0, or -1 when writing to out failed. */
int dis_print(FILE *out, const vimage *img, const dis_options *opt);

/* Whether the Python form keeps the meaning of img's code.  A dict holds
 * a bundle's slots engine by engine (engines in the order of their first
 * slot), so a slot may move before an earlier slot of another engine;
 * that changes the program only when both write a scratch word (the later
 * write wins).  Returns 0 if no bundle has such a pair, else -1 with the
 * first one named in why (size bytes, always NUL-terminated). */
int dis_python_check(const vimage *img, char *why, size_t size);

#endif

/*
 * dump: what an image or object holds besides its code, as objdump -x,
 * nm and readelf show an ELF file (vdis --headers, --syms, --relocs,
 * --line-map; docs/vdis.md):
 *
 *   k.vo:  vliwkit relocatable object, format version 3
 *   size 1184 bytes, checksum 0x5d1c3a1e (CRC-32), 12 bundles, 31 slots
 *
 *   Sections:
 *     id  name          offset      size  contents
 *      1  CODE              92       808  12 bundles, 31 slots
 *      ...
 *
 *   Symbols:
 *          value      size  kind     binding  flags   line  name
 *              0         0  label    global   entry      3  main
 *
 * Every table is plain text, one entry a line, columns separated by
 * spaces, so scripts can read it with awk.
 */
#ifndef VLIW_DUMP_H
#define VLIW_DUMP_H

#include <stdio.h>

#include "image.h"

enum {
    DUMP_HEADERS = 1,   /* file header, section table, memory segments */
    DUMP_SYMBOLS = 2,   /* the symbol table with kinds, bindings, flags and sizes */
    DUMP_RELOCS = 4,    /* relocations (objects) */
    DUMP_LINES = 8,     /* the line map: per slot (SLOTLINES) or per bundle (LINES) */
};

/* Prints the parts `what` (DUMP_* bits) of the checked view v, whose
 * in-memory form is img (img_view_image), read from a file called name.
 * Returns 0, or -1 when writing failed. */
int dump_print(FILE *out, const img_view *v, const vimage *img, const char *name, unsigned what);

#endif

/*
 * deferred: for the suites that take deferred code (image.h) -- an
 * object's or image's code moved out into a source that reads it back
 * from the same arrays: what vasm's one-file build gives the linker and
 * the writer, with the assembler's program in place of the arrays.
 */
#ifndef VLIW_TESTS_DEFERRED_H
#define VLIW_TESTS_DEFERRED_H

#include "image.h"

/* Moves img's slots and slot lines into deferred code (img->code) that
 * reads them back, and encodes them too (img_code_source.encode: the
 * writer uses that for an image whose code is checked). */
void defer_code(vimage *img);

#endif

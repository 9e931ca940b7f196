/*
 * memfile: the reader of vrun --mem-in: a file of raw little-endian
 * 32-bit words, read no further than MEM_MAX_BYTES (a device such as
 * /dev/zero has no end).
 */
#ifndef VLIW_MEMFILE_H
#define VLIW_MEMFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MEM_MAX_BYTES (256u << 20)   /* 64 Mi words */

/* The words of path ("-": standard input) in a malloc'd array; 0, or -1 with the reason in why
 * ("/dev/zero: larger than the limit of 256 MiB for a memory image"). */
int mem_read_words(const char *path, uint32_t **words, size_t *count, char *why, size_t why_size);
/* The same from an open stream (path names it in messages). */
int mem_read_stream(FILE *f, const char *path, uint32_t **words, size_t *count, char *why, size_t why_size);

#endif

/*
 * testdir: scratch directories for the test suites that write files.
 */
#ifndef VLIW_TESTDIR_H
#define VLIW_TESTDIR_H

#include <stddef.h>

/* Creates a fresh directory $TMPDIR/PREFIX.XXXXXX (TMPDIR defaults to
 * /tmp) and stores its path in dir (size bytes); fails the test on error. */
void testdir_make(char *dir, size_t size, const char *prefix);
/* Removes a directory and everything below it. */
void testdir_remove(const char *dir);
/* The number of entries in a directory, "." and ".." aside. */
int testdir_entries(const char *dir);

#endif

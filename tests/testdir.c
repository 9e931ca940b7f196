/* testdir: scratch directories for the test suites. */
#define _XOPEN_SOURCE 700
#include "testdir.h"

#include <check.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void testdir_make(char *dir, size_t size, const char *prefix)
{
    const char *base = getenv("TMPDIR");
    snprintf(dir, size, "%s/%s.XXXXXX", base && *base ? base : "/tmp", prefix);
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    remove(path);
    return 0;
}

void testdir_remove(const char *dir)
{
    /* Depth first, without following links: children before their directory. */
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int testdir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

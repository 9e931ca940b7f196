/* outfile: a temporary beside the target, renamed into place when complete. */
#define _GNU_SOURCE   /* renameat2, RENAME_EXCHANGE */
#include "outfile.h"

#include <stdio_ext.h>   /* __fpurge */

#include <errno.h>
#include <fcntl.h>   /* AT_FDCWD */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

int outfile_open(outfile *o, const char *path)
{
    o->path = path;
    o->temp = NULL;
    o->f = NULL;
    if (strcmp(path, "-") == 0) {
        o->f = stdout;
        return 0;
    }
    /* A device or FIFO (vasm k.vasm -o /dev/null) is written in place:
     * renaming a temporary over it would replace the device itself. */
    struct stat st;
    if (stat(path, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode))) {
        o->f = fopen(path, "wb");
        return o->f ? 0 : -1;
    }
    size_t size = strlen(path) + sizeof ".tmp.XXXXXX";
    char *temp = xmalloc(size);
    snprintf(temp, size, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(temp);
    if (fd < 0) {
        int err = errno;
        free(temp);
        errno = err;
        return -1;
    }
    o->f = fdopen(fd, "wb");
    if (!o->f) {
        int err = errno;
        close(fd);
        unlink(temp);
        free(temp);
        errno = err;
        return -1;
    }
    o->temp = temp;
    return 0;
}

/* The mode open(2) would give a new file: umask can only be read by
 * setting it, so it is put straight back. */
static mode_t usual_mode(void)
{
    mode_t mask = umask(0);
    umask(mask);
    return 0666 & ~mask;
}

/* Puts temp in place of path, atomically.  Over an existing regular file
 * the two are exchanged (renameat2 RENAME_EXCHANGE, Linux 3.15 and later)
 * and the old one then removed: ext4 takes a rename over an existing file
 * for an editor's replace-by-rename and writes the new file's data out
 * before it returns (its auto_da_alloc), 35 to 48 ms for a 77 MB image,
 * which an exchange does not ask for.  Readers see the old file or the
 * new one, as with rename.  Anything else (no file there yet, a
 * filesystem without the exchange) is a plain rename. */
static int replace(const char *temp, const char *path)
{
#ifdef RENAME_EXCHANGE
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
        renameat2(AT_FDCWD, temp, AT_FDCWD, path, RENAME_EXCHANGE) == 0) {
        unlink(temp);   /* the old file now */
        return 0;
    }
#endif
    return rename(temp, path);
}

int outfile_commit(outfile *o)
{
    if (!o->f) {
        errno = EBADF;
        return -1;
    }
    /* A write that failed before left its reason in errno; a flush that
     * fails now has the fresher one. */
    int err = errno ? errno : EIO;
    int failed = ferror(o->f) != 0;
    if (fflush(o->f) != 0) {
        failed = 1;
        err = errno;
    }
    if (!o->temp) {
        if (o->f != stdout && fclose(o->f) != 0 && !failed) {
            failed = 1;
            err = errno;
        }
        /* The caller reports the failure: what standard output could not
         * take is dropped, so that the exit check (cli.h) does not report
         * it again. */
        if (o->f == stdout && failed) {
            __fpurge(stdout);
            clearerr(stdout);
        }
        o->f = NULL;
        if (failed)
            errno = err;
        return failed ? -1 : 0;
    }
    if (!failed && fchmod(fileno(o->f), usual_mode()) != 0) {
        failed = 1;
        err = errno;
    }
    if (fclose(o->f) != 0 && !failed) {
        failed = 1;
        err = errno;
    }
    o->f = NULL;
    if (!failed && replace(o->temp, o->path) != 0) {
        failed = 1;
        err = errno;
    }
    if (failed)
        unlink(o->temp);
    free(o->temp);
    o->temp = NULL;
    if (failed)
        errno = err;
    return failed ? -1 : 0;
}

void outfile_discard(outfile *o)
{
    int err = errno;
    if (o->temp) {
        fclose(o->f);
        unlink(o->temp);
        free(o->temp);
        o->temp = NULL;
    } else if (o->f == stdout) {
        /* Given up (the caller reports why): what standard output still
         * holds is dropped, so that the exit check (cli.h) does not report
         * a failed write a second time. */
        __fpurge(stdout);
        clearerr(stdout);
    } else if (o->f) {
        fclose(o->f);   /* a device: what was written cannot be taken back */
    }
    o->f = NULL;
    errno = err;
}

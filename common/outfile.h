/*
 * outfile: writing an output so that no reader ever sees half of it.
 *
 * The bytes go to a temporary file beside the target (NAME.tmp.XXXXXX: the
 * same directory, so the rename cannot cross file systems, and a visible
 * name, so one left behind by a killed process is noticed).  Commit renames
 * it over the target once complete (over an existing regular file, by
 * exchanging the two names and removing the old file: outfile.c says why);
 * a failed commit, and a discard, remove it and leave an existing target
 * as it was.  The committed file gets the mode any new file would (0666
 * minus the umask), not mkstemp's private 0600.  No fsync is done: the
 * rename makes the replacement atomic for other processes, not durable
 * across a power loss.
 *
 * The path "-" means standard output, written directly; commit only
 * flushes it (a failed commit drops what it could not take, so that the
 * tools' exit check, cli.h, does not report it again) and discard cannot
 * take back what was written.  A target
 * that is a device or a FIFO (/dev/null) is likewise
 * written in place, since a rename would replace the device itself.
 *
 *     outfile out;
 *     if (outfile_open(&out, path) != 0)
 *         report(path, errno);
 *     fwrite(data, 1, size, out.f);
 *     if (outfile_commit(&out) != 0)
 *         report(path, errno);
 */
#ifndef VLIW_OUTFILE_H
#define VLIW_OUTFILE_H

#include <stdio.h>

typedef struct {
    FILE *f;            /* write here; NULL once committed or discarded */
    const char *path;   /* the target as given; the caller keeps it alive */
    char *temp;         /* the temporary file; NULL when written in place */
} outfile;

/* Starts an output to path.  Returns 0, or -1 with errno set and nothing
 * created (o is then finished: discarding it does nothing). */
int outfile_open(outfile *o, const char *path);

/* Completes the output: flush, close, set the mode, rename into place.
 * A write that failed earlier on o->f also fails the commit (the stream's
 * error flag stays set), so writers need not check every call.  Returns 0,
 * or -1 with errno set, the temporary removed and the target untouched.
 * Either way the output is finished; committing it again fails (EBADF). */
int outfile_commit(outfile *o);

/* Abandons the output: closes and removes the temporary, leaving the
 * target untouched.  Keeps errno, so a caller may report a failure after
 * cleaning up; does nothing on an output already finished. */
void outfile_discard(outfile *o);

#endif

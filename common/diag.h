/*
 * diag: the one path by which every stage reports problems to the user.
 *
 *   k.vasm:12:5: error: unknown op 'ad' on the alu engine
 *      12 |     alu ad 1, 2, 3
 *         |         ^~
 *
 * A diag collects counts and prints as it goes.  Sources registered with
 * diag_add_source are reprinted under their messages with a caret; other
 * locations print the first line only (e.g. a linker citing an object's
 * line map).  Warnings are named (-Wname) and become errors under -Werror.
 *
 * What one bad input can print is bounded: a long line is shown as a
 * window around the caret; an error or warning repeated (the same text at
 * the same place, as in a loop) is counted and summed up at diag_flush;
 * an error shows at most 10 notes, then "... and N more"; after the
 * error limit, "too many errors emitted, stopping now" and nothing more.
 */
#ifndef VLIW_DIAG_H
#define VLIW_DIAG_H

#include <stdio.h>

typedef struct {
    const char *file;   /* NULL: no location */
    int line;           /* 1-based; 0: file only */
    int col;            /* 1-based; 0: no column */
    int len;            /* columns to underline (>= 1 when col > 0) */
} diag_loc;

typedef struct diag diag;

diag *diag_new(FILE *out, const char *program);   /* program: "vasm", used when there is no location */
void diag_free(diag *d);
void diag_set_werror(diag *d, int on);
/* -Werror=flag (on) or -Wno-error=flag (off): overrides diag_set_werror
 * for one warning; the last call for a flag wins. */
void diag_set_werror_flag(diag *d, const char *flag, int on);
/* Colours the messages as gcc and clang do on a terminal (cli_use_color
 * decides when). */
void diag_set_color(diag *d, int on);
#define DIAG_DEFAULT_ERROR_LIMIT 20
/* Errors shown before stopping (-ferror-limit=N); 0: no limit. */
void diag_set_error_limit(diag *d, int limit);
/* Whether the limit was reached: a stage may stop early, as nothing it
 * reports will be shown (errors are still counted). */
int diag_stopped(const diag *d);
/* Prints what is held back (the count of hidden notes and of repeated
 * messages); diag_free does it too. */
void diag_flush(diag *d);
/* Registers a file's text so its lines can be reprinted (copied). */
void diag_add_source(diag *d, const char *file, const char *text, size_t size);
/* on: the lines of files not registered are read from disk when a
 * message cites them (a linker citing an object's line map), so they are
 * reprinted too; off (the default): only registered files are. */
void diag_read_sources(diag *d, int on);
/* The same for a malloc'd text of size + 1 bytes, which diag takes over
 * (a big file is not copied once more). */
void diag_adopt_source(diag *d, const char *file, char *text, size_t size);
/* Forgets the registered text of file, when lines are read from disk
 * (diag_read_sources on; otherwise it is kept): a later message quotes
 * its line from the file, as for one never registered.  For a caller that
 * has no more messages of its own about a big file, so that its text and
 * line index are not held to the end of the run. */
void diag_drop_source(diag *d, const char *file);

void diag_error(diag *d, const diag_loc *loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* flag: the warning's name without -W, e.g. "double-write". */
void diag_warning(diag *d, const diag_loc *loc, const char *flag, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void diag_note(diag *d, const diag_loc *loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Holds messages back until diag_flush, which prints them in source
 * order: by file (in the order the files first appear), line and column,
 * each with its notes; messages without a line come last.  A tool whose
 * stages find errors in different orders (syntax, then symbols) still
 * reports a file top to bottom. */
void diag_hold(diag *d);
void diag_flush(diag *d);

int diag_error_count(const diag *d);   /* errors, including warnings promoted by -Werror */
int diag_warning_count(const diag *d);
/* "2 errors and 1 warning generated." as clang closes, when there were any. */
void diag_print_summary(diag *d);

#endif

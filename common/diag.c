/* diag: formatted messages with the source line and a caret. */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

typedef struct {
    char *file;
    char *text;
    size_t size;
    size_t *line_start;   /* offset of each line, built on the first lookup */
    size_t nlines;
} diag_source;

struct diag {
    FILE *out;
    char *program;
    int werror;
    int errors, warnings;
    diag_source *sources;
    size_t nsources, cap;
};

static char *dup_bytes(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

diag *diag_new(FILE *out, const char *program)
{
    diag *d = xcalloc(1, sizeof *d);
    d->out = out;
    d->program = dup_bytes(program, strlen(program));
    return d;
}

void diag_free(diag *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nsources; i++) {
        free(d->sources[i].file);
        free(d->sources[i].text);
        free(d->sources[i].line_start);
    }
    free(d->sources);
    free(d->program);
    free(d);
}

void diag_set_werror(diag *d, int on) { d->werror = on; }
int diag_error_count(const diag *d) { return d->errors; }
int diag_warning_count(const diag *d) { return d->warnings; }

void diag_add_source(diag *d, const char *file, const char *text, size_t size)
{
    if (d->nsources == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 8;
        d->sources = xrealloc(d->sources, d->cap * sizeof *d->sources);
    }
    diag_source *s = &d->sources[d->nsources++];
    s->file = dup_bytes(file, strlen(file));
    s->text = dup_bytes(text, size);
    s->size = size;
    s->line_start = NULL;
    s->nlines = 0;
}

/* Indexes the starts of a source's lines once, so that a run reporting
 * many messages in a big file does not rescan it for each one. */
static void index_lines(diag_source *s)
{
    size_t n = 1;
    for (const char *p = s->text, *end = s->text + s->size; (p = memchr(p, '\n', (size_t)(end - p))); p++)
        n++;
    s->line_start = xmallocarray(n, sizeof *s->line_start);
    s->nlines = 0;
    s->line_start[s->nlines++] = 0;
    for (size_t i = 0; i < s->size; i++)
        if (s->text[i] == '\n')
            s->line_start[s->nlines++] = i + 1;
}

/* The text of line `line` of a registered file, or NULL. */
static const char *find_line(diag *d, const char *file, int line, size_t *len)
{
    for (size_t i = d->nsources; i-- > 0;) {
        diag_source *s = &d->sources[i];
        if (strcmp(s->file, file) != 0)
            continue;
        if (!s->line_start)
            index_lines(s);
        if (line < 1 || (size_t)line > s->nlines)
            return NULL;
        size_t start = s->line_start[line - 1];
        if (start >= s->size && line > 1)
            return NULL;
        const char *p = s->text + start, *end = s->text + s->size;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        *len = (size_t)((nl ? nl : end) - p);
        if (*len && p[*len - 1] == '\r')
            (*len)--;
        return p;
    }
    return NULL;
}

static void show_source(diag *d, const diag_loc *loc)
{
    size_t len;
    const char *text = find_line(d, loc->file, loc->line, &len);
    if (!text)
        return;
    fprintf(d->out, "%5d | %.*s\n", loc->line, (int)len, text);
    if (loc->col <= 0)
        return;
    fprintf(d->out, "      | ");
    /* Keep tabs so the caret lines up under the same columns. */
    for (int c = 1; c < loc->col && (size_t)(c - 1) < len; c++)
        fputc(text[c - 1] == '\t' ? '\t' : ' ', d->out);
    fputc('^', d->out);
    for (int c = 1; c < loc->len; c++)
        fputc('~', d->out);
    fputc('\n', d->out);
}

static void report(diag *d, const diag_loc *loc, const char *kind, const char *flag, const char *fmt,
                   va_list ap)
{
    if (loc && loc->file) {
        fprintf(d->out, "%s:", loc->file);
        if (loc->line > 0) {
            fprintf(d->out, "%d:", loc->line);
            if (loc->col > 0)
                fprintf(d->out, "%d:", loc->col);
        }
        fputc(' ', d->out);
    } else {
        fprintf(d->out, "%s: ", d->program);
    }
    fprintf(d->out, "%s: ", kind);
    vfprintf(d->out, fmt, ap);
    if (flag)
        fprintf(d->out, " [%s-W%s]", d->werror ? "-Werror," : "", flag);
    fputc('\n', d->out);
    if (loc && loc->file && loc->line > 0)
        show_source(d, loc);
}

void diag_error(diag *d, const diag_loc *loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(d, loc, "error", NULL, fmt, ap);
    va_end(ap);
    d->errors++;
}

void diag_warning(diag *d, const diag_loc *loc, const char *flag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(d, loc, d->werror ? "error" : "warning", flag, fmt, ap);
    va_end(ap);
    if (d->werror)
        d->errors++;
    else
        d->warnings++;
}

void diag_note(diag *d, const diag_loc *loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(d, loc, "note", NULL, fmt, ap);
    va_end(ap);
}

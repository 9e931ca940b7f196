/* srclines: source files split into lines, read once (see srclines.h). */
#include "srclines.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

typedef struct {
    char *name;
    char *owned;              /* text read here */
    const char *text;
    size_t size;
    size_t *line_start;
    size_t nlines;
    int loaded;
    int error;                /* errno of a failed read, 0 otherwise */
} src_file;

struct src_cache {
    src_file *files;
    size_t n, cap;
};

src_cache *src_cache_new(void)
{
    return xcalloc(1, sizeof(src_cache));
}

void src_cache_free(src_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->files[i].name);
        free(c->files[i].owned);
        free(c->files[i].line_start);
    }
    free(c->files);
    free(c);
}

static char *read_all(const char *path, size_t *size, int *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *err = errno;
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int failed = ferror(f);
    *err = failed ? errno : 0;
    fclose(f);
    if (failed) {
        free(buf);
        return NULL;
    }
    *size = n;
    return buf;
}

static void split_lines(src_file *f)
{
    size_t cap = 1024;
    f->line_start = xmalloc(cap * sizeof *f->line_start);
    f->line_start[f->nlines++] = 0;
    for (size_t i = 0; i < f->size; i++)
        if (f->text[i] == '\n' && i + 1 < f->size) {
            if (f->nlines == cap) {
                cap *= 2;
                f->line_start = xrealloc(f->line_start, cap * sizeof *f->line_start);
            }
            f->line_start[f->nlines++] = i + 1;
        }
    if (f->size == 0)
        f->nlines = 0;
}

static src_file *add_file(src_cache *c, const char *name)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 8;
        c->files = xrealloc(c->files, c->cap * sizeof *c->files);
    }
    src_file *f = &c->files[c->n++];
    memset(f, 0, sizeof *f);
    f->name = xmalloc(strlen(name) + 1);
    strcpy(f->name, name);
    return f;
}

void src_cache_add_text(src_cache *c, const char *name, const char *text, size_t size)
{
    src_file *f = add_file(c, name);
    f->text = text;
    f->size = size;
    f->loaded = 1;
    split_lines(f);
}

static src_file *find(src_cache *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->files[i].name, name) == 0)
            return &c->files[i];
    src_file *f = add_file(c, name);
    if (name[0] != '<') {
        f->owned = read_all(name, &f->size, &f->error);
        f->text = f->owned;
        f->loaded = f->text != NULL;
    }
    if (f->loaded)
        split_lines(f);
    return f;
}

long src_line_count(src_cache *c, const char *name, int *errno_out)
{
    src_file *f = find(c, name);
    if (errno_out)
        *errno_out = f->error;
    return f->loaded ? (long)f->nlines : -1;
}

const char *src_line(src_cache *c, const char *name, uint32_t line, int *len)
{
    const src_file *f = find(c, name);
    if (!f->loaded || line == 0 || line > f->nlines)
        return NULL;
    size_t start = f->line_start[line - 1];
    size_t end = line < f->nlines ? f->line_start[line] - 1 : f->size;
    if (end > start && f->text[end - 1] == '\n')
        end--;
    if (end > start && f->text[end - 1] == '\r')
        end--;
    *len = (int)(end - start);
    return f->text + start;
}

/* depfile: make dependencies of an assembly (depfile.h). */
#include "depfile.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static void add(dep_list *l, const char *name)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->names[i], name) == 0)
            return;
    if (l->count == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->names = xrealloc(l->names, l->cap * sizeof *l->names);
    }
    size_t len = strlen(name);
    char *copy = xmalloc(len + 1);
    memcpy(copy, name, len + 1);
    l->names[l->count++] = copy;
}

void dep_add_input(dep_list *l, const char *name)
{
    size_t before = l->count;
    add(l, name);
    if (l->count > before)
        l->ninputs = l->count;
}

void dep_add_include(dep_list *l, const char *name)
{
    add(l, name);
}

void dep_on_include(void *list, const char *name)
{
    dep_add_include(list, name);
}

void dep_free(dep_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->names[i]);
    free(l->names);
    *l = (dep_list){0};
}

/* Writes name escaped for a make rule; returns the columns written. */
static size_t put_escaped(FILE *f, const char *name)
{
    size_t n = 0;
    for (const char *p = name; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '#' || *p == '\\')
            n += (size_t)fprintf(f, "\\%c", *p);
        else if (*p == '$')
            n += (size_t)fprintf(f, "$$");
        else
            n += (size_t)(fputc(*p, f) != EOF);
    }
    return n;
}

#define DEP_LINE_WIDTH 75   /* where gcc wraps a rule */

void dep_write(FILE *f, const char *target, int quote_target, const dep_list *l, int phony)
{
    size_t col = (quote_target ? put_escaped(f, target) : (size_t)fprintf(f, "%s", target)) + 1;
    fputc(':', f);
    for (size_t i = 0; i < l->count; i++) {
        size_t len = strlen(l->names[i]);
        if (col + 1 + len > DEP_LINE_WIDTH && col > 1) {
            fputs(" \\\n ", f);
            col = 1;
        }
        fputc(' ', f);
        col += 1 + put_escaped(f, l->names[i]);
    }
    fputc('\n', f);
    for (size_t i = l->ninputs; phony && i < l->count; i++) {
        fputc('\n', f);
        put_escaped(f, l->names[i]);
        fputs(":\n", f);
    }
}

char *dep_default_name(const char *output)
{
    const char *slash = strrchr(output, '/');
    const char *base = slash ? slash + 1 : output;
    const char *dot = strrchr(base, '.');
    size_t keep = dot && dot != base ? (size_t)(dot - output) : strlen(output);
    char *name = xmalloc(keep + 3);
    memcpy(name, output, keep);
    memcpy(name + keep, ".d", 3);
    return name;
}

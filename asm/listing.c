/* listing: per bundle, the source line and the encoded slots. */
#include "listing.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"

typedef struct {
    const char *name;
    char *owned;                /* text read here (freed at the end) */
    const char *text;
    size_t size;
    size_t *line_start;         /* built on first use */
    size_t nlines;
    int loaded;
} source_file;

typedef struct {
    source_file *files;
    size_t n, cap;
} source_cache;

static source_file *find_source(source_cache *c, const char *name, const asm_listing_source *known, size_t nknown)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->files[i].name, name) == 0)
            return &c->files[i];
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 8;
        c->files = realloc(c->files, c->cap * sizeof *c->files);
        if (!c->files)
            abort();
    }
    source_file *f = &c->files[c->n++];
    memset(f, 0, sizeof *f);
    f->name = name;
    for (size_t i = 0; i < nknown; i++)
        if (strcmp(known[i].name, name) == 0) {
            f->text = known[i].text;
            f->size = known[i].size;
            f->loaded = 1;
        }
    if (!f->loaded && name[0] != '<') {
        f->owned = asm_read_source(name, &f->size);
        f->text = f->owned;
        f->loaded = f->text != NULL;
    }
    if (f->loaded) {
        size_t cap = 1024;
        f->line_start = malloc(cap * sizeof *f->line_start);
        if (!f->line_start)
            abort();
        f->line_start[f->nlines++] = 0;
        for (size_t i = 0; i < f->size; i++)
            if (f->text[i] == '\n') {
                if (f->nlines == cap) {
                    cap *= 2;
                    f->line_start = realloc(f->line_start, cap * sizeof *f->line_start);
                    if (!f->line_start)
                        abort();
                }
                f->line_start[f->nlines++] = i + 1;
            }
    }
    return f;
}

/* The text of a 1-based line, without its newline; NULL when unknown. */
static const char *line_text(const source_file *f, uint32_t line, int *len)
{
    if (!f->loaded || line == 0 || line > f->nlines)
        return NULL;
    size_t start = f->line_start[line - 1];
    size_t end = line < f->nlines ? f->line_start[line] - 1 : f->size;
    if (end > start && f->text[end - 1] == '\r')
        end--;
    *len = (int)(end - start);
    return f->text + start;
}

static int by_value(const void *a, const void *b)
{
    const img_symbol *x = *(const img_symbol *const *)a, *y = *(const img_symbol *const *)b;
    return x->value < y->value ? -1 : x->value > y->value;
}

/* "  # m.vasm:2, macro call m.vasm:9": a slot's own source, when it is
 * not simply its bundle's line (a macro body, or a bundle gathering slots
 * of several lines). */
static void put_slot_source(FILE *out, const vimage *exe, uint32_t bundle, uint32_t slot)
{
    img_slot_line l = img_slot_source(exe, bundle, slot);
    const char *file = img_string(exe, l.file);
    if (!file || !*file)
        return;
    int same = exe->lines && exe->lines[bundle].file == l.file && exe->lines[bundle].line == l.line;
    if (same && !l.call_line)
        return;
    fprintf(out, "   # %s:%" PRIu32, file, l.line);
    const char *call = img_string(exe, l.call_file);
    if (l.call_line && call && *call)
        fprintf(out, ", macro call %s:%" PRIu32, call, l.call_line);
}

int asm_write_listing(FILE *out, const vimage *exe, const asm_listing_source *known, size_t nknown)
{
    source_cache cache = {NULL, 0, 0};
    /* Labels sorted by bundle, to print each before its bundle. */
    const img_symbol **labels = malloc((exe->nsymbols ? exe->nsymbols : 1) * sizeof *labels);
    if (!labels)
        abort();
    size_t nlabels = 0, next_label = 0;
    for (uint32_t i = 0; i < exe->nsymbols; i++)
        if (exe->symbols[i].kind == IMG_SYM_LABEL)
            labels[nlabels++] = &exe->symbols[i];
    qsort(labels, nlabels, sizeof *labels, by_value);

    /* The widest "file:line", so the source text lines up. */
    int width = 6;
    for (uint32_t b = 0; exe->lines && b < exe->nbundles; b++) {
        const char *file = img_string(exe, exe->lines[b].file);
        int w = file && *file ? snprintf(NULL, 0, "%s:%" PRIu32, file, exe->lines[b].line) : 0;
        width = w > width ? w : width;
    }
    fprintf(out, "bundle  %-*s  text\n", width, "source");
    for (uint32_t b = 0; b <= exe->nbundles; b++) {
        for (; next_label < nlabels && labels[next_label]->value == b; next_label++)
            fprintf(out, "%s:\n", img_string(exe, labels[next_label]->name));
        if (b == exe->nbundles)
            break;
        const char *file = exe->lines ? img_string(exe, exe->lines[b].file) : NULL;
        uint32_t line = exe->lines ? exe->lines[b].line : 0;
        char where[4096] = "";
        const char *text = NULL;
        int len = 0;
        if (file && *file) {
            snprintf(where, sizeof where, "%s:%" PRIu32, file, line);
            text = line_text(find_source(&cache, file, known, nknown), line, &len);
        }
        fprintf(out, "%6" PRIu32 "  %-*s  %.*s\n", b, width, where, text ? len : 0, text ? text : "");
        for (uint32_t s = exe->bundle_start[b]; s < exe->bundle_start[b + 1]; s++) {
            const isa_slot *slot = &exe->slots[s];
            unsigned mask = 0;
            for (int a = 0; a < ISA_MAX_ARGS; a++)
                mask |= (slot->arg[a] < 0) << a;
            fprintf(out, "        0x%02x %02x", (unsigned)slot->op, mask);
            for (int a = 0; a < ISA_MAX_ARGS; a++)
                fprintf(out, " %08" PRIx32, (uint32_t)slot->arg[a]);
            const char *c = slot->op < ISA_OP_COUNT ? strchr(isa_ops[slot->op].kinds, 'c') : NULL;
            const char *comment = c ? img_string(exe, (uint32_t)slot->arg[c - isa_ops[slot->op].kinds]) : NULL;
            char canon[512];
            isa_format_slot(canon, sizeof canon, slot, comment);
            fprintf(out, "   %s", canon);
            put_slot_source(out, exe, b, s);
            fputc('\n', out);
        }
    }
    for (size_t i = 0; i < cache.n; i++) {
        free(cache.files[i].owned);
        free(cache.files[i].line_start);
    }
    free(cache.files);
    free(labels);
    return ferror(out) ? -1 : 0;
}

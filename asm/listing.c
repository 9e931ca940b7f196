/* listing: per bundle, the source line and the encoded slots. */
#include "listing.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "srclines.h"

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
    src_cache *cache = src_cache_new();
    for (size_t i = 0; i < nknown; i++)
        src_cache_add_text(cache, known[i].name, known[i].text, known[i].size);
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
            text = src_line(cache, file, line, &len);
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
    src_cache_free(cache);
    free(labels);
    return ferror(out) ? -1 : 0;
}

/* dump: headers, sections, symbols, relocations and line map of an image
 * or object (dump.h). */
#include "dump.h"

#include <inttypes.h>
#include <string.h>

#include "disasm.h"

static const char *const section_names[] = {
    NULL, "CODE", "STRINGS", "SYMBOLS", "LINES", "MEMORY", "RELOCS", "SLOTLINES", "SYMLINES",
};

static const char *kind_name(uint8_t kind)
{
    switch (kind) {
    case IMG_SYM_LABEL: return "label";
    case IMG_SYM_SCRATCH: return "scratch";
    case IMG_SYM_CONST: return "const";
    }
    return "unknown";   /* an extern whose kind its definition decides */
}

static const char *binding_name(uint8_t binding)
{
    switch (binding) {
    case IMG_BIND_LOCAL: return "local";
    case IMG_BIND_GLOBAL: return "global";
    }
    return "extern";
}

static const char *reloc_name(uint8_t kind)
{
    switch (kind) {
    case IMG_REL_CODE_ABS: return "CODE_ABS";
    case IMG_REL_CODE_REL: return "CODE_REL";
    case IMG_REL_SCRATCH: return "SCRATCH";
    }
    return "CONST";
}

/* What a section holds, counted ("12 bundles, 31 slots"). */
static void section_contents(FILE *out, const vimage *img, int id)
{
    switch (id) {
    case IMG_SEC_CODE:
        fprintf(out, "%" PRIu32 " bundles, %" PRIu32 " slots", img->nbundles, img->nslots);
        break;
    case IMG_SEC_STRINGS: {
        uint32_t n = 0;
        for (uint32_t i = 1; i < img->strings_size; i++)
            n += img->strings[i] == '\0';
        fprintf(out, "%" PRIu32 " strings", n);
        break;
    }
    case IMG_SEC_SYMBOLS: fprintf(out, "%" PRIu32 " symbols", img->nsymbols); break;
    case IMG_SEC_LINES: fprintf(out, "%" PRIu32 " bundle lines", img->nbundles); break;
    case IMG_SEC_MEMORY: {
        uint64_t words = 0;
        for (uint32_t i = 0; i < img->nsegments; i++)
            words += img->segments[i].count;
        fprintf(out, "%" PRIu32 " segments, %" PRIu64 " words", img->nsegments, words);
        break;
    }
    case IMG_SEC_RELOCS: fprintf(out, "%" PRIu32 " relocations", img->nrelocs); break;
    case IMG_SEC_SLOTLINES: fprintf(out, "%" PRIu32 " slot lines", img->nslots); break;
    case IMG_SEC_SYMLINES: fprintf(out, "%" PRIu32 " symbol places", img->nsymbols); break;
    }
}

static void print_headers(FILE *out, const img_view *v, const vimage *img, const char *name)
{
    dis_put_safe(out, name);
    fprintf(out, ":  vliwkit %s, format version %u\n",
            img->type == IMG_OBJECT ? "relocatable object" : "executable image",
            (unsigned)(v->data[4] | v->data[5] << 8));
    fprintf(out, "size %zu bytes, checksum 0x%08" PRIx32 " (CRC-32), %" PRIu32 " bundles, %" PRIu32 " slots\n",
            v->size, img_le32(v->data + 12), img->nbundles, img->nslots);
    fprintf(out, "\nSections:\n  %2s  %-10s  %10s  %10s  %s\n", "id", "name", "offset", "size", "contents");
    for (int id = IMG_SEC_CODE; id <= IMG_SEC_SYMLINES; id++) {
        if (!v->section[id])
            continue;
        fprintf(out, "  %2d  %-10s  %10zu  %10" PRIu32 "  ", id, section_names[id],
                (size_t)(v->section[id] - v->data), v->section_size[id]);
        section_contents(out, img, id);
        fputc('\n', out);
    }
    if (img->nsegments) {
        fprintf(out, "\nMemory segments:\n  %10s  %10s  %10s\n", "address", "last", "words");
        for (uint32_t i = 0; i < img->nsegments; i++) {
            const img_segment *g = &img->segments[i];
            if (g->count)
                fprintf(out, "  %10" PRIu32 "  %10" PRIu64 "  %10" PRIu32 "\n", g->address,
                        (uint64_t)g->address + g->count - 1, g->count);
            else
                fprintf(out, "  %10" PRIu32 "  %10s  %10d\n", g->address, "-", 0);
        }
    }
}

static void print_flags(FILE *out, uint16_t flags)
{
    char text[16] = "-";
    if (flags & IMG_SYMF_FIXED)
        strcpy(text, "fixed");
    if (flags & IMG_SYMF_ENTRY)
        strcpy(text, flags & IMG_SYMF_FIXED ? "fixed,entry" : "entry");
    fprintf(out, "%-6s", text);
}

static void print_symbols(FILE *out, const vimage *img)
{
    fprintf(out, "\nSymbols:\n  %10s  %6s  %-8s %-8s %-6s  %6s  %s\n", "value", "size", "kind", "binding", "flags",
            "line", "name");
    for (uint32_t i = 0; i < img->nsymbols; i++) {
        const img_symbol *s = &img->symbols[i];
        /* An extern's value means nothing until the link; a scratch
         * symbol placed by the linker has none in an object either. */
        int no_value = s->binding == IMG_BIND_EXTERN ||
                       (img->type == IMG_OBJECT && s->kind == IMG_SYM_SCRATCH && !(s->flags & IMG_SYMF_FIXED));
        if (no_value)
            fprintf(out, "  %10s", "-");
        else
            fprintf(out, "  %10" PRIu32, s->value);
        fprintf(out, "  %6" PRIu32 "  %-8s %-8s ", s->size, kind_name(s->kind), binding_name(s->binding));
        print_flags(out, s->flags);
        fprintf(out, "  %6" PRIu32 "  ", s->line);
        dis_put_safe(out, img_string(img, s->name));
        fputc('\n', out);
    }
}

/* The bundle holding slot (an index over all slots). */
static uint32_t bundle_of(const vimage *img, uint32_t slot)
{
    uint32_t lo = 0, hi = img->nbundles;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (img->bundle_start[mid] <= slot)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static void print_relocs(FILE *out, const vimage *img)
{
    fprintf(out, "\nRelocations:\n  %8s  %6s  %7s  %-8s  %-24s  %s\n", "bundle", "slot", "operand", "kind",
            "symbol+addend", "source");
    for (uint32_t i = 0; i < img->nrelocs; i++) {
        const img_reloc *r = &img->relocs[i];
        uint32_t b = bundle_of(img, r->slot);
        fprintf(out, "  %8" PRIu32 "  %6" PRIu32 "  %7u  %-8s  ", b, r->slot - img->bundle_start[b],
                (unsigned)r->operand + 1, reloc_name(r->kind));
        const char *name = img_string(img, img->symbols[r->symbol].name);
        int width = 0;
        for (const char *p = name ? name : "?"; *p; p++)
            width++;
        dis_put_safe(out, name);
        if (r->addend)
            width += fprintf(out, "%+" PRId32, r->addend);
        fprintf(out, "%*s  ", width < 24 ? 24 - width : 0, "");
        char where[512];
        img_format_source(img, b, (int)(r->slot - img->bundle_start[b]), where, sizeof where);
        dis_put_safe(out, where[0] ? where : "-");
        fputc('\n', out);
    }
}

static void print_lines(FILE *out, const vimage *img)
{
    if (!img->lines && !img->slot_lines) {
        fputs("\nLine map: none\n", out);
        return;
    }
    fprintf(out, "\nLine map (%s):\n  %8s  %6s  %s\n", img->slot_lines ? "per slot" : "per bundle", "bundle", "slot",
            "source");
    char where[512];
    for (uint32_t b = 0; b < img->nbundles; b++) {
        uint32_t first = img->bundle_start[b], end = img->bundle_start[b + 1];
        if (!img->slot_lines || first == end) {
            img_format_source(img, b, -1, where, sizeof where);
            fprintf(out, "  %8" PRIu32 "  %6s  ", b, "-");
            dis_put_safe(out, where[0] ? where : "-");
            fputc('\n', out);
            continue;
        }
        for (uint32_t i = first; i < end; i++) {
            img_format_source(img, b, (int)(i - first), where, sizeof where);
            fprintf(out, "  %8" PRIu32 "  %6" PRIu32 "  ", b, i - first);
            dis_put_safe(out, where[0] ? where : "-");
            fputc('\n', out);
        }
    }
}

int dump_print(FILE *out, const img_view *v, const vimage *img, const char *name, unsigned what)
{
    if (what & DUMP_HEADERS)
        print_headers(out, v, img, name);
    if (what & DUMP_SYMBOLS)
        print_symbols(out, img);
    if (what & DUMP_RELOCS) {
        if (img->type == IMG_OBJECT)
            print_relocs(out, img);
        else
            fputs("\nRelocations: none (an executable image has none)\n", out);
    }
    if (what & DUMP_LINES)
        print_lines(out, img);
    return ferror(out) ? -1 : 0;
}

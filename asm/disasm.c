/* disasm: canonical text of an image, with names as comments (disasm.h). */
#include "disasm.h"

#include <stdlib.h>
#include <string.h>

#include "srclines.h"
#include "text.h"
#include "xalloc.h"

/* -S: at most this many lines between the last shown line of a file and
 * the next are shown with it; a longer gap shows the line alone. */
#define DIS_SOURCE_GAP 8

/* One operand name of a bundle's trailing comment: "value=name+offset". */
typedef struct {
    int64_t value;
    uint32_t symbol;
    int64_t offset;
} dis_name;

/* Sort keys that carry what they are sorted by, so qsort needs no
 * context. */
typedef struct { uint32_t value, symbol; } dis_label;
typedef struct { uint32_t slot, operand, reloc; } dis_reloc;

typedef struct {
    const vimage *img;
    dis_options opt;
    /* scratch word -> index of the scratch symbol that names it, or -1 */
    int32_t scratch_owner[ISA_SCRATCH_WORDS];
    dis_label *labels;         /* defined labels, by bundle then symbol order */
    uint32_t nlabels;
    dis_reloc *relocs;         /* relocations, by slot then operand */
    uint32_t nrelocs;
    dis_name *names;           /* the current bundle's operand names */
    size_t nnames, cap_names;
    /* -S: the last line shown, and per file (by string offset) the last
     * line shown of it */
    uint32_t shown_file, shown_line;
    struct { uint32_t file, line; } *shown;
    size_t nshown;
} dis_ctx;

static int by_label_position(const void *pa, const void *pb)
{
    const dis_label *a = pa, *b = pb;
    if (a->value != b->value)
        return a->value < b->value ? -1 : 1;
    return a->symbol < b->symbol ? -1 : a->symbol > b->symbol;
}

static int by_reloc_place(const void *pa, const void *pb)
{
    const dis_reloc *a = pa, *b = pb;
    if (a->slot != b->slot)
        return a->slot < b->slot ? -1 : 1;
    if (a->operand != b->operand)
        return a->operand < b->operand ? -1 : 1;
    return a->reloc < b->reloc ? -1 : a->reloc > b->reloc;
}

/* Scratch symbols name words in an executable; in an object only fixed
 * ones have their final address (the others get theirs from the linker). */
static void map_scratch(dis_ctx *c)
{
    const vimage *img = c->img;
    for (int w = 0; w < ISA_SCRATCH_WORDS; w++)
        c->scratch_owner[w] = -1;
    for (uint32_t i = 0; i < img->nsymbols; i++) {
        const img_symbol *s = &img->symbols[i];
        if (s->kind != IMG_SYM_SCRATCH || s->binding == IMG_BIND_EXTERN)
            continue;
        if (img->type == IMG_OBJECT && !(s->flags & IMG_SYMF_FIXED))
            continue;
        uint64_t end = (uint64_t)s->value + (s->size ? s->size : 1);
        for (uint64_t w = s->value; w < end && w < ISA_SCRATCH_WORDS; w++) {
            int32_t prev = c->scratch_owner[w];
            /* the first symbol wins, unless a later one starts right here */
            if (prev < 0 || (img->symbols[prev].value != w && s->value == w))
                c->scratch_owner[w] = (int32_t)i;
        }
    }
}

static void ctx_init(dis_ctx *c, const vimage *img, const dis_options *opt)
{
    memset(c, 0, sizeof *c);
    c->img = img;
    c->opt = opt ? *opt : (dis_options){.names = 1, .addresses = 0};
    if (!c->opt.names)
        return;
    map_scratch(c);
    c->labels = xmalloc(img->nsymbols * sizeof *c->labels);
    for (uint32_t i = 0; i < img->nsymbols; i++)
        if (img->symbols[i].kind == IMG_SYM_LABEL && img->symbols[i].binding != IMG_BIND_EXTERN)
            c->labels[c->nlabels++] = (dis_label){img->symbols[i].value, i};
    c->relocs = xmalloc(img->nrelocs * sizeof *c->relocs);
    for (uint32_t i = 0; i < img->nrelocs; i++)
        c->relocs[c->nrelocs++] = (dis_reloc){img->relocs[i].slot, img->relocs[i].operand, i};
    qsort(c->labels, c->nlabels, sizeof *c->labels, by_label_position);
    qsort(c->relocs, c->nrelocs, sizeof *c->relocs, by_reloc_place);
}

static void ctx_free(dis_ctx *c)
{
    free(c->shown);
    free(c->labels);
    free(c->relocs);
    free(c->names);
}

/* First label at a bundle, or -1. */
static int64_t label_at(const dis_ctx *c, int64_t bundle)
{
    uint32_t lo = 0, hi = c->nlabels;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if ((int64_t)c->labels[mid].value < bundle)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < c->nlabels && c->labels[lo].value == bundle)
        return c->labels[lo].symbol;
    return -1;
}

void dis_put_safe(FILE *out, const char *text)
{
    for (const char *p = text ? text : "?"; *p; p++)
        fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, out);
}

/* Names come from an image that may not come from our assembler: print
 * them so that they cannot end the comment's line. */
static void put_name(FILE *out, const vimage *img, uint32_t symbol)
{
    dis_put_safe(out, img_string(img, img->symbols[symbol].name));
}

static void add_name(dis_ctx *c, int64_t value, uint32_t symbol, int64_t offset)
{
    for (size_t i = 0; i < c->nnames; i++)
        if (c->names[i].value == value && c->names[i].symbol == symbol && c->names[i].offset == offset)
            return;
    if (c->nnames == c->cap_names) {
        c->cap_names = c->cap_names ? 2 * c->cap_names : 16;
        c->names = realloc(c->names, c->cap_names * sizeof *c->names);
        if (!c->names)
            abort();
    }
    c->names[c->nnames++] = (dis_name){value, symbol, offset};
}

/* Collects the names of one slot's operands.  *reloc is the cursor into
 * the sorted relocations, advanced past this slot's. */
static void name_operands(dis_ctx *c, uint32_t bundle, uint32_t slot_index, uint32_t *reloc)
{
    const vimage *img = c->img;
    const isa_slot *slot = &img->slots[slot_index];
    const char *kinds = isa_ops[slot->op].kinds;
    uint8_t relocated = 0;
    for (; *reloc < c->nrelocs && c->relocs[*reloc].slot == slot_index; (*reloc)++) {
        const img_reloc *r = &img->relocs[c->relocs[*reloc].reloc];
        add_name(c, slot->arg[r->operand], r->symbol, r->addend);
        relocated |= (uint8_t)(1u << r->operand);
    }
    for (int a = 0; kinds[a]; a++) {
        if (relocated & (1u << a))
            continue;
        int64_t v = slot->arg[a];
        switch (kinds[a]) {
        case 'd': case 'D': case 's': case 'S':
            if (v >= 0 && v < ISA_SCRATCH_WORDS && c->scratch_owner[v] >= 0) {
                uint32_t sym = (uint32_t)c->scratch_owner[v];
                add_name(c, v, sym, v - img->symbols[sym].value);
            }
            break;
        case 't':
        case 'r': {
            int64_t target = kinds[a] == 't' ? v : (int64_t)bundle + 1 + v;
            int64_t sym = label_at(c, target);
            if (sym >= 0)
                add_name(c, v, (uint32_t)sym, 0);
            break;
        }
        default:
            break;   /* load_offset's displaced words would need two names; immediates have none */
        }
    }
}

static void print_labels(dis_ctx *c, FILE *out, uint32_t *next_label, uint32_t bundle)
{
    for (; *next_label < c->nlabels && c->labels[*next_label].value <= bundle; (*next_label)++) {
        fputs(c->opt.python ? "    # " : "# ", out);
        put_name(out, c->img, c->labels[*next_label].symbol);
        fputs(":\n", out);
    }
}

static void print_slot(FILE *out, const vimage *img, const isa_slot *slot)
{
    char buf[256];
    const char *comment = slot->op == ISA_OP_COMMENT ? img_string(img, (uint32_t)slot->arg[0]) : NULL;
    size_t n = isa_format_slot(buf, sizeof buf, slot, comment);
    if (n < sizeof buf) {
        fputs(buf, out);
        return;
    }
    char *big = xmalloc(n + 1);
    isa_format_slot(big, n + 1, slot, comment);
    fputs(big, out);
    free(big);
}

static void print_comment(dis_ctx *c, FILE *out, uint32_t bundle)
{
    char source[512] = "";
    if (c->opt.lines)
        img_format_source(c->img, bundle, -1, source, sizeof source);
    for (char *p = source; (p = strpbrk(p, "\n\r")) != NULL;)
        *p = '?';   /* a file name must not end the comment's line */
    if (!c->opt.addresses && c->nnames == 0 && !*source)
        return;
    fputs("   #", out);
    if (c->opt.addresses)
        fprintf(out, " %u%s", bundle, c->nnames ? ":" : "");
    for (size_t i = 0; i < c->nnames; i++) {
        const dis_name *n = &c->names[i];
        fprintf(out, "%s %lld=", i ? "," : "", (long long)n->value);
        put_name(out, c->img, n->symbol);
        if (n->offset)
            fprintf(out, "%+lld", (long long)n->offset);
    }
    if (*source)
        fprintf(out, "%s %s", c->opt.addresses || c->nnames ? ";" : "", source);
}

/* -S: one source line as a comment line; a file that cannot be read shows
 * its line numbers alone. */
static void print_source_line(dis_ctx *c, FILE *out, const char *file, uint32_t line)
{
    int len;
    const char *text = src_line(c->opt.source, file, line, &len);
    if (!text && src_line_count(c->opt.source, file, NULL) >= 0)
        return;   /* past the end of a readable file */
    fputs("# ", out);
    dis_put_safe(out, file);
    fprintf(out, ":%u:", line);
    if (text) {
        fputc(' ', out);
        for (int i = 0; i < len; i++)
            fputc((unsigned char)text[i] < 0x20 && text[i] != '\t' ? '?' : text[i], out);
    }
    fputc('\n', out);
}

/* -S: the source lines of one slot (or, for an empty bundle, of the
 * bundle), unless just shown. */
static void show_source(dis_ctx *c, FILE *out, img_slot_line at)
{
    const char *file = img_string(c->img, at.file);
    if (!at.line || !file || !*file || (at.file == c->shown_file && at.line == c->shown_line))
        return;
    size_t k = 0;
    while (k < c->nshown && c->shown[k].file != at.file)
        k++;
    if (k == c->nshown) {
        c->shown = xrealloc(c->shown, (c->nshown + 1) * sizeof *c->shown);
        c->shown[c->nshown++].file = at.file;
        c->shown[k].line = 0;
    }
    uint32_t last = c->shown[k].line;
    uint32_t from = last && at.line > last && at.line - last <= DIS_SOURCE_GAP ? last + 1 : at.line;
    for (uint32_t l = from; l <= at.line; l++)
        print_source_line(c, out, file, l);
    c->shown[k].line = at.line;
    c->shown_file = at.file;
    c->shown_line = at.line;
}

static void print_bundle_source(dis_ctx *c, FILE *out, uint32_t bundle)
{
    uint32_t first = c->img->bundle_start[bundle], end = c->img->bundle_start[bundle + 1];
    if (first == end && c->img->lines)
        show_source(c, out, (img_slot_line){c->img->lines[bundle].file, c->img->lines[bundle].line, 0, 0});
    for (uint32_t i = first; i < end; i++)
        show_source(c, out, img_slot_source(c->img, bundle, i));
}

/* ------------------------------------------------------------------ */
/* The Python form (docs/python.md) */

/* The engines of a bundle's slots in the order of their first slot: the
 * order of the keys of its Python dict.  Returns how many there are. */
static int engine_order(const vimage *img, uint32_t first, uint32_t end, isa_engine order[ISA_ENGINE_COUNT])
{
    int n = 0;
    unsigned seen = 0;
    for (uint32_t i = first; i < end; i++) {
        isa_engine e = isa_ops[img->slots[i].op].engine;
        if (!(seen & (1u << e))) {
            seen |= 1u << e;
            order[n++] = e;
        }
    }
    return n;
}

static int ranges_overlap(const isa_range *a, int na, const isa_range *b, int nb, uint32_t *word)
{
    for (int i = 0; i < na; i++)
        for (int j = 0; j < nb; j++) {
            uint32_t lo = a[i].first > b[j].first ? a[i].first : b[j].first;
            uint32_t hi_a = a[i].first + a[i].count, hi_b = b[j].first + b[j].count;
            if (lo < (hi_a < hi_b ? hi_a : hi_b)) {
                *word = lo;
                return 1;
            }
        }
    return 0;
}

int dis_python_check(const vimage *img, char *why, size_t size)
{
    for (uint32_t b = 0; b < img->nbundles; b++) {
        uint32_t first = img->bundle_start[b], end = img->bundle_start[b + 1];
        isa_engine order[ISA_ENGINE_COUNT];
        int rank[ISA_ENGINE_COUNT];
        int n = engine_order(img, first, end, order);
        for (int r = 0; r < n; r++)
            rank[order[r]] = r;
        /* grouping moves slot j before an earlier slot i only when j's
         * engine has a slot before i's first one */
        for (uint32_t i = first; i < end; i++) {
            isa_range wi[ISA_MAX_RANGES];
            int nwi = isa_slot_writes(&img->slots[i], wi);
            for (uint32_t j = i + 1; j < end && nwi; j++) {
                isa_range wj[ISA_MAX_RANGES];
                uint32_t word;
                if (rank[isa_ops[img->slots[j].op].engine] >= rank[isa_ops[img->slots[i].op].engine])
                    continue;
                if (!ranges_overlap(wi, nwi, wj, isa_slot_writes(&img->slots[j], wj), &word))
                    continue;
                char si[128], sj[128];
                isa_format_slot(si, sizeof si, &img->slots[i], NULL);
                isa_format_slot(sj, sizeof sj, &img->slots[j], NULL);
                text_buf t = {why, size, 0};
                text_put(&t, "bundle %u: slots %u (%s) and %u (%s) both write scratch word %u; "
                         "a Python dict holds a bundle's slots engine by engine, which would "
                         "put the second first and change which write wins",
                         b, i - first, si, j - first, sj, word);
                return -1;
            }
        }
    }
    return 0;
}

/* A string as Python's repr() writes it: single quotes unless the text
 * holds one and no double quote; bytes from 0x80 up are copied as they
 * are (UTF-8 text stays readable). */
static void put_py_string(FILE *out, const char *s)
{
    char quote = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
    fputc(quote, out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\\' || *p == quote)
            fprintf(out, "\\%c", *p);
        else if (*p == '\t')
            fputs("\\t", out);
        else if (*p == '\r')
            fputs("\\r", out);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
    }
    fputc(quote, out);
}

static void put_py_key(FILE *out, const isa_slot *slot, int64_t item)
{
    int64_t key = slot->arg[3];
    fprintf(out, "(%lld, %lld, '%s'", (long long)slot->arg[1], (long long)item, isa_trace_key_names[key]);
    if (isa_trace_key_takes_stage[key])
        fprintf(out, ", %lld", (long long)slot->arg[4]);
    fputc(')', out);
}

/* A slot as the take-home's KernelBuilder writes it: (op, *operands); a
 * compare's key as (round, item, name[, stage]); a vcompare's as the list
 * of its 8 lanes' keys, items item..item+7. */
static void print_py_slot(FILE *out, const vimage *img, const isa_slot *slot)
{
    const isa_op_info *info = &isa_ops[slot->op];
    fputc('(', out);
    put_py_string(out, info->mnemonic);
    if (slot->op == ISA_OP_COMMENT) {
        fputs(", ", out);
        put_py_string(out, img_string(img, (uint32_t)slot->arg[0]));
    } else if (slot->op == ISA_OP_COMPARE || slot->op == ISA_OP_VCOMPARE) {
        fprintf(out, ", %lld, ", (long long)slot->arg[0]);
        if (slot->op == ISA_OP_COMPARE) {
            put_py_key(out, slot, slot->arg[2]);
        } else {
            fputc('[', out);
            for (int lane = 0; lane < ISA_VLEN; lane++) {
                fputs(lane ? ", " : "", out);
                put_py_key(out, slot, slot->arg[2] + lane);
            }
            fputc(']', out);
        }
    } else {
        for (int a = 0; a < info->nargs; a++)
            fprintf(out, ", %lld", (long long)slot->arg[a]);
        if (info->nargs == 0)
            fputc(',', out);   /* a tuple of one: ('halt',) */
    }
    fputc(')', out);
}

/* A bundle as a dict of engines; the empty bundle nop as {'alu': []},
 * which costs its cycle in the Python machine as nop does here. */
static void print_py_bundle(FILE *out, const vimage *img, uint32_t first, uint32_t end)
{
    isa_engine order[ISA_ENGINE_COUNT];
    int n = engine_order(img, first, end, order);
    if (n == 0) {
        fprintf(out, "    {'%s': []},", isa_engines[0].name);
        return;
    }
    fputs("    {", out);
    for (int r = 0; r < n; r++) {
        fprintf(out, "%s'%s': [", r ? ", " : "", isa_engines[order[r]].name);
        int k = 0;
        for (uint32_t i = first; i < end; i++)
            if (isa_ops[img->slots[i].op].engine == order[r]) {
                fputs(k++ ? ", " : "", out);
                print_py_slot(out, img, &img->slots[i]);
            }
        fputc(']', out);
    }
    fputs("},", out);
}

int dis_print(FILE *out, const vimage *img, const dis_options *opt)
{
    dis_ctx c;
    ctx_init(&c, img, opt);
    uint32_t next_label = 0, reloc = 0;
    if (c.opt.python)
        fputs("[\n", out);
    for (uint32_t b = 0; b < img->nbundles; b++) {
        uint32_t first = img->bundle_start[b], end = img->bundle_start[b + 1];
        if (c.opt.names)
            print_labels(&c, out, &next_label, b);
        if (c.opt.source)
            print_bundle_source(&c, out, b);
        c.nnames = 0;
        if (c.opt.python) {
            print_py_bundle(out, img, first, end);
        } else if (first == end) {
            fputs("nop", out);
        } else if (end - first == 1) {
            print_slot(out, img, &img->slots[first]);
        } else {
            fputs("< ", out);
            for (uint32_t i = first; i < end; i++) {
                if (i > first)
                    fputs(" ; ", out);
                print_slot(out, img, &img->slots[i]);
            }
            fputs(" >", out);
        }
        if (c.opt.names)
            for (uint32_t i = first; i < end; i++)
                name_operands(&c, b, i, &reloc);
        print_comment(&c, out, b);
        fputc('\n', out);
    }
    if (c.opt.names)
        print_labels(&c, out, &next_label, img->nbundles);
    if (c.opt.python)
        fputs("]\n", out);
    ctx_free(&c);
    return ferror(out) ? -1 : 0;
}

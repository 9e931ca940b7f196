/* disasm: canonical text of an image, with names as comments (disasm.h). */
#include "disasm.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

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

/* Names come from an image that may not come from our assembler: print
 * them so that they cannot end the comment's line. */
static void put_name(FILE *out, const vimage *img, uint32_t symbol)
{
    const char *name = img_string(img, img->symbols[symbol].name);
    for (const char *p = name ? name : "?"; *p; p++)
        fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, out);
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
        fputs("# ", out);
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

int dis_print(FILE *out, const vimage *img, const dis_options *opt)
{
    dis_ctx c;
    ctx_init(&c, img, opt);
    uint32_t next_label = 0, reloc = 0;
    for (uint32_t b = 0; b < img->nbundles; b++) {
        uint32_t first = img->bundle_start[b], end = img->bundle_start[b + 1];
        if (c.opt.names)
            print_labels(&c, out, &next_label, b);
        c.nnames = 0;
        if (first == end) {
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
    ctx_free(&c);
    return ferror(out) ? -1 : 0;
}

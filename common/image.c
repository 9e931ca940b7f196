/*
 * image: building, encoding, decoding and validating executable images
 * and relocatable objects (layout in image.h, docs/image-format.md).
 *
 * Decoding runs in two passes.  The first checks the container (header,
 * checksum, section table, section sizes) and copies each section into the
 * in-memory vimage, rejecting what only the bytes can show (an op number
 * past the table, a negative bit on a scratch operand, non-zero reserved
 * fields).  The second, img_validate, checks the contents against the
 * machine and against each other; the writer runs the same function, so
 * the two sides cannot disagree about what a valid image is.
 */
#include "image.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outfile.h"
#include "text.h"
#include "xalloc.h"

#define HEADER_SIZE 32
#define SECTION_ENTRY_SIZE 12
#define SLOT_SIZE 24
#define SYMBOL_SIZE 20
#define LINE_SIZE 8
#define RELOC_SIZE 16
#define SLOT_LINE_SIZE 16
#define SECTION_COUNT 7      /* ids 1 .. SECTION_COUNT */

/* ------------------------------------------------------------------ */
/* Errors */

static const char *const error_names[IMG_ERR_COUNT] = {
#define IMG_ERR_NAME(id, text) #id,
    IMG_ERRORS(IMG_ERR_NAME)
#undef IMG_ERR_NAME
};

static const char *const error_texts[IMG_ERR_COUNT] = {
#define IMG_ERR_TEXT(id, text) text,
    IMG_ERRORS(IMG_ERR_TEXT)
#undef IMG_ERR_TEXT
};

const char *img_error_name(img_error e)
{
    return (unsigned)e < IMG_ERR_COUNT ? error_names[e] : "?";
}

const char *img_error_text(img_error e)
{
    return (unsigned)e < IMG_ERR_COUNT ? error_texts[e] : "unknown error";
}

__attribute__((format(printf, 3, 4)))
static int fail(img_status *st, img_error code, const char *fmt, ...)
{
    va_list ap;
    st->code = code;
    va_start(ap, fmt);
    vsnprintf(st->detail, sizeof st->detail, fmt, ap);
    va_end(ap);
    return -1;
}

static void set_ok(img_status *st)
{
    st->code = IMG_ERR_OK;
    st->detail[0] = '\0';
}

/* ------------------------------------------------------------------ */
/* Memory */

/* Makes room for `need` elements (plus `extra` spare ones, for arrays of
 * n+1 entries), doubling so that appends stay amortized O(1). */
static void *grow(void *p, size_t *cap, size_t need, size_t extra, size_t elem)
{
    if (need <= *cap && p)
        return p;
    size_t c = *cap ? *cap : 16;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            abort();
        c *= 2;
    }
    if (c + extra < c || c + extra > SIZE_MAX / elem)
        abort();
    *cap = c;
    return xrealloc(p, (c + extra) * elem);
}

/* ------------------------------------------------------------------ */
/* String interning: an open-addressing table of string offsets, keyed by
 * the text, so that a 100,000-comment program interns in linear time. */

struct img_intern_index {
    uint32_t *offset_plus1;   /* 0: empty bucket */
    size_t cap;               /* power of two */
    size_t count;
    uint32_t indexed_size;    /* strings [0, indexed_size) are in the table */
};

static uint64_t hash_text(const char *s)
{
    uint64_t h = 1469598103934665603ull;          /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Bucket holding text, or the empty bucket where it would go. */
static size_t intern_find(const vimage *img, const struct img_intern_index *ix, const char *text)
{
    size_t mask = ix->cap - 1, b = (size_t)hash_text(text) & mask;
    while (ix->offset_plus1[b] && strcmp(img->strings + ix->offset_plus1[b] - 1, text) != 0)
        b = (b + 1) & mask;
    return b;
}

/* Room for one more string with the table at most half full. */
static void intern_reserve(const vimage *img, struct img_intern_index *ix)
{
    if ((ix->count + 1) * 2 <= ix->cap)
        return;
    uint32_t *old = ix->offset_plus1;
    size_t old_cap = ix->cap;
    ix->cap = old_cap ? old_cap * 2 : 64;
    ix->offset_plus1 = xcalloc(ix->cap, sizeof *ix->offset_plus1);
    for (size_t b = 0; b < old_cap; b++)
        if (old[b])
            ix->offset_plus1[intern_find(img, ix, img->strings + old[b] - 1)] = old[b];
    free(old);
}

static void intern_insert(vimage *img, struct img_intern_index *ix, uint32_t offset)
{
    intern_reserve(img, ix);
    size_t b = intern_find(img, ix, img->strings + offset);
    if (!ix->offset_plus1[b]) {
        ix->offset_plus1[b] = offset + 1;
        ix->count++;
    }
}

/* Brings the index up to date with the string table (a decoded image, or
 * strings appended before the first img_intern). */
static struct img_intern_index *intern_index(vimage *img)
{
    struct img_intern_index *ix = img->intern;
    if (!ix)
        ix = img->intern = xcalloc(1, sizeof *ix);
    uint32_t off = ix->indexed_size;
    while (off < img->strings_size) {
        uint32_t len = (uint32_t)strlen(img->strings + off);
        intern_insert(img, ix, off);
        off += len + 1;
    }
    ix->indexed_size = img->strings_size;
    return ix;
}

uint32_t img_intern(vimage *img, const char *s)
{
    if (!s || !*s)
        return 0;
    struct img_intern_index *ix = intern_index(img);
    /* Made room for first, so that a new string goes into the bucket this
     * one lookup found. */
    intern_reserve(img, ix);
    size_t b = intern_find(img, ix, s);
    if (ix->offset_plus1[b])
        return ix->offset_plus1[b] - 1;
    size_t len = strlen(s) + 1;
    if ((uint64_t)img->strings_size + len > UINT32_MAX)
        abort();
    img->strings = grow(img->strings, &img->cap_strings, img->strings_size + len, 0, 1);
    uint32_t offset = img->strings_size;
    memcpy(img->strings + offset, s, len);
    img->strings_size += (uint32_t)len;
    ix->offset_plus1[b] = offset + 1;
    ix->count++;
    ix->indexed_size = img->strings_size;
    return offset;
}

const char *img_string(const vimage *img, uint32_t offset)
{
    if (offset >= img->strings_size || (offset > 0 && img->strings[offset - 1] != '\0'))
        return NULL;
    return img->strings + offset;
}

/* ------------------------------------------------------------------ */
/* Building */

vimage *img_new(img_type type)
{
    vimage *img = xcalloc(1, sizeof *img);
    img->type = type;
    img->bundle_start = xcalloc(1, sizeof *img->bundle_start);
    img->strings = xcalloc(1, 1);    /* offset 0: "" */
    img->strings_size = 1;
    img->cap_strings = 1;
    return img;
}

void img_free(vimage *img)
{
    if (!img)
        return;
    free(img->bundle_start);
    free(img->slots);
    free(img->lines);
    free(img->slot_lines);
    free(img->strings);
    free(img->symbols);
    for (uint32_t i = 0; i < img->nsegments; i++)
        free(img->segments[i].words);
    free(img->segments);
    free(img->relocs);
    if (img->intern)
        free(img->intern->offset_plus1);
    free(img->intern);
    free(img);
}

/* Interns a file name, first trying the one of the previous entry:
 * consecutive bundles and slots nearly always come from one file, and a
 * comparison spares hashing the name every time. */
static uint32_t intern_file(vimage *img, uint32_t prev, const char *file)
{
    return prev && file && strcmp(img->strings + prev, file) == 0 ? prev : img_intern(img, file);
}

void img_begin_bundle(vimage *img, const char *file, uint32_t line)
{
    if (img->nbundles == UINT32_MAX)
        abort();
    size_t cap = img->cap_bundles;
    img->bundle_start = grow(img->bundle_start, &cap, (size_t)img->nbundles + 1, 1,
                             sizeof *img->bundle_start);
    if (!img->lines) {   /* an image without a line map: its bundles have no source */
        img->lines = xcalloc(cap, sizeof *img->lines);
    } else if (cap != img->cap_bundles) {
        img->lines = xrealloc(img->lines, cap * sizeof *img->lines);
    }
    img->cap_bundles = cap;
    uint32_t prev = img->nbundles ? img->lines[img->nbundles - 1].file : 0;
    img->lines[img->nbundles].file = intern_file(img, prev, file);
    img->lines[img->nbundles].line = line;
    img->nbundles++;
    img->bundle_start[img->nbundles] = img->nslots;
}

void img_add_slot(vimage *img, const isa_slot *slot)
{
    if (img->nbundles == 0) {
        fprintf(stderr, "img_add_slot: no bundle begun (call img_begin_bundle first)\n");
        abort();
    }
    if (img->nslots == UINT32_MAX)
        abort();
    size_t old_cap = img->cap_slots;
    img->slots = grow(img->slots, &img->cap_slots, (size_t)img->nslots + 1, 0, sizeof *img->slots);
    if (img->slot_lines) {   /* kept in step with the slots; no line until one is set */
        if (img->cap_slots != old_cap)
            img->slot_lines = xrealloc(img->slot_lines, img->cap_slots * sizeof *img->slot_lines);
        img->slot_lines[img->nslots] = (img_slot_line){0, 0, 0, 0};
    }
    img->slots[img->nslots++] = *slot;
    img->bundle_start[img->nbundles] = img->nslots;
}

void img_set_slot_line(vimage *img, uint32_t slot, const char *file, uint32_t line,
                       const char *call_file, uint32_t call_line)
{
    if (slot >= img->nslots) {
        fprintf(stderr, "img_set_slot_line: slot %u does not exist (%u slots)\n", slot,
                img->nslots);
        abort();
    }
    if (!img->slot_lines)
        img->slot_lines = xcalloc(img->cap_slots, sizeof *img->slot_lines);
    uint32_t i = slot;
    const img_slot_line *prev = i ? &img->slot_lines[i - 1] : NULL;
    img_slot_line *l = &img->slot_lines[i];
    l->file = intern_file(img, prev ? prev->file : 0, file);
    l->line = line;
    l->call_file = intern_file(img, prev ? prev->call_file : 0, call_file);
    l->call_line = call_line;
}

img_slot_line img_slot_source(const vimage *img, uint32_t bundle, uint32_t slot)
{
    if (img->slot_lines && slot < img->nslots)
        return img->slot_lines[slot];
    img_slot_line l = {0, 0, 0, 0};
    if (img->lines && bundle < img->nbundles) {
        l.file = img->lines[bundle].file;
        l.line = img->lines[bundle].line;
    }
    return l;
}

/* "file:line" of one source position; "file:" is left out when the
 * previous one named the same file (prev_file: its string offset). */
static void put_line(text_buf *o, const vimage *img, uint32_t file, uint32_t line, uint32_t prev_file)
{
    const char *name = img_string(img, file);
    if (prev_file && prev_file == file)
        text_put(o, "%u", line);
    else
        text_put(o, "%s:%u", name && *name ? name : "?", line);
}

size_t img_format_source(const vimage *img, uint32_t bundle, int slot, char *buf, size_t size)
{
    text_buf o = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    if (bundle >= img->nbundles)
        return 0;
    uint32_t first = img->bundle_start[bundle], end = img->bundle_start[bundle + 1];
    if (slot >= 0) {
        if (first + (uint32_t)slot >= end)
            return 0;
        img_slot_line l = img_slot_source(img, bundle, first + (uint32_t)slot);
        if (l.line == 0)
            return 0;
        put_line(&o, img, l.file, l.line, 0);
        if (l.call_line) {
            text_put(&o, ", macro call ");
            put_line(&o, img, l.call_file, l.call_line, 0);
        }
        return o.len;
    }
    if (!img->slot_lines || first == end) {
        if (!img->lines || img->lines[bundle].line == 0)
            return 0;
        put_line(&o, img, img->lines[bundle].file, img->lines[bundle].line, 0);
        return o.len;
    }
    /* The bundle: the distinct lines of its slots, in slot order. */
    uint32_t prev_file = 0;
    for (uint32_t i = first; i < end; i++) {
        const img_slot_line *l = &img->slot_lines[i];
        int seen = l->line == 0;
        for (uint32_t j = first; j < i && !seen; j++)
            seen = img->slot_lines[j].file == l->file && img->slot_lines[j].line == l->line;
        if (seen)
            continue;
        if (o.len)
            text_put(&o, ",");
        put_line(&o, img, l->file, l->line, prev_file);
        prev_file = l->file;
    }
    return o.len;
}

uint32_t img_add_symbol(vimage *img, const char *name, img_sym_kind kind, img_sym_binding binding,
                        uint16_t flags, uint32_t value, uint32_t size, uint32_t line)
{
    uint32_t name_offset = img_intern(img, name);
    img->symbols = grow(img->symbols, &img->cap_symbols, (size_t)img->nsymbols + 1, 0,
                        sizeof *img->symbols);
    img->symbols[img->nsymbols] = (img_symbol){
        .name = name_offset, .kind = (uint8_t)kind, .binding = (uint8_t)binding,
        .flags = flags, .value = value, .size = size, .line = line,
    };
    return img->nsymbols++;
}

void img_add_segment(vimage *img, uint32_t address, const uint32_t *words, uint32_t count)
{
    img->segments = grow(img->segments, &img->cap_segments, (size_t)img->nsegments + 1, 0,
                         sizeof *img->segments);
    img_segment *seg = &img->segments[img->nsegments++];
    seg->address = address;
    seg->count = count;
    seg->words = NULL;
    if (count) {
        seg->words = xrealloc(NULL, (size_t)count * sizeof *seg->words);
        memcpy(seg->words, words, (size_t)count * sizeof *seg->words);
    }
}

void img_add_reloc(vimage *img, uint32_t slot, uint8_t operand, img_reloc_kind kind, uint32_t symbol,
                   int32_t addend)
{
    img->relocs = grow(img->relocs, &img->cap_relocs, (size_t)img->nrelocs + 1, 0,
                       sizeof *img->relocs);
    img->relocs[img->nrelocs++] = (img_reloc){
        .slot = slot, .operand = operand, .kind = (uint8_t)kind, .symbol = symbol, .addend = addend,
    };
}

/* ------------------------------------------------------------------ */
/* Validation of the in-memory form (shared by reader and writer) */

static int is_scratch_kind(char k)
{
    return k && strchr("dDsSef", k) != NULL;
}

static int is_immediate_kind(char k)
{
    return k && strchr("itr", k) != NULL;
}

/* "valu + 1530, 0, 8", for messages. */
static void slot_text(const vimage *img, const isa_slot *slot, char *buf, size_t size)
{
    const char *comment = NULL;
    if (slot->op < ISA_OP_COUNT) {
        const char *c = strchr(isa_ops[slot->op].kinds, 'c');
        if (c) {
            int64_t off = slot->arg[c - isa_ops[slot->op].kinds];
            if (off >= 0 && off <= UINT32_MAX)
                comment = img_string(img, (uint32_t)off);
        }
    }
    isa_format_slot(buf, size, slot, comment);
}

static int check_slot(const vimage *img, uint32_t b, uint32_t s, const isa_slot *slot,
                      img_status *st)
{
    char text[96], why[160];
    if (slot->op >= ISA_OP_COUNT)
        return fail(st, IMG_ERR_UNKNOWN_OP, "bundle %u, slot %u: unknown op %u", b, s,
                    (unsigned)slot->op);
    int bad_arg;
    if (isa_check_slot(slot, why, sizeof why, &bad_arg) != 0) {
        const isa_op_info *info = &isa_ops[slot->op];
        char k = (bad_arg >= 0 && bad_arg < info->nargs) ? info->kinds[bad_arg] : 0;
        slot_text(img, slot, text, sizeof text);
        return fail(st, is_scratch_kind(k) ? IMG_ERR_SCRATCH_RANGE : IMG_ERR_BAD_OPERAND,
                    "bundle %u, slot %u (%s): %s", b, s, text, why);
    }
    if (slot->op == ISA_OP_COMMENT) {
        int64_t off = slot->arg[0];
        const char *comment = img_string(img, (uint32_t)off);
        if (!comment)
            return fail(st, IMG_ERR_BAD_STRING,
                        "bundle %u, slot %u: comment offset %lld does not start a string "
                        "(string table of %u bytes)",
                        b, s, (long long)off, img->strings_size);
        /* The text form keeps a bundle on one line (ISA.md), so that
         * disassembly always reassembles. */
        if (strpbrk(comment, "\n\r"))
            return fail(st, IMG_ERR_BAD_STRING,
                        "bundle %u, slot %u: comment text holds a line break", b, s);
    }
    return 0;
}

static int validate_code(const vimage *img, img_status *st)
{
    if (!img->bundle_start || img->bundle_start[0] != 0)
        return fail(st, IMG_ERR_BAD_SECTION, "code does not start at slot 0");
    for (uint32_t b = 0; b < img->nbundles; b++) {
        uint32_t first = img->bundle_start[b], end = img->bundle_start[b + 1];
        if (end < first || end > img->nslots)
            return fail(st, IMG_ERR_BAD_SECTION, "bundle %u: slots %u..%u are out of order", b,
                        first, end);
        int per_engine[ISA_ENGINE_COUNT] = {0};
        for (uint32_t i = first; i < end; i++) {
            const isa_slot *slot = &img->slots[i];
            if (check_slot(img, b, i - first, slot, st) != 0)
                return -1;
            isa_engine e = isa_ops[slot->op].engine;
            if (++per_engine[e] > isa_engines[e].slot_limit) {
                char text[96];
                slot_text(img, slot, text, sizeof text);
                return fail(st, IMG_ERR_SLOT_LIMIT,
                            "bundle %u, slot %u (%s): the %s engine takes at most %d slot%s per "
                            "bundle",
                            b, i - first, text, isa_engines[e].name, isa_engines[e].slot_limit,
                            isa_engines[e].slot_limit == 1 ? "" : "s");
            }
        }
    }
    if (img->bundle_start[img->nbundles] != img->nslots)
        return fail(st, IMG_ERR_BAD_SECTION, "%u slots, but the bundles hold %u", img->nslots,
                    img->bundle_start[img->nbundles]);
    return 0;
}

static int validate_symbols(const vimage *img, img_status *st)
{
    static const char *const kinds[] = {NULL, "label", "scratch", "const"};
    for (uint32_t i = 0; i < img->nsymbols; i++) {
        const img_symbol *sym = &img->symbols[i];
        const char *name = img_string(img, sym->name);
        if (!name)
            return fail(st, IMG_ERR_BAD_SYMBOL, "symbol %u: name offset %u does not start a string",
                        i, sym->name);
        if (!*name)
            return fail(st, IMG_ERR_BAD_SYMBOL, "symbol %u has an empty name", i);
        /* An extern may leave its kind to the definition (0). */
        if (sym->kind > IMG_SYM_CONST || (sym->kind == 0 && sym->binding != IMG_BIND_EXTERN))
            return fail(st, IMG_ERR_BAD_SYMBOL, "symbol %u (%s): unknown kind %u", i, name,
                        sym->kind);
        if (sym->binding > IMG_BIND_EXTERN)
            return fail(st, IMG_ERR_BAD_SYMBOL, "symbol %u (%s): unknown binding %u", i, name,
                        sym->binding);
        if (sym->flags & ~(IMG_SYMF_FIXED | IMG_SYMF_ENTRY))
            return fail(st, IMG_ERR_BAD_SYMBOL, "symbol %u (%s): unknown flags 0x%x", i, name,
                        (unsigned)(sym->flags & ~(IMG_SYMF_FIXED | IMG_SYMF_ENTRY)));
        if ((sym->flags & IMG_SYMF_FIXED) && sym->kind != IMG_SYM_SCRATCH)
            return fail(st, IMG_ERR_BAD_SYMBOL, "symbol %u (%s): only scratch symbols can be fixed",
                        i, name);
        if ((sym->flags & IMG_SYMF_ENTRY) &&
            (sym->kind != IMG_SYM_LABEL || sym->binding == IMG_BIND_EXTERN))
            return fail(st, IMG_ERR_BAD_SYMBOL,
                        "symbol %u (%s): only a label defined here can claim the entry", i, name);
        if (sym->binding == IMG_BIND_EXTERN) {
            if (img->type == IMG_EXECUTABLE)
                return fail(st, IMG_ERR_BAD_SYMBOL,
                            "symbol %u (%s): an executable cannot have undefined (extern) symbols",
                            i, name);
            continue;   /* its value is defined elsewhere */
        }
        if (sym->kind == IMG_SYM_LABEL && sym->value > img->nbundles)
            return fail(st, IMG_ERR_BAD_SYMBOL, "symbol %u (%s): %s at bundle %u, past the %u bundles",
                        i, name, kinds[sym->kind], sym->value, img->nbundles);
        /* An object's unfixed scratch symbols have no address yet: the
         * linker places them (docs/objects.md). */
        int placed = img->type == IMG_EXECUTABLE || (sym->flags & IMG_SYMF_FIXED);
        if (sym->kind == IMG_SYM_SCRATCH && placed &&
            (uint64_t)sym->value + sym->size > ISA_SCRATCH_WORDS)
            return fail(st, IMG_ERR_BAD_SYMBOL,
                        "symbol %u (%s): scratch %u..%u is outside scratch (0..%d)", i, name,
                        sym->value, sym->value + sym->size - 1, ISA_SCRATCH_WORDS - 1);
    }
    return 0;
}

static int validate_lines(const vimage *img, img_status *st)
{
    if (!img->lines)
        return 0;
    for (uint32_t b = 0; b < img->nbundles; b++)
        if (!img_string(img, img->lines[b].file))
            return fail(st, IMG_ERR_BAD_LINES,
                        "bundle %u: source file offset %u does not start a string", b,
                        img->lines[b].file);
    for (uint32_t i = 0; img->slot_lines && i < img->nslots; i++) {
        const img_slot_line *l = &img->slot_lines[i];
        if (!img_string(img, l->file) || !img_string(img, l->call_file))
            return fail(st, IMG_ERR_BAD_LINES,
                        "slot %u: source file offset %u or macro call file offset %u does not "
                        "start a string", i, l->file, l->call_file);
    }
    return 0;
}

typedef struct { uint32_t address, count, index; } seg_span;

static int by_address(const void *pa, const void *pb)
{
    const seg_span *a = pa, *b = pb;
    return a->address < b->address ? -1 : a->address > b->address;
}

static int validate_memory(const vimage *img, img_status *st)
{
    seg_span *spans = xcalloc(img->nsegments, sizeof *spans);
    size_t n = 0;
    int rc = 0;
    for (uint32_t i = 0; i < img->nsegments; i++) {
        const img_segment *seg = &img->segments[i];
        if ((uint64_t)seg->address + seg->count > (uint64_t)UINT32_MAX + 1) {
            rc = fail(st, IMG_ERR_BAD_MEMORY,
                      "segment %u: %u words at address %u run past the 2^32-word address space", i,
                      seg->count, seg->address);
            goto out;
        }
        if (seg->count && !seg->words) {
            rc = fail(st, IMG_ERR_BAD_MEMORY, "segment %u: %u words but no data", i, seg->count);
            goto out;
        }
        if (seg->count)
            spans[n++] = (seg_span){seg->address, seg->count, i};
    }
    qsort(spans, n, sizeof *spans, by_address);
    for (size_t i = 1; i < n; i++) {
        const seg_span *a = &spans[i - 1], *b = &spans[i];
        if ((uint64_t)a->address + a->count > b->address) {
            uint32_t lo = a->index < b->index ? a->index : b->index;
            uint32_t hi = a->index < b->index ? b->index : a->index;
            rc = fail(st, IMG_ERR_BAD_MEMORY, "segments %u and %u overlap at address %u", lo, hi,
                      b->address);
            goto out;
        }
    }
out:
    free(spans);
    return rc;
}

/* Bundle of a slot index (binary search over bundle_start). */
static uint32_t bundle_of_slot(const vimage *img, uint32_t slot)
{
    uint32_t lo = 0, hi = img->nbundles;   /* bundle_start[lo] <= slot < bundle_start[hi] */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (img->bundle_start[mid] <= slot)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static int validate_relocs(const vimage *img, img_status *st)
{
    if (img->nrelocs && img->type != IMG_OBJECT)
        return fail(st, IMG_ERR_BAD_RELOC,
                    "an executable image has %u relocations (only objects may have them)",
                    img->nrelocs);
    for (uint32_t i = 0; i < img->nrelocs; i++) {
        const img_reloc *r = &img->relocs[i];
        if (r->kind < IMG_REL_CODE_ABS || r->kind > IMG_REL_CONST)
            return fail(st, IMG_ERR_BAD_RELOC, "relocation %u: unknown kind %u", i, r->kind);
        if (r->slot >= img->nslots)
            return fail(st, IMG_ERR_BAD_RELOC, "relocation %u: slot %u does not exist (%u slots)",
                        i, r->slot, img->nslots);
        const isa_slot *slot = &img->slots[r->slot];
        const isa_op_info *info = &isa_ops[slot->op];
        int no_operand = r->operand >= info->nargs;
        /* trace keys and comment references are not numbers to patch */
        if (no_operand || strchr("kKc", info->kinds[r->operand])) {
            uint32_t b = bundle_of_slot(img, r->slot);
            char text[96];
            slot_text(img, slot, text, sizeof text);
            return fail(st, IMG_ERR_BAD_RELOC, "relocation %u: bundle %u, slot %u (%s) %s %u", i, b,
                        r->slot - img->bundle_start[b], text,
                        no_operand ? "has no operand" : "cannot be relocated at operand",
                        r->operand + 1);
        }
        /* Whether the symbol's kind suits the relocation is the linker's
         * to judge (and explain) against the symbol's definition. */
        if (r->symbol >= img->nsymbols)
            return fail(st, IMG_ERR_BAD_RELOC, "relocation %u: symbol %u does not exist (%u symbols)",
                        i, r->symbol, img->nsymbols);
    }
    return 0;
}

int img_validate(const vimage *img, img_status *st)
{
    img_status local;
    if (!st)
        st = &local;
    set_ok(st);
    if (img->type != IMG_EXECUTABLE && img->type != IMG_OBJECT)
        return fail(st, IMG_ERR_BAD_TYPE, "type %d is neither executable (1) nor object (2)",
                    (int)img->type);
    if (!img->strings || img->strings_size == 0 || img->strings[0] != '\0')
        return fail(st, IMG_ERR_BAD_STRING, "the string table does not start with the empty string");
    if (img->strings[img->strings_size - 1] != '\0')
        return fail(st, IMG_ERR_BAD_STRING, "the last string of the string table is not terminated");
    /* Symbols before code and relocations: their messages cite names. */
    if (validate_symbols(img, st) || validate_code(img, st) || validate_lines(img, st) ||
        validate_memory(img, st) || validate_relocs(img, st))
        return -1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), sliced by 8
 * (eight independent table lookups per 8 bytes): a 5 MB image checks in
 * about 2.5 ms, where the bytewise loop takes four times as long. */

static uint32_t crc_table[8][256];
static int crc_ready;

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xFF];
    crc_ready = 1;
}

/* Continues a CRC over more bytes; start and finish with ~0 (see img_crc32). */
static uint32_t crc_update(uint32_t c, const uint8_t *p, size_t n)
{
    if (!crc_ready)
        crc_init();
    while (n >= 8) {
        uint32_t lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                           (uint32_t)p[3] << 24);
        c = crc_table[7][lo & 0xFF] ^ crc_table[6][(lo >> 8) & 0xFF] ^
            crc_table[5][(lo >> 16) & 0xFF] ^ crc_table[4][lo >> 24] ^
            crc_table[3][p[4]] ^ crc_table[2][p[5]] ^ crc_table[1][p[6]] ^ crc_table[0][p[7]];
        p += 8;
        n -= 8;
    }
    while (n--)
        c = crc_table[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
    return c;
}

uint32_t img_crc32(const uint8_t *data, size_t size)
{
    return ~crc_update(~0u, data, size);
}

/* The file's checksum: the CRC of every byte, with the checksum field
 * (bytes 12..15) read as zero.  size >= HEADER_SIZE. */
static uint32_t file_crc(const uint8_t *data, size_t size)
{
    static const uint8_t zero[4];
    uint32_t c = crc_update(~0u, data, 12);
    c = crc_update(c, zero, 4);
    return ~crc_update(c, data + 16, size - 16);
}

/* ------------------------------------------------------------------ */
/* Encoding */

static uint8_t *put_u16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    return p + 2;
}

static uint8_t *put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
    return p + 4;
}

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t align4(uint64_t n)
{
    return (n + 3) & ~(uint64_t)3;
}

typedef struct {
    uint32_t id;
    uint64_t size;
    uint64_t offset;
} section_plan;

/* Serializes a validated image; -1 only when it exceeds the format's
 * 32-bit sizes. */
static int encode_valid(const vimage *img, uint8_t **out, size_t *out_size)
{
    *out = NULL;
    *out_size = 0;

    uint64_t memory_size = 0;
    for (uint32_t i = 0; i < img->nsegments; i++)
        memory_size += 8 + 4 * (uint64_t)img->segments[i].count;
    section_plan plan[SECTION_COUNT];
    int n = 0;
    plan[n++] = (section_plan){IMG_SEC_CODE, 4 + 4 * (uint64_t)img->nbundles + SLOT_SIZE * (uint64_t)img->nslots, 0};
    plan[n++] = (section_plan){IMG_SEC_STRINGS, img->strings_size, 0};
    if (img->nsymbols)
        plan[n++] = (section_plan){IMG_SEC_SYMBOLS, SYMBOL_SIZE * (uint64_t)img->nsymbols, 0};
    if (img->lines && img->nbundles)
        plan[n++] = (section_plan){IMG_SEC_LINES, LINE_SIZE * (uint64_t)img->nbundles, 0};
    if (img->nsegments)
        plan[n++] = (section_plan){IMG_SEC_MEMORY, memory_size, 0};
    if (img->nrelocs)
        plan[n++] = (section_plan){IMG_SEC_RELOCS, RELOC_SIZE * (uint64_t)img->nrelocs, 0};
    if (img->slot_lines && img->nslots)
        plan[n++] = (section_plan){IMG_SEC_SLOTLINES, SLOT_LINE_SIZE * (uint64_t)img->nslots, 0};

    uint64_t total = HEADER_SIZE + SECTION_ENTRY_SIZE * (uint64_t)n;
    for (int s = 0; s < n; s++) {
        plan[s].offset = align4(total);
        total = plan[s].offset + plan[s].size;
        if (plan[s].size > UINT32_MAX)
            return -1;
    }
    if (total > UINT32_MAX)
        return -1;

    uint8_t *buf = xcalloc((size_t)total, 1);
    uint8_t *p = buf;
    memcpy(p, IMG_MAGIC, 4);
    put_u16(p + 4, IMG_VERSION);
    put_u16(p + 6, (uint32_t)img->type);
    put_u32(p + 8, (uint32_t)total);
    put_u32(p + 16, (uint32_t)n);
    p = buf + HEADER_SIZE;
    for (int s = 0; s < n; s++) {
        p = put_u32(p, plan[s].id);
        p = put_u32(p, (uint32_t)plan[s].offset);
        p = put_u32(p, (uint32_t)plan[s].size);
    }
    for (int s = 0; s < n; s++) {
        p = buf + plan[s].offset;
        switch (plan[s].id) {
        case IMG_SEC_CODE:
            p = put_u32(p, img->nbundles);
            for (uint32_t b = 0; b < img->nbundles; b++) {
                uint32_t first = img->bundle_start[b], end = img->bundle_start[b + 1];
                p = put_u32(p, end - first);
                for (uint32_t i = first; i < end; i++) {
                    const isa_slot *slot = &img->slots[i];
                    uint8_t mask = 0;
                    for (int a = 0; a < ISA_MAX_ARGS; a++)
                        if (slot->arg[a] < 0)
                            mask |= (uint8_t)(1u << a);
                    p[0] = (uint8_t)slot->op;
                    p[1] = mask;
                    p += 4;   /* u16 reserved, zero */
                    /* Validated: a negative operand is an immediate >= -2^31,
                     * so arg + 2^32 fits in 32 bits. */
                    for (int a = 0; a < ISA_MAX_ARGS; a++)
                        p = put_u32(p, (uint32_t)(slot->arg[a] < 0 ? slot->arg[a] + 4294967296LL
                                                                   : slot->arg[a]));
                }
            }
            break;
        case IMG_SEC_STRINGS:
            memcpy(p, img->strings, img->strings_size);
            break;
        case IMG_SEC_SYMBOLS:
            for (uint32_t i = 0; i < img->nsymbols; i++) {
                const img_symbol *sym = &img->symbols[i];
                p = put_u32(p, sym->name);
                *p++ = sym->kind;
                *p++ = sym->binding;
                p = put_u16(p, sym->flags);
                p = put_u32(p, sym->value);
                p = put_u32(p, sym->size);
                p = put_u32(p, sym->line);
            }
            break;
        case IMG_SEC_LINES:
            for (uint32_t b = 0; b < img->nbundles; b++) {
                p = put_u32(p, img->lines[b].file);
                p = put_u32(p, img->lines[b].line);
            }
            break;
        case IMG_SEC_MEMORY:
            for (uint32_t i = 0; i < img->nsegments; i++) {
                const img_segment *seg = &img->segments[i];
                p = put_u32(p, seg->address);
                p = put_u32(p, seg->count);
                for (uint32_t w = 0; w < seg->count; w++)
                    p = put_u32(p, seg->words[w]);
            }
            break;
        case IMG_SEC_RELOCS:
            for (uint32_t i = 0; i < img->nrelocs; i++) {
                const img_reloc *r = &img->relocs[i];
                p = put_u32(p, r->slot);
                *p++ = r->operand;
                *p++ = r->kind;
                p += 2;   /* u16 reserved, zero */
                p = put_u32(p, r->symbol);
                p = put_u32(p, (uint32_t)r->addend);
            }
            break;
        case IMG_SEC_SLOTLINES:
            for (uint32_t i = 0; i < img->nslots; i++) {
                const img_slot_line *l = &img->slot_lines[i];
                p = put_u32(p, l->file);
                p = put_u32(p, l->line);
                p = put_u32(p, l->call_file);
                p = put_u32(p, l->call_line);
            }
            break;
        }
    }
    put_u32(buf + 12, file_crc(buf, (size_t)total));
    *out = buf;
    *out_size = (size_t)total;
    return 0;
}

int img_encode(const vimage *img, uint8_t **out, size_t *out_size)
{
    *out = NULL;
    *out_size = 0;
    if (img_validate(img, NULL) != 0)
        return -1;
    return encode_valid(img, out, out_size);
}

/* ------------------------------------------------------------------ */
/* Decoding: the container */

static const char *const section_names[SECTION_COUNT + 1] = {
    NULL, "CODE", "STRINGS", "SYMBOLS", "LINES", "MEMORY", "RELOCS", "SLOTLINES",
};

typedef struct {
    const uint8_t *data;   /* NULL: the section is absent */
    uint32_t size;
} section_view;

static int read_header(const uint8_t *data, size_t size, section_view sec[SECTION_COUNT + 1],
                       img_type *type, img_status *st)
{
    if (size < HEADER_SIZE)
        return fail(st, IMG_ERR_TRUNCATED, "%zu bytes, shorter than the %d-byte header", size,
                    HEADER_SIZE);
    if (memcmp(data, IMG_MAGIC, 4) != 0)
        return fail(st, IMG_ERR_BAD_MAGIC, "the file starts with %02x %02x %02x %02x, not \"%s\"",
                    data[0], data[1], data[2], data[3], IMG_MAGIC);
    uint16_t version = get_u16(data + 4), t = get_u16(data + 6);
    if (version != IMG_VERSION)
        return fail(st, IMG_ERR_BAD_VERSION,
                    version < IMG_VERSION
                        ? "version %u is older than this reader's version %d (assemble or link "
                          "the file again)"
                        : "version %u is newer than this reader's version %d (a newer vliwkit "
                          "wrote it)",
                    version, IMG_VERSION);
    if (t != IMG_EXECUTABLE && t != IMG_OBJECT)
        return fail(st, IMG_ERR_BAD_TYPE, "type %u is neither executable (1) nor object (2)", t);
    uint32_t declared = get_u32(data + 8);
    if (size < declared)
        return fail(st, IMG_ERR_TRUNCATED, "%zu bytes, but the header says %u", size, declared);
    if (size > declared)
        return fail(st, IMG_ERR_SIZE_MISMATCH, "%zu bytes, but the header says %u", size, declared);
    uint32_t stored = get_u32(data + 12), computed = file_crc(data, size);
    if (stored != computed)
        return fail(st, IMG_ERR_CHECKSUM, "stored CRC-32 0x%08x, computed 0x%08x", stored, computed);
    for (int i = 20; i < HEADER_SIZE; i++)
        if (data[i])
            return fail(st, IMG_ERR_RESERVED, "header byte %d is 0x%02x", i, data[i]);

    uint32_t count = get_u32(data + 16);
    uint64_t table_end = HEADER_SIZE + SECTION_ENTRY_SIZE * (uint64_t)count;
    if (count > SECTION_COUNT || table_end > size)
        return fail(st, IMG_ERR_BAD_SECTION, "%u sections (at most %d, each id once)", count,
                    SECTION_COUNT);
    uint64_t start[SECTION_COUNT + 1], end[SECTION_COUNT + 1];
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = data + HEADER_SIZE + SECTION_ENTRY_SIZE * i;
        uint32_t id = get_u32(e), off = get_u32(e + 4), len = get_u32(e + 8);
        if (id < 1 || id > SECTION_COUNT)
            return fail(st, IMG_ERR_BAD_SECTION, "section entry %u: unknown section id %u", i, id);
        if (sec[id].data)
            return fail(st, IMG_ERR_BAD_SECTION, "section entry %u: a second %s section", i,
                        section_names[id]);
        if (off % 4)
            return fail(st, IMG_ERR_BAD_SECTION, "%s section at offset %u is not 4-byte aligned",
                        section_names[id], off);
        if (off < table_end || (uint64_t)off + len > size)
            return fail(st, IMG_ERR_BAD_SECTION,
                        "%s section (offset %u, %u bytes) is outside the file body (%llu..%zu)",
                        section_names[id], off, len, (unsigned long long)table_end, size);
        for (int other = 1; other <= SECTION_COUNT; other++)
            if (sec[other].data && off < end[other] && start[other] < (uint64_t)off + len)
                return fail(st, IMG_ERR_BAD_SECTION, "%s and %s sections overlap",
                            section_names[other], section_names[id]);
        sec[id].data = data + off;
        sec[id].size = len;
        start[id] = off;
        end[id] = (uint64_t)off + len;
    }
    *type = (img_type)t;
    return 0;
}

static int read_strings(vimage *img, section_view s, img_status *st)
{
    if (!s.data)
        return 0;   /* img_new's "" stands */
    if (s.size == 0 || s.data[0] != '\0')
        return fail(st, IMG_ERR_BAD_STRING, "the string table does not start with the empty string");
    if (s.data[s.size - 1] != '\0')
        return fail(st, IMG_ERR_BAD_STRING, "the last string of the string table is not terminated");
    free(img->strings);
    img->strings = xrealloc(NULL, s.size);
    memcpy(img->strings, s.data, s.size);
    img->strings_size = img->cap_strings = s.size;
    return 0;
}

static int read_code(vimage *img, section_view s, img_status *st)
{
    /* Per op, the operands that may carry the negative bit: its
     * immediates (drawn from the kinds, once). */
    static uint8_t negative_ok[ISA_OP_COUNT];
    static int negative_ok_ready;
    if (!negative_ok_ready) {
        for (int op = 0; op < ISA_OP_COUNT; op++)
            for (int a = 0; a < isa_ops[op].nargs; a++)
                if (is_immediate_kind(isa_ops[op].kinds[a]))
                    negative_ok[op] |= (uint8_t)(1u << a);
        negative_ok_ready = 1;
    }
    if (!s.data)
        return 0;
    if (s.size < 4)
        return fail(st, IMG_ERR_BAD_SECTION, "CODE section of %u bytes has no bundle count", s.size);
    uint32_t nbundles = get_u32(s.data);
    /* First pass: walk the bundle headers to size the arrays exactly. */
    uint64_t pos = 4, nslots = 0;
    for (uint32_t b = 0; b < nbundles; b++) {
        if (s.size - pos < 4)
            return fail(st, IMG_ERR_BAD_SECTION,
                        "CODE section ends inside bundle %u of %u (offset %llu of %u)", b, nbundles,
                        (unsigned long long)pos, s.size);
        uint32_t n = get_u32(s.data + pos);
        pos += 4;
        if ((s.size - pos) / SLOT_SIZE < n)
            return fail(st, IMG_ERR_BAD_SECTION,
                        "bundle %u: %u slots do not fit in the rest of the CODE section", b, n);
        pos += (uint64_t)n * SLOT_SIZE;
        nslots += n;
    }
    if (pos != s.size)
        return fail(st, IMG_ERR_BAD_SECTION, "CODE section has %llu bytes after its last bundle",
                    (unsigned long long)(s.size - pos));

    free(img->bundle_start);
    img->bundle_start = xcalloc((size_t)nbundles + 1, sizeof *img->bundle_start);
    img->slots = xrealloc(NULL, (size_t)nslots * sizeof *img->slots);   /* every field set below */
    img->nbundles = nbundles;
    img->cap_bundles = nbundles;
    img->cap_slots = (size_t)nslots;
    const uint8_t *p = s.data + 4;
    uint32_t k = 0;
    for (uint32_t b = 0; b < nbundles; b++) {
        uint32_t n = get_u32(p);
        p += 4;
        img->bundle_start[b] = k;
        for (uint32_t i = 0; i < n; i++, p += SLOT_SIZE) {
            isa_slot *slot = &img->slots[k++];
            img->nslots = k;
            uint8_t op = p[0], mask = p[1];
            if (op >= ISA_OP_COUNT)
                return fail(st, IMG_ERR_UNKNOWN_OP, "bundle %u, slot %u: unknown op %u", b, i, op);
            slot->op = op;
            for (int a = 0; a < ISA_MAX_ARGS; a++) {
                int64_t v = get_u32(p + 4 + 4 * a);
                slot->arg[a] = (mask >> a) & 1 ? v - 4294967296LL : v;
            }
            if (get_u16(p + 2))
                return fail(st, IMG_ERR_RESERVED, "bundle %u, slot %u: reserved bytes are 0x%04x", b,
                            i, get_u16(p + 2));
            if (mask & ~negative_ok[op]) {
                char text[96];
                slot_text(img, slot, text, sizeof text);
                return fail(st, IMG_ERR_BAD_OPERAND,
                            "bundle %u, slot %u (%s): negative bit set on operand %d, "
                            "which is not an immediate",
                            b, i, text, __builtin_ctz(mask & ~negative_ok[op]) + 1);
            }
        }
    }
    img->bundle_start[nbundles] = k;
    return 0;
}

static int read_symbols(vimage *img, section_view s, img_status *st)
{
    if (!s.data)
        return 0;
    if (s.size % SYMBOL_SIZE)
        return fail(st, IMG_ERR_BAD_SECTION, "SYMBOLS section of %u bytes is not a multiple of %d",
                    s.size, SYMBOL_SIZE);
    uint32_t n = s.size / SYMBOL_SIZE;
    img->symbols = xcalloc(n, sizeof *img->symbols);
    img->nsymbols = n;
    img->cap_symbols = n;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *p = s.data + (size_t)i * SYMBOL_SIZE;
        img->symbols[i] = (img_symbol){
            .name = get_u32(p), .kind = p[4], .binding = p[5], .flags = get_u16(p + 6),
            .value = get_u32(p + 8), .size = get_u32(p + 12), .line = get_u32(p + 16),
        };
    }
    return 0;
}

static int read_lines(vimage *img, section_view s, img_status *st)
{
    if (!s.data)
        return 0;
    if (s.size != (uint64_t)LINE_SIZE * img->nbundles)
        return fail(st, IMG_ERR_BAD_LINES, "LINES section of %u bytes for %u bundles (needs %llu)",
                    s.size, img->nbundles, (unsigned long long)LINE_SIZE * img->nbundles);
    img->lines = xcalloc(img->nbundles, sizeof *img->lines);
    for (uint32_t b = 0; b < img->nbundles; b++) {
        img->lines[b].file = get_u32(s.data + (size_t)b * LINE_SIZE);
        img->lines[b].line = get_u32(s.data + (size_t)b * LINE_SIZE + 4);
    }
    return 0;
}

static int read_slot_lines(vimage *img, section_view s, img_status *st)
{
    if (!s.data)
        return 0;
    if (s.size != (uint64_t)SLOT_LINE_SIZE * img->nslots)
        return fail(st, IMG_ERR_BAD_LINES,
                    "SLOTLINES section of %u bytes for %u slots (needs %llu)", s.size,
                    img->nslots, (unsigned long long)SLOT_LINE_SIZE * img->nslots);
    img->slot_lines = xcalloc(img->nslots ? img->nslots : 1, sizeof *img->slot_lines);
    for (uint32_t i = 0; i < img->nslots; i++) {
        const uint8_t *p = s.data + (size_t)i * SLOT_LINE_SIZE;
        img->slot_lines[i] = (img_slot_line){get_u32(p), get_u32(p + 4), get_u32(p + 8),
                                             get_u32(p + 12)};
    }
    return 0;
}

static int read_memory(vimage *img, section_view s, img_status *st)
{
    if (!s.data)
        return 0;
    uint32_t pos = 0;
    while (pos < s.size) {
        uint32_t i = img->nsegments;
        if (s.size - pos < 8)
            return fail(st, IMG_ERR_BAD_MEMORY, "segment %u: header cut off by the section end", i);
        uint32_t address = get_u32(s.data + pos), count = get_u32(s.data + pos + 4);
        pos += 8;
        if ((s.size - pos) / 4 < count)
            return fail(st, IMG_ERR_BAD_MEMORY,
                        "segment %u: %u words do not fit in the rest of the MEMORY section", i,
                        count);
        img->segments = grow(img->segments, &img->cap_segments, (size_t)i + 1, 0,
                             sizeof *img->segments);
        img_segment *seg = &img->segments[img->nsegments++];
        seg->address = address;
        seg->count = count;
        seg->words = NULL;
        if (count) {
            seg->words = xrealloc(NULL, (size_t)count * 4);
            for (uint32_t w = 0; w < count; w++)
                seg->words[w] = get_u32(s.data + pos + 4 * (size_t)w);
        }
        pos += 4 * count;
    }
    return 0;
}

static int read_relocs(vimage *img, section_view s, img_status *st)
{
    if (!s.data)
        return 0;
    if (s.size % RELOC_SIZE)
        return fail(st, IMG_ERR_BAD_SECTION, "RELOCS section of %u bytes is not a multiple of %d",
                    s.size, RELOC_SIZE);
    uint32_t n = s.size / RELOC_SIZE;
    img->relocs = xcalloc(n, sizeof *img->relocs);
    img->nrelocs = n;
    img->cap_relocs = n;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *p = s.data + (size_t)i * RELOC_SIZE;
        if (get_u16(p + 6))
            return fail(st, IMG_ERR_RESERVED, "relocation %u: reserved bytes are 0x%04x", i,
                        get_u16(p + 6));
        img->relocs[i] = (img_reloc){
            .slot = get_u32(p), .operand = p[4], .kind = p[5], .symbol = get_u32(p + 8),
            .addend = (int32_t)get_u32(p + 12),
        };
    }
    return 0;
}

vimage *img_decode(const uint8_t *data, size_t size, img_status *st)
{
    img_status local;
    if (!st)
        st = &local;
    set_ok(st);
    section_view sec[SECTION_COUNT + 1] = {{0}};
    img_type type = IMG_EXECUTABLE;
    if (read_header(data, size, sec, &type, st) != 0)
        return NULL;
    vimage *img = img_new(type);
    if (read_strings(img, sec[IMG_SEC_STRINGS], st) || read_code(img, sec[IMG_SEC_CODE], st) ||
        read_symbols(img, sec[IMG_SEC_SYMBOLS], st) || read_lines(img, sec[IMG_SEC_LINES], st) ||
        read_memory(img, sec[IMG_SEC_MEMORY], st) || read_relocs(img, sec[IMG_SEC_RELOCS], st) ||
        read_slot_lines(img, sec[IMG_SEC_SLOTLINES], st) || img_validate(img, st)) {
        img_free(img);
        return NULL;
    }
    return img;
}

/* ------------------------------------------------------------------ */
/* Files */

int img_write_file(const vimage *img, const char *path, img_status *st)
{
    img_status local;
    if (!st)
        st = &local;
    if (img_validate(img, st) != 0)
        return -1;
    uint8_t *buf;
    size_t size;
    if (encode_valid(img, &buf, &size) != 0)
        return fail(st, IMG_ERR_IO, "%s: the image is larger than the format's 4 GiB limit", path);
    outfile out;
    if (outfile_open(&out, path) != 0) {
        int err = errno;
        free(buf);
        return fail(st, IMG_ERR_IO, "%s: cannot create a temporary file: %s", path, strerror(err));
    }
    fwrite(buf, 1, size, out.f);   /* a short write fails the commit */
    int rc = outfile_commit(&out);
    int err = errno;
    free(buf);
    if (rc)
        return fail(st, IMG_ERR_IO, "%s: %s", strcmp(path, "-") == 0 ? "standard output" : path,
                    strerror(err));
    set_ok(st);
    return 0;
}

vimage *img_read_file(const char *path, img_status *st)
{
    img_status local;
    if (!st)
        st = &local;
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        fail(st, IMG_ERR_IO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, size = 0;
    uint8_t *buf = xrealloc(NULL, cap);
    for (;;) {
        if (size == cap) {
            if (cap > SIZE_MAX / 2)
                abort();
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t got = fread(buf + size, 1, cap - size, f);
        size += got;
        if (got == 0)
            break;
    }
    int err = ferror(f) ? errno : 0;
    if (!is_stdin)
        fclose(f);
    vimage *img = NULL;
    if (err)
        fail(st, IMG_ERR_IO, "%s: %s", path, strerror(err));
    else
        img = img_decode(buf, size, st);
    free(buf);
    return img;
}

/*
 * image: building, encoding, decoding and validating executable images
 * and relocatable objects (layout in image.h, docs/image-format.md).
 *
 * A file is read once (mapped when it can be) and checked in one pass over
 * its bytes: the container (header, checksum, section table), then every
 * slot against per-op operand limits drawn from isa.def and the engine
 * limits, then the other sections with the functions img_validate uses.
 * A checked view points into the bytes; img_decode builds the in-memory
 * vimage from it without checking again.  When the pass finds anything
 * wrong (or meets relocations), the full decoding runs instead: it copies
 * each section into a vimage, rejecting what only the bytes can show (an
 * op number past the table, a negative bit on a scratch operand, non-zero
 * reserved fields), then img_validate checks the contents against the
 * machine and against each other and names the first failure.  The writer
 * runs img_validate too, so the two sides cannot disagree about what a
 * valid image is; the tests hold the one pass to isa_check_slot.
 */
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "background.h"
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
#define SECTION_COUNT 8      /* ids 1 .. SECTION_COUNT */
#define SYMLINE_SIZE 8

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

/* The string at an offset of a string table, or NULL when the offset does
 * not start one. */
static const char *string_at(const char *strings, uint32_t size, uint32_t offset)
{
    if (offset >= size || (offset > 0 && strings[offset - 1] != '\0'))
        return NULL;
    return strings + offset;
}

const char *img_string(const vimage *img, uint32_t offset)
{
    return string_at(img->strings, img->strings_size, offset);
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
    if (img->code)
        img->code->release(img->code);
    free(img->code_strings);
    free(img->patches);
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

/* A new bundle; file: a string offset, or the name to intern (file_name
 * not NULL). */
static void begin_bundle(vimage *img, uint32_t file, const char *file_name, uint32_t line)
{
    if (img->nbundles == UINT32_MAX)
        abort();
    size_t cap = img->cap_bundles;
    if (img->nbundles + (size_t)1 > cap)
        img->bundle_start = grow(img->bundle_start, &cap, (size_t)img->nbundles + 1, 1,
                                 sizeof *img->bundle_start);
    if (!img->lines) {   /* an image without a line map: its bundles have no source */
        img->lines = xcalloc(cap, sizeof *img->lines);
    } else if (cap != img->cap_bundles) {
        img->lines = xrealloc(img->lines, cap * sizeof *img->lines);
    }
    img->cap_bundles = cap;
    img->code_checked = 0;
    if (file_name)
        file = intern_file(img, img->nbundles ? img->lines[img->nbundles - 1].file : 0, file_name);
    img->lines[img->nbundles].file = file;
    img->lines[img->nbundles].line = line;
    img->nbundles++;
    img->bundle_start[img->nbundles] = img->nslots;
}

void img_begin_bundle(vimage *img, const char *file, uint32_t line)
{
    begin_bundle(img, 0, file, line);
}

isa_slot *img_add_bundle_at(vimage *img, uint32_t file, uint32_t line, uint32_t nslots)
{
    begin_bundle(img, file, NULL, line);
    if (nslots > UINT32_MAX - img->nslots)
        abort();
    size_t need = (size_t)img->nslots + nslots, old_cap = img->cap_slots;
    if (need > old_cap || !img->slots) {
        img->slots = grow(img->slots, &img->cap_slots, need ? need : 1, 0, sizeof *img->slots);
        if (img->slot_lines && img->cap_slots != old_cap)
            img->slot_lines = xrealloc(img->slot_lines, img->cap_slots * sizeof *img->slot_lines);
    }
    if (img->slot_lines)   /* no line until one is set */
        memset(&img->slot_lines[img->nslots], 0, nslots * sizeof *img->slot_lines);
    isa_slot *slots = &img->slots[img->nslots];
    img->nslots += nslots;
    img->bundle_start[img->nbundles] = img->nslots;
    return slots;
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
    if (img->nslots + (size_t)1 > old_cap || !img->slots)
        img->slots = grow(img->slots, &img->cap_slots, (size_t)img->nslots + 1, 0, sizeof *img->slots);
    if (img->slot_lines) {   /* kept in step with the slots; no line until one is set */
        if (img->cap_slots != old_cap)
            img->slot_lines = xrealloc(img->slot_lines, img->cap_slots * sizeof *img->slot_lines);
        img->slot_lines[img->nslots] = (img_slot_line){0, 0, 0, 0};
    }
    img->slots[img->nslots++] = *slot;
    img->bundle_start[img->nbundles] = img->nslots;
    img->code_checked = 0;
}

void img_reserve_code(vimage *img, uint32_t nbundles, uint32_t nslots)
{
    if (nbundles > img->cap_bundles) {
        size_t cap = nbundles;
        img->bundle_start = xrealloc(img->bundle_start, (cap + 1) * sizeof *img->bundle_start);
        img->lines = img->lines ? xrealloc(img->lines, cap * sizeof *img->lines) : xcalloc(cap, sizeof *img->lines);
        img->cap_bundles = cap;
    }
    if (nslots > img->cap_slots) {
        img->slots = xrealloc(img->slots, (size_t)nslots * sizeof *img->slots);
        if (img->slot_lines)
            img->slot_lines = xrealloc(img->slot_lines, (size_t)nslots * sizeof *img->slot_lines);
        img->cap_slots = nslots;
    }
}

img_slot_line *img_slot_lines(vimage *img)
{
    if (!img->slot_lines)
        img->slot_lines = xcalloc(img->cap_slots ? img->cap_slots : 1, sizeof *img->slot_lines);
    return img->slot_lines;
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

/* The line map of one bundle as img_format_source reads it, from a
 * vimage or from a view's bytes. */
typedef struct {
    const char *strings;
    uint32_t strings_size;
    img_line line;                /* the bundle's own line */
    const img_slot_line *slots;   /* its slots' lines, or NULL: the image has none */
    uint32_t nslots;
} bundle_source;

/* "file:line" of one source position; "file:" is left out when the
 * previous one named the same file (prev_file: its string offset). */
static void put_line(text_buf *o, const bundle_source *bs, uint32_t file, uint32_t line,
                     uint32_t prev_file)
{
    const char *name = string_at(bs->strings, bs->strings_size, file);
    if (prev_file && prev_file == file)
        text_put(o, "%u", line);
    else
        text_put(o, "%s:%u", name && *name ? name : "?", line);
}

static size_t format_source(const bundle_source *bs, int slot, char *buf, size_t size)
{
    text_buf o = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    if (slot >= 0) {
        if ((uint32_t)slot >= bs->nslots)
            return 0;
        img_slot_line l = {bs->line.file, bs->line.line, 0, 0};
        if (bs->slots)
            l = bs->slots[slot];
        if (l.line == 0)
            return 0;
        put_line(&o, bs, l.file, l.line, 0);
        if (l.call_line) {
            text_put(&o, ", macro call ");
            put_line(&o, bs, l.call_file, l.call_line, 0);
        }
        return o.len;
    }
    if (!bs->slots || bs->nslots == 0) {
        if (bs->line.line == 0)
            return 0;
        put_line(&o, bs, bs->line.file, bs->line.line, 0);
        return o.len;
    }
    /* The bundle: the distinct lines of its slots, in slot order. */
    uint32_t prev_file = 0;
    for (uint32_t i = 0; i < bs->nslots; i++) {
        const img_slot_line *l = &bs->slots[i];
        int seen = l->line == 0;
        for (uint32_t j = 0; j < i && !seen; j++)
            seen = bs->slots[j].file == l->file && bs->slots[j].line == l->line;
        if (seen)
            continue;
        if (o.len)
            text_put(&o, ",");
        put_line(&o, bs, l->file, l->line, prev_file);
        prev_file = l->file;
    }
    return o.len;
}

size_t img_format_source(const vimage *img, uint32_t bundle, int slot, char *buf, size_t size)
{
    if (size)
        buf[0] = '\0';
    if (bundle >= img->nbundles)
        return 0;
    uint32_t first = img->bundle_start[bundle];
    bundle_source bs = {img->strings, img->strings_size, {0, 0},
                        img->slot_lines ? img->slot_lines + first : NULL,
                        img->bundle_start[bundle + 1] - first};
    if (img->lines)
        bs.line = img->lines[bundle];
    return format_source(&bs, slot, buf, size);
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

/* A comment slot's text: a string of the table, on one line. */
static int check_comment(const vimage *img, uint32_t b, uint32_t s, const isa_slot *slot, img_status *st)
{
    if (slot->op != ISA_OP_COMMENT)
        return 0;
    int64_t off = slot->arg[0];
    const char *comment = off >= 0 && off <= UINT32_MAX ? img_string(img, (uint32_t)off) : NULL;
    if (!comment)
        return fail(st, IMG_ERR_BAD_STRING,
                    "bundle %u, slot %u: comment offset %lld does not start a string "
                    "(string table of %u bytes)",
                    b, s, (long long)off, img->strings_size);
    /* The text form keeps a bundle on one line (ISA.md), so that
     * disassembly always reassembles. */
    if (strpbrk(comment, "\n\r"))
        return fail(st, IMG_ERR_BAD_STRING, "bundle %u, slot %u: comment text holds a line break", b, s);
    return 0;
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
    return check_comment(img, b, s, slot, st);
}

/* Slots a bundle can hold within every engine's limit. */
enum {
#define ISA_ENGINE(id, name, slots, cost) MOST_##id = (slots),
#include "isa.def"
    MOST_SLOTS = MOST_ALU + MOST_VALU + MOST_LOAD + MOST_STORE + MOST_FLOW + MOST_DEBUG,
};

/* Per op, what the table-driven checks of a slot need: the largest value
 * of each operand (0 past the op's operands), which operands are
 * immediates (the only ones that may be negative), the operand holding a
 * trace key, and whether the slot needs check_slot instead (displaced
 * operands, comment references).  Drawn from the kinds of isa.def, once.
 * The reader checks encoded slots with them, img_validate decoded ones;
 * check_slot, slower, only runs to explain a failure. */
typedef struct {
    /* operands 0..3 as signed numbers after flipping their top bits, so
     * that one signed comparison of four lanes compares them unsigned */
    _Alignas(16) int32_t max_flipped[4];
    uint32_t max[ISA_MAX_ARGS];
    uint8_t key_arg;      /* the trace key's operand (its stage follows) */
    uint32_t key_mask;    /* ~0 when the op has a trace key, else 0 */
    uint8_t full_check;
    uint8_t engine;
    /* the same limits on decoded operands: immediates may be negative */
    int64_t lo[ISA_MAX_ARGS], hi[ISA_MAX_ARGS];
} op_rule;

static op_rule op_rules[ISA_OP_COUNT];
/* Largest stage of each trace key, indexed by the key's low bits (a key
 * out of range is caught by its operand limit). */
#define KEY_SLOTS 8
_Static_assert(ISA_KEY_COUNT <= KEY_SLOTS, "KEY_SLOTS must cover the trace keys");
static uint32_t stage_max[KEY_SLOTS];
static int op_rules_ready;

static void op_rules_init(void)
{
    for (int k = 0; k < ISA_KEY_COUNT; k++)
        stage_max[k] = isa_trace_key_takes_stage[k] ? 5 : 0;
    for (int op = 0; op < ISA_OP_COUNT; op++) {
        op_rule *r = &op_rules[op];
        r->engine = (uint8_t)isa_ops[op].engine;
        for (int a = 0; a < isa_ops[op].nargs; a++) {
            switch (isa_ops[op].kinds[a]) {
            case 'd': case 's': r->max[a] = ISA_SCRATCH_WORDS - 1; break;
            case 'D': case 'S': r->max[a] = ISA_SCRATCH_WORDS - ISA_VLEN; break;
            case 'k':
                r->max[a] = ISA_KEY_COUNT - 1;
                r->key_arg = (uint8_t)a;
                r->key_mask = UINT32_MAX;
                break;
            case 'K': r->max[a] = 5; break;   /* and stage_max of its key */
            case 'e': case 'f': case 'c': r->full_check = 1; /* fall through */
            default: r->max[a] = UINT32_MAX; break;   /* i t r n: any u32 */
            }

        }
        for (int a = 0; a < 4; a++)
            r->max_flipped[a] = (int32_t)(r->max[a] ^ 0x80000000u);
        for (int a = 0; a < ISA_MAX_ARGS; a++) {
            int imm = a < isa_ops[op].nargs && is_immediate_kind(isa_ops[op].kinds[a]);
            r->lo[a] = imm ? ISA_IMM_MIN : 0;
            r->hi[a] = imm ? ISA_IMM_MAX : (int64_t)r->max[a];
        }
    }
    op_rules_ready = 1;
}

/* Whether a decoded slot passes the rules (img_validate's fast path). */
static int mem_slot_ok(const isa_slot *slot)
{
    if (!op_rules_ready)
        op_rules_init();
    if (slot->op >= ISA_OP_COUNT || op_rules[slot->op].full_check)
        return 0;
    const op_rule *r = &op_rules[slot->op];
    int over = 0;
    for (int a = 0; a < ISA_MAX_ARGS; a++)
        over |= (slot->arg[a] < r->lo[a]) | (slot->arg[a] > r->hi[a]);
    if (over)
        return 0;
    return !r->key_mask || slot->arg[r->key_arg + 1] <= stage_max[slot->arg[r->key_arg] % KEY_SLOTS];
}

/* Deferred slot k, as read from the source, as the image holds it: its
 * comment operand's offset carried into this image's strings, the
 * patches from *next_patch on that are its own applied (*next_patch
 * moves past them; the patches of earlier slots must be behind it). */
static void finish_deferred_slot(const vimage *img, uint32_t k, isa_slot *slot, uint32_t *next_patch)
{
    int comment = img->code_strings && img->code->ncomment_slots ? isa_comment_arg(slot->op) : -1;
    if (comment >= 0) {
        int64_t *off = &slot->arg[comment];
        *off = *off >= 0 && *off < img->ncode_strings ? img->code_strings[*off] : UINT32_MAX;
    }
    for (; *next_patch < img->npatches && img->patches[*next_patch].slot == k; ++*next_patch)
        slot->arg[img->patches[*next_patch].operand] = img->patches[*next_patch].value;
}

/* Deferred slot k alone (its patches found by bisection). */
static void deferred_slot_at(const vimage *img, uint32_t k, isa_slot *out)
{
    uint32_t lo = 0, hi = img->npatches;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (img->patches[mid].slot < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    img->code->read(img->code, k, 1, out);
    finish_deferred_slot(img, k, out, &lo);
}

/* A deferred slot's line, as read from the source, its files carried
 * into this image's strings. */
static void finish_deferred_line(const vimage *img, img_slot_line *line)
{
    if (img->code_strings) {   /* (offset 0, no file, stays) */
        if (line->file)
            line->file = line->file < img->ncode_strings ? img->code_strings[line->file] : UINT32_MAX;
        if (line->call_file)
            line->call_file = line->call_file < img->ncode_strings ? img->code_strings[line->call_file] : UINT32_MAX;
    }
}

/* The checks of bundle b's slots (n of them): validate_code's, and the
 * writer's for deferred code. */
static int validate_bundle(const vimage *img, uint32_t b, const isa_slot *slots, uint32_t n, img_status *st)
{
    int per_engine[ISA_ENGINE_COUNT] = {0};
    for (uint32_t i = 0; i < n; i++) {
        const isa_slot *slot = &slots[i];
        /* Code its producer checked needs only what the producer did not:
         * an op of the table (for the count below), and comment strings (a
         * linker re-interns them). */
        if (img->code_checked ? slot->op >= ISA_OP_COUNT || check_comment(img, b, i, slot, st) != 0
                              : !mem_slot_ok(slot))
            if (check_slot(img, b, i, slot, st) != 0)
                return -1;
        isa_engine e = isa_ops[slot->op].engine;
        if (++per_engine[e] > isa_engines[e].slot_limit) {
            char text[96];
            slot_text(img, slot, text, sizeof text);
            return fail(st, IMG_ERR_SLOT_LIMIT,
                        "bundle %u, slot %u (%s): the %s engine takes at most %d slot%s per "
                        "bundle",
                        b, i, text, isa_engines[e].name, isa_engines[e].slot_limit,
                        isa_engines[e].slot_limit == 1 ? "" : "s");
        }
    }
    return 0;
}

/* The bundle table; and the slots, unless the code is deferred (the
 * writer checks those). */
static int validate_code(const vimage *img, img_status *st)
{
    if (!img->bundle_start || img->bundle_start[0] != 0)
        return fail(st, IMG_ERR_BAD_SECTION, "code does not start at slot 0");
    for (uint32_t b = 0; b < img->nbundles; b++) {
        uint32_t first = img->bundle_start[b], end = img->bundle_start[b + 1];
        if (end < first || end > img->nslots)
            return fail(st, IMG_ERR_BAD_SECTION, "bundle %u: slots %u..%u are out of order", b,
                        first, end);
        /* (an empty bundle of an image without slots points nowhere) */
        if (!img->code && end > first && validate_bundle(img, b, &img->slots[first], end - first, st) != 0)
            return -1;
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
        if (sym->file && !img_string(img, sym->file))
            return fail(st, IMG_ERR_BAD_SYMBOL, "symbol %u (%s): file offset %u does not start a string", i,
                        name, sym->file);
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

/* Slot i's line (prev: slot i - 1's, or NULL): its files are strings.
 * An entry naming the files of the one before was checked with it: each
 * run of one file is checked once. */
static int validate_slot_line(const vimage *img, uint32_t i, const img_slot_line *l, const img_slot_line *prev,
                              img_status *st)
{
    if ((!prev || l->file != prev->file || l->call_file != prev->call_file) &&
        (!img_string(img, l->file) || !img_string(img, l->call_file)))
        return fail(st, IMG_ERR_BAD_LINES,
                    "slot %u: source file offset %u or macro call file offset %u does not "
                    "start a string", i, l->file, l->call_file);
    return 0;
}

static int validate_lines(const vimage *img, img_status *st)
{
    if (!img->lines)
        return 0;
    /* An offset equal to the previous entry's was checked with it: each
     * run of one file is checked once. */
    for (uint32_t b = 0; b < img->nbundles; b++)
        if ((b == 0 || img->lines[b].file != img->lines[b - 1].file) && !img_string(img, img->lines[b].file))
            return fail(st, IMG_ERR_BAD_LINES,
                        "bundle %u: source file offset %u does not start a string", b,
                        img->lines[b].file);
    for (uint32_t i = 0; img->slot_lines && i < img->nslots; i++)
        if (validate_slot_line(img, i, &img->slot_lines[i], i ? &img->slot_lines[i - 1] : NULL, st) != 0)
            return -1;
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
        isa_slot held;
        const isa_slot *slot = &held;
        if (img->code)
            deferred_slot_at(img, r->slot, &held);
        else
            slot = &img->slots[r->slot];
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
/* CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320).  Where the CPU
 * multiplies without carries (x86-64 PCLMULQDQ), the file is folded 64
 * bytes a step (Gopal et al., "Fast CRC Computation for Generic
 * Polynomials Using PCLMULQDQ", Intel 2009): a 7 MB image checks in a few
 * tenths of a millisecond.  Elsewhere, and for the few bytes the folding
 * leaves, eight table lookups per 8 bytes (slicing by 8).  Both give the
 * same CRC; the tests compare them on every length up to a few blocks. */

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

/* Continues a CRC over more bytes with the tables; start and finish with ~0. */
static uint32_t crc_sliced(uint32_t c, const uint8_t *p, size_t n)
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

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define CRC_FOLDING 1

#define CRC_FOLD(acc, k, next) \
    _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128((acc), (k), 0x00), \
                                _mm_clmulepi64_si128((acc), (k), 0x11)), (next))

/* The end of a fold: four accumulators of consecutive 16-byte pieces are
 * folded into one (x^128 and x^192 mod P, bit-reflected and shifted, are
 * the multipliers), then the n remaining bytes (a multiple of 16) 16 at a
 * time, then the remainder is reduced to 64 bits (x^96) and to 32 bits by
 * Barrett reduction (mu = x^64 / P, and P itself). */
__attribute__((target("pclmul,sse4.1")))
static inline uint32_t crc_fold_end(__m128i a0, __m128i a1, __m128i a2, __m128i a3,
                                    const uint8_t *p, size_t n)
{
    const __m128i k128 = _mm_set_epi64x(0x00ccaa009e, 0x01751997d0);
    const __m128i k96 = _mm_set_epi64x(0, 0x0163cd6124);
    const __m128i barrett = _mm_set_epi64x(0x01f7011641, 0x01db710641);
    const __m128i low32 = _mm_setr_epi32(-1, 0, -1, 0);
    a0 = CRC_FOLD(a0, k128, a1);
    a0 = CRC_FOLD(a0, k128, a2);
    a0 = CRC_FOLD(a0, k128, a3);
    for (; n >= 16; p += 16, n -= 16)
        a0 = CRC_FOLD(a0, k128, _mm_loadu_si128((const __m128i *)p));
    __m128i t = _mm_clmulepi64_si128(a0, k128, 0x10);
    a0 = _mm_xor_si128(_mm_srli_si128(a0, 8), t);
    t = _mm_srli_si128(a0, 4);
    a0 = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(a0, low32), k96, 0x00), t);
    t = _mm_clmulepi64_si128(_mm_and_si128(a0, low32), barrett, 0x10);
    t = _mm_clmulepi64_si128(_mm_and_si128(t, low32), barrett, 0x00);
    return (uint32_t)_mm_extract_epi32(_mm_xor_si128(a0, t), 1);
}

/* Folds n bytes (n >= 64, a multiple of 16) into the CRC state c: four
 * 128-bit accumulators advance 64 bytes a step (x^512 and x^576). */
__attribute__((target("pclmul,sse4.1")))
static uint32_t crc_folded(uint32_t c, const uint8_t *p, size_t n)
{
    const __m128i k512 = _mm_set_epi64x(0x01c6e41596, 0x0154442bd4);
    __m128i a0 = _mm_loadu_si128((const __m128i *)p);
    __m128i a1 = _mm_loadu_si128((const __m128i *)(p + 16));
    __m128i a2 = _mm_loadu_si128((const __m128i *)(p + 32));
    __m128i a3 = _mm_loadu_si128((const __m128i *)(p + 48));
    a0 = _mm_xor_si128(a0, _mm_cvtsi32_si128((int)c));
    for (p += 64, n -= 64; n >= 64; p += 64, n -= 64) {
        a0 = CRC_FOLD(a0, k512, _mm_loadu_si128((const __m128i *)p));
        a1 = CRC_FOLD(a1, k512, _mm_loadu_si128((const __m128i *)(p + 16)));
        a2 = CRC_FOLD(a2, k512, _mm_loadu_si128((const __m128i *)(p + 32)));
        a3 = CRC_FOLD(a3, k512, _mm_loadu_si128((const __m128i *)(p + 48)));
    }
    return crc_fold_end(a0, a1, a2, a3, p, n);
}

/* The same with 512-bit carry-less multiplication (VPCLMULQDQ), for n >=
 * 256: four accumulators of 64 bytes advance 256 bytes a step (x^2080 and
 * x^2016), are folded into one (x^544, x^480), which takes any further 64
 * bytes; its four 128-bit lanes then end as above. */
__attribute__((target("pclmul,sse4.1,avx512f,vpclmulqdq")))
static uint32_t crc_folded_wide(uint32_t c, const uint8_t *p, size_t n)
{
    const __m512i k2048 = _mm512_broadcast_i32x4(_mm_set_epi64x(0x01322d1430, 0x011542778a));
    const __m512i k512 = _mm512_broadcast_i32x4(_mm_set_epi64x(0x01c6e41596, 0x0154442bd4));
#define CRC_FOLD_WIDE(acc, k, next) \
    _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128((acc), (k), 0x00), \
                              _mm512_clmulepi64_epi128((acc), (k), 0x11), (next), 0x96)
    __m512i x0 = _mm512_loadu_si512(p);
    __m512i x1 = _mm512_loadu_si512(p + 64);
    __m512i x2 = _mm512_loadu_si512(p + 128);
    __m512i x3 = _mm512_loadu_si512(p + 192);
    x0 = _mm512_xor_si512(x0, _mm512_castsi128_si512(_mm_cvtsi32_si128((int)c)));
    for (p += 256, n -= 256; n >= 256; p += 256, n -= 256) {
        x0 = CRC_FOLD_WIDE(x0, k2048, _mm512_loadu_si512(p));
        x1 = CRC_FOLD_WIDE(x1, k2048, _mm512_loadu_si512(p + 64));
        x2 = CRC_FOLD_WIDE(x2, k2048, _mm512_loadu_si512(p + 128));
        x3 = CRC_FOLD_WIDE(x3, k2048, _mm512_loadu_si512(p + 192));
    }
    x0 = CRC_FOLD_WIDE(x0, k512, x1);
    x0 = CRC_FOLD_WIDE(x0, k512, x2);
    x0 = CRC_FOLD_WIDE(x0, k512, x3);
    for (; n >= 64; p += 64, n -= 64)
        x0 = CRC_FOLD_WIDE(x0, k512, _mm512_loadu_si512(p));
#undef CRC_FOLD_WIDE
    return crc_fold_end(_mm512_extracti32x4_epi32(x0, 0), _mm512_extracti32x4_epi32(x0, 1),
                        _mm512_extracti32x4_epi32(x0, 2), _mm512_extracti32x4_epi32(x0, 3), p, n);
}
#undef CRC_FOLD

/* What the CPU can fold with: 0 nothing, 1 PCLMULQDQ (CPUID leaf 1: ECX
 * bits 1 and 19, SSE4.1), 2 also VPCLMULQDQ on 512 bits (leaf 7: EBX bit
 * 16 AVX-512F, ECX bit 10; and the OS saving the AVX-512 registers, XCR0
 * bits 1, 2, 5, 6, 7).  Asked of CPUID directly rather than through
 * __builtin_cpu_supports, whose set-up runs CPUID a dozen times: under a
 * hypervisor each one traps, and that showed in vrun's start-up. */
static int crc_can_fold(void)
{
    static int known = -1;
    if (known < 0) {
        unsigned a, b, c, d;
        known = __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 1)) && (c & (1u << 19));
        if (known && (c & (1u << 27))) {   /* OSXSAVE: XGETBV works */
            unsigned lo, hi;
            __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
            if ((lo & 0xE6) == 0xE6 && __get_cpuid_count(7, 0, &a, &b, &c, &d) &&
                (b & (1u << 16)) && (c & (1u << 10)))
                known = 2;
        }
    }
    return known;
}
#endif

/* Continues a CRC over more bytes; start and finish with ~0 (see img_crc32). */
static uint32_t crc_update(uint32_t c, const uint8_t *p, size_t n)
{
#ifdef CRC_FOLDING
    int can = n >= 64 ? crc_can_fold() : 0;
    if (can) {
        size_t folded = n & ~(size_t)15;
        c = can == 2 && folded >= 256 ? crc_folded_wide(c, p, folded) : crc_folded(c, p, folded);
        p += folded;
        n -= folded;
    }
#endif
    return crc_sliced(c, p, n);
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
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, &v, 4);   /* one store where the bytes are already in file order */
#else
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
#endif
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

/* Where encoded bytes go: one buffer that holds the whole file, or a
 * window flushed to a file as it fills, so that writing a big image costs
 * no copy of it in memory; the CRC then follows the bytes as they go out
 * and is put into the header at the end. */
#define ENC_WINDOW ((size_t)512 << 10)

typedef struct {
    uint8_t *buf, *p, *end;
    FILE *f;                 /* NULL: buf is the whole file */
    uint64_t flushed;        /* bytes handed on to be written to f */
    /* Writing to a file, a full window goes to the helper thread
     * (common/background.h), which checksums and writes it while the next
     * is filled in the other one; the two fields below are the thread's
     * until enc_finish. */
    uint8_t *other;          /* the other window */
    bg_ticket other_written; /* the write of what other held */
    uint32_t crc;            /* of the bytes written (started with ~0) */
    int failed;              /* a write to f failed */
} enc_out;

static void write_window(void *p, size_t n, void *ctx)
{
    enc_out *o = ctx;
    o->crc = crc_update(o->crc, p, n);
    if (fwrite(p, 1, n, o->f) != n)
        o->failed = 1;
}

static void enc_flush(enc_out *o)
{
    size_t n = (size_t)(o->p - o->buf);
    bg_ticket written = bg_post(write_window, o->buf, n, o);
    o->flushed += n;
    uint8_t *full = o->buf;
    bg_wait_for(o->other_written);   /* (done long ago, as a rule) */
    o->buf = o->p = o->other;
    o->end = o->buf + ENC_WINDOW;
    o->other = full;
    o->other_written = written;
}

/* Everything flushed and written: crc and failed are the caller's again. */
static void enc_finish(enc_out *o)
{
    enc_flush(o);
    bg_wait_for(o->other_written);
}

/* Room for n more bytes (at most ENC_WINDOW). */
static uint8_t *enc_room(enc_out *o, size_t n)
{
    if (o->f && (size_t)(o->end - o->p) < n)
        enc_flush(o);
    return o->p;
}

static void enc_bytes(enc_out *o, const void *data, size_t n)
{
    const uint8_t *d = data;
    while (n) {
        size_t k = n < ENC_WINDOW ? n : ENC_WINDOW;
        memcpy(enc_room(o, k), d, k);
        o->p += k;
        d += k;
        n -= k;
    }
}

/* Zeros up to file offset at (section bodies start on 4-byte boundaries). */
static void enc_pad(enc_out *o, uint64_t at)
{
    uint64_t pos = o->flushed + (uint64_t)(o->p - o->buf);
    static const uint8_t zero[4];
    enc_bytes(o, zero, (size_t)(at - pos));
}

/* The bytes of a validated image into o; writing to no file, o gets a
 * malloc'd buffer of the whole file.  The checksum is left zero.  -1 only
 * when the image exceeds the format's 32-bit sizes (before anything is
 * written). */
/* One slot as the file holds it (img_slot_put); returns the end.
 * Validated: a negative operand is an immediate >= -2^31, whose arg +
 * 2^32 is its low 32 bits. */
static inline uint8_t *put_slot(uint8_t *p, const isa_slot *slot)
{
    const int64_t *x = slot->arg;
    uint32_t low[ISA_MAX_ARGS] = {(uint32_t)x[0], (uint32_t)x[1], (uint32_t)x[2], (uint32_t)x[3], (uint32_t)x[4]};
    return img_slot_put(p, (uint8_t)slot->op,
                        (uint8_t)((x[0] < 0) | (x[1] < 0) << 1 | (x[2] < 0) << 2 | (x[3] < 0) << 3 | (x[4] < 0) << 4),
                        low);
}

static inline uint8_t *put_slot_line(uint8_t *p, const img_slot_line *l)
{
    p = put_u32(p, l->file);
    p = put_u32(p, l->line);
    p = put_u32(p, l->call_file);
    return put_u32(p, l->call_line);
}

/* The SLOTLINES section of deferred code: the lines read from the source
 * a block at a time, each carried over, checked and encoded. */
static int encode_deferred_lines(const vimage *img, enc_out *o, img_status *st)
{
    enum { BLOCK = 256 };
    img_slot_line lines[BLOCK + 1];   /* [0]: the last line of the block before */
    for (uint32_t first = 0; first < img->nslots; first += BLOCK) {
        uint32_t n = img->nslots - first < BLOCK ? img->nslots - first : BLOCK;
        img->code->lines(img->code, first, n, &lines[1]);
        for (uint32_t i = 1; i <= n; i++) {
            finish_deferred_line(img, &lines[i]);
            if (validate_slot_line(img, first + i - 1, &lines[i], first + i > 1 ? &lines[i - 1] : NULL, st) != 0)
                return -1;
            o->p = put_slot_line(enc_room(o, SLOT_LINE_SIZE), &lines[i]);
        }
        lines[0] = lines[n];
    }
    return 0;
}

/* The CODE section's bundles of deferred code: each read from the source,
 * checked as img_validate checks held code, and encoded. */
static int bundle_ok(const vimage *shim, const uint8_t *p, uint32_t n);

/* Deferred slot k's bytes (as the source encoded them) as the image holds
 * them: finish_deferred_slot on the encoded form. */
static void finish_encoded_slot(const vimage *img, uint32_t k, uint8_t *p, uint32_t *next_patch)
{
    int comment = img->code_strings && img->code->ncomment_slots ? isa_comment_arg(p[0]) : -1;
    if (comment >= 0) {
        uint32_t off = img_le32(p + 4 + 4 * comment);
        put_u32(p + 4 + 4 * comment, off < img->ncode_strings ? img->code_strings[off] : UINT32_MAX);
    }
    for (; *next_patch < img->npatches && img->patches[*next_patch].slot == k; ++*next_patch) {
        const img_patch *patch = &img->patches[*next_patch];
        put_u32(p + 4 + 4 * patch->operand, (uint32_t)patch->value);
        p[1] = (uint8_t)((p[1] & ~(1u << patch->operand)) | (unsigned)(patch->value < 0) << patch->operand);
    }
}

/* The CODE section's bundles of deferred code: each read from the source,
 * carried over, checked as img_validate checks held code, and encoded.
 * A checked image whose source encodes its slots is written from those
 * bytes, checked by the reader's rules (which held code would pass too);
 * only a bundle they reject is decoded, for img_validate's verdict and
 * message. */
static int encode_deferred_code(const vimage *img, enc_out *o, img_status *st)
{
    uint32_t next_patch = 0, room = 0;
    isa_slot *slots = NULL;
    if (!op_rules_ready)
        op_rules_init();
    for (uint32_t b = 0; b < img->nbundles; b++) {
        uint32_t first = img->bundle_start[b], n = img->bundle_start[b + 1] - first;
        if (n > room) {
            room = n;
            slots = xrealloc(slots, room * sizeof *slots);
        }
        if (img->code->encode && img->code_checked && n <= MOST_SLOTS) {
            uint8_t *p = put_u32(enc_room(o, 4 + SLOT_SIZE * (size_t)n), n);
            img->code->encode(img->code, first, n, p);
            for (uint32_t i = 0; i < n; i++)
                finish_encoded_slot(img, first + i, p + SLOT_SIZE * i, &next_patch);
            if (n && !bundle_ok(img, p, n)) {
                for (uint32_t i = 0; i < n; i++)
                    img_slot_decode(p + SLOT_SIZE * i, &slots[i]);
                if (validate_bundle(img, b, slots, n, st) != 0) {
                    free(slots);
                    return -1;
                }
            }
            o->p = p + SLOT_SIZE * n;
            continue;
        }
        img->code->read(img->code, first, n, slots);
        for (uint32_t i = 0; i < n; i++)
            finish_deferred_slot(img, first + i, &slots[i], &next_patch);
        if (validate_bundle(img, b, slots, n, st) != 0) {
            free(slots);
            return -1;
        }
        uint8_t *p = put_u32(enc_room(o, 4 + SLOT_SIZE * (size_t)n), n);
        for (uint32_t i = 0; i < n; i++)
            p = put_slot(p, &slots[i]);
        o->p = p;
    }
    free(slots);
    return 0;
}

/* Encodes a validated image (its deferred code is checked here, bundle by
 * bundle); returns 0, or -1 with st filled: the image is over the
 * format's 4 GiB, or its deferred code fails a check. */
static int encode_valid(const vimage *img, enc_out *o, img_status *st)
{
    int slot_lines = img->code ? img->code_slot_lines : img->slot_lines != NULL;
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
    if (slot_lines && img->nslots)
        plan[n++] = (section_plan){IMG_SEC_SLOTLINES, SLOT_LINE_SIZE * (uint64_t)img->nslots, 0};
    int symlines = 0;
    for (uint32_t i = 0; i < img->nsymbols && !symlines; i++)
        symlines = img->symbols[i].file || img->symbols[i].column || img->symbols[i].length;
    if (symlines)
        plan[n++] = (section_plan){IMG_SEC_SYMLINES, SYMLINE_SIZE * (uint64_t)img->nsymbols, 0};

    uint64_t total = HEADER_SIZE + SECTION_ENTRY_SIZE * (uint64_t)n;
    for (int s = 0; s < n; s++) {
        plan[s].offset = align4(total);
        total = plan[s].offset + plan[s].size;
        if (plan[s].size > UINT32_MAX)
            return fail(st, IMG_ERR_IO, "the image is larger than the format's 4 GiB limit");
    }
    if (total > UINT32_MAX)
        return fail(st, IMG_ERR_IO, "the image is larger than the format's 4 GiB limit");
    if (!o->f)
        o->p = o->buf = xcalloc((size_t)total, 1);

    uint8_t *p = enc_room(o, HEADER_SIZE + SECTION_ENTRY_SIZE * (size_t)n);
    memset(p, 0, HEADER_SIZE);
    memcpy(p, IMG_MAGIC, 4);
    /* The lowest version that holds the file (image.h). */
    int columns = 0;
    for (uint32_t i = 0; i < img->nrelocs && !columns; i++)
        columns = img->relocs[i].column != 0;
    put_u16(p + 4, columns || symlines ? IMG_VERSION : IMG_VERSION_MIN);
    put_u16(p + 6, (uint32_t)img->type);
    put_u32(p + 8, (uint32_t)total);
    put_u32(p + 16, (uint32_t)n);
    p += HEADER_SIZE;
    for (int s = 0; s < n; s++) {
        p = put_u32(p, plan[s].id);
        p = put_u32(p, (uint32_t)plan[s].offset);
        p = put_u32(p, (uint32_t)plan[s].size);
    }
    o->p = p;
    for (int s = 0; s < n; s++) {
        enc_pad(o, plan[s].offset);
        switch (plan[s].id) {
        case IMG_SEC_CODE:
            o->p = put_u32(enc_room(o, 4), img->nbundles);
            if (img->code && encode_deferred_code(img, o, st) != 0)
                return -1;
            for (uint32_t b = 0; !img->code && b < img->nbundles; b++) {
                uint32_t first = img->bundle_start[b], end = img->bundle_start[b + 1];
                /* Validated: a bundle holds at most the engines' slot limits. */
                p = put_u32(enc_room(o, 4 + SLOT_SIZE * (size_t)(end - first)), end - first);
                for (uint32_t i = first; i < end; i++)
                    p = put_slot(p, &img->slots[i]);
                o->p = p;
            }
            break;
        case IMG_SEC_STRINGS:
            enc_bytes(o, img->strings, img->strings_size);
            break;
        case IMG_SEC_SYMBOLS:
            for (uint32_t i = 0; i < img->nsymbols; i++) {
                const img_symbol *sym = &img->symbols[i];
                p = put_u32(enc_room(o, SYMBOL_SIZE), sym->name);
                *p++ = sym->kind;
                *p++ = sym->binding;
                p = put_u16(p, sym->flags);
                p = put_u32(p, sym->value);
                p = put_u32(p, sym->size);
                o->p = put_u32(p, sym->line);
            }
            break;
        case IMG_SEC_LINES:
            for (uint32_t b = 0; b < img->nbundles; b++) {
                p = put_u32(enc_room(o, LINE_SIZE), img->lines[b].file);
                o->p = put_u32(p, img->lines[b].line);
            }
            break;
        case IMG_SEC_MEMORY:
            for (uint32_t i = 0; i < img->nsegments; i++) {
                const img_segment *seg = &img->segments[i];
                p = put_u32(enc_room(o, 8), seg->address);
                o->p = put_u32(p, seg->count);
                for (uint32_t w = 0; w < seg->count; w++)
                    o->p = put_u32(enc_room(o, 4), seg->words[w]);
            }
            break;
        case IMG_SEC_RELOCS:
            for (uint32_t i = 0; i < img->nrelocs; i++) {
                const img_reloc *r = &img->relocs[i];
                p = put_u32(enc_room(o, RELOC_SIZE), r->slot);
                *p++ = r->operand;
                *p++ = r->kind;
                p = put_u16(p, r->column);
                p = put_u32(p, r->symbol);
                o->p = put_u32(p, (uint32_t)r->addend);
            }
            break;
        case IMG_SEC_SLOTLINES:
            if (img->code && encode_deferred_lines(img, o, st) != 0)
                return -1;
            for (uint32_t i = 0; !img->code && i < img->nslots; i++)
                o->p = put_slot_line(enc_room(o, SLOT_LINE_SIZE), &img->slot_lines[i]);
            break;
        case IMG_SEC_SYMLINES:
            for (uint32_t i = 0; i < img->nsymbols; i++) {
                p = put_u32(enc_room(o, SYMLINE_SIZE), img->symbols[i].file);
                p = put_u16(p, img->symbols[i].column);
                o->p = put_u16(p, img->symbols[i].length);
            }
            break;
        }
    }
    return 0;
}

/* encode_valid into one malloc'd buffer, checksum included. */
static int encode_buffer(const vimage *img, uint8_t **out, size_t *out_size, img_status *st)
{
    img_status local;
    if (!st)
        st = &local;
    *out = NULL;
    *out_size = 0;
    enc_out o = {0};
    if (encode_valid(img, &o, st) != 0) {
        free(o.buf);
        return -1;
    }
    *out_size = (size_t)(o.p - o.buf);
    put_u32(o.buf + 12, file_crc(o.buf, *out_size));
    *out = o.buf;
    return 0;
}

int img_encode(const vimage *img, uint8_t **out, size_t *out_size)
{
    *out = NULL;
    *out_size = 0;
    if (img_validate(img, NULL) != 0)
        return -1;
    return encode_buffer(img, out, out_size, NULL);
}

/* ------------------------------------------------------------------ */
/* Decoding: the container */

static const char *const section_names[SECTION_COUNT + 1] = {
    NULL, "CODE", "STRINGS", "SYMBOLS", "LINES", "MEMORY", "RELOCS", "SLOTLINES", "SYMLINES",
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
    if (version < IMG_VERSION_MIN)
        return fail(st, IMG_ERR_BAD_VERSION,
                    "version %u is older than this reader's versions %d..%d (assemble or link the file again)",
                    version, IMG_VERSION_MIN, IMG_VERSION);
    if (version > IMG_VERSION)
        return fail(st, IMG_ERR_BAD_VERSION,
                    "version %u is newer than this reader's versions %d..%d (a newer vliwkit wrote it)", version,
                    IMG_VERSION_MIN, IMG_VERSION);
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
    /* Version 2 had no relocation columns (those bytes were reserved) and
     * no SYMLINES. */
    if (version == 2 && sec[IMG_SEC_SYMLINES].data)
        return fail(st, IMG_ERR_BAD_SECTION, "a SYMLINES section in a version 2 file");
    const section_view *rel = &sec[IMG_SEC_RELOCS];
    for (uint32_t i = 0; version == 2 && rel->data && i < rel->size / RELOC_SIZE; i++) {
        uint16_t column = get_u16(rel->data + (size_t)i * RELOC_SIZE + 6);
        if (column)
            return fail(st, IMG_ERR_RESERVED, "relocation %u: reserved bytes are 0x%04x (a version 2 file)", i,
                        column);
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

void img_slot_decode(const uint8_t *p, isa_slot *slot)
{
    slot->op = p[0];
    for (int a = 0; a < ISA_MAX_ARGS; a++) {
        int64_t v = get_u32(p + 4 + 4 * a);
        slot->arg[a] = (p[1] >> a) & 1 ? v - 4294967296LL : v;
    }
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
            img_slot_decode(p, slot);
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

static int read_symlines(vimage *img, section_view s, img_status *st)
{
    if (!s.data)
        return 0;
    if (s.size != (uint64_t)SYMLINE_SIZE * img->nsymbols)
        return fail(st, IMG_ERR_BAD_SYMBOL, "SYMLINES section of %u bytes for %u symbols (needs %llu)", s.size,
                    img->nsymbols, (unsigned long long)SYMLINE_SIZE * img->nsymbols);
    for (uint32_t i = 0; i < img->nsymbols; i++) {
        const uint8_t *p = s.data + (size_t)i * SYMLINE_SIZE;
        img->symbols[i].file = get_u32(p);
        img->symbols[i].column = get_u16(p + 4);
        img->symbols[i].length = get_u16(p + 6);
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
        img->relocs[i] = (img_reloc){
            .slot = get_u32(p), .operand = p[4], .kind = p[5], .column = get_u16(p + 6), .symbol = get_u32(p + 8),
            .addend = (int32_t)get_u32(p + 12),
        };
    }
    return 0;
}

/* The in-memory form of sections whose container read_header accepted,
 * with every content check (img_validate); NULL with st filled. */
static vimage *decode_checked(const section_view sec[SECTION_COUNT + 1], img_type type,
                              img_status *st)
{
    vimage *img = img_new(type);
    if (read_strings(img, sec[IMG_SEC_STRINGS], st) || read_code(img, sec[IMG_SEC_CODE], st) ||
        read_symbols(img, sec[IMG_SEC_SYMBOLS], st) || read_lines(img, sec[IMG_SEC_LINES], st) ||
        read_memory(img, sec[IMG_SEC_MEMORY], st) || read_relocs(img, sec[IMG_SEC_RELOCS], st) ||
        read_slot_lines(img, sec[IMG_SEC_SLOTLINES], st) || read_symlines(img, sec[IMG_SEC_SYMLINES], st) ||
        img_validate(img, st)) {
        img_free(img);
        return NULL;
    }
    return img;
}


/* ------------------------------------------------------------------ */
/* Reading in place: one table-driven pass over the bytes */

/* The engine limits as bytes of a word: a bundle's counts, one byte per
 * engine, exceed a limit exactly when adding 127 - limit to each byte sets
 * its top bit (counts stay below 128: a bundle has at most MOST_SLOTS). */
static uint64_t limit_bias(void)
{
    uint64_t bias = 0;
    for (int e = 0; e < ISA_ENGINE_COUNT; e++)
        bias |= (uint64_t)(127 - isa_engines[e].slot_limit) << (8 * e);
    return bias;
}

/* A slot the rules leave to check_slot: decoded and checked like
 * read_code and img_validate do.  0 when it passes. */
static int check_slot_fully(const vimage *shim, const uint8_t *p)
{
    static uint8_t negative_ok[ISA_OP_COUNT];
    static int negative_ok_ready;
    if (!negative_ok_ready) {
        for (int op = 0; op < ISA_OP_COUNT; op++)
            for (int a = 0; a < isa_ops[op].nargs; a++)
                if (is_immediate_kind(isa_ops[op].kinds[a]))
                    negative_ok[op] |= (uint8_t)(1u << a);
        negative_ok_ready = 1;
    }
    if (p[0] >= ISA_OP_COUNT || p[2] || p[3] || (p[1] & ~negative_ok[p[0]]))
        return -1;
    isa_slot slot;
    img_slot_decode(p, &slot);
    img_status st;
    return check_slot(shim, 0, 0, &slot, &st);
}

/* Whether a slot passes the rules: its operands within their op's
 * limits, a trace key's stage within the key's.  The few slots the rules
 * leave to check_slot go there. */
static inline __attribute__((always_inline)) int slot_ok(const vimage *shim, const uint8_t *p)
{
    uint32_t first = img_le32(p);
    if (first >= ISA_OP_COUNT || op_rules[first].full_check)
        return check_slot_fully(shim, p) == 0;   /* a negative bit, an offset, a comment */
    const op_rule *r = &op_rules[first];
#ifdef __SSE2__
    /* x86-64 is little-endian: the lanes are operands 0..3 */
    const __m128i flip = _mm_set1_epi32((int)0x80000000u);
    __m128i args = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(p + 4)), flip);
    int over = _mm_movemask_epi8(_mm_cmpgt_epi32(args, _mm_load_si128((const __m128i *)r->max_flipped)));
#else
    int over = (img_le32(p + 4) > r->max[0]) | (img_le32(p + 8) > r->max[1]) |
               (img_le32(p + 12) > r->max[2]) | (img_le32(p + 16) > r->max[3]);
#endif
    if (over | (img_le32(p + 20) > r->max[4]))
        return 0;
    if (r->key_mask) {
        uint32_t key = img_le32(p + 4 + 4 * r->key_arg);   /* within the keys: checked above */
        return img_le32(p + 8 + 4 * r->key_arg) <= stage_max[key % KEY_SLOTS];
    }
    return 1;
}

/* Whether a bundle of n > 1 slots passes slot_ok and the engine limits. */
static int bundle_ok(const vimage *shim, const uint8_t *p, uint32_t n)
{
    static const uint64_t tops = 0x8080808080808080ull;
    static uint64_t bias;
    if (!bias)
        bias = limit_bias();
    if (n > MOST_SLOTS)
        return 0;
    uint64_t counts = 0;
    for (uint32_t i = 0; i < n; i++, p += IMG_SLOT_BYTES) {
        if (!slot_ok(shim, p))
            return 0;
        counts += 1ull << (8 * op_rules[p[0]].engine);
    }
    return !((counts + bias) & tops);
}

/* Walks CODE once: its framing, every slot against the rules, the engine
 * limits; records the bundle index.  check = 0 only indexes (the bytes
 * were checked another way).  0, or -1 at the first doubt. */
static int scan_code(img_view *v, const vimage *shim, int check)
{
    const uint8_t *body = v->section[IMG_SEC_CODE];
    uint32_t size = v->section_size[IMG_SEC_CODE];
    static const uint8_t no_code[4];
    if (!body) {
        body = no_code;
        size = 4;
    }
    if (size < 4)
        return -1;
    if (!op_rules_ready)
        op_rules_init();
    uint32_t nbundles = img_le32(body);
    uint32_t *index = xmallocarray((size_t)nbundles / IMG_INDEX_STRIDE + 1, sizeof *index);
    v->own_index = index;
    uint64_t pos = 4, nslots = 0;
    for (uint32_t b = 0; b < nbundles; b++) {
        if (b % IMG_INDEX_STRIDE == 0)
            index[b / IMG_INDEX_STRIDE] = (uint32_t)pos - 4;
        if (size - pos < 4)
            return -1;
        uint32_t n = img_le32(body + pos);
        const uint8_t *p = body + pos + 4;
        if ((uint64_t)n * IMG_SLOT_BYTES > size - pos - 4)
            return -1;
        /* Where the next bundle starts hangs on this one's count: as a
         * predicted branch for the common single slot, not a sum, the
         * next count's load need not wait for this one. */
        if (__builtin_expect(n == 1, 1))
            pos += 4 + IMG_SLOT_BYTES;
        else
            pos += 4 + (uint64_t)n * IMG_SLOT_BYTES;
        nslots += n;
        /* one slot is within every engine's limit */
        if (check && (n == 1 ? !slot_ok(shim, p) : n > 1 && !bundle_ok(shim, p, n)))
            return -1;
    }
    if (pos != size || nslots > UINT32_MAX)
        return -1;
    if (nbundles % IMG_INDEX_STRIDE == 0)
        index[nbundles / IMG_INDEX_STRIDE] = (uint32_t)pos - 4;
    v->code = body + 4;
    v->index = index;
    v->nbundles = nbundles;
    v->nslots = (uint32_t)nslots;
    return 0;
}

/* Whether every file and macro-call file of n SLOTLINES entries starts a
 * string.  Consecutive slots nearly always name the files of the one
 * before, so a file is looked up only when it changes, and (SSE2) four
 * entries are compared with the last files at once. */
static int slot_files_ok(const vimage *shim, const uint8_t *p, uint32_t n)
{
    uint32_t file = 0, call = 0;   /* "": nothing to look up */
    uint32_t i = 0;
    while (i < n) {
#ifdef __SSE2__
        /* little-endian: lanes 0 and 2 of an entry are its file and call file */
        const __m128i last = _mm_setr_epi32((int)file, 0, (int)call, 0);
        for (; n - i >= 4; i += 4, p += 4 * SLOT_LINE_SIZE) {
            const __m128i *q = (const __m128i *)p;
            __m128i a = _mm_cmpeq_epi32(_mm_loadu_si128(q), last);
            __m128i b = _mm_cmpeq_epi32(_mm_loadu_si128(q + 1), last);
            __m128i c = _mm_cmpeq_epi32(_mm_loadu_si128(q + 2), last);
            __m128i d = _mm_cmpeq_epi32(_mm_loadu_si128(q + 3), last);
            __m128i all = _mm_and_si128(_mm_and_si128(a, b), _mm_and_si128(c, d));
            if ((_mm_movemask_epi8(all) & 0x0f0f) != 0x0f0f)
                break;   /* one of the four changes a file: one entry at a time */
        }
        if (i == n)
            break;
#endif
        uint32_t f = img_le32(p), c = img_le32(p + 8);
        if (f != file || c != call) {
            if (!img_string(shim, f) || !img_string(shim, c))
                return -1;
            file = f;
            call = c;
        }
        i++;
        p += SLOT_LINE_SIZE;
    }
    return 0;
}

/* Everything but CODE, checked by the functions img_validate uses, on a
 * shim holding the decoded symbols and segments. */
static int scan_rest(img_view *v, vimage *shim, int check)
{
    img_status st;
    if ((v->section[IMG_SEC_RELOCS] || v->section[IMG_SEC_SYMLINES]) && check)
        return -1;   /* objects: left to decode_checked */
    section_view mem = {v->section[IMG_SEC_MEMORY], v->section_size[IMG_SEC_MEMORY]};
    int framed = read_memory(shim, mem, &st);
    v->own_segments = shim->segments;
    v->segments = shim->segments;
    v->nsegments = shim->nsegments;
    if (framed != 0)
        return -1;
    if (!check)
        return 0;
    section_view sym = {v->section[IMG_SEC_SYMBOLS], v->section_size[IMG_SEC_SYMBOLS]};
    const uint8_t *lines = v->section[IMG_SEC_LINES];
    if (lines && v->section_size[IMG_SEC_LINES] != (uint64_t)LINE_SIZE * v->nbundles)
        return -1;
    uint32_t last_file = 0;
    for (uint32_t b = 0; lines && b < v->nbundles; b++) {
        uint32_t file = img_le32(lines + (size_t)b * LINE_SIZE);
        if (file != last_file && !img_string(shim, file))
            return -1;
        last_file = file;
    }
    const uint8_t *slot_lines = v->section[IMG_SEC_SLOTLINES];
    if (slot_lines && (v->section_size[IMG_SEC_SLOTLINES] != (uint64_t)SLOT_LINE_SIZE * v->nslots ||
                       slot_files_ok(shim, slot_lines, v->nslots) != 0))
        return -1;
    int rc = read_symbols(shim, sym, &st) || validate_symbols(shim, &st) ||
             validate_memory(shim, &st) ? -1 : 0;
    free(shim->symbols);
    shim->symbols = NULL;
    return rc;
}

/* Sets up a view of sections read_header accepted: one pass when check,
 * else (bytes known good) only the index and the decoded parts. */
static int view_sections(img_view *v, const section_view sec[SECTION_COUNT + 1], img_type type,
                         int check)
{
    v->type = type;
    for (int id = 1; id <= SECTION_COUNT; id++) {
        v->section[id] = sec[id].data;
        v->section_size[id] = sec[id].size;
    }
    static const char empty[1];
    v->strings = empty;
    v->strings_size = 1;
    if (sec[IMG_SEC_STRINGS].data) {
        const uint8_t *s = sec[IMG_SEC_STRINGS].data;
        uint32_t n = sec[IMG_SEC_STRINGS].size;
        if (check && (n == 0 || s[0] || s[n - 1]))
            return -1;
        v->strings = (const char *)s;
        v->strings_size = n;
    }
    v->lines = sec[IMG_SEC_LINES].data;
    v->slot_lines = sec[IMG_SEC_SLOTLINES].data;
    /* A shim vimage lends the strings to the checks written for vimages. */
    vimage shim = {.type = type, .strings = (char *)v->strings, .strings_size = v->strings_size};
    if (scan_code(v, &shim, check) != 0)
        return -1;
    shim.nbundles = v->nbundles;
    return scan_rest(v, &shim, check);
}

int img_view_bytes(img_view *v, const uint8_t *data, size_t size, img_status *st)
{
    img_status local;
    if (!st)
        st = &local;
    set_ok(st);
    *v = (img_view){.data = data, .size = size};
    section_view sec[SECTION_COUNT + 1] = {{0}};
    img_type type = IMG_EXECUTABLE;
    if (read_header(data, size, sec, &type, st) != 0)
        return -1;
    if (view_sections(v, sec, type, 1) == 0)
        return 0;
    /* The pass had a doubt: the full decoding names the first failure, or
     * accepts what the pass left to it (relocations). */
    img_view_close(v);
    *v = (img_view){.data = data, .size = size};
    vimage *img = decode_checked(sec, type, st);
    if (!img)
        return -1;
    img_free(img);
    return view_sections(v, sec, type, 0);
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
    img_view v = {.data = data, .size = size};
    int checked = view_sections(&v, sec, type, 1);
    vimage *img = checked == 0 ? img_view_image(&v) : NULL;
    img_view_close(&v);
    /* The one pass had a doubt: the full decoding names the first failure,
     * or accepts what the pass left to it (relocations). */
    return checked == 0 ? img : decode_checked(sec, type, st);
}

int img_view_encode(img_view *v, const vimage *img, img_status *st)
{
    img_status local;
    if (!st)
        st = &local;
    *v = (img_view){0};
    if (img_validate(img, st) != 0)
        return -1;
    uint8_t *buf;
    size_t size;
    if (encode_buffer(img, &buf, &size, st) != 0)
        return -1;
    section_view sec[SECTION_COUNT + 1] = {{0}};
    img_type type = IMG_EXECUTABLE;
    read_header(buf, size, sec, &type, st);   /* the writer's own output */
    v->data = v->owned = buf;
    v->size = size;
    view_sections(v, sec, type, 0);
    return 0;
}

vimage *img_view_image(const img_view *v)
{
    section_view sec[SECTION_COUNT + 1] = {{0}};
    for (int id = 1; id <= SECTION_COUNT; id++)
        sec[id] = (section_view){v->section[id], v->section_size[id]};
    img_status st;
    vimage *img = img_new(v->type);
    read_strings(img, sec[IMG_SEC_STRINGS], &st);
    read_code(img, sec[IMG_SEC_CODE], &st);
    read_symbols(img, sec[IMG_SEC_SYMBOLS], &st);
    read_lines(img, sec[IMG_SEC_LINES], &st);
    read_memory(img, sec[IMG_SEC_MEMORY], &st);
    read_relocs(img, sec[IMG_SEC_RELOCS], &st);
    read_slot_lines(img, sec[IMG_SEC_SLOTLINES], &st);
    read_symlines(img, sec[IMG_SEC_SYMLINES], &st);
    return img;
}

uint32_t img_view_bundle(const img_view *v, uint32_t b)
{
    uint32_t off = v->index[b / IMG_INDEX_STRIDE];
    for (uint32_t k = b - b % IMG_INDEX_STRIDE; k < b; k++)
        off += 4 + IMG_SLOT_BYTES * img_le32(v->code + off);
    return off;
}

uint32_t img_view_first_slot(const img_view *v, uint32_t b)
{
    /* every bundle before b is a count and its slots */
    return (img_view_bundle(v, b) - 4 * b) / IMG_SLOT_BYTES;
}

size_t img_view_format_source(const img_view *v, uint32_t bundle, int slot, char *buf, size_t size)
{
    if (size)
        buf[0] = '\0';
    if (bundle >= v->nbundles)
        return 0;
    uint32_t first = img_view_first_slot(v, bundle);
    bundle_source bs = {v->strings, v->strings_size, {0, 0}, NULL,
                        img_view_first_slot(v, bundle + 1) - first};
    if (v->lines)
        bs.line = (img_line){img_le32(v->lines + (size_t)bundle * LINE_SIZE),
                             img_le32(v->lines + (size_t)bundle * LINE_SIZE + 4)};
    img_slot_line *slots = NULL;
    if (v->slot_lines) {
        slots = xmallocarray(bs.nslots ? bs.nslots : 1, sizeof *slots);
        for (uint32_t i = 0; i < bs.nslots; i++) {
            const uint8_t *p = v->slot_lines + ((size_t)first + i) * SLOT_LINE_SIZE;
            slots[i] = (img_slot_line){img_le32(p), img_le32(p + 4), img_le32(p + 8),
                                       img_le32(p + 12)};
        }
        bs.slots = slots;
    }
    size_t n = format_source(&bs, slot, buf, size);
    free(slots);
    return n;
}

void img_view_close(img_view *v)
{
    if (v->map)
        munmap(v->map, v->size);
    free(v->owned);
    free(v->own_index);
    if (v->own_segments)
        for (uint32_t i = 0; i < v->nsegments; i++)
            free(v->own_segments[i].words);
    free(v->own_segments);
    *v = (img_view){0};
}

/* ------------------------------------------------------------------ */
/* Files */

int img_write_stream(const vimage *img, FILE *f, img_status *st)
{
    img_status local;
    if (!st)
        st = &local;
    struct stat sb;
    off_t start = ftello(f);
    int flags = fileno(f) >= 0 ? fcntl(fileno(f), F_GETFL) : -1;
    if (start < 0 || flags < 0 || (flags & O_APPEND) || fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        /* A pipe or terminal cannot take the checksum afterwards, and a file
         * opened to append would put it at the end: one buffer. */
        uint8_t *buf;
        size_t size;
        if (encode_buffer(img, &buf, &size, st) != 0)
            return -1;
        size_t written = fwrite(buf, 1, size, f);
        free(buf);
        return written == size ? (set_ok(st), 0) : fail(st, IMG_ERR_IO, "%s", strerror(errno));
    }
    uint8_t *windows = xmalloc(2 * ENC_WINDOW);
    enc_out o = {windows, windows, windows + ENC_WINDOW, f, 0, windows + ENC_WINDOW, 0, ~0u, 0};
    int invalid = encode_valid(img, &o, st) != 0;
    enc_finish(&o);   /* (also what went out before a failure: the windows go) */
    free(windows);
    if (invalid)
        return -1;
    uint8_t crc[4];
    put_u32(crc, ~o.crc);
    if (o.failed || fseeko(f, start + 12, SEEK_SET) != 0 || fwrite(crc, 1, 4, f) != 4 ||
        fseeko(f, 0, SEEK_END) != 0)
        return fail(st, IMG_ERR_IO, "%s", strerror(errno));
    set_ok(st);
    return 0;
}

int img_write_file(const vimage *img, const char *path, img_status *st)
{
    img_status local;
    if (!st)
        st = &local;
    if (img_validate(img, st) != 0)
        return -1;
    outfile out;
    if (outfile_open(&out, path) != 0)
        return fail(st, IMG_ERR_IO, "%s: cannot create a temporary file: %s", path, strerror(errno));
    if (img_write_stream(img, out.f, st) != 0) {   /* validated above */
        img_error code = st->code;
        char detail[sizeof st->detail];
        snprintf(detail, sizeof detail, "%s", st->detail);
        outfile_discard(&out);
        return fail(st, code, "%s: %s", strcmp(path, "-") == 0 ? "standard output" : path, detail);
    }
    if (outfile_commit(&out) != 0)
        return fail(st, IMG_ERR_IO, "%s: %s", strcmp(path, "-") == 0 ? "standard output" : path,
                    strerror(errno));
    set_ok(st);
    return 0;
}

/* Reads a stream to its end into a malloc'd buffer. */
/* A stream (standard input, a pipe, a device) read no further than an
 * image can be: past the size its header gives, at once when it has no
 * magic (img_decode then names what is wrong), and never past
 * IMG_MAX_FILE_SIZE (*too_big), so /dev/zero is not read until memory
 * runs out. */
static uint8_t *read_stream(FILE *f, size_t *size, int *too_big)
{
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = xrealloc(NULL, cap);
    *too_big = 0;
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
        if (n >= 12 && (memcmp(buf, IMG_MAGIC, 4) != 0 || n > get_u32(buf + 8)))
            break;
        if (n > IMG_MAX_FILE_SIZE) {
            *too_big = 1;
            break;
        }
    }
    *size = n;
    return buf;
}

/* A file's bytes, read once: a regular file is mapped (its size from
 * fstat, no copy); anything else (standard input, a pipe) or a file that
 * cannot be mapped is read into *owned.  0, or -1 with st filled. */
static int load_file(const char *path, const uint8_t **data, size_t *size, void **map,
                     uint8_t **owned, img_status *st)
{
    *map = NULL;
    *owned = NULL;
    int is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? -1 : open(path, O_RDONLY);
    struct stat sb;
    if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
        (uint64_t)sb.st_size <= SIZE_MAX) {
        *size = (size_t)sb.st_size;
        *map = mmap(NULL, *size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (*map != MAP_FAILED) {
            close(fd);
            *data = *map;
            return 0;
        }
        *map = NULL;
    }
    if (!is_stdin && fd < 0)
        return fail(st, IMG_ERR_IO, "%s: %s", path, strerror(errno));
    FILE *f = is_stdin ? stdin : fdopen(fd, "rb");
    if (!f) {
        int err = errno;
        close(fd);
        return fail(st, IMG_ERR_IO, "%s: %s", path, strerror(err));
    }
    int too_big;
    *owned = read_stream(f, size, &too_big);
    int err = ferror(f) ? errno : 0;
    if (!is_stdin)
        fclose(f);
    if (too_big) {
        free(*owned);
        *owned = NULL;
        return fail(st, IMG_ERR_TOO_BIG, "%s: more than %u MiB", path, IMG_MAX_FILE_SIZE >> 20);
    }
    if (err) {
        free(*owned);
        *owned = NULL;
        return fail(st, IMG_ERR_IO, "%s: %s", path, strerror(err));
    }
    *data = *owned;
    return 0;
}

int img_view_file(img_view *v, const char *path, img_status *st)
{
    img_status local;
    if (!st)
        st = &local;
    *v = (img_view){0};
    const uint8_t *data;
    size_t size;
    void *map;
    uint8_t *owned;
    if (load_file(path, &data, &size, &map, &owned, st) != 0)
        return -1;
    if (img_view_bytes(v, data, size, st) != 0) {
        if (map)
            munmap(map, size);
        free(owned);
        return -1;
    }
    v->map = map;
    v->owned = owned;
    return 0;
}

vimage *img_read_file(const char *path, img_status *st)
{
    img_status local;
    if (!st)
        st = &local;
    const uint8_t *data;
    size_t size;
    void *map;
    uint8_t *owned;
    if (load_file(path, &data, &size, &map, &owned, st) != 0)
        return NULL;
    vimage *img = img_decode(data, size, st);
    if (map)
        munmap(map, size);
    free(owned);
    return img;
}

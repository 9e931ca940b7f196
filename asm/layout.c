/*
 * layout: the program's final bundles -- label values, the operands bind
 * left for this stage, and the checks that hold per bundle: slots per
 * engine, and the double-write and same-bundle-read warnings, decided on
 * symbols so they hold wherever the linker puts them.
 *
 * Runs after the passes (asm/opt.h): a pass that renumbered bundles left
 * bundle_remap, through which every label of the module moves.
 */
#include "program.h"
#include "xalloc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The scratch ranges of one slot, both directions. */
typedef struct {
    asm_sym_range w[ISA_MAX_RANGES], r[ISA_MAX_RANGES];
    int nw, nr;
} slot_ranges;

typedef struct {
    asm_ctx *ctx;
    asm_program *p;
    unsigned warnings;
    slot_ranges *fx;   /* the bundle's slots' ranges, each found once */
    size_t cap_fx;
} layout;

static void note(layout *r, const asm_loc *loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(layout *r, const asm_loc *loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    asm_vreport(r->ctx, ASM_NOTE, NULL, loc, NULL, fmt, ap);
    va_end(ap);
}

/* ---- bundles ----------------------------------------------------------------- */

static int engine_of(const asm_pslot *s) { return isa_ops[s->op].engine; }

static void check_slot_limits(layout *r, const asm_pbundle *b)
{
    const asm_pslot *slots = &r->p->slots[b->first_slot];
    int count[ISA_ENGINE_COUNT] = {0}, over = 0;
    for (uint32_t i = 0; i < b->nslots; i++) {
        int e = engine_of(&slots[i]);
        over |= ++count[e] > isa_engines[e].slot_limit;
    }
    for (int e = 0; e < ISA_ENGINE_COUNT && over; e++) {
        int limit = isa_engines[e].slot_limit;
        if (count[e] <= limit)
            continue;
        asm_loc loc = asm_pos_loc(r->ctx, b->pos);
        asm_report(r->ctx, ASM_ERROR, NULL, &loc, asm_frame_of(r->p, b->frame), "this bundle has %d %s slots, but the %s engine takes at most %d per bundle",
              count[e], isa_engines[e].name, isa_engines[e].name, limit);
        int seen = 0;
        for (uint32_t i = 0; i < b->nslots; i++)
            if (engine_of(&slots[i]) == e && ++seen > limit) {
                asm_loc sloc = asm_pos_loc(r->ctx, slots[i].pos);
                note(r, &sloc, "%s slot %d of %d (one too many)", isa_engines[e].name, seen, count[e]);
            }
    }
}

/* "'acc'", "'vals'+8..15", "scratch 100..107": a range for messages. */
static void range_text(char *buf, size_t size, const asm_sym_range *x)
{
    const char *name = x->sym ? x->sym->name->text : NULL;
    int64_t last = x->first + x->count - 1;
    if (name && x->first == 0 && x->sym->kind == SYM_SCRATCH && x->count == x->sym->size)
        snprintf(buf, size, "'%s'", name);
    else if (name && x->count == 1)
        snprintf(buf, size, "'%s'%+" PRId64, name, x->first);
    else if (name)
        snprintf(buf, size, "'%s'%+" PRId64 "..%+" PRId64, name, x->first, last);
    else if (x->count == 1)
        snprintf(buf, size, "scratch %" PRId64, x->first);
    else
        snprintf(buf, size, "scratch %" PRId64 "..%" PRId64, x->first, last);
}

/* The words two ranges share, or 0 when they share none. */
static int overlap(const asm_sym_range *a, const asm_sym_range *b, asm_sym_range *common)
{
    if (a->sym != b->sym || a->unknown || b->unknown)
        return 0;
    int64_t lo = a->first > b->first ? a->first : b->first;
    int64_t ahi = a->first + a->count, bhi = b->first + b->count;
    int64_t hi = ahi < bhi ? ahi : bhi;
    if (lo >= hi)
        return 0;
    *common = (asm_sym_range){a->sym, lo, (uint32_t)(hi - lo), a->arg, 0};
    return 1;
}

static void check_hazards(layout *r, const asm_pbundle *b)
{
    int doubles = (r->warnings & ASM_W_DOUBLE_WRITE) != 0;
    /* The optimizer lets a slot read a word that another overwrites in the
     * same bundle on purpose: it read what the program order says. */
    int reads = (r->warnings & ASM_W_SAME_BUNDLE_READ) != 0 && !b->region;
    if ((!doubles && !reads) || b->nslots < 2)
        return;
    const asm_program *p = r->p;
    /* Every pair of slots is compared: each slot's ranges are found once,
     * not once per pair. */
    if (b->nslots > r->cap_fx) {
        free(r->fx);
        r->cap_fx = b->nslots;
        r->fx = xmallocarray(r->cap_fx, sizeof *r->fx);
    }
    slot_ranges *fx = r->fx;
    for (uint32_t k = 0; k < b->nslots; k++) {
        const asm_pslot *s = &p->slots[b->first_slot + k];
        fx[k].nw = asm_slot_ranges(p, s, 1, fx[k].w);
        fx[k].nr = reads ? asm_slot_ranges(p, s, 0, fx[k].r) : 0;
    }
    for (uint32_t j = 1; j < b->nslots && doubles; j++) {
        const asm_pslot *sj = &p->slots[b->first_slot + j];
        for (uint32_t i = 0; i < j && fx[j].nw; i++) {
            const asm_pslot *si = &p->slots[b->first_slot + i];
            asm_sym_range common;
            int found = 0;
            for (int x = 0; x < fx[j].nw && !found; x++)
                for (int y = 0; y < fx[i].nw && !found; y++)
                    found = overlap(&fx[j].w[x], &fx[i].w[y], &common);
            if (found) {
                char what[128];
                range_text(what, sizeof what, &common);
                asm_loc lj = asm_pos_loc(r->ctx, sj->pos), li = asm_pos_loc(r->ctx, si->pos);
                asm_report(r->ctx, ASM_WARNING, "double-write", &lj, asm_frame_of(p, sj->frame),
                           "slots %u and %u of this bundle both write %s; the later slot's value is kept", i + 1,
                           j + 1, what);
                note(r, &li, "the earlier write is here");
            }
        }
    }
    for (uint32_t j = 0; j < b->nslots && reads; j++) {
        const asm_pslot *sj = &p->slots[b->first_slot + j];
        for (uint32_t i = 0; i < b->nslots && fx[j].nr; i++) {
            if (i == j)
                continue;
            const asm_pslot *si = &p->slots[b->first_slot + i];
            asm_sym_range common;
            int found = 0;
            for (int x = 0; x < fx[j].nr && !found; x++)
                for (int y = 0; y < fx[i].nw && !found; y++)
                    found = overlap(&fx[j].r[x], &fx[i].w[y], &common);
            if (found) {
                char what[128];
                range_text(what, sizeof what, &common);
                asm_loc lj = asm_pos_loc(r->ctx, sj->pos), li = asm_pos_loc(r->ctx, si->pos);
                asm_report(r->ctx, ASM_WARNING, "same-bundle-read", &lj, asm_frame_of(p, sj->frame),
                           "this slot reads %s, which slot %u of the same bundle writes; it reads the value from "
                           "before the bundle",
                           what, i + 1);
                note(r, &li, "the write is here");
            }
        }
    }
}

/* ---- labels -------------------------------------------------------------- */

static void move_labels(asm_program *p)
{
    if (!p->bundle_remap)
        return;
    for (size_t i = 0; i < p->nsymbols; i++)
        if (p->symbols[i]->kind == SYM_LABEL)
            p->symbols[i]->value = p->bundle_remap[p->symbols[i]->value];
    free(p->bundle_remap);
    p->bundle_remap = NULL;
}

int asm_layout(asm_ctx *ctx, asm_program *p)
{
    layout r = {ctx, p, ctx->opt ? ctx->opt->warnings : 0, NULL, 0};
    int before = diag_error_count(ctx->d);
    int bound = before == 0;   /* operands are (value, symbol) pairs */
    move_labels(p);
    if (bound)
        asm_bind_late(ctx, p);
    /* A bundle bind found clean has nothing to report, unless the
     * same-bundle reads are asked for (bind does not look at reads). */
    const uint64_t *clean = r.warnings & ASM_W_SAME_BUNDLE_READ ? NULL : p->checked_bundles;
    for (size_t b = 0; b < p->nbundles; b++) {
        if (clean && b % 64 == 0 && clean[b / 64] == UINT64_MAX && p->nbundles - b >= 64) {
            b += 63;   /* 64 in a row */
            continue;
        }
        if (clean && (clean[b / 64] >> (b % 64) & 1))
            continue;
        const asm_pbundle *bundle = &p->bundles[b];
        check_slot_limits(&r, bundle);
        if (bound && diag_error_count(ctx->d) == 0)
            check_hazards(&r, bundle);
    }
    free(r.fx);
    return diag_error_count(ctx->d) == before ? 0 : -1;
}

/*
 * opt: the driver of the linear-assembly passes (see opt.h): per region,
 * schedule at the effort asked for, give temporaries scratch words, then
 * rebuild the program with the packed bundles and report.
 *
 * Temporaries.  Each element of a .temp/.vtemp array is placed on its own
 * (a whole array when some slot reads or writes across its elements).  A
 * placed element holds its words from the end of the bundle that first
 * writes it to the start of the bundle that last reads it (or the end of
 * one that writes it later: that write must not land on another); two elements
 * whose spans do not meet may share words (first fit, by start).  All
 * regions of a module draw from one pool, a scratch array that the linker
 * places like any other, so a one-step build and vasm -c + vld agree.
 * When the pool and the module's own declarations do not fit in scratch,
 * the region is scheduled again with fewer slots in flight (a window of
 * source order that shrinks by an eighth each time), down to source order
 * itself.
 */
#include "opt.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define NONE UINT32_MAX
#define O2_TRIALS 32

/* One placed piece of temporary: an element, or a whole array. */
typedef struct {
    const asm_symbol *sym;
    uint32_t first, size;        /* words of sym */
    uint64_t start, end;         /* 2c+1 for a write at bundle c, 2c for a read */
    uint32_t offset;             /* in the pool */
} temp_piece;

/* The pieces, and an open-addressing index of them by (symbol, first word):
 * a region may hold tens of thousands of pieces (a macro's temporaries are
 * renamed per call), so neither planning nor rewriting scans them. */
typedef struct {
    temp_piece *pieces;
    size_t npieces, cap;
    uint32_t *index;             /* piece number + 1; 0: empty */
    size_t index_mask;           /* index size - 1, a power of two (0: no index) */
    uint32_t peak;
} temp_plan;

typedef struct {
    asm_ctx *ctx;
    asm_program *p;
    int level;
    uint32_t free_words;         /* scratch left for temporaries */
} optimizer;

/* ---- one region's schedule ------------------------------------------------ */

static void sequential(uint32_t n, opt_schedule *out)
{
    out->nbundles = n;
    out->nplaces = n;
    out->places = xmalloc((n + 1) * sizeof *out->places);
    out->first_place = xmalloc((n + 1) * sizeof *out->first_place);
    for (uint32_t i = 0; i < n; i++) {
        out->places[i] = (opt_place){i, -1};
        out->first_place[i] = i;
    }
    out->first_place[n] = n;
}

static const asm_pslot *region_slot(const asm_program *p, const asm_region *r, uint32_t i)
{
    return &p->slots[p->bundles[r->first_bundle + i].first_slot];
}

/* The bundle in which a region slot's access to word w of a range happens:
 * a split op's lane w, else the slot's one place. */
static uint32_t access_cycle(const opt_schedule *s, uint32_t i, uint32_t lane)
{
    uint32_t at = s->first_place[i];
    return s->first_place[i + 1] - at > 1 ? s->places[at + lane].cycle : s->places[at].cycle;
}

static size_t piece_hash(const asm_symbol *sym, uint32_t first)
{
    uint64_t h = (uint64_t)(uintptr_t)sym * 0x9E3779B97F4A7C15u ^ (uint64_t)first * 0xC2B2AE3D27D4EB4Fu;
    return (size_t)(h ^ h >> 29);
}

/* The slot of (sym, first) in plan's index: its piece, or the empty slot
 * where it goes. */
static uint32_t *piece_slot(const temp_plan *plan, const asm_symbol *sym, uint32_t first)
{
    for (size_t h = piece_hash(sym, first) & plan->index_mask;; h = (h + 1) & plan->index_mask) {
        uint32_t *at = &plan->index[h];
        if (!*at || (plan->pieces[*at - 1].sym == sym && plan->pieces[*at - 1].first == first))
            return at;
    }
}

/* Indexes every piece again, in a table at most half full. */
static void index_pieces(temp_plan *plan)
{
    size_t size = 16;
    while (size < 2 * plan->npieces + 2)
        size *= 2;
    free(plan->index);
    plan->index = xcalloc(size, sizeof *plan->index);
    plan->index_mask = size - 1;
    for (size_t a = 0; a < plan->npieces; a++)
        *piece_slot(plan, plan->pieces[a].sym, plan->pieces[a].first) = (uint32_t)a + 1;
}

static void free_plan(temp_plan *plan)
{
    free(plan->pieces);
    free(plan->index);
    memset(plan, 0, sizeof *plan);
}

/* Pieces of the region's temporaries with their spans, then first-fit
 * offsets; returns the peak in words. */
static uint32_t plan_temps(const asm_program *p, const asm_region *r, const opt_schedule *s, temp_plan *plan)
{
    uint32_t n = r->end_bundle - r->first_bundle;
    plan->npieces = 0;
    plan->peak = 0;
    index_pieces(plan);
    /* Which arrays are read or written across elements: those are one piece. */
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < n; i++) {
            const asm_pslot *slot = region_slot(p, r, i);
            asm_sym_range rg[2][ISA_MAX_RANGES];
            int nr[2] = {asm_slot_ranges(p, slot, 0, rg[0]), asm_slot_ranges(p, slot, 1, rg[1])};
            for (int dir = 0; dir < 2; dir++)
                for (int k = 0; k < nr[dir]; k++) {
                    asm_symbol *sym = (asm_symbol *)rg[dir][k].sym;
                    if (!sym || !sym->temp)
                        continue;
                    if (pass == 0) {
                        int64_t a = rg[dir][k].first / sym->elem, b = (rg[dir][k].first + rg[dir][k].count - 1) / sym->elem;
                        if (a != b)
                            sym->temp_unit = NONE;   /* whole */
                        else if (sym->temp_unit != NONE)
                            sym->temp_unit = 0;      /* seen, by elements so far */
                        continue;
                    }
                    /* pass 1: record the access in its piece */
                    int split = s->first_place[i + 1] - s->first_place[i] > 1;
                    uint32_t accesses = rg[dir][k].count > 1 || !split ? rg[dir][k].count : ISA_VLEN;
                    for (uint32_t w = 0; w < accesses; w++) {
                        /* a split op's lane w touches word w of a vector, or the scalar */
                        int64_t word = rg[dir][k].first + (rg[dir][k].count > 1 ? w : 0);
                        uint32_t piece_first = sym->temp_unit == NONE ? 0 : (uint32_t)(word / sym->elem) * sym->elem;
                        uint32_t c = access_cycle(s, i, w);
                        uint64_t t = dir ? 2 * (uint64_t)c + 1 : 2 * (uint64_t)c;
                        uint32_t *slot_of = piece_slot(plan, sym, piece_first), x = *slot_of;
                        if (!x) {
                            plan->pieces = asm_grow(plan->pieces, &plan->cap, plan->npieces + 1, sizeof *plan->pieces);
                            uint32_t size = sym->temp_unit == NONE ? sym->size : sym->elem;
                            plan->pieces[plan->npieces++] = (temp_piece){sym, piece_first, size, UINT64_MAX, 0, 0};
                            x = *slot_of = (uint32_t)plan->npieces;
                            if (2 * plan->npieces > plan->index_mask)
                                index_pieces(plan);
                        }
                        temp_piece *pc = &plan->pieces[x - 1];
                        if (dir && t < pc->start)
                            pc->start = t;
                        if (t > pc->end)
                            pc->end = t;   /* the last read, or a later write, which must land */
                    }
                }
        }
    }
    /* First fit, by start. */
    size_t np = plan->npieces;
    for (size_t a = 1; a < np; a++) {   /* insertion sort: pieces come nearly in order */
        temp_piece t = plan->pieces[a];
        size_t b = a;
        while (b > 0 && plan->pieces[b - 1].start > t.start) {
            plan->pieces[b] = plan->pieces[b - 1];
            b--;
        }
        plan->pieces[b] = t;
    }
    size_t *active = xmalloc((np + 1) * sizeof *active), nactive = 0;
    for (size_t a = 0; a < np; a++) {
        temp_piece *pc = &plan->pieces[a];
        if (pc->end < pc->start)
            pc->end = pc->start;   /* written, never read: it still lands */
        size_t keep = 0;
        for (size_t k = 0; k < nactive; k++)
            if (plan->pieces[active[k]].end >= pc->start)
                active[keep++] = active[k];
        nactive = keep;
        /* active sorted by offset: insertion keeps it so */
        uint32_t off = 0;
        size_t at = 0;
        for (; at < nactive; at++) {
            const temp_piece *o = &plan->pieces[active[at]];
            if (off + pc->size <= o->offset)
                break;
            if (o->offset + o->size > off)
                off = o->offset + o->size;
        }
        pc->offset = off;
        if (off + pc->size > plan->peak)
            plan->peak = off + pc->size;
        size_t ins = nactive;
        while (ins > 0 && plan->pieces[active[ins - 1]].offset > off) {
            active[ins] = active[ins - 1];
            ins--;
        }
        active[ins] = a;
        nactive++;
    }
    free(active);
    for (size_t a = 0; a < np; a++)
        ((asm_symbol *)plan->pieces[a].sym)->temp_unit = 0;
    index_pieces(plan);   /* the sort moved them */
    return plan->peak;
}

/* ---- rebuilding the program ------------------------------------------------ */

typedef struct {
    opt_schedule sched;
    temp_plan temps;
    opt_figures fig;
    int level;
    uint32_t window;             /* 0: not throttled */
    uint32_t lanes_split;        /* valu ops run as alu lanes */
} region_result;

/* The pool offset of word `word` of temporary sym in region result rr. */
static int64_t temp_word(const region_result *rr, const asm_symbol *sym, int64_t word)
{
    /* its element's piece, or the whole array's */
    uint32_t firsts[2] = {(uint32_t)(word / sym->elem) * sym->elem, 0};
    for (int k = 0; k < 2; k++) {
        uint32_t x = *piece_slot(&rr->temps, sym, firsts[k]);
        const temp_piece *pc = x ? &rr->temps.pieces[x - 1] : NULL;
        if (pc && word >= pc->first && word < (int64_t)pc->first + pc->size)
            return pc->offset + (word - pc->first);
    }
    return word;   /* never touched in the region: declared only */
}

typedef struct {
    asm_pbundle *bundles;
    size_t nbundles, cap_bundles;
    asm_pslot *slots;
    size_t nslots, cap_slots;
} rebuilt;

static void copy_operand_lane(asm_program *p, asm_pos at, uint32_t to, uint32_t from, uint32_t lane, int vector)
{
    asm_operand op;
    asm_arg_get(p, at, from, &op);
    if (vector)
        op.value += lane;
    p->args[to].tag = ASM_ARG_POS;   /* a new operand: no opds entry yet */
    asm_arg_set(p, at, to, &op);
}

/* One alu slot computing lane `lane` of valu slot s. */
static asm_pslot lane_slot(asm_program *p, const asm_pslot *s, uint32_t lane)
{
    const isa_op_info *info = &isa_ops[s->op];
    asm_pslot out = *s;
    out.op = (uint16_t)info->lane_op;
    out.place = ASM_PLACE_AUTO;
    p->args = asm_grow(p->args, &p->cap_args, p->nargs + 3, sizeof *p->args);
    uint32_t at = (uint32_t)p->nargs;
    out.first_arg = at;
    copy_operand_lane(p, s->pos, at, s->first_arg, lane, 1);
    if (info->nargs == 2) {   /* vbroadcast: x | x */
        copy_operand_lane(p, s->pos, at + 1, s->first_arg + 1, lane, 0);
        copy_operand_lane(p, s->pos, at + 2, s->first_arg + 1, lane, 0);
    } else {
        copy_operand_lane(p, s->pos, at + 1, s->first_arg + 1, lane, info->kinds[1] == 'S');
        copy_operand_lane(p, s->pos, at + 2, s->first_arg + 2, lane, info->kinds[2] == 'S');
    }
    p->nargs += 3;
    return out;
}

static void emit_region(asm_program *p, const asm_region *r, uint32_t index, const region_result *rr,
                        const asm_symbol *pool, rebuilt *nb)
{
    uint32_t n = r->end_bundle - r->first_bundle, nbund = rr->sched.nbundles;
    uint32_t *count = xcalloc(nbund + 1, sizeof *count);
    for (uint32_t k = 0; k < rr->sched.nplaces; k++)
        count[rr->sched.places[k].cycle]++;
    uint32_t *start = xmalloc((nbund + 1) * sizeof *start);
    uint32_t total = 0;
    for (uint32_t c = 0; c < nbund; c++) {
        start[c] = total;
        total += count[c];
    }
    /* Slots of each bundle in source order (slot, then lane), at first. */
    asm_pslot *placed = xmalloc((total + 1) * sizeof *placed);
    uint32_t *fill = xmalloc((nbund + 1) * sizeof *fill);
    memcpy(fill, start, nbund * sizeof *fill);
    for (uint32_t i = 0; i < n; i++) {
        const asm_pslot *s = region_slot(p, r, i);
        for (uint32_t k = rr->sched.first_place[i]; k < rr->sched.first_place[i + 1]; k++) {
            const opt_place *pl = &rr->sched.places[k];
            asm_pslot copy = *s;
            asm_pslot out = pl->lane < 0 ? copy : lane_slot(p, &copy, (uint32_t)pl->lane);
            out.place = ASM_PLACE_AUTO;
            placed[fill[pl->cycle]++] = out;
        }
    }
    /* Within a bundle, engine by engine (each in source order): a scheduled
     * bundle never writes a word twice, so the order is free, and this one
     * is the Python take-home's (a dict of engine lists, docs/python.md). */
    for (uint32_t c = 0; c < nbund; c++)
        for (uint32_t a = start[c] + 1; a < start[c] + count[c]; a++) {
            asm_pslot x = placed[a];
            uint32_t b = a;
            while (b > start[c] && isa_ops[placed[b - 1].op].engine > isa_ops[x.op].engine) {
                placed[b] = placed[b - 1];
                b--;
            }
            placed[b] = x;
        }
    for (uint32_t c = 0; c < nbund; c++) {
        nb->bundles = asm_grow(nb->bundles, &nb->cap_bundles, nb->nbundles + 1, sizeof *nb->bundles);
        const asm_pslot *first = &placed[start[c]];
        nb->bundles[nb->nbundles++] =
            (asm_pbundle){(uint32_t)nb->nslots, count[c], first->pos, index + 1, first->frame};
        nb->slots = asm_grow(nb->slots, &nb->cap_slots, nb->nslots + count[c], sizeof *nb->slots);
        for (uint32_t k = 0; k < count[c]; k++) {
            asm_pslot s = placed[start[c] + k];
            /* temporaries become words of the pool */
            const isa_op_info *info = &isa_ops[s.op];
            for (int a = 0; a < info->nargs; a++) {
                asm_operand op;
                asm_arg_get(p, s.pos, s.first_arg + (size_t)a, &op);
                if (op.form == OPD_SYM && op.u.sym->temp) {
                    op.value = temp_word(rr, op.u.sym, op.value);
                    op.u.sym = (asm_symbol *)pool;
                    asm_arg_set(p, s.pos, s.first_arg + (size_t)a, &op);
                }
            }
            nb->slots[nb->nslots++] = s;
        }
    }
    free(count);
    free(start);
    free(placed);
    free(fill);
}

/* ---- the report ------------------------------------------------------------- */

static void report(const optimizer *o, const asm_region *r, uint32_t index, const region_result *rr)
{
    FILE *f = o->ctx->opt->sched_report;
    const opt_figures *fig = &rr->fig;
    uint32_t n = r->end_bundle - r->first_bundle;
    asm_loc loc = r->loc;
    uint32_t used[ISA_ENGINE_COUNT];
    for (int e = 0; e < ISA_ENGINE_COUNT; e++)
        used[e] = fig->ops[e];
    used[ISA_ENG_VALU] -= rr->lanes_split;
    used[ISA_ENG_ALU] += rr->lanes_split * ISA_VLEN;
    uint32_t bound = fig->resource_bound > fig->critical_path ? fig->resource_bound : fig->critical_path;
    uint32_t bundles = rr->sched.nbundles;
    fprintf(f, ";* %s:%" PRIu32 ": .linear region %" PRIu32 " (-O%d%s), %" PRIu32 " slots\n", loc.file, loc.line,
            index + 1, rr->level, r->noalias ? ", noalias" : "", n);
    fprintf(f, ";*   slots as written:    ");
    for (int e = 0; e < ISA_ENGINE_COUNT; e++)
        fprintf(f, "%s %" PRIu32 "%s", isa_engines[e].name, fig->ops[e], e + 1 < ISA_ENGINE_COUNT ? ", " : "\n");
    fprintf(f, ";*   after lane split:    ");
    for (int e = 0; e < ISA_ENGINE_COUNT; e++)
        fprintf(f, "%s %" PRIu32 "%s", isa_engines[e].name, used[e], e + 1 < ISA_ENGINE_COUNT ? ", " : "");
    fprintf(f, " (%" PRIu32 " valu op%s as alu lanes)\n", rr->lanes_split, rr->lanes_split == 1 ? "" : "s");
    fprintf(f, ";*   bundles:             %" PRIu32 "\n", bundles);
    fprintf(f, ";*   resource bound:      %" PRIu32 "\n", fig->resource_bound);
    fprintf(f, ";*   critical path:       %" PRIu32 "\n", fig->critical_path);
    fprintf(f, ";*   bundles / bound:     %.3f (bound %" PRIu32 ")\n", bound ? (double)bundles / bound : 0.0, bound);
    fprintf(f, ";*   utilization:         ");
    for (int e = 0; e < ISA_ENGINE_COUNT; e++) {
        if (!isa_engines[e].costs_cycle)
            continue;
        double u = bundles ? 100.0 * used[e] / ((double)bundles * isa_engines[e].slot_limit) : 0.0;
        fprintf(f, "%s %.1f%%%s", isa_engines[e].name, u, e + 2 < ISA_ENGINE_COUNT ? ", " : "\n");
    }
    fprintf(f, ";*   peak scratch:        %" PRIu32 " word%s of temporaries%s\n", rr->temps.peak,
            rr->temps.peak == 1 ? "" : "s", rr->window || rr->sched.throttled ? " (throttled)" : "");
}

/* ---- the driver ---------------------------------------------------------------- */

static uint32_t count_split(const opt_schedule *s, uint32_t n)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        k += s->first_place[i + 1] - s->first_place[i] > 1;
    return k;
}

/* Schedules one region at the effort asked for, within a window of source
 * order (0: none); keeps the fewest bundles, then the least scratch. */
static void schedule_region(const optimizer *o, const asm_region *r, const opt_graph *g, uint32_t window,
                            uint32_t budget, region_result *rr)
{
    uint32_t n = r->end_bundle - r->first_bundle;
    rr->window = window;
    if (o->level == 0 || window == 1) {
        sequential(n, &rr->sched);
        plan_temps(o->p, r, &rr->sched, &rr->temps);
        return;
    }
    opt_heuristic h = {.window = window, .fixed_first = 1, .budget = budget};
    opt_schedule_run(g, &h, &rr->sched);
    plan_temps(o->p, r, &rr->sched, &rr->temps);
    if (o->level < 2)
        return;
    /* -O2: other tie-breaks, noise in the heights, scheduling from the end;
     * then other splitting policies.  The same seeds every run. */
    for (uint32_t trial = 1; trial <= O2_TRIALS; trial++) {
        opt_heuristic t = {.seed = trial, .window = window, .budget = budget};
        if (trial <= O2_TRIALS / 2) {
            t.fixed_first = 1;
            t.jitter = trial % 4;
            t.reverse = trial % 4 == 3;
        } else {
            t.split_eagerly = trial % 3 == 0;
            t.split_min_alu = (int)(trial % 4) * 2;
            t.fixed_first = (int)(trial % 2);
        }
        region_result cand;
        memset(&cand, 0, sizeof cand);
        opt_schedule_run(g, &t, &cand.sched);
        plan_temps(o->p, r, &cand.sched, &cand.temps);
        /* fitting in scratch first, then fewer bundles, then less scratch */
        int fits = cand.temps.peak <= o->free_words, kept_fits = rr->temps.peak <= o->free_words;
        int better = (fits && !kept_fits) ||
                     (fits == kept_fits && (cand.sched.nbundles < rr->sched.nbundles ||
                                            (cand.sched.nbundles == rr->sched.nbundles && cand.temps.peak < rr->temps.peak)));
        if (better) {
            region_result keep = *rr;
            *rr = cand;
            rr->window = window;
            cand = keep;
        }
        opt_schedule_free(&cand.sched);
        free_plan(&cand.temps);
    }
}

static uint32_t declared_words(const asm_program *p)
{
    uint32_t words = 0;
    for (size_t i = 0; i < p->nsymbols; i++)
        if (p->symbols[i]->kind == SYM_SCRATCH && !p->symbols[i]->temp)
            words += p->symbols[i]->size;
    return words;
}

static asm_symbol *make_pool(optimizer *o, uint32_t words)
{
    asm_program *p = o->p;
    char name[32] = "_temps";
    asm_name *n = asm_intern(o->ctx, name, strlen(name));
    for (int k = 1; n->sym && n->sym->kind != SYM_UNDEFINED; k++) {
        snprintf(name, sizeof name, "_temps_%d", k);
        n = asm_intern(o->ctx, name, strlen(name));
    }
    uint32_t order = 0;
    for (size_t i = 0; i < p->nsymbols; i++)
        order = p->symbols[i]->order > order ? p->symbols[i]->order : order;
    asm_symbol *s = asm_zalloc(&o->ctx->arena, sizeof *s);
    s->name = n;
    s->kind = SYM_SCRATCH;
    s->elem = 1;
    s->count = s->size = words;
    s->loc = p->regions[0].loc;
    s->order = order + 1;
    n->sym = s;
    p->symbols = asm_grow(p->symbols, &p->cap_symbols, p->nsymbols + 1, sizeof *p->symbols);
    p->symbols[p->nsymbols++] = s;
    return s;
}

static void too_big(optimizer *o, const asm_region *r, const region_result *rr, uint32_t free_words)
{
    asm_report(o->ctx, ASM_ERROR, NULL, &r->loc, r->frame,
               "the temporaries of this region need %" PRIu32 " scratch words even in source order, but %" PRIu32
               " are free after the module's declarations",
               rr->temps.peak, free_words);
    const temp_piece *big[3] = {NULL, NULL, NULL};
    for (size_t a = 0; a < rr->temps.npieces; a++) {
        const temp_piece *pc = &rr->temps.pieces[a];
        for (int k = 0; k < 3; k++)
            if (!big[k] || big[k]->size < pc->size) {
                for (int m = 2; m > k; m--)
                    big[m] = big[m - 1];
                big[k] = pc;
                break;
            }
    }
    for (int k = 0; k < 3 && big[k]; k++)
        asm_report(o->ctx, ASM_NOTE, NULL, &big[k]->sym->loc, NULL, "'%s' takes %" PRIu32 " words", big[k]->sym->name->text,
                   big[k]->size);
}

int opt_run(asm_ctx *ctx, asm_program *p)
{
    if (!p->nregions)
        return 0;
    uint32_t declared = declared_words(p);
    uint32_t free_words = declared < ISA_SCRATCH_WORDS ? ISA_SCRATCH_WORDS - declared : 0, pool_words = 0;
    optimizer o = {ctx, p, ctx->opt ? ctx->opt->opt_level : 1, free_words};
    int before = diag_error_count(ctx->d);
    region_result *res = xcalloc(p->nregions, sizeof *res);
    for (size_t i = 0; i < p->nregions; i++) {
        const asm_region *r = &p->regions[i];
        uint32_t n = r->end_bundle - r->first_bundle;
        opt_graph *g = opt_graph_build(ctx, p, r->first_bundle, r->end_bundle, r->noalias);
        if (!g)
            continue;
        region_result *rr = &res[i];
        rr->level = o.level;
        /* The scheduler keeps its estimate of the temporaries in use under
         * the free words; when the words it then needs (packing loses some)
         * still do not fit, it tries a budget 1/16 smaller, then fewer slots
         * in flight, a window 1/8 smaller each time. */
        schedule_region(&o, r, g, 0, free_words, rr);
        uint32_t step = free_words / 16 ? free_words / 16 : 1;
        for (uint32_t budget = free_words - step; rr->temps.peak > free_words && budget > free_words / 2;
             budget -= step) {
            opt_schedule_free(&rr->sched);
            free_plan(&rr->temps);
            schedule_region(&o, r, g, 0, budget, rr);
        }
        for (uint32_t window = n - n / 8; rr->temps.peak > free_words && window >= 1;
             window = window > 8 ? window - window / 8 : window - 1) {
            opt_schedule_free(&rr->sched);
            schedule_region(&o, r, g, window, free_words, rr);
        }
        if (rr->temps.peak > free_words)
            too_big(&o, r, rr, free_words);
        opt_graph_figures(g, &rr->fig);
        rr->lanes_split = count_split(&rr->sched, n);
        opt_graph_free(g);
        pool_words = rr->temps.peak > pool_words ? rr->temps.peak : pool_words;
    }
    if (diag_error_count(ctx->d) != before) {
        for (size_t i = 0; i < p->nregions; i++) {
            opt_schedule_free(&res[i].sched);
            free_plan(&res[i].temps);
        }
        free(res);
        return -1;
    }

    asm_symbol *pool = pool_words ? make_pool(&o, pool_words) : NULL;
    rebuilt nb = {NULL, 0, 0, NULL, 0, 0};
    uint32_t *remap = xmalloc((p->nbundles + 1) * sizeof *remap);
    size_t region = 0;
    for (uint32_t b = 0; b < p->nbundles;) {
        while (region < p->nregions && p->regions[region].end_bundle == p->regions[region].first_bundle &&
               p->regions[region].first_bundle <= b)
            region++;   /* empty regions */
        if (region < p->nregions && p->regions[region].first_bundle == b) {
            const asm_region *r = &p->regions[region];
            for (uint32_t k = b; k < r->end_bundle; k++)
                remap[k] = (uint32_t)nb.nbundles;
            emit_region(p, r, (uint32_t)region, &res[region], pool, &nb);
            if (ctx->opt && ctx->opt->sched_report)
                report(&o, r, (uint32_t)region, &res[region]);
            b = r->end_bundle;
            region++;
            continue;
        }
        remap[b] = (uint32_t)nb.nbundles;
        const asm_pbundle *old = &p->bundles[b];
        nb.bundles = asm_grow(nb.bundles, &nb.cap_bundles, nb.nbundles + 1, sizeof *nb.bundles);
        nb.bundles[nb.nbundles] = *old;
        nb.bundles[nb.nbundles++].first_slot = (uint32_t)nb.nslots;
        nb.slots = asm_grow(nb.slots, &nb.cap_slots, nb.nslots + old->nslots, sizeof *nb.slots);
        memcpy(&nb.slots[nb.nslots], &p->slots[old->first_slot], old->nslots * sizeof *nb.slots);
        nb.nslots += old->nslots;
        b++;
    }
    remap[p->nbundles] = (uint32_t)nb.nbundles;
    for (size_t i = 0; i < p->nregions; i++) {
        opt_schedule_free(&res[i].sched);
        free_plan(&res[i].temps);
    }
    free(res);
    free(p->bundles);
    free(p->slots);
    free(p->priority);   /* (read by scheduling only, and indexed by the old slots) */
    p->priority = NULL;
    p->npriority = p->cap_priority = 0;
    p->bundles = nb.bundles;
    p->nbundles = nb.nbundles;
    p->cap_bundles = nb.cap_bundles;
    p->slots = nb.slots;
    p->nslots = nb.nslots;
    p->cap_slots = nb.cap_slots;
    free(p->bundle_remap);
    p->bundle_remap = remap;
    return 0;
}

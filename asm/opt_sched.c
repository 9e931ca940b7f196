/*
 * opt_sched: dependences and list scheduling for a .linear region.
 *
 * Nodes are the region's slots in source order.  An elementwise valu op
 * that may be split (isa.def's lanes column, not forced onto the valu) is
 * eight units, one per lane, so that a consumer waits only for the lanes
 * it reads; any other slot is one unit.  Edges come from the slots'
 * effects, word by word (asm_slot_ranges, which draws on the ISA table):
 *
 *   read after write    latency 1   (writes land at the end of the bundle)
 *   write after write   latency 1
 *   write after read    latency 0   (end-of-cycle semantics: a slot may
 *                                    overwrite a word in the bundle that
 *                                    reads its old value)
 *   memory              a load after a store 1, a store after a store 1,
 *                       a store after a load 0; none with .linear noalias,
 *                       except across a .fence
 *   trace_write         kept in order, latency 1
 *   a literal or        ordered against every slot (it may be any word)
 *   relocated-offset
 *   scratch word
 *
 * An op whose lanes read words its other lanes write stays one unit: one
 * valu op reads all lanes before it writes any.
 *
 * The list scheduler fills one bundle at a time: among the ready slots,
 * by .priority, then by height (the longest latency chain to the end of
 * the region), then by source order or a seeded random tie-break.  Ops
 * only one engine runs go first (fixed_first), so that an elementwise valu
 * op finds the valu if it has room and otherwise runs as eight alu slots,
 * lane by lane, in the alu slots left over.  With a scratch budget, a slot
 * that would open temporaries past it waits while anything else can go
 * (the graph's opens and closes estimate the words in use).  -O2 also
 * schedules the reversed graph and reads the result backwards.
 */
#include "opt.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define NONE UINT32_MAX
#define WHOLE_PIECE INT64_MIN

struct opt_graph {
    const asm_program *p;
    uint32_t first, n;           /* region bundles [first, first+n), one slot each */
    uint32_t *unit_base;         /* per node, + sentinel */
    uint32_t *node_of;           /* per unit */
    uint8_t *splittable;         /* per node: may run as alu lanes */
    uint8_t *engine;             /* per node */
    uint8_t *place;              /* per node: asm_place */
    uint32_t nunits;
    uint32_t *succ_start;        /* per unit, + sentinel: CSR of successors */
    uint32_t *succ;
    uint8_t *lat;
    uint32_t *npred;             /* per unit */
    uint32_t *height;            /* per unit */
    uint32_t *opens, *closes;    /* per node: temporary words it first writes, last reads (source order) */
    int32_t *prio;               /* per node: .priority */
};

/* ---- building ------------------------------------------------------------ */

typedef struct {
    uint32_t from, to;
    uint8_t lat;
} edge;

typedef struct {
    const asm_symbol *sym;
    int64_t word;
    uint32_t writer;             /* unit, or NONE */
    uint32_t readers;            /* head of a list in reader_pool, or NONE */
    uint8_t used;
} word_state;

typedef struct {
    uint32_t unit, next;
} reader;

typedef struct {
    uint32_t unit;
    uint8_t store;
} mem_op;

typedef struct {
    asm_ctx *ctx;
    opt_graph *g;
    edge *edges;
    size_t nedges, cap_edges;
    mem_op *mem;                 /* the region's loads and stores so far */
    size_t nmem, cap_mem;
    size_t fenced;               /* how many of them a .fence stands after */
    word_state *words;
    size_t words_mask, nwords;
    reader *readers;
    size_t nreaders, cap_readers;
    int failed;
} builder;

static void add_edge(builder *b, uint32_t from, uint32_t to, int lat)
{
    if (from == NONE || from == to)
        return;
    b->edges = asm_grow(b->edges, &b->cap_edges, b->nedges + 1, sizeof *b->edges);
    b->edges[b->nedges++] = (edge){from, to, (uint8_t)lat};
}

static size_t word_hash(const asm_symbol *sym, int64_t word)
{
    uint64_t h = (uint64_t)(uintptr_t)sym * 0x9E3779B97F4A7C15u ^ (uint64_t)word * 0xC2B2AE3D27D4EB4Fu;
    return (size_t)(h ^ (h >> 29));
}

static word_state *word_find(builder *b, const asm_symbol *sym, int64_t word)
{
    if ((b->nwords + 1) * 2 > b->words_mask) {
        size_t old = b->words_mask + 1, cap = old * 2;
        word_state *w = xcalloc(cap, sizeof *w), *from = b->words;
        b->words = w;
        b->words_mask = cap - 1;
        for (size_t i = 0; i < old; i++)
            if (from[i].used) {
                size_t h = word_hash(from[i].sym, from[i].word) & b->words_mask;
                while (w[h].used)
                    h = (h + 1) & b->words_mask;
                w[h] = from[i];
            }
        free(from);
    }
    size_t h = word_hash(sym, word) & b->words_mask;
    while (b->words[h].used && (b->words[h].sym != sym || b->words[h].word != word))
        h = (h + 1) & b->words_mask;
    word_state *w = &b->words[h];
    if (!w->used) {
        *w = (word_state){sym, word, NONE, NONE, 1};
        b->nwords++;
    }
    return w;
}

static void touch_word(builder *b, const asm_symbol *sym, int64_t word, uint32_t unit, int writes)
{
    word_state *w = word_find(b, sym, word);
    if (!writes) {
        add_edge(b, w->writer, unit, 1);
        b->readers = asm_grow(b->readers, &b->cap_readers, b->nreaders + 1, sizeof *b->readers);
        b->readers[b->nreaders] = (reader){unit, w->readers};
        w->readers = (uint32_t)b->nreaders++;
        return;
    }
    add_edge(b, w->writer, unit, 1);
    for (uint32_t r = w->readers; r != NONE; r = b->readers[r].next)
        add_edge(b, b->readers[r].unit, unit, 0);
    w->readers = NONE;
    w->writer = unit;
}

/* A temporary must be written in its region before it is read. */
static int temp_unwritten(builder *b, const asm_symbol *sym, int64_t first, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        word_state *w = word_find(b, sym, first + i);
        if (w->writer == NONE)
            return 1;
    }
    return 0;
}

/* The piece of a temporary a word belongs to (an element, or the whole
 * array when it is used across elements) keeps, under a key of its own in
 * the word table, the node that first writes it and the last that reads
 * it: the optimizer's estimate of when its words are in use. */
static void note_piece(builder *b, const asm_sym_range *r, uint32_t node, int writes)
{
    const asm_symbol *sym = r->sym;
    int64_t a = r->first / sym->elem, z = (r->first + r->count - 1) / sym->elem;
    /* keys below the words: -1 - element, and the whole array below those */
    word_state *w = word_find(b, sym, a == z ? -1 - a : WHOLE_PIECE);
    if (writes && w->writer == NONE)
        w->writer = node;
    if (!writes)
        w->readers = node;
}

/* Whether a slot touches a word known only after linking: one displaced by
 * a relocated offset, or a literal address, which may be where the linker
 * put a variable. */
static int touches_unknown(const asm_program *p, const asm_pslot *slot)
{
    asm_sym_range ranges[ISA_MAX_RANGES];
    for (int writes = 0; writes < 2; writes++) {
        int n = asm_slot_ranges(p, slot, writes, ranges);
        for (int i = 0; i < n; i++)
            if (ranges[i].unknown || !ranges[i].sym)
                return 1;
    }
    return 0;
}

static void node_effects(builder *b, uint32_t node, uint32_t *last_store, uint32_t **loads, size_t *nloads,
                         size_t *cap_loads, uint32_t *last_ordered, uint32_t *barrier, int noalias)
{
    opt_graph *g = b->g;
    const asm_program *p = g->p;
    const asm_pslot *slot = &p->slots[p->bundles[g->first + node].first_slot];
    const isa_op_info *info = &isa_ops[slot->op];
    uint32_t base = g->unit_base[node], nunits = g->unit_base[node + 1] - base;
    asm_sym_range reads[ISA_MAX_RANGES], writes[ISA_MAX_RANGES];
    int nr = asm_slot_ranges(p, slot, 0, reads), nw = asm_slot_ranges(p, slot, 1, writes);

    /* A slot touching a word known only after linking is ordered against
     * everything (and is one unit: touches_unknown keeps it whole). */
    if (touches_unknown(p, slot)) {
        for (uint32_t u = 0; u < base; u++)
            add_edge(b, u, base, 1);
        *barrier = base;
        return;
    }
    for (uint32_t u = 0; u < nunits; u++)
        add_edge(b, *barrier, base + u, 1);

    for (int i = 0; i < nr; i++) {
        const asm_sym_range *r = &reads[i];
        if (r->sym && r->sym->temp && temp_unwritten(b, r->sym, r->first, r->count)) {
            asm_operand op;
            asm_arg_get(p, slot->pos, slot->first_arg + (size_t)r->arg, &op);
            asm_loc loc = asm_pos_loc(b->ctx, op.pos);
            const char *name = r->sym->name->text;   /* as written: before ".N" and ".rN" */
            asm_report(b->ctx, ASM_ERROR, NULL, &loc, asm_frame_of(p, slot->frame),
                       "temporary '%.*s' is read here before it is written in this region",
                       (int)strcspn(name, "."), name);
            b->failed = 1;
        }
        for (uint32_t w = 0; w < r->count; w++)
            for (uint32_t u = 0; u < nunits; u++)
                if (nunits == 1 || r->count == 1 || u == w)
                    touch_word(b, r->sym, r->first + w, base + u, 0);
        if (r->sym && r->sym->temp)
            note_piece(b, r, node, 0);
    }
    for (int i = 0; i < nw; i++) {
        const asm_sym_range *r = &writes[i];
        for (uint32_t w = 0; w < r->count; w++)
            touch_word(b, r->sym, r->first + w, base + (nunits == 1 ? 0 : w), 1);
        if (r->sym && r->sym->temp)
            note_piece(b, r, node, 1);
    }

    /* .fence: every load and store written before it comes first (also
     * with noalias); the edges go to each memory op after it. */
    if (slot->fence)
        b->fenced = b->nmem;
    if (info->mem.kind) {
        int store = info->mem.kind == ISA_MEM_WRITE_KIND;
        for (size_t k = 0; k < b->fenced; k++)
            if (b->mem[k].store || store)
                add_edge(b, b->mem[k].unit, base, b->mem[k].store);
        b->mem = asm_grow(b->mem, &b->cap_mem, b->nmem + 1, sizeof *b->mem);
        b->mem[b->nmem++] = (mem_op){base, (uint8_t)store};
    }
    if (info->effects & ISA_FX_ORDERED) {
        add_edge(b, *last_ordered, base, 1);
        *last_ordered = base;
    }
    if (info->mem.kind == ISA_MEM_READ_KIND && !noalias) {
        add_edge(b, *last_store, base, 1);
        *loads = asm_grow(*loads, cap_loads, *nloads + 1, sizeof **loads);
        (*loads)[(*nloads)++] = base;
    } else if (info->mem.kind == ISA_MEM_WRITE_KIND && !noalias) {
        add_edge(b, *last_store, base, 1);
        for (size_t i = 0; i < *nloads; i++)
            add_edge(b, (*loads)[i], base, 0);
        *nloads = 0;
        *last_store = base;
    }
    if (!nr && !nw && !info->mem.kind && !(info->effects & ISA_FX_ORDERED) && node)
        add_edge(b, g->unit_base[node - 1], base, 0);   /* a comment stays where it was written */
}

/* Whether a lane of the op reads a word another lane writes: one valu op
 * reads all its lanes before writing any, lanes in different bundles
 * would not, so such an op stays whole. */
static int lanes_cross(const asm_program *p, const asm_pslot *slot)
{
    asm_sym_range reads[ISA_MAX_RANGES], writes[ISA_MAX_RANGES];
    int nr = asm_slot_ranges(p, slot, 0, reads), nw = asm_slot_ranges(p, slot, 1, writes);
    for (int w = 0; w < nw; w++)
        for (int r = 0; r < nr; r++) {
            const asm_sym_range *a = &writes[w], *b = &reads[r];
            if (a->sym != b->sym)
                continue;
            int overlap = a->first < b->first + b->count && b->first < a->first + a->count;
            if (overlap && (b->count != a->count || b->first != a->first))
                return 1;
        }
    return 0;
}

/* Successor lists and heights from the edges, which run from earlier to
 * later units. */
static void finish_graph(opt_graph *g, const edge *edges, size_t nedges)
{
    uint32_t units = g->nunits;
    /* Successor lists (CSR); duplicate edges are harmless. */
    g->succ_start = xcalloc(units + 1, sizeof *g->succ_start);
    g->npred = xcalloc(units + 1, sizeof *g->npred);
    for (size_t e = 0; e < nedges; e++) {
        g->succ_start[edges[e].from + 1]++;
        g->npred[edges[e].to]++;
    }
    for (uint32_t u = 0; u < units; u++)
        g->succ_start[u + 1] += g->succ_start[u];
    g->succ = xmalloc((nedges + 1) * sizeof *g->succ);
    g->lat = xmalloc(nedges + 1);
    uint32_t *fill = xmalloc((units + 1) * sizeof *fill);
    memcpy(fill, g->succ_start, (units + 1) * sizeof *fill);
    for (size_t e = 0; e < nedges; e++) {
        uint32_t at = fill[edges[e].from]++;
        g->succ[at] = edges[e].to;
        g->lat[at] = edges[e].lat;
    }
    free(fill);

    /* Edges run from earlier to later units: heights in one backward sweep. */
    g->height = xcalloc(units + 1, sizeof *g->height);
    for (uint32_t u = units; u-- > 0;) {
        uint32_t h = 1;
        for (uint32_t e = g->succ_start[u]; e < g->succ_start[u + 1]; e++) {
            uint32_t via = g->lat[e] + g->height[g->succ[e]];
            h = via > h ? via : h;
        }
        g->height[u] = h;
    }
}

opt_graph *opt_graph_build(asm_ctx *ctx, const asm_program *p, uint32_t first, uint32_t end, int noalias)
{
    opt_graph *g = xcalloc(1, sizeof *g);
    g->p = p;
    g->first = first;
    g->n = end - first;
    g->unit_base = xcalloc(g->n + 1, sizeof *g->unit_base);
    g->splittable = xcalloc(g->n + 1, 1);
    g->engine = xcalloc(g->n + 1, 1);
    g->place = xcalloc(g->n + 1, 1);
    g->prio = xcalloc(g->n + 1, sizeof *g->prio);
    uint32_t units = 0;
    for (uint32_t i = 0; i < g->n; i++) {
        const asm_pslot *slot = &p->slots[p->bundles[first + i].first_slot];
        g->engine[i] = (uint8_t)isa_ops[slot->op].engine;
        g->place[i] = slot->place;
        g->prio[i] = asm_slot_priority(p, p->bundles[first + i].first_slot);
        g->splittable[i] = isa_ops[slot->op].lane_op >= 0 && slot->place != ASM_PLACE_VALU &&
                           !lanes_cross(p, slot) && !touches_unknown(p, slot);
        g->unit_base[i] = units;
        units += g->splittable[i] ? ISA_VLEN : 1;
    }
    g->unit_base[g->n] = units;
    g->nunits = units;
    g->node_of = xmalloc((units + 1) * sizeof *g->node_of);
    for (uint32_t i = 0; i < g->n; i++)
        for (uint32_t u = g->unit_base[i]; u < g->unit_base[i + 1]; u++)
            g->node_of[u] = i;

    builder b = {.ctx = ctx, .g = g};
    b.words_mask = 255;
    b.words = xcalloc(b.words_mask + 1, sizeof *b.words);
    uint32_t last_store = NONE, last_ordered = NONE, barrier = NONE, *loads = NULL;
    size_t nloads = 0, cap_loads = 0;
    for (uint32_t i = 0; i < g->n; i++)
        node_effects(&b, i, &last_store, &loads, &nloads, &cap_loads, &last_ordered, &barrier, noalias);
    free(loads);
    free(b.mem);
    /* Pieces of temporaries: words opened and closed per node. */
    g->opens = xcalloc(g->n + 1, sizeof *g->opens);
    g->closes = xcalloc(g->n + 1, sizeof *g->closes);
    for (size_t i = 0; i <= b.words_mask; i++) {
        const word_state *w = &b.words[i];
        if (!w->used || w->word >= 0 || w->writer == NONE)
            continue;
        uint32_t words = w->word == WHOLE_PIECE ? w->sym->size : w->sym->elem;
        g->opens[w->writer] += words;
        g->closes[w->readers != NONE && w->readers > w->writer ? w->readers : w->writer] += words;
    }
    free(b.words);
    free(b.readers);
    if (b.failed) {
        free(b.edges);
        opt_graph_free(g);
        return NULL;
    }

    finish_graph(g, b.edges, b.nedges);
    free(b.edges);
    return g;
}

void opt_graph_free(opt_graph *g)
{
    if (!g)
        return;
    free(g->unit_base);
    free(g->node_of);
    free(g->splittable);
    free(g->engine);
    free(g->place);
    free(g->succ_start);
    free(g->succ);
    free(g->lat);
    free(g->npred);
    free(g->height);
    free(g->opens);
    free(g->closes);
    free(g->prio);
    free(g);
}

/* ---- figures --------------------------------------------------------------- */

/* Fewest bundles in which the slot limits fit the work, with the best
 * split of splittable valu ops onto alu lanes. */
static uint32_t resource_bound(const opt_figures *f)
{
    uint32_t t = 1;
    for (int e = 0; e < ISA_ENGINE_COUNT; e++) {
        if (!isa_engines[e].costs_cycle || e == ISA_ENG_ALU || e == ISA_ENG_VALU)
            continue;
        uint32_t lim = (uint32_t)isa_engines[e].slot_limit, need = (f->ops[e] + lim - 1) / lim;
        t = need > t ? need : t;
    }
    uint32_t V = f->ops[ISA_ENG_VALU], A = f->ops[ISA_ENG_ALU], vmin = V - f->splittable + f->forced_valu,
             vmax = V - f->forced_alu, va = (uint32_t)isa_engines[ISA_ENG_VALU].slot_limit,
             aa = (uint32_t)isa_engines[ISA_ENG_ALU].slot_limit;
    if (!V && !A)
        return t;
    for (;; t++) {
        /* x valu ops stay on the valu: x <= va*t and 8(V-x) + A <= aa*t. */
        int64_t need = (int64_t)V - ((int64_t)aa * t - A) / ISA_VLEN;
        if ((int64_t)aa * t < A)
            continue;
        int64_t lo = need > (int64_t)vmin ? need : (int64_t)vmin;
        int64_t hi = (int64_t)va * t < (int64_t)vmax ? (int64_t)va * t : (int64_t)vmax;
        if (lo <= hi)
            return t;
    }
}

void opt_graph_figures(const opt_graph *g, opt_figures *f)
{
    memset(f, 0, sizeof *f);
    for (uint32_t i = 0; i < g->n; i++) {
        f->ops[g->engine[i]]++;
        f->splittable += g->splittable[i];
        f->forced_valu += g->place[i] == ASM_PLACE_VALU && isa_ops[g->p->slots[g->p->bundles[g->first + i].first_slot].op].lane_op >= 0;
        f->forced_alu += g->place[i] == ASM_PLACE_ALU && g->splittable[i];
    }
    /* forced_valu ops are not counted as splittable: put them back for vmin. */
    f->splittable += f->forced_valu;
    for (uint32_t u = 0; u < g->nunits; u++)
        f->critical_path = g->height[u] > f->critical_path ? g->height[u] : f->critical_path;
    f->resource_bound = resource_bound(f);
}

/* ---- scheduling ------------------------------------------------------------ */

/* Order of choice: higher .priority, then greater height, then the
 * tie-break key; as one pair of numbers per node, smaller first. */
typedef struct {
    uint64_t major;
    uint32_t minor;
} rank;


typedef struct {
    const opt_graph *g;
    uint32_t *npred, *earliest, *cycle;   /* per unit */
    uint32_t *unready;                    /* per node: units still waiting for a predecessor */
    uint32_t *left;                       /* per node: units not yet scheduled */
    uint8_t *split;                       /* per node */
    rank *rank;                           /* per node */
    uint32_t *ready;                      /* nodes that may have a unit to place */
    size_t nready;
    uint8_t *in_ready;
} sched;

static uint32_t mix(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

static rank node_rank(const opt_graph *g, uint32_t node, uint32_t key, uint32_t jitter)
{
    int32_t prio = g->prio[node];
    uint32_t h = 0;
    for (uint32_t u = g->unit_base[node]; u < g->unit_base[node + 1]; u++)
        h = g->height[u] > h ? g->height[u] : h;
    h += jitter ? key % (jitter + 1) : 0;   /* -O2: a little noise in the height */
    uint32_t prio_order = ~((uint32_t)prio ^ 0x80000000u);
    return (rank){(uint64_t)prio_order << 32 | (uint32_t)~h, key};
}

static int before(const rank *r, uint32_t x, uint32_t y)
{
    return r[x].major != r[y].major ? r[x].major < r[y].major : r[x].minor < r[y].minor;
}

/* The ready list is kept in rank order (ranks never tie: the tie-break
 * keys are distinct), so that each pass over it meets the candidates in the
 * order of choice without sorting them every cycle. */
static void make_ready(sched *s, uint32_t node)
{
    if (s->in_ready[node])
        return;
    s->in_ready[node] = 1;
    size_t lo = 0, hi = s->nready;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (before(s->rank, s->ready[mid], node))
            lo = mid + 1;
        else
            hi = mid;
    }
    memmove(&s->ready[lo + 1], &s->ready[lo], (s->nready - lo) * sizeof *s->ready);
    s->ready[lo] = node;
    s->nready++;
}

static void place_unit(sched *s, uint32_t u, uint32_t c)
{
    const opt_graph *g = s->g;
    s->cycle[u] = c;
    for (uint32_t e = g->succ_start[u]; e < g->succ_start[u + 1]; e++) {
        uint32_t v = g->succ[e], at = c + g->lat[e];
        if (at > s->earliest[v])
            s->earliest[v] = at;
        if (--s->npred[v] == 0) {
            uint32_t node = g->node_of[v];
            if (--s->unready[node] == 0 || s->split[node])
                make_ready(s, node);
        }
    }
}

/* The units of node that may go into bundle c. */
static int node_ready(const sched *s, uint32_t node, uint32_t c)
{
    const opt_graph *g = s->g;
    if (s->unready[node])
        return 0;
    for (uint32_t u = g->unit_base[node]; u < g->unit_base[node + 1]; u++)
        if (s->cycle[u] == NONE && s->earliest[u] > c)
            return 0;
    return 1;
}

static int lane_ready(const sched *s, uint32_t u, uint32_t c)
{
    return s->cycle[u] == NONE && s->npred[u] == 0 && s->earliest[u] <= c;
}

static int schedule_forward(const opt_graph *g, const opt_heuristic *h, opt_schedule *out)
{
    uint32_t n = g->n, units = g->nunits;
    sched s = {g, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL};
    s.npred = xmalloc((units + 1) * sizeof *s.npred);
    memcpy(s.npred, g->npred, (units + 1) * sizeof *s.npred);
    s.earliest = xcalloc(units + 1, sizeof *s.earliest);
    s.cycle = xmalloc((units + 1) * sizeof *s.cycle);
    for (uint32_t u = 0; u <= units; u++)
        s.cycle[u] = NONE;
    s.unready = xcalloc(n + 1, sizeof *s.unready);
    s.left = xcalloc(n + 1, sizeof *s.left);
    s.split = xcalloc(n + 1, 1);
    s.rank = xmalloc((n + 1) * sizeof *s.rank);
    s.ready = xmalloc((n + 1) * sizeof *s.ready);
    s.in_ready = xcalloc(n + 1, 1);
    uint32_t *cand = xmalloc((n + 1) * sizeof *cand);
    for (uint32_t i = 0; i < n; i++) {
        s.rank[i] = node_rank(g, i, h->seed ? mix(i ^ mix(h->seed)) : i, h->jitter);
        s.left[i] = g->unit_base[i + 1] - g->unit_base[i];
        for (uint32_t u = g->unit_base[i]; u < g->unit_base[i + 1]; u++)
            s.unready[i] += g->npred[u] != 0;
        s.split[i] = g->place[i] == ASM_PLACE_ALU && g->splittable[i];
        if (!s.unready[i])
            make_ready(&s, i);
    }

    int split_min = h->split_min_alu ? h->split_min_alu : ISA_VLEN / 2;
    int64_t live = 0;   /* temporary words in use, as the graph estimates them */
    int throttled = 0;
    uint32_t done = 0, oldest = 0, c = 0;
    while (done < n) {
        int cap[ISA_ENGINE_COUNT];
        for (int e = 0; e < ISA_ENGINE_COUNT; e++)
            cap[e] = isa_engines[e].slot_limit;
        int progress = 1, placed_any = 0, force = 0, blocked = 0;
        while (progress) {
            progress = 0;
            size_t ncand = 0;
            for (size_t i = 0; i < s.nready; i++) {
                uint32_t node = s.ready[i];
                if (h->window && node >= oldest + h->window)
                    continue;
                int ok = 0;
                if (s.split[node]) {
                    for (uint32_t u = g->unit_base[node]; u < g->unit_base[node + 1] && !ok; u++)
                        ok = lane_ready(&s, u, c);
                } else {
                    ok = node_ready(&s, node, c);
                }
                if (ok)
                    cand[ncand++] = node;
            }
            /* With fixed_first, ops that only one engine can run go first, so
             * that the valu is not taken by ops that could run as alu lanes. */
            for (int pass = h->fixed_first ? 0 : 1; pass < 2; pass++) {
                for (size_t i = 0; i < ncand; i++) {
                    uint32_t node = cand[i], base = g->unit_base[node];
                    int eng = g->engine[node];
                    int flexible = !s.split[node] && g->splittable[node] && g->place[node] == ASM_PLACE_AUTO;
                    if (s.left[node] == 0 || (pass == 0 && flexible))
                        continue;
                    uint32_t width = g->unit_base[node + 1] - base;
                    if (h->budget && !force && s.left[node] == width && live + g->opens[node] > h->budget &&
                        g->opens[node]) {
                        blocked = throttled = 1;   /* would open more temporaries than scratch holds */
                        continue;
                    }
                    uint32_t left_before = s.left[node];
                    if (flexible && (cap[ISA_ENG_VALU] == 0 || h->split_eagerly) && cap[ISA_ENG_ALU] >= split_min &&
                        s.left[node] == ISA_VLEN)
                        s.split[node] = 1;
                    if (s.split[node]) {
                        for (uint32_t u = base; u < g->unit_base[node + 1] && cap[ISA_ENG_ALU] > 0; u++)
                            if (lane_ready(&s, u, c)) {
                                place_unit(&s, u, c);
                                cap[ISA_ENG_ALU]--;
                                s.left[node]--;
                                progress = placed_any = 1;
                            }
                    } else if (cap[eng] > 0) {
                        cap[eng]--;
                        for (uint32_t u = base; u < g->unit_base[node + 1]; u++)
                            place_unit(&s, u, c);
                        s.left[node] = 0;
                        progress = placed_any = 1;
                    }
                    if (left_before == width && s.left[node] < width)
                        live += g->opens[node];
                    if (s.left[node] == 0) {
                        done++;
                        live -= g->closes[node];
                    }
                }
            }
            if (!progress && !placed_any && blocked && !force) {
                force = 1;   /* nothing else can go: over the budget rather than stuck */
                progress = 1;
            }
            /* Drop the finished nodes from the ready list. */
            size_t keep = 0;
            for (size_t i = 0; i < s.nready; i++) {
                if (s.left[s.ready[i]])
                    s.ready[keep++] = s.ready[i];
                else
                    s.in_ready[s.ready[i]] = 0;
            }
            s.nready = keep;
            while (oldest < n && !s.left[oldest])
                oldest++;
        }
        if (!placed_any && c > 2 * (uint64_t)units + 2)
            abort();   /* cannot happen: the graph is acyclic and every engine has a slot */
        c++;
    }
    /* Cycles in which nothing could go (all waiting on latency) hold no
     * bundle: number the used ones densely. */
    uint32_t *renum = xmalloc((c + 1) * sizeof *renum);
    for (uint32_t i = 0; i <= c; i++)
        renum[i] = NONE;
    for (uint32_t u = 0; u < units; u++)
        renum[s.cycle[u]] = 0;
    uint32_t nb = 0;
    for (uint32_t i = 0; i < c; i++)
        if (renum[i] != NONE)
            renum[i] = nb++;

    out->nbundles = nb;
    out->first_place = xmalloc((n + 1) * sizeof *out->first_place);
    out->places = xmalloc((units + 1) * sizeof *out->places);
    uint32_t np = 0;
    for (uint32_t i = 0; i < n; i++) {
        out->first_place[i] = np;
        uint32_t base = g->unit_base[i];
        if (s.split[i]) {
            for (uint32_t u = base; u < g->unit_base[i + 1]; u++)
                out->places[np++] = (opt_place){renum[s.cycle[u]], (int8_t)(u - base)};
        } else {
            out->places[np++] = (opt_place){renum[s.cycle[base]], -1};
        }
    }
    out->first_place[n] = np;
    out->nplaces = np;
    out->throttled = throttled;
    free(renum);
    free(cand);
    free(s.npred);
    free(s.earliest);
    free(s.cycle);
    free(s.unready);
    free(s.left);
    free(s.split);
    free(s.rank);
    free(s.ready);
    free(s.in_ready);
    return 0;
}

/* The graph with every edge turned around, its nodes in reverse order:
 * scheduled as it stands, then read backwards, it gives a schedule of g
 * that packs the end of the region as tightly as a forward one packs the
 * start.  .priority keeps its sense (higher goes earlier, so later in the
 * reversed order), and temporaries open at their last read. */
static opt_graph *reversed(const opt_graph *g)
{
    uint32_t n = g->n;
    opt_graph *r = xcalloc(1, sizeof *r);
    r->p = g->p;
    r->first = g->first;
    r->n = n;
    r->nunits = g->nunits;
    r->unit_base = xcalloc(n + 1, sizeof *r->unit_base);
    r->splittable = xcalloc(n + 1, 1);
    r->engine = xcalloc(n + 1, 1);
    r->place = xcalloc(n + 1, 1);
    r->prio = xcalloc(n + 1, sizeof *r->prio);
    r->opens = xcalloc(n + 1, sizeof *r->opens);
    r->closes = xcalloc(n + 1, sizeof *r->closes);
    uint32_t units = 0;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = n - 1 - j;
        r->unit_base[j] = units;
        units += g->unit_base[i + 1] - g->unit_base[i];
        r->splittable[j] = g->splittable[i];
        r->engine[j] = g->engine[i];
        r->place[j] = g->place[i];
        r->prio[j] = g->prio[i] == INT32_MIN ? INT32_MAX : -g->prio[i];
        r->opens[j] = g->closes[i];
        r->closes[j] = g->opens[i];
    }
    r->unit_base[n] = units;
    r->node_of = xmalloc((units + 1) * sizeof *r->node_of);
    for (uint32_t j = 0; j < n; j++)
        for (uint32_t u = r->unit_base[j]; u < r->unit_base[j + 1]; u++)
            r->node_of[u] = j;
    size_t nedges = g->succ_start[g->nunits];
    edge *edges = xmalloc((nedges + 1) * sizeof *edges);
    for (uint32_t u = 0; u < g->nunits; u++) {
        uint32_t i = g->node_of[u], ru = r->unit_base[n - 1 - i] + (u - g->unit_base[i]);
        for (uint32_t e = g->succ_start[u]; e < g->succ_start[u + 1]; e++) {
            uint32_t v = g->succ[e], k = g->node_of[v];
            uint32_t rv = r->unit_base[n - 1 - k] + (v - g->unit_base[k]);
            edges[e] = (edge){rv, ru, g->lat[e]};
        }
    }
    finish_graph(r, edges, nedges);
    free(edges);
    return r;
}

int opt_schedule_run(const opt_graph *g, const opt_heuristic *h, opt_schedule *out)
{
    if (!h->reverse)
        return schedule_forward(g, h, out);
    opt_graph *r = reversed(g);
    opt_schedule rs;
    opt_heuristic forward = *h;
    forward.reverse = 0;
    schedule_forward(r, &forward, &rs);
    uint32_t n = g->n;
    out->nbundles = rs.nbundles;
    out->nplaces = rs.nplaces;
    out->throttled = rs.throttled;
    out->places = xmalloc((rs.nplaces + 1) * sizeof *out->places);
    out->first_place = xmalloc((n + 1) * sizeof *out->first_place);
    uint32_t np = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t j = n - 1 - i;
        out->first_place[i] = np;
        for (uint32_t k = rs.first_place[j]; k < rs.first_place[j + 1]; k++)
            out->places[np++] = (opt_place){rs.nbundles - 1 - rs.places[k].cycle, rs.places[k].lane};
    }
    out->first_place[n] = np;
    opt_schedule_free(&rs);
    opt_graph_free(r);
    return 0;
}

void opt_schedule_free(opt_schedule *s)
{
    free(s->places);
    free(s->first_place);
    memset(s, 0, sizeof *s);
}

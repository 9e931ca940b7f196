/* machine: predecoding and the run loop (see machine.h). */
#include "machine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "xalloc.h"

/* Per-engine slot limits as compile-time constants, for staging buffers. */
enum {
#define ISA_ENGINE(id, name, slots, cost) LIMIT_##id = (slots),
#include "isa.def"
};

/* A bundle writes at most one block per non-debug slot. */
#define MAX_SCRATCH_WRITES (LIMIT_ALU + LIMIT_VALU + LIMIT_LOAD + LIMIT_FLOW)
#define MAX_MEMORY_WRITES LIMIT_STORE

/* A decoded non-debug slot: scratch operands are direct indices (load_offset's
 * already displaced), imm is the value mod 2^32 for const and add_imm, and
 * the absolute target for jumps (cond_jump_rel resolved against its bundle;
 * it may be negative, which faults only when the jump is taken). */
typedef struct {
    uint8_t op;          /* isa_opcode */
    uint8_t src;         /* index of the slot in its image bundle */
    uint16_t d, a, b, c;
    int64_t imm;
} dslot;

/* A decoded debug compare or vcompare (comments are dropped). */
typedef struct {
    uint8_t op;
    uint8_t src;
    uint8_t key;
    uint8_t stage;
    uint16_t a;
    uint32_t round, item;
} dcheck;

typedef struct {
    uint32_t first;      /* into slots */
    uint32_t check_first;   /* into checks */
    uint16_t count;
    uint16_t check_count;
    uint8_t costs;       /* a non-debug slot, or the empty bundle nop */
} dbundle;

struct sim_program {
    const vimage *img;
    uint32_t nbundles;
    dbundle *bundles;
    dslot *slots;
    dcheck *checks;
    uint8_t (*engine_slots)[ISA_ENGINE_COUNT];   /* per bundle */
};

typedef struct {
    uint32_t scratch[ISA_SCRATCH_WORDS];
    uint64_t pc;         /* a jump may leave it anywhere up to 2^33 */
    sim_core_state state;
    uint32_t *trace;
    size_t trace_len, trace_cap;
} sim_core;

struct sim_machine {
    const sim_program *prog;
    sim_config cfg;
    uint64_t max_cycles;     /* UINT64_MAX when there is no limit */
    uint64_t cycle;
    uint32_t *memory;
    size_t memory_words;
    uint64_t *bundle_runs;   /* executions per bundle, all cores */
    sim_status dead;         /* SIM_FAULT / SIM_CHECK_FAILED once it happened, else SIM_DONE */
    sim_fault_info fault;
    sim_check_info check;
    int ncores;
    sim_core *cores;
};

static const char *const fault_names[SIM_FAULT_COUNT] = {
#define SIM_FAULT_NAME(id, text) #id,
    SIM_FAULTS(SIM_FAULT_NAME)
#undef SIM_FAULT_NAME
};

static const char *const fault_texts[SIM_FAULT_COUNT] = {
#define SIM_FAULT_TEXT(id, text) text,
    SIM_FAULTS(SIM_FAULT_TEXT)
#undef SIM_FAULT_TEXT
};

const char *sim_fault_name(sim_fault_kind k)
{
    return (unsigned)k < SIM_FAULT_COUNT ? fault_names[k] : "?";
}

const char *sim_fault_text(sim_fault_kind k)
{
    return (unsigned)k < SIM_FAULT_COUNT ? fault_texts[k] : "unknown fault";
}

const char *sim_state_name(sim_core_state s)
{
    switch (s) {
    case SIM_CORE_RUNNING: return "running";
    case SIM_CORE_PAUSED: return "paused";
    case SIM_CORE_STOPPED: return "stopped";
    case SIM_CORE_FAULTED: return "faulted";
    }
    return "?";
}

/* ------------------------------------------------------------------------
 * Predecoding
 */

__attribute__((format(printf, 3, 4)))
static void say(char *why, size_t why_size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (why_size)
        vsnprintf(why, why_size, fmt, ap);
    va_end(ap);
}

/* Index of an op's immediate ('i', 't' or 'r') operand, or -1. */
static int target_arg(const isa_op_info *info)
{
    const char *k = strpbrk(info->kinds, "itr");
    return k ? (int)(k - info->kinds) : -1;
}

static dslot decode_slot(const isa_slot *s, uint32_t bundle, int src)
{
    const isa_op_info *info = &isa_ops[s->op];
    dslot d = {.op = (uint8_t)s->op, .src = (uint8_t)src};
    uint16_t *sources[3] = {&d.a, &d.b, &d.c};
    int imm_at = target_arg(info), nsources = 0;
    int64_t displacement = 0;
    if (imm_at >= 0 && info->kinds[imm_at] == 'i')
        displacement = s->arg[imm_at];
    /* Destinations go to d, sources to a, b, c in source order (a store's
     * address is a source); isa_check_slot proved every index in range. */
    for (int a = 0; info->kinds[a]; a++) {
        switch (info->kinds[a]) {
        case 'd': case 'D':
            d.d = (uint16_t)s->arg[a];
            break;
        case 'e':
            d.d = (uint16_t)(s->arg[a] + displacement);
            break;
        case 's': case 'S':
            *sources[nsources++] = (uint16_t)s->arg[a];
            break;
        case 'f':
            *sources[nsources++] = (uint16_t)(s->arg[a] + displacement);
            break;
        case 'i':
            d.imm = (int64_t)(uint32_t)s->arg[a];
            break;
        case 't':
            d.imm = s->arg[a];
            break;
        case 'r':
            d.imm = (int64_t)bundle + 1 + s->arg[a];
            break;
        }
    }
    return d;
}

sim_program *sim_program_new(const vimage *img, char *why, size_t why_size)
{
    if (!img) {
        say(why, why_size, "no image");
        return NULL;
    }
    if (img->nbundles > 0 && (!img->bundle_start || (img->nslots && !img->slots))) {
        say(why, why_size, "image has no code arrays");
        return NULL;
    }
    if (img->nbundles > 0 && img->bundle_start[img->nbundles] != img->nslots) {
        say(why, why_size, "bundle table does not cover the %u slots", img->nslots);
        return NULL;
    }
    sim_program *p = xcalloc(1, sizeof *p);
    p->img = img;
    p->nbundles = img->nbundles;
    p->bundles = xcalloc(img->nbundles, sizeof *p->bundles);
    p->slots = xcalloc(img->nslots, sizeof *p->slots);
    p->checks = xcalloc(img->nslots, sizeof *p->checks);
    p->engine_slots = xcalloc(img->nbundles, sizeof *p->engine_slots);
    uint32_t nslots = 0, nchecks = 0;
    for (uint32_t b = 0; b < img->nbundles; b++) {
        uint32_t first = img->bundle_start[b], end = img->bundle_start[b + 1];
        dbundle *db = &p->bundles[b];
        if (end < first || end > img->nslots) {
            say(why, why_size, "bundle %u: bad slot range", b);
            goto bad;
        }
        db->first = nslots;
        db->check_first = nchecks;
        for (uint32_t i = first; i < end; i++) {
            const isa_slot *s = &img->slots[i];
            char reason[160];
            int bad_arg;
            if (isa_check_slot(s, reason, sizeof reason, &bad_arg) != 0) {
                say(why, why_size, "bundle %u, slot %u: %s", b, i - first, reason);
                goto bad;
            }
            isa_engine e = isa_ops[s->op].engine;
            if (++p->engine_slots[b][e] > isa_engines[e].slot_limit) {
                say(why, why_size, "bundle %u: more than %d %s slots", b,
                    isa_engines[e].slot_limit, isa_engines[e].name);
                goto bad;
            }
            if (e != ISA_ENG_DEBUG) {
                p->slots[nslots++] = decode_slot(s, b, (int)(i - first));
            } else if (s->op != ISA_OP_COMMENT) {
                dcheck *c = &p->checks[nchecks++];
                c->op = (uint8_t)s->op;
                c->src = (uint8_t)(i - first);
                c->a = (uint16_t)s->arg[0];
                c->round = (uint32_t)s->arg[1];
                c->item = (uint32_t)s->arg[2];
                c->key = (uint8_t)s->arg[3];
                c->stage = (uint8_t)s->arg[4];
            }
        }
        db->count = (uint16_t)(nslots - db->first);
        db->check_count = (uint16_t)(nchecks - db->check_first);
        db->costs = db->count > 0 || end == first;
    }
    return p;
bad:
    sim_program_free(p);
    return NULL;
}

void sim_program_free(sim_program *p)
{
    if (!p)
        return;
    free(p->bundles);
    free(p->slots);
    free(p->checks);
    free(p->engine_slots);
    free(p);
}

uint32_t sim_program_bundles(const sim_program *p)
{
    return p->nbundles;
}

const vimage *sim_program_image(const sim_program *p)
{
    return p->img;
}

/* ------------------------------------------------------------------------
 * Machines
 */

sim_machine *sim_new(const sim_program *p, const sim_config *cfg, const uint32_t *memory,
                     size_t words, char *why, size_t why_size)
{
    if (cfg->cores < 1 || cfg->cores > SIM_MAX_CORES) {
        say(why, why_size, "%d cores: the machine has 1 to %d", cfg->cores, SIM_MAX_CORES);
        return NULL;
    }
    if (words > UINT32_MAX) {
        say(why, why_size, "memory of %zu words: at most %u words are addressable", words,
            UINT32_MAX);
        return NULL;
    }
    if (cfg->checking && !cfg->lookup) {
        say(why, why_size, "a checking run needs a reference lookup");
        return NULL;
    }
    sim_machine *m = xcalloc(1, sizeof *m);
    m->prog = p;
    m->cfg = *cfg;
    m->max_cycles = cfg->max_cycles ? cfg->max_cycles : UINT64_MAX;
    m->memory = xcalloc(words, sizeof *m->memory);
    if (words)
        memcpy(m->memory, memory, words * sizeof *memory);
    m->memory_words = words;
    m->bundle_runs = xcalloc(p->nbundles, sizeof *m->bundle_runs);
    m->ncores = cfg->cores;
    m->cores = xcalloc((size_t)cfg->cores, sizeof *m->cores);
    m->dead = SIM_DONE;
    for (int k = 0; k < m->ncores; k++)
        m->cores[k].state = SIM_CORE_RUNNING;
    return m;
}

void sim_free(sim_machine *m)
{
    if (!m)
        return;
    for (int k = 0; k < m->ncores; k++)
        free(m->cores[k].trace);
    free(m->cores);
    free(m->bundle_runs);
    free(m->memory);
    free(m);
}

static void trace_append(sim_core *c, uint32_t v)
{
    if (c->trace_len == c->trace_cap) {
        c->trace_cap = c->trace_cap ? 2 * c->trace_cap : 64;
        c->trace = realloc(c->trace, c->trace_cap * sizeof *c->trace);
        if (!c->trace)
            abort();
    }
    c->trace[c->trace_len++] = v;
}

/* ------------------------------------------------------------------------
 * The run loop
 */

/* Evaluates a bundle's debug checks against the reference; 0 if all hold. */
static int run_checks(sim_machine *m, int k, uint32_t pc, const dbundle *db)
{
    const uint32_t *s = m->cores[k].scratch;
    for (const dcheck *c = &m->prog->checks[db->check_first],
                      *end = c + db->check_count; c < end; c++) {
        int lanes = c->op == ISA_OP_VCOMPARE ? ISA_VLEN : 1;
        for (int i = 0; i < lanes; i++) {
            uint64_t item = (uint64_t)c->item + (uint64_t)i;
            uint32_t expected = 0, actual = s[c->a + i];
            int missing = item > UINT32_MAX ||
                          m->cfg.lookup(m->cfg.lookup_ctx, c->round, (uint32_t)item,
                                        (isa_trace_key)c->key, c->stage, &expected) != 0;
            if (missing || expected != actual) {
                sim_check_info *ci = &m->check;
                ci->at = (sim_where){k, pc, m->cycle, c->src};
                ci->lane = c->op == ISA_OP_VCOMPARE ? i : -1;
                ci->round = c->round;
                ci->item = (uint32_t)item;
                ci->key = (isa_trace_key)c->key;
                ci->stage = c->stage;
                ci->missing = missing;
                ci->expected = expected;
                ci->actual = actual;
                return -1;
            }
        }
    }
    return 0;
}

/* Binops whose lanes cannot fault: (id, expression of x and y). */
#define SAFE_BINOPS(X) \
    X(ADD, x + y) \
    X(SUB, x - y) \
    X(MUL, x * y) \
    X(XOR, x ^ y) \
    X(AND, x & y) \
    X(OR, x | y) \
    X(SHL, y >= 32 ? 0u : x << y) \
    X(SHR, y >= 32 ? 0u : x >> y) \
    X(LT, (uint32_t)(x < y)) \
    X(EQ, (uint32_t)(x == y))

/* Division-like binops: (id, fault when y = 0, expression). */
#define DIVIDING_BINOPS(X) \
    X(DIV, DIV_ZERO, x / y) \
    X(CDIV, DIV_ZERO, (uint32_t)(((uint64_t)x + y - 1) / y)) \
    X(MOD, MOD_ZERO, x % y)

/* Runs the bundles of every running core until none is running.  Checking
 * and observing are tested once per bundle, never per slot (only a pause
 * slot looks at checking). */
static sim_status run_loop(sim_machine *m)
{
    const int checking = m->cfg.checking;
    const sim_observer_fn observer = m->cfg.observer;
    const sim_program *p = m->prog;
    const dbundle *bundles = p->bundles;
    const dslot *slots = p->slots;
    const uint32_t nbundles = p->nbundles;
    uint32_t *mem = m->memory;
    const uint64_t mem_words = m->memory_words;
    const int ncores = m->ncores;
    sim_write sw[MAX_SCRATCH_WRITES], mw[MAX_MEMORY_WRITES];
    sim_fault_info *f = &m->fault;
    /* Handler of each op, in isa_opcode order (a label per op below; an op
     * added to isa.def without one is a compile error). */
    static const void *const dispatch[ISA_OP_COUNT] = {
#define ISA_BINOP(id, m) &&alu_##id,
#include "isa.def"
#define ISA_BINOP(id, m) &&valu_##id,
#include "isa.def"
#define ISA_OP(id, eng, m, k) &&op_##id,
#include "isa.def"
    };

    for (;;) {
        int running = 0, costly = 0;
        const int at_limit = m->cycle >= m->max_cycles;
        for (int k = 0; k < ncores; k++) {
            sim_core *core = &m->cores[k];
            if (core->state != SIM_CORE_RUNNING)
                continue;
            if (core->pc >= nbundles) {
                core->state = SIM_CORE_STOPPED;
                continue;
            }
            const uint32_t pc = (uint32_t)core->pc;
            const dbundle *db = &bundles[pc];
            int lane = -1;
            if (at_limit && db->costs) {
                f->kind = SIM_FAULT_CYCLE_LIMIT;
                f->at = (sim_where){k, pc, m->cycle, -1};
                f->lane = -1;
                f->limit = m->max_cycles;
                goto fault;
            }
            if (checking && db->check_count && run_checks(m, k, pc, db) != 0) {
                core->state = SIM_CORE_FAULTED;
                m->dead = SIM_CHECK_FAILED;
                return SIM_CHECK_FAILED;
            }

            uint32_t *const s = core->scratch;
            sim_write *w = sw, *mwp = mw;
            int64_t next_pc = (int64_t)pc + 1;
            sim_core_state next_state = SIM_CORE_RUNNING;
            int traced = 0;
            uint32_t trace_value = 0;
            const dslot *sl = &slots[db->first];
            const dslot *const end = sl + db->count;
            if (sl == end)
                goto commit;
            goto *dispatch[sl->op];

/* Each handler ends by jumping straight to the next slot's handler, so each
 * has its own indirect branch (better predicted than one shared switch). */
#define NEXT_SLOT \
            do { \
                if (++sl == end) \
                    goto commit; \
                goto *dispatch[sl->op]; \
            } while (0)
#define SCALAR_RESULT(VALUE) \
            do { \
                w->address = sl->d; \
                w->count = 1; \
                w->values[0] = (VALUE); \
                w++; \
            } while (0)
/* The lanes are computed into a local array first: it cannot alias scratch,
 * so the compiler vectorizes the lane loops. */
#define VECTOR_RESULT(LANES) \
            do { \
                memcpy(w->values, (LANES), sizeof w->values); \
                w->address = sl->d; \
                w->count = ISA_VLEN; \
                w++; \
            } while (0)
#define ALU_SAFE(ID, EXPR) \
        alu_##ID: { \
                const uint32_t x = s[sl->a], y = s[sl->b]; \
                SCALAR_RESULT(EXPR); \
                NEXT_SLOT; \
            }
            SAFE_BINOPS(ALU_SAFE)
#undef ALU_SAFE
#define ALU_DIVIDING(ID, FAULT, EXPR) \
        alu_##ID: { \
                const uint32_t x = s[sl->a], y = s[sl->b]; \
                if (y == 0) { \
                    f->kind = SIM_FAULT_##FAULT; \
                    goto slot_fault; \
                } \
                SCALAR_RESULT(EXPR); \
                NEXT_SLOT; \
            }
            DIVIDING_BINOPS(ALU_DIVIDING)
#undef ALU_DIVIDING
#define VALU_SAFE(ID, EXPR) \
        valu_##ID: { \
                const uint32_t *va = s + sl->a, *vb = s + sl->b; \
                uint32_t r[ISA_VLEN]; \
                for (int i = 0; i < ISA_VLEN; i++) { \
                    const uint32_t x = va[i], y = vb[i]; \
                    r[i] = (EXPR); \
                } \
                VECTOR_RESULT(r); \
                NEXT_SLOT; \
            }
            SAFE_BINOPS(VALU_SAFE)
#undef VALU_SAFE
#define VALU_DIVIDING(ID, FAULT, EXPR) \
        valu_##ID: { \
                const uint32_t *va = s + sl->a, *vb = s + sl->b; \
                uint32_t r[ISA_VLEN]; \
                for (int i = 0; i < ISA_VLEN; i++) { \
                    const uint32_t x = va[i], y = vb[i]; \
                    if (y == 0) { \
                        f->kind = SIM_FAULT_##FAULT; \
                        lane = i; \
                        goto slot_fault; \
                    } \
                    r[i] = (EXPR); \
                } \
                VECTOR_RESULT(r); \
                NEXT_SLOT; \
            }
            DIVIDING_BINOPS(VALU_DIVIDING)
#undef VALU_DIVIDING
        op_VBROADCAST: {
                const uint32_t v = s[sl->a];
                uint32_t r[ISA_VLEN];
                for (int i = 0; i < ISA_VLEN; i++)
                    r[i] = v;
                VECTOR_RESULT(r);
                NEXT_SLOT;
            }
        op_MULTIPLY_ADD: {
                const uint32_t *va = s + sl->a, *vb = s + sl->b, *vc = s + sl->c;
                uint32_t r[ISA_VLEN];
                for (int i = 0; i < ISA_VLEN; i++)
                    r[i] = va[i] * vb[i] + vc[i];
                VECTOR_RESULT(r);
                NEXT_SLOT;
            }
        op_LOAD:
        op_LOAD_OFFSET: {
                const uint32_t addr = s[sl->a];
                if (addr >= mem_words) {
                    f->kind = SIM_FAULT_MEMORY_READ;
                    f->address = addr;
                    goto slot_fault;
                }
                SCALAR_RESULT(mem[addr]);
                NEXT_SLOT;
            }
        op_VLOAD: {
                const uint64_t base = s[sl->a];
                if (base + ISA_VLEN > mem_words) {
                    f->kind = SIM_FAULT_MEMORY_READ;
                    f->address = base >= mem_words ? base : mem_words;
                    lane = (int)(f->address - base);
                    goto slot_fault;
                }
                VECTOR_RESULT(mem + base);
                NEXT_SLOT;
            }
        op_CONST:
            SCALAR_RESULT((uint32_t)sl->imm);
            NEXT_SLOT;
        op_STORE: {
                const uint32_t addr = s[sl->a];
                if (addr >= mem_words) {
                    f->kind = SIM_FAULT_MEMORY_WRITE;
                    f->address = addr;
                    goto slot_fault;
                }
                mwp->address = addr;
                mwp->count = 1;
                mwp->values[0] = s[sl->b];
                mwp++;
                NEXT_SLOT;
            }
        op_VSTORE: {
                const uint64_t base = s[sl->a];
                if (base + ISA_VLEN > mem_words) {
                    f->kind = SIM_FAULT_MEMORY_WRITE;
                    f->address = base >= mem_words ? base : mem_words;
                    lane = (int)(f->address - base);
                    goto slot_fault;
                }
                memcpy(mwp->values, s + sl->b, sizeof mwp->values);
                mwp->address = (uint32_t)base;
                mwp->count = ISA_VLEN;
                mwp++;
                NEXT_SLOT;
            }
        op_SELECT:
            SCALAR_RESULT(s[sl->a] ? s[sl->b] : s[sl->c]);
            NEXT_SLOT;
        op_VSELECT: {
                const uint32_t *vcond = s + sl->a, *va = s + sl->b, *vb = s + sl->c;
                uint32_t r[ISA_VLEN];
                for (int i = 0; i < ISA_VLEN; i++)
                    r[i] = vcond[i] ? va[i] : vb[i];
                VECTOR_RESULT(r);
                NEXT_SLOT;
            }
        op_ADD_IMM:
            SCALAR_RESULT(s[sl->a] + (uint32_t)sl->imm);
            NEXT_SLOT;
        op_HALT:
            next_state = SIM_CORE_STOPPED;
            NEXT_SLOT;
        op_PAUSE:
            if (checking)
                next_state = SIM_CORE_PAUSED;
            NEXT_SLOT;
        op_TRACE_WRITE:
            traced = 1;
            trace_value = s[sl->a];
            NEXT_SLOT;
        op_COND_JUMP:
        op_COND_JUMP_REL:
            if (s[sl->a] == 0)
                NEXT_SLOT;
            /* fall through */
        op_JUMP:
            if (sl->imm < 0) {
                f->kind = SIM_FAULT_NEGATIVE_PC;
                f->target = sl->imm;
                goto slot_fault;
            }
            next_pc = sl->imm;
            NEXT_SLOT;
        op_JUMP_INDIRECT:
            next_pc = s[sl->a];
            NEXT_SLOT;
        op_COREID:
            SCALAR_RESULT((uint32_t)k);
            NEXT_SLOT;
        op_COMMENT:
        op_COMPARE:
        op_VCOMPARE:
            abort();   /* debug slots are kept apart, in checks */
#undef NEXT_SLOT
#undef SCALAR_RESULT
#undef VECTOR_RESULT

        commit:
            /* Commit: scratch, then memory, then the trace buffer. */
            for (const sim_write *x = sw; x < w; x++) {
                if (x->count == 1)
                    s[x->address] = x->values[0];
                else
                    memcpy(s + x->address, x->values, sizeof x->values);
            }
            for (const sim_write *x = mw; x < mwp; x++) {
                if (x->count == 1)
                    mem[x->address] = x->values[0];
                else
                    memcpy(mem + x->address, x->values, sizeof x->values);
            }
            if (traced)
                trace_append(core, trace_value);
            core->pc = (uint64_t)next_pc;
            core->state = next_state;
            running |= next_state == SIM_CORE_RUNNING;
            costly |= db->costs;
            m->bundle_runs[pc]++;
            if (observer) {
                sim_step step = {k, pc, m->cycle, db->costs, sw, (int)(w - sw), mw,
                                 (int)(mwp - mw), traced, trace_value};
                observer(m->cfg.observer_ctx, m, &step);
            }
            continue;

        slot_fault:
            f->at = (sim_where){k, pc, m->cycle, sl->src};
            f->lane = lane;
            if (f->kind == SIM_FAULT_MEMORY_READ || f->kind == SIM_FAULT_MEMORY_WRITE)
                f->limit = mem_words;
        fault:
            core->state = SIM_CORE_FAULTED;
            m->dead = SIM_FAULT;
            return SIM_FAULT;
        }
        if (costly)
            m->cycle++;
        if (!running)
            break;
    }
    for (int k = 0; k < ncores; k++)
        if (m->cores[k].state == SIM_CORE_PAUSED)
            return SIM_PAUSED;
    return SIM_DONE;
}

sim_status sim_run(sim_machine *m)
{
    if (m->dead != SIM_DONE)
        return m->dead;
    for (int k = 0; k < m->ncores; k++)
        if (m->cores[k].state == SIM_CORE_PAUSED)
            m->cores[k].state = SIM_CORE_RUNNING;
    return run_loop(m);
}

/* ------------------------------------------------------------------------
 * Inspection
 */

uint64_t sim_cycles(const sim_machine *m)
{
    return m->cycle;
}

int sim_cores(const sim_machine *m)
{
    return m->ncores;
}

const sim_program *sim_machine_program(const sim_machine *m)
{
    return m->prog;
}

uint32_t *sim_memory(sim_machine *m, size_t *words)
{
    *words = m->memory_words;
    return m->memory;
}

const uint32_t *sim_memory_const(const sim_machine *m, size_t *words)
{
    *words = m->memory_words;
    return m->memory;
}

uint32_t *sim_scratch(sim_machine *m, int core)
{
    return m->cores[core].scratch;
}

const uint32_t *sim_scratch_const(const sim_machine *m, int core)
{
    return m->cores[core].scratch;
}

uint64_t sim_core_pc(const sim_machine *m, int core)
{
    return m->cores[core].pc;
}

sim_core_state sim_core_state_of(const sim_machine *m, int core)
{
    return m->cores[core].state;
}

const uint32_t *sim_core_trace(const sim_machine *m, int core, size_t *count)
{
    *count = m->cores[core].trace_len;
    return m->cores[core].trace;
}

const sim_fault_info *sim_fault(const sim_machine *m)
{
    return &m->fault;
}

const sim_check_info *sim_check(const sim_machine *m)
{
    return &m->check;
}

void sim_engine_slots(const sim_machine *m, uint64_t out[ISA_ENGINE_COUNT])
{
    for (int e = 0; e < ISA_ENGINE_COUNT; e++)
        out[e] = 0;
    for (uint32_t b = 0; b < m->prog->nbundles; b++)
        if (m->bundle_runs[b])
            for (int e = 0; e < ISA_ENGINE_COUNT; e++)
                out[e] += m->bundle_runs[b] * m->prog->engine_slots[b][e];
}

uint64_t sim_bundles_executed(const sim_machine *m)
{
    uint64_t n = 0;
    for (uint32_t b = 0; b < m->prog->nbundles; b++)
        n += m->bundle_runs[b];
    return n;
}

/* ------------------------------------------------------------------------
 * Messages
 */

static void put_slot(text_buf *o, const vimage *img, uint32_t index)
{
    const isa_slot *s = &img->slots[index];
    const char *comment = s->op == ISA_OP_COMMENT ? img_string(img, (uint32_t)s->arg[0]) : NULL;
    size_t room = o->len < o->size ? o->size - o->len : 0;
    o->len += isa_format_slot(room ? o->buf + o->len : NULL, room, s, comment);
}

size_t sim_format_slot(const sim_program *p, uint32_t bundle, int slot, char *buf, size_t size)
{
    text_buf o = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    const vimage *img = p->img;
    if (bundle >= img->nbundles)
        return 0;
    uint32_t first = img->bundle_start[bundle], end = img->bundle_start[bundle + 1];
    if (slot >= 0) {
        if (first + (uint32_t)slot < end)
            put_slot(&o, img, first + (uint32_t)slot);
    } else if (end == first) {
        text_put(&o, "nop");
    } else if (end - first == 1) {
        put_slot(&o, img, first);
    } else {
        text_put(&o, "< ");
        for (uint32_t i = first; i < end; i++) {
            if (i > first)
                text_put(&o, " ; ");
            put_slot(&o, img, i);
        }
        text_put(&o, " >");
    }
    return o.len;
}

size_t sim_format_source(const sim_program *p, uint32_t bundle, int slot, char *buf, size_t size)
{
    return img_format_source(p->img, bundle, slot, buf, size);
}

/* " on core K at pc P, cycle C: SLOT (file:line)" */
static void put_where(text_buf *o, const sim_program *p, const sim_where *at)
{
    char slot[512], source[300];
    sim_format_slot(p, at->pc, at->slot, slot, sizeof slot);
    sim_format_source(p, at->pc, at->slot, source, sizeof source);
    text_put(o, " on core %d at pc %u, cycle %llu: %s", at->core, at->pc,
        (unsigned long long)at->cycle, slot);
    if (*source)
        text_put(o, " (%s)", source);
}

size_t sim_format_error(const sim_machine *m, char *buf, size_t size)
{
    text_buf o = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    if (m->dead == SIM_FAULT) {
        const sim_fault_info *f = &m->fault;
        text_put(&o, "%s", sim_fault_text(f->kind));
        switch (f->kind) {
        case SIM_FAULT_MEMORY_READ:
        case SIM_FAULT_MEMORY_WRITE:
            text_put(&o, " (");
            if (f->lane >= 0)
                text_put(&o, "lane %d: ", f->lane);
            text_put(&o, "address %llu, memory has %llu words)", (unsigned long long)f->address,
                (unsigned long long)f->limit);
            break;
        case SIM_FAULT_DIV_ZERO:
        case SIM_FAULT_MOD_ZERO:
            if (f->lane >= 0)
                text_put(&o, " (lane %d)", f->lane);
            break;
        case SIM_FAULT_NEGATIVE_PC:
            text_put(&o, " (target %lld)", (long long)f->target);
            break;
        case SIM_FAULT_CYCLE_LIMIT:
            text_put(&o, " (limit %llu cycles)", (unsigned long long)f->limit);
            break;
        case SIM_FAULT_NONE:
        case SIM_FAULT_COUNT:
            break;
        }
        put_where(&o, m->prog, &f->at);
    } else if (m->dead == SIM_CHECK_FAILED) {
        const sim_check_info *c = &m->check;
        text_put(&o, "debug %s", c->missing ? "compare has no reference value" : "compare mismatch");
        put_where(&o, m->prog, &c->at);
        text_put(&o, ": ");
        if (c->lane >= 0)
            text_put(&o, "lane %d: ", c->lane);
        text_put(&o, "round %u, item %u, %s", c->round, c->item, isa_trace_key_names[c->key]);
        if (isa_trace_key_takes_stage[c->key])
            text_put(&o, " %u", c->stage);
        if (c->missing)
            text_put(&o, ": not in the reference trace");
        else
            text_put(&o, ": expected %u, got %u", c->expected, c->actual);
    }
    return o.len;
}

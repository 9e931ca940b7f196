/* machine: programs, the run loop and messages (see machine.h). */
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

/* The machine runs the image's CODE as encoded (image.h): per bundle a
 * u32 slot count, then 24-byte slots (u8 op, u8 negative-operand mask,
 * u16 zero, u32 operands).  The image was checked once when it was read,
 * so every op is known and every scratch operand in range. */
#define SLOT_BYTES IMG_SLOT_BYTES
#define ARG(sl, a) img_le32((sl) + 4 + 4 * (a))

/* Engine of each op, for the slot counts. */
static const uint8_t engine_of[ISA_OP_COUNT] = {
#define ISA_BINOP(id, m) ISA_ENG_ALU,
#include "isa.def"
#define ISA_BINOP(id, m) ISA_ENG_VALU,
#include "isa.def"
#define ISA_OP(id, eng, m, k, mem, fx, lanes) ISA_ENG_##eng,
#include "isa.def"
};

struct sim_program {
    const vimage *img;       /* what it was built from, or NULL */
    img_view own;            /* the encoding of img (sim_program_new) */
    const img_view *view;    /* the code it runs: &own or the caller's */
};

typedef struct {
    uint32_t scratch[ISA_SCRATCH_WORDS];
    uint64_t pc;         /* a jump may leave it anywhere up to 2^33 */
    uint32_t at;         /* offset in the code of bundle pc, when pc < nbundles */
    sim_core_state state;
    uint32_t *trace;
    size_t trace_len, trace_cap;
} sim_core;

/* Bundle offsets of recent jump targets: the view's index finds a bundle
 * within IMG_INDEX_STRIDE steps, a loop's jump finds it here at once. */
#define JUMP_CACHE 256

struct sim_machine {
    const sim_program *prog;
    sim_config cfg;
    uint64_t max_cycles;     /* UINT64_MAX when there is no limit */
    uint64_t cycle;
    uint32_t *memory;
    size_t memory_words;
    uint64_t engine_used[ISA_ENGINE_COUNT];   /* slots of bundles executed, all cores */
    uint64_t bundles_run;
    struct { uint32_t pc, at; } jumps[JUMP_CACHE];
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

sim_program *sim_program_new(const vimage *img, char *why, size_t why_size)
{
    if (!img) {
        say(why, why_size, "no image");
        return NULL;
    }
    if (img->nslots && !img->slots) {
        say(why, why_size, "image has no code arrays");
        return NULL;
    }
    sim_program *p = xcalloc(1, sizeof *p);
    img_status st;
    if (img_view_encode(&p->own, img, &st) != 0) {
        say(why, why_size, "%s", st.detail);
        free(p);
        return NULL;
    }
    p->img = img;
    p->view = &p->own;
    return p;
}

sim_program *sim_program_view(const img_view *v, const vimage *img)
{
    sim_program *p = xcalloc(1, sizeof *p);
    p->img = img;
    p->view = v;
    return p;
}

void sim_program_free(sim_program *p)
{
    if (!p)
        return;
    img_view_close(&p->own);
    free(p);
}

uint32_t sim_program_bundles(const sim_program *p)
{
    return p->view->nbundles;
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
    for (int j = 0; j < JUMP_CACHE; j++)
        m->jumps[j].pc = UINT32_MAX;
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

/* Evaluates a bundle's debug compares against the reference; 0 if all
 * hold. */
static int run_checks(sim_machine *m, int k, uint32_t pc, const uint8_t *bundle)
{
    const uint32_t *s = m->cores[k].scratch;
    uint32_t n = img_le32(bundle);
    const uint8_t *sl = bundle + 4;
    for (uint32_t i = 0; i < n; i++, sl += SLOT_BYTES) {
        if (sl[0] != ISA_OP_COMPARE && sl[0] != ISA_OP_VCOMPARE)
            continue;
        int lanes = sl[0] == ISA_OP_VCOMPARE ? ISA_VLEN : 1;
        uint32_t a = ARG(sl, 0), round = ARG(sl, 1), stage = ARG(sl, 4);
        isa_trace_key key = (isa_trace_key)ARG(sl, 3);
        for (int l = 0; l < lanes; l++) {
            uint64_t item = (uint64_t)ARG(sl, 2) + (uint64_t)l;
            uint32_t expected = 0, actual = s[a + l];
            int missing = item > UINT32_MAX ||
                          m->cfg.lookup(m->cfg.lookup_ctx, round, (uint32_t)item, key, stage,
                                        &expected) != 0;
            if (missing || expected != actual) {
                sim_check_info *ci = &m->check;
                ci->at = (sim_where){k, pc, m->cycle, (int)i};
                ci->lane = lanes > 1 ? l : -1;
                ci->round = round;
                ci->item = (uint32_t)item;
                ci->key = key;
                ci->stage = stage;
                ci->missing = missing;
                ci->expected = expected;
                ci->actual = actual;
                return -1;
            }
        }
    }
    return 0;
}

/* Whether a bundle costs a cycle: it has a non-debug slot, or is nop. */
static int bundle_costs(const uint8_t *bundle)
{
    uint32_t n = img_le32(bundle);
    for (uint32_t i = 0; i < n; i++)
        if (engine_of[bundle[4 + SLOT_BYTES * i]] != ISA_ENG_DEBUG)
            return 1;
    return n == 0;
}

/* Offset in the code of bundle pc (< nbundles), the jump cache first. */
static uint32_t bundle_at(sim_machine *m, uint32_t pc)
{
    unsigned j = pc % JUMP_CACHE;
    if (m->jumps[j].pc != pc) {
        m->jumps[j].pc = pc;
        m->jumps[j].at = img_view_bundle(m->prog->view, pc);
    }
    return m->jumps[j].at;
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
    const img_view *v = m->prog->view;
    const uint8_t *const code = v->code;
    const uint32_t nbundles = v->nbundles;
    uint32_t *mem = m->memory;
    const uint64_t mem_words = m->memory_words;
    const int ncores = m->ncores;
    sim_write sw[MAX_SCRATCH_WRITES], mw[MAX_MEMORY_WRITES];
    sim_fault_info *f = &m->fault;
    uint64_t *const used = m->engine_used;
#define STEP_LEAVE() ((void)0)
#define CYCLE m->cycle
#define WRITE_AT_ONCE 0

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
            const uint8_t *const bundle = code + core->at;
            const uint32_t n = img_le32(bundle);
#include "machine_step.inc"
            core->pc = (uint64_t)next_pc;
            if (next_pc == (int64_t)pc + 1)
                core->at += 4 + SLOT_BYTES * n;
            else if (core->pc < nbundles)
                core->at = bundle_at(m, (uint32_t)next_pc);
            core->state = next_state;
            running |= next_state == SIM_CORE_RUNNING;
            costly |= costs;
            m->bundles_run++;
            if (observer) {
                sim_step step = {k, pc, m->cycle, costs, sw, (int)(w - sw), mw,
                                 (int)(mwp - mw), traced, trace_value};
                observer(m->cfg.observer_ctx, m, &step);
            }
        }
        if (costly)
            m->cycle++;
        if (!running)
            break;
    }
#undef STEP_LEAVE
#undef CYCLE
#undef WRITE_AT_ONCE
    for (int k = 0; k < ncores; k++)
        if (m->cores[k].state == SIM_CORE_PAUSED)
            return SIM_PAUSED;
    return SIM_DONE;
}

/* run_loop for the common case of one core, no observer, no checking: a
 * cycle is a bundle, and the core's pc, its bundle's offset, the cycle
 * and the bundle count live in registers until the run stops. */
static sim_status run_alone(sim_machine *m)
{
    const int checking = 0, k = 0;
    const img_view *v = m->prog->view;
    const uint8_t *const code = v->code;
    const uint32_t nbundles = v->nbundles;
    uint32_t *mem = m->memory;
    const uint64_t mem_words = m->memory_words, max_cycles = m->max_cycles;
    sim_write sw[MAX_SCRATCH_WRITES], mw[MAX_MEMORY_WRITES];
    sim_fault_info *f = &m->fault;
    uint64_t *const used = m->engine_used;
    sim_core *const core = &m->cores[0];
    if (core->state != SIM_CORE_RUNNING)
        return SIM_DONE;
    uint64_t next = core->pc, cycle = m->cycle, bundles = m->bundles_run;
    uint32_t at = core->at;
#define STEP_LEAVE() (core->pc = pc, core->at = at, m->cycle = cycle, m->bundles_run = bundles)
#define CYCLE cycle
#define WRITE_AT_ONCE (n == 1)

    while (next < nbundles) {
        const uint32_t pc = (uint32_t)next;
        const uint8_t *const bundle = code + at;
        const uint32_t n = img_le32(bundle);
        const int at_limit = cycle >= max_cycles;
#include "machine_step.inc"
        (void)w;
        (void)mwp;
        next = (uint64_t)next_pc;
        /* As a predicted branch for the common single slot, the next
         * bundle's address does not wait for this one's count. */
        if (next_pc == (int64_t)pc + 1)
            at += __builtin_expect(n == 1, 1) ? 4 + SLOT_BYTES : 4 + SLOT_BYTES * n;
        else if (next < nbundles)
            at = bundle_at(m, (uint32_t)next);
        cycle += (uint64_t)costs;
        bundles++;
        if (next_state != SIM_CORE_RUNNING) {
            core->state = next_state;
            break;
        }
    }
#undef STEP_LEAVE
#undef CYCLE
#undef WRITE_AT_ONCE
    core->pc = next;
    core->at = at;
    m->cycle = cycle;
    m->bundles_run = bundles;
    if (core->state == SIM_CORE_RUNNING)
        core->state = SIM_CORE_STOPPED;
    return SIM_DONE;
}

sim_status sim_run(sim_machine *m)
{
    if (m->dead != SIM_DONE)
        return m->dead;
    for (int k = 0; k < m->ncores; k++)
        if (m->cores[k].state == SIM_CORE_PAUSED)
            m->cores[k].state = SIM_CORE_RUNNING;
    if (m->ncores == 1 && !m->cfg.observer && !m->cfg.checking)
        return run_alone(m);
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
        out[e] = m->engine_used[e];
}

uint64_t sim_bundles_executed(const sim_machine *m)
{
    return m->bundles_run;
}

/* ------------------------------------------------------------------------
 * Messages
 */

static void put_slot(text_buf *o, const img_view *v, const uint8_t *p)
{
    isa_slot s;
    img_slot_decode(p, &s);
    const char *comment = s.op == ISA_OP_COMMENT ? v->strings + s.arg[0] : NULL;
    size_t room = o->len < o->size ? o->size - o->len : 0;
    o->len += isa_format_slot(room ? o->buf + o->len : NULL, room, &s, comment);
}

size_t sim_format_slot(const sim_program *p, uint32_t bundle, int slot, char *buf, size_t size)
{
    text_buf o = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    const img_view *v = p->view;
    if (bundle >= v->nbundles)
        return 0;
    const uint8_t *at = v->code + img_view_bundle(v, bundle);
    uint32_t n = img_le32(at);
    const uint8_t *first = at + 4;
    if (slot >= 0) {
        if ((uint32_t)slot < n)
            put_slot(&o, v, first + SLOT_BYTES * (size_t)slot);
    } else if (n == 0) {
        text_put(&o, "nop");
    } else if (n == 1) {
        put_slot(&o, v, first);
    } else {
        text_put(&o, "< ");
        for (uint32_t i = 0; i < n; i++) {
            if (i > 0)
                text_put(&o, " ; ");
            put_slot(&o, v, first + SLOT_BYTES * (size_t)i);
        }
        text_put(&o, " >");
    }
    return o.len;
}

size_t sim_format_source(const sim_program *p, uint32_t bundle, int slot, char *buf, size_t size)
{
    return img_view_format_source(p->view, bundle, slot, buf, size);
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

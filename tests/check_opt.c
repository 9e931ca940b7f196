/*
 * The optimizer of linear assembly (asm/opt.c, asm/opt_sched.c and the
 * region handling of expand, bind and layout), end to end: source text is
 * assembled in memory at -O0, -O1 and -O2, linked with the linker library
 * and run on the machine library.
 *
 * The reference meaning of a region is the same slots written as plain
 * one-slot bundles with its temporaries declared as ordinary scratch
 * (.word / .vec), which the assembler has always handled: every level
 * must end with that program's memory and named scratch, and -O1 / -O2
 * may not take more cycles than -O0.  Expected values in the directed
 * cases come from ISA.md's rules, worked out in the comments.
 */
#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "image.h"
#include "isa.h"
#include "link.h"
#include "machine.h"
#include "source.h"

/* ---- building and running ----------------------------------------------------- */

/* Assembles src at -O<level> and links it (stripped when asked); the
 * messages of both go to *messages (when not NULL), the object's -S
 * source to *source (when not NULL).  NULL when either failed. */
static vimage *build_with(const char *src, int level, int strip, char **messages, char **source)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    diag *d = diag_new(f, "test");
    asm_options opt;
    asm_options_init(&opt);
    opt.opt_level = level;
    vimage *obj = asm_assemble_text("t.vasm", src, strlen(src), &opt, d);
    vimage *exe = NULL;
    if (obj) {
        lnk_input in = {obj, "t.vasm"};
        lnk_options lo = {NULL, strip};
        exe = lnk_link(&in, 1, &lo, d);
        if (source) {
            size_t n;
            FILE *sf = open_memstream(source, &n);
            ck_assert_int_eq(asm_print_source(sf, obj), 0);
            fclose(sf);
        }
        img_free(obj);
    }
    diag_free(d);
    fclose(f);
    if (messages)
        *messages = buf;
    else
        free(buf);
    return exe;
}

static vimage *build(const char *src, int level, char **messages)
{
    return build_with(src, level, 0, messages, NULL);
}

/* Whether two images encode to the same bytes. */
static int same_image(const vimage *x, const vimage *y)
{
    uint8_t *bx, *by;
    size_t nx, ny;
    ck_assert_int_eq(img_encode(x, &bx, &nx), 0);
    ck_assert_int_eq(img_encode(y, &by, &ny), 0);
    int same = nx == ny && memcmp(bx, by, nx) == 0;
    free(bx);
    free(by);
    return same;
}

typedef struct {
    vimage *exe;
    sim_program *prog;
    sim_machine *mach;
    sim_status status;
    char why[512];
} outcome;

/* Runs exe on one core over a copy of mem; status SIM_DONE when it ran
 * to the end, else why says what stopped it. */
static void run_image(outcome *o, vimage *exe, const uint32_t *mem, size_t words)
{
    memset(o, 0, sizeof *o);
    o->exe = exe;
    o->status = SIM_FAULT;
    o->prog = sim_program_new(exe, o->why, sizeof o->why);
    if (!o->prog)
        return;
    sim_config cfg = SIM_CONFIG_DEFAULT;
    cfg.max_cycles = 100000;
    o->mach = sim_new(o->prog, &cfg, mem, words, o->why, sizeof o->why);
    if (!o->mach)
        return;
    o->status = sim_run(o->mach);
    if (o->status != SIM_DONE)
        sim_format_error(o->mach, o->why, sizeof o->why);
}

static void outcome_free(outcome *o)
{
    sim_free(o->mach);
    sim_program_free(o->prog);
    img_free(o->exe);
    memset(o, 0, sizeof *o);
}

static const img_symbol *find_symbol(const vimage *img, const char *name)
{
    for (uint32_t i = 0; i < img->nsymbols; i++)
        if (strcmp(img_string(img, img->symbols[i].name), name) == 0)
            return &img->symbols[i];
    return NULL;
}

/* The scratch address of a named scratch symbol of the image. */
static uint32_t address_of(const vimage *img, const char *name)
{
    const img_symbol *s = find_symbol(img, name);
    ck_assert_msg(s != NULL && s->kind == IMG_SYM_SCRATCH, "no scratch symbol %s", name);
    return s->value;
}

/* Words of the temporaries' pool (0 when the module has none). */
static uint32_t pool_words(const vimage *img)
{
    const img_symbol *s = find_symbol(img, "_temps");
    return s ? s->size : 0;
}

/* Memory of the directed cases: word i holds 1000 + i. */
#define MEM_WORDS 64
static uint32_t test_memory[MEM_WORDS];

static void fill_test_memory(void)
{
    for (uint32_t i = 0; i < MEM_WORDS; i++)
        test_memory[i] = 1000 + i;
}

/* Assembles at the level, runs, and insists that both worked. */
static void run_ok(outcome *o, const char *src, int level)
{
    char *messages;
    vimage *exe = build(src, level, &messages);
    ck_assert_msg(exe != NULL, "-O%d did not assemble:\n%s\n%s", level, messages, src);
    free(messages);
    fill_test_memory();
    run_image(o, exe, test_memory, MEM_WORDS);
    ck_assert_msg(o->status == SIM_DONE, "-O%d: %s", level, o->why);
}

static uint32_t scratch_word(const outcome *o, const char *name, uint32_t offset)
{
    return sim_scratch_const(o->mach, 0)[address_of(o->exe, name) + offset];
}

static uint32_t memory_word(const outcome *o, uint32_t addr)
{
    size_t words;
    const uint32_t *m = sim_memory_const(o->mach, &words);
    ck_assert_uint_lt(addr, words);
    return m[addr];
}

/* A word the directed cases expect after the run: word `offset` of the
 * scratch variable `name`, or memory word `offset` when name is MEMORY. */
typedef struct {
    const char *name;
    uint32_t offset, value;
} expected;

static const char MEMORY[] = "memory";
#define EXPECT(...) ((const expected[]){__VA_ARGS__, {NULL, 0, 0}})

/* Runs src at -O0, -O1 and -O2: every expected word must hold its value. */
static void expect_at_every_level(const char *src, const expected *want)
{
    for (int level = 0; level <= 2; level++) {
        outcome o;
        run_ok(&o, src, level);
        for (const expected *e = want; e->name; e++) {
            uint32_t got = e->name == MEMORY ? memory_word(&o, e->offset) : scratch_word(&o, e->name, e->offset);
            ck_assert_msg(got == e->value, "-O%d: %s+%u = %u, want %u", level, e->name, e->offset, got, e->value);
        }
        outcome_free(&o);
    }
}

/* The bundle that holds the first slot whose op is `op` and whose first
 * operand is `arg0` (a resolved scratch address or value). */
static uint32_t bundle_of(const vimage *img, int op, int64_t arg0)
{
    for (uint32_t b = 0; b < img->nbundles; b++)
        for (uint32_t k = img->bundle_start[b]; k < img->bundle_start[b + 1]; k++)
            if (img->slots[k].op == op && img->slots[k].arg[0] == arg0)
                return b;
    ck_abort_msg("no slot of op %d with first operand %lld", op, (long long)arg0);
    return 0;
}

static int op_of(const char *engine, const char *mnemonic)
{
    int op = isa_find_op((isa_engine)isa_find_engine(engine), mnemonic);
    ck_assert_int_ge(op, 0);
    return op;
}

/* ---- random straight-line programs ---------------------------------------------- */

/*
 * A program: named scratch set up by plain bundles, then a region of
 * random slots over every op that is not control flow, then halt.  It is
 * written twice: as linear assembly (.linear, temporaries, placements)
 * and as the reference (the same slots as plain bundles, the temporaries
 * as .word / .vec).
 *
 *   V[4]  data vectors (vload from memory)     W[6]  data words
 *   Dv    divisors: nonzero, never written     A[8]  load addresses, never written
 *   S[16] noalias store addresses: 8-word blocks of their own, each used once
 *   K[29] sinks, see below
 *   temporaries: x0, x1, xa[3] (.temp); t0, ta[2] (.vtemp)
 *
 * Without noalias, A's addresses overlap and loads and stores use them
 * all, so memory order matters.  With noalias, loads read [0, 64) and each
 * store writes its own block of [64, 192): no two accesses of the region
 * touch one word unless both are loads.
 *
 * A temporary word is only read after some slot wrote it.  When an element
 * of a temporary is written after its last read, slots at the end of the
 * region copy its words into sinks K+w, so the values it holds at the end
 * are read and compared.
 */

#define MEMORY_WORDS 192
#define NTEMP_WORDS 29   /* x0, x1, xa[3], t0 (8), ta[2] (16) */
#define NELEMS 8         /* x0, x1, xa[0..2], t0, ta[0], ta[1] */

typedef struct {
    uint64_t state;
} rng;

static uint32_t rnd(rng *r)
{
    r->state ^= r->state >> 12;
    r->state ^= r->state << 25;
    r->state ^= r->state >> 27;
    return (uint32_t)((r->state * 0x2545F4914F6CDD1Dull) >> 32);
}

static uint32_t below(rng *r, uint32_t n)
{
    return rnd(r) % n;
}

/* A value: small ones often, so that shifts, comparisons and selects see
 * both outcomes. */
static uint32_t value(rng *r)
{
    switch (below(r, 4)) {
    case 0: return below(r, 8);
    case 1: return below(r, 40);
    case 2: return 0xFFFFFFFFu - below(r, 4);
    default: return rnd(r);
    }
}

typedef struct {
    rng r;
    int noalias;
    char *lin, *ref;               /* the two texts */
    size_t lin_size, ref_size;
    FILE *lf, *rf;
    uint32_t slot;                 /* slots written so far */
    uint8_t written[NTEMP_WORDS];
    int32_t last_read[NELEMS], last_write[NELEMS];
    uint32_t writes[NELEMS];
    uint32_t next_store;           /* noalias: next unused S block */
} gen;

/* Word w of the temporaries: its element and its text. */
static int temp_elem(uint32_t w)
{
    return w < 5 ? (int)w : 5 + (int)(w - 5) / ISA_VLEN;
}

static void temp_text(uint32_t w, char *buf, size_t size)
{
    static const char *scalars[] = {"x0", "x1", "xa[0]", "xa[1]", "xa[2]"};
    if (w < 5)
        snprintf(buf, size, "%s", scalars[w]);
    else if (w < 13)
        snprintf(buf, size, "t0+%u", w - 5);
    else
        snprintf(buf, size, "ta[%u]+%u", (w - 13) / ISA_VLEN, (w - 13) % ISA_VLEN);
}

static void temp_read(gen *g, uint32_t w)
{
    g->last_read[temp_elem(w)] = (int32_t)g->slot;
}

static void temp_write(gen *g, uint32_t w)
{
    int e = temp_elem(w);
    g->written[w] = 1;
    g->last_write[e] = (int32_t)g->slot;
    g->writes[e]++;
}

/* Operands.  Sources are picked (and their reads recorded) before the
 * destination, so a slot reads a temporary only when an earlier slot
 * wrote it. */
typedef struct {
    char text[24];
    int32_t temp;                  /* first temporary word, or -1 */
    uint32_t count;
    int space;                     /* SPACE_V: word is of V; SPACE_TEMP: of the temporaries */
    int32_t word;
} operand;

enum { SPACE_OTHER, SPACE_V, SPACE_TEMP };

static void located(operand *o, int space, int32_t word, uint32_t count)
{
    o->space = space;
    o->word = word;
    o->count = count;
    o->temp = space == SPACE_TEMP ? word : -1;
}

static void scalar_src(gen *g, operand *o)
{
    located(o, SPACE_OTHER, 0, 1);
    if (below(&g->r, 3) == 0) {
        uint32_t w = below(&g->r, NTEMP_WORDS);
        for (uint32_t k = 0; k < NTEMP_WORDS; k++, w = (w + 1) % NTEMP_WORDS)
            if (g->written[w]) {
                temp_text(w, o->text, sizeof o->text);
                temp_read(g, w);
                located(o, SPACE_TEMP, (int32_t)w, 1);
                return;
            }
    }
    uint32_t k = below(&g->r, 4), i = below(&g->r, 8);
    switch (below(&g->r, 4)) {
    case 0: snprintf(o->text, sizeof o->text, "W+%u", below(&g->r, 6)); break;
    case 1:
        snprintf(o->text, sizeof o->text, "V[%u]+%u", k, i);
        located(o, SPACE_V, (int32_t)(8 * k + i), 1);
        break;
    case 2: snprintf(o->text, sizeof o->text, "A+%u", below(&g->r, 8)); break;
    default: snprintf(o->text, sizeof o->text, "Dv+%u", below(&g->r, 8)); break;
    }
}

static void scalar_dst(gen *g, operand *o)
{
    located(o, SPACE_OTHER, 0, 1);
    if (below(&g->r, 2) == 0) {
        uint32_t w = below(&g->r, NTEMP_WORDS);
        temp_text(w, o->text, sizeof o->text);
        located(o, SPACE_TEMP, (int32_t)w, 1);
        return;
    }
    if (below(&g->r, 2))
        snprintf(o->text, sizeof o->text, "W+%u", below(&g->r, 6));
    else
        snprintf(o->text, sizeof o->text, "V[%u]+%u", below(&g->r, 4), below(&g->r, 8));
}

/* A vector of the temporaries starting at word w: t0, ta[0], ta[1], or
 * ta[0]+k (across both elements of ta: the array is then placed whole). */
static int temp_vector(gen *g, operand *o, int need_written)
{
    uint32_t starts[4] = {5, 13, 21, 13 + 1 + below(&g->r, 7)};
    uint32_t w = starts[below(&g->r, 4)];
    for (uint32_t k = 0; k < ISA_VLEN; k++)
        if (need_written && !g->written[w + k])
            return 0;
    if (w == 5)
        snprintf(o->text, sizeof o->text, "t0");
    else if ((w - 13) % ISA_VLEN == 0)
        snprintf(o->text, sizeof o->text, "ta[%u]", (w - 13) / ISA_VLEN);
    else
        snprintf(o->text, sizeof o->text, "ta[0]+%u", w - 13);
    located(o, SPACE_TEMP, (int32_t)w, ISA_VLEN);
    return 1;
}

static void named_vector(gen *g, operand *o, int dest)
{
    located(o, SPACE_OTHER, 0, ISA_VLEN);
    uint32_t k = below(&g->r, 4), off = 0;
    if (!dest && below(&g->r, 5) == 0) {
        snprintf(o->text, sizeof o->text, "Dv");
        return;
    }
    if (k < 3 && below(&g->r, 3) == 0) {   /* across two vectors: partial overlaps */
        off = 1 + below(&g->r, 7);
        snprintf(o->text, sizeof o->text, "V[%u]+%u", k, off);
    } else {
        snprintf(o->text, sizeof o->text, "V[%u]", k);
    }
    located(o, SPACE_V, (int32_t)(8 * k + off), ISA_VLEN);
}

static void vector_src(gen *g, operand *o)
{
    if (below(&g->r, 2) == 0 && temp_vector(g, o, 1)) {
        for (uint32_t k = 0; k < ISA_VLEN; k++)
            temp_read(g, (uint32_t)o->temp + k);
        return;
    }
    named_vector(g, o, 0);
}

static void vector_dst(gen *g, operand *o)
{
    if (below(&g->r, 2) == 0 && temp_vector(g, o, 0))
        return;
    named_vector(g, o, 1);
}

/* Records the destination's writes once the slot's reads are done. */
static void wrote(gen *g, const operand *d)
{
    if (d->temp >= 0)
        for (uint32_t k = 0; k < d->count; k++)
            temp_write(g, (uint32_t)d->temp + k);
}

/* One slot: "engine[@place] rest" in the linear text, "engine rest" in
 * the reference. */
static void emit(gen *g, const char *engine, const char *place, const char *fmt, ...)
{
    char rest[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rest, sizeof rest, fmt, ap);
    va_end(ap);
    fprintf(g->lf, "    %s%s %s\n", engine, place, rest);
    fprintf(g->rf, "%s %s\n", engine, rest);
    g->slot++;
}

static const char *const binops[] = {"+", "-", "*", "//", "cdiv", "^", "&", "|", "<<", ">>", "%", "<", "=="};

static int is_division(const char *op)
{
    return !strcmp(op, "//") || !strcmp(op, "cdiv") || !strcmp(op, "%");
}

/* valu placement: mostly the optimizer's choice, now and then forced (an
 * op whose lanes cross stays whole whatever it says). */
static const char *placement(gen *g, int may_split)
{
    switch (below(&g->r, 8)) {
    case 0: return may_split ? "@alu" : "@valu";
    case 1: return "@valu";
    default: return "";
    }
}

/* A store address: without noalias any of A; with it, a block never used. */
static int store_address(gen *g, char *buf, size_t size)
{
    if (!g->noalias) {
        snprintf(buf, size, "A+%u", below(&g->r, 8));
        return 1;
    }
    if (g->next_store >= 16)
        return 0;
    snprintf(buf, size, "S+%u", g->next_store++);
    return 1;
}

static void gen_slot(gen *g)
{
    operand d, a, b, c;
    char addr[16];
    const char *op = binops[below(&g->r, 13)];
    switch (below(&g->r, 17)) {
    case 0:
    case 1:
        scalar_src(g, &a);
        if (is_division(op))
            snprintf(b.text, sizeof b.text, "Dv+%u", below(&g->r, 8));
        else
            scalar_src(g, &b);
        scalar_dst(g, &d);
        emit(g, "alu", "", "%s %s, %s, %s", op, d.text, a.text, b.text);
        break;
    case 2:
    case 3:
    case 4:
        vector_src(g, &a);
        if (is_division(op))
            snprintf(b.text, sizeof b.text, "Dv");
        else
            vector_src(g, &b);
        vector_dst(g, &d);
        emit(g, "valu", placement(g, 1),
             "%s %s, %s, %s", op, d.text, a.text, b.text);
        break;
    case 5:
        scalar_src(g, &a);
        vector_dst(g, &d);
        emit(g, "valu", placement(g, 1), "vbroadcast %s, %s", d.text,
             a.text);
        break;
    case 6:
        vector_src(g, &a);
        vector_src(g, &b);
        vector_src(g, &c);
        vector_dst(g, &d);
        emit(g, "valu", placement(g, 0), "multiply_add %s, %s, %s, %s", d.text, a.text, b.text, c.text);
        break;
    case 7:
        scalar_dst(g, &d);
        emit(g, "load", "", "load %s, A+%u", d.text, below(&g->r, 8));
        break;
    case 8: {
        /* s[dest+off] = m[s[A+off]]: dest is a vector, word off written */
        uint32_t off = below(&g->r, 8);
        if (below(&g->r, 2) && temp_vector(g, &d, 0) && (d.temp == 5 || (d.temp - 13) % ISA_VLEN == 0)) {
            d.temp += (int32_t)off;
            d.count = 1;
        } else {
            named_vector(g, &d, 1);
            if (strchr(d.text, '+'))
                snprintf(d.text, sizeof d.text, "V[%u]", below(&g->r, 4));
            d.temp = -1;
        }
        emit(g, "load", "", "load_offset %s, A, %u", d.text, off);
        break;
    }
    case 9:
        vector_dst(g, &d);
        emit(g, "load", "", "vload %s, A+%u", d.text, below(&g->r, 8));
        break;
    case 10: {
        scalar_dst(g, &d);
        int32_t imm = below(&g->r, 2) ? (int32_t)value(&g->r) : -(int32_t)below(&g->r, 100);
        emit(g, "load", "", "const %s, %d", d.text, imm);
        break;
    }
    case 11:
        if (!store_address(g, addr, sizeof addr))
            return;
        scalar_src(g, &a);
        emit(g, "store", "", "store %s, %s", addr, a.text);
        return;
    case 12:
        if (!store_address(g, addr, sizeof addr))
            return;
        vector_src(g, &a);
        emit(g, "store", "", "vstore %s, %s", addr, a.text);
        return;
    case 13:
        scalar_src(g, &c);
        scalar_src(g, &a);
        scalar_src(g, &b);
        scalar_dst(g, &d);
        emit(g, "flow", "", "select %s, %s, %s, %s", d.text, c.text, a.text, b.text);
        break;
    case 14:
        vector_src(g, &c);
        vector_src(g, &a);
        vector_src(g, &b);
        vector_dst(g, &d);
        emit(g, "flow", "", "vselect %s, %s, %s, %s", d.text, c.text, a.text, b.text);
        break;
    case 15:
        if (below(&g->r, 2)) {
            scalar_src(g, &a);
            scalar_dst(g, &d);
            emit(g, "flow", "", "add_imm %s, %s, %d", d.text, a.text, (int)below(&g->r, 2000) - 1000);
        } else {
            scalar_dst(g, &d);
            emit(g, "flow", "", "coreid %s", d.text);
        }
        break;
    default:
        emit(g, "debug", "", "comment \"slot %u\"", g->slot);
        return;
    }
    wrote(g, &d);
}

/* Copies every word of an element written after the element's last read
 * (or written more than once and never read) into its sink; every word,
 * since dependences are per word: a copy of one word could be scheduled
 * before a late write to another. */
static void gen_epilogue(gen *g)
{
    for (int e = 0; e < NELEMS; e++) {
        if (!g->writes[e] || (g->last_write[e] < g->last_read[e]) || (g->last_read[e] < 0 && g->writes[e] == 1))
            continue;
        for (uint32_t w = 0; w < NTEMP_WORDS; w++)
            if (temp_elem(w) == e && g->written[w]) {
                char t[24];
                temp_text(w, t, sizeof t);
                emit(g, "alu", "", "| K+%u, %s, %s", w, t, t);
            }
    }
}

/* Writes the two texts of program `seed` into g. */
static void gen_program(gen *g, uint32_t seed, int noalias)
{
    memset(g, 0, sizeof *g);
    g->r.state = 0x9E3779B97F4A7C15ull ^ ((uint64_t)seed * 0xD1B54A32D192ED03ull);
    if (!g->r.state)
        g->r.state = 1;
    g->noalias = noalias;
    g->lf = open_memstream(&g->lin, &g->lin_size);
    g->rf = open_memstream(&g->ref, &g->ref_size);
    const char *decls = ".vec V[4], Dv\n.word W[6], A[8], S[16], K[29]\n";
    fprintf(g->lf, "%s", decls);
    fprintf(g->rf, "%s.word x0, x1, xa[3]\n.vec t0, ta[2]\n", decls);
    char pro[2048];
    size_t n = 0;
    for (uint32_t i = 0; i < 8; i++)
        n += (size_t)snprintf(pro + n, sizeof pro - n, "load const A+%u, %u\n", i,
                              noalias ? below(&g->r, 57) : below(&g->r, 24));
    for (uint32_t i = 0; noalias && i < 16; i++)
        n += (size_t)snprintf(pro + n, sizeof pro - n, "load const S+%u, %u\n", i, 64 + 8 * i);
    for (uint32_t i = 0; i < 8; i++)
        n += (size_t)snprintf(pro + n, sizeof pro - n, "load const Dv+%u, %u\n", i, 1 + below(&g->r, 9));
    for (uint32_t i = 0; i < 6; i++)
        n += (size_t)snprintf(pro + n, sizeof pro - n, "load const W+%u, %u\n", i, value(&g->r));
    for (uint32_t i = 0; i < 4; i++)
        n += (size_t)snprintf(pro + n, sizeof pro - n, "load vload V[%u], A+%u\n", i, below(&g->r, 8));
    fprintf(g->lf, "%s", pro);
    fprintf(g->rf, "%s", pro);
    /* Now and then two or three regions, a plain bundle between them: the
     * temporaries of each are its own, all drawn from one pool. */
    uint32_t regions = below(&g->r, 4) ? 1 : 2 + below(&g->r, 2);
    for (uint32_t k = 0; k < regions; k++) {
        if (k) {
            fprintf(g->lf, "alu + W+0, W+0, W+1\n");
            fprintf(g->rf, "alu + W+0, W+0, W+1\n");
        }
        memset(g->written, 0, sizeof g->written);
        memset(g->writes, 0, sizeof g->writes);
        for (int e = 0; e < NELEMS; e++)
            g->last_read[e] = g->last_write[e] = -1;
        fprintf(g->lf, ".linear%s\n    .temp x0, x1, xa[3]\n    .vtemp t0, ta[2]\n", noalias ? " noalias" : "");
        uint32_t len = g->slot + 4 + below(&g->r, 60 / regions);
        while (g->slot < len) {
            if (below(&g->r, 12) == 0)   /* a hint changes the order, never the meaning */
                fprintf(g->lf, "    .priority %d\n", (int)below(&g->r, 7) - 3);
            gen_slot(g);
        }
        gen_epilogue(g);
        fprintf(g->lf, ".endlinear\n");
    }
    fprintf(g->lf, "flow halt\n");
    fprintf(g->rf, "flow halt\n");
    fclose(g->lf);
    fclose(g->rf);
}

static void gen_free(gen *g)
{
    free(g->lin);
    free(g->ref);
}

static void random_memory(uint32_t seed, uint32_t *mem)
{
    rng r = {(0xA5A5A5A5u ^ (uint64_t)seed << 20) | 1};
    for (uint32_t i = 0; i < MEMORY_WORDS; i++)
        mem[i] = value(&r);
}

/* Named scratch: at the same address in every image (declared in the same
 * order, before the temporaries). */
static const char *const named[] = {"V", "Dv", "W", "A", "S", "K"};
/* The temporaries: the pool of a linear image, ordinary scratch in the
 * reference. */
static const char *const temporaries[] = {"_temps", "x0", "x1", "xa", "t0", "ta"};

static void mark_temporaries(const vimage *img, uint8_t *skip)
{
    for (size_t i = 0; i < sizeof temporaries / sizeof *temporaries; i++) {
        const img_symbol *s = find_symbol(img, temporaries[i]);
        if (s && s->kind == IMG_SYM_SCRATCH)
            memset(skip + s->value, 1, s->size);
    }
}

/* Compares every scratch word that is not a temporary in either run, and
 * the memory, of two finished runs; returns a description of the first
 * difference, or NULL. */
static const char *difference(const outcome *x, const outcome *ref, char *buf, size_t size)
{
    for (size_t i = 0; i < sizeof named / sizeof *named; i++)
        if (address_of(x->exe, named[i]) != address_of(ref->exe, named[i])) {
            snprintf(buf, size, "%s is at %u, in the reference at %u", named[i], address_of(x->exe, named[i]),
                     address_of(ref->exe, named[i]));
            return buf;
        }
    uint8_t skip[ISA_SCRATCH_WORDS] = {0};
    mark_temporaries(x->exe, skip);
    mark_temporaries(ref->exe, skip);
    const uint32_t *a = sim_scratch_const(x->mach, 0), *b = sim_scratch_const(ref->mach, 0);
    for (uint32_t w = 0; w < ISA_SCRATCH_WORDS; w++)
        if (!skip[w] && a[w] != b[w]) {
            snprintf(buf, size, "scratch word %u: %u, reference %u", w, a[w], b[w]);
            return buf;
        }
    size_t wx, wy;
    const uint32_t *mx = sim_memory_const(x->mach, &wx), *my = sim_memory_const(ref->mach, &wy);
    for (size_t k = 0; k < wx && k < wy; k++)
        if (mx[k] != my[k]) {
            snprintf(buf, size, "memory word %zu: %u, reference %u", k, mx[k], my[k]);
            return buf;
        }
    return NULL;
}

/* vasm -S: the scheduled object printed as source assembles (with no
 * region left to schedule) to the same stripped image. */
static void check_source_round_trip(const gen *g, int level, uint32_t seed)
{
    char *source, *messages;
    vimage *x = build_with(g->lin, level, 1, NULL, &source);
    ck_assert_ptr_nonnull(x);
    vimage *y = build_with(source, level, 1, &messages, NULL);
    ck_assert_msg(y != NULL, "seed %u: -O%d -S output does not assemble:\n%s\n%s", seed, level, messages, source);
    ck_assert_msg(same_image(x, y), "seed %u: -O%d -S output assembles to another image:\n%s", seed, level, source);
    img_free(x);
    img_free(y);
    free(source);
    free(messages);
}

#define NPROGRAMS 1000
#define FIRST_SEED 1u

/* Program seed: assembled plain and at every level, each level against
 * the reference.  Fails with the seed and both texts. */
static void check_program(uint32_t seed)
{
    gen g;
    gen_program(&g, seed, (int)(seed & 1));
    uint32_t mem[MEMORY_WORDS];
    random_memory(seed, mem);
    char *messages;
    vimage *exe = build(g.ref, 1, &messages);
    ck_assert_msg(exe != NULL, "seed %u: the reference did not assemble:\n%s\n%s", seed, messages, g.ref);
    free(messages);
    outcome ref;
    run_image(&ref, exe, mem, MEMORY_WORDS);
    ck_assert_msg(ref.status == SIM_DONE, "seed %u: the reference stopped: %s\n%s", seed, ref.why, g.ref);
    uint64_t cycles[3];
    for (int level = 0; level <= 2; level++) {
        exe = build(g.lin, level, &messages);
        ck_assert_msg(exe != NULL, "seed %u: -O%d did not assemble:\n%s\n%s", seed, level, messages, g.lin);
        free(messages);
        outcome o;
        run_image(&o, exe, mem, MEMORY_WORDS);
        ck_assert_msg(o.status == SIM_DONE, "seed %u: -O%d stopped: %s\n%s", seed, level, o.why, g.lin);
        char why[160];
        const char *diff = difference(&o, &ref, why, sizeof why);
        ck_assert_msg(diff == NULL, "seed %u: -O%d: %s\nlinear:\n%s\nreference:\n%s", seed, level, diff, g.lin, g.ref);
        cycles[level] = sim_cycles(o.mach);
        outcome_free(&o);
        if (level > 0 && seed % 4 == 0)
            check_source_round_trip(&g, level, seed);
    }
    ck_assert_msg(cycles[0] == sim_cycles(ref.mach), "seed %u: -O0 takes %llu cycles, the plain program %llu\n%s",
                  seed, (unsigned long long)cycles[0], (unsigned long long)sim_cycles(ref.mach), g.lin);
    for (int level = 1; level <= 2; level++)
        ck_assert_msg(cycles[level] <= cycles[0], "seed %u: -O%d takes %llu cycles, -O0 %llu\n%s", seed, level,
                      (unsigned long long)cycles[level], (unsigned long long)cycles[0], g.lin);
    /* -O2 tries -O1's heuristic among others and keeps the best */
    ck_assert_msg(cycles[2] <= cycles[1], "seed %u: -O2 takes %llu cycles, -O1 %llu\n%s", seed,
                  (unsigned long long)cycles[2], (unsigned long long)cycles[1], g.lin);
    outcome_free(&ref);
    gen_free(&g);
}

START_TEST(test_random_regions_compute_what_plain_bundles_compute_at_every_level)
{
    for (uint32_t seed = FIRST_SEED; seed < FIRST_SEED + NPROGRAMS; seed++)
        check_program(seed);
}
END_TEST

/* The generator itself: the programs hold every op they are meant to, and
 * both kinds of region, so the case above cannot pass by testing less. */
START_TEST(test_random_programs_cover_every_non_control_op_and_placement)
{
    static const char *const wanted[] = {
        "valu@alu ", "valu@valu ", "vbroadcast ", "multiply_add ", "load load ", "load_offset ", "vload ",
        "load const ", "store store ", "vstore ", "flow select ", "vselect ", "add_imm ", "coreid ",
        "debug comment ", ".linear noalias", "ta[0]+", "V[0]+", ".endlinear\nalu + W+0, W+0, W+1", ".priority -",
    };
    enum { NWANTED = sizeof wanted / sizeof *wanted, NBINOPS = sizeof binops / sizeof *binops };
    int seen[NWANTED + 2 * NBINOPS] = {0};
    for (uint32_t seed = FIRST_SEED; seed < FIRST_SEED + NPROGRAMS; seed++) {
        gen g;
        gen_program(&g, seed, (int)(seed & 1));
        for (size_t i = 0; i < NWANTED; i++)
            seen[i] += strstr(g.lin, wanted[i]) != NULL;
        for (size_t i = 0; i < NBINOPS; i++) {
            char alu[16], valu[16];
            snprintf(alu, sizeof alu, "    alu %s ", binops[i]);
            snprintf(valu, sizeof valu, "valu %s ", binops[i]);
            seen[NWANTED + 2 * i] += strstr(g.lin, alu) != NULL;
            seen[NWANTED + 2 * i + 1] += strstr(g.lin, valu) != NULL;
        }
        gen_free(&g);
    }
    for (size_t i = 0; i < NWANTED; i++)
        ck_assert_msg(seen[i] > 10, "'%s' is in only %d programs", wanted[i], seen[i]);
    for (size_t i = 0; i < NBINOPS; i++)
        ck_assert_msg(seen[NWANTED + 2 * i] > 10 && seen[NWANTED + 2 * i + 1] > 10,
                      "alu %s is in %d programs, valu %s in %d", binops[i], seen[NWANTED + 2 * i], binops[i],
                      seen[NWANTED + 2 * i + 1]);
}
END_TEST

/* ---- one dependence at a time ------------------------------------------------------ */
/* Each region's slots would compute something else in one bundle. */

START_TEST(test_raw_a_reader_waits_for_the_writer)
{
    const char *src = ".word a, b\n"
                      "load const a, 3\n"
                      ".linear\n"
                      "    load const a, 7\n"
                      "    alu + b, a, a\n"
                      ".endlinear\n"
                      "flow halt\n";
    expect_at_every_level(src, EXPECT({"b", 0, 14}));
}
END_TEST

START_TEST(test_war_reader_of_the_old_value_may_share_the_overwriting_bundle)
{
    /* The overwrite is free from the start, the read waits for c: the
     * overwrite may join the read's bundle but not go before it. */
    const char *src = ".word a, b, c\n"
                      "load const a, 3\n"
                      ".linear\n"
                      "    load const c, 1\n"
                      "    alu + b, a, c\n"
                      "    load const a, 7\n"
                      ".endlinear\n"
                      "flow halt\n";
    for (int level = 0; level <= 2; level++) {
        outcome o;
        run_ok(&o, src, level);
        ck_assert_uint_eq(scratch_word(&o, "b", 0), 4);   /* 3 + 1, not 7 + 1 */
        ck_assert_uint_eq(scratch_word(&o, "a", 0), 7);
        if (level > 0)   /* end-of-cycle semantics: the read sees the old a */
            ck_assert_uint_eq(o.exe->nbundles, 1 + 2 + 1);
        outcome_free(&o);
    }
}
END_TEST

START_TEST(test_waw_the_later_write_wins)
{
    const char *src = ".word a, b\n"
                      ".linear\n"
                      "    load const b, 5\n"
                      "    alu + a, b, b\n"   /* a = 10 */
                      "    load const a, 1\n" /* then a = 1 */
                      ".endlinear\n"
                      "flow halt\n";
    expect_at_every_level(src, EXPECT({"a", 0, 1}));
}
END_TEST

START_TEST(test_partial_vector_overlap_orders_only_the_shared_words)
{
    /* v+4 .. v+11 written by a vector op; v+3 (not touched) and v+9 (touched)
     * read by scalar ops. */
    const char *src = ".vec v[2], one\n"
                      ".word below, inside\n"
                      "load const v+3, 40\n"
                      "load const v+9, 50\n"
                      "load const one, 1\n"
                      "valu vbroadcast one, one\n"
                      ".linear\n"
                      "    valu + v+4, one, one\n"   /* v+4..v+11 = 2 */
                      "    alu + below, v+3, v+3\n"  /* 80: not ordered after the write */
                      "    alu + inside, v+9, v+9\n" /* 4: after it */
                      ".endlinear\n"
                      "flow halt\n";
    int alu_add = op_of("alu", "+");
    for (int level = 0; level <= 2; level++) {
        outcome o;
        run_ok(&o, src, level);
        ck_assert_uint_eq(scratch_word(&o, "below", 0), 80);
        ck_assert_uint_eq(scratch_word(&o, "inside", 0), 4);
        ck_assert_uint_eq(scratch_word(&o, "v", 3), 40);
        ck_assert_uint_eq(scratch_word(&o, "v", 4), 2);
        if (level > 0) {
            /* the read of the untouched word goes into the first bundle of the region */
            uint32_t first = 4, b_below = bundle_of(o.exe, alu_add, address_of(o.exe, "below"));
            ck_assert_uint_eq(b_below, first);
        }
        outcome_free(&o);
    }
}
END_TEST

START_TEST(test_vector_read_waits_for_a_scalar_write_into_one_lane)
{
    const char *src = ".vec v, w\n"
                      ".linear\n"
                      "    load const v+6, 21\n"
                      "    valu + w, v, v\n"
                      ".endlinear\n"
                      "flow halt\n";
    expect_at_every_level(src, EXPECT({"w", 6, 42}, {"w", 5, 0}));
}
END_TEST

/* Memory: the words at 5 and 6 hold 1005 and 1006 (test_memory). */
START_TEST(test_store_then_load_of_one_address_keeps_source_order)
{
    const char *src = ".word p, x, y, z\n"
                      "load const p, 5\n"
                      "load const x, 77\n"
                      ".linear\n"
                      "    load load y, p\n"    /* 1005: before the store */
                      "    store store p, x\n"
                      "    load load z, p\n"    /* 77: after it */
                      "    store store p, y\n"  /* m[5] ends 1005 */
                      ".endlinear\n"
                      "flow halt\n";
    expect_at_every_level(src, EXPECT({"y", 0, 1005}, {"z", 0, 77}, {MEMORY, 5, 1005}));
}
END_TEST

START_TEST(test_fence_keeps_memory_order_in_a_noalias_region)
{
    /* noalias promises no overlap; .fence orders the store before the
     * load that reads it back, and the store after the load before it. */
    const char *src = ".word p, q, x, y, z\n"
                      "load const p, 5\n"
                      "load const q, 5\n"
                      "load const x, 77\n"
                      ".linear noalias\n"
                      "    load load y, q\n"   /* 1005: before the store */
                      "    .fence\n"
                      "    store store p, x\n"
                      "    .fence\n"
                      "    load load z, q\n"   /* 77: after it */
                      ".endlinear\n"
                      "flow halt\n";
    expect_at_every_level(src, EXPECT({"y", 0, 1005}, {"z", 0, 77}, {MEMORY, 5, 77}));
}
END_TEST

START_TEST(test_fence_outside_a_region_is_an_error)
{
    char *messages;
    vimage *exe = build(".fence\nflow halt\n", 1, &messages);
    ck_assert_ptr_null(exe);
    ck_assert_msg(strstr(messages, "t.vasm:1:1: error: .fence outside a .linear region") != NULL, "got:\n%s",
                  messages);
    free(messages);
}
END_TEST

START_TEST(test_two_stores_to_one_address_keep_source_order)
{
    const char *src = ".word p, q, x, y\n"
                      "load const p, 5\n"
                      "load const q, 5\n"
                      "load const x, 1\n"
                      "load const y, 2\n"
                      ".linear\n"
                      "    store store p, x\n"
                      "    store store q, y\n"
                      ".endlinear\n"
                      "flow halt\n";
    expect_at_every_level(src, EXPECT({MEMORY, 5, 2}));
}
END_TEST

START_TEST(test_vector_store_orders_a_load_of_any_word_it_may_touch)
{
    const char *src = ".word p, q, y\n"
                      ".vec v\n"
                      "load const p, 8\n"
                      "load const q, 13\n"
                      ".linear\n"
                      "    valu vbroadcast v, q\n"
                      "    store vstore p, v\n"   /* m[8..15] = 13 */
                      "    load load y, q\n"      /* m[13] */
                      ".endlinear\n"
                      "flow halt\n";
    expect_at_every_level(src, EXPECT({"y", 0, 13}));
}
END_TEST

START_TEST(test_noalias_lets_loads_and_stores_share_bundles)
{
    /* Different addresses: the same result either way; without noalias the
     * load must wait for the store, with it both go in the first bundle. */
    const char *body = ".word p, q, x, y\n"
                       "load const p, 5\n"
                       "load const q, 6\n"
                       "load const x, 77\n"
                       ".linear%s\n"
                       "    store store p, x\n"
                       "    load load y, q\n"
                       ".endlinear\n"
                       "flow halt\n";
    for (int noalias = 0; noalias <= 1; noalias++) {
        char src[512];
        snprintf(src, sizeof src, body, noalias ? " noalias" : "");
        for (int level = 1; level <= 2; level++) {
            outcome o;
            run_ok(&o, src, level);
            ck_assert_uint_eq(scratch_word(&o, "y", 0), 1006);
            ck_assert_uint_eq(memory_word(&o, 5), 77);
            ck_assert_uint_eq(o.exe->nbundles, noalias ? 5 : 6);
            outcome_free(&o);
        }
    }
}
END_TEST

START_TEST(test_loads_never_wait_for_loads)
{
    const char *src = ".word p, x, y\n"
                      "load const p, 5\n"
                      ".linear\n"
                      "    load load x, p\n"
                      "    load load y, p\n"
                      ".endlinear\n"
                      "flow halt\n";
    outcome o;
    run_ok(&o, src, 1);
    ck_assert_uint_eq(o.exe->nbundles, 3);
    ck_assert_uint_eq(scratch_word(&o, "x", 0), 1005);
    ck_assert_uint_eq(scratch_word(&o, "y", 0), 1005);
    outcome_free(&o);
}
END_TEST

START_TEST(test_lane_split_consumer_waits_for_its_own_lane)
{
    /* w = v + v as alu lanes; c reads lane 2 of w; u reads all of it. */
    const char *src = ".vec v, w, u\n"
                      ".word c\n"
                      "load const v+2, 8\n"
                      "load const v+7, 9\n"
                      ".linear\n"
                      "    valu@alu + w, v, v\n"
                      "    alu * c, w+2, w+2\n"     /* 16 * 16 */
                      "    valu@valu + u, w, w\n"   /* lane 7: 36 */
                      "    valu@alu - v, w, v\n"    /* v lane 2: 16 - 8 */
                      ".endlinear\n"
                      "flow halt\n";
    int alu_add = op_of("alu", "+"), alu_mul = op_of("alu", "*");
    for (int level = 0; level <= 2; level++) {
        outcome o;
        run_ok(&o, src, level);
        ck_assert_uint_eq(scratch_word(&o, "c", 0), 256);
        ck_assert_uint_eq(scratch_word(&o, "u", 7), 36);
        ck_assert_uint_eq(scratch_word(&o, "u", 2), 32);
        ck_assert_uint_eq(scratch_word(&o, "v", 2), 8);
        ck_assert_uint_eq(scratch_word(&o, "v", 7), 9);
        if (level > 0) {
            uint32_t w = address_of(o.exe, "w"), c = address_of(o.exe, "c");
            /* forced onto alu lanes: one alu + per lane, and c after lane 2 */
            ck_assert_uint_lt(bundle_of(o.exe, alu_add, w + 2), bundle_of(o.exe, alu_mul, c));
        }
        outcome_free(&o);
    }
}
END_TEST

START_TEST(test_split_lanes_of_an_op_reading_its_own_destination_see_old_values)
{
    /* v+1..v+8 = v+0..v+7 + 1: lane i reads the word lane i-1 writes. */
    const char *src = ".vec v[2], one\n"
                      "load const one, 1\n"
                      "valu vbroadcast one, one\n"
                      "load const v+0, 10\n"
                      "load const v+1, 20\n"
                      "load const v+2, 30\n"
                      ".linear\n"
                      "    valu@alu + v+1, v, one\n"
                      ".endlinear\n"
                      "flow halt\n";
    expect_at_every_level(src, EXPECT({"v", 1, 11}, {"v", 2, 21}, {"v", 3, 31}, {"v", 4, 1}));
}
END_TEST

START_TEST(test_placements_are_kept_valu_at_valu_on_valu_and_valu_at_alu_on_alu_lanes)
{
    const char *src = ".vec a, b, c\n"
                      ".linear\n"
                      "    valu@valu + a, c, c\n"
                      "    valu@alu * b, c, c\n"
                      ".endlinear\n"
                      "flow halt\n";
    outcome o;
    run_ok(&o, src, 1);
    int vadd = op_of("valu", "+"), amul = op_of("alu", "*"), vmul = op_of("valu", "*");
    int nvadd = 0, namul = 0, nvmul = 0;
    for (uint32_t k = 0; k < o.exe->nslots; k++) {
        nvadd += o.exe->slots[k].op == vadd;
        namul += o.exe->slots[k].op == amul;
        nvmul += o.exe->slots[k].op == vmul;
    }
    ck_assert_int_eq(nvadd, 1);
    ck_assert_int_eq(namul, ISA_VLEN);
    ck_assert_int_eq(nvmul, 0);
    outcome_free(&o);
}
END_TEST

START_TEST(test_trace_writes_keep_their_order)
{
    /* a is ready only after a chain, b at once: b's trace_write may not
     * overtake a's. */
    const char *src = ".word a, b, one\n"
                      "load const one, 1\n"
                      "load const b, 20\n"
                      ".linear\n"
                      "    alu + a, one, one\n"
                      "    alu * a, a, a\n"
                      "    alu + a, a, one\n"   /* 5 */
                      "    flow trace_write a\n"
                      "    flow trace_write b\n"
                      ".endlinear\n"
                      "flow halt\n";
    for (int level = 0; level <= 2; level++) {
        outcome o;
        run_ok(&o, src, level);
        size_t n;
        const uint32_t *t = sim_core_trace(o.mach, 0, &n);
        ck_assert_uint_eq(n, 2);
        ck_assert_uint_eq(t[0], 5);
        ck_assert_uint_eq(t[1], 20);
        outcome_free(&o);
    }
}
END_TEST

START_TEST(test_rept_and_for_expand_inside_a_region)
{
    const char *src = ".word a, one, sq[4]\n"
                      "load const one, 1\n"
                      ".linear\n"
                      "    .rept 4\n"
                      "    alu + a, a, one\n"
                      "    .endr\n"
                      "    .for i = 0, 4\n"
                      "    load const sq + i, i * i\n"
                      "    .endfor\n"
                      ".endlinear\n"
                      "flow halt\n";
    expect_at_every_level(src, EXPECT({"a", 0, 4}, {"sq", 0, 0}, {"sq", 1, 1}, {"sq", 2, 4}, {"sq", 3, 9}));
}
END_TEST

START_TEST(test_priority_puts_the_higher_slot_first_and_source_order_breaks_ties)
{
    /* One flow slot per bundle: which add_imm goes first is the choice. */
    const char *body = ".word a, b\n"
                       ".linear\n"
                       "    .priority 0\n"
                       "    flow add_imm a, a, 1\n"
                       "    .priority %d\n"
                       "    flow add_imm b, b, 1\n"
                       ".endlinear\n"
                       "flow halt\n";
    int add_imm = op_of("flow", "add_imm");
    for (int prio = 0; prio <= 5; prio += 5) {
        char src[256];
        snprintf(src, sizeof src, body, prio);
        for (int level = 1; level <= 2; level++) {
            outcome o;
            run_ok(&o, src, level);
            uint32_t ba = bundle_of(o.exe, add_imm, address_of(o.exe, "a"));
            uint32_t bb = bundle_of(o.exe, add_imm, address_of(o.exe, "b"));
            if (prio > 0)
                ck_assert_uint_lt(bb, ba);
            else if (level == 1)
                ck_assert_uint_lt(ba, bb);
            ck_assert_uint_eq(scratch_word(&o, "a", 0), 1);
            ck_assert_uint_eq(scratch_word(&o, "b", 0), 1);
            outcome_free(&o);
        }
    }
}
END_TEST

/* ---- temporaries ----------------------------------------------------------------------- */

START_TEST(test_temporaries_with_disjoint_lifetimes_share_words)
{
    /* x dies when y is born (y depends on x's last reader): one word. */
    const char *src = ".word r, s\n"
                      ".linear\n"
                      "    .temp x, y\n"
                      "    load const x, 5\n"
                      "    alu + r, x, x\n"   /* r = 10, x's last read */
                      "    alu * y, r, r\n"   /* y = 100 */
                      "    alu + s, y, r\n"   /* s = 110 */
                      ".endlinear\n"
                      "flow halt\n";
    for (int level = 0; level <= 2; level++) {
        outcome o;
        run_ok(&o, src, level);
        ck_assert_uint_eq(scratch_word(&o, "s", 0), 110);
        ck_assert_uint_eq(pool_words(o.exe), 1);
        outcome_free(&o);
    }
}
END_TEST

START_TEST(test_temporaries_live_at_once_get_their_own_words)
{
    const char *src = ".word r\n"
                      ".vec out\n"
                      ".linear\n"
                      "    .temp x, y\n"
                      "    .vtemp v\n"
                      "    load const x, 5\n"
                      "    load const y, 6\n"
                      "    valu vbroadcast v, x\n"
                      "    alu + r, x, y\n"
                      "    valu + out, v, v\n"
                      ".endlinear\n"
                      "flow halt\n";
    for (int level = 0; level <= 2; level++) {
        outcome o;
        run_ok(&o, src, level);
        ck_assert_uint_eq(scratch_word(&o, "r", 0), 11);
        ck_assert_uint_eq(scratch_word(&o, "out", 7), 10);
        ck_assert_uint_ge(pool_words(o.exe), 2);   /* x and y are read by one slot */
        outcome_free(&o);
    }
}
END_TEST

START_TEST(test_vector_temporaries_reuse_words_and_arrays_by_element)
{
    /* a chain through t[0], t[1], t[2]: each element dies as the next is
     * born, so at -O0 two vectors' words suffice (the last read and the
     * next write share a bundle only when packed: at most 2 live). */
    const char *src = ".vec in, out\n"
                      "load const in+3, 3\n"
                      ".linear\n"
                      "    .vtemp t[3]\n"
                      "    valu + t[0], in, in\n"       /* 6 */
                      "    valu * t[1], t[0], t[0]\n"   /* 36 */
                      "    valu - t[2], t[1], in\n"     /* 33 */
                      "    valu + out, t[2], t[2]\n"    /* 66 */
                      ".endlinear\n"
                      "flow halt\n";
    for (int level = 0; level <= 2; level++) {
        outcome o;
        run_ok(&o, src, level);
        ck_assert_uint_eq(scratch_word(&o, "out", 3), 66);
        ck_assert_uint_le(pool_words(o.exe), 16);
        outcome_free(&o);
    }
}
END_TEST

START_TEST(test_temporaries_are_renamed_per_macro_call_and_per_region)
{
    const char *src = ".word r[2]\n"
                      ".macro twice dst, k\n"
                      "    .temp x\n"
                      "    load const x, \\k\n"
                      "    alu + \\dst, x, x\n"
                      ".endm\n"
                      ".linear\n"
                      "    twice r, 4\n"
                      "    twice r+1, 9\n"
                      ".endlinear\n"
                      ".linear\n"
                      "    .temp x\n"
                      "    load const x, 1\n"
                      "    alu + r, r, x\n"
                      ".endlinear\n"
                      "flow halt\n";
    expect_at_every_level(src, EXPECT({"r", 0, 9}, {"r", 1, 18}));
}
END_TEST

/* 60 independent chains, each through one vector temporary, with only
 * about 40 vectors of scratch left by the module's declarations: all
 * chains at once do not fit, one at a time does. */
static char *throttle_source(uint32_t reserved_vectors)
{
    char *src = NULL;
    size_t size;
    FILE *f = open_memstream(&src, &size);
    fprintf(f, ".vec in, out[60], pad[%u]\n", reserved_vectors);
    fprintf(f, "load const in+1, 2\n.linear\n    .vtemp t[60]\n");
    for (int i = 0; i < 60; i++)
        fprintf(f, "    valu + t[%d], in, in\n    valu * out[%d], t[%d], t[%d]\n", i, i, i, i);
    fprintf(f, ".endlinear\nflow halt\n");
    fclose(f);
    return src;
}

START_TEST(test_each_module_has_its_own_pool_and_the_modules_link_and_run)
{
    /* Two modules with regions and temporaries, linked: each pool is a
     * local array of its module; the global `acc` is written in one and
     * read in the other. */
    static const char *const srcs[2] = {
        ".global acc\n.word acc, a\n"
        ".linear\n    .temp x, y\n    load const x, 3\n    load const y, 4\n"
        "    alu * a, x, y\n    alu + acc, a, x\n.endlinear\n",   /* a 12, acc 15 */
        ".extern acc\n.word b\n"
        ".linear\n    .vtemp v\n    .temp x\n    alu + x, acc, acc\n    valu vbroadcast v, x\n"
        "    alu + b, v+5, acc\n.endlinear\nflow halt\n",   /* b 45 */
    };
    for (int level = 0; level <= 2; level++) {
        vimage *objs[2];
        lnk_input in[2];
        diag *d = diag_new(stderr, "test");
        asm_options opt;
        asm_options_init(&opt);
        opt.opt_level = level;
        for (int m = 0; m < 2; m++) {
            objs[m] = asm_assemble_text(m ? "b.vasm" : "a.vasm", srcs[m], strlen(srcs[m]), &opt, d);
            ck_assert_ptr_nonnull(objs[m]);
            ck_assert_ptr_nonnull(find_symbol(objs[m], "_temps"));
            in[m] = (lnk_input){objs[m], m ? "b.vasm" : "a.vasm"};
        }
        vimage *exe = lnk_link(in, 2, NULL, d);
        diag_free(d);
        ck_assert_ptr_nonnull(exe);
        img_free(objs[0]);
        img_free(objs[1]);
        fill_test_memory();
        outcome o;
        run_image(&o, exe, test_memory, MEM_WORDS);
        ck_assert_msg(o.status == SIM_DONE, "%s", o.why);
        ck_assert_uint_eq(scratch_word(&o, "a", 0), 12);
        ck_assert_uint_eq(scratch_word(&o, "acc", 0), 15);
        ck_assert_uint_eq(scratch_word(&o, "b", 0), 45);
        outcome_free(&o);
    }
}
END_TEST

START_TEST(test_a_region_repeated_by_rept_has_its_temporaries_each_time)
{
    const char *src = ".word acc, one\n"
                      "load const one, 1\n"
                      ".rept 3\n"
                      ".linear\n"
                      "    .temp x\n"
                      "    alu + x, acc, one\n"
                      "    alu + acc, x, x\n"
                      ".endlinear\n"
                      ".endr\n"
                      "flow halt\n";
    expect_at_every_level(src, EXPECT({"acc", 0, 14}));   /* 0 -> 2 -> 6 -> 14 */
}
END_TEST

START_TEST(test_pool_takes_another_name_when_temps_is_taken_and_a_temporary_hides_a_variable)
{
    const char *src = ".word _temps, r, x\n"
                      "load const _temps, 4\n"
                      "load const x, 100\n"
                      ".linear\n"
                      "    .temp x\n"
                      "    load const x, 1\n"
                      "    alu + r, x, _temps\n"
                      ".endlinear\n"
                      "flow halt\n";
    expect_at_every_level(src, EXPECT({"r", 0, 5}, {"_temps", 0, 4}, {"x", 0, 100}));
    vimage *exe = build(src, 1, NULL);
    ck_assert_ptr_nonnull(exe);
    const img_symbol *pool = find_symbol(exe, "_temps_1");
    ck_assert_ptr_nonnull(pool);
    ck_assert_uint_eq(pool->size, 1);
    img_free(exe);
}
END_TEST

START_TEST(test_scheduler_throttles_when_all_chains_at_once_do_not_fit)
{
    /* 1536 - 8 * (1 + 60 + 130) = 8 words free: one vector temporary. */
    char *src = throttle_source(130);
    for (int level = 0; level <= 2; level++) {
        outcome o;
        run_ok(&o, src, level);
        ck_assert_uint_le(pool_words(o.exe), 8);
        for (int i = 0; i < 60; i++) {
            char name[16];
            snprintf(name, sizeof name, "out");
            ck_assert_uint_eq(scratch_word(&o, name, (uint32_t)i * 8 + 1), 16);
        }
        outcome_free(&o);
    }
    free(src);
}
END_TEST

START_TEST(test_throttled_schedule_is_still_packed_when_some_room_is_left)
{
    /* 1536 - 8 * (1 + 60 + 100) = 248 words: 31 vectors, fewer than 60. */
    char *src = throttle_source(100);
    char *report = NULL;
    size_t size;
    FILE *f = open_memstream(&report, &size);
    diag *d = diag_new(stderr, "test");
    asm_options opt;
    asm_options_init(&opt);
    opt.sched_report = f;
    vimage *obj = asm_assemble_text("t.vasm", src, strlen(src), &opt, d);
    ck_assert_ptr_nonnull(obj);
    fclose(f);
    lnk_input in = {obj, "t.vasm"};
    vimage *exe = lnk_link(&in, 1, NULL, d);
    diag_free(d);
    img_free(obj);
    ck_assert_ptr_nonnull(exe);
    ck_assert_msg(strstr(report, "(throttled)") != NULL, "report:\n%s", report);
    ck_assert_uint_le(pool_words(exe), 248);
    /* fewer bundles than source order: the throttle halves a window, it
     * does not fall back to one slot per bundle */
    ck_assert_uint_lt(exe->nbundles, 120 + 2);
    fill_test_memory();
    outcome o;
    run_image(&o, exe, test_memory, MEM_WORDS);
    ck_assert_msg(o.status == SIM_DONE, "%s", o.why);
    for (uint32_t i = 0; i < 60; i++)
        ck_assert_uint_eq(scratch_word(&o, "out", i * 8 + 1), 16);
    outcome_free(&o);
    free(report);
    free(src);
}
END_TEST

START_TEST(test_temporaries_that_never_fit_are_an_error_naming_the_sizes)
{
    /* Two vector temporaries read by one slot need 16 words; 8 are free. */
    const char *src = ".vec big[191]\n"
                      ".linear\n"
                      "    .vtemp p, q\n"
                      "    valu vbroadcast p, big\n"
                      "    valu vbroadcast q, big\n"
                      "    valu + big, p, q\n"
                      ".endlinear\n"
                      "flow halt\n";
    char *messages;
    vimage *exe = build(src, 1, &messages);
    ck_assert_ptr_null(exe);
    ck_assert_msg(strstr(messages, "t.vasm:2:1: error: the temporaries of this region need 16 scratch words even in "
                                   "source order, but 8 are free") != NULL,
                  "got:\n%s", messages);
    ck_assert_msg(strstr(messages, "takes 8 words") != NULL, "got:\n%s", messages);
    free(messages);
}
END_TEST

/* ---- jumps and label values across a region ------------------------------------------- */

START_TEST(test_cond_jump_rel_past_a_shrinking_region_lands_on_its_label)
{
    const char *src = ".word c, good, bad\n"
                      ".vec v[4]\n"
                      "load const c, 1\n"
                      "flow cond_jump_rel c, after\n"
                      ".linear\n"
                      "    load const v, 1\n"
                      "    load const v+8, 2\n"
                      "    load const v+16, 3\n"
                      "    load const v+24, 4\n"
                      "    alu + v+1, v, v\n"
                      "    alu + v+9, v, v\n"
                      ".endlinear\n"
                      "load const bad, 1\n"
                      "after:\n"
                      "load const good, 1\n"
                      "flow halt\n";
    expect_at_every_level(src, EXPECT({"good", 0, 1}, {"bad", 0, 0}, {"v", 0, 0}));
}
END_TEST

START_TEST(test_backward_cond_jump_rel_over_a_region_loops_the_right_times)
{
    const char *src = ".word i, one, n, m\n"
                      "load const i, 3\n"
                      "load const one, 1\n"
                      "loop:\n"
                      ".linear\n"
                      "    alu - i, i, one\n"
                      "    alu + n, n, one\n"
                      "    alu + m, m, one\n"
                      "    alu + m, m, one\n"
                      ".endlinear\n"
                      "flow cond_jump_rel i, loop\n"
                      "flow halt\n";
    expect_at_every_level(src, EXPECT({"n", 0, 3}, {"m", 0, 6}));
}
END_TEST

START_TEST(test_label_difference_across_a_region_counts_the_scheduled_bundles)
{
    /* start..end holds the region only: the program is the region, the
     * const and the halt, so end - start = nbundles - 2. */
    const char *src = ".word n, a, b, c, d\n"
                      "start:\n"
                      ".linear\n"
                      "    load const a, 1\n"
                      "    load const b, 2\n"
                      "    load const c, 3\n"
                      "    load const d, 4\n"
                      "    alu + a, a, b\n"
                      ".endlinear\n"
                      "end:\n"
                      "load const n, end - start\n"
                      "flow halt\n";
    for (int level = 0; level <= 2; level++) {
        outcome o;
        run_ok(&o, src, level);
        ck_assert_uint_eq(scratch_word(&o, "n", 0), o.exe->nbundles - 2);
        if (level == 0)
            ck_assert_uint_eq(o.exe->nbundles - 2, 5);   /* one slot per bundle */
        else
            ck_assert_uint_lt(o.exe->nbundles - 2, 5);
        outcome_free(&o);
    }
}
END_TEST

START_TEST(test_jump_to_a_label_after_a_region_uses_the_packed_bundle)
{
    const char *src = ".word a, b, good\n"
                      "flow jump after\n"
                      ".linear\n"
                      "    load const a, 1\n"
                      "    load const b, 1\n"
                      "    load const a, 2\n"
                      ".endlinear\n"
                      "load const good, 5\n"
                      "after:\n"
                      "alu + good, good, good\n"
                      "flow halt\n";
    expect_at_every_level(src, EXPECT({"good", 0, 0}, {"a", 0, 0}));
}
END_TEST

START_TEST(test_label_value_after_a_region_is_its_packed_bundle_for_jump_indirect)
{
    const char *src = ".word r, a, b, good\n"
                      "load const r, after\n"
                      ".linear\n"
                      "    load const a, 1\n"
                      "    load const b, 2\n"
                      "    alu + a, a, b\n"
                      "    alu + b, b, b\n"
                      ".endlinear\n"
                      "flow jump_indirect r\n"
                      "load const good, 7\n"
                      "after:\n"
                      "alu + good, good, a\n"
                      "flow halt\n";
    expect_at_every_level(src, EXPECT({"good", 0, 3}));
}
END_TEST

START_TEST(test_same_input_and_options_give_the_same_image)
{
    gen g;
    gen_program(&g, 12345, 0);
    for (int level = 1; level <= 2; level++) {
        vimage *x = build(g.lin, level, NULL), *y = build(g.lin, level, NULL);
        ck_assert_ptr_nonnull(x);
        ck_assert_ptr_nonnull(y);
        ck_assert(same_image(x, y));
        img_free(x);
        img_free(y);
    }
    gen_free(&g);
}
END_TEST

/* ---- errors and their locations ------------------------------------------------------- */

/* src must fail to assemble, its first message starting with first. */
static void expect_error(const char *src, const char *first)
{
    char *messages;
    vimage *exe = build(src, 1, &messages);
    ck_assert_ptr_null(exe);
    ck_assert_msg(strncmp(messages, first, strlen(first)) == 0, "got:\n%s\nwant first:\n%s", messages, first);
    free(messages);
}

START_TEST(test_control_flow_in_a_region_is_an_error_that_says_why)
{
    static const char *const slots[] = {"flow jump 0", "flow cond_jump c, 0", "flow cond_jump_rel c, 1",
                                        "flow jump_indirect c", "flow halt", "flow pause"};
    for (size_t i = 0; i < sizeof slots / sizeof *slots; i++) {
        char src[256], want[256];
        snprintf(src, sizeof src, ".word c\n.linear\n    load const c, 1\n    %s\n.endlinear\nflow halt\n", slots[i]);
        snprintf(want, sizeof want, "t.vasm:4:5: error: %.*s inside a .linear region: a region is straight-line code",
                 (int)(strchr(slots[i] + 5, ' ') ? strchr(slots[i] + 5, ' ') - slots[i] : (int)strlen(slots[i])),
                 slots[i]);
        expect_error(src, want);
    }
}
END_TEST

START_TEST(test_label_in_a_region_is_an_error_at_the_label)
{
    expect_error(".word c\n.linear\n    load const c, 1\nhere: load const c, 2\n.endlinear\n",
                 "t.vasm:4:1: error: label 'here' inside a .linear region");
}
END_TEST

START_TEST(test_explicit_bundle_and_nop_in_a_region_are_errors)
{
    expect_error(".word c\n.linear\n    < load const c, 1 ; alu + c, c, c >\n.endlinear\n",
                 "t.vasm:3:5: error: an explicit bundle inside a .linear region");
    expect_error(".word c\n.linear\n    load const c, 1\n    nop\n.endlinear\n",
                 "t.vasm:4:5: error: nop inside a .linear region");
}
END_TEST

START_TEST(test_temporary_outside_a_region_is_an_error)
{
    expect_error(".word c\n  .temp x\nload const c, 1\n",
                 "t.vasm:2:9: error: temporary 'x' outside a .linear region");
    expect_error(".word c\n.vtemp v\nload const c, 1\n",
                 "t.vasm:2:8: error: temporary 'v' outside a .linear region");
}
END_TEST

START_TEST(test_temporary_read_before_written_is_an_error_at_the_operand)
{
    expect_error(".word c\n.linear\n    .temp x, y\n    load const y, 1\n    alu + c, y, x\n.endlinear\n",
                 "t.vasm:5:17: error: temporary ");
    /* a vector temporary with one lane unwritten */
    expect_error(".vec c\n.linear\n    .vtemp v\n    load const v+3, 1\n    alu + c, c, v+3\n"
                 "    valu + c, c, v\n.endlinear\n",
                 "t.vasm:6:18: error: temporary ");
}
END_TEST

START_TEST(test_region_nesting_and_pairing_errors)
{
    expect_error(".linear\n    .linear\n.endlinear\n",
                 "t.vasm:2:5: error: .linear inside a .linear region (regions do not nest)");
    expect_error(".word c\nload const c, 1\n.endlinear\n", "t.vasm:3:1: error: .endlinear without .linear");
    expect_error(".word c\n.linear\n    load const c, 1\n", "t.vasm:2:1: error: this .linear region has no .endlinear");
    expect_error(".linear fast\n.endlinear\n", "t.vasm:1:9: error: unknown .linear option 'fast'");
}
END_TEST

START_TEST(test_placement_errors)
{
    expect_error(".vec v\n.linear\n    valu@alu multiply_add v, v, v, v\n.endlinear\n",
                 "t.vasm:3:5: error: valu multiply_add cannot run as alu lanes");
    expect_error(".vec v\nvalu@alu + v, v, v\n",
                 "t.vasm:2:1: error: 'valu@alu' outside a .linear region");
    expect_error(".vec v\nvalu@valu + v, v, v\n",
                 "t.vasm:2:1: error: 'valu@valu' outside a .linear region");
    expect_error(".vec v\n.linear\n    alu@valu + v, v, v\n.endlinear\n",
                 "t.vasm:3:5: error: only a valu op can be placed");
}
END_TEST

START_TEST(test_priority_outside_a_region_is_an_error)
{
    expect_error(".priority 3\n", "t.vasm:1:1: error: .priority outside a .linear region");
}
END_TEST

/* ---- bugs found by the random programs ------------------------------------------------------ */
/* Each failed on the first optimizer (909b005): a write after a
 * temporary's last read, lanes that read their own op's destination, a
 * literal scratch address beside named scratch, internal names in
 * messages, a second error after an unknown .linear option. */

START_TEST(test_a_write_after_a_temporarys_last_read_does_not_clobber_another_temporary)
{
    /* x's second write is never read; y is born after x's last read and
     * takes x's word, so the write lands on y. */
    const char *src = ".word r, s\n"
                      ".linear\n"
                      "    .temp x, y\n"
                      "    load const x, 1\n"
                      "    alu + r, x, x\n"   /* r = 2 */
                      "    load const y, 5\n"
                      "    load const x, 9\n"
                      "    alu + s, y, y\n"   /* s = 10 */
                      ".endlinear\n"
                      "flow halt\n";
    expect_at_every_level(src, EXPECT({"s", 0, 10}));
}
END_TEST

START_TEST(test_a_late_write_to_one_word_of_a_vector_temporary_does_not_clobber_another)
{
    /* t's last read is of t+0; t+7 is written later (never read), after u
     * took t's words: it lands on u+7. */
    const char *src = ".vec out\n"
                      ".word r, r2\n"
                      ".linear\n"
                      "    .vtemp t, u\n"
                      "    load const t+0, 3\n"
                      "    alu + r, t, t\n"          /* 6 */
                      "    valu vbroadcast u, r\n"   /* u = 6 */
                      "    alu + t+7, u+7, u+7\n"    /* 12, never read */
                      "    valu + out, u, u\n"       /* 12 */
                      "    alu + r2, u+7, out+7\n"   /* 6 + 12 */
                      ".endlinear\n"
                      "flow halt\n";
    expect_at_every_level(src, EXPECT({"out", 7, 12}, {"r2", 0, 18}));
}
END_TEST

START_TEST(test_vbroadcast_from_a_word_of_its_own_destination_assembles)
{
    /* lane 3 writes the word every lane reads: valid, sequentially v = v+3
     * everywhere; split into lanes the scheduler must not stall. */
    const char *src = ".vec v\n"
                      "load const v+3, 7\n"
                      ".linear\n"
                      "    valu vbroadcast v, v+3\n"
                      ".endlinear\n"
                      "flow halt\n";
    expect_at_every_level(src, EXPECT({"v", 0, 7}, {"v", 1, 7}, {"v", 2, 7}, {"v", 3, 7}, {"v", 4, 7},
                                      {"v", 5, 7}, {"v", 6, 7}, {"v", 7, 7}));
}
END_TEST

START_TEST(test_a_vector_op_on_literal_addresses_is_scheduled_whole)
{
    /* A literal address is ordered against everything, so its op is not
     * split into lanes; split, its lanes waited on each other and the
     * scheduler stopped (found by the speed work on canonical sources). */
    const char *src = ".vec out\n"
                      ".linear\n"
                      "    load const 1000, 5\n"
                      "    valu vbroadcast 1400, 1000\n"
                      "    valu + out, 1400, 1400\n"
                      ".endlinear\n"
                      "flow halt\n";
    expect_at_every_level(src, EXPECT({"out", 0, 10}, {"out", 3, 10}, {"out", 7, 10}));
}
END_TEST

START_TEST(test_a_numeric_scratch_address_is_ordered_against_named_scratch)
{
    /* a is word 0 (the linker places no variable on a literal address,
     * so the alias is a fixed one).  The region writes word 0 by number,
     * then reads a: sequentially b = 5 + 5. */
    const char *src = ".word a @ 0, b\n"
                      ".linear\n"
                      "    load const 0, 5\n"
                      "    alu + b, a, a\n"
                      ".endlinear\n"
                      "flow halt\n";
    expect_at_every_level(src, EXPECT({"b", 0, 10}));
}
END_TEST

START_TEST(test_messages_name_a_temporary_as_written)
{
    expect_error(".vec c\n.linear\n    .vtemp v\n    valu + c, c, v\n.endlinear\n",
                 "t.vasm:4:18: error: temporary 'v' is read here before it is written in this region");
    expect_error(".word r\n.linear\n    .temp x\n    .temp x\n.endlinear\n",
                 "t.vasm:4:11: error: temporary 'x' is already declared in this region");
}
END_TEST

START_TEST(test_unknown_linear_option_is_the_only_error)
{
    char *messages;
    vimage *exe = build(".word c\n.linear fast\n    load const c, 1\n.endlinear\nflow halt\n", 1, &messages);
    ck_assert_ptr_null(exe);
    ck_assert_msg(strstr(messages, "unknown .linear option 'fast'") != NULL, "got:\n%s", messages);
    ck_assert_msg(strstr(messages, ".endlinear without .linear") == NULL, "a second, misleading error:\n%s",
                  messages);
    free(messages);
}
END_TEST

static Suite *opt_suite(void)
{
    Suite *s = suite_create("opt");
    TCase *eq = tcase_create("equivalence");
    tcase_set_timeout(eq, 120);
    tcase_add_test(eq, test_random_regions_compute_what_plain_bundles_compute_at_every_level);
    tcase_add_test(eq, test_random_programs_cover_every_non_control_op_and_placement);
    tcase_add_test(eq, test_same_input_and_options_give_the_same_image);
    suite_add_tcase(s, eq);

    TCase *dep = tcase_create("dependences");
    tcase_add_test(dep, test_raw_a_reader_waits_for_the_writer);
    tcase_add_test(dep, test_war_reader_of_the_old_value_may_share_the_overwriting_bundle);
    tcase_add_test(dep, test_waw_the_later_write_wins);
    tcase_add_test(dep, test_partial_vector_overlap_orders_only_the_shared_words);
    tcase_add_test(dep, test_vector_read_waits_for_a_scalar_write_into_one_lane);
    tcase_add_test(dep, test_store_then_load_of_one_address_keeps_source_order);
    tcase_add_test(dep, test_two_stores_to_one_address_keep_source_order);
    tcase_add_test(dep, test_vector_store_orders_a_load_of_any_word_it_may_touch);
    tcase_add_test(dep, test_noalias_lets_loads_and_stores_share_bundles);
    tcase_add_test(dep, test_loads_never_wait_for_loads);
    tcase_add_test(dep, test_lane_split_consumer_waits_for_its_own_lane);
    tcase_add_test(dep, test_placements_are_kept_valu_at_valu_on_valu_and_valu_at_alu_on_alu_lanes);
    tcase_add_test(dep, test_trace_writes_keep_their_order);
    tcase_add_test(dep, test_priority_puts_the_higher_slot_first_and_source_order_breaks_ties);
    tcase_add_test(dep, test_rept_and_for_expand_inside_a_region);
    suite_add_tcase(s, dep);

    TCase *tmp = tcase_create("temporaries");
    tcase_set_timeout(tmp, 60);
    tcase_add_test(tmp, test_temporaries_with_disjoint_lifetimes_share_words);
    tcase_add_test(tmp, test_temporaries_live_at_once_get_their_own_words);
    tcase_add_test(tmp, test_vector_temporaries_reuse_words_and_arrays_by_element);
    tcase_add_test(tmp, test_temporaries_are_renamed_per_macro_call_and_per_region);
    tcase_add_test(tmp, test_each_module_has_its_own_pool_and_the_modules_link_and_run);
    tcase_add_test(tmp, test_a_region_repeated_by_rept_has_its_temporaries_each_time);
    tcase_add_test(tmp, test_pool_takes_another_name_when_temps_is_taken_and_a_temporary_hides_a_variable);
    tcase_add_test(tmp, test_scheduler_throttles_when_all_chains_at_once_do_not_fit);
    tcase_add_test(tmp, test_throttled_schedule_is_still_packed_when_some_room_is_left);
    tcase_add_test(tmp, test_temporaries_that_never_fit_are_an_error_naming_the_sizes);
    suite_add_tcase(s, tmp);

    TCase *jmp = tcase_create("jumps");
    tcase_add_test(jmp, test_cond_jump_rel_past_a_shrinking_region_lands_on_its_label);
    tcase_add_test(jmp, test_backward_cond_jump_rel_over_a_region_loops_the_right_times);
    tcase_add_test(jmp, test_label_difference_across_a_region_counts_the_scheduled_bundles);
    tcase_add_test(jmp, test_jump_to_a_label_after_a_region_uses_the_packed_bundle);
    tcase_add_test(jmp, test_label_value_after_a_region_is_its_packed_bundle_for_jump_indirect);
    suite_add_tcase(s, jmp);

    TCase *err = tcase_create("errors");
    tcase_add_test(err, test_control_flow_in_a_region_is_an_error_that_says_why);
    tcase_add_test(err, test_label_in_a_region_is_an_error_at_the_label);
    tcase_add_test(err, test_explicit_bundle_and_nop_in_a_region_are_errors);
    tcase_add_test(err, test_temporary_outside_a_region_is_an_error);
    tcase_add_test(err, test_temporary_read_before_written_is_an_error_at_the_operand);
    tcase_add_test(err, test_region_nesting_and_pairing_errors);
    tcase_add_test(err, test_placement_errors);
    tcase_add_test(err, test_priority_outside_a_region_is_an_error);
    suite_add_tcase(s, err);

    TCase *fixed = tcase_create("fixed_bugs");
    tcase_add_test(fixed, test_a_write_after_a_temporarys_last_read_does_not_clobber_another_temporary);
    tcase_add_test(fixed, test_a_late_write_to_one_word_of_a_vector_temporary_does_not_clobber_another);
    tcase_add_test(fixed, test_split_lanes_of_an_op_reading_its_own_destination_see_old_values);
    tcase_add_test(fixed, test_vbroadcast_from_a_word_of_its_own_destination_assembles);
    tcase_add_test(fixed, test_a_vector_op_on_literal_addresses_is_scheduled_whole);
    tcase_add_test(fixed, test_a_numeric_scratch_address_is_ordered_against_named_scratch);
    tcase_add_test(fixed, test_messages_name_a_temporary_as_written);
    tcase_add_test(fixed, test_unknown_linear_option_is_the_only_error);
    tcase_add_test(fixed, test_fence_keeps_memory_order_in_a_noalias_region);
    tcase_add_test(fixed, test_fence_outside_a_region_is_an_error);
    suite_add_tcase(s, fixed);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(opt_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* program: the shared middle form, its scratch ranges and the arithmetic. */
#include "program.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "background.h"
#include "xalloc.h"

/* How far ahead of use a big array's pages are asked for: a chunk at a
 * time, so that the pages doubling leaves unused at the end are never
 * touched.  The helper thread asks for them (xprefault_async) a chunk
 * before the writer gets there. */
#define GROW_AHEAD ((size_t)256 << 10)

void *asm_grow_slow(void *v, size_t *cap, size_t need, size_t elem)
{
    size_t have = v ? malloc_usable_size(v) / elem : 0, ahead = GROW_AHEAD / elem;
    /* Asked for so far: a chunk past *cap, as far as the array went. */
    size_t asked = *cap + ahead < have ? *cap + ahead : have;
    if (need > have || !v) {   /* (never NULL, even for need 0: see asm_grow) */
        size_t c = *cap ? *cap : 64;
        while (c < need)
            c *= 2;
        bg_wait();   /* no page of the old place is asked for once it is gone */
        v = realloc(v, c * elem);
        if (!v)
            abort();
        have = c;
    }
    size_t ready = have - need > ahead ? need + ahead : have;
    size_t ask = have - ready > ahead ? ready + ahead : have;
    if (ask > asked && ask * elem >= XPREFAULT_MIN)
        xprefault_async((char *)v + asked * elem, (ask - asked) * elem);
    *cap = ready;
    return v;
}

size_t asm_release(void *v, size_t done, size_t to)
{
    if (to < done + ((size_t)2 << 20))
        return done;   /* a couple of megabytes at a time */
    bg_wait();   /* (pages asked for are never given back while asked for) */
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), base = (uintptr_t)v;
    uintptr_t lo = (base + done + page - 1) & ~(page - 1), hi = (base + to) & ~(page - 1);
    /* Whole pages inside the array: never the allocator's bookkeeping
     * before and after it. */
    madvise((void *)lo, hi - lo, MADV_DONTNEED);
    return hi - base;
}

void asm_arg_set_full(asm_program *p, size_t i, const asm_operand *op)
{
    asm_arg *a = &p->args[i];
    if (a->tag != ASM_ARG_FULL) {   /* (an entry of its own, reused when it is rewritten) */
        p->opds = asm_grow(p->opds, &p->cap_opds, p->nopds + 1, sizeof *p->opds);
        *a = (asm_arg){(uint32_t)p->nopds++, 0, 0, ASM_ARG_FULL};
    }
    p->opds[a->v] = *op;
}

void asm_program_free(asm_program *p)
{
    free(p->bundles);
    free(p->slots);
    free(p->args);
    free(p->opds);
    free(p->frames);
    free(p->priority);
    free(p->symbols);
    free(p->regions);
    free(p->bundle_remap);
    free(p->checked_plain);
    free(p->checked_bundles);
    memset(p, 0, sizeof *p);
}

const char *asm_sym_noun(const asm_symbol *s)
{
    switch ((asm_sym_kind)s->kind) {
    case SYM_CONST: return "a constant";
    case SYM_LABEL: return "a code label";
    case SYM_SCRATCH: return "a scratch variable";
    case SYM_EXTERN: return "an external symbol";
    case SYM_UNDEFINED: break;
    }
    return "undefined";
}

/* Operand i's value and symbol (NULL: absolute), without the rest of
 * its record: a plain number is read straight from its asm_arg. */
static int64_t arg_value(const asm_program *p, size_t i, const asm_symbol **sym)
{
    asm_arg a = p->args[i];
    if (a.tag != ASM_ARG_FULL) {
        *sym = NULL;
        return asm_plain_arg(a);
    }
    const asm_operand *op = &p->opds[a.v];
    *sym = op->form == OPD_SYM ? op->u.sym : NULL;
    return op->value;
}

int asm_slot_ranges(const asm_program *p, const asm_pslot *slot, int writes,
                    asm_sym_range out[ISA_MAX_RANGES])
{
    int n = 0, nfx;
    const isa_operand_effect *fx = isa_scratch_effects(slot->op, &nfx);
    for (int i = 0; i < nfx; i++) {
        if (fx[i].writes != writes)
            continue;
        const asm_symbol *sym, *disp_sym = NULL;
        int64_t value = arg_value(p, slot->first_arg + (size_t)fx[i].arg, &sym), disp = 0;
        if (fx[i].disp_arg >= 0)
            disp = arg_value(p, slot->first_arg + (size_t)fx[i].disp_arg, &disp_sym);
        /* A relocated displacement is not known before linking: its value
         * is the relocation's addend, not the distance. */
        out[n++] = (asm_sym_range){sym, value + disp, fx[i].words, fx[i].arg, (uint8_t)(disp_sym != NULL)};
    }
    return n;
}

/* What asm_plain_bundle_clean needs of each op, from the ISA table:
 * its destination operands (isa_scratch_effects' writes, without the
 * sources to pass over) and its engine as a one-byte counter in a word.
 * A bundle's counters, each biased by 127 - the engine's slot limit, set
 * a byte's top bit when that engine is over its limit (a bundle of at
 * most MOST_COUNTED slots never carries out of a byte). */
enum { MOST_COUNTED = 64 };
static struct {
    uint8_t nwrites;
    isa_operand_effect writes[ISA_MAX_RANGES];
    uint64_t engine_count;
} op_facts[ISA_OP_COUNT];
static uint64_t limit_bias;
static int op_facts_ready;

static void op_facts_init(void)
{
    for (int op = 0; op < ISA_OP_COUNT; op++) {
        int nfx;
        const isa_operand_effect *fx = isa_scratch_effects(op, &nfx);
        for (int i = 0; i < nfx; i++)
            if (fx[i].writes)
                op_facts[op].writes[op_facts[op].nwrites++] = fx[i];
        op_facts[op].engine_count = (uint64_t)1 << (8 * isa_ops[op].engine);
    }
    for (int e = 0; e < ISA_ENGINE_COUNT; e++)
        limit_bias |= (uint64_t)(127 - isa_engines[e].slot_limit) << (8 * e);
    op_facts_ready = 1;
}

/* The words plain slot `slot` writes, each [first, first+count). */
typedef struct {
    int64_t first;
    uint32_t count;
} plain_range;

static int plain_slot_writes(const asm_program *p, const asm_pslot *slot, plain_range out[ISA_MAX_RANGES])
{
    const asm_arg *args = &p->args[slot->first_arg];
    int n = op_facts[slot->op].nwrites;
    for (int i = 0; i < n; i++) {
        const isa_operand_effect *fx = &op_facts[slot->op].writes[i];
        int64_t first = asm_plain_arg(args[fx->arg]);
        if (fx->disp_arg >= 0)
            first += asm_plain_arg(args[fx->disp_arg]);
        out[i] = (plain_range){first, fx->words};
    }
    return n;
}

int asm_plain_bundle_clean(const asm_program *p, const asm_pbundle *b, int writes_too)
{
    plain_range seen[MOST_COUNTED * ISA_MAX_RANGES];
    if (!op_facts_ready)
        op_facts_init();
    uint64_t counts = limit_bias;
    int nseen = 0;
    if (!p->checked_plain || b->nslots > MOST_COUNTED)
        return 0;   /* not known, or a bundle for the full check */
    for (uint32_t k = 0; k < b->nslots; k++) {
        size_t at = (size_t)b->first_slot + k;
        const asm_pslot *slot = &p->slots[at];
        if (!(p->checked_plain[at / 64] >> (at % 64) & 1))
            return 0;
        counts += op_facts[slot->op].engine_count;
        if (!writes_too || b->nslots < 2)
            continue;
        /* The slot's ranges go after those of the slots before it, and
         * are compared with them. */
        plain_range *w = &seen[nseen];
        int nw = plain_slot_writes(p, slot, w);
        for (int x = 0; x < nw; x++)
            for (int y = 0; y < nseen; y++)
                if (w[x].first < seen[y].first + seen[y].count && seen[y].first < w[x].first + w[x].count)
                    return 0;
        nseen += nw;
    }
    return (counts & 0x8080808080808080u) == 0;
}

int asm_slot_isa_of(const asm_arg *all_args, const asm_operand *opds, const asm_pslot *slot, uint32_t comment,
                    isa_slot *out)
{
    const isa_op_info *info = &isa_ops[slot->op];
    const asm_arg *args = &all_args[slot->first_arg];
    int plain = 1, a = 0;
    out->op = slot->op;
    for (; a < info->nargs; a++) {
        asm_arg x = args[a];
        if (x.tag != ASM_ARG_FULL) {
            out->arg[a] = asm_plain_arg(x);
            continue;
        }
        plain = 0;
        const asm_operand *op = &opds[x.v];
        out->arg[a] = info->kinds[a] == 'c' ? comment : op->form == OPD_SYM ? 0 : op->value;
    }
    for (; a < ISA_MAX_ARGS; a++)
        out->arg[a] = 0;
    return plain;
}

/* ---- arithmetic -------------------------------------------------------- */

const char *asm_fold_binop(asm_binop op, int64_t a, int64_t b, int64_t *out)
{
    uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
    switch (op) {
    case BIN_ADD: *out = (int64_t)(ua + ub); break;
    case BIN_SUB: *out = (int64_t)(ua - ub); break;
    case BIN_MUL: *out = (int64_t)(ua * ub); break;
    case BIN_DIV:
    case BIN_MOD:
        if (b == 0)
            return op == BIN_DIV ? "division by zero" : "remainder by zero";
        if (a == INT64_MIN && b == -1)
            *out = op == BIN_DIV ? INT64_MIN : 0;   /* wraps, like the rest */
        else
            *out = op == BIN_DIV ? a / b : a % b;
        break;
    case BIN_SHL:
    case BIN_SHR:
        if (b < 0 || b > 63)
            return "shift count outside 0..63";
        *out = op == BIN_SHL ? (int64_t)(ua << b) : a >> b;   /* >> keeps the sign */
        break;
    case BIN_AND: *out = a & b; break;
    case BIN_OR: *out = a | b; break;
    case BIN_XOR: *out = a ^ b; break;
    case BIN_LT: *out = a < b; break;
    case BIN_GT: *out = a > b; break;
    case BIN_LE: *out = a <= b; break;
    case BIN_GE: *out = a >= b; break;
    case BIN_EQ: *out = a == b; break;
    case BIN_NE: *out = a != b; break;
    case BIN_LAND: *out = a && b; break;
    case BIN_LOR: *out = a || b; break;
    }
    return NULL;
}

int64_t asm_fold_unop(asm_unop op, int64_t a)
{
    switch (op) {
    case UN_NEG: return (int64_t)(0 - (uint64_t)a);
    case UN_NOT: return ~a;
    case UN_LNOT: return !a;
    }
    return 0;
}

/* program: the shared middle form, its scratch ranges and the arithmetic. */
#include "program.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xalloc.h"

/* How far ahead of use a big array's pages are asked for (xprefault):
 * a chunk at a time, so that the pages doubling leaves unused at the
 * end are never touched. */
#define GROW_AHEAD ((size_t)512 << 10)

void *asm_grow_slow(void *v, size_t *cap, size_t need, size_t elem)
{
    size_t have = v ? malloc_usable_size(v) / elem : 0;
    if (need > have || !v) {   /* (never NULL, even for need 0: see asm_grow) */
        size_t c = *cap ? *cap : 64;
        while (c < need)
            c *= 2;
        v = realloc(v, c * elem);
        if (!v)
            abort();
        have = c;
    }
    size_t ready = have - need > GROW_AHEAD / elem ? need + GROW_AHEAD / elem : have;
    if (ready > *cap && ready * elem >= XPREFAULT_MIN)
        xprefault((char *)v + *cap * elem, (ready - *cap) * elem);
    *cap = ready;
    return v;
}

size_t asm_release(void *v, size_t done, size_t to)
{
    if (to < done + ((size_t)2 << 20))
        return done;   /* a couple of megabytes at a time */
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
        return a.tag == ASM_ARG_NEG ? -(int64_t)a.v : (int64_t)a.v;
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
            out->arg[a] = x.tag == ASM_ARG_NEG ? -(int64_t)x.v : (int64_t)x.v;
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

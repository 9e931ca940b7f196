/*
 * bind: every operand to a (value, symbol) pair, and every check on a slot
 * that needs neither the final bundles nor the linker.
 *
 * An operand is absolute (symbol NULL) or "symbol + offset".  Only these
 * may stay relocatable: symbol + constant, constant + symbol, symbol -
 * constant; x[i] - x[j] becomes a constant.  How a symbol is used decides
 * the relocation: a scratch operand relocates by the symbol's scratch
 * address, a jump target by its bundle.
 *
 * What needs final bundle numbers -- the distance between two labels, a
 * relative jump to a label of this module -- is left for layout: the
 * operand is marked late and bound again by asm_bind_late once passes
 * have settled the bundles (like a fixup in LLVM MC).  Until then labels
 * hold the number of the bundle they were written before.
 *
 * Checks made here, each at the operand or slot it concerns: undefined
 * names, a label where scratch is wanted (and the reverse), array indices
 * and every word of a symbolic operand (vectors: all 8 lanes) inside its
 * declaration, absolute operands against the machine (isa_check_slot).
 */
#include "program.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "spell.h"
#include "xalloc.h"

typedef struct {
    asm_ctx *ctx;
    asm_program *p;
    int final;               /* label values are final bundle numbers (layout) */
    int late;                /* the operand being bound needs them */
    /* The names a did-you-mean may offer, gathered at the first undefined
     * name: symbols are mostly temporaries (renamed per macro call), and
     * errors repeated in a loop would scan them all each time. */
    const char **known;
    size_t nknown;
    int known_ready;
    /* The answers for the names asked last: an undefined name repeated in
     * a loop is one question, not one scan of every name per repetition. */
    struct {
        const asm_name *name;
        const char *near;
    } asked[64];
    /* Per op, the machine's limits on operands that are plain numbers
     * (asm_arg POS and NEG: magnitudes), so that such a slot is checked
     * without building an isa_slot; none for ops whose check needs more
     * (displaced, key, comment operands): they take isa_check_slot. */
    struct {
        uint8_t table;
        uint32_t pos_max[ISA_MAX_ARGS], neg_max[ISA_MAX_ARGS];
    } plain[ISA_OP_COUNT];
} resolver;

static void plain_limits(resolver *r)
{
    for (int op = 0; op < ISA_OP_COUNT; op++) {
        const isa_op_info *info = &isa_ops[op];
        r->plain[op].table = 1;
        for (int a = 0; a < info->nargs; a++) {
            uint32_t pos = 0, neg = 0;
            switch (info->kinds[a]) {
            case 'd': case 's': pos = ISA_SCRATCH_WORDS - 1; break;
            case 'D': case 'S': pos = ISA_SCRATCH_WORDS - ISA_VLEN; break;
            case 'i': case 't': case 'r': pos = (uint32_t)ISA_IMM_MAX; neg = (uint32_t)-ISA_IMM_MIN; break;
            case 'n': pos = (uint32_t)ISA_IMM_MAX; break;
            default: r->plain[op].table = 0; break;   /* e f k K c */
            }
            r->plain[op].pos_max[a] = pos;
            r->plain[op].neg_max[a] = neg;
        }
    }
}

typedef struct {
    int64_t value;
    asm_symbol *sym;
} rval;

static void error(resolver *r, const asm_loc *loc, const asm_frame *frame, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void error(resolver *r, const asm_loc *loc, const asm_frame *frame, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    asm_vreport(r->ctx, ASM_ERROR, NULL, loc, frame, fmt, ap);
    va_end(ap);
}

static void note(resolver *r, const asm_loc *loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(resolver *r, const asm_loc *loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    asm_vreport(r->ctx, ASM_NOTE, NULL, loc, NULL, fmt, ap);
    va_end(ap);
}

/* ---- expressions ------------------------------------------------------- */

static int eval(resolver *r, const asm_pslot *slot, const asm_expr *e, rval *out);

/* "did you mean": the defined symbol nearest in spelling (temporaries of
 * .linear regions aside: their names are the optimizer's). */
static const char *nearest_symbol(resolver *r, const asm_name *name)
{
    size_t slot = name->hash % (sizeof r->asked / sizeof *r->asked);
    if (r->asked[slot].name == name)
        return r->asked[slot].near;
    if (!r->known_ready) {
        r->known = xmallocarray(r->p->nsymbols + 1, sizeof *r->known);
        for (size_t i = 0; i < r->p->nsymbols; i++) {
            const asm_symbol *s = r->p->symbols[i];
            if (s->kind != SYM_UNDEFINED && !s->temp)
                r->known[r->nknown++] = s->name->text;
        }
        r->known_ready = 1;
    }
    spell_match m;
    spell_init(&m, name->text);
    for (size_t i = 0; i < r->nknown; i++)
        spell_consider(&m, r->known[i]);
    r->asked[slot].name = name;
    r->asked[slot].near = spell_result(&m);
    return r->asked[slot].near;
}

static int eval_name(resolver *r, const asm_pslot *slot, asm_name *n, const asm_loc *loc, rval *out)
{
    asm_symbol *s = n->sym;
    if (!s || s->kind == SYM_UNDEFINED) {
        const char *near = nearest_symbol(r, n);
        error(r, loc, asm_frame_of(r->p, slot->frame), "undefined symbol '%s'%s%s%s", n->text, near ? "; did you mean '" : "",
              near ? near : "", near ? "'?" : "");
        if (n->macro)
            note(r, loc, "'%s' is a macro; a macro call is a line (or a slot in < >) of its own", n->text);
        return -1;
    }
    switch ((asm_sym_kind)s->kind) {
    case SYM_CONST:
        if (s->redefinable) {
            error(r, loc, asm_frame_of(r->p, slot->frame), "'%s' has no value here: a .set value counts only after its .set",
                  n->text);
            note(r, &s->loc, "'%s' is set here", n->text);
            return -1;
        }
        *out = (rval){s->value, NULL};
        return 0;
    case SYM_SCRATCH:
        *out = s->fixed ? (rval){s->value, NULL} : (rval){0, s};
        return 0;
    case SYM_LABEL:
    case SYM_EXTERN:
        *out = (rval){0, s};
        return 0;
    case SYM_UNDEFINED:
        break;
    }
    return -1;
}

/* n[index]: an element of a scratch array. */
static int eval_elem(resolver *r, const asm_pslot *slot, asm_name *n, int64_t index, const asm_loc *loc,
                     rval *out)
{
    rval base;
    if (eval_name(r, slot, n, loc, &base) != 0)
        return -1;
    asm_symbol *s = n->sym;
    /* Another module's array counts in words; its extent, when declared
     * (.extern NAME[N]), bounds the index here, and the linker checks the
     * reference against the definition either way. */
    int external = s->kind == SYM_EXTERN && (!s->extern_kind || s->extern_kind == IMG_SYM_SCRATCH);
    if (s->kind != SYM_SCRATCH && !external) {
        error(r, loc, asm_frame_of(r->p, slot->frame), "'%s' is %s; only a scratch array (.word, .vec or .extern) can be indexed",
              n->text, asm_sym_noun(s));
        return -1;
    }
    uint32_t count = external ? s->size : s->count;
    if (index < 0 && !count) {
        error(r, loc, asm_frame_of(r->p, slot->frame), "index %" PRId64 " is outside '%s' (an index is not negative)", index, n->text);
        return -1;
    }
    if (index < 0 || (count && index >= count)) {
        error(r, loc, asm_frame_of(r->p, slot->frame), "index %" PRId64 " is outside '%s' (%s[0..%" PRIu32 "])", index, n->text,
              n->text, count - 1);
        note(r, &s->loc, "'%s' is declared here", n->text);
        return -1;
    }
    int64_t offset = index * (external ? 1 : s->elem);
    *out = s->fixed ? (rval){s->value + offset, NULL} : (rval){offset, s};
    return 0;
}

static int not_relocatable(resolver *r, const asm_pslot *slot, const asm_expr *e)
{
    error(r, &e->loc, asm_frame_of(r->p, slot->frame), "expression is not a constant or symbol+offset");
    return -1;
}

static int eval(resolver *r, const asm_pslot *slot, const asm_expr *e, rval *out)
{
    rval a, b;
    switch ((asm_expr_kind)e->kind) {
    case EX_INT:
        *out = (rval){e->u.value, NULL};
        return 0;
    case EX_NAME: return eval_name(r, slot, e->u.name, &e->loc, out);
    case EX_INDEX:
        if (eval(r, slot, e->u.sub.b, &a) != 0)
            return -1;
        if (a.sym) {
            error(r, &e->u.sub.b->loc, asm_frame_of(r->p, slot->frame), "an array index must be a constant");
            return -1;
        }
        return eval_elem(r, slot, e->u.sub.a->u.name, a.value, &e->loc, out);
    case EX_UNARY:
        if (eval(r, slot, e->u.sub.a, &a) != 0)
            return -1;
        if (a.sym)
            return not_relocatable(r, slot, e);
        *out = (rval){asm_fold_unop((asm_unop)e->op, a.value), NULL};
        return 0;
    case EX_COND:
        if (eval(r, slot, e->u.sub.a, &a) != 0)
            return -1;
        if (a.sym)
            return not_relocatable(r, slot, e->u.sub.a);
        return eval(r, slot, a.value ? e->u.sub.b : e->u.sub.c, out);
    case EX_BINARY:
        if (eval(r, slot, e->u.sub.a, &a) != 0 || eval(r, slot, e->u.sub.b, &b) != 0)
            return -1;
        if (!a.sym && !b.sym) {
            const char *why = asm_fold_binop((asm_binop)e->op, a.value, b.value, &out->value);
            out->sym = NULL;
            if (why) {
                error(r, &e->loc, asm_frame_of(r->p, slot->frame), "%s", why);
                return -1;
            }
            return 0;
        }
        if (e->op == BIN_ADD && (!a.sym || !b.sym)) {
            *out = (rval){(int64_t)((uint64_t)a.value + (uint64_t)b.value), a.sym ? a.sym : b.sym};
            return 0;
        }
        if (e->op == BIN_SUB && a.sym && !b.sym) {
            *out = (rval){(int64_t)((uint64_t)a.value - (uint64_t)b.value), a.sym};
            return 0;
        }
        if (e->op == BIN_SUB && a.sym && b.sym &&
            (a.sym == b.sym || (a.sym->kind == SYM_LABEL && b.sym->kind == SYM_LABEL))) {
            /* The distance between two places of this module: known once
             * the bundles are final. */
            if (a.sym != b.sym && !r->final)
                r->late = 1;
            int64_t base = a.sym == b.sym ? 0 : a.sym->value - b.sym->value;
            *out = (rval){base + a.value - b.value, NULL};
            return 0;
        }
        return not_relocatable(r, slot, e);
    case EX_PARAM:
    case EX_WORD:
    case EX_STRING:
        break;
    }
    error(r, &e->loc, asm_frame_of(r->p, slot->frame), "not a value");
    return -1;
}

/* ---- operands ------------------------------------------------------------- */

static int is_scratch_kind(char k)
{
    return k == 'd' || k == 'D' || k == 's' || k == 'S' || k == 'e' || k == 'f';
}

/* An extern's kind follows from its uses; two uses must agree. */
static int extern_use(resolver *r, const asm_pslot *slot, asm_symbol *s, int kind, const asm_loc *loc)
{
    if (!s->extern_kind) {
        s->extern_kind = (uint8_t)kind;
        s->use_loc = *loc;
        return 0;
    }
    if (s->extern_kind == kind)
        return 0;
    error(r, loc, asm_frame_of(r->p, slot->frame), "external '%s' is used here as %s, but elsewhere as %s", s->name->text,
          kind == IMG_SYM_SCRATCH ? "a scratch address" : "a code label",
          s->extern_kind == IMG_SYM_SCRATCH ? "a scratch address" : "a code label");
    note(r, &s->use_loc, "the other use is here");
    return -1;
}

/* Decides how a symbolic operand is relocated (or computes it). */
static int relocate(resolver *r, const asm_pslot *slot, size_t bundle, char k, asm_operand *op, const asm_loc *loc)
{
    asm_symbol *s = op->u.sym;
    const char *name = s->name->text;
    if (is_scratch_kind(k)) {
        if (s->kind == SYM_LABEL) {
            error(r, loc, asm_frame_of(r->p, slot->frame), "'%s' is a code label, but this operand is a scratch address", name);
            return -1;
        }
        if (s->kind == SYM_EXTERN && extern_use(r, slot, s, IMG_SYM_SCRATCH, loc) != 0)
            return -1;
        op->reloc = IMG_REL_SCRATCH;
    } else if (k == 't' || k == 'r') {
        if (s->kind == SYM_SCRATCH) {
            error(r, loc, asm_frame_of(r->p, slot->frame), "'%s' is a scratch variable, but this operand is a code %s", name,
                  k == 't' ? "target" : "offset");
            return -1;
        }
        if (s->kind == SYM_EXTERN && extern_use(r, slot, s, IMG_SYM_LABEL, loc) != 0)
            return -1;
        if (k == 'r' && s->kind == SYM_LABEL) {
            /* Same module: the distance is known after layout. */
            if (!r->final) {
                r->late = 1;
                return 0;
            }
            op->value = s->value + op->value - (int64_t)(bundle + 1);
            op->form = OPD_INT;
            return 0;
        }
        op->reloc = k == 't' ? IMG_REL_CODE_ABS : IMG_REL_CODE_REL;
    } else if (k == 'i') {
        op->reloc = s->kind == SYM_LABEL ? IMG_REL_CODE_ABS : s->kind == SYM_SCRATCH ? IMG_REL_SCRATCH : IMG_REL_CONST;
    } else if (k == 'n' && s->kind == SYM_EXTERN) {
        op->reloc = IMG_REL_CONST;
    } else {
        error(r, loc, asm_frame_of(r->p, slot->frame), "this operand must be a number, but '%s' is %s", name, asm_sym_noun(s));
        return -1;
    }
    if (op->value < INT32_MIN || op->value > INT32_MAX) {
        error(r, loc, asm_frame_of(r->p, slot->frame), "offset %" PRId64 " from '%s' does not fit a relocation (32 bits)", op->value,
              name);
        return -1;
    }
    return 0;
}

/* A symbolic scratch operand must stay inside its declaration. */
static int check_extent(resolver *r, const asm_pslot *slot, const asm_operand *args, int a, char k)
{
    const asm_operand *op = &args[a];
    if (op->form != OPD_SYM || !(op->u.sym->kind == SYM_SCRATCH || (op->u.sym->kind == SYM_EXTERN && op->u.sym->size)))
        return 0;   /* an extern of no declared extent: the linker checks it */
    const asm_symbol *s = op->u.sym;
    int64_t first = op->value;
    const char *imm = strchr(isa_ops[slot->op].kinds, 'i');
    if ((k == 'e' || k == 'f') && imm) {
        const asm_operand *off = &args[imm - isa_ops[slot->op].kinds];
        if (off->form == OPD_SYM)
            return 0;   /* the linker checks it */
        first += off->value;
    }
    int64_t width = (k == 'D' || k == 'S') ? ISA_VLEN : 1;
    if (first >= 0 && first + width <= s->size)
        return 0;
    const char *name = s->name->text;
    asm_loc loc = asm_pos_loc(r->ctx, op->pos);
    if (width > 1)
        error(r, &loc, asm_frame_of(r->p, slot->frame),
              "vector operand %s%+" PRId64 " covers words %" PRId64 "..%" PRId64 " of '%s', which has %" PRIu32
              " (0..%" PRIu32 ")",
              name, first, first, first + width - 1, name, s->size, s->size - 1);
    else
        error(r, &loc, asm_frame_of(r->p, slot->frame), "%s%+" PRId64 " is outside '%s', which has %" PRIu32 " word%s (0..%" PRIu32 ")",
              name, first, name, s->size, s->size == 1 ? "" : "s", s->size - 1);
    note(r, &s->loc, "'%s' is declared here", name);
    return -1;
}

static const char *const trace_key_list = "idx, val, node_val, hash_stage, hashed_val, next_idx, wrapped_idx";

/* Binds a slot's operands (args, read out of the program), checking what
 * needs no machine ranges; *late: some operand is left for layout. */
static int resolve_args(resolver *r, size_t bundle, const asm_pslot *slot, asm_operand *args, int *late_out)
{
    const isa_op_info *info = &isa_ops[slot->op];
    int ok = 1, late = 0;
    for (int a = 0; a < info->nargs; a++) {
        asm_operand *op = &args[a];
        char k = info->kinds[a];
        if (op->form == OPD_INT)
            continue;   /* a number as written (or a key's implicit stage 0) */
        asm_loc loc = asm_pos_loc(r->ctx, op->pos);
        if (k == 'c') {
            if (memchr(op->u.expr->u.str.text, '\0', op->u.expr->u.str.len)) {
                error(r, &loc, asm_frame_of(r->p, slot->frame), "a debug comment cannot hold a NUL byte");
                ok = 0;
            }
            continue;
        }
        if (k == 'k') {
            int key = op->form == OPD_NAME ? isa_find_trace_key(op->u.name->text) : -1;
            if (key < 0) {
                error(r, &loc, asm_frame_of(r->p, slot->frame), "expected a trace key (%s)", trace_key_list);
                ok = 0;
            }
            *op = (asm_operand){key, {NULL}, op->pos, OPD_INT, 0, 0};
            continue;
        }
        if (r->final && !op->late)
            continue;
        rval v;
        r->late = 0;
        int rc = op->form == OPD_NAME   ? eval_name(r, slot, op->u.name, &loc, &v)
                 : op->form == OPD_ELEM ? eval_elem(r, slot, op->u.name, op->value, &loc, &v)
                                        : eval(r, slot, op->u.expr, &v);
        if (rc != 0) {
            ok = 0;
            continue;
        }
        if (r->late) {
            op->late = 1;   /* as written, for asm_bind_late */
            continue;
        }
        asm_operand bound = *op;
        bound.value = v.value;
        bound.form = v.sym ? OPD_SYM : OPD_INT;
        if (v.sym)
            bound.u.sym = v.sym;
        if (v.sym && relocate(r, slot, bundle, k, &bound, &loc) != 0) {
            ok = 0;
            continue;
        }
        if (r->late) {
            op->late = 1;
            continue;
        }
        bound.late = 0;
        *op = bound;
    }
    *late_out = 1;   /* (no machine check after an error) */
    if (!ok)
        return -1;
    for (int a = 0; a < info->nargs && !r->final; a++)
        if (is_scratch_kind(info->kinds[a]) && !args[a].late && check_extent(r, slot, args, a, info->kinds[a]) != 0)
            ok = 0;
    for (int a = 0; a < info->nargs; a++)
        late |= args[a].late;
    *late_out = late;
    return ok ? 0 : -1;
}

/* Binds and checks one slot: 1 when it holds only plain numbers within the
 * machine's limits (nothing else to do), 0 when bound otherwise, -1 after
 * an error. */
static int resolve_slot(resolver *r, size_t bundle, const asm_pslot *slot)
{
    const isa_op_info *info = &isa_ops[slot->op];
    asm_program *p = r->p;
    if (r->plain[slot->op].table) {   /* plain numbers within their limits: nothing to do */
        const asm_arg *args = &p->args[slot->first_arg];
        int a, fits = 1;
        for (a = 0; a < info->nargs && args[a].tag != ASM_ARG_FULL; a++)
            fits &= args[a].v <= (args[a].tag == ASM_ARG_NEG ? r->plain[slot->op].neg_max[a]
                                                              : r->plain[slot->op].pos_max[a]);
        if (a == info->nargs && fits)
            return 1;   /* what isa_check_slot would find; it explains a failure */
    }
    /* Plain numbers need nothing here but the machine check below. */
    int plain = 1;
    for (int a = 0; a < info->nargs; a++)
        plain &= p->args[slot->first_arg + (size_t)a].tag != ASM_ARG_FULL;
    asm_operand args[ISA_MAX_ARGS];
    int ok = 1;
    if (!plain) {
        asm_slot_args(p, slot, args);
        int late;
        ok = resolve_args(r, bundle, slot, args, &late) == 0;
        for (int a = 0; a < info->nargs; a++)
            if (p->args[slot->first_arg + (size_t)a].tag == ASM_ARG_FULL)
                asm_arg_set(p, slot->pos, slot->first_arg + (size_t)a, &args[a]);
        if (late)
            return ok ? 0 : -1;   /* the whole slot is checked when bound again */
    }

    /* The absolute operands against the machine; symbolic ones were checked
     * against their declarations above and are re-checked after linking. */
    isa_slot check;
    asm_slot_isa(r->p, slot, &check);
    char why[160];
    int bad;
    if (ok && isa_check_slot(&check, why, sizeof why, &bad) != 0) {
        if (plain)
            asm_slot_args(p, slot, args);
        int in_range = bad >= 0 && bad < info->nargs;
        int symbolic = in_range && args[bad].form == OPD_SYM;
        const char *imm = strchr(info->kinds, 'i');
        if (in_range && (info->kinds[bad] == 'e' || info->kinds[bad] == 'f') && imm)
            symbolic |= args[imm - info->kinds].form == OPD_SYM;
        if (!symbolic) {
            asm_loc loc = asm_pos_loc(r->ctx, in_range ? args[bad].pos : slot->pos);
            error(r, &loc, asm_frame_of(r->p, slot->frame), "%s", why);
            ok = 0;
        }
    }
    return ok ? 0 : -1;
}

/* ---- symbols ----------------------------------------------------------------- */

static void check_symbols(resolver *r)
{
    for (size_t i = 0; i < r->p->nsymbols; i++) {
        const asm_symbol *s = r->p->symbols[i];
        if (s->global && s->kind == SYM_UNDEFINED)
            error(r, &s->global_loc, NULL, "'%s' is declared .global but not defined in this module",
                  s->name->text);
        else if (s->global && s->kind == SYM_CONST && (s->value < ISA_IMM_MIN || s->value > ISA_IMM_MAX))
            error(r, &s->loc, s->frame, "global constant '%s' = %" PRId64 " does not fit 32 bits", s->name->text,
                  s->value);
    }
}

static void resolve_entry(resolver *r)
{
    asm_program *p = r->p;
    if (!p->has_entry)
        return;
    asm_symbol *s = NULL;
    if (p->entry_name) {
        const asm_expr *e = p->entry_name;
        s = e->kind == EX_NAME ? e->u.name->sym : NULL;
        if (!s || s->kind != SYM_LABEL) {
            if (s && s->kind != SYM_UNDEFINED)
                error(r, &e->loc, p->entry_frame, ".entry needs a label of this module, but '%s' is %s",
                      s->name->text, asm_sym_noun(s));
            else
                error(r, &e->loc, p->entry_frame, ".entry needs a label of this module%s",
                      e->kind == EX_NAME ? ", and this name is not defined" : "");
            return;
        }
        if (s->value != 0) {
            error(r, &e->loc, p->entry_frame,
                  "the entry label '%s' is at bundle %" PRId64 "; it must be at the module's first bundle (0)",
                  s->name->text, s->value);
            note(r, &s->loc, "'%s' is here", s->name->text);
            return;
        }
    } else {
        for (size_t i = 0; i < p->nsymbols && !s; i++)
            if (p->symbols[i]->kind == SYM_LABEL && p->symbols[i]->value == 0)
                s = p->symbols[i];
        if (!s) {
            /* No label at the first bundle: make one for the claim. */
            asm_name *n = asm_intern(r->ctx, "_entry", 6);
            if (n->sym && n->sym->kind != SYM_UNDEFINED) {
                error(r, &p->entry_loc, p->entry_frame,
                      ".entry would name the first bundle '_entry', but that name is taken; "
                      "put a label before the first bundle");
                return;
            }
            s = asm_zalloc(&r->ctx->arena, sizeof *s);
            s->name = n;
            s->kind = SYM_LABEL;
            s->loc = p->entry_loc;
            n->sym = s;
            p->symbols = asm_grow(p->symbols, &p->cap_symbols, p->nsymbols + 1, sizeof *p->symbols);
            p->symbols[p->nsymbols++] = s;
        }
    }
    s->entry = 1;
}

int asm_bind(asm_ctx *ctx, asm_program *p)
{
    resolver r = {.ctx = ctx, .p = p, .final = 0};
    plain_limits(&r);
    int before = diag_error_count(ctx->d);
    check_symbols(&r);
    resolve_entry(&r);
    free(p->checked_plain);
    free(p->checked_bundles);
    p->checked_plain = p->nregions ? NULL : xcalloc(p->nslots / 64 + 1, sizeof *p->checked_plain);
    p->checked_bundles = p->nregions ? NULL : xcalloc(p->nbundles / 64 + 1, sizeof *p->checked_bundles);
    int writes_too = ctx->opt && (ctx->opt->warnings & ASM_W_DOUBLE_WRITE);
    for (size_t b = 0; b < p->nbundles; b++) {
        const asm_pbundle *bundle = &p->bundles[b];
        int plain = 1;
        for (uint32_t i = 0; i < bundle->nslots; i++) {
            size_t k = bundle->first_slot + i;
            if (resolve_slot(&r, b, &p->slots[k]) == 1 && p->checked_plain)
                p->checked_plain[k / 64] |= (uint64_t)1 << (k % 64);
            else
                plain = 0;
        }
        if (plain && p->checked_bundles && asm_plain_bundle_clean(p, bundle, writes_too))
            p->checked_bundles[b / 64] |= (uint64_t)1 << (b % 64);
    }
    free(r.known);
    return diag_error_count(ctx->d) == before ? 0 : -1;
}

int asm_bind_late(asm_ctx *ctx, asm_program *p)
{
    /* Only an operand held whole can be late: with none of those late,
     * no slot needs reading. */
    int any = 0;
    for (size_t i = 0; i < p->nopds && !any; i++)
        any = p->opds[i].late;
    if (!any)
        return 0;
    resolver r = {.ctx = ctx, .p = p, .final = 1};
    plain_limits(&r);
    int before = diag_error_count(ctx->d);
    for (size_t b = 0; b < p->nbundles; b++) {
        const asm_pbundle *bundle = &p->bundles[b];
        for (uint32_t i = 0; i < bundle->nslots; i++) {
            const asm_pslot *slot = &p->slots[bundle->first_slot + i];
            int late = 0;
            for (int a = 0; a < isa_ops[slot->op].nargs; a++)
                late |= asm_arg_late(p, slot->first_arg + (size_t)a);
            if (late)
                resolve_slot(&r, b, slot);
        }
    }
    free(r.known);
    return diag_error_count(ctx->d) == before ? 0 : -1;
}

/*
 * expand: the syntax tree to a flat program.
 *
 * Walks the statements in source order, keeping the assembly-time state
 * the directives change: constants (.equ, .set, .for variables, -D),
 * macros, and the symbols declared so far.  Macro calls, .rept, .for, .if
 * and .include are carried out here, so what comes out is bundles of slots
 * with a known op and operand expressions in which every parameter, loop
 * variable and constant known at that point is already a number.  Names
 * that are left (labels, scratch, externs, constants defined later) are
 * resolve.c's business.
 *
 * Macro arguments are substituted and folded at the call, in the caller's
 * scope: "hash i" inside ".for i" passes the current value of i.  Labels
 * defined in a macro body are private to each expansion (renamed
 * "name.N"), so a macro with a loop can be called twice.
 *
 * The parser hands over each finished top-level statement (asm_stmt_sink),
 * and the tree of that line is reused for the next one unless a macro
 * definition keeps it: what the program keeps of an operand is copied into
 * its compact form (or, for the odd complex expression, into the run's
 * arena).  Substitution's intermediate trees live in a scratch arena that
 * is emptied after each statement.
 */
#include "program.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "spell.h"

typedef struct asm_macro {
    asm_name *name;
    const asm_stmt *def;
} asm_macro;

/* The scope of one macro expansion. */
typedef struct {
    const asm_macro *macro;
    asm_expr **args;             /* per parameter, substituted at the call */
    asm_name **label_from, **label_to;
    uint32_t nlabels;
} macro_env;

/* The op last found for an op word's text on an engine, by the text's
 * address: generated code names few ops, and a written word's text is a
 * keyword, a symbol or an interned name (asm_word), which lives as long as
 * the expander, so its address stands for its spelling. */
#define OPCACHE_SIZE 64
typedef struct {
    const char *text;
    int engine, op;
} op_cached;

typedef struct asm_expander expander;
struct asm_expander {
    asm_ctx *ctx;
    asm_program *p;
    asm_arena temp;              /* substitution's trees, emptied per statement */
    const asm_frame *frame;
    const macro_env *env;
    int in_bundle;               /* a call inside < > is adding slots to it */
    int include_depth, macro_depth, feed_depth;
    int nesting;                 /* expand_body calls active (ASM_MAX_NESTING) */
    int kept;                    /* a macro definition points into the statements */
    uint64_t statements;
    uint64_t frames_kept;        /* times kept_frame handed the current frame out */
    uint32_t last_frame;         /* the program's frames entry kept_frame_index gave last */
    int stopped;                 /* over ASM_MAX_STATEMENTS: expand nothing more */
    uint64_t expansions;         /* numbers the private labels of expansions */
    uint32_t definitions;        /* numbers the symbols as they are defined */
    uint32_t region;             /* 1 + index of the open .linear region; 0: none */
    int32_t priority;            /* .priority in force in the region */
    int fence;                   /* a .fence waits for the region's next slot */
    asm_name **temps;            /* names given an alias by the open region's .temp */
    size_t ntemps, cap_temps;
    isa_op_index ops;            /* (engine, mnemonic) -> op: every slot looks its op up */
    op_cached opcache[OPCACHE_SIZE];
    int8_t key_at[ISA_OP_COUNT];  /* per op, its trace key operand, or -1 */
};

static void expand_body(expander *x, const asm_body *body);

static int find_op(const expander *x, int engine, const char *text)
{
    return isa_op_index_find(&x->ops, engine, text, strlen(text));
}

/* find_op for the op word of a slot, through the cache unless a
 * parameter held the text (a substituted tree's, emptied per statement). */
static int find_word_op(expander *x, int engine, const asm_word *w, const char *text)
{
    if (w->param)
        return find_op(x, engine, text);
    op_cached *c = &x->opcache[(((uintptr_t)text >> 3) ^ (uintptr_t)engine) % OPCACHE_SIZE];
    if (c->text == text && c->engine == engine)
        return c->op;
    int op = find_op(x, engine, text);
    *c = (op_cached){text, engine, op};
    return op;
}

static int find_engine(const char *text)
{
    for (int e = 0; e < ISA_ENGINE_COUNT; e++)
        if (text == isa_engines[e].name)
            return e;   /* a keyword: the parser used the table's own string */
    return isa_find_engine(text);
}

/* "did you mean" for an unknown op: the engine's op nearest in spelling,
 * or the binop a word names ("add" for "+"). */
static const char *nearest_op(int engine, const char *text)
{
    int binop = isa_find_binop_word(text);
    if (binop >= 0 && (engine == ISA_ENG_ALU || engine == ISA_ENG_VALU))
        return isa_binop_names[binop];
    spell_match m;
    spell_init(&m, text);
    for (int op = 0; op < ISA_OP_COUNT; op++)
        if ((int)isa_ops[op].engine == engine)
            spell_consider(&m, isa_ops[op].mnemonic);
    return spell_result(&m);
}

/* The current frame, for something that keeps it (a bundle, a symbol).
 * A loop reuses its iteration's frame when nothing kept it, so that a
 * loop of statements that make nothing (.equ, .if) takes no memory. */
static const asm_frame *kept_frame(expander *x)
{
    x->frames_kept++;
    return x->frame;
}

/* The same as an index into the program's frames, for slots and bundles
 * (consecutive ones mostly share their frame: one entry each time it
 * changes). */
static uint32_t kept_frame_index(expander *x)
{
    asm_program *p = x->p;
    const asm_frame *f = kept_frame(x);
    if (f == p->frames[x->last_frame])
        return x->last_frame;
    p->frames = asm_grow(p->frames, &p->cap_frames, p->nframes + 1, sizeof *p->frames);
    p->frames[p->nframes] = f;
    return x->last_frame = (uint32_t)p->nframes++;
}

/* An iteration's frame: the last one again when nothing kept it. */
static asm_frame *iteration_frame(expander *x, asm_frame *last, uint64_t kept_before)
{
    if (last && x->frames_kept == kept_before)
        return last;
    return asm_alloc(&x->ctx->arena, sizeof *last);
}

static void error(expander *x, const asm_loc *loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void error(expander *x, const asm_loc *loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    asm_vreport(x->ctx, ASM_ERROR, NULL, loc, x->frame, fmt, ap);
    va_end(ap);
}

static void note(expander *x, const asm_loc *loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(expander *x, const asm_loc *loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    asm_vreport(x->ctx, ASM_NOTE, NULL, loc, NULL, fmt, ap);
    va_end(ap);
}

static asm_expr *new_expr(expander *x, const asm_expr *like)
{
    asm_expr *e = asm_alloc(&x->temp, sizeof *e);
    *e = *like;
    return e;
}

static asm_expr *new_int(expander *x, int64_t v, const asm_loc *loc)
{
    asm_expr *e = asm_alloc(&x->temp, sizeof *e);
    e->kind = EX_INT;
    e->op = 0;
    e->depth = 0;
    e->loc = *loc;
    e->u.value = v;
    return e;
}

/* ---- symbols -------------------------------------------------------------- */

static asm_symbol *sym_get(expander *x, asm_name *n)
{
    if (n->sym)
        return n->sym;
    asm_symbol *s = asm_zalloc(&x->ctx->arena, sizeof *s);
    s->name = n;
    asm_program *p = x->p;
    p->symbols = asm_grow(p->symbols, &p->cap_symbols, p->nsymbols + 1, sizeof *p->symbols);
    p->symbols[p->nsymbols++] = s;
    n->sym = s;
    return s;
}

/* The symbol for a new definition of n, or NULL (reported) when n already
 * means something. */
static asm_symbol *sym_define(expander *x, asm_name *n, const asm_loc *loc)
{
    asm_symbol *s = sym_get(x, n);
    if (s->kind == SYM_UNDEFINED) {
        s->loc = *loc;
        s->frame = kept_frame(x);
        s->order = ++x->definitions;
        return s;
    }
    if (s->kind == SYM_EXTERN)
        error(x, loc, "'%s' is declared .extern (defined in another module), so it cannot be defined here",
              n->text);
    else
        error(x, loc, "'%s' is already defined (as %s)", n->text, asm_sym_noun(s));
    note(x, &s->loc, "the first definition of '%s' is here", n->text);
    return NULL;
}

/* ---- substitution ------------------------------------------------------------ */

static asm_expr *param_value(expander *x, const asm_expr *e)
{
    const macro_env *env = x->env;
    if (!env) {
        error(x, &e->loc, "macro parameter '\\%s' outside a macro body", e->u.name->text);
        return NULL;
    }
    const asm_stmt *def = env->macro->def;
    for (uint32_t i = 0; i < def->u.macro.nparams; i++)
        if (def->u.macro.params[i].name == e->u.name)
            return env->args[i];
    error(x, &e->loc, "macro '%s' has no parameter '%s'", env->macro->name->text, e->u.name->text);
    return NULL;
}

/* r, a new operator node over operands just substituted: a macro
 * argument put in place of a parameter deepens the tree, which must stay
 * within ASM_MAX_EXPR_DEPTH like the source's own.  NULL: too deep. */
static asm_expr *deepened(expander *x, asm_expr *r)
{
    unsigned depth = asm_expr_depth(r->u.sub.a, r->kind == EX_UNARY ? NULL : r->u.sub.b,
                                    r->kind == EX_COND ? r->u.sub.c : NULL);
    if (depth > ASM_MAX_EXPR_DEPTH) {
        error(x, &r->loc, "expression nested more than %d operators deep once macro arguments are in place",
              ASM_MAX_EXPR_DEPTH);
        return NULL;
    }
    r->depth = (uint16_t)depth;
    return r;
}

/* e with macro parameters and private labels replaced; with fold, also
 * constants known now and operators over known values.  The tree is shared
 * where nothing changes.  NULL: an error was reported. */
static asm_expr *subst(expander *x, asm_expr *e, int fold)
{
    switch ((asm_expr_kind)e->kind) {
    case EX_INT:
    case EX_WORD:
    case EX_STRING:
        return e;
    case EX_PARAM:
        return param_value(x, e);
    case EX_NAME: {
        asm_name *n = e->u.name;
        if (x->env)
            for (uint32_t i = 0; i < x->env->nlabels; i++)
                if (x->env->label_from[i] == n)
                    n = x->env->label_to[i];
        if (n->alias)
            n = n->alias;
        if (fold && n->sym && n->sym->kind == SYM_CONST)
            return new_int(x, n->sym->value, &e->loc);
        if (n == e->u.name)
            return e;
        asm_expr *r = new_expr(x, e);
        r->u.name = n;
        return r;
    }
    case EX_UNARY: {
        asm_expr *a = subst(x, e->u.sub.a, fold);
        if (!a)
            return NULL;
        if (a->kind == EX_INT)
            return new_int(x, asm_fold_unop((asm_unop)e->op, a->u.value), &e->loc);
        if (a == e->u.sub.a)
            return e;
        asm_expr *r = new_expr(x, e);
        r->u.sub.a = a;
        return deepened(x, r);
    }
    case EX_BINARY: {
        asm_expr *a = subst(x, e->u.sub.a, fold);
        if (!a)
            return NULL;
        /* && and || decide on their left side alone, as in C. */
        if (a->kind == EX_INT && ((e->op == BIN_LAND && !a->u.value) || (e->op == BIN_LOR && a->u.value)))
            return new_int(x, e->op == BIN_LOR, &e->loc);
        asm_expr *b = subst(x, e->u.sub.b, fold);
        if (!b)
            return NULL;
        if (a->kind == EX_INT && b->kind == EX_INT) {
            int64_t v;
            const char *why = asm_fold_binop((asm_binop)e->op, a->u.value, b->u.value, &v);
            if (why) {
                error(x, &e->loc, "%s in '%" PRId64 " %s %" PRId64 "'", why, a->u.value,
                      asm_binop_text((asm_binop)e->op), b->u.value);
                return NULL;
            }
            return new_int(x, v, &e->loc);
        }
        if (a == e->u.sub.a && b == e->u.sub.b)
            return e;
        asm_expr *r = new_expr(x, e);
        r->u.sub.a = a;
        r->u.sub.b = b;
        return deepened(x, r);
    }
    case EX_COND: {
        asm_expr *c = subst(x, e->u.sub.a, fold);
        if (!c)
            return NULL;
        if (c->kind == EX_INT)
            return subst(x, c->u.value ? e->u.sub.b : e->u.sub.c, fold);
        asm_expr *b = subst(x, e->u.sub.b, fold), *d = b ? subst(x, e->u.sub.c, fold) : NULL;
        if (!d)
            return NULL;
        asm_expr *r = new_expr(x, e);
        r->u.sub.a = c;
        r->u.sub.b = b;
        r->u.sub.c = d;
        return deepened(x, r);
    }
    case EX_INDEX: {
        asm_expr *base = subst(x, e->u.sub.a, 0), *index = subst(x, e->u.sub.b, fold);
        if (!base || !index)
            return NULL;
        if (base->kind != EX_NAME) {
            error(x, &base->loc, "only a scratch array (a .word or .vec name) can be indexed");
            return NULL;
        }
        if (base == e->u.sub.a && index == e->u.sub.b)
            return e;
        asm_expr *r = new_expr(x, e);
        r->u.sub.a = base;
        r->u.sub.b = index;
        return deepened(x, r);
    }
    }
    return e;
}

/* The first part of a non-constant expression that is not a known value. */
static const asm_expr *first_unknown(const asm_expr *e)
{
    switch ((asm_expr_kind)e->kind) {
    case EX_INT: return NULL;
    case EX_UNARY: return first_unknown(e->u.sub.a);
    case EX_BINARY:
    case EX_COND: {
        const asm_expr *u = first_unknown(e->u.sub.a);
        if (!u)
            u = first_unknown(e->u.sub.b);
        if (!u && e->kind == EX_COND)
            u = first_unknown(e->u.sub.c);
        return u;
    }
    default: return e;
    }
}

/* A copy of e in the run's arena, for the program to keep. */
static asm_expr *persist(expander *x, const asm_expr *e)
{
    asm_expr *c = asm_alloc(&x->ctx->arena, sizeof *c);
    *c = *e;
    switch ((asm_expr_kind)e->kind) {
    case EX_STRING:
        c->u.str.text = asm_strndup(&x->ctx->arena, e->u.str.text, e->u.str.len);
        break;
    case EX_UNARY:
    case EX_BINARY:
    case EX_COND:
    case EX_INDEX:
        c->u.sub.a = persist(x, e->u.sub.a);
        c->u.sub.b = e->u.sub.b ? persist(x, e->u.sub.b) : NULL;
        c->u.sub.c = e->u.sub.c ? persist(x, e->u.sub.c) : NULL;
        break;
    default:
        break;
    }
    return c;
}

/* The form of an operand the program keeps. */
static void store_operand(expander *x, asm_operand *o, const asm_expr *e)
{
    o->pos = asm_loc_pos(x->ctx, &e->loc);
    o->reloc = 0;
    o->late = 0;
    o->value = 0;
    if (e->kind == EX_INT) {
        o->form = OPD_INT;
        o->value = e->u.value;
    } else if (e->kind == EX_NAME) {
        o->form = OPD_NAME;
        o->u.name = e->u.name;
    } else if (e->kind == EX_INDEX && e->u.sub.b->kind == EX_INT) {
        o->form = OPD_ELEM;
        o->u.name = e->u.sub.a->u.name;
        o->value = e->u.sub.b->u.value;
    } else {
        o->form = OPD_EXPR;
        o->u.expr = persist(x, e);
    }
}

/* An expression that must be a number now: .equ, .set, .if, .rept, .for,
 * array sizes and addresses. */
static int eval_const(expander *x, asm_expr *e, const char *what, int64_t *out)
{
    asm_expr *r = subst(x, e, 1);
    if (!r)
        return -1;
    if (r->kind == EX_INT) {
        *out = r->u.value;
        return 0;
    }
    const asm_expr *u = first_unknown(r);
    if (!u)
        u = r;
    if (u->kind == EX_NAME && u->u.name->sym && u->u.name->sym->kind != SYM_UNDEFINED)
        error(x, &u->loc, "%s needs a constant, but '%s' is %s", what, u->u.name->text,
              asm_sym_noun(u->u.name->sym));
    else if (u->kind == EX_NAME)
        error(x, &u->loc, "%s needs a constant, but '%s' is not defined before this line", what,
              u->u.name->text);
    else if (u->kind == EX_STRING || u->kind == EX_WORD)
        error(x, &u->loc, "%s needs a number here", what);
    else
        error(x, &u->loc, "%s needs a constant", what);
    return -1;
}

/* A name written where a symbol is defined or declared (a label, .equ,
 * .word...): an identifier, or a macro parameter holding one. */
static asm_name *def_name(expander *x, asm_expr *e)
{
    asm_expr *r = subst(x, e, 0);
    if (!r)
        return NULL;
    if (r->kind != EX_NAME) {
        error(x, &r->loc, "expected a name here");
        return NULL;
    }
    return r->u.name;
}

/* The text of an op or engine word (also an identifier passed to a macro). */
static const char *word_text(const asm_expr *e)
{
    return e->kind == EX_WORD || e->kind == EX_NAME ? e->u.name->text : NULL;
}

/* ---- slots ---------------------------------------------------------------------- */

static void list_engines(char *buf, size_t size, unsigned set)
{
    size_t len = 0;
    int n = 0, total = __builtin_popcount(set);
    buf[0] = '\0';
    for (int e = 0; e < ISA_ENGINE_COUNT && len < size; e++) {
        if (!(set & (1u << e)))
            continue;
        n++;
        len += (size_t)snprintf(buf + len, size - len, "%s%s", n == 1 ? "" : n == total ? " and " : ", ",
                                isa_engines[e].name);
    }
}

static const char *kind_word(char k, int nth_n)
{
    switch (k) {
    case 'd': case 'e': return "dest";
    case 'D': return "vector dest";
    case 's': return "src";
    case 'S': return "vector src";
    case 'f': return "addr";
    case 'i': return "imm";
    case 't': return "target";
    case 'r': return "offset";
    case 'n': return nth_n ? "item" : "round";
    case 'k': return "key";
    case 'K': return "stage";
    case 'c': return "\"text\"";
    }
    return "?";
}

/* "(dest, src, src)" for an op's operands, without the implicit stage. */
static void describe_operands(char *buf, size_t size, const isa_op_info *info, int with_stage)
{
    size_t len = (size_t)snprintf(buf, size, "(");
    int nn = 0;
    for (int a = 0; info->kinds[a] && len < size; a++) {
        char k = info->kinds[a];
        if (k == 'K' && !with_stage)
            continue;
        len += (size_t)snprintf(buf + len, size - len, "%s%s", a ? ", " : "", kind_word(k, nn));
        nn += k == 'n';
    }
    if (len < size)
        snprintf(buf + len, size - len, ")");
}

/* The trace key an operand names, or -1. */
static int key_of(const asm_expr *e)
{
    return e->kind == EX_NAME ? isa_find_trace_key(e->u.name->text) : -1;
}

/* The text of an engine or op as written, or held by a parameter; NULL
 * (reported) when a parameter holds something else. */
static const char *word_of(expander *x, const asm_word *w, const asm_loc **loc)
{
    *loc = &w->loc;
    if (!w->param)
        return w->text;
    asm_expr param = {EX_PARAM, 0, 0, w->loc, {.name = w->name}};
    asm_expr *e = param_value(x, &param);
    if (!e)
        return NULL;
    *loc = &e->loc;
    const char *text = word_text(e);
    if (!text)
        error(x, &e->loc, "expected an engine or op name, but the argument of '\\%s' is not one", w->name->text);
    return text;
}

static asm_place place_of(const asm_word *engine)
{
    return engine->place == 1 + ISA_ENG_ALU ? ASM_PLACE_ALU : engine->place ? ASM_PLACE_VALU : ASM_PLACE_AUTO;
}

/* What linear code allows: no control flow inside a region, and the
 * placement "@engine" only there, on a valu op that can run there. */
static int check_linear_slot(expander *x, const asm_slot_ast *s, int op, const char *etext, const char *otext)
{
    const isa_op_info *info = &isa_ops[op];
    if (x->region && (info->effects & ISA_FX_CONTROL)) {
        error(x, &s->loc, "%s %s inside a .linear region: a region is straight-line code, which the optimizer "
                          "may reorder; end the region (.endlinear) before a jump, halt or pause",
              etext, otext);
        note(x, &x->p->regions[x->region - 1].loc, "the region starts here");
        return 0;
    }
    if (!s->engine.place)
        return 1;
    int place = s->engine.place - 1;
    if (!x->region) {
        error(x, &s->engine.loc, "'%s@%s' outside a .linear region: only the optimizer places ops", etext,
              isa_engines[place].name);
        return 0;
    }
    if (info->engine != ISA_ENG_VALU || (place != ISA_ENG_VALU && place != ISA_ENG_ALU)) {
        error(x, &s->engine.loc, "only a valu op can be placed, on the valu (valu@valu) or as alu lanes (valu@alu)");
        return 0;
    }
    if (place == ISA_ENG_ALU && info->lane_op < 0) {
        error(x, &s->engine.loc, "valu %s cannot run as alu lanes (no alu op computes one of its lanes)", otext);
        return 0;
    }
    return 1;
}

static void expand_slot(expander *x, const asm_slot_ast *s)
{
    const asm_loc *eloc, *oloc;
    const char *etext = word_of(x, &s->engine, &eloc), *otext = etext ? word_of(x, &s->op, &oloc) : NULL;
    if (!otext)
        return;
    int engine = find_engine(etext);
    if (engine < 0) {
        error(x, eloc, "'%s' is not an engine (alu, valu, load, store, flow or debug)", etext);
        return;
    }
    int op = find_word_op(x, engine, &s->op, otext);
    if (op < 0) {
        unsigned elsewhere = isa_engines_with_op(otext);
        if (elsewhere) {
            char list[64];
            list_engines(list, sizeof list, elsewhere);
            error(x, oloc, "'%s' is not an op of the %s engine; it runs on the %s engine%s", otext,
                  isa_engines[engine].name, list, __builtin_popcount(elsewhere) > 1 ? "s" : "");
        } else {
            const char *near = nearest_op(engine, otext);
            error(x, oloc, "unknown op '%s' on the %s engine%s%s%s", otext, isa_engines[engine].name,
                  near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
        }
        return;
    }

    const isa_op_info *info = &isa_ops[op];
    int key_at = x->key_at[op];
    int with_stage = 0;
    asm_expr *key = NULL;
    if (key_at >= 0 && s->nargs > (uint32_t)key_at) {
        key = subst(x, s->args[key_at], 0);
        if (!key)
            return;
        int k = key_of(key);
        with_stage = k >= 0 && isa_trace_key_takes_stage[k];
    }
    uint32_t want = (uint32_t)info->nargs - (key_at >= 0 && !with_stage);
    if (s->nargs != want) {
        char shape[96];
        describe_operands(shape, sizeof shape, info, with_stage);
        if (key_at >= 0 && !key)
            error(x, &s->loc, "%s %s takes %u operands %s, or %d with a hash_stage key, but has %u",
                  isa_engines[engine].name, otext, want, shape, info->nargs, s->nargs);
        else
            error(x, &s->loc, "%s %s takes %u operand%s %s, but has %u", isa_engines[engine].name, otext,
                  want, want == 1 ? "" : "s", shape, s->nargs);
        return;
    }

    if (!check_linear_slot(x, s, op, etext, otext))
        return;

    asm_program *p = x->p;
    asm_operand args[ISA_MAX_ARGS];
    int ok = 1;
    for (int a = 0; a < info->nargs; a++) {
        char k = info->kinds[a];
        if (k == 'K' && !with_stage) {
            /* A key without a stage: the stage is 0. */
            args[a] = (asm_operand){0, {NULL}, args[a - 1].pos, OPD_INT, 0, 0};
            continue;
        }
        asm_expr *e = a == key_at ? key : s->args[a]->kind == EX_INT ? s->args[a] : subst(x, s->args[a], k != 'k');
        if (!e) {
            ok = 0;
            continue;
        }
        if ((k == 'c') != (e->kind == EX_STRING)) {
            error(x, &e->loc, k == 'c' ? "debug comment takes a quoted string"
                                        : "a string is only the text of a debug comment");
            ok = 0;
        } else if (e->kind == EX_WORD) {
            error(x, &e->loc, "'%s' is an operator or engine name, not a value", e->u.name->text);
            ok = 0;
        } else if (k == 'k' && e->kind != EX_NAME) {
            error(x, &e->loc, "expected a trace key (idx, val, node_val, hash_stage, hashed_val, next_idx, "
                              "wrapped_idx)");
            ok = 0;
        } else {
            store_operand(x, &args[a], e);
        }
    }
    if (!ok)
        return;
    asm_pos at = asm_loc_pos(x->ctx, &s->loc);
    p->args = asm_grow(p->args, &p->cap_args, p->nargs + (size_t)info->nargs, sizeof *p->args);
    for (int a = 0; a < info->nargs; a++) {
        p->args[p->nargs + (size_t)a].tag = ASM_ARG_POS;   /* no opds entry yet */
        asm_arg_set(p, at, p->nargs + (size_t)a, &args[a]);
    }
    p->slots = asm_grow(p->slots, &p->cap_slots, p->nslots + 1, sizeof *p->slots);
    if (x->region && x->priority) {
        size_t old = p->npriority;
        p->priority = asm_grow(p->priority, &p->cap_priority, p->nslots + 1, sizeof *p->priority);
        memset(p->priority + old, 0, (p->nslots + 1 - old) * sizeof *p->priority);
        p->npriority = p->nslots + 1;
        p->priority[p->nslots] = x->priority;
    }
    p->slots[p->nslots++] = (asm_pslot){(uint16_t)op, (uint8_t)place_of(&s->engine), (uint8_t)x->fence, at,
                                        (uint32_t)p->nargs, kept_frame_index(x)};
    x->fence = 0;
    p->nargs += (size_t)info->nargs;
}

/* ---- macros ------------------------------------------------------------------------ */

static void collect_private(expander *x, const asm_expr *n, macro_env *env, size_t *cap);

static void collect_labels(expander *x, const asm_body *body, macro_env *env, size_t *cap)
{
    for (const asm_stmt *s = body->first; s; s = s->next) {
        switch (s->kind) {
        case ST_LABEL: collect_private(x, s->u.def.name, env, cap); break;
        case ST_TEMP:
            for (uint32_t i = 0; i < s->u.scratch.count; i++)
                collect_private(x, s->u.scratch.decls[i].name, env, cap);
            break;
        case ST_REPT:
        case ST_FOR: collect_labels(x, &s->u.loop.body, env, cap); break;
        case ST_IF:
            for (const asm_cond_arm *a = s->u.cond.arms; a; a = a->next)
                collect_labels(x, &a->body, env, cap);
            break;
        default: break;   /* a nested .macro's labels belong to its own calls */
        }
    }
}

/* Labels and temporaries defined in a macro body are private to each call. */
static void collect_private(expander *x, const asm_expr *n, macro_env *env, size_t *cap)
{
    if (n->kind != EX_NAME)
        return;   /* \name: the caller chose it, it is not private */
    uint32_t i = 0;
    while (i < env->nlabels && env->label_from[i] != n->u.name)
        i++;
    if (i < env->nlabels)
        return;
    if (env->nlabels == *cap) {
        *cap = *cap ? 2 * *cap : 4;
        asm_name **from = asm_alloc(&x->temp, *cap * sizeof *from);
        asm_name **to = asm_alloc(&x->temp, *cap * sizeof *to);
        if (env->nlabels) {
            memcpy(from, env->label_from, env->nlabels * sizeof *from);
            memcpy(to, env->label_to, env->nlabels * sizeof *to);
        }
        env->label_from = from;
        env->label_to = to;
    }
    char buf[512];
    int len = snprintf(buf, sizeof buf, "%s.%" PRIu64, n->u.name->text, x->expansions);
    env->label_from[env->nlabels] = n->u.name;
    env->label_to[env->nlabels++] = asm_intern(x->ctx, buf, (size_t)len < sizeof buf ? (size_t)len : sizeof buf - 1);
}

static void hint_unknown_macro(expander *x, const asm_slot_ast *call)
{
    const char *name = call->op.name->text;
    unsigned engines = isa_engines_with_op(name);
    if (engines) {
        char list[64];
        list_engines(list, sizeof list, engines);
        note(x, &call->op.loc, "'%s' is an op of the %s engine%s: a slot starts with its engine, as in '%s %s ...'",
             name, list, __builtin_popcount(engines) > 1 ? "s" : "", isa_engines[__builtin_ctz(engines)].name, name);
    } else if (call->nargs == 0) {
        note(x, &call->op.loc, "a label needs a colon: '%s:'", name);
    }
}

static void expand_call(expander *x, const asm_slot_ast *call)
{
    asm_name *name = call->op.name;
    const asm_macro *m = name->macro;
    if (!m) {
        error(x, &call->op.loc, "unknown macro '%s'", name->text);
        hint_unknown_macro(x, call);
        return;
    }
    if (x->macro_depth >= ASM_MAX_MACRO_DEPTH) {
        error(x, &call->loc, "macro calls nested more than %d deep (does '%s' call itself without end?)",
              ASM_MAX_MACRO_DEPTH, name->text);
        x->stopped = 1;   /* the callers' other calls would only say it again */
        return;
    }
    const asm_stmt *def = m->def;
    uint32_t np = def->u.macro.nparams;
    if (call->nargs > np) {
        error(x, &call->args[np]->loc, "macro '%s' takes %u argument%s, but has %u", name->text, np,
              np == 1 ? "" : "s", call->nargs);
        note(x, &def->loc, "'%s' is defined here", name->text);
        return;
    }
    macro_env env = {m, NULL, NULL, NULL, 0};
    env.args = np ? asm_alloc(&x->temp, np * sizeof *env.args) : NULL;
    int ok = 1;
    for (uint32_t i = 0; i < np; i++) {
        const asm_param *prm = &def->u.macro.params[i];
        if (i < call->nargs)
            env.args[i] = subst(x, call->args[i], 1);
        else if (prm->def)
            env.args[i] = subst(x, prm->def, 1);
        else {
            error(x, &call->loc, "macro '%s' needs an argument for its parameter '%s'", name->text,
                  prm->name->text);
            note(x, &prm->loc, "the parameter is declared here");
            env.args[i] = NULL;
        }
        ok &= env.args[i] != NULL;
    }
    if (!ok)
        return;
    x->expansions++;
    size_t cap = 0;
    collect_labels(x, &def->u.macro.body, &env, &cap);

    asm_frame *f = asm_alloc(&x->ctx->arena, sizeof *f);
    *f = (asm_frame){x->frame, ASM_FRAME_MACRO, name->text, 0, call->loc};
    const asm_frame *saved_frame = x->frame;
    const macro_env *saved_env = x->env;
    x->frame = f;
    x->env = &env;
    x->macro_depth++;
    expand_body(x, &def->u.macro.body);
    x->macro_depth--;
    x->env = saved_env;
    x->frame = saved_frame;
}

static void define_macro(expander *x, const asm_stmt *s)
{
    asm_name *n = s->u.macro.name;
    if (n->macro) {
        error(x, &s->loc, "macro '%s' is already defined", n->text);
        note(x, &n->macro->def->loc, "the first definition of '%s' is here", n->text);
        return;
    }
    for (uint32_t i = 0; i < s->u.macro.nparams; i++)
        for (uint32_t j = 0; j < i; j++)
            if (s->u.macro.params[i].name == s->u.macro.params[j].name) {
                error(x, &s->u.macro.params[i].loc, "macro '%s' has two parameters named '%s'", n->text,
                      s->u.macro.params[i].name->text);
                return;
            }
    asm_macro *m = asm_alloc(&x->ctx->arena, sizeof *m);
    m->name = n;
    m->def = s;
    n->macro = m;
    x->kept = 1;   /* the body is used at every call */
}

/* ---- bundles ----------------------------------------------------------------------- */

static void expand_bundle(expander *x, const asm_stmt *s)
{
    if (x->region && !x->in_bundle && (s->u.bundle.bracketed || s->u.bundle.nslots == 0)) {
        error(x, &s->loc, "%s inside a .linear region: write one slot per line there, and the optimizer makes "
                          "the bundles",
              s->u.bundle.bracketed ? "an explicit bundle" : "nop");
        note(x, &x->p->regions[x->region - 1].loc, "the region starts here");
        return;
    }
    if (x->in_bundle) {
        if (s->u.bundle.nslots == 0) {
            error(x, &s->loc, "%s inside a bundle (a macro called in < > may only add slots)",
                  s->u.bundle.bracketed ? "an empty bundle" : "nop");
            return;
        }
    }
    asm_program *p = x->p;
    /* Checked here, before the arrays grow: a .rept in a .rept would take
     * gigabytes before the statement limit. */
    const asm_options *opt = x->ctx->opt;
    uint32_t limit = opt && opt->max_bundles && opt->max_bundles < ASM_MAX_BUNDLES ? opt->max_bundles : ASM_MAX_BUNDLES;
    if (!x->in_bundle && (p->nbundles >= limit || p->nslots + s->u.bundle.nslots > limit)) {
        error(x, &s->loc, "the program grows past the limit of %" PRIu32 " %s (a runaway .rept or macro?)", limit,
              p->nbundles >= limit ? "bundles" : "slots");
        x->stopped = 1;
        return;
    }
    size_t first = p->nslots;
    int outer = x->in_bundle;
    x->in_bundle = 1;
    for (uint32_t i = 0; i < s->u.bundle.nslots; i++) {
        const asm_slot_ast *slot = &s->u.bundle.slots[i];
        if (asm_slot_is_call(slot))
            expand_call(x, slot);
        else
            expand_slot(x, slot);
    }
    x->in_bundle = outer;
    if (outer)
        return;   /* the slots joined the bundle being built */
    p->bundles = asm_grow(p->bundles, &p->cap_bundles, p->nbundles + 1, sizeof *p->bundles);
    p->bundles[p->nbundles++] = (asm_pbundle){(uint32_t)first, (uint32_t)(p->nslots - first),
                                              asm_loc_pos(x->ctx, &s->loc), x->region, kept_frame_index(x)};
}

/* A line of plain-number slots (parse.h's asm_line_sink), straight into
 * the program: what expand_body, expand_bundle and expand_slot do with
 * the statement the same text makes, where nothing can go wrong.  Inside
 * a .linear region, at a limit or after errors, the statement goes the
 * general way (which says what is wrong): returns -1 before changing
 * anything. */
int asm_expand_line(void *arg, const asm_plain_line *l)
{
    expander *x = arg;
    if (x->stopped)
        return 0;   /* expand_body would expand nothing */
    asm_program *p = x->p;
    const asm_options *opt = x->ctx->opt;
    uint32_t limit = opt && opt->max_bundles && opt->max_bundles < ASM_MAX_BUNDLES ? opt->max_bundles : ASM_MAX_BUNDLES;
    if (x->region || x->in_bundle || x->nesting >= ASM_MAX_NESTING || x->statements >= ASM_MAX_STATEMENTS ||
        diag_stopped(x->ctx->d) || diag_error_count(x->ctx->d) > ASM_MAX_ERRORS || p->nbundles >= limit ||
        p->nslots + l->nslots > limit)
        return -1;
    x->statements++;
    uint32_t line = l->line;
    uint16_t file = asm_loc_pos(x->ctx, &(asm_loc){l->file, line, l->col, l->len}).file;
    uint32_t frame = kept_frame_index(x);   /* the same for each slot and the bundle */
    size_t first = p->nslots, next_arg = p->nargs;
    p->slots = asm_grow(p->slots, &p->cap_slots, first + l->nslots, sizeof *p->slots);
    /* A slot's numbers are already the args the program holds whole
     * (asm_plain_number is asm_arg's held form), and go in as a block of
     * ASM_PLAIN_NUMBERS, a fixed copy that costs less than a loop over
     * nargs: those past its own are overwritten by the next slot's or lie
     * past p->nargs, in room grown for them. */
    _Static_assert(sizeof(asm_plain_number) == sizeof(asm_arg) && offsetof(asm_plain_number, mag) == offsetof(asm_arg, v) &&
                       offsetof(asm_plain_number, col) == offsetof(asm_arg, col) &&
                       offsetof(asm_plain_number, len) == offsetof(asm_arg, len) &&
                       offsetof(asm_plain_number, neg) == offsetof(asm_arg, tag) && ASM_ARG_POS == 0 && ASM_ARG_NEG == 1,
                   "asm_plain_number is asm_arg's held form");
    p->args = asm_grow(p->args, &p->cap_args, next_arg + l->nargs + ASM_PLAIN_NUMBERS, sizeof *p->args);
    asm_pslot *slot = p->slots + first;   /* the arrays do not move below: they have room */
    for (const asm_plain_slot *s = l->slots, *end = s + l->nslots; s < end; s++) {
        memcpy(&p->args[next_arg], s->num, sizeof s->num);
        *slot++ = (asm_pslot){s->op, ASM_PLACE_AUTO, 0, {line, s->col, s->len, file}, (uint32_t)next_arg, frame};
        next_arg += s->nargs;
    }
    p->nslots = first + l->nslots;
    p->nargs = next_arg;
    p->bundles = asm_grow(p->bundles, &p->cap_bundles, p->nbundles + 1, sizeof *p->bundles);
    p->bundles[p->nbundles++] = (asm_pbundle){(uint32_t)first, l->nslots, {line, l->col, l->len, file}, 0, frame};
    return 0;
}

/* ---- includes ----------------------------------------------------------------------- */

static char *join_path(const char *dir, size_t dirlen, const char *name)
{
    size_t n = strlen(name);
    char *p = malloc(dirlen + 1 + n + 1);
    if (!p)
        abort();
    memcpy(p, dir, dirlen);
    size_t at = dirlen;
    if (dirlen && dir[dirlen - 1] != '/')
        p[at++] = '/';
    memcpy(p + at, name, n + 1);
    return p;
}

static void expand_include(expander *x, const asm_stmt *s)
{
    const char *name = s->u.include.path;
    if (x->include_depth >= ASM_MAX_INCLUDE_DEPTH) {
        error(x, &s->loc, ".include nested more than %d deep (does a file include itself?)",
              ASM_MAX_INCLUDE_DEPTH);
        return;
    }
    /* The including file's directory, then each -I directory. */
    const asm_options *opt = x->ctx->opt;
    size_t ncand = 1 + (opt ? opt->ninclude_dirs : 0);
    char *found = NULL, *text = NULL;
    size_t size = 0;
    int saved_errno = ENOENT;
    for (size_t i = 0; i < ncand && !text; i++) {
        char *path;
        if (name[0] == '/') {
            path = join_path("", 0, name);
            ncand = 1;
        } else if (i == 0) {
            const char *from = s->loc.file, *slash = strrchr(from, '/');
            int real_file = from[0] != '<';
            path = join_path(from, real_file && slash ? (size_t)(slash - from + 1) : 0, name);
        } else {
            const char *dir = opt->include_dirs[i - 1];
            path = join_path(dir, strlen(dir), name);
        }
        text = asm_read_source(path, &size);
        if (text)
            found = path;
        else {
            if (errno != ENOENT)
                saved_errno = errno;
            free(path);
        }
    }
    if (!text) {
        if (saved_errno == EFBIG)
            error(x, &s->u.include.path_loc, "include file '%s' is larger than the limit of %u MiB", name,
                  ASM_MAX_SOURCE_SIZE >> 20);
        else if (saved_errno != ENOENT)
            error(x, &s->u.include.path_loc, "cannot read include file '%s': %s", name, strerror(saved_errno));
        else
            error(x, &s->u.include.path_loc, "include file '%s' not found (searched %s%s)", name,
                  name[0] == '/' ? "only that path" : "the including file's directory",
                  name[0] != '/' && opt && opt->ninclude_dirs ? " and the -I directories" : "");
        return;
    }
    const char *binary = asm_binary_source(text, size);
    if (binary) {
        error(x, &s->u.include.path_loc, "cannot include '%s': %s", name, binary);
        free(found);
        free(text);
        return;
    }
    const char *file = asm_file_name(x->ctx, found);
    free(found);
    int known = 0;
    for (size_t i = 0; i < x->ctx->nsources; i++)
        known |= x->ctx->sources[i].file == file;
    if (!known) {   /* messages may cite it until the end of the run */
        asm_add_source(x->ctx, file, text, size, ASM_SOURCE_OWNED | ASM_SOURCE_ON_DISK);
        if (opt && opt->on_include)
            opt->on_include(opt->on_include_arg, file);
    }
    asm_frame *f = asm_alloc(&x->ctx->arena, sizeof *f);
    *f = (asm_frame){x->frame, ASM_FRAME_INCLUDE, file, 0, s->loc};
    const asm_frame *saved = x->frame;
    x->frame = f;
    x->include_depth++;
    asm_parse(x->ctx, file, text, size, f, asm_expand_stmts, asm_expand_line, x);
    x->include_depth--;
    x->frame = saved;
    if (known)
        free(text);
}

/* ---- directives --------------------------------------------------------------------- */

static void expand_constant(expander *x, const asm_stmt *s)
{
    asm_name *n = def_name(x, s->u.def.name);
    int64_t v;
    if (!n || eval_const(x, s->u.def.value, s->kind == ST_EQU ? ".equ" : ".set", &v) != 0)
        return;
    asm_symbol *sym = n->sym;
    if (s->kind == ST_SET && sym && sym->kind == SYM_CONST && sym->redefinable) {
        sym->value = v;
        return;
    }
    if (s->kind == ST_SET && sym && sym->kind == SYM_CONST) {
        error(x, &s->u.def.name->loc, "'%s' is an .equ constant; .set cannot change it", n->text);
        note(x, &sym->loc, "'%s' is defined here", n->text);
        return;
    }
    sym = sym_define(x, n, &s->u.def.name->loc);
    if (!sym)
        return;
    if (sym->global && s->kind == ST_SET) {
        error(x, &s->u.def.name->loc, "'%s' is .global, so it must keep one value: define it with .equ",
              n->text);
        return;
    }
    sym->kind = SYM_CONST;
    sym->redefinable = s->kind == ST_SET;
    sym->value = v;
}

/* A temporary's name stands for a name of its own until .endlinear, so
 * that every region (and every macro call) has its own temporaries. */
static asm_name *temp_name(expander *x, asm_name *n, const asm_loc *loc)
{
    if (!x->region) {
        error(x, loc, "temporary '%s' outside a .linear region (a temporary lives in one region)", n->text);
        return NULL;
    }
    if (n->sym && n->sym->temp) {
        /* as written: without the ".N" and ".rN" of private and region names */
        error(x, loc, "temporary '%.*s' is already declared in this region", (int)strcspn(n->text, "."), n->text);
        note(x, &n->sym->loc, "the first declaration is here");
        return NULL;
    }
    char buf[512];
    int len = snprintf(buf, sizeof buf, "%s.r%" PRIu32, n->text, x->region);
    asm_name *unique = asm_intern(x->ctx, buf, (size_t)len < sizeof buf ? (size_t)len : sizeof buf - 1);
    n->alias = unique;
    x->temps = asm_grow(x->temps, &x->cap_temps, x->ntemps + 1, sizeof *x->temps);
    x->temps[x->ntemps++] = n;
    return unique;
}

static void expand_scratch(expander *x, const asm_stmt *s)
{
    uint32_t elem = s->u.scratch.vector ? ISA_VLEN : 1;
    int temp = s->kind == ST_TEMP;
    for (uint32_t i = 0; i < s->u.scratch.count; i++) {
        const asm_scratch_decl *d = &s->u.scratch.decls[i];
        asm_name *n = def_name(x, d->name);
        if (n && temp && d->address) {
            error(x, &d->address->loc, "a temporary has no fixed address: the optimizer places it");
            continue;
        }
        if (n && temp)
            n = temp_name(x, n, &d->name->loc);
        int64_t count = 1, address = 0;
        if (!n || (d->count && eval_const(x, d->count, "an array size", &count) != 0) ||
            (d->address && eval_const(x, d->address, "a scratch address", &address) != 0))
            continue;
        /* A temporary array may exceed scratch: its elements are placed one by
         * one, for their lifetimes. */
        int64_t max = temp ? ASM_MAX_TEMP_WORDS / elem : ISA_SCRATCH_WORDS / elem;
        if (count < 1 || count > max) {
            error(x, &d->count->loc, "array size %" PRId64 " is out of range: '%s' would need %s%" PRId64
                  " words, and %s %d", count, n->text, count < 1 ? "at least 1, not " : "",
                  count < 1 ? count : count * elem, temp ? "a temporary array takes at most" : "scratch has",
                  temp ? ASM_MAX_TEMP_WORDS : ISA_SCRATCH_WORDS);
            continue;
        }
        int64_t size = count * elem;
        if (d->address && (address < 0 || address + size > ISA_SCRATCH_WORDS)) {
            error(x, &d->address->loc, "'%s' at %" PRId64 "..%" PRId64 " is outside scratch (0..%d)", n->text,
                  address, address + size - 1, ISA_SCRATCH_WORDS - 1);
            continue;
        }
        asm_symbol *sym = sym_define(x, n, &d->name->loc);
        if (!sym)
            continue;
        sym->kind = SYM_SCRATCH;
        sym->temp = (uint8_t)temp;
        sym->elem = elem;
        sym->count = (uint32_t)count;
        sym->size = (uint32_t)size;
        sym->fixed = d->address != NULL;
        sym->value = address;
    }
}

/* .extern NAME[N]: the extent, 1..ISA_SCRATCH_WORDS, or 0 (reported). */
static uint32_t extern_extent(expander *x, asm_expr *count)
{
    int64_t v;
    if (eval_const(x, count, ".extern extent", &v) != 0)
        return 0;
    if (v < 1 || v > ISA_SCRATCH_WORDS) {
        error(x, &count->loc, ".extern extent %" PRId64 " is outside 1..%d", v, ISA_SCRATCH_WORDS);
        return 0;
    }
    return (uint32_t)v;
}

static void expand_linkage(expander *x, const asm_stmt *s)
{
    for (uint32_t i = 0; i < s->u.names.count; i++) {
        asm_expr *e = s->u.names.names[i];
        uint32_t extent = 0;
        if (e->kind == EX_INDEX) {
            if (!(extent = extern_extent(x, e->u.sub.b)))
                continue;
            e = e->u.sub.a;
        }
        asm_name *n = def_name(x, e);
        if (!n)
            continue;
        asm_symbol *sym = sym_get(x, n);
        if (s->kind == ST_GLOBAL) {
            if (sym->kind == SYM_EXTERN) {
                error(x, &e->loc, "'%s' is declared .extern, so this module cannot export it", n->text);
                continue;
            }
            if (sym->kind == SYM_CONST && sym->redefinable) {
                error(x, &e->loc, "'%s' is a .set value, which changes; only an .equ constant can be .global",
                      n->text);
                continue;
            }
            if (!sym->global)
                sym->global_loc = e->loc;
            sym->global = 1;
        } else if (sym->kind == SYM_UNDEFINED && !sym->global) {
            sym->kind = SYM_EXTERN;
            sym->loc = e->loc;
            sym->frame = kept_frame(x);
            sym->order = ++x->definitions;
            if (extent) {   /* a scratch variable of that many words (the linker checks) */
                sym->size = extent;
                sym->extern_kind = IMG_SYM_SCRATCH;
                sym->use_loc = e->loc;
            }
        } else if (sym->kind == SYM_EXTERN && extent && sym->size != extent) {
            error(x, &e->loc, "'%s' is declared .extern again with %" PRIu32 " words", n->text, extent);
            note(x, &sym->loc, sym->size ? "the first declaration gives it %" PRIu32 " words"
                                         : "the first declaration gives it no extent", sym->size);
        } else if (sym->kind != SYM_EXTERN) {
            error(x, &e->loc, "'%s' is %s of this module; .extern is for names defined in other modules",
                  n->text, sym->kind == SYM_UNDEFINED ? "exported with .global" : asm_sym_noun(sym));
            note(x, sym->kind == SYM_UNDEFINED ? &sym->global_loc : &sym->loc, "see here");
        }
    }
}

static void expand_label(expander *x, const asm_stmt *s)
{
    asm_name *n = def_name(x, s->u.def.name);
    if (!n)
        return;
    if (x->in_bundle) {
        const asm_expr *written = s->u.def.name;
        error(x, &s->loc, "label '%s' inside a bundle (a macro called in < > may only add slots)",
              written->kind == EX_NAME ? written->u.name->text : n->text);
        return;
    }
    if (x->region) {
        error(x, &s->loc, "label '%s' inside a .linear region: the optimizer moves slots, so a label has no "
                          "place there; put it before .linear or after .endlinear",
              n->text);
        return;
    }
    asm_symbol *sym = sym_define(x, n, &s->u.def.name->loc);
    if (!sym)
        return;
    sym->kind = SYM_LABEL;
    sym->value = (int64_t)x->p->nbundles;
}

static void expand_message(expander *x, const asm_stmt *s)
{
    asm_expr *e = subst(x, s->u.message.text, 1);
    if (!e)
        return;
    if (e->kind != EX_STRING) {
        error(x, &e->loc, "%s takes a quoted message", s->u.message.is_error ? ".error" : ".warning");
        return;
    }
    if (s->u.message.is_error)
        asm_report(x->ctx, ASM_ERROR, NULL, &s->loc, x->frame, "%.*s", (int)e->u.str.len, e->u.str.text);
    else if (!x->ctx->opt || (x->ctx->opt->warnings & ASM_W_USER))
        asm_report(x->ctx, ASM_WARNING, "user", &s->loc, x->frame, "%.*s", (int)e->u.str.len, e->u.str.text);
}

static void expand_rept(expander *x, const asm_stmt *s)
{
    int64_t count;
    if (eval_const(x, s->u.loop.end, ".rept", &count) != 0)
        return;
    if (count < 0 || count > ASM_MAX_REPEAT) {
        error(x, &s->u.loop.end->loc, ".rept count %" PRId64 " is outside 0..%d", count, ASM_MAX_REPEAT);
        return;
    }
    const asm_frame *saved = x->frame;
    asm_frame *f = NULL;
    uint64_t kept = 0;
    for (int64_t i = 0; i < count && !x->stopped; i++) {
        f = iteration_frame(x, f, kept);
        kept = x->frames_kept;
        *f = (asm_frame){saved, ASM_FRAME_REPT, ".rept", i, s->loc};
        x->frame = f;
        expand_body(x, &s->u.loop.body);
    }
    x->frame = saved;
}

static void expand_for(expander *x, const asm_stmt *s)
{
    asm_name *var = def_name(x, s->u.loop.var);
    int64_t start, end, step = 1;
    if (!var || eval_const(x, s->u.loop.start, ".for", &start) != 0 ||
        eval_const(x, s->u.loop.end, ".for", &end) != 0 ||
        (s->u.loop.step && eval_const(x, s->u.loop.step, ".for", &step) != 0))
        return;
    if (step == 0) {
        error(x, &s->u.loop.step->loc, ".for step must not be 0");
        return;
    }
    __int128 span = step > 0 ? (__int128)end - start : (__int128)start - end;
    __int128 stride = step > 0 ? step : -(__int128)step;
    __int128 count = span <= 0 ? 0 : (span + stride - 1) / stride;
    if (count > ASM_MAX_REPEAT) {
        error(x, &s->loc, ".for runs %lld times, over the limit of %d", (long long)count, ASM_MAX_REPEAT);
        return;
    }
    asm_symbol *sym = sym_get(x, var);
    if (sym->kind != SYM_UNDEFINED && !(sym->kind == SYM_CONST && sym->redefinable)) {
        error(x, &s->u.loop.var->loc, "loop variable '%s' is already defined (as %s)", var->text,
              asm_sym_noun(sym));
        note(x, &sym->loc, "the definition of '%s' is here", var->text);
        return;
    }
    asm_symbol saved_sym = *sym;
    const asm_frame *saved = x->frame;
    asm_frame *f = NULL;
    uint64_t kept = 0;
    for (int64_t i = 0; i < (int64_t)count && !x->stopped; i++) {
        int64_t v = start + i * step;
        sym->kind = SYM_CONST;
        sym->redefinable = 1;
        sym->value = v;
        sym->loc = s->u.loop.var->loc;
        f = iteration_frame(x, f, kept);
        kept = x->frames_kept;
        *f = (asm_frame){saved, ASM_FRAME_FOR, var->text, v, s->loc};
        x->frame = f;
        expand_body(x, &s->u.loop.body);
    }
    x->frame = saved;
    *sym = saved_sym;   /* the variable exists only inside the loop */
}

static void expand_if(expander *x, const asm_stmt *s)
{
    for (const asm_cond_arm *a = s->u.cond.arms; a; a = a->next) {
        int take = 1;
        if (a->kind == COND_EXPR) {
            int64_t v;
            if (eval_const(x, a->test, a == s->u.cond.arms ? ".if" : ".elif", &v) != 0)
                return;
            take = v != 0;
        } else if (a->kind != COND_ELSE) {
            asm_name *n = def_name(x, a->test);
            if (!n)
                return;
            int defined = (n->sym && n->sym->kind != SYM_UNDEFINED) || n->macro;
            take = a->kind == COND_DEFINED ? defined : !defined;
        }
        if (take) {
            expand_body(x, &a->body);
            return;
        }
    }
}

static void expand_entry(expander *x, const asm_stmt *s)
{
    asm_program *p = x->p;
    if (p->has_entry) {
        error(x, &s->loc, "a second .entry (a module claims the entry once)");
        note(x, &p->entry_loc, "the first .entry is here");
        return;
    }
    p->has_entry = 1;
    p->entry_loc = s->loc;
    p->entry_frame = kept_frame(x);
    asm_expr *name = s->u.def.name ? subst(x, s->u.def.name, 0) : NULL;
    p->entry_name = name ? persist(x, name) : NULL;
}

static void expand_linear(expander *x, const asm_stmt *s)
{
    asm_program *p = x->p;
    if (x->region) {
        error(x, &s->loc, ".linear inside a .linear region (regions do not nest)");
        note(x, &p->regions[x->region - 1].loc, "the open region starts here");
        return;
    }
    int noalias = 0;
    if (s->u.def.name) {
        asm_name *opt = def_name(x, s->u.def.name);
        if (!opt)
            return;
        if (strcmp(opt->text, "noalias") != 0)   /* the region still opens: its .endlinear matches */
            error(x, &s->u.def.name->loc, "unknown .linear option '%s' (the one option is noalias)", opt->text);
        else
            noalias = 1;
    }
    p->regions = asm_grow(p->regions, &p->cap_regions, p->nregions + 1, sizeof *p->regions);
    p->regions[p->nregions++] =
        (asm_region){(uint32_t)p->nbundles, (uint32_t)p->nbundles, (uint8_t)noalias, s->loc, kept_frame(x)};
    x->region = (uint32_t)p->nregions;
    x->priority = 0;
}

static void expand_endlinear(expander *x, const asm_stmt *s)
{
    if (!x->region) {
        error(x, &s->loc, ".endlinear without .linear");
        return;
    }
    x->p->regions[x->region - 1].end_bundle = (uint32_t)x->p->nbundles;
    for (size_t i = 0; i < x->ntemps; i++)
        x->temps[i]->alias = NULL;
    x->ntemps = 0;
    x->region = 0;
    x->fence = 0;
}

static void expand_fence(expander *x, const asm_stmt *s)
{
    if (!x->region) {
        error(x, &s->loc, ".fence outside a .linear region (outside, slots keep their order anyway)");
        return;
    }
    x->fence = 1;
}

static void expand_priority(expander *x, const asm_stmt *s)
{
    int64_t v;
    if (eval_const(x, s->u.def.value, ".priority", &v) != 0)
        return;
    if (!x->region) {
        error(x, &s->loc, ".priority outside a .linear region (it orders the optimizer's choices there)");
        return;
    }
    if (v < INT32_MIN || v > INT32_MAX) {
        error(x, &s->u.def.value->loc, ".priority %" PRId64 " does not fit 32 bits", v);
        return;
    }
    x->priority = (int32_t)v;
}

static void expand_stmt(expander *x, const asm_stmt *s)
{
    switch (s->kind) {
    case ST_BUNDLE: expand_bundle(x, s); break;
    case ST_CALL: expand_call(x, &s->u.call); break;
    case ST_LABEL: expand_label(x, s); break;
    case ST_EQU:
    case ST_SET: expand_constant(x, s); break;
    case ST_SCRATCH: expand_scratch(x, s); break;
    case ST_GLOBAL:
    case ST_EXTERN: expand_linkage(x, s); break;
    case ST_ENTRY: expand_entry(x, s); break;
    case ST_INCLUDE: expand_include(x, s); break;
    case ST_MESSAGE: expand_message(x, s); break;
    case ST_MACRO: define_macro(x, s); break;
    case ST_REPT: expand_rept(x, s); break;
    case ST_FOR: expand_for(x, s); break;
    case ST_IF: expand_if(x, s); break;
    case ST_LINEAR: expand_linear(x, s); break;
    case ST_ENDLINEAR: expand_endlinear(x, s); break;
    case ST_TEMP: expand_scratch(x, s); break;
    case ST_PRIORITY: expand_priority(x, s); break;
    case ST_FENCE: expand_fence(x, s); break;
    }
}

static void expand_body(expander *x, const asm_body *body)
{
    if (x->stopped)
        return;
    /* Each level recurses in C: bounded, so that no source overflows the
     * stack (blocks are bounded per file, but macros and includes stack
     * them). */
    if (x->nesting >= ASM_MAX_NESTING) {
        if (body->first)
            error(x, &body->first->loc, "blocks, macro calls and includes nested more than %d deep",
                  ASM_MAX_NESTING);
        x->stopped = 1;
        return;
    }
    x->nesting++;
    for (const asm_stmt *s = body->first; s && !x->stopped; s = s->next) {
        if (++x->statements > ASM_MAX_STATEMENTS) {
            error(x, &s->loc, "the source expands to more than %d statements (a runaway .rept or macro?)",
                  ASM_MAX_STATEMENTS);
            x->stopped = 1;
            break;
        }
        /* After the error limit nothing more would be shown. */
        if (diag_stopped(x->ctx->d)) {
            x->stopped = 1;
            break;
        }
        /* An error repeated in a loop is counted, not shown, yet each
         * repetition costs its message: 50 million cost half a minute. */
        if (diag_error_count(x->ctx->d) > ASM_MAX_ERRORS) {
            error(x, &s->loc, "more than %d errors, repetitions counted: expansion stops here", ASM_MAX_ERRORS);
            x->stopped = 1;
            break;
        }
        expand_stmt(x, s);
    }
    x->nesting--;
}

asm_expander *asm_expander_new(asm_ctx *ctx, asm_program *p)
{
    expander *x = calloc(1, sizeof *x);
    if (!x)
        abort();
    x->ctx = ctx;
    x->p = p;
    /* The program's arrays exist even when empty: the stages index them
     * (&slots[first]), and arithmetic on NULL is undefined even at 0. */
    p->bundles = asm_grow(p->bundles, &p->cap_bundles, 1, sizeof *p->bundles);
    p->slots = asm_grow(p->slots, &p->cap_slots, 1, sizeof *p->slots);
    p->args = asm_grow(p->args, &p->cap_args, 1, sizeof *p->args);
    p->frames = asm_grow(p->frames, &p->cap_frames, 1, sizeof *p->frames);
    p->frames[p->nframes++] = NULL;
    isa_op_index_init(&x->ops);
    for (int op = 0; op < ISA_OP_COUNT; op++) {
        const char *k = strchr(isa_ops[op].kinds, 'k');
        x->key_at[op] = (int8_t)(k ? k - isa_ops[op].kinds : -1);
    }
    return x;
}

int asm_expand_stmts(void *arg, const asm_body *stmts)
{
    expander *x = arg;
    int outer_kept = x->kept;
    x->kept = 0;
    x->feed_depth++;
    expand_body(x, stmts);
    x->feed_depth--;
    int kept = x->kept;
    x->kept = outer_kept;
    if (!x->feed_depth)
        asm_arena_reset(&x->temp);
    return kept;
}

void asm_expand_finish(asm_expander *x)
{
    if (x->region) {
        const asm_region *r = &x->p->regions[x->region - 1];
        asm_report(x->ctx, ASM_ERROR, NULL, &r->loc, r->frame, "this .linear region has no .endlinear");
        x->p->regions[x->region - 1].end_bundle = (uint32_t)x->p->nbundles;
        x->region = 0;
    }
}

void asm_expander_free(asm_expander *x)
{
    if (!x)
        return;
    free(x->temps);
    asm_arena_free(&x->temp);
    free(x);
}

/*
 * program: the assembler's middle -- what expansion produces, resolution
 * completes and emission encodes.
 *
 * After expansion (expand.c) the program is flat: bundles of slots whose
 * op is known and whose operands are expressions with every macro
 * parameter, loop variable and constant known at that point substituted.
 * Resolution (resolve.c) turns each operand into a (value, symbol) pair:
 * an absolute number, or a symbol plus an offset that the linker relocates.
 * A pass that reorders slots (a future scheduler) works on this form:
 * asm_slot_ranges gives each slot's scratch reads and writes, symbolically.
 *
 *   asm_program
 *     bundles[b]  -> slots[first_slot .. first_slot+nslots)
 *     slots[s]    -> args[first_arg .. first_arg+isa_ops[op].nargs)
 *     symbols     every name the module defines, declares or exports
 */
#ifndef VLIW_ASM_PROGRAM_H
#define VLIW_ASM_PROGRAM_H

#include "ast.h"
#include "image.h"
#include "isa.h"

typedef enum {
    SYM_UNDEFINED,   /* named by .global, or a .for variable out of scope */
    SYM_CONST,       /* .equ, .set, a .for variable, -D */
    SYM_LABEL,       /* value: bundle index in this module */
    SYM_SCRATCH,     /* auto-placed unless fixed; value: the fixed address */
    SYM_EXTERN,      /* defined by another module */
} asm_sym_kind;

typedef struct asm_symbol {
    asm_name *name;
    uint8_t kind;            /* asm_sym_kind */
    uint8_t redefinable;     /* .set and .for values */
    uint8_t global;          /* exported with .global */
    uint8_t fixed;           /* scratch at a fixed address */
    uint8_t entry;           /* claims the program entry */
    uint8_t extern_kind;     /* img_sym_kind its uses imply (externs), 0 so far */
    uint8_t temp;            /* scratch: a .temp/.vtemp, placed by the optimizer */
    uint32_t elem;           /* scratch: words per element (1 or ISA_VLEN) */
    uint32_t count;          /* scratch: elements */
    uint32_t size;           /* scratch: words */
    int64_t value;
    asm_loc loc;             /* the definition (or first declaration) */
    const asm_frame *frame;
    asm_loc global_loc;      /* the .global naming it */
    asm_loc use_loc;         /* externs: the use that set extern_kind */
    uint32_t order;          /* definition order (.extern counts), 1 up; 0: none */
    uint32_t index;          /* in the object's symbol table */
    uint32_t temp_unit;      /* temporaries: the optimizer's number for the first element */
} asm_symbol;

/* An operand.  Expansion stores what the source wrote, with parameters
 * and known constants already substituted: a number (OPD_INT), a name
 * (OPD_NAME), an element name[value] (OPD_ELEM), or any other expression
 * (OPD_EXPR; also the text of a debug comment, an EX_STRING).  Resolution
 * leaves each one absolute (OPD_INT: value) or relocatable (OPD_SYM:
 * sym + value, relocated as reloc says).  pos is where it was written
 * (a macro argument: at the call). */
typedef enum { OPD_INT, OPD_NAME, OPD_ELEM, OPD_EXPR, OPD_SYM } asm_operand_form;

typedef struct {
    int64_t value;
    union {
        asm_name *name;
        asm_expr *expr;
        asm_symbol *sym;
    } u;
    asm_pos pos;
    uint8_t form;            /* asm_operand_form */
    uint8_t reloc;           /* img_reloc_kind, or 0 */
    uint8_t late;            /* needs final bundle numbers: bound again by layout */
} asm_operand;

/* An operand as the program stores it, in 8 bytes: millions of them make
 * the program's largest array.  A plain number (-2^32 < value < 2^32,
 * OPD_INT, not late) written on its slot's line, at most 255 columns
 * wide, is held whole (its line and file are its slot's); any other
 * operand is an index into asm_program.opds.  Read and write them with
 * asm_arg_get and asm_arg_set, never by copying one: each opds entry
 * belongs to one operand. */
typedef struct {
    uint32_t v;              /* the number's magnitude, or the opds index */
    uint16_t col;
    uint8_t len;
    uint8_t tag;             /* ASM_ARG_* */
} asm_arg;

enum { ASM_ARG_POS, ASM_ARG_NEG, ASM_ARG_FULL };

/* The value of an operand held whole (not ASM_ARG_FULL). */
static inline int64_t asm_plain_arg(asm_arg a)
{
    return a.tag == ASM_ARG_NEG ? -(int64_t)a.v : (int64_t)a.v;
}

/* Where the optimizer may run an elementwise valu op: its choice, or the
 * author's (valu@valu, valu@alu). */
typedef enum { ASM_PLACE_AUTO, ASM_PLACE_VALU, ASM_PLACE_ALU } asm_place;

/* A slot: 24 bytes (its .priority, for linear code only, is kept apart:
 * asm_slot_priority). */
typedef struct {
    uint16_t op;             /* isa_opcode */
    uint8_t place;           /* asm_place (linear regions) */
    uint8_t fence;           /* a .fence stands before it (linear regions) */
    asm_pos pos;
    uint32_t first_arg;
    uint32_t frame;          /* why it was assembled: asm_frame_of */
} asm_pslot;

typedef struct {
    uint32_t first_slot, nslots;
    asm_pos pos;
    uint32_t region;         /* 1 + index in regions: a slot of linear code; 0: as written */
    uint32_t frame;          /* asm_frame_of */
} asm_pbundle;

/* A .linear region: bundles [first_bundle, end_bundle) of one slot each,
 * in sequential order, which passes may pack into fewer bundles. */
typedef struct {
    uint32_t first_bundle, end_bundle;
    uint8_t noalias;         /* its loads and stores never touch the same words */
    asm_loc loc;             /* the .linear */
    const asm_frame *frame;
} asm_region;

typedef struct {
    asm_pbundle *bundles;
    size_t nbundles, cap_bundles;
    asm_pslot *slots;
    size_t nslots, cap_slots;
    asm_arg *args;
    size_t nargs, cap_args;
    asm_operand *opds;       /* the operands asm_arg cannot hold */
    size_t nopds, cap_opds;
    /* The expansion frames slots and bundles name by index (4 bytes rather
     * than a pointer in each of millions); frames[0] is NULL. */
    const asm_frame **frames;
    size_t nframes, cap_frames;
    /* .priority of slot i for i < npriority, else 0 (set in linear code). */
    int32_t *priority;
    size_t npriority, cap_priority;
    asm_symbol **symbols;    /* in order of first mention */
    size_t nsymbols, cap_symbols;
    asm_region *regions;
    size_t nregions, cap_regions;
    /* Set by a pass that renumbers bundles: the new index of each old
     * bundle boundary 0..nbundles (labels follow it); NULL: unchanged. */
    uint32_t *bundle_remap;
    /* Set by asm_bind when the program has no .linear region, so that no
     * pass rewrites its slots: bit k (of word k / 64) says slot k holds
     * only plain numbers within the machine's limits -- emission need not
     * read its operands again.  NULL: not known. */
    uint64_t *checked_plain;
    /* Set by asm_bind with checked_plain: bit b (of word b / 64) says
     * bundle b is of such slots, within every engine's slot limit, and
     * (asm_options.warnings) no two of them write a word in common --
     * found while bind has the slots at hand, so that layout, which would
     * report nothing on it, need not read it again.  NULL: not known. */
    uint64_t *checked_bundles;
    int has_entry;           /* .entry seen */
    asm_loc entry_loc;
    asm_expr *entry_name;    /* .entry's label, or NULL */
    const asm_frame *entry_frame;
} asm_program;

void asm_program_free(asm_program *p);

/* "a label", "a scratch variable"... for messages. */
const char *asm_sym_noun(const asm_symbol *s);

/* Room for need elements in a growing array (doubling; aborts on OOM).
 * *cap counts the elements ready for use: in a big array, the pages of a
 * half a megabyte past need, asked for at once (xprefault), though
 * the allocation may hold more.
 * Inline for the common case, room already there: every slot grows two
 * arrays, and the call would cost more than the test. */
void *asm_grow_slow(void *v, size_t *cap, size_t need, size_t elem);
static inline void *asm_grow(void *v, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap && v)   /* never NULL: &v[n] on NULL is undefined, even for n = 0 */
        return v;
    return asm_grow_slow(v, cap, need, elem);
}

/* Gives the system back the whole pages of array v's bytes [done, to),
 * which the caller will not read again (they would read as zeros), and
 * returns the new done: a stage that reads a big array once, front to
 * back, while it builds the next stage's form does not hold both whole. */
size_t asm_release(void *v, size_t done, size_t to);

static inline const asm_frame *asm_frame_of(const asm_program *p, uint32_t frame)
{
    return p->frames[frame];
}

static inline int32_t asm_slot_priority(const asm_program *p, size_t slot)
{
    return slot < p->npriority ? p->priority[slot] : 0;
}

/* Operand i of p->args as a whole asm_operand (at: its slot's position),
 * and the other way. */
static inline void asm_arg_get(const asm_program *p, asm_pos at, size_t i, asm_operand *out)
{
    asm_arg a = p->args[i];
    if (a.tag == ASM_ARG_FULL) {
        *out = p->opds[a.v];
        return;
    }
    out->value = asm_plain_arg(a);
    out->u.name = NULL;
    out->pos = (asm_pos){at.line, a.col, a.len, at.file};
    out->form = OPD_INT;
    out->reloc = 0;
    out->late = 0;
}
void asm_arg_set_full(asm_program *p, size_t i, const asm_operand *op);
static inline void asm_arg_set(asm_program *p, asm_pos at, size_t i, const asm_operand *op)
{
    uint64_t mag = op->value < 0 ? 0 - (uint64_t)op->value : (uint64_t)op->value;
    if (op->form == OPD_INT && !op->reloc && !op->late && mag <= UINT32_MAX && op->pos.line == at.line &&
        op->pos.file == at.file && op->pos.len <= UINT8_MAX && p->args[i].tag != ASM_ARG_FULL)
        p->args[i] = (asm_arg){(uint32_t)mag, op->pos.col, (uint8_t)op->pos.len,
                               (uint8_t)(op->value < 0 ? ASM_ARG_NEG : ASM_ARG_POS)};
    else
        asm_arg_set_full(p, i, op);
}
/* Whether operand i is late (bound again by layout). */
static inline int asm_arg_late(const asm_program *p, size_t i)
{
    return p->args[i].tag == ASM_ARG_FULL && p->opds[p->args[i].v].late;
}
/* A slot's operands, whole. */
static inline void asm_slot_args(const asm_program *p, const asm_pslot *slot, asm_operand out[ISA_MAX_ARGS])
{
    for (int a = 0; a < isa_ops[slot->op].nargs; a++)
        asm_arg_get(p, slot->pos, slot->first_arg + (size_t)a, &out[a]);
}

/* A scratch range a slot touches, relative to sym (NULL: absolute words). */
typedef struct {
    const asm_symbol *sym;
    int64_t first;
    uint32_t count;
    int arg;                 /* the operand it comes from */
    uint8_t unknown;         /* displaced by a relocated offset: any word of sym */
} asm_sym_range;

/* The ranges a resolved slot writes (writes != 0) or reads; returns how
 * many were stored (at most ISA_MAX_RANGES).  Both this and
 * isa_slot_writes / isa_slot_reads (the same ranges once the linker has
 * placed the symbols) come from isa_scratch_operands. */
int asm_slot_ranges(const asm_program *p, const asm_pslot *slot, int writes,
                    asm_sym_range out[ISA_MAX_RANGES]);

/* Whether bundle b, of slots asm_program.checked_plain marks, has no
 * more slots of an engine than the engine takes, and (writes_too) no two
 * slots that write a word in common (the ranges asm_slot_ranges gives,
 * decided on numbers): what layout checks of every bundle, in the common
 * case.  0 also when it cannot tell (a slot not marked plain). */
int asm_plain_bundle_clean(const asm_program *p, const asm_pbundle *b, int writes_too);

/* The isa_slot of a resolved slot as the object holds it: relocated
 * operands 0, a comment's operand `comment` (its string offset), 0 past
 * its operands.  Returns whether every operand is a plain number.
 * all_args and opds are the program's (asm_program.args, .opds), which
 * deferred code (emit.c) keeps without the rest of the program. */
int asm_slot_isa_of(const asm_arg *all_args, const asm_operand *opds, const asm_pslot *slot, uint32_t comment,
                    isa_slot *out);
/* The same for p's slot, comments at offset 0 (emit.c fills in the real
 * ones). */
static inline void asm_slot_isa(const asm_program *p, const asm_pslot *slot, isa_slot *out)
{
    asm_slot_isa_of(p->args, p->opds, slot, 0, out);
}

/* ---- the stages ----------------------------------------------------------- */

/* expand.c: statements to program, as the parser delivers them.
 * asm_expand_stmts is an asm_stmt_sink (parse.h): pass it to asm_parse
 * with the expander as its argument. */
typedef struct asm_expander asm_expander;
asm_expander *asm_expander_new(asm_ctx *ctx, asm_program *p);
int asm_expand_stmts(void *expander, const asm_body *stmts);
/* An asm_line_sink (parse.h) for the same expander: pass it along. */
struct asm_plain_line;
int asm_expand_line(void *expander, const struct asm_plain_line *line);
/* After the last statement: reports what is left open (a .linear). */
void asm_expand_finish(asm_expander *x);
void asm_expander_free(asm_expander *x);

/* bind.c: every operand to a (value, symbol) pair, with every check on a
 * slot that can be made before layout and linking; operands that need
 * final bundle numbers are marked late.  asm_bind_late binds those, once
 * labels hold final bundle numbers (layout calls it).  Both return 0, or
 * -1 when errors were reported. */
int asm_bind(asm_ctx *ctx, asm_program *p);
int asm_bind_late(asm_ctx *ctx, asm_program *p);

/* layout.c: labels moved to their final bundles, late operands bound,
 * slot limits and hazard warnings checked on the final bundles.  Returns
 * 0, or -1 when errors were reported. */
int asm_layout(asm_ctx *ctx, asm_program *p);

/* emit.c: the resolved program as an object.  The program is used up:
 * its arrays are given back page by page as the object grows (it may
 * only be freed afterwards). */
vimage *asm_emit(const asm_ctx *ctx, asm_program *p);
/* The same with the code deferred (image.h): the object holds its
 * symbols, relocations, bundles and their lines, while its slots stay in
 * the program's arrays, which it takes (p keeps the rest, to be freed). */
vimage *asm_emit_deferred(const asm_ctx *ctx, asm_program *p);

/* Shared integer arithmetic of the language (int64, C semantics).
 * Returns NULL, or why the value does not exist ("division by zero"). */
const char *asm_fold_binop(asm_binop op, int64_t a, int64_t b, int64_t *out);
int64_t asm_fold_unop(asm_unop op, int64_t a);

#endif

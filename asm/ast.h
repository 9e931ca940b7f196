/*
 * ast: the assembler's shared vocabulary -- source locations, the per-run
 * arena and name table, the syntax tree the parser builds, and the one
 * reporting path every stage uses.
 *
 * Everything here belongs to one asm_ctx, which lives exactly as long as
 * one call of asm_assemble_*: nothing is global, so the assembler can run
 * any number of times in one process.  Tree nodes are bump-allocated from
 * the parser's arena, which is emptied after each line has been expanded
 * (parse.h); what outlives a line goes to the context's arena.  That is
 * also why the grammar needs no %destructor: a value dropped by error
 * recovery is arena space that goes away with its line.
 *
 * The tree is the source as written, with no meaning attached: a slot
 * names its engine and op as words (a macro parameter may stand for
 * either), operands are expressions, and blocks (.macro, .rept, .for, .if)
 * hold their bodies.  expand.c gives it meaning.
 */
#ifndef VLIW_ASM_AST_H
#define VLIW_ASM_AST_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "asm.h"
#include "diag.h"

/* A span of source: file, 1-based line and column, and its width in
 * columns on that line (spans that cross lines stop at the first). */
typedef struct asm_loc {
    const char *file;   /* interned by asm_file_name: compare pointers */
    uint32_t line;
    uint16_t col;
    uint16_t len;
} asm_loc;

/* The same, packed for the program's slots and operands: file is an index
 * into asm_ctx.files (asm_pos_loc turns it back). */
typedef struct {
    uint32_t line;
    uint16_t col, len;
    uint16_t file;
} asm_pos;

/* ---- arena ------------------------------------------------------------ */

typedef struct asm_arena_block asm_arena_block;
typedef struct {
    asm_arena_block *blocks;
    char *next, *end;
} asm_arena;

/* Uninitialized, 8-byte aligned memory that lives until asm_arena_free
 * (or asm_arena_reset).  Inline: the parser allocates several nodes per
 * token, and all but one in thousands fit the current block. */
void *asm_alloc_from_new_block(asm_arena *a, size_t size);
static inline void *asm_alloc(asm_arena *a, size_t size)
{
    size = (size + 7) & ~(size_t)7;
    if ((size_t)(a->end - a->next) < size)
        return asm_alloc_from_new_block(a, size);
    void *p = a->next;
    a->next += size;
    return p;
}
void *asm_zalloc(asm_arena *a, size_t size);
char *asm_strndup(asm_arena *a, const char *s, size_t len);
/* Frees everything but keeps the first block, so an arena refilled line
 * after line stays in the same (cached, already mapped) memory. */
void asm_arena_reset(asm_arena *a);
/* Moves all of from's blocks into to (they live as long as to). */
void asm_arena_adopt(asm_arena *to, asm_arena *from);
void asm_arena_free(asm_arena *a);

/* ---- names -------------------------------------------------------------- */

struct asm_symbol;
struct asm_macro;

/* An interned identifier (or operator word such as "+").  Each name has one
 * meaning per run, found without a second lookup through its fields. */
typedef struct asm_name {
    struct asm_name *chain;
    struct asm_symbol *sym;      /* symbol table entry (expand.c), or NULL */
    struct asm_macro *macro;     /* macro of this name, or NULL */
    struct asm_name *alias;      /* a temporary of the open .linear region: its unique name */
    uint32_t hash, len;
    char text[];
} asm_name;

typedef struct {
    asm_name **slots;
    size_t mask, count;
} asm_names;

/* ---- expansion context (for notes under a message) ---------------------- */

typedef enum { ASM_FRAME_INCLUDE, ASM_FRAME_MACRO, ASM_FRAME_REPT, ASM_FRAME_FOR } asm_frame_kind;

/* Why a piece of text is being assembled: included from, expanded from a
 * macro call, or repeated by a loop.  Frames form a chain towards the
 * top-level file; every message prints one note per frame. */
typedef struct asm_frame {
    const struct asm_frame *parent;
    asm_frame_kind kind;
    const char *what;         /* macro name, included file, loop variable */
    int64_t iteration;        /* loops: repetition index or variable value */
    asm_loc at;               /* the .include, the call, the loop directive */
} asm_frame;

/* ---- the run ---------------------------------------------------------- */

/* A source text, handed to diag only when a message first cites it (diag
 * copies what it is given; most runs cite nothing). */
typedef struct {
    const char *file;
    char *text;
    size_t size;
    int owned;                   /* freed with the context */
    int registered;              /* diag has it */
    int on_disk;                 /* the text is the file's, which diag can read again */
} asm_source;

/* flex ends the token it just read with a NUL written into the source
 * buffer, keeping the byte it replaced; each active scanner records that
 * here so a copy of the text made meanwhile (for diag) can be put right. */
typedef struct asm_scan_hold {
    const char *at;              /* the replaced byte's place, or NULL */
    char byte;
    struct asm_scan_hold *outer; /* the scanner of the including file */
} asm_scan_hold;

typedef struct asm_ctx {
    diag *d;
    const asm_options *opt;
    asm_arena arena;             /* lives for the whole run */
    asm_names names;
    const char **files;          /* interned file names; asm_pos.file indexes them */
    size_t nfiles, cap_files;
    asm_source *sources;
    size_t nsources, cap_sources;
    asm_scan_hold *holds;        /* the innermost active scanner */
    const char *last_file;       /* asm_loc_pos's cache */
    uint16_t last_index;
} asm_ctx;

void asm_ctx_init(asm_ctx *ctx, diag *d, const asm_options *opt);
void asm_ctx_free(asm_ctx *ctx);
asm_name *asm_intern(asm_ctx *ctx, const char *s, size_t len);
/* The one stored copy of a file name, so locations compare by pointer. */
const char *asm_file_name(asm_ctx *ctx, const char *name);
/* Records the text of a file for messages; flags: ASM_SOURCE_OWNED, free
 * it with ctx; ASM_SOURCE_ON_DISK, the text is what the file named holds
 * (not standard input, not the command line's definitions). */
enum { ASM_SOURCE_OWNED = 1, ASM_SOURCE_ON_DISK = 2 };
void asm_add_source(asm_ctx *ctx, const char *file, char *text, size_t size, int flags);
/* Frees the owned texts and forgets the others: the assembler's messages
 * cite no source line from then on.  For when no more of them can come, so
 * that text as big as the sources is not held while the object is built.
 * The texts of files on disk that diag was given go too (diag_drop_source):
 * a later message (the linker's) reads its line from the file. */
void asm_drop_sources(asm_ctx *ctx);
asm_pos asm_loc_pos_lookup(asm_ctx *ctx, const asm_loc *loc);
/* Inline for the common case, a location in the same file as the last
 * one: every slot and operand the program keeps is converted. */
static inline asm_pos asm_loc_pos(asm_ctx *ctx, const asm_loc *loc)
{
    if (loc->file != ctx->last_file || !ctx->nfiles)
        return asm_loc_pos_lookup(ctx, loc);
    return (asm_pos){loc->line, loc->col, loc->len, ctx->last_index};
}
asm_loc asm_pos_loc(const asm_ctx *ctx, asm_pos pos);
/* A whole file ("-": standard input) in a malloc'd buffer followed by two
 * NUL bytes, as the scanner wants it; NULL with errno set on failure
 * (EFBIG: more than ASM_MAX_SOURCE_SIZE bytes, EISDIR: a directory). */
char *asm_read_source(const char *path, size_t *size);
/* Why a file's bytes cannot be source (an image, an object, a NUL byte:
 * one message rather than one per byte), or NULL. */
const char *asm_binary_source(const char *text, size_t size);

typedef enum { ASM_ERROR, ASM_WARNING, ASM_NOTE } asm_severity;

/* Reports through diag, then one note per expansion frame.  flag names
 * the warning (ASM_WARNING only). */
void asm_report(asm_ctx *ctx, asm_severity sev, const char *flag, const asm_loc *loc,
                const asm_frame *frame, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void asm_vreport(asm_ctx *ctx, asm_severity sev, const char *flag, const asm_loc *loc,
                 const asm_frame *frame, const char *fmt, va_list ap);
diag_loc asm_diag_loc(const asm_loc *loc);

/* ---- expressions ---------------------------------------------------------- */

typedef enum {
    EX_INT,      /* u.value */
    EX_NAME,     /* u.name: a symbol, trace key, or op/engine word */
    EX_PARAM,    /* u.name: \name inside a macro body */
    EX_WORD,     /* u.name: an operator or engine keyword given as a macro argument */
    EX_STRING,   /* u.str: debug comment text, escapes removed */
    EX_UNARY,    /* op: asm_unop, u.sub.a */
    EX_BINARY,   /* op: asm_binop, u.sub.a, u.sub.b */
    EX_COND,     /* u.sub.a ? u.sub.b : u.sub.c */
    EX_INDEX,    /* u.sub.a [u.sub.b]: element of a scratch array */
} asm_expr_kind;

typedef enum { UN_NEG, UN_NOT, UN_LNOT } asm_unop;

typedef enum {
    BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV, BIN_MOD, BIN_SHL, BIN_SHR, BIN_AND, BIN_OR, BIN_XOR,
    BIN_LT, BIN_GT, BIN_LE, BIN_GE, BIN_EQ, BIN_NE, BIN_LAND, BIN_LOR,
} asm_binop;

typedef struct asm_expr asm_expr;
struct asm_expr {
    uint8_t kind;      /* asm_expr_kind */
    uint8_t op;        /* asm_unop or asm_binop */
    uint16_t depth;    /* operators down to the deepest leaf (0: a leaf), at most ASM_MAX_EXPR_DEPTH
                        * in a tree anyone evaluates, so that the recursive walks are bounded */
    asm_loc loc;
    union {
        int64_t value;
        asm_name *name;
        struct { const char *text; size_t len; } str;
        struct { asm_expr *a, *b, *c; } sub;
    } u;
};

/* The depth of an operator over a, b and c (NULL: no operand). */
unsigned asm_expr_depth(const asm_expr *a, const asm_expr *b, const asm_expr *c);

/* The C spelling of an operator ("<<"), for messages and dumps. */
const char *asm_binop_text(asm_binop op);
const char *asm_unop_text(asm_unop op);

/* ---- statements ------------------------------------------------------------ */

typedef enum {
    ST_BUNDLE,    /* u.bundle: "< ... >", a one-slot line, or nop */
    ST_CALL,      /* u.call: a macro call on a line of its own */
    ST_LABEL,     /* u.def.name */
    ST_EQU,       /* u.def.name, u.def.value */
    ST_SET,       /* u.def.name, u.def.value */
    ST_SCRATCH,   /* u.scratch: .word / .vec */
    ST_GLOBAL,    /* u.names */
    ST_EXTERN,    /* u.names */
    ST_ENTRY,     /* u.def.name (may be NULL) */
    ST_INCLUDE,   /* u.include */
    ST_MESSAGE,   /* u.message: .error / .warning */
    ST_MACRO,     /* u.macro */
    ST_REPT,      /* u.loop (var NULL) */
    ST_FOR,       /* u.loop */
    ST_IF,        /* u.cond */
    ST_LINEAR,    /* u.def.name: an option word (noalias) or NULL */
    ST_ENDLINEAR,
    ST_TEMP,      /* u.scratch: .temp / .vtemp (no addresses) */
    ST_PRIORITY,  /* u.def.value */
    ST_FENCE,
} asm_stmt_kind;

typedef struct asm_stmt asm_stmt;

/* A statement list, in source order. */
typedef struct {
    asm_stmt *first, *last;
} asm_body;

/* An engine or op as written: a keyword or symbol (text), a name (name,
 * for ops such as cdiv and for macro names), or a parameter (param set,
 * name is the parameter). */
typedef struct {
    const char *text;     /* NULL for a parameter; name->text for names; else a
                             static keyword or symbol (never freed: the expander
                             keys a cache on its address) */
    asm_name *name;
    asm_loc loc;
    uint8_t param;
    uint8_t place;        /* engines: "@engine" written after it, as 1 + engine; 0: none */
} asm_word;

/* One entry between "<" and ">": a slot or a macro call. */
typedef struct {
    asm_loc loc;          /* the whole slot */
    asm_word engine;      /* engine.text and engine.name NULL, not param: a macro call */
    asm_word op;          /* the op, or the macro's name */
    uint32_t nargs;
    asm_expr **args;
} asm_slot_ast;

static inline int asm_slot_is_call(const asm_slot_ast *s)
{
    return !s->engine.text && !s->engine.param;
}

typedef struct {
    asm_expr *name;       /* EX_NAME or EX_PARAM */
    asm_expr *count;      /* elements, NULL: a single one */
    asm_expr *address;    /* "@ address", NULL: placed by the linker */
} asm_scratch_decl;

typedef struct {
    asm_name *name;
    asm_expr *def;        /* default argument, or NULL */
    asm_loc loc;
} asm_param;

typedef enum { COND_EXPR, COND_DEFINED, COND_UNDEFINED, COND_ELSE } asm_cond_kind;

typedef struct asm_cond_arm {
    struct asm_cond_arm *next;
    asm_cond_kind kind;
    asm_expr *test;       /* COND_EXPR: the value; COND_(UN)DEFINED: the name */
    asm_loc loc;          /* the .if / .elif / .else */
    asm_body body;
} asm_cond_arm;

struct asm_stmt {
    asm_stmt *next;
    asm_stmt_kind kind;
    asm_loc loc;          /* the directive, label or bundle */
    union {
        struct {
            uint32_t nslots;
            uint8_t bracketed;    /* written with < > (else a one-slot line or nop) */
            asm_slot_ast *slots;
        } bundle;
        asm_slot_ast call;
        struct { asm_expr *name, *value; } def;
        struct { uint32_t count; uint8_t vector; asm_scratch_decl *decls; } scratch;
        struct { uint32_t count; asm_expr **names; } names;
        struct { const char *path; asm_loc path_loc; } include;
        struct { uint8_t is_error; asm_expr *text; } message;
        struct {
            asm_name *name;
            uint32_t nparams;
            asm_param *params;
            asm_body body;
        } macro;
        struct {
            asm_expr *var;        /* .for only */
            asm_expr *start, *end, *step;   /* .rept: end is the count */
            asm_body body;
        } loop;
        struct { asm_cond_arm *arms; } cond;
    } u;
};

/* Writes a one-line-per-statement rendering of a body (tests, debugging). */
void asm_dump_body(FILE *out, const asm_body *body, int indent);
void asm_dump_expr(FILE *out, const asm_expr *e);

#endif

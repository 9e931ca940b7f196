/*
 * grammar: tokens to the syntax tree (pure bison parser).
 *
 * One line at a time: labels, then at most one statement.  A bundle may
 * continue over lines after "<" and ";" and before ">".  Block directives
 * are single lines here; asm_parse_open/close nest them (parse.c).
 *
 * Two things share spellings and are kept apart by position:
 *   - the op of a slot is the token right after the engine, so "alu + 1,
 *     2, 3" and "alu + acc, acc, tmp+1" both parse: "+" there can only be
 *     the op, and the operand list starts after it;
 *   - ">" closes a bundle, so the expressions of operands and macro
 *     arguments ("oexpr") have no < > <= >= at their top level (write
 *     them in parentheses); directive expressions ("expr") have them all.
 *
 * Recovery: a bad bundle resumes at its ">" or the end of its line, any
 * other bad line at its end, so one run reports every broken line; a broken
 * line leaves no statement behind (parse.c commits a line only when it is
 * complete).
 * No %destructor is needed: every semantic value is arena memory that is
 * reclaimed with its line (ast.h).
 */
%require "3.8"
%define api.pure full
%define api.prefix {asm_yy}
%define api.token.prefix {TK_}
%define api.location.type {asm_ploc}
%define parse.error custom
/* Syntax errors list every token that could come next, so an error must be
 * detected on the token that causes it, before any reduction.  Canonical
 * LR(1) tables that reduce by default only in consistent states (where no
 * lookahead is read) do exactly that: the expected tokens are those of LAC
 * (parse.lac full), without re-running the stack for every token, which
 * cost a tenth of vasm's time. */
%define lr.type canonical-lr
%define lr.default-reduction consistent
%locations
%expect 0
%lex-param {void *scanner}
%parse-param {void *scanner} {asm_parser *ps}

%code requires {
#include "ast.h"
#include "parse.h"

/* Arena lists built while parsing, turned into arrays by the actions. */
typedef struct asm_cell { struct asm_cell *next; void *item; } asm_cell;
typedef struct { asm_cell *first, *last; uint32_t count; } asm_list;
}

%code provides {
int asm_yylex(ASM_YYSTYPE *lval, asm_ploc *lloc, void *scanner);
}

%code {
#include <string.h>

#include "isa.h"
#include "spell.h"

/* Symbols on bison's stack (bison's default, named for the message). */
#define YYMAXDEPTH 10000

/* A span from the first symbol to the last, when they share a line; an
 * empty rule sits just after the symbol before it; a rule of one symbol
 * (most reductions) is where that symbol is. */
#define YYLLOC_DEFAULT(Cur, Rhs, N) \
    ((Cur) = (N) == 1 ? YYRHSLOC(Rhs, 1) \
             : (N) ? asm_ploc_span(YYRHSLOC(Rhs, 1), YYRHSLOC(Rhs, N)) : after(YYRHSLOC(Rhs, 0)))

static asm_ploc after(asm_ploc prev)
{
    return asm_ploc_make((uint32_t)(prev >> 32), (uint32_t)(uint16_t)(prev >> 16) + (uint16_t)prev, 0);
}

/* The full location of a packed one (a compound literal: valid in the
 * action that uses it). */
#define LOC(p) (&(asm_loc){ps->file, (uint32_t)((p) >> 32), (uint16_t)((p) >> 16), (uint16_t)(p)})

/* Only for bison's own failures ("memory exhausted"); syntax errors go
 * through yyreport_syntax_error. */
static void asm_yyerror(const asm_ploc *loc, void *scanner, asm_parser *ps, const char *msg)
{
    (void)scanner;
    if (strcmp(msg, "memory exhausted") == 0)   /* its stack is full: YYMAXDEPTH symbols open */
        asm_parse_error(ps, LOC(*loc), "line nested too deep for the parser (more than %d open parentheses "
                        "or operators)", YYMAXDEPTH);
    else
        asm_parse_error(ps, LOC(*loc), "%s", msg);
}

static void *node(asm_parser *ps, size_t size) { return asm_zalloc(&ps->arena, size); }

/* Semantic values are all one pointer wide: copying a wider union on
 * every reduction stalls the CPU (store forwarding), and it showed. */
static asm_list *list_one(asm_parser *ps, void *item)
{
    asm_cell *c = asm_alloc(&ps->arena, sizeof *c);
    asm_list *l = asm_alloc(&ps->arena, sizeof *l);
    c->next = NULL;
    c->item = item;
    *l = (asm_list){c, c, 1};
    return l;
}

static asm_list *list_add(asm_parser *ps, asm_list *l, void *item)
{
    asm_cell *c = asm_alloc(&ps->arena, sizeof *c);
    c->next = NULL;
    c->item = item;
    l->last->next = c;
    l->last = c;
    l->count++;
    return l;
}

static uint32_t list_count(const asm_list *l) { return l ? l->count : 0; }
static asm_cell *list_first(const asm_list *l) { return l ? l->first : NULL; }

static void **list_array(asm_parser *ps, const asm_list *l)
{
    void **v = list_count(l) ? asm_alloc(&ps->arena, l->count * sizeof *v) : NULL;
    uint32_t i = 0;
    for (asm_cell *c = list_first(l); c; c = c->next)
        v[i++] = c->item;
    return v;
}

static asm_expr *ex_int(asm_parser *ps, int64_t v, const asm_loc *loc)
{
    asm_expr *e = asm_alloc(&ps->arena, sizeof *e);
    e->kind = EX_INT;
    e->op = 0;
    e->depth = 0;
    e->loc = *loc;
    e->u.value = v;
    return e;
}

static asm_expr *ex_name(asm_parser *ps, asm_expr_kind kind, asm_name *n, const asm_loc *loc)
{
    asm_expr *e = asm_alloc(&ps->arena, sizeof *e);
    e->kind = (uint8_t)kind;
    e->op = 0;
    e->depth = 0;
    e->loc = *loc;
    e->u.name = n;
    return e;
}

static asm_expr *ex_word(asm_parser *ps, const char *text, const asm_loc *loc)
{
    return ex_name(ps, EX_WORD, asm_intern(ps->ctx, text, strlen(text)), loc);
}

static asm_word *new_word(asm_parser *ps, const char *text, asm_name *n, const asm_loc *loc, int param)
{
    asm_word *w = asm_alloc(&ps->arena, sizeof *w);
    *w = (asm_word){text, n, *loc, (uint8_t)param, 0};
    return w;
}

static asm_word *word_text(asm_parser *ps, const char *text, const asm_loc *loc)
{
    return new_word(ps, text, NULL, loc, 0);
}

static asm_word *word_name(asm_parser *ps, asm_name *n, const asm_loc *loc)
{
    return new_word(ps, n->text, n, loc, 0);
}

static asm_word *word_param(asm_parser *ps, asm_name *n, const asm_loc *loc)
{
    return new_word(ps, NULL, n, loc, 1);
}

/* An operator node; past ASM_MAX_EXPR_DEPTH, one error and a leaf that
 * stands for the whole (its depth over the limit says so, so that the
 * operators above it add no more errors): evaluating the expression would
 * recurse that deep. */
static asm_expr *ex_op(asm_parser *ps, asm_expr_kind kind, int op, asm_expr *a, asm_expr *b,
                       asm_expr *c, const asm_loc *loc)
{
    unsigned depth = asm_expr_depth(a, b, c);
    if (depth > ASM_MAX_EXPR_DEPTH) {
        if (depth == ASM_MAX_EXPR_DEPTH + 1)   /* crossing now, not above a leaf that did */
            asm_parse_error(ps, loc, "expression nested more than %d operators deep", ASM_MAX_EXPR_DEPTH);
        asm_expr *leaf = ex_int(ps, 0, loc);
        leaf->depth = ASM_MAX_EXPR_DEPTH + 1;
        return leaf;
    }
    asm_expr *e = asm_alloc(&ps->arena, sizeof *e);
    e->kind = (uint8_t)kind;
    e->op = (uint8_t)op;
    e->depth = (uint16_t)depth;
    e->loc = *loc;
    e->u.sub.a = a;
    e->u.sub.b = b;
    e->u.sub.c = c;
    return e;
}

static asm_expr *ex_bin(asm_parser *ps, asm_binop op, asm_expr *a, asm_expr *b, const asm_loc *loc)
{
    return ex_op(ps, EX_BINARY, op, a, b, NULL, loc);
}

/* name[index]: an element of a scratch array (or of a parameter's). */
static asm_expr *ex_elem(asm_parser *ps, asm_expr_kind kind, asm_name *n, asm_expr *index, const asm_loc *name_loc,
                         const asm_loc *loc)
{
    return ex_op(ps, EX_INDEX, 0, ex_name(ps, kind, n, name_loc), index, NULL, loc);
}

/* "-5" stays one node. */
static asm_expr *negate(asm_parser *ps, asm_expr *e, const asm_loc *loc)
{
    if (e->kind != EX_INT)
        return ex_op(ps, EX_UNARY, UN_NEG, e, NULL, NULL, loc);
    e->u.value = -e->u.value;
    e->loc = *loc;
    return e;
}

static asm_stmt *stmt(asm_parser *ps, asm_stmt_kind kind, const asm_loc *loc)
{
    asm_stmt *s = node(ps, sizeof *s);
    s->kind = kind;
    s->loc = *loc;
    return s;
}

static void fill_slot(asm_parser *ps, asm_slot_ast *s, const asm_word *engine, const asm_word *op,
                      const asm_list *args, const asm_loc *loc)
{
    static const asm_word none = {NULL, NULL, {NULL, 0, 0, 0}, 0, 0};
    s->loc = *loc;
    s->engine = engine ? *engine : none;
    s->op = *op;
    s->nargs = list_count(args);
    s->args = (asm_expr **)list_array(ps, args);
}

static void add_bundle(asm_parser *ps, const asm_list *slots, int bracketed, const asm_loc *loc)
{
    asm_stmt *s = stmt(ps, ST_BUNDLE, loc);
    uint32_t n = list_count(slots);
    s->u.bundle.nslots = n;
    s->u.bundle.bracketed = (uint8_t)bracketed;
    s->u.bundle.slots = n ? asm_alloc(&ps->arena, n * sizeof *s->u.bundle.slots) : NULL;
    uint32_t i = 0;
    for (asm_cell *c = list_first(slots); c; c = c->next)
        s->u.bundle.slots[i++] = *(asm_slot_ast *)c->item;
    asm_parse_append(ps, s);
}

/* A bundle of the one slot written without brackets. */
static void add_slot_line(asm_parser *ps, const asm_slot_ast *slot, const asm_loc *loc)
{
    asm_stmt *s = stmt(ps, ST_BUNDLE, loc);
    s->u.bundle.nslots = 1;
    s->u.bundle.bracketed = 0;
    s->u.bundle.slots = asm_alloc(&ps->arena, sizeof *s->u.bundle.slots);
    s->u.bundle.slots[0] = *slot;
    asm_parse_append(ps, s);
}

/* A slot of a LINE token as the tree its tokens make: the engine and op
 * words (an op spelled as an engine name is that keyword, a name op is
 * interned, a symbol is its text), each number an EX_INT. */
static void plain_slot(asm_parser *ps, const asm_plain_line *l, const asm_plain_slot *p, asm_slot_ast *s)
{
    const char *mnemonic = isa_ops[p->op].mnemonic, *text = mnemonic;
    asm_name *name = NULL;
    if ((mnemonic[0] >= 'a' && mnemonic[0] <= 'z') || (mnemonic[0] >= 'A' && mnemonic[0] <= 'Z') ||
        mnemonic[0] == '_') {
        int e = isa_find_engine(mnemonic);
        if (e >= 0) {
            text = isa_engines[e].name;
        } else {
            name = asm_intern(ps->ctx, mnemonic, p->op_len);
            text = name->text;
        }
    }
    s->engine = (asm_word){isa_engines[p->engine].name, NULL,
                           {l->file, l->line, p->col, (uint16_t)strlen(isa_engines[p->engine].name)}, 0, 0};
    s->op = (asm_word){text, name, {l->file, l->line, p->op_col, p->op_len}, 0, 0};
    s->loc = (asm_loc){l->file, l->line, p->col, p->len};
    s->nargs = p->nargs;
    s->args = asm_alloc(&ps->arena, p->nargs * sizeof *s->args);
    for (uint32_t a = 0; a < p->nargs; a++)
        s->args[a] = ex_int(ps, asm_plain_value(&p->num[a]), &(asm_loc){l->file, l->line, p->num[a].col, p->num[a].len});
}

/* A LINE token: into the program through the line sink when it takes it,
 * else the same statement its tokens make, committed as any line. */
static void plain_line(asm_parser *ps, const asm_plain_line *l)
{
    if (l->bracketed)   /* as bopen says, for "is the '>' of the bundle missing?" later */
        ps->bundle_open = (asm_loc){l->file, l->line, l->col, 1};
    if (ps->line_sink && ps->line_sink(ps->sink_arg, l) == 0)
        return;
    asm_stmt *s = stmt(ps, ST_BUNDLE, &(asm_loc){l->file, l->line, l->col, l->len});
    s->u.bundle.nslots = l->nslots;
    s->u.bundle.bracketed = l->bracketed;
    s->u.bundle.slots = asm_alloc(&ps->arena, l->nslots * sizeof *s->u.bundle.slots);
    for (uint32_t i = 0; i < l->nslots; i++)
        plain_slot(ps, l, &l->slots[i], &s->u.bundle.slots[i]);
    asm_parse_append(ps, s);
    asm_parse_commit(ps);
}

static void add_def(asm_parser *ps, asm_stmt_kind kind, asm_expr *name, asm_expr *value, const asm_loc *loc)
{
    asm_stmt *s = stmt(ps, kind, loc);
    s->u.def.name = name;
    s->u.def.value = value;
    asm_parse_append(ps, s);
}

static void add_names(asm_parser *ps, asm_stmt_kind kind, const asm_list *names, const asm_loc *loc)
{
    asm_stmt *s = stmt(ps, kind, loc);
    s->u.names.count = list_count(names);
    s->u.names.names = (asm_expr **)list_array(ps, names);
    asm_parse_append(ps, s);
}

static void add_scratch(asm_parser *ps, asm_stmt_kind kind, int vector, const asm_list *decls,
                        const asm_loc *loc)
{
    asm_stmt *s = stmt(ps, kind, loc);
    s->u.scratch.vector = (uint8_t)vector;
    s->u.scratch.count = list_count(decls);
    s->u.scratch.decls = asm_alloc(&ps->arena, list_count(decls) * sizeof *s->u.scratch.decls);
    uint32_t i = 0;
    for (asm_cell *c = list_first(decls); c; c = c->next)
        s->u.scratch.decls[i++] = *(asm_scratch_decl *)c->item;
    asm_parse_append(ps, s);
}

static void open_loop(asm_parser *ps, asm_stmt_kind kind, asm_expr *var, asm_expr *start, asm_expr *end,
                      asm_expr *step, const asm_loc *loc)
{
    asm_stmt *s = stmt(ps, kind, loc);
    s->u.loop.var = var;
    s->u.loop.start = start;
    s->u.loop.end = end;
    s->u.loop.step = step;
    asm_parse_open(ps, s);
}

static void open_if(asm_parser *ps, asm_cond_kind kind, asm_expr *test, const asm_loc *loc)
{
    asm_stmt *s = stmt(ps, ST_IF, loc);
    asm_cond_arm *arm = node(ps, sizeof *arm);
    arm->kind = kind;
    arm->test = test;
    arm->loc = *loc;
    s->u.cond.arms = arm;
    asm_parse_open(ps, s);
}

static void add_arm(asm_parser *ps, asm_cond_kind kind, asm_expr *test, const asm_loc *loc)
{
    asm_cond_arm *arm = node(ps, sizeof *arm);
    arm->kind = kind;
    arm->test = test;
    arm->loc = *loc;
    asm_parse_arm(ps, arm, loc);
}

static void *slot_node(asm_parser *ps, const asm_word *engine, const asm_word *op, const asm_list *args,
                       const asm_loc *loc)
{
    asm_slot_ast *s = asm_alloc(&ps->arena, sizeof *s);
    fill_slot(ps, s, engine, op, args, loc);
    return s;
}
}

%union {
    int64_t ival;
    int engine;
    asm_name *name;
    asm_expr *expr;
    asm_list *list;
    void *ptr;
    asm_word *word;
    const char *text;
}

%token END 0            "end of file"
%token NEWLINE          "end of line"
%token <ival> INTEGER   "integer"
%token <name> IDENT     "name"
%token <name> PARAM     "macro parameter"
%token <expr> STRING    "string"
%token <engine> ENGINE  "engine name"
%token <ptr> SLOT       "slot"   /* a slot of plain numbers, read whole by the scanner */
%token <ptr> LINE       "line of slots"   /* whole lines of them, ends included (asm_plain_run) */
%token NOP              "nop"
%token D_EQU ".equ" D_SET ".set" D_WORD ".word" D_VEC ".vec" D_GLOBAL ".global"
%token D_EXTERN ".extern" D_ENTRY ".entry" D_INCLUDE ".include" D_ERROR ".error"
%token D_WARNING ".warning" D_MACRO ".macro" D_ENDM ".endm" D_REPT ".rept" D_ENDR ".endr"
%token D_FOR ".for" D_ENDFOR ".endfor" D_IF ".if" D_IFDEF ".ifdef" D_IFNDEF ".ifndef"
%token D_ELIF ".elif" D_ELSE ".else" D_ENDIF ".endif"
%token D_LINEAR ".linear" D_ENDLINEAR ".endlinear" D_TEMP ".temp" D_VTEMP ".vtemp" D_PRIORITY ".priority"
%token D_FENCE ".fence"
%token DSLASH "//" SHL "<<" SHR ">>" EQ "==" NE "!=" LE "<=" GE ">=" ANDAND "&&" OROR "||"
%token BAD              "invalid token"

%type <expr> name ext_name operand marg
%type <word> opword placed
%type <text> word
%type <expr> expr oexpr

/* Expression operators, loosest first (C's order). */
%right '?' ':'
%left "||"
%left "&&"
%left '|'
%left '^'
%left '&'
%left "==" "!="
%left '<' '>' "<=" ">="
%left "<<" ">>"
%left '+' '-'
%left '*' '/' '%'
%precedence UNARY
%type <list> operands margs margs_opt items names ext_names decls params
%type <ptr> slot call decl param
%type <expr> text

%%

/* A LINE (whole lines of plain slots in a row, the bulk of generated
 * code) is taken here rather than as a "line": a reduction less. */
file:
    %empty
  | file line
  | file LINE                           { const asm_plain_run *run = $2;
                                          for (uint32_t i = 0; i < run->nlines; i++)
                                              plain_line(ps, &run->lines[i]); }
  ;

/* Labels are optional by two alternatives rather than an empty "labels":
 * a parser step less on every line. */
/* A one-slot line, the most common, is a line of its own here rather
 * than a "statement": a parser step less. */
line:
    statement NEWLINE                   { asm_parse_commit(ps); }
  | labels statement NEWLINE            { asm_parse_commit(ps); }
  | slot NEWLINE                        { add_slot_line(ps, $1, LOC(@1)); asm_parse_commit(ps); }
  | labels slot NEWLINE                 { add_slot_line(ps, $2, LOC(@2)); asm_parse_commit(ps); }
  | SLOT NEWLINE                        { add_slot_line(ps, $1, LOC(@1)); asm_parse_commit(ps); }
  | labels SLOT NEWLINE                 { add_slot_line(ps, $2, LOC(@2)); asm_parse_commit(ps); }
  | bopen error NEWLINE                 { yyerrok; ps->in_bundle = 0; asm_parse_discard(ps); }
  | labels bopen error NEWLINE          { yyerrok; ps->in_bundle = 0; asm_parse_discard(ps); }
  | error NEWLINE                       { yyerrok; asm_parse_discard(ps); }
  ;

labels:
    name ':'                            { add_def(ps, ST_LABEL, $1, NULL, LOC(@1)); }
  | labels name ':'                     { add_def(ps, ST_LABEL, $2, NULL, LOC(@2)); }
  ;

statement:
    %empty
  | bundle
  | NOP                                 { add_bundle(ps, NULL, 0, LOC(@1)); }
  | IDENT margs_opt                     { asm_stmt *s = stmt(ps, ST_CALL, LOC(@$));
                                          fill_slot(ps, &s->u.call, NULL, word_name(ps, $1, LOC(@1)), $2, LOC(@$));
                                          asm_parse_append(ps, s); }
  | directive
  ;

/* ---- bundles ---- */

/* Line breaks may follow the '<' and each ';' and come before the '>'.
 * The '<' takes those after it (bopen), and the other places are spelled
 * out with and without them, rather than through an empty "nls": a parser
 * step less for every place without one. */
bundle:
    bopen '>'                           { add_bundle(ps, NULL, 1, LOC(@$)); ps->in_bundle = 0; }
  | bopen items '>'                     { add_bundle(ps, $2, 1, LOC(@$)); ps->in_bundle = 0; }
  | bopen items nl '>'                  { add_bundle(ps, $2, 1, LOC(@$)); ps->in_bundle = 0; }
  | bopen items ';' '>'                 { add_bundle(ps, $2, 1, LOC(@$)); ps->in_bundle = 0; }
  | bopen items ';' nl '>'              { add_bundle(ps, $2, 1, LOC(@$)); ps->in_bundle = 0; }
  | bopen error '>'                     { yyerrok; ps->in_bundle = 0; }   /* the line's labels stay */
  ;

bopen:
    '<'                                 { ps->bundle_open = *LOC(@1); ps->in_bundle = 1; }
  | bopen NEWLINE
  ;

nl:
    NEWLINE
  | nl NEWLINE
  ;

/* Slots and macro calls.  Here and in "slot", lists and optional parts
 * are spelled out rather than go through unit rules ("item: slot",
 * "operands_opt: operands"): a parser step per slot less. */
items:
    slot                                { $$ = list_one(ps, $1); }
  | SLOT                                { $$ = list_one(ps, $1); }
  | call                                { $$ = list_one(ps, $1); }
  | items ';' slot                      { $$ = list_add(ps, $1, $3); }
  | items ';' SLOT                      { $$ = list_add(ps, $1, $3); }
  | items ';' call                      { $$ = list_add(ps, $1, $3); }
  | items ';' nl slot                   { $$ = list_add(ps, $1, $4); }
  | items ';' nl SLOT                   { $$ = list_add(ps, $1, $4); }
  | items ';' nl call                   { $$ = list_add(ps, $1, $4); }
  ;

call:
    IDENT margs_opt                     { $$ = slot_node(ps, NULL, word_name(ps, $1, LOC(@1)), $2, LOC(@$)); }
  ;

/* Without operands the slot ends where its op does, as an empty operand
 * list placed after the op would make it end.  The engine is spelled out
 * here and the op symbols in opword, rather than reached through unit
 * rules ("engine: ENGINE", "opword: word"): two parser steps less a slot. */
slot:
    ENGINE opword                       { $$ = slot_node(ps, word_text(ps, isa_engines[$1].name, LOC(@1)),
                                                         $2, NULL, LOC(@$)); }
  | ENGINE opword operands              { $$ = slot_node(ps, word_text(ps, isa_engines[$1].name, LOC(@1)),
                                                         $2, $3, LOC(@$)); }
  | PARAM opword                        { $$ = slot_node(ps, word_param(ps, $1, LOC(@1)), $2, NULL, LOC(@$)); }
  | PARAM opword operands               { $$ = slot_node(ps, word_param(ps, $1, LOC(@1)), $2, $3, LOC(@$)); }
  | placed opword                       { $$ = slot_node(ps, $1, $2, NULL, LOC(@$)); }
  | placed opword operands              { $$ = slot_node(ps, $1, $2, $3, LOC(@$)); }
  ;

/* "valu@alu" and "valu@valu": an engine with a placement for the optimizer
 * (linear assembly). */
placed:
    ENGINE '@' ENGINE                   { $$ = word_text(ps, isa_engines[$1].name, LOC(@$));
                                          $$->place = (uint8_t)(1 + $3); }
  ;

opword:
    IDENT                               { $$ = word_name(ps, $1, LOC(@1)); }
  | PARAM                               { $$ = word_param(ps, $1, LOC(@1)); }
  | ENGINE                              { $$ = word_text(ps, isa_engines[$1].name, LOC(@1)); }
  | '+'                                 { $$ = word_text(ps, "+", LOC(@1)); }
  | '-'                                 { $$ = word_text(ps, "-", LOC(@1)); }
  | '*'                                 { $$ = word_text(ps, "*", LOC(@1)); }
  | "//"                                { $$ = word_text(ps, "//", LOC(@1)); }
  | '%'                                 { $$ = word_text(ps, "%", LOC(@1)); }
  | '^'                                 { $$ = word_text(ps, "^", LOC(@1)); }
  | '&'                                 { $$ = word_text(ps, "&", LOC(@1)); }
  | '|'                                 { $$ = word_text(ps, "|", LOC(@1)); }
  | "<<"                                { $$ = word_text(ps, "<<", LOC(@1)); }
  | ">>"                                { $$ = word_text(ps, ">>", LOC(@1)); }
  | '<'                                 { $$ = word_text(ps, "<", LOC(@1)); }
  | "=="                                { $$ = word_text(ps, "==", LOC(@1)); }
  ;

/* The op symbols as a macro argument (opword lists them too). */
word:
    '+'                                 { $$ = "+"; }
  | '-'                                 { $$ = "-"; }
  | '*'                                 { $$ = "*"; }
  | "//"                                { $$ = "//"; }
  | '%'                                 { $$ = "%"; }
  | '^'                                 { $$ = "^"; }
  | '&'                                 { $$ = "&"; }
  | '|'                                 { $$ = "|"; }
  | "<<"                                { $$ = "<<"; }
  | ">>"                                { $$ = ">>"; }
  | '<'                                 { $$ = "<"; }
  | "=="                                { $$ = "=="; }
  ;

/* "operand" spelled out: one parser step less for each of the millions of
 * operands a big program has. */
operands:
    oexpr                               { $$ = list_one(ps, $1); }
  | STRING                              { $$ = list_one(ps, $1); }
  | operands ',' oexpr                  { $$ = list_add(ps, $1, $3); }
  | operands ',' STRING                 { $$ = list_add(ps, $1, $3); }
  ;

operand:
    oexpr
  | STRING
  ;

margs_opt:
    %empty                              { $$ = NULL; }
  | margs
  ;

margs:
    marg                                { $$ = list_one(ps, $1); }
  | margs ',' marg                      { $$ = list_add(ps, $1, $3); }
  ;

marg:
    operand
  | word                                { $$ = ex_word(ps, $1, LOC(@1)); }
  | ENGINE                              { $$ = ex_word(ps, isa_engines[$1].name, LOC(@1)); }
  ;

/* ---- directives ---- */

name:
    IDENT                               { $$ = ex_name(ps, EX_NAME, $1, LOC(@1)); }
  | PARAM                               { $$ = ex_name(ps, EX_PARAM, $1, LOC(@1)); }
  ;

names:
    name                                { $$ = list_one(ps, $1); }
  | names ',' name                      { $$ = list_add(ps, $1, $3); }
  ;

/* .extern NAME[N]: a scratch variable of N words, kept as name[N]. */
ext_names:
    ext_name                            { $$ = list_one(ps, $1); }
  | ext_names ',' ext_name              { $$ = list_add(ps, $1, $3); }
  ;

ext_name:
    name
  | name '[' expr ']'                   { $$ = ex_op(ps, EX_INDEX, 0, $1, $3, NULL, LOC(@$)); }
  ;

decls:
    decl                                { $$ = list_one(ps, $1); }
  | decls ',' decl                      { $$ = list_add(ps, $1, $3); }
  ;

decl:
    name                                { asm_scratch_decl *d = node(ps, sizeof *d); d->name = $1; $$ = d; }
  | name '[' expr ']'                   { asm_scratch_decl *d = node(ps, sizeof *d); d->name = $1;
                                          d->count = $3; $$ = d; }
  | name '@' expr                       { asm_scratch_decl *d = node(ps, sizeof *d); d->name = $1;
                                          d->address = $3; $$ = d; }
  | name '[' expr ']' '@' expr          { asm_scratch_decl *d = node(ps, sizeof *d); d->name = $1;
                                          d->count = $3; d->address = $6; $$ = d; }
  ;

params:
    param                               { $$ = list_one(ps, $1); }
  | params ',' param                    { $$ = list_add(ps, $1, $3); }
  ;

param:
    IDENT                               { asm_param *p = node(ps, sizeof *p); p->name = $1; p->loc = *LOC(@1); $$ = p; }
  | IDENT '=' marg                      { asm_param *p = node(ps, sizeof *p); p->name = $1; p->def = $3;
                                          p->loc = *LOC(@1); $$ = p; }
  ;

text:
    STRING
  ;

directive:
    ".equ" name ',' expr                { add_def(ps, ST_EQU, $2, $4, LOC(@1)); }
  | ".set" name ',' expr                { add_def(ps, ST_SET, $2, $4, LOC(@1)); }
  | ".word" decls                       { add_scratch(ps, ST_SCRATCH, 0, $2, LOC(@1)); }
  | ".vec" decls                        { add_scratch(ps, ST_SCRATCH, 1, $2, LOC(@1)); }
  | ".temp" decls                       { add_scratch(ps, ST_TEMP, 0, $2, LOC(@1)); }
  | ".vtemp" decls                      { add_scratch(ps, ST_TEMP, 1, $2, LOC(@1)); }
  | ".linear"                           { add_def(ps, ST_LINEAR, NULL, NULL, LOC(@1)); }
  | ".linear" name                      { add_def(ps, ST_LINEAR, $2, NULL, LOC(@1)); }
  | ".endlinear"                        { add_def(ps, ST_ENDLINEAR, NULL, NULL, LOC(@1)); }
  | ".priority" expr                    { add_def(ps, ST_PRIORITY, NULL, $2, LOC(@1)); }
  | ".fence"                            { add_def(ps, ST_FENCE, NULL, NULL, LOC(@1)); }
  | ".global" names                     { add_names(ps, ST_GLOBAL, $2, LOC(@1)); }
  | ".extern" ext_names                 { add_names(ps, ST_EXTERN, $2, LOC(@1)); }
  | ".entry"                            { add_def(ps, ST_ENTRY, NULL, NULL, LOC(@1)); }
  | ".entry" name                       { add_def(ps, ST_ENTRY, $2, NULL, LOC(@1)); }
  | ".include" text                     { asm_stmt *s = stmt(ps, ST_INCLUDE, LOC(@1));
                                          s->u.include.path = $2->u.str.text;
                                          s->u.include.path_loc = *LOC(@2);
                                          if (memchr($2->u.str.text, '\0', $2->u.str.len))
                                              asm_parse_error(ps, LOC(@2), "file name holds a NUL byte");
                                          else
                                              asm_parse_append(ps, s); }
  | ".error" operand                    { asm_stmt *s = stmt(ps, ST_MESSAGE, LOC(@1));
                                          s->u.message.is_error = 1;
                                          s->u.message.text = $2;
                                          asm_parse_append(ps, s); }
  | ".warning" operand                  { asm_stmt *s = stmt(ps, ST_MESSAGE, LOC(@1));
                                          s->u.message.text = $2;
                                          asm_parse_append(ps, s); }
  | ".macro" IDENT                      { asm_stmt *s = stmt(ps, ST_MACRO, LOC(@1));
                                          s->u.macro.name = $2;
                                          asm_parse_open(ps, s); }
  | ".macro" IDENT params               { asm_stmt *s = stmt(ps, ST_MACRO, LOC(@1));
                                          s->u.macro.name = $2;
                                          s->u.macro.nparams = $3->count;
                                          s->u.macro.params = asm_alloc(&ps->arena,
                                                                        $3->count * sizeof *s->u.macro.params);
                                          uint32_t i = 0;
                                          for (asm_cell *c = $3->first; c; c = c->next)
                                              s->u.macro.params[i++] = *(asm_param *)c->item;
                                          asm_parse_open(ps, s); }
  | ".endm"                             { asm_parse_close(ps, ST_MACRO, LOC(@1)); }
  | ".rept" expr                        { open_loop(ps, ST_REPT, NULL, NULL, $2, NULL, LOC(@1)); }
  | ".endr"                             { asm_parse_close(ps, ST_REPT, LOC(@1)); }
  | ".for" name '=' expr ',' expr       { open_loop(ps, ST_FOR, $2, $4, $6, NULL, LOC(@1)); }
  | ".for" name '=' expr ',' expr ',' expr
                                        { open_loop(ps, ST_FOR, $2, $4, $6, $8, LOC(@1)); }
  | ".endfor"                           { asm_parse_close(ps, ST_FOR, LOC(@1)); }
  | ".if" expr                          { open_if(ps, COND_EXPR, $2, LOC(@1)); }
  | ".ifdef" name                       { open_if(ps, COND_DEFINED, $2, LOC(@1)); }
  | ".ifndef" name                      { open_if(ps, COND_UNDEFINED, $2, LOC(@1)); }
  | ".elif" expr                        { add_arm(ps, COND_EXPR, $2, LOC(@1)); }
  | ".else"                             { add_arm(ps, COND_ELSE, NULL, LOC(@1)); }
  | ".endif"                            { asm_parse_close(ps, ST_IF, LOC(@1)); }
  ;

/* ---- expressions ----
 * C's operators and precedence (the %left/%right lines above).  Division
 * and remainder truncate toward zero, as in C.  "oexpr" is the same
 * without the comparisons that clash with the bundle's ">".  Both spell
 * out their operands (numbers, names, elements, parentheses) rather than
 * share a "primary" rule: that unit rule cost a parser step per operand.
 * The actions are the same, so the trees (and their locations) are too. */

expr:
    INTEGER                             { $$ = ex_int(ps, $1, LOC(@1)); }
  | IDENT                               { $$ = ex_name(ps, EX_NAME, $1, LOC(@1)); }
  | PARAM                               { $$ = ex_name(ps, EX_PARAM, $1, LOC(@1)); }
  | IDENT '[' expr ']'                  { $$ = ex_elem(ps, EX_NAME, $1, $3, LOC(@1), LOC(@$)); }
  | PARAM '[' expr ']'                  { $$ = ex_elem(ps, EX_PARAM, $1, $3, LOC(@1), LOC(@$)); }
  | '(' expr ')'                        { $$ = $2; }
  | '-' expr %prec UNARY                { $$ = negate(ps, $2, LOC(@$)); }
  | '~' expr %prec UNARY                { $$ = ex_op(ps, EX_UNARY, UN_NOT, $2, NULL, NULL, LOC(@$)); }
  | '!' expr %prec UNARY                { $$ = ex_op(ps, EX_UNARY, UN_LNOT, $2, NULL, NULL, LOC(@$)); }
  | expr '*' expr                       { $$ = ex_bin(ps, BIN_MUL, $1, $3, LOC(@$)); }
  | expr '/' expr                       { $$ = ex_bin(ps, BIN_DIV, $1, $3, LOC(@$)); }
  | expr '%' expr                       { $$ = ex_bin(ps, BIN_MOD, $1, $3, LOC(@$)); }
  | expr '+' expr                       { $$ = ex_bin(ps, BIN_ADD, $1, $3, LOC(@$)); }
  | expr '-' expr                       { $$ = ex_bin(ps, BIN_SUB, $1, $3, LOC(@$)); }
  | expr "<<" expr                      { $$ = ex_bin(ps, BIN_SHL, $1, $3, LOC(@$)); }
  | expr ">>" expr                      { $$ = ex_bin(ps, BIN_SHR, $1, $3, LOC(@$)); }
  | expr '<' expr                       { $$ = ex_bin(ps, BIN_LT, $1, $3, LOC(@$)); }
  | expr '>' expr                       { $$ = ex_bin(ps, BIN_GT, $1, $3, LOC(@$)); }
  | expr "<=" expr                      { $$ = ex_bin(ps, BIN_LE, $1, $3, LOC(@$)); }
  | expr ">=" expr                      { $$ = ex_bin(ps, BIN_GE, $1, $3, LOC(@$)); }
  | expr "==" expr                      { $$ = ex_bin(ps, BIN_EQ, $1, $3, LOC(@$)); }
  | expr "!=" expr                      { $$ = ex_bin(ps, BIN_NE, $1, $3, LOC(@$)); }
  | expr '&' expr                       { $$ = ex_bin(ps, BIN_AND, $1, $3, LOC(@$)); }
  | expr '^' expr                       { $$ = ex_bin(ps, BIN_XOR, $1, $3, LOC(@$)); }
  | expr '|' expr                       { $$ = ex_bin(ps, BIN_OR, $1, $3, LOC(@$)); }
  | expr "&&" expr                      { $$ = ex_bin(ps, BIN_LAND, $1, $3, LOC(@$)); }
  | expr "||" expr                      { $$ = ex_bin(ps, BIN_LOR, $1, $3, LOC(@$)); }
  | expr '?' expr ':' expr              { $$ = ex_op(ps, EX_COND, 0, $1, $3, $5, LOC(@$)); }
  ;

oexpr:
    INTEGER                             { $$ = ex_int(ps, $1, LOC(@1)); }
  | IDENT                               { $$ = ex_name(ps, EX_NAME, $1, LOC(@1)); }
  | PARAM                               { $$ = ex_name(ps, EX_PARAM, $1, LOC(@1)); }
  | IDENT '[' expr ']'                  { $$ = ex_elem(ps, EX_NAME, $1, $3, LOC(@1), LOC(@$)); }
  | PARAM '[' expr ']'                  { $$ = ex_elem(ps, EX_PARAM, $1, $3, LOC(@1), LOC(@$)); }
  | '(' expr ')'                        { $$ = $2; }
  | '-' oexpr %prec UNARY               { $$ = negate(ps, $2, LOC(@$)); }
  | '~' oexpr %prec UNARY               { $$ = ex_op(ps, EX_UNARY, UN_NOT, $2, NULL, NULL, LOC(@$)); }
  | '!' oexpr %prec UNARY               { $$ = ex_op(ps, EX_UNARY, UN_LNOT, $2, NULL, NULL, LOC(@$)); }
  | oexpr '*' oexpr                     { $$ = ex_bin(ps, BIN_MUL, $1, $3, LOC(@$)); }
  | oexpr '/' oexpr                     { $$ = ex_bin(ps, BIN_DIV, $1, $3, LOC(@$)); }
  | oexpr '%' oexpr                     { $$ = ex_bin(ps, BIN_MOD, $1, $3, LOC(@$)); }
  | oexpr '+' oexpr                     { $$ = ex_bin(ps, BIN_ADD, $1, $3, LOC(@$)); }
  | oexpr '-' oexpr                     { $$ = ex_bin(ps, BIN_SUB, $1, $3, LOC(@$)); }
  | oexpr "<<" oexpr                    { $$ = ex_bin(ps, BIN_SHL, $1, $3, LOC(@$)); }
  | oexpr ">>" oexpr                    { $$ = ex_bin(ps, BIN_SHR, $1, $3, LOC(@$)); }
  | oexpr "==" oexpr                    { $$ = ex_bin(ps, BIN_EQ, $1, $3, LOC(@$)); }
  | oexpr "!=" oexpr                    { $$ = ex_bin(ps, BIN_NE, $1, $3, LOC(@$)); }
  | oexpr '&' oexpr                     { $$ = ex_bin(ps, BIN_AND, $1, $3, LOC(@$)); }
  | oexpr '^' oexpr                     { $$ = ex_bin(ps, BIN_XOR, $1, $3, LOC(@$)); }
  | oexpr '|' oexpr                     { $$ = ex_bin(ps, BIN_OR, $1, $3, LOC(@$)); }
  | oexpr "&&" oexpr                    { $$ = ex_bin(ps, BIN_LAND, $1, $3, LOC(@$)); }
  | oexpr "||" oexpr                    { $$ = ex_bin(ps, BIN_LOR, $1, $3, LOC(@$)); }
  | oexpr '?' expr ':' oexpr            { $$ = ex_op(ps, EX_COND, 0, $1, $3, $5, LOC(@$)); }
  ;

%%

/* Character tokens have no symbolic names: find them by their spelling. */
static int is_token(yysymbol_kind_t k, const char *spelling)
{
    return strcmp(yysymbol_name(k), spelling) == 0;
}

/* Tokens that only continue an expression ("+", "<<", "[") are not worth
 * listing one by one; those that start one collapse into "an expression". */
static int continues_expression(yysymbol_kind_t k)
{
    static const char *const ops[] = {"'+'", "'-'", "'*'", "'/'", "'%'", "'&'", "'|'", "'^'", "'<'", "'>'",
                                      "'?'", "'['", "<<", ">>", "==", "!=", "<=", ">=", "&&", "||"};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        if (strcmp(yysymbol_name(k), ops[i]) == 0)
            return 1;
    return 0;
}

static int starts_expression(yysymbol_kind_t k)
{
    return k == YYSYMBOL_INTEGER || k == YYSYMBOL_IDENT || k == YYSYMBOL_PARAM || is_token(k, "'('") ||
           is_token(k, "'-'") || is_token(k, "'~'") || is_token(k, "'!'");
}

/* "unexpected X, expected A, B or C": the lookahead as written, the
 * expected tokens by their names.  A token the scanner already reported
 * (BAD) says nothing more. */
static int yyreport_syntax_error(const yypcontext_t *ctx, void *scanner, asm_parser *ps)
{
    (void)scanner;
    yysymbol_kind_t tok = yypcontext_token(ctx);
    asm_ploc at = *yypcontext_location(ctx);
    /* A slot the scanner read whole stands for its engine name, the token
     * the grammar would otherwise have met first. */
    if (tok == YYSYMBOL_SLOT)
        at = asm_ploc_make((uint32_t)(at >> 32), (uint16_t)(at >> 16), (uint32_t)ps->tok_len);
    const asm_loc *loc = LOC(at);
    ps->syntax_error_line = loc->line;   /* recovery skips the rest of the line */
    if (tok == YYSYMBOL_BAD)
        return 0;
    yysymbol_kind_t all[YYNTOKENS + 1];
    int nall = yypcontext_expected_tokens(ctx, all, YYNTOKENS);
    /* Where a SLOT (or a LINE) may come, so may its engine name: neither is listed.
     * Right after one, its last number could have gone on as an operand
     * list: ',' is expected too, as when the slot is read token by token
     * (the operators that could continue the number are not listed). */
    int kept = 0, comma = 0;
    for (int i = 0; i < nall; i++) {
        comma |= is_token(all[i], "','");
        if (all[i] != YYSYMBOL_SLOT && all[i] != YYSYMBOL_LINE)
            all[kept++] = all[i];
    }
    nall = kept;
    if (ps->after_slot && !comma) {
        yysymbol_kind_t k = YYSYMBOL_YYEOF;
        while (!is_token(k, "','"))
            k++;
        int i = nall++;
        for (; i > 0 && all[i - 1] > k; i--)   /* in the grammar's order, as listed */
            all[i] = all[i - 1];
        all[i] = k;
    }
    const char *shown[8];
    int n = 0, expression = 0, expects_close = 0, expects_comma = 0;
    for (int i = 0; i < nall; i++)
        expression |= all[i] == YYSYMBOL_INTEGER;
    for (int i = 0; i < nall; i++) {
        expects_close |= is_token(all[i], "'>'");
        expects_comma |= is_token(all[i], "','");
        if ((expression && starts_expression(all[i])) || (continues_expression(all[i]) && !is_token(all[i], "'>'")))
            continue;
        if (n < 8)
            shown[n++] = yysymbol_name(all[i]);
    }
    if (expression && n < 8)
        shown[n++] = "an expression";

    char what[96];
    if (tok == YYSYMBOL_YYEOF || tok == YYSYMBOL_NEWLINE || ps->tok_len == 0)
        snprintf(what, sizeof what, "%s", yysymbol_name(tok));
    else
        snprintf(what, sizeof what, "'%.*s'", (int)(ps->tok_len < 40 ? ps->tok_len : 40), ps->tok_text);

    if (tok == YYSYMBOL_YYEOF && expects_close) {
        asm_parse_error(ps, &ps->bundle_open, "unterminated bundle: no '>' before the end of the file");
        return 0;
    }
    if (expects_close && loc->line > ps->bundle_open.line && ps->bundle_open.file == loc->file) {
        asm_parse_error(ps, loc, "unexpected %s in a bundle: is the '>' of the bundle missing?", what);
        asm_parse_note(ps, &ps->bundle_open, "the bundle starts here");
        return 0;
    }
    char msg[512];
    int len = snprintf(msg, sizeof msg, "unexpected %s", what);
    for (int i = 0; i < n && n <= 6 && (size_t)len < sizeof msg; i++)
        len += snprintf(msg + len, sizeof msg - (size_t)len, "%s%s", i == 0 ? ", expected " : i == n - 1 ? " or " : ", ",
                        shown[i]);
    asm_parse_error(ps, loc, "%s", msg);
    if (n == 1 && strcmp(shown[0], "string") == 0 && tok == YYSYMBOL_IDENT)
        asm_parse_note(ps, loc, "a string, such as a file name, is written in double quotes");
    int comparison = is_token(tok, "'<'") || tok == YYSYMBOL_LE || tok == YYSYMBOL_GE;
    if (comparison && expects_comma)
        asm_parse_note(ps, loc, "a comparison in an operand or macro argument goes in parentheses: (a < b)");
    else if (is_token(tok, "'>'") && !ps->in_bundle)
        asm_parse_note(ps, loc, "no bundle is open here (a comparison in an operand goes in parentheses)");
    return 0;
}

int asm_parse_nearest_directive(const char *word, char *buf, size_t size)
{
    /* The directives are the tokens named ".word". */
    spell_match m;
    spell_init(&m, word);
    for (int i = 0; i < YYNTOKENS; i++) {
        const char *name = yysymbol_name((yysymbol_kind_t)i);
        if (name[0] == '.' && name[1])
            spell_consider(&m, name);
    }
    if (!spell_result(&m))
        return -1;
    snprintf(buf, size, "%s", spell_result(&m));
    return 0;
}

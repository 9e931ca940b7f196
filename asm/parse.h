/*
 * parse: source text to a syntax tree (lexer/scanner.l + parser/grammar.y).
 *
 * The grammar is line-oriented: each line is labels, then at most one
 * statement (a bundle, a one-slot line, a macro call, a directive).  Block
 * directives (.macro/.endm, .rept/.endr, .for/.endfor, .if/.elif/.else/
 * .endif) are matched here with a stack of open blocks, so a missing or
 * stray block end gets its own message naming the line that opened the
 * block, and a syntax error inside a block costs only its line.
 */
#ifndef VLIW_ASM_PARSE_H
#define VLIW_ASM_PARSE_H

#include "ast.h"
#include "isa.h"

typedef struct asm_open_block asm_open_block;

/* The grammar's location type: line, column and width packed in one word
 * (line << 32 | col << 16 | len), the file being the parser's.  Bison copies
 * a location on every reduction; one register-sized value keeps that cheap
 * where a 16-byte struct built field by field stalled the CPU. */
typedef uint64_t asm_ploc;

static inline asm_ploc asm_ploc_make(uint32_t line, uint32_t col, uint32_t len)
{
    return (uint64_t)line << 32 | (uint64_t)(col < 65535 ? col : 65535) << 16 | (len < 65535 ? len : 65535);
}

/* From the start of first to the end of last, when they share a line
 * (else first): the location of a rule, or of a slot the scanner reads
 * as one token. */
static inline asm_ploc asm_ploc_span(asm_ploc first, asm_ploc last)
{
    uint32_t col = (uint16_t)(first >> 16), end = (uint32_t)(uint16_t)(last >> 16) + (uint16_t)last;
    if (first >> 32 != last >> 32 || end < col)
        return first;
    return asm_ploc_make((uint32_t)(first >> 32), col, end - col);
}

/* Receives each complete top-level statement list (a line, or a whole
 * block once its end is seen), in order.  Returns nonzero when it keeps
 * pointers into the statements (a macro definition); otherwise their
 * memory is reused for the next line. */
typedef int (*asm_stmt_sink)(void *arg, const asm_body *stmts);

/* A whole top-level line of plain-number slots (a one-slot line, or a
 * bundle "< ... >" on one line), as the scanner's PLAIN pattern matches
 * it when nothing is open or pending: the bulk of generated code.  Each op is
 * resolved and takes exactly the numbers written (none a trace key or a
 * comment), every number is below 2^32 in magnitude (a bigger one is read
 * token by token), so that it goes to the program as written here (its
 * layout is program.h's asm_arg holding a number whole; expand.c checks);
 * columns are the scanner's.  A run of such lines in a
 * row is one token (LINE: asm_plain_run). */
enum { ASM_PLAIN_SLOTS = 16, ASM_PLAIN_NUMBERS = 8, ASM_PLAIN_RUN_LINES = 64, ASM_PLAIN_RUN_SLOTS = 256 };
typedef struct {
    uint32_t mag;                /* the magnitude */
    uint16_t col;
    uint8_t len;                 /* at most 11 columns: "-" and 10 digits */
    uint8_t neg;                 /* 1: negative (never for 0) */
} asm_plain_number;

static inline int64_t asm_plain_value(const asm_plain_number *n)
{
    return n->neg ? -(int64_t)n->mag : (int64_t)n->mag;
}

typedef struct {
    uint16_t op;                 /* isa_opcode */
    uint8_t engine, nargs;       /* nargs == isa_ops[op].nargs */
    uint16_t col, len;           /* engine name to the end of the last number */
    uint16_t op_col, op_len;
    asm_plain_number num[ASM_PLAIN_NUMBERS];   /* more than any op takes: the scanner reads them all */
} asm_plain_slot;

typedef struct asm_plain_line {
    const char *file;            /* interned */
    uint32_t line;
    uint16_t col, len;           /* the bundle, '<' to '>'; or its one slot */
    uint8_t bracketed;
    uint32_t nslots, nargs;      /* nargs: of all its slots; at most ASM_PLAIN_SLOTS slots */
    const asm_plain_slot *slots;
} asm_plain_line;

/* An op found by its engine and spelling (packed in key; 0: none). */
enum { ASM_OP_CACHE_BITS = 10, ASM_OP_CACHE = 1 << ASM_OP_CACHE_BITS };
typedef struct {
    uint64_t key;
    int op;
} asm_op_cached;

typedef struct {
    uint32_t nlines, nslots;
    const char *text;            /* where its first line starts */
    int given;                   /* handed to the grammar: the next line starts a new run */
    asm_plain_line lines[ASM_PLAIN_RUN_LINES];
    asm_plain_slot slots[ASM_PLAIN_RUN_SLOTS];   /* the lines' */
    asm_op_cached op_cache[ASM_OP_CACHE];   /* in front of the parser's ops (scanner.l's find_plain_op) */
} asm_plain_run;

/* Takes such a line straight into the program, or returns nonzero when it
 * cannot be taken that way (a .linear region, a limit reached, ...): the
 * parser then hands it on as statements, as any other line. */
typedef int (*asm_line_sink)(void *arg, const asm_plain_line *line);

/* The state one parse shares between the scanner and the grammar. */
typedef struct asm_parser {
    asm_ctx *ctx;
    asm_arena arena;             /* the tree of the lines not yet handed on */
    asm_stmt_sink sink;
    asm_line_sink line_sink;     /* or NULL: every line goes to sink */
    void *sink_arg;
    const char *file;            /* interned */
    const asm_frame *frame;      /* why this file is read (include chain) */
    uint32_t line, col;          /* scanner position */
    const char *tok_text;        /* the last token, for "unexpected 'x'" */
    size_t tok_len;
    int prev_start;              /* the scanner's start condition before the last token */
    uint8_t slot_token;          /* the last token was a slot of plain numbers (SLOT) */
    uint8_t after_slot;          /* the one before it was */
    uint8_t plain_lines;         /* the scanner may read a whole line of them (LINE) */
    asm_plain_run *plain;        /* the value of the last LINE token */
    isa_op_index ops;            /* its ops, looked up as it is read */
    asm_scan_hold hold;          /* the byte flex replaced after it */
    asm_loc bundle_open;         /* the '<' of the bundle being parsed */
    uint32_t syntax_error_line;  /* the line of the last syntax error in file (0: none):
                                    the rest of it is skipped, so the scanner
                                    does not report what it finds there */
    int in_bundle;               /* between that '<' and its '>' */
    asm_body top;
    asm_open_block *blocks;
    size_t nblocks, cap_blocks;
    /* The line being parsed: its statements and block directive take
     * effect when the line is complete, so a line with a syntax error
     * leaves nothing behind. */
    asm_body pending;
    int block_op;                /* 0, or the pending asm_parse_open/arm/close */
    asm_stmt *block_stmt;
    asm_cond_arm *block_arm;
    asm_stmt_kind block_kind;
    asm_loc block_loc;
} asm_parser;

/* Parses text[0..size) as file, handing each complete top-level statement
 * list to sink as soon as it is read, so a big file never exists as one
 * tree.  text must be writable and followed by two NUL bytes (text[size]
 * and text[size+1]): the scanner reads it in place.  Errors go through
 * asm_report with frame as the context.  A line of plain-number slots goes
 * to line_sink first when there is one (with sink_arg too).  Returns the number of errors
 * reported meanwhile (the sink's included). */
int asm_parse(asm_ctx *ctx, const char *file, char *text, size_t size, const asm_frame *frame,
              asm_stmt_sink sink, asm_line_sink line_sink, void *sink_arg);

/* A packed location as a full one. */
static inline asm_loc asm_ploc_loc(const asm_parser *ps, asm_ploc p)
{
    return (asm_loc){ps->file, (uint32_t)(p >> 32), (uint16_t)(p >> 16), (uint16_t)p};
}

/* Used by the grammar actions (parser/grammar.y). */
void asm_parse_error(asm_parser *ps, const asm_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The directive nearest in spelling to word (e.g. ".include" for
 * ".inclde"), copied to buf; 0, or -1 when none is close (grammar.y
 * knows the directives). */
int asm_parse_nearest_directive(const char *word, char *buf, size_t size);
void asm_parse_note(asm_parser *ps, const asm_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Appends a statement of this line to the innermost open block (or the
 * file), once the line is committed. */
void asm_parse_append(asm_parser *ps, asm_stmt *s);
/* Block structure, also at commit: open appends s and makes its body
 * current; arm adds a .elif / .else (arm->kind COND_EXPR / COND_ELSE);
 * close (.endm .endr .endfor .endif) ends the innermost block if it is of
 * that kind. */
void asm_parse_open(asm_parser *ps, asm_stmt *s);
void asm_parse_arm(asm_parser *ps, asm_cond_arm *arm, const asm_loc *loc);
void asm_parse_close(asm_parser *ps, asm_stmt_kind kind, const asm_loc *loc);
/* The end of a line: commit keeps what it said, discard (after a syntax
 * error) drops it. */
void asm_parse_commit(asm_parser *ps);
void asm_parse_discard(asm_parser *ps);
/* Whether the scanner may read the line starting here as one LINE token:
 * nothing of an earlier line is open or pending. */
static inline int asm_parse_at_plain_line(const asm_parser *ps)
{
    return ps->plain_lines && !ps->in_bundle && !ps->nblocks && !ps->pending.first && !ps->block_op &&
           !ps->top.first;
}
/* At the end of the text: reports blocks never closed. */
void asm_parse_finish(asm_parser *ps);

/* Runs the generated parser over the scanner (lexer/scanner.l). */
int asm_scan_and_parse(asm_parser *ps, char *text, size_t size);

/* The scanner alone: calls fn with each token (parser/grammar.h's TK_*
 * codes or a character; value points to its ASM_YYSTYPE) up to and
 * including the end (0).  ps needs ctx, file, line = col = 1.  Returns the
 * number of tokens. */
typedef void (*asm_token_fn)(void *arg, int token, const void *value, asm_ploc loc);
int asm_scan_tokens(asm_parser *ps, char *text, size_t size, asm_token_fn fn, void *arg);

#endif

/* parse: the block structure around the line grammar, and its entry point. */
#include "parse.h"

#include <stdlib.h>
#include <string.h>

struct asm_open_block {
    asm_stmt *stmt;
    asm_body *body;         /* where the block's lines go now */
    const asm_loc *else_loc; /* .if: the .else seen, if any */
};

static const char *opener(asm_stmt_kind kind)
{
    switch (kind) {
    case ST_MACRO: return ".macro";
    case ST_REPT: return ".rept";
    case ST_FOR: return ".for";
    default: return ".if";
    }
}

static const char *closer(asm_stmt_kind kind)
{
    switch (kind) {
    case ST_MACRO: return ".endm";
    case ST_REPT: return ".endr";
    case ST_FOR: return ".endfor";
    default: return ".endif";
    }
}

void asm_parse_error(asm_parser *ps, const asm_loc *loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    asm_vreport(ps->ctx, ASM_ERROR, NULL, loc, ps->frame, fmt, ap);
    va_end(ap);
}

void asm_parse_note(asm_parser *ps, const asm_loc *loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    asm_vreport(ps->ctx, ASM_NOTE, NULL, loc, NULL, fmt, ap);
    va_end(ap);
}

static asm_body *current_body(asm_parser *ps)
{
    return ps->nblocks ? ps->blocks[ps->nblocks - 1].body : &ps->top;
}

static void body_append(asm_body *b, asm_stmt *s)
{
    s->next = NULL;
    if (b->last)
        b->last->next = s;
    else
        b->first = s;
    b->last = s;
}

enum { BLOCK_NONE, BLOCK_OPEN, BLOCK_ARM, BLOCK_CLOSE };

void asm_parse_append(asm_parser *ps, asm_stmt *s)
{
    body_append(&ps->pending, s);
}

void asm_parse_open(asm_parser *ps, asm_stmt *s)
{
    ps->block_op = BLOCK_OPEN;
    ps->block_stmt = s;
}

void asm_parse_arm(asm_parser *ps, asm_cond_arm *arm, const asm_loc *loc)
{
    ps->block_op = BLOCK_ARM;
    ps->block_arm = arm;
    ps->block_loc = *loc;
}

void asm_parse_close(asm_parser *ps, asm_stmt_kind kind, const asm_loc *loc)
{
    ps->block_op = BLOCK_CLOSE;
    ps->block_kind = kind;
    ps->block_loc = *loc;
}

/* A block opened more than ASM_MAX_BLOCK_DEPTH deep is one error and is
 * left out of the tree (its lines still go in it, so that the block ends
 * match): what walks the tree recurses once per level. */
static void open_block(asm_parser *ps, asm_stmt *s)
{
    if (ps->nblocks < ASM_MAX_BLOCK_DEPTH)
        body_append(current_body(ps), s);
    else if (ps->nblocks == ASM_MAX_BLOCK_DEPTH)
        asm_parse_error(ps, &s->loc, "blocks (.if, .rept, .for, .macro) nested more than %d deep", ASM_MAX_BLOCK_DEPTH);
    if (ps->nblocks == ps->cap_blocks) {
        ps->cap_blocks = ps->cap_blocks ? 2 * ps->cap_blocks : 16;
        ps->blocks = realloc(ps->blocks, ps->cap_blocks * sizeof *ps->blocks);
        if (!ps->blocks)
            abort();
    }
    asm_open_block *b = &ps->blocks[ps->nblocks++];
    b->stmt = s;
    b->else_loc = NULL;
    switch (s->kind) {
    case ST_MACRO: b->body = &s->u.macro.body; break;
    case ST_REPT:
    case ST_FOR: b->body = &s->u.loop.body; break;
    default: b->body = &s->u.cond.arms->body; break;
    }
}

static void add_arm(asm_parser *ps, asm_cond_arm *arm, const asm_loc *loc)
{
    const char *what = arm->kind == COND_ELSE ? ".else" : ".elif";
    asm_open_block *b = ps->nblocks ? &ps->blocks[ps->nblocks - 1] : NULL;
    if (!b || b->stmt->kind != ST_IF) {
        asm_parse_error(ps, loc, "'%s' without an open .if", what);
        if (b)
            asm_parse_note(ps, &b->stmt->loc, "the innermost open block is this %s", opener(b->stmt->kind));
        return;
    }
    if (b->else_loc) {
        asm_parse_error(ps, loc, "'%s' after the .else of this .if", what);
        asm_parse_note(ps, b->else_loc, "the .else is here");
        return;
    }
    asm_cond_arm *last = b->stmt->u.cond.arms;
    while (last->next)
        last = last->next;
    last->next = arm;
    b->body = &arm->body;
    if (arm->kind == COND_ELSE)
        b->else_loc = &arm->loc;
}

static void close_block(asm_parser *ps, asm_stmt_kind kind, const asm_loc *loc)
{
    if (!ps->nblocks) {
        asm_parse_error(ps, loc, "'%s' without an open %s", closer(kind), opener(kind));
        return;
    }
    asm_open_block *b = &ps->blocks[ps->nblocks - 1];
    if (b->stmt->kind != kind) {
        asm_parse_error(ps, loc, "'%s' does not close the innermost open block, a %s (it needs %s)",
                        closer(kind), opener(b->stmt->kind), closer(b->stmt->kind));
        asm_parse_note(ps, &b->stmt->loc, "the %s is here", opener(b->stmt->kind));
        return;
    }
    ps->nblocks--;
}

/* Hands the finished top-level statements on, then reuses their memory
 * unless the sink kept them. */
static void flush(asm_parser *ps)
{
    if (ps->top.first) {
        int keep = ps->sink(ps->sink_arg, &ps->top);
        ps->top.first = ps->top.last = NULL;
        if (keep)
            asm_arena_adopt(&ps->ctx->arena, &ps->arena);
    }
    asm_arena_reset(&ps->arena);
}

void asm_parse_commit(asm_parser *ps)
{
    asm_body *b = current_body(ps);
    for (asm_stmt *s = ps->pending.first, *next; s; s = next) {
        next = s->next;
        body_append(b, s);
    }
    switch (ps->block_op) {
    case BLOCK_OPEN: open_block(ps, ps->block_stmt); break;
    case BLOCK_ARM: add_arm(ps, ps->block_arm, &ps->block_loc); break;
    case BLOCK_CLOSE: close_block(ps, ps->block_kind, &ps->block_loc); break;
    }
    asm_parse_discard(ps);
}

void asm_parse_discard(asm_parser *ps)
{
    ps->pending.first = ps->pending.last = NULL;
    ps->block_op = BLOCK_NONE;
    if (!ps->nblocks)
        flush(ps);
}

void asm_parse_finish(asm_parser *ps)
{
    while (ps->nblocks) {
        const asm_stmt *s = ps->blocks[--ps->nblocks].stmt;
        if (s->kind == ST_MACRO)
            asm_parse_error(ps, &s->loc, "unterminated .macro '%s': no .endm before the end of the file",
                            s->u.macro.name->text);
        else
            asm_parse_error(ps, &s->loc, "unterminated %s: no %s before the end of the file",
                            opener(s->kind), closer(s->kind));
    }
}

int asm_parse(asm_ctx *ctx, const char *file, char *text, size_t size, const asm_frame *frame,
              asm_stmt_sink sink, asm_line_sink line_sink, void *sink_arg)
{
    asm_parser ps;
    memset(&ps, 0, sizeof ps);
    ps.ctx = ctx;
    ps.sink = sink;
    ps.line_sink = line_sink;
    ps.sink_arg = sink_arg;
    ps.plain_lines = 1;
    ps.file = asm_file_name(ctx, file);
    ps.frame = frame;
    ps.line = 1;
    ps.col = 1;
    int before = diag_error_count(ctx->d);
    asm_scan_and_parse(&ps, text, size);
    asm_parse_finish(&ps);
    /* Unterminated blocks (reported) still go on: most likely only their
     * end was forgotten, and their contents spare later messages. */
    ps.nblocks = 0;
    flush(&ps);
    asm_arena_free(&ps.arena);
    free(ps.blocks);
    return diag_error_count(ctx->d) - before;
}

/* ast: arena, names, reporting and the tree dump shared by the stages. */
#include "ast.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "background.h"
#include "xalloc.h"

/* ---- arena --------------------------------------------------------------- */

struct asm_arena_block {
    asm_arena_block *next;
    max_align_t data[];
};

#define ARENA_BLOCK (256 * 1024)

/* asm_alloc's slow path: size (rounded up) does not fit the current block. */
void *asm_alloc_from_new_block(asm_arena *a, size_t size)
{
    size_t want = size > ARENA_BLOCK / 4 ? size : ARENA_BLOCK;
    asm_arena_block *b = xmalloc(sizeof *b + want);
    if (size > ARENA_BLOCK / 4) {
        /* A big request gets a block of its own, behind the current one,
         * so the space left in the current block stays usable. */
        if (!a->blocks) {
            asm_arena_block *first = xmalloc(sizeof *first + ARENA_BLOCK);
            first->next = NULL;
            a->blocks = first;
            a->next = (char *)first->data;
            a->end = a->next + ARENA_BLOCK;
        }
        b->next = a->blocks->next;
        a->blocks->next = b;
        return b->data;
    }
    b->next = a->blocks;
    a->blocks = b;
    a->next = (char *)b->data;
    a->end = a->next + want;
    void *p = a->next;
    a->next += size;
    return p;
}

void *asm_zalloc(asm_arena *a, size_t size)
{
    void *p = asm_alloc(a, size);
    memset(p, 0, size);
    return p;
}

char *asm_strndup(asm_arena *a, const char *s, size_t len)
{
    char *p = asm_alloc(a, len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void asm_arena_reset(asm_arena *a)
{
    if (!a->blocks)
        return;
    /* Keep the block in use (the newest, a full-size one unless only a big
     * request was ever made); free the rest. */
    asm_arena_block *keep = a->blocks;
    for (asm_arena_block *b = keep->next, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    keep->next = NULL;
    a->next = (char *)keep->data;
    a->end = a->next + ARENA_BLOCK;
}

void asm_arena_adopt(asm_arena *to, asm_arena *from)
{
    if (!from->blocks)
        return;
    asm_arena_block *last = from->blocks;
    while (last->next)
        last = last->next;
    /* Behind to's current block, so to keeps filling its own. */
    if (to->blocks) {
        last->next = to->blocks->next;
        to->blocks->next = from->blocks;
    } else {
        to->blocks = from->blocks;
        to->next = from->next;
        to->end = from->end;
    }
    from->blocks = NULL;
    from->next = from->end = NULL;
}

void asm_arena_free(asm_arena *a)
{
    for (asm_arena_block *b = a->blocks, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    a->blocks = NULL;
    a->next = a->end = NULL;
}

/* ---- names ------------------------------------------------------------------ */

static uint32_t hash_bytes(const char *s, size_t len)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static void names_grow(asm_names *t)
{
    size_t cap = t->slots ? 2 * (t->mask + 1) : 1024;
    asm_name **slots = calloc(cap, sizeof *slots);
    if (!slots)
        abort();
    for (size_t i = 0; t->slots && i <= t->mask; i++)
        for (asm_name *n = t->slots[i], *next; n; n = next) {
            next = n->chain;
            n->chain = slots[n->hash & (cap - 1)];
            slots[n->hash & (cap - 1)] = n;
        }
    free(t->slots);
    t->slots = slots;
    t->mask = cap - 1;
}

asm_name *asm_intern(asm_ctx *ctx, const char *s, size_t len)
{
    asm_names *t = &ctx->names;
    uint32_t h = hash_bytes(s, len);
    if (t->slots)
        for (asm_name *n = t->slots[h & t->mask]; n; n = n->chain)
            if (n->hash == h && n->len == len && memcmp(n->text, s, len) == 0)
                return n;
    if (!t->slots || t->count >= t->mask)
        names_grow(t);
    asm_name *n = asm_alloc(&ctx->arena, sizeof *n + len + 1);
    n->sym = NULL;
    n->macro = NULL;
    n->alias = NULL;
    n->hash = h;
    n->len = (uint32_t)len;
    memcpy(n->text, s, len);
    n->text[len] = '\0';
    n->chain = t->slots[h & t->mask];
    t->slots[h & t->mask] = n;
    t->count++;
    return n;
}

const char *asm_file_name(asm_ctx *ctx, const char *name)
{
    for (size_t i = 0; i < ctx->nfiles; i++)
        if (strcmp(ctx->files[i], name) == 0)
            return ctx->files[i];
    if (ctx->nfiles == ctx->cap_files) {
        ctx->cap_files = ctx->cap_files ? 2 * ctx->cap_files : 8;
        ctx->files = realloc(ctx->files, ctx->cap_files * sizeof *ctx->files);
        if (!ctx->files)
            abort();
    }
    const char *copy = asm_strndup(&ctx->arena, name, strlen(name));
    ctx->files[ctx->nfiles++] = copy;
    return copy;
}

/* The pages of a buffer that read() is about to fill from the front: the
 * helper thread asks for them from the back, a few megabytes at a time,
 * while read() faults in the front ones itself, until they meet. */
static void ask_for_pages(char *buf, size_t size)
{
    enum { CHUNK = 4 << 20 };
    for (size_t end = size; end > 0;) {
        size_t start = end > CHUNK ? end - CHUNK : 0;
        xprefault_async(buf + start, end - start);
        end = start;
    }
}

char *asm_read_source(const char *path, size_t *size)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    /* A regular file is read into a buffer of its size in one go (room
     * for the two NULs and the read that sees the end); only a pipe or a
     * file that grows meanwhile makes the buffer double. */
    struct stat st;
    size_t cap = 1 << 16, n = 0;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        if (!is_stdin)
            fclose(f);
        errno = EISDIR;
        return NULL;
    }
    /* Bounded: a file over the limit (or /dev/zero, a pipe without end)
     * is an error once the limit is passed, not a read until memory runs
     * out. */
    int too_big = 0;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
        if ((uint64_t)st.st_size > ASM_MAX_SOURCE_SIZE)
            too_big = 1;
        else
            cap = (size_t)st.st_size + 3;
    }
    char *buf = too_big ? NULL : xmalloc(cap);
    if (buf)
        ask_for_pages(buf, cap);
    while (!too_big) {
        if (cap - n < 3) {
            cap *= 2;
            bg_wait();   /* no page of the old place is asked for once it is gone */
            buf = realloc(buf, cap);
            if (!buf)
                abort();
        }
        size_t got = fread(buf + n, 1, cap - n - 2, f);
        n += got;
        if (got == 0)
            break;
        too_big = n > ASM_MAX_SOURCE_SIZE;
    }
    int failed = too_big || ferror(f);
    int saved = too_big ? EFBIG : errno;
    if (!is_stdin)
        fclose(f);
    bg_wait();
    if (failed) {
        free(buf);
        errno = saved ? saved : EIO;
        return NULL;
    }
    buf[n] = buf[n + 1] = '\0';
    *size = n;
    return buf;
}

const char *asm_binary_source(const char *text, size_t size)
{
    if (size >= 8 && memcmp(text, IMG_MAGIC, 4) == 0) {
        if (text[6] == IMG_EXECUTABLE && text[7] == 0)
            return "this is a vliwkit image, not assembly source; did you mean vdis or vrun?";
        if (text[6] == IMG_OBJECT && text[7] == 0)
            return "this is a vliwkit object, not assembly source; name it NAME.vo to link it, or read it "
                   "with vdis";
    }
    if (memchr(text, '\0', size))
        return "this file holds a NUL byte: it looks binary, not assembly source";
    return NULL;
}

void asm_ctx_init(asm_ctx *ctx, diag *d, const asm_options *opt)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->d = d;
    ctx->opt = opt;
}

void asm_ctx_free(asm_ctx *ctx)
{
    for (size_t i = 0; i < ctx->nsources; i++)
        if (ctx->sources[i].owned)
            free(ctx->sources[i].text);
    free(ctx->sources);
    free(ctx->names.slots);
    free(ctx->files);
    asm_arena_free(&ctx->arena);
}

void asm_drop_sources(asm_ctx *ctx)
{
    for (size_t i = 0; i < ctx->nsources; i++) {
        asm_source *s = &ctx->sources[i];
        if (s->registered && s->on_disk)
            diag_drop_source(ctx->d, s->file);
        if (s->owned)
            free(s->text);
        s->text = NULL;
        s->size = 0;
        s->owned = 0;
    }
}

void asm_add_source(asm_ctx *ctx, const char *file, char *text, size_t size, int flags)
{
    if (ctx->nsources == ctx->cap_sources) {
        ctx->cap_sources = ctx->cap_sources ? 2 * ctx->cap_sources : 8;
        ctx->sources = realloc(ctx->sources, ctx->cap_sources * sizeof *ctx->sources);
        if (!ctx->sources)
            abort();
    }
    ctx->sources[ctx->nsources++] = (asm_source){asm_file_name(ctx, file), text, size, (flags & ASM_SOURCE_OWNED) != 0, 0,
                                                  (flags & ASM_SOURCE_ON_DISK) != 0};
}

/* Hands diag the text of a file before a message cites it. */
static void cite(asm_ctx *ctx, const char *file)
{
    for (size_t i = 0; file && i < ctx->nsources; i++) {
        asm_source *s = &ctx->sources[i];
        if (s->file == file && !s->registered && s->text) {
            s->registered = 1;
            if (!ctx->holds && s->owned) {
                /* No scanner is in the text any more (a message of binding or
                 * layout): diag may have it as it is, rather than a copy. */
                diag_adopt_source(ctx->d, s->file, s->text, s->size);
                s->owned = 0;
                continue;
            }
            char *copy = xmalloc(s->size + 1);
            memcpy(copy, s->text, s->size);
            for (const asm_scan_hold *h = ctx->holds; h; h = h->outer)
                if (h->at && h->at >= s->text && h->at < s->text + s->size)
                    copy[h->at - s->text] = h->byte;
            diag_adopt_source(ctx->d, s->file, copy, s->size);
        }
    }
}

/* asm_loc_pos when the file is not the last one's. */
asm_pos asm_loc_pos_lookup(asm_ctx *ctx, const asm_loc *loc)
{
    const char *f = asm_file_name(ctx, loc->file ? loc->file : "");
    size_t i = 0;
    while (ctx->files[i] != f)
        i++;
    ctx->last_file = loc->file;
    ctx->last_index = (uint16_t)i;
    return (asm_pos){loc->line, loc->col, loc->len, ctx->last_index};
}

asm_loc asm_pos_loc(const asm_ctx *ctx, asm_pos pos)
{
    return (asm_loc){pos.file < ctx->nfiles ? ctx->files[pos.file] : NULL, pos.line, pos.col, pos.len};
}

/* ---- reporting ---------------------------------------------------------------- */

diag_loc asm_diag_loc(const asm_loc *loc)
{
    diag_loc d = {NULL, 0, 0, 0};
    if (loc && loc->file) {
        d.file = loc->file;
        d.line = (int)loc->line;
        d.col = loc->col;
        d.len = loc->len ? loc->len : 1;
    }
    return d;
}

void asm_vreport(asm_ctx *ctx, asm_severity sev, const char *flag, const asm_loc *loc,
                 const asm_frame *frame, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    cite(ctx, loc ? loc->file : NULL);
    for (const asm_frame *f = frame; f; f = f->parent)
        cite(ctx, f->at.file);
    diag_loc where = asm_diag_loc(loc);
    const diag_loc *w = loc && loc->file ? &where : NULL;
    switch (sev) {
    case ASM_ERROR: diag_error(ctx->d, w, "%s", msg); break;
    case ASM_WARNING: diag_warning(ctx->d, w, flag, "%s", msg); break;
    case ASM_NOTE: diag_note(ctx->d, w, "%s", msg); break;
    }
    for (const asm_frame *f = frame; f; f = f->parent) {
        diag_loc at = asm_diag_loc(&f->at);
        switch (f->kind) {
        case ASM_FRAME_INCLUDE:
            diag_note(ctx->d, &at, "in file included from here");
            break;
        case ASM_FRAME_MACRO:
            diag_note(ctx->d, &at, "in expansion of macro '%s' from here", f->what);
            break;
        case ASM_FRAME_REPT:
            diag_note(ctx->d, &at, "in repetition %" PRId64 " of this .rept", f->iteration);
            break;
        case ASM_FRAME_FOR:
            diag_note(ctx->d, &at, "with %s = %" PRId64 " in this .for", f->what, f->iteration);
            break;
        }
    }
}

void asm_report(asm_ctx *ctx, asm_severity sev, const char *flag, const asm_loc *loc,
                const asm_frame *frame, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    asm_vreport(ctx, sev, flag, loc, frame, fmt, ap);
    va_end(ap);
}

/* ---- dump ------------------------------------------------------------------------ */

static const char *const binop_texts[] = {
    [BIN_ADD] = "+",  [BIN_SUB] = "-",  [BIN_MUL] = "*",  [BIN_DIV] = "/",   [BIN_MOD] = "%",
    [BIN_SHL] = "<<", [BIN_SHR] = ">>", [BIN_AND] = "&",  [BIN_OR] = "|",    [BIN_XOR] = "^",
    [BIN_LT] = "<",   [BIN_GT] = ">",   [BIN_LE] = "<=",  [BIN_GE] = ">=",   [BIN_EQ] = "==",
    [BIN_NE] = "!=",  [BIN_LAND] = "&&", [BIN_LOR] = "||",
};

unsigned asm_expr_depth(const asm_expr *a, const asm_expr *b, const asm_expr *c)
{
    unsigned d = a ? a->depth : 0;
    if (b && b->depth > d)
        d = b->depth;
    if (c && c->depth > d)
        d = c->depth;
    return d + 1;
}

const char *asm_binop_text(asm_binop op) { return binop_texts[op]; }

const char *asm_unop_text(asm_unop op)
{
    return op == UN_NEG ? "-" : op == UN_NOT ? "~" : "!";
}

/* Fully parenthesized, so a test can see how the grammar grouped things. */
void asm_dump_expr(FILE *out, const asm_expr *e)
{
    switch ((asm_expr_kind)e->kind) {
    case EX_INT: fprintf(out, "%" PRId64, e->u.value); break;
    case EX_NAME: fputs(e->u.name->text, out); break;
    case EX_PARAM: fprintf(out, "\\%s", e->u.name->text); break;
    case EX_WORD: fprintf(out, "'%s'", e->u.name->text); break;
    case EX_STRING:
        fputc('"', out);
        for (size_t i = 0; i < e->u.str.len; i++) {
            char c = e->u.str.text[i];
            if (c == '"' || c == '\\')
                fputc('\\', out);
            fputc(c, out);
        }
        fputc('"', out);
        break;
    case EX_UNARY:
        fprintf(out, "(%s", asm_unop_text(e->op));
        asm_dump_expr(out, e->u.sub.a);
        fputc(')', out);
        break;
    case EX_BINARY:
        fputc('(', out);
        asm_dump_expr(out, e->u.sub.a);
        fprintf(out, " %s ", asm_binop_text(e->op));
        asm_dump_expr(out, e->u.sub.b);
        fputc(')', out);
        break;
    case EX_COND:
        fputc('(', out);
        asm_dump_expr(out, e->u.sub.a);
        fputs(" ? ", out);
        asm_dump_expr(out, e->u.sub.b);
        fputs(" : ", out);
        asm_dump_expr(out, e->u.sub.c);
        fputc(')', out);
        break;
    case EX_INDEX:
        asm_dump_expr(out, e->u.sub.a);
        fputc('[', out);
        asm_dump_expr(out, e->u.sub.b);
        fputc(']', out);
        break;
    }
}

static void dump_exprs(FILE *out, asm_expr *const *v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        fputs(i ? ", " : " ", out);
        asm_dump_expr(out, v[i]);
    }
}

static void dump_word(FILE *out, const asm_word *w)
{
    if (w->param)
        fprintf(out, "\\%s", w->name->text);
    else
        fputs(w->text, out);
    if (w->place)
        fprintf(out, "@%s", isa_engines[w->place - 1].name);
}

static void dump_slot(FILE *out, const asm_slot_ast *s)
{
    if (asm_slot_is_call(s)) {
        fputs("call ", out);
    } else {
        dump_word(out, &s->engine);
        fputc(' ', out);
    }
    dump_word(out, &s->op);
    dump_exprs(out, s->args, s->nargs);
}

void asm_dump_body(FILE *out, const asm_body *body, int indent)
{
    static const char *const loop_names[] = {[ST_REPT] = ".rept", [ST_FOR] = ".for"};
    for (const asm_stmt *s = body->first; s; s = s->next) {
        fprintf(out, "%*s%" PRIu32 ":%u: ", indent, "", s->loc.line, (unsigned)s->loc.col);
        switch (s->kind) {
        case ST_BUNDLE:
            if (!s->u.bundle.bracketed && s->u.bundle.nslots == 0)
                fputs("nop", out);
            for (uint32_t i = 0; i < s->u.bundle.nslots; i++) {
                fputs(i ? " ; " : s->u.bundle.bracketed ? "< " : "", out);
                dump_slot(out, &s->u.bundle.slots[i]);
            }
            if (s->u.bundle.bracketed)
                fputs(s->u.bundle.nslots ? " >" : "< >", out);
            break;
        case ST_CALL: dump_slot(out, &s->u.call); break;
        case ST_LABEL:
            asm_dump_expr(out, s->u.def.name);
            fputc(':', out);
            break;
        case ST_EQU:
        case ST_SET:
            fputs(s->kind == ST_EQU ? ".equ " : ".set ", out);
            asm_dump_expr(out, s->u.def.name);
            fputs(", ", out);
            asm_dump_expr(out, s->u.def.value);
            break;
        case ST_SCRATCH:
        case ST_TEMP:
            fputs(s->kind == ST_TEMP ? (s->u.scratch.vector ? ".vtemp" : ".temp")
                                     : (s->u.scratch.vector ? ".vec" : ".word"), out);
            for (uint32_t i = 0; i < s->u.scratch.count; i++) {
                const asm_scratch_decl *d = &s->u.scratch.decls[i];
                fputs(i ? ", " : " ", out);
                asm_dump_expr(out, d->name);
                if (d->count) {
                    fputc('[', out);
                    asm_dump_expr(out, d->count);
                    fputc(']', out);
                }
                if (d->address) {
                    fputs(" @ ", out);
                    asm_dump_expr(out, d->address);
                }
            }
            break;
        case ST_GLOBAL:
        case ST_EXTERN:
            fputs(s->kind == ST_GLOBAL ? ".global" : ".extern", out);
            dump_exprs(out, s->u.names.names, s->u.names.count);
            break;
        case ST_ENTRY:
            fputs(".entry", out);
            if (s->u.def.name) {
                fputc(' ', out);
                asm_dump_expr(out, s->u.def.name);
            }
            break;
        case ST_INCLUDE: fprintf(out, ".include \"%s\"", s->u.include.path); break;
        case ST_LINEAR:
            fputs(".linear", out);
            if (s->u.def.name) {
                fputc(' ', out);
                asm_dump_expr(out, s->u.def.name);
            }
            break;
        case ST_ENDLINEAR: fputs(".endlinear", out); break;
        case ST_FENCE: fputs(".fence", out); break;
        case ST_PRIORITY:
            fputs(".priority ", out);
            asm_dump_expr(out, s->u.def.value);
            break;
        case ST_MESSAGE:
            fputs(s->u.message.is_error ? ".error " : ".warning ", out);
            asm_dump_expr(out, s->u.message.text);
            break;
        case ST_MACRO:
            fprintf(out, ".macro %s", s->u.macro.name->text);
            for (uint32_t i = 0; i < s->u.macro.nparams; i++) {
                fprintf(out, "%s%s", i ? ", " : " ", s->u.macro.params[i].name->text);
                if (s->u.macro.params[i].def) {
                    fputc('=', out);
                    asm_dump_expr(out, s->u.macro.params[i].def);
                }
            }
            fputc('\n', out);
            asm_dump_body(out, &s->u.macro.body, indent + 2);
            fprintf(out, "%*s.endm", indent, "");
            break;
        case ST_REPT:
        case ST_FOR:
            fputs(loop_names[s->kind], out);
            fputc(' ', out);
            if (s->u.loop.var) {
                asm_dump_expr(out, s->u.loop.var);
                fputs(" = ", out);
                asm_dump_expr(out, s->u.loop.start);
                fputs(", ", out);
            }
            asm_dump_expr(out, s->u.loop.end);
            if (s->u.loop.step) {
                fputs(", ", out);
                asm_dump_expr(out, s->u.loop.step);
            }
            fputc('\n', out);
            asm_dump_body(out, &s->u.loop.body, indent + 2);
            fprintf(out, "%*s%s", indent, "", s->kind == ST_REPT ? ".endr" : ".endfor");
            break;
        case ST_IF:
            for (const asm_cond_arm *a = s->u.cond.arms; a; a = a->next) {
                static const char *const kw[] = {".if", ".ifdef", ".ifndef", ".else"};
                const char *k = a == s->u.cond.arms ? kw[a->kind] : a->kind == COND_ELSE ? ".else" : ".elif";
                if (a != s->u.cond.arms)
                    fprintf(out, "%*s", indent, "");
                fputs(k, out);
                if (a->test) {
                    fputc(' ', out);
                    asm_dump_expr(out, a->test);
                }
                fputc('\n', out);
                asm_dump_body(out, &a->body, indent + 2);
            }
            fprintf(out, "%*s.endif", indent, "");
            break;
        }
        fputc('\n', out);
    }
}

/*
 * assemble: the assembler's entry points, running the stages in order:
 * parse (parse.c and the grammar), expand, bind, the passes (opt.h),
 * layout, emit.
 *
 * The stages after parsing run even when an earlier one reported errors,
 * so that one run shows as many independent problems as it can; the
 * object is only built when there were none.
 */
#include "asm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "opt.h"
#include "program.h"

const asm_warning_info asm_warnings[ASM_WARNING_COUNT] = {
#define ASM_W_INFO(id, name, on, help) {name, ASM_W_##id, on, help},
    ASM_WARNINGS(ASM_W_INFO)
#undef ASM_W_INFO
};

unsigned asm_warning_bit(const char *name)
{
    for (int i = 0; i < ASM_WARNING_COUNT; i++)
        if (strcmp(asm_warnings[i].name, name) == 0)
            return asm_warnings[i].bit;
    return 0;
}

void asm_options_init(asm_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->opt_level = 1;
    for (int i = 0; i < ASM_WARNING_COUNT; i++)
        if (asm_warnings[i].on_by_default)
            opt->warnings |= asm_warnings[i].bit;
}

#define COMMAND_LINE "<command line>"

/* -D NAME=VALUE becomes ".equ NAME, VALUE" (-D NAME: ", 1"), one line
 * each, parsed like source: VALUE may be any expression, and a mistake is
 * reported with a caret like any other. */
static void parse_defines(asm_ctx *ctx, const asm_options *opt, asm_expander *x)
{
    size_t size = 0;
    for (size_t i = 0; i < opt->ndefines; i++)
        size += strlen(opt->defines[i]) + 16;
    char *text = malloc(size + 2);
    if (!text)
        abort();
    size_t len = 0;
    for (size_t i = 0; i < opt->ndefines; i++) {
        const char *def = opt->defines[i], *eq = strchr(def, '=');
        if (strchr(def, '\n')) {
            diag_error(ctx->d, NULL, "-D '%s': a definition must be one line", def);
            free(text);
            return;
        }
        if (eq)
            len += (size_t)sprintf(text + len, ".equ %.*s, %s\n", (int)(eq - def), def, eq + 1);
        else
            len += (size_t)sprintf(text + len, ".equ %s, 1\n", def);
    }
    text[len] = text[len + 1] = '\0';
    asm_add_source(ctx, COMMAND_LINE, text, len, ASM_SOURCE_OWNED);
    asm_parse(ctx, COMMAND_LINE, text, len, NULL, asm_expand_stmts, asm_expand_line, x);
}

/* The stages over one source; text, malloc'd and followed by two NUL
 * bytes (asm_parse), is the assembler's: it is freed as soon as no
 * message can quote it.  on_disk: text is what the file name holds. */
static vimage *assemble(const char *name, char *text, size_t size, int on_disk, const asm_options *opt,
                        diag *d)
{
    asm_options defaults;
    if (!opt) {
        asm_options_init(&defaults);
        opt = &defaults;
    }
    const char *binary = asm_binary_source(text, size);
    if (binary) {
        diag_loc loc = {name, 0, 0, 0};
        diag_error(d, &loc, "%s", binary);
        free(text);
        return NULL;
    }
    asm_ctx ctx;
    asm_ctx_init(&ctx, d, opt);
    int before = diag_error_count(d);
    asm_program prog;
    memset(&prog, 0, sizeof prog);
    asm_expander *x = asm_expander_new(&ctx, &prog);
    if (opt->ndefines)
        parse_defines(&ctx, opt, x);
    const char *file = asm_file_name(&ctx, name);
    asm_add_source(&ctx, file, text, size, ASM_SOURCE_OWNED | (on_disk ? ASM_SOURCE_ON_DISK : 0));
    asm_parse(&ctx, file, text, size, NULL, asm_expand_stmts, asm_expand_line, x);
    asm_expand_finish(x);
    asm_expander_free(x);

    if (asm_bind(&ctx, &prog) == 0 && diag_error_count(d) == before)
        opt_run(&ctx, &prog);
    asm_layout(&ctx, &prog);
    /* Emission reports nothing, so the texts (as big as the sources) go
     * before the object is built rather than add to the peak. */
    asm_drop_sources(&ctx);
    vimage *img = diag_error_count(d) != before ? NULL
                  : opt->defer_code             ? asm_emit_deferred(&ctx, &prog)
                                                : asm_emit(&ctx, &prog);
    asm_program_free(&prog);
    asm_ctx_free(&ctx);
    return img;
}

vimage *asm_assemble_text(const char *name, const char *text, size_t size, const asm_options *opt, diag *d)
{
    char *copy = malloc(size + 2);
    if (!copy)
        abort();
    memcpy(copy, text, size);
    copy[size] = copy[size + 1] = '\0';
    return assemble(name, copy, size, 0, opt, d);
}

vimage *asm_assemble_file(const char *path, const asm_options *opt, diag *d)
{
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    size_t size;
    char *text = asm_read_source(path, &size);
    if (!text) {
        diag_loc loc = {name, 0, 0, 0};
        if (errno == EFBIG)
            diag_error(d, &loc, "the source is larger than the limit of %u MiB", ASM_MAX_SOURCE_SIZE >> 20);
        else
            diag_error(d, &loc, "cannot read the source: %s", strerror(errno));
        return NULL;
    }
    return assemble(name, text, size, strcmp(path, "-") != 0, opt, d);
}

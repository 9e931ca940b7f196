/* The scanner (lexer/scanner.l): tokens, values, locations and its errors. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grammar.h"
#include "isa.h"
#include "parse.h"

typedef struct {
    int tok;
    int64_t ival;
    int engine;
    char text[64];     /* names, parameters, strings */
    size_t len;        /* strings */
    uint32_t line, col, len_cols;
    /* SLOT: its tree */
    char engine_text[8], op_text[8];
    uint32_t nargs, op_col, arg_col[5], arg_len[5];
    int64_t arg[5];
    /* LINE: its first lines and their first slots */
    uint32_t nlines;
    asm_plain_line lines[3];
    asm_plain_slot slots[3][3];
} token;

typedef struct {
    token t[64];
    int n;
} tokens;

static void collect(void *arg, int tok, const void *value, asm_ploc loc)
{
    tokens *ts = arg;
    const ASM_YYSTYPE *v = value;
    ck_assert_int_lt(ts->n, 64);
    token *t = &ts->t[ts->n++];
    memset(t, 0, sizeof *t);
    t->tok = tok;
    t->line = (uint32_t)(loc >> 32);
    t->col = (uint16_t)(loc >> 16);
    t->len_cols = (uint16_t)loc;
    if (tok == TK_INTEGER)
        t->ival = v->ival;
    else if (tok == TK_ENGINE)
        t->engine = v->engine;
    else if (tok == TK_IDENT || tok == TK_PARAM)
        snprintf(t->text, sizeof t->text, "%s", v->name->text);
    else if (tok == TK_SLOT) {
        const asm_slot_ast *s = v->ptr;
        snprintf(t->engine_text, sizeof t->engine_text, "%s", s->engine.text);
        snprintf(t->op_text, sizeof t->op_text, "%s", s->op.text);
        t->op_col = s->op.loc.col;
        t->nargs = s->nargs;
        for (uint32_t a = 0; a < s->nargs && a < 5; a++) {
            ck_assert_int_eq(s->args[a]->kind, EX_INT);
            t->arg[a] = s->args[a]->u.value;
            t->arg_col[a] = s->args[a]->loc.col;
            t->arg_len[a] = s->args[a]->loc.len;
        }
    } else if (tok == TK_LINE) {
        const asm_plain_run *run = v->ptr;
        t->nlines = run->nlines;
        for (uint32_t i = 0; i < run->nlines && i < 3; i++) {
            t->lines[i] = run->lines[i];
            for (uint32_t k = 0; k < run->lines[i].nslots && k < 3; k++)
                t->slots[i][k] = run->lines[i].slots[k];
        }
    } else if (tok == TK_STRING) {
        t->len = v->expr->u.str.len;
        memcpy(t->text, v->expr->u.str.text, t->len < 63 ? t->len : 63);
    }
}

/* Whether the scanner may read whole lines (LINE), as under asm_parse. */
static int plain_lines;

/* Scans src; messages land in *out (caller frees). */
static tokens scan(const char *src, char **out)
{
    static tokens ts;
    memset(&ts, 0, sizeof ts);
    size_t len = strlen(src);
    char *buf = malloc(len + 2);
    memcpy(buf, src, len);
    buf[len] = buf[len + 1] = '\0';
    size_t out_size;
    FILE *f = open_memstream(out, &out_size);
    diag *d = diag_new(f, "test");
    asm_ctx ctx;
    asm_ctx_init(&ctx, d, NULL);
    asm_parser ps;
    memset(&ps, 0, sizeof ps);
    ps.ctx = &ctx;
    ps.file = asm_file_name(&ctx, "t.vasm");
    asm_add_source(&ctx, "t.vasm", buf, len, 0);
    ps.line = ps.col = 1;
    ps.plain_lines = (uint8_t)plain_lines;
    asm_scan_tokens(&ps, buf, len, collect, &ts);
    asm_arena_free(&ps.arena);
    asm_ctx_free(&ctx);
    diag_free(d);
    fclose(f);
    free(buf);
    return ts;
}

static tokens scan_clean(const char *src)
{
    char *out;
    tokens ts = scan(src, &out);
    ck_assert_msg(out[0] == '\0', "unexpected messages: %s", out);
    free(out);
    return ts;
}

START_TEST(test_integers_decimal_hex_binary)
{
    tokens ts = scan_clean("42 0x7ED55D16 0b1011 9223372036854775807\n");
    ck_assert_int_eq(ts.t[0].tok, TK_INTEGER);
    ck_assert_int_eq(ts.t[0].ival, 42);
    ck_assert_int_eq(ts.t[1].ival, 0x7ED55D16);
    ck_assert_int_eq(ts.t[2].ival, 11);
    ck_assert_int_eq(ts.t[3].ival, INT64_MAX);
    ck_assert_int_eq(ts.t[4].tok, TK_NEWLINE);
    ck_assert_int_eq(ts.t[5].tok, 0);
}
END_TEST

START_TEST(test_integer_past_int64_is_an_error)
{
    char *out;
    tokens ts = scan("x 9223372036854775808\n", &out);
    ck_assert_int_eq(ts.t[1].tok, TK_BAD);
    ck_assert_str_eq(out, "t.vasm:1:3: error: integer literal is too large (the limit is 2^63-1)\n"
                          "    1 | x 9223372036854775808\n"
                          "      |   ^~~~~~~~~~~~~~~~~~~\n");
    free(out);
}
END_TEST

START_TEST(test_malformed_number_is_one_error)
{
    char *out;
    tokens ts = scan("12abc\n", &out);
    ck_assert_int_eq(ts.t[0].tok, TK_BAD);
    ck_assert_int_eq(ts.t[1].tok, TK_NEWLINE);
    ck_assert_ptr_nonnull(strstr(out, "t.vasm:1:1: error: malformed number '12abc'"));
    free(out);
}
END_TEST

START_TEST(test_engines_and_nop_are_keywords)
{
    tokens ts = scan_clean("alu valu load store flow debug nop alux loads\n");
    int engines[] = {ISA_ENG_ALU, ISA_ENG_VALU, ISA_ENG_LOAD, ISA_ENG_STORE, ISA_ENG_FLOW, ISA_ENG_DEBUG};
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(ts.t[i].tok, TK_ENGINE);
        ck_assert_int_eq(ts.t[i].engine, engines[i]);
    }
    ck_assert_int_eq(ts.t[6].tok, TK_NOP);
    ck_assert_int_eq(ts.t[7].tok, TK_IDENT);
    ck_assert_str_eq(ts.t[7].text, "alux");
    ck_assert_int_eq(ts.t[8].tok, TK_IDENT);
}
END_TEST

START_TEST(test_names_and_parameters)
{
    tokens ts = scan_clean("acc _x9 \\op1 vbroadcast\n");
    ck_assert_int_eq(ts.t[0].tok, TK_IDENT);
    ck_assert_str_eq(ts.t[0].text, "acc");
    ck_assert_str_eq(ts.t[1].text, "_x9");
    ck_assert_int_eq(ts.t[2].tok, TK_PARAM);
    ck_assert_str_eq(ts.t[2].text, "op1");
    ck_assert_int_eq(ts.t[3].tok, TK_IDENT);
}
END_TEST

START_TEST(test_each_directive_is_its_own_token)
{
    tokens ts = scan_clean(".equ .set .word .vec .global .extern .entry .include .error .warning .macro .endm "
                           ".rept .endr .for .endfor .if .ifdef .ifndef .elif .else .endif\n");
    int want[] = {TK_D_EQU,   TK_D_SET,   TK_D_WORD,    TK_D_VEC,   TK_D_GLOBAL, TK_D_EXTERN,
                  TK_D_ENTRY, TK_D_INCLUDE, TK_D_ERROR, TK_D_WARNING, TK_D_MACRO, TK_D_ENDM,
                  TK_D_REPT,  TK_D_ENDR,  TK_D_FOR,     TK_D_ENDFOR, TK_D_IF,    TK_D_IFDEF,
                  TK_D_IFNDEF, TK_D_ELIF, TK_D_ELSE,    TK_D_ENDIF};
    for (int i = 0; i < 22; i++)
        ck_assert_int_eq(ts.t[i].tok, want[i]);
}
END_TEST

START_TEST(test_unknown_directive_is_reported_with_its_span)
{
    char *out;
    tokens ts = scan("  .bogus 3\n", &out);
    ck_assert_int_eq(ts.t[0].tok, TK_BAD);
    ck_assert_str_eq(out, "t.vasm:1:3: error: unknown directive '.bogus'\n"
                          "    1 |   .bogus 3\n"
                          "      |   ^~~~~~\n");
    free(out);
}
END_TEST

START_TEST(test_operators_longest_match)
{
    tokens ts = scan_clean("// << >> == != <= >= && || < > + - * / % & | ^ ~ ! ( ) [ ] , ; : = @ ?\n");
    int want[] = {TK_DSLASH, TK_SHL, TK_SHR, TK_EQ, TK_NE, TK_LE, TK_GE, TK_ANDAND, TK_OROR,
                  '<', '>', '+', '-', '*', '/', '%', '&', '|', '^', '~', '!', '(', ')', '[', ']', ',', ';',
                  ':', '=', '@', '?', TK_NEWLINE, 0};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_int_eq(ts.t[i].tok, want[i]);
}
END_TEST

START_TEST(test_string_escapes_are_removed)
{
    tokens ts = scan_clean("\"a \\\"q\\\" \\\\ b\" \"\"\n");
    ck_assert_int_eq(ts.t[0].tok, TK_STRING);
    ck_assert_str_eq(ts.t[0].text, "a \"q\" \\ b");
    ck_assert_int_eq(ts.t[0].len, 9);
    ck_assert_int_eq(ts.t[1].tok, TK_STRING);
    ck_assert_int_eq(ts.t[1].len, 0);
}
END_TEST

START_TEST(test_unknown_escape_points_at_the_escape)
{
    char *out;
    tokens ts = scan("x \"ab\\n\"\n", &out);
    ck_assert_int_eq(ts.t[1].tok, TK_BAD);
    ck_assert_str_eq(out, "t.vasm:1:6: error: unknown escape '\\n' in a string (only \\\" and \\\\ exist)\n"
                          "    1 | x \"ab\\n\"\n"
                          "      |      ^~\n");
    free(out);
}
END_TEST

START_TEST(test_unterminated_string_ends_at_the_line)
{
    char *out;
    tokens ts = scan("debug comment \"abc\nnop\n", &out);
    ck_assert_int_eq(ts.t[2].tok, TK_BAD);
    ck_assert_int_eq(ts.t[3].tok, TK_NEWLINE);
    ck_assert_int_eq(ts.t[4].tok, TK_NOP);
    ck_assert_ptr_nonnull(strstr(out, "t.vasm:1:15: error: unterminated string (a string ends on its line)"));
    free(out);
}
END_TEST

START_TEST(test_comments_and_blanks_are_skipped)
{
    tokens ts = scan_clean("  \t# a comment < > \"\n\tnop # more\r\n");
    ck_assert_int_eq(ts.t[0].tok, TK_NEWLINE);
    ck_assert_int_eq(ts.t[1].tok, TK_NOP);
    ck_assert_int_eq(ts.t[2].tok, TK_NEWLINE);
    ck_assert_int_eq(ts.t[3].tok, 0);
}
END_TEST

START_TEST(test_locations_are_line_column_and_width)
{
    /* (x11, not 11: a slot of plain numbers is one token, tested below) */
    tokens ts = scan_clean("nop\n  alu + 10, x11\n");
    ck_assert_int_eq(ts.t[0].line, 1);
    ck_assert_int_eq(ts.t[0].col, 1);
    ck_assert_int_eq(ts.t[0].len_cols, 3);
    /* alu */
    ck_assert_int_eq(ts.t[2].line, 2);
    ck_assert_int_eq(ts.t[2].col, 3);
    ck_assert_int_eq(ts.t[2].len_cols, 3);
    /* 10 */
    ck_assert_int_eq(ts.t[4].col, 9);
    ck_assert_int_eq(ts.t[4].len_cols, 2);
    /* 11 */
    ck_assert_int_eq(ts.t[6].col, 13);
}
END_TEST

/* The bulk of generated code: the grammar gets the slot's tree at once,
 * with the locations its tokens would have had. */
START_TEST(test_a_slot_of_plain_numbers_is_one_token)
{
    tokens ts = scan_clean("  alu + 10, -11, 12 # c\n< load const 1, 4294967295 ; store store 3,4 >\n");
    int want[] = {TK_SLOT, TK_NEWLINE, '<', TK_SLOT, ';', TK_SLOT, '>', TK_NEWLINE, 0};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_int_eq(ts.t[i].tok, want[i]);
    token *s = &ts.t[0];
    ck_assert_int_eq(s->col, 3);
    ck_assert_int_eq(s->len_cols, 17);   /* "alu" to "12", without the blanks after */
    ck_assert_str_eq(s->engine_text, "alu");
    ck_assert_str_eq(s->op_text, "+");
    ck_assert_int_eq(s->op_col, 7);
    ck_assert_int_eq(s->nargs, 3);
    ck_assert_int_eq(s->arg[0], 10);
    ck_assert_int_eq(s->arg_col[0], 9);
    ck_assert_int_eq(s->arg_len[0], 2);
    ck_assert_int_eq(s->arg[1], -11);    /* the minus is the number's, as the grammar folds it */
    ck_assert_int_eq(s->arg_col[1], 13);
    ck_assert_int_eq(s->arg_len[1], 3);
    ck_assert_int_eq(s->arg_col[2], 18);
    ck_assert_str_eq(ts.t[3].op_text, "const");
    ck_assert_int_eq(ts.t[3].arg[1], 4294967295);
    ck_assert_str_eq(ts.t[5].engine_text, "store");
    ck_assert_str_eq(ts.t[5].op_text, "store");   /* an engine name as the op */
    ck_assert_int_eq(ts.t[5].arg_col[1], 44);
}
END_TEST

/* Only a slot that ends where the number list does is one token: what
 * could go on (an operator, a name), a placement, a macro argument, "nop"
 * and a number past 64 bits are read token by token, as before. */
START_TEST(test_a_slot_that_goes_on_is_read_token_by_token)
{
    tokens ts = scan_clean("alu + 1, 2, 3 + x\n");
    int want[] = {TK_ENGINE, '+', TK_INTEGER, ',', TK_INTEGER, ',', TK_INTEGER, '+', TK_IDENT, TK_NEWLINE};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_int_eq(ts.t[i].tok, want[i]);
    ck_assert_int_eq(ts.t[0].len_cols, 3);
    ck_assert_int_eq(ts.t[6].col, 13);

    ts = scan_clean("valu@alu + 1, 2, 3\nm alu + 1\nalu nop 1\naluadd 1, 2\n");
    int want2[] = {TK_ENGINE, '@', TK_ENGINE, '+', TK_INTEGER, ',', TK_INTEGER, ',', TK_INTEGER, TK_NEWLINE,
                   TK_IDENT, TK_ENGINE, '+', TK_INTEGER, TK_NEWLINE,
                   TK_ENGINE, TK_NOP, TK_INTEGER, TK_NEWLINE,
                   TK_IDENT, TK_INTEGER, ',', TK_INTEGER, TK_NEWLINE, 0};
    for (size_t i = 0; i < sizeof want2 / sizeof *want2; i++)
        ck_assert_int_eq(ts.t[i].tok, want2[i]);

    char *out;
    ts = scan("alu + 1, 99999999999999999999\n", &out);
    int want3[] = {TK_ENGINE, '+', TK_INTEGER, ',', TK_BAD, TK_NEWLINE};
    for (size_t i = 0; i < sizeof want3 / sizeof *want3; i++)
        ck_assert_int_eq(ts.t[i].tok, want3[i]);
    ck_assert_ptr_nonnull(strstr(out, "t.vasm:1:10: error: integer literal is too large"));
    free(out);
}
END_TEST

/* At the start of a line, a slot of plain numbers alone or a bundle of
 * them, with its newline, is read whole, its ops resolved, every column
 * as the tokens would have had it; such lines in a row are one token. */
START_TEST(test_lines_of_plain_slots_in_a_row_are_one_token)
{
    plain_lines = 1;
    tokens ts = scan_clean("  alu + 10, -11, 12\n<  load const 1, 4294967295 ; store store 3,4 >  \n# c\n"
                           "alu - 1, 2, 3\nload load 5, 6");
    plain_lines = 0;
    int want[] = {TK_LINE, TK_NEWLINE, TK_LINE, TK_SLOT};   /* the last line has no newline: a SLOT then */
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_int_eq(ts.t[i].tok, want[i]);
    ck_assert_int_eq(ts.t[0].nlines, 2);
    const asm_plain_line *l = &ts.t[0].lines[0];
    ck_assert_int_eq(l->line, 1);
    ck_assert_int_eq(l->bracketed, 0);
    ck_assert_int_eq(l->nslots, 1);
    ck_assert_int_eq(l->nargs, 3);
    ck_assert_int_eq(l->col, 3);
    ck_assert_int_eq(l->len, 17);
    const asm_plain_slot *s = &ts.t[0].slots[0][0];
    ck_assert_int_eq(s->op, ISA_OP_ALU_ADD);
    ck_assert_int_eq(s->engine, ISA_ENG_ALU);
    ck_assert_int_eq(s->op_col, 7);
    ck_assert_int_eq(s->op_len, 1);
    ck_assert_int_eq(s->nargs, 3);
    ck_assert_int_eq(asm_plain_value(&s->num[1]), -11);
    ck_assert_int_eq(s->num[1].col, 13);
    ck_assert_int_eq(s->num[1].len, 3);
    l = &ts.t[0].lines[1];
    ck_assert_int_eq(l->line, 2);
    ck_assert_int_eq(l->bracketed, 1);
    ck_assert_int_eq(l->nslots, 2);
    ck_assert_int_eq(l->nargs, 4);
    ck_assert_int_eq(l->col, 1);
    ck_assert_int_eq(l->len, 47);   /* '<' to '>' */
    ck_assert_int_eq(ts.t[0].slots[1][0].op, ISA_OP_CONST);
    ck_assert_int_eq(ts.t[0].slots[1][0].col, 4);
    ck_assert_int_eq(asm_plain_value(&ts.t[0].slots[1][0].num[1]), 4294967295);
    ck_assert_int_eq(ts.t[0].slots[1][1].op, ISA_OP_STORE);
    ck_assert_int_eq(ts.t[0].slots[1][1].op_col, 37);
    ck_assert_int_eq(ts.t[0].slots[1][1].num[1].col, 45);
    ck_assert_int_eq(ts.t[1].line, 3);   /* the comment's line ends the run */
    ck_assert_int_eq(ts.t[2].nlines, 1);
    ck_assert_int_eq(ts.t[2].lines[0].line, 4);
    ck_assert_int_eq(ts.t[2].slots[0][0].op, ISA_OP_ALU_SUB);
    ck_assert_int_eq(ts.t[3].line, 5);
}
END_TEST

/* A run ends when it is full: the next line starts the next one. */
START_TEST(test_a_run_of_plain_lines_ends_when_full)
{
    char src[ASM_PLAIN_RUN_LINES * 20 + 40];
    size_t n = 0;
    for (int i = 0; i < ASM_PLAIN_RUN_LINES + 3; i++)
        n += (size_t)snprintf(src + n, sizeof src - n, "alu + 1, 2, %d\n", i);
    plain_lines = 1;
    tokens ts = scan_clean(src);
    plain_lines = 0;
    ck_assert_int_eq(ts.t[0].tok, TK_LINE);
    ck_assert_int_eq(ts.t[0].nlines, ASM_PLAIN_RUN_LINES);
    ck_assert_int_eq(ts.t[1].tok, TK_LINE);
    ck_assert_int_eq(ts.t[1].nlines, 3);
    ck_assert_int_eq(ts.t[1].lines[0].line, ASM_PLAIN_RUN_LINES + 1);
    ck_assert_int_eq(asm_plain_value(&ts.t[1].slots[2][0].num[2]), ASM_PLAIN_RUN_LINES + 2);
    ck_assert_int_eq(ts.t[2].tok, 0);
}
END_TEST

/* Only a whole line the SLOT pattern and the bundle rules take, with known
 * ops taking exactly its numbers, is one token; anything else is read
 * token by token, as before. */
/* The pattern PLAIN matches a line with an unknown op too: the conversion
 * declines it, the run so far goes first, and the line is read token by
 * token; the run after it starts on the next line. */
START_TEST(test_a_line_the_conversion_declines_ends_the_run)
{
    plain_lines = 1;
    tokens ts = scan_clean("alu + 1, 2, 3\nload const 4, 5\nalu add 1, 2, 3\nalu + 6, 7, 8\n");
    plain_lines = 0;
    int want[] = {TK_LINE, TK_SLOT, TK_NEWLINE, TK_LINE, 0};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_int_eq(ts.t[i].tok, want[i]);
    ck_assert_int_eq(ts.t[0].nlines, 2);
    ck_assert_int_eq(ts.t[1].line, 3);
    ck_assert_int_eq(ts.t[3].nlines, 1);
    ck_assert_int_eq(ts.t[3].lines[0].line, 4);
    ck_assert_int_eq(asm_plain_value(&ts.t[3].slots[0][0].num[2]), 8);
}
END_TEST

/* A number of 2^32 or more in magnitude is not taken in a line (the
 * program holds only smaller ones whole): the line is read token by
 * token.  "-0" is zero, not negative. */
START_TEST(test_a_line_with_a_number_past_32_bits_is_read_token_by_token)
{
    plain_lines = 1;
    tokens ts = scan_clean("alu + 1, -0, 3\nload const 1, -4294967296\nalu + 6, 7, -4294967295\n");
    plain_lines = 0;
    int want[] = {TK_LINE, TK_ENGINE, TK_IDENT, TK_INTEGER, ',', '-', TK_INTEGER, TK_NEWLINE, TK_LINE, 0};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_int_eq(ts.t[i].tok, want[i]);
    ck_assert_int_eq(ts.t[0].slots[0][0].num[1].neg, 0);
    ck_assert_int_eq(asm_plain_value(&ts.t[0].slots[0][0].num[1]), 0);
    ck_assert_int_eq(ts.t[8].lines[0].line, 3);
    ck_assert_int_eq(asm_plain_value(&ts.t[8].slots[0][0].num[2]), -4294967295);
    ck_assert_int_eq(ts.t[8].slots[0][0].num[2].len, 11);
}
END_TEST

/* Numbers are read eight digits at a time where eight bytes are there:
 * every length from 1 to 12 digits, with leading zeros and a sign, in the
 * middle and at the end of a line, and at the very end of the text (where
 * the digits are read one by one), has the value and width it spells. */
START_TEST(test_numbers_of_every_length_have_the_value_they_spell)
{
    static const char *const numbers[] = {"7", "42", "905", "1234", "98765", "123456", "7654321", "87654321",
                                          "123456789", "4294967295", "0004294967", "-2147483648", "-0",
                                          "0000000009", "10000000", "99999999", "100000000"};
    size_t count = sizeof numbers / sizeof *numbers;
    char text[2048];
    size_t len = 0;
    /* Each line its own run (a comment line ends one); the last one ends
     * the text, without its newline. */
    for (size_t i = 0; i < count; i++)
        len += (size_t)sprintf(text + len, "alu + %s, %s, %s\n#\n", numbers[i], numbers[count - 1 - i], numbers[i]);
    len -= 3;
    text[len] = '\0';
    plain_lines = 1;
    tokens ts = scan_clean(text);
    plain_lines = 0;
    size_t line = 0;
    for (int t = 0; t < ts.n; t++) {
        if (ts.t[t].tok != TK_LINE && ts.t[t].tok != TK_SLOT)
            continue;
        ck_assert_uint_lt(line, count);
        for (int a = 0; a < 3; a++) {
            const char *want = numbers[a == 1 ? count - 1 - line : line];
            if (ts.t[t].tok == TK_LINE) {
                const asm_plain_number *got = &ts.t[t].slots[0][0].num[a];
                ck_assert_int_eq(asm_plain_value(got), strtoll(want, NULL, 10));
                ck_assert_uint_eq(got->len, strlen(want));
            } else {
                ck_assert_int_eq(ts.t[t].arg[a], strtoll(want, NULL, 10));
                ck_assert_uint_eq(ts.t[t].arg_len[a], strlen(want));
            }
        }
        line++;
    }
    ck_assert_uint_eq(line, count);
}
END_TEST

/* A run is handed on before a label's line and at the end of the text. */
START_TEST(test_a_run_ends_before_any_other_line_and_at_the_end)
{
    plain_lines = 1;
    tokens ts = scan_clean("alu + 1, 2, 3\nx: alu + 1, 2, 3\n< load const 1, 2 >\n");
    plain_lines = 0;
    int want[] = {TK_LINE, TK_IDENT, ':', TK_SLOT, TK_NEWLINE, TK_LINE, 0};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_int_eq(ts.t[i].tok, want[i]);
    ck_assert_int_eq(ts.t[5].nlines, 1);
    ck_assert_int_eq(ts.t[5].lines[0].line, 3);
    ck_assert_int_eq(ts.t[5].lines[0].bracketed, 1);
}
END_TEST

START_TEST(test_a_line_that_is_not_plain_is_read_token_by_token)
{
    plain_lines = 1;
    tokens ts = scan_clean("< alu + 1, 2, 3 + x >\n");
    int want[] = {'<', TK_ENGINE, '+', TK_INTEGER, ',', TK_INTEGER, ',', TK_INTEGER, '+', TK_IDENT, '>',
                  TK_NEWLINE, 0};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_int_eq(ts.t[i].tok, want[i]);
    ck_assert_int_eq(ts.t[0].col, 1);
    ck_assert_int_eq(ts.t[0].len_cols, 1);
    ck_assert_int_eq(ts.t[1].col, 3);

    /* a comment, a missing '>', an unknown op, a wrong count, a trace key op, a trailing ';' */
    ts = scan_clean("< alu + 1, 2, 3 # c\n< alu + 1, 2, 3\nalu add 1, 2, 3\nalu + 1, 2\n"
                    "debug compare 1, 2, 3, 4\n< alu + 1, 2, 3 ; >\n");
    int want2[] = {'<', TK_SLOT, TK_NEWLINE, '<', TK_SLOT, TK_NEWLINE, TK_SLOT, TK_NEWLINE, TK_SLOT, TK_NEWLINE,
                   TK_SLOT, TK_NEWLINE, '<', TK_SLOT, ';', '>', TK_NEWLINE, 0};
    for (size_t i = 0; i < sizeof want2 / sizeof *want2; i++)
        ck_assert_int_eq(ts.t[i].tok, want2[i]);

    char *out;
    ts = scan("< alu + 1, 2, 99999999999999999999 >\n", &out);
    plain_lines = 0;
    int want3[] = {'<', TK_ENGINE, '+', TK_INTEGER, ',', TK_INTEGER, ',', TK_BAD, '>', TK_NEWLINE};
    for (size_t i = 0; i < sizeof want3 / sizeof *want3; i++)
        ck_assert_int_eq(ts.t[i].tok, want3[i]);
    ck_assert_ptr_nonnull(strstr(out, "t.vasm:1:15: error: integer literal is too large"));
    free(out);
}
END_TEST

START_TEST(test_last_line_without_newline_still_ends)
{
    tokens ts = scan_clean("nop");
    ck_assert_int_eq(ts.t[0].tok, TK_NOP);
    ck_assert_int_eq(ts.t[1].tok, TK_NEWLINE);
    ck_assert_int_eq(ts.t[2].tok, 0);
}
END_TEST

START_TEST(test_stray_character_and_byte_are_reported)
{
    char *out;
    tokens ts = scan("$ \x01\n", &out);
    ck_assert_int_eq(ts.t[0].tok, TK_BAD);
    ck_assert_int_eq(ts.t[1].tok, TK_BAD);
    ck_assert_ptr_nonnull(strstr(out, "t.vasm:1:1: error: unexpected character '$'"));
    ck_assert_ptr_nonnull(strstr(out, "t.vasm:1:3: error: unexpected byte 0x01"));
    free(out);
}
END_TEST

static Suite *lexer_suite(void)
{
    Suite *s = suite_create("lexer");
    TCase *tc = tcase_create("scanner");
    tcase_add_test(tc, test_integers_decimal_hex_binary);
    tcase_add_test(tc, test_integer_past_int64_is_an_error);
    tcase_add_test(tc, test_malformed_number_is_one_error);
    tcase_add_test(tc, test_engines_and_nop_are_keywords);
    tcase_add_test(tc, test_names_and_parameters);
    tcase_add_test(tc, test_each_directive_is_its_own_token);
    tcase_add_test(tc, test_unknown_directive_is_reported_with_its_span);
    tcase_add_test(tc, test_operators_longest_match);
    tcase_add_test(tc, test_string_escapes_are_removed);
    tcase_add_test(tc, test_unknown_escape_points_at_the_escape);
    tcase_add_test(tc, test_unterminated_string_ends_at_the_line);
    tcase_add_test(tc, test_comments_and_blanks_are_skipped);
    tcase_add_test(tc, test_locations_are_line_column_and_width);
    tcase_add_test(tc, test_a_slot_of_plain_numbers_is_one_token);
    tcase_add_test(tc, test_a_slot_that_goes_on_is_read_token_by_token);
    tcase_add_test(tc, test_lines_of_plain_slots_in_a_row_are_one_token);
    tcase_add_test(tc, test_a_line_with_a_number_past_32_bits_is_read_token_by_token);
    tcase_add_test(tc, test_numbers_of_every_length_have_the_value_they_spell);
    tcase_add_test(tc, test_a_run_of_plain_lines_ends_when_full);
    tcase_add_test(tc, test_a_line_the_conversion_declines_ends_the_run);
    tcase_add_test(tc, test_a_run_ends_before_any_other_line_and_at_the_end);
    tcase_add_test(tc, test_a_line_that_is_not_plain_is_read_token_by_token);
    tcase_add_test(tc, test_last_line_without_newline_still_ends);
    tcase_add_test(tc, test_stray_character_and_byte_are_reported);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(lexer_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

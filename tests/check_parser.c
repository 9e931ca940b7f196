/* The grammar (parser/grammar.y) and the block structure (asm/parse.c):
 * the tree each construct gives, and every syntax error with its place. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

typedef struct {
    asm_body all;
    int calls;
    int lines;          /* taken by the line sink */
    int decline;        /* the line sink declines every line (1), those of even number (2) */
} collected;

/* A line sink that counts the lines it takes. */
static int take_line(void *arg, const asm_plain_line *line)
{
    collected *c = arg;
    if (c->decline == 1 || (c->decline == 2 && line->line % 2 == 0))
        return -1;
    c->lines++;
    return 0;
}

/* Keeps everything: chains each statement list handed over. */
static int keep(void *arg, const asm_body *stmts)
{
    collected *c = arg;
    c->calls++;
    if (c->all.last)
        c->all.last->next = stmts->first;
    else
        c->all.first = stmts->first;
    c->all.last = stmts->last;
    return 1;
}

typedef struct {
    char *tree;      /* asm_dump_body of everything parsed */
    char *locs;      /* every location of each top-level bundle */
    char *messages;
    int errors;
    int calls;
} parsed;

static parsed parse_into(const char *src, asm_line_sink line_sink, collected *c)
{
    parsed r;
    size_t len = strlen(src), size;
    char *buf = malloc(len + 2);
    memcpy(buf, src, len);
    buf[len] = buf[len + 1] = '\0';
    FILE *mf = open_memstream(&r.messages, &size);
    diag *d = diag_new(mf, "test");
    asm_ctx ctx;
    asm_ctx_init(&ctx, d, NULL);
    asm_add_source(&ctx, "p.vasm", buf, len, 0);
    r.errors = asm_parse(&ctx, "p.vasm", buf, len, NULL, keep, line_sink, c);
    r.calls = c->calls;
    FILE *tf = open_memstream(&r.tree, &size);
    asm_dump_body(tf, &c->all, 0);
    fclose(tf);
    tf = open_memstream(&r.locs, &size);
    for (const asm_stmt *st = c->all.first; st; st = st->next) {   /* and every location of a bundle */
        fprintf(tf, "%u:%u+%u", st->loc.line, st->loc.col, st->loc.len);
        for (uint32_t i = 0; st->kind == ST_BUNDLE && i < st->u.bundle.nslots; i++) {
            const asm_slot_ast *sl = &st->u.bundle.slots[i];
            fprintf(tf, " [%u+%u %s %u+%u %s%s %u+%u", sl->loc.col, sl->loc.len, sl->engine.text, sl->engine.loc.col,
                    sl->engine.loc.len, sl->op.text, sl->op.name ? "(name)" : "", sl->op.loc.col, sl->op.loc.len);
            for (uint32_t a = 0; a < sl->nargs; a++)
                fprintf(tf, " %d:%u+%u", sl->args[a]->kind, sl->args[a]->loc.col, sl->args[a]->loc.len);
            fprintf(tf, "]");
        }
        fprintf(tf, "\n");
    }
    fclose(tf);
    asm_ctx_free(&ctx);
    diag_free(d);
    fclose(mf);
    free(buf);
    return r;
}

static parsed parse(const char *src)
{
    collected c = {{NULL, NULL}, 0, 0, 0};
    return parse_into(src, NULL, &c);
}

static void done(parsed *r)
{
    free(r->tree);
    free(r->locs);
    free(r->messages);
}

/* The tree of a source that must parse cleanly. */
static void expect_tree(const char *src, const char *tree)
{
    parsed r = parse(src);
    ck_assert_msg(r.errors == 0, "errors: %s", r.messages);
    ck_assert_str_eq(r.tree, tree);
    done(&r);
}

/* The first message of a source that must not parse. */
static void expect_error(const char *src, const char *first_message)
{
    parsed r = parse(src);
    ck_assert_int_gt(r.errors, 0);
    ck_assert_msg(strncmp(r.messages, first_message, strlen(first_message)) == 0, "got:\n%s\nwant:\n%s",
                  r.messages, first_message);
    done(&r);
}

/* ---- statements ---------------------------------------------------------- */

START_TEST(test_canonical_bundle_one_slot_line_and_nop)
{
    expect_tree("< alu + 10, 11, 12 ; load load 13, 14 ; flow vselect 40, 48, 56, 64 >\n"
                "load const 0, 2127912214\n"
                "nop\n"
                "< >\n",
                "1:1: < alu + 10, 11, 12 ; load load 13, 14 ; flow vselect 40, 48, 56, 64 >\n"
                "2:1: load const 0, 2127912214\n"
                "3:1: nop\n"
                "4:1: < >\n");
}
END_TEST

START_TEST(test_every_op_symbol_is_an_op_after_the_engine)
{
    expect_tree("< alu + 1, 2, 3 ; alu - 1, 2, 3 ; alu * 1, 2, 3 ; alu // 1, 2, 3 ; alu % 1, 2, 3 ; alu ^ 1, 2, 3 >\n"
                "< alu & 1, 2, 3 ; alu | 1, 2, 3 ; alu << 1, 2, 3 ; alu >> 1, 2, 3 ; alu < 1, 2, 3 ; alu == 1, 2, 3 >\n",
                "1:1: < alu + 1, 2, 3 ; alu - 1, 2, 3 ; alu * 1, 2, 3 ; alu // 1, 2, 3 ; alu % 1, 2, 3 ; alu ^ 1, 2, 3 >\n"
                "2:1: < alu & 1, 2, 3 ; alu | 1, 2, 3 ; alu << 1, 2, 3 ; alu >> 1, 2, 3 ; alu < 1, 2, 3 ; alu == 1, 2, 3 >\n");
}
END_TEST

START_TEST(test_op_symbol_and_expression_operator_coexist)
{
    expect_tree("alu + acc, acc, tmp+1\n"
                "alu - x, -1, - y\n",
                "1:1: alu + acc, acc, (tmp + 1)\n"
                "2:1: alu - x, -1, (-y)\n");
}
END_TEST

START_TEST(test_bundle_may_continue_after_open_and_separators)
{
    expect_tree("<\n  alu + 1, 2, 3 ;\n  alu + 4, 5, 6\n>\n< alu + 7, 8, 9 ; >\n",
                "1:1: < alu + 1, 2, 3 ; alu + 4, 5, 6 >\n"
                "5:1: < alu + 7, 8, 9 >\n");
}
END_TEST

/* A line read whole (LINE) that the line sink declines, or with none,
 * becomes the tree its tokens make, every location the same: a comment
 * after it makes the scanner read it token by token. */
START_TEST(test_a_whole_line_makes_the_tree_its_tokens_make)
{
    const char *whole = "alu + 1, -2, 3\n< load const 1, 2 ;  valu // 3, 4, 5 >\nload load 7, 8\n";
    const char *tokens = "alu + 1, -2, 3 #\n< load const 1, 2 ;  valu // 3, 4, 5 > #\nload load 7, 8 #\n";
    parsed a = parse(whole), b = parse(tokens);
    collected c = {{NULL, NULL}, 0, 0, 1};
    parsed d = parse_into(whole, take_line, &c);
    ck_assert_int_eq(a.errors + b.errors + d.errors, 0);
    ck_assert_str_eq(a.tree, b.tree);
    ck_assert_str_eq(a.locs, b.locs);
    ck_assert_str_eq(d.tree, b.tree);
    ck_assert_str_eq(d.locs, b.locs);
    ck_assert_ptr_nonnull(strstr(a.locs, "const(name)"));   /* a name op is interned, as the tokens' */
    done(&a);
    done(&b);
    done(&d);
}
END_TEST

/* The line sink gets the top-level lines of plain slots; lines in a block,
 * in a bundle over several lines or after a label go as statements. */
START_TEST(test_the_line_sink_takes_only_top_level_plain_lines)
{
    collected c = {{NULL, NULL}, 0, 0, 0};
    parsed r = parse_into("alu + 1, 2, 3\n.rept 2\nalu + 1, 2, 3\n.endr\n<\nalu + 1, 2, 3\n>\n"
                          "x: alu + 1, 2, 3\n< alu + 1, 2, 3 ; load const 4, 5 >\n",
                          take_line, &c);
    ck_assert_int_eq(r.errors, 0);
    ck_assert_int_eq(c.lines, 2);
    ck_assert_ptr_nonnull(strstr(r.tree, "2:1: .rept 2\n"));
    ck_assert_ptr_nonnull(strstr(r.tree, "5:1: < alu + 1, 2, 3 >\n"));
    ck_assert_ptr_nonnull(strstr(r.tree, "8:1: x:\n8:4: alu + 1, 2, 3\n"));
    ck_assert_ptr_null(strstr(r.tree, "1:1: alu"));
    ck_assert_ptr_null(strstr(r.tree, "9:1:"));
    done(&r);
}
END_TEST

/* Lines read in one run go on one by one, in order: a line the sink
 * declines becomes statements between the lines it took. */
START_TEST(test_a_run_of_lines_goes_on_line_by_line)
{
    collected c = {{NULL, NULL}, 0, 0, 2};
    parsed r = parse_into("alu + 1, 2, 3\nalu + 2, 2, 3\nalu + 3, 2, 3\n< alu + 4, 2, 3 ; load const 4, 5 >\n"
                          "alu + 5, 2, 3\n",
                          take_line, &c);
    ck_assert_int_eq(r.errors, 0);
    ck_assert_int_eq(c.lines, 3);
    ck_assert_int_eq(c.calls, 2);
    ck_assert_str_eq(r.tree, "2:1: alu + 2, 2, 3\n4:1: < alu + 4, 2, 3 ; load const 4, 5 >\n");
    done(&r);
}
END_TEST

START_TEST(test_labels_precede_the_statement)
{
    expect_tree("a: b: alu + 1, 2, 3\nc:\n",
                "1:1: a:\n1:4: b:\n1:7: alu + 1, 2, 3\n2:1: c:\n");
}
END_TEST

START_TEST(test_debug_slots_strings_and_keys)
{
    expect_tree("debug comment \"x \\\"y\\\" \\\\\"\ndebug compare a, 0, 1, hash_stage, 3\n",
                "1:1: debug comment \"x \\\"y\\\" \\\\\"\n"
                "2:1: debug compare a, 0, 1, hash_stage, 3\n");
}
END_TEST

START_TEST(test_directives)
{
    expect_tree(".equ N, 4\n.set i, N + 1\n.word acc, tmp[4], zero @ 0\n.vec v[2] @ 1520\n"
                ".global a, b\n.extern c\n.entry\n.entry start\n.include \"x.inc\"\n.error \"no\"\n",
                "1:1: .equ N, 4\n"
                "2:1: .set i, (N + 1)\n"
                "3:1: .word acc, tmp[4], zero @ 0\n"
                "4:1: .vec v[2] @ 1520\n"
                "5:1: .global a, b\n"
                "6:1: .extern c\n"
                "7:1: .entry\n"
                "8:1: .entry start\n"
                "9:1: .include \"x.inc\"\n"
                "10:1: .error \"no\"\n");
}
END_TEST

/* ---- expressions ---------------------------------------------------------- */

START_TEST(test_expression_precedence_is_c)
{
    expect_tree(".equ a, 1 + 2 * 3 << 1 & 7 | 8 ^ 9\n"
                ".equ b, x < y == y > z && !p || ~q\n"
                ".equ c, p ? 1 : q ? 2 : 3\n"
                ".equ d, 10 - 4 - 3\n"
                ".equ e, -(1 + 2) % 5 / 2\n",
                "1:1: .equ a, ((((1 + (2 * 3)) << 1) & 7) | (8 ^ 9))\n"
                "2:1: .equ b, ((((x < y) == (y > z)) && (!p)) || (~q))\n"
                "3:1: .equ c, (p ? 1 : (q ? 2 : 3))\n"
                "4:1: .equ d, ((10 - 4) - 3)\n"
                "5:1: .equ e, (((-(1 + 2)) % 5) / 2)\n");
}
END_TEST

START_TEST(test_operand_comparisons_need_parentheses)
{
    expect_tree("< alu + a, (b < c), (d >= e) >\n", "1:1: < alu + a, (b < c), (d >= e) >\n");
    expect_error("alu + a, b < c, d\n",
                 "p.vasm:1:12: error: unexpected '<', expected end of line or ','\n"
                 "    1 | alu + a, b < c, d\n"
                 "      |            ^\n"
                 "p.vasm:1:12: note: a comparison in an operand or macro argument goes in parentheses: (a < b)\n");
}
END_TEST

START_TEST(test_indexing_and_parameters)
{
    expect_tree("valu + v[i * 2], \\a, \\arr[3]\n", "1:1: valu + v[(i * 2)], \\a, \\arr[3]\n");
}
END_TEST

/* ---- macros and blocks --------------------------------------------------------- */

START_TEST(test_macro_with_defaults_and_word_parameters)
{
    expect_tree(".macro stage op1, c, sh=<<, k=12\n"
                "  \\e \\op1 a, a, \\c\n"
                ".endm\n"
                "stage +, 5, >>\n"
                "< stage ^, 1 ; alu + 1, 2, 3 >\n",
                "1:1: .macro stage op1, c, sh='<<', k=12\n"
                "  2:3: \\e \\op1 a, a, \\c\n"
                ".endm\n"
                "4:1: call stage '+', 5, '>>'\n"
                "5:1: < call stage '^', 1 ; alu + 1, 2, 3 >\n");
}
END_TEST

START_TEST(test_minus_alone_is_a_word_argument)
{
    expect_tree("m -, -1, load\n", "1:1: call m '-', -1, 'load'\n");
}
END_TEST

START_TEST(test_blocks_nest)
{
    expect_tree(".rept 2\n"
                ".for i = 0, 8, 2\n"
                ".if i > 2\n"
                "nop\n"
                ".elif i == 2\n"
                ".else\n"
                "nop\n"
                ".endif\n"
                ".endfor\n"
                ".endr\n",
                "1:1: .rept 2\n"
                "  2:1: .for i = 0, 8, 2\n"
                "    3:1: .if (i > 2)\n"
                "      4:1: nop\n"
                "    .elif (i == 2)\n"
                "    .else\n"
                "      7:1: nop\n"
                "    .endif\n"
                "  .endfor\n"
                ".endr\n");
}
END_TEST

START_TEST(test_each_top_level_statement_is_handed_on_when_complete)
{
    parsed r = parse("nop\n.rept 2\nnop\nnop\n.endr\nnop\n");
    ck_assert_int_eq(r.errors, 0);
    ck_assert_int_eq(r.calls, 3);
    done(&r);
}
END_TEST

/* ---- errors ---------------------------------------------------------------------- */

START_TEST(test_missing_comma_names_what_was_expected)
{
    expect_error("alu + a, b c\n",
                 "p.vasm:1:12: error: unexpected 'c', expected end of line or ','\n"
                 "    1 | alu + a, b c\n"
                 "      |            ^\n");
}
END_TEST

START_TEST(test_missing_operand_expects_an_expression)
{
    expect_error("< load const a, >\n",
                 "p.vasm:1:17: error: unexpected '>', expected string or an expression\n");
}
END_TEST

START_TEST(test_missing_bundle_close_points_at_both_lines)
{
    expect_error("< alu + 1, 2, 3 ; alu + 4, 5, 6\nalu - 1, 2, 3\n",
                 "p.vasm:2:1: error: unexpected 'alu' in a bundle: is the '>' of the bundle missing?\n"
                 "    2 | alu - 1, 2, 3\n"
                 "      | ^~~\n"
                 "p.vasm:1:1: note: the bundle starts here\n");
}
END_TEST

START_TEST(test_unterminated_bundle_at_end_of_file)
{
    expect_error("nop\n< alu + 1, 2, 3 ;\n",
                 "p.vasm:2:1: error: unterminated bundle: no '>' before the end of the file\n");
}
END_TEST

START_TEST(test_stray_close_says_no_bundle_is_open)
{
    expect_error("alu + 1, 2, 3 >\n",
                 "p.vasm:1:15: error: unexpected '>', expected end of line or ','\n"
                 "    1 | alu + 1, 2, 3 >\n"
                 "      |               ^\n"
                 "p.vasm:1:15: note: no bundle is open here (a comparison in an operand goes in parentheses)\n");
}
END_TEST

START_TEST(test_recovery_reports_every_bad_line_and_keeps_good_ones)
{
    parsed r = parse("alu + 1 2, 3\nnop\n< alu + , 1 ; load const 1, 2 >\nlbl: alu + 1, 2 3\nflow halt\n");
    ck_assert_int_eq(r.errors, 3);
    /* The broken lines leave nothing behind, not even their labels. */
    ck_assert_str_eq(r.tree, "2:1: nop\n5:1: flow halt\n");
    ck_assert_ptr_nonnull(strstr(r.messages, "p.vasm:1:9: error: unexpected '2'"));
    ck_assert_ptr_nonnull(strstr(r.messages, "p.vasm:3:9: error: unexpected ','"));
    ck_assert_ptr_nonnull(strstr(r.messages, "p.vasm:4:17: error: unexpected '3'"));
    done(&r);
}
END_TEST

START_TEST(test_scanner_errors_are_not_repeated_by_the_parser)
{
    parsed r = parse("alu + 1, 2, 0x\n");
    ck_assert_int_eq(r.errors, 1);
    ck_assert_str_eq(r.messages, "p.vasm:1:13: error: malformed number '0x'\n"
                                 "    1 | alu + 1, 2, 0x\n"
                                 "      |             ^~\n");
    done(&r);
}
END_TEST

START_TEST(test_unterminated_blocks_are_named)
{
    parsed r = parse(".macro m a\nnop\n.if 1\n");
    ck_assert_int_eq(r.errors, 2);
    ck_assert_ptr_nonnull(strstr(r.messages, "p.vasm:3:1: error: unterminated .if: no .endif before the end of the file"));
    ck_assert_ptr_nonnull(
        strstr(r.messages, "p.vasm:1:1: error: unterminated .macro 'm': no .endm before the end of the file"));
    done(&r);
}
END_TEST

START_TEST(test_mismatched_block_end_names_the_open_block)
{
    expect_error(".rept 3\n.endif\n.endr\n",
                 "p.vasm:2:1: error: '.endif' does not close the innermost open block, a .rept (it needs .endr)\n"
                 "    2 | .endif\n"
                 "      | ^~~~~~\n"
                 "p.vasm:1:1: note: the .rept is here\n");
}
END_TEST

START_TEST(test_block_end_without_block)
{
    expect_error(".endm\n", "p.vasm:1:1: error: '.endm' without an open .macro\n");
    expect_error(".else\n", "p.vasm:1:1: error: '.else' without an open .if\n");
}
END_TEST

START_TEST(test_elif_after_else)
{
    expect_error(".if 1\n.else\n.elif 2\n.endif\n",
                 "p.vasm:3:1: error: '.elif' after the .else of this .if\n"
                 "    3 | .elif 2\n"
                 "      | ^~~~~\n"
                 "p.vasm:2:1: note: the .else is here\n");
}
END_TEST

static Suite *parser_suite(void)
{
    Suite *s = suite_create("parser");
    TCase *tc = tcase_create("statements");
    tcase_add_test(tc, test_canonical_bundle_one_slot_line_and_nop);
    tcase_add_test(tc, test_every_op_symbol_is_an_op_after_the_engine);
    tcase_add_test(tc, test_op_symbol_and_expression_operator_coexist);
    tcase_add_test(tc, test_bundle_may_continue_after_open_and_separators);
    tcase_add_test(tc, test_labels_precede_the_statement);
    tcase_add_test(tc, test_a_whole_line_makes_the_tree_its_tokens_make);
    tcase_add_test(tc, test_the_line_sink_takes_only_top_level_plain_lines);
    tcase_add_test(tc, test_a_run_of_lines_goes_on_line_by_line);
    tcase_add_test(tc, test_debug_slots_strings_and_keys);
    tcase_add_test(tc, test_directives);
    suite_add_tcase(s, tc);
    tc = tcase_create("expressions");
    tcase_add_test(tc, test_expression_precedence_is_c);
    tcase_add_test(tc, test_operand_comparisons_need_parentheses);
    tcase_add_test(tc, test_indexing_and_parameters);
    suite_add_tcase(s, tc);
    tc = tcase_create("blocks");
    tcase_add_test(tc, test_macro_with_defaults_and_word_parameters);
    tcase_add_test(tc, test_minus_alone_is_a_word_argument);
    tcase_add_test(tc, test_blocks_nest);
    tcase_add_test(tc, test_each_top_level_statement_is_handed_on_when_complete);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_test(tc, test_missing_comma_names_what_was_expected);
    tcase_add_test(tc, test_missing_operand_expects_an_expression);
    tcase_add_test(tc, test_missing_bundle_close_points_at_both_lines);
    tcase_add_test(tc, test_unterminated_bundle_at_end_of_file);
    tcase_add_test(tc, test_stray_close_says_no_bundle_is_open);
    tcase_add_test(tc, test_recovery_reports_every_bad_line_and_keeps_good_ones);
    tcase_add_test(tc, test_scanner_errors_are_not_repeated_by_the_parser);
    tcase_add_test(tc, test_unterminated_blocks_are_named);
    tcase_add_test(tc, test_mismatched_block_end_names_the_open_block);
    tcase_add_test(tc, test_block_end_without_block);
    tcase_add_test(tc, test_elif_after_else);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(parser_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

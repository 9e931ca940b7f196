/* Tests of asm/depfile: make rules of an assembly's inputs and includes,
 * in the form gcc -MD writes. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "depfile.h"

/* The rule as text (caller frees). */
static char *rule(const char *target, int quote, const dep_list *l, int phony)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    ck_assert_ptr_nonnull(f);
    dep_write(f, target, quote, l, phony);
    fclose(f);
    return text;
}

START_TEST(test_inputs_come_first_then_includes_each_once)
{
    dep_list l = {0};
    dep_add_input(&l, "k.vasm");
    dep_add_include(&l, "inc/a.inc");
    dep_add_include(&l, "inc/b.inc");
    dep_add_include(&l, "inc/a.inc");    /* read again: listed once */
    dep_on_include(&l, "k.vasm");        /* a file including the source itself */
    char *text = rule("k.bin", 1, &l, 0);
    ck_assert_str_eq(text, "k.bin: k.vasm inc/a.inc inc/b.inc\n");
    free(text);
    dep_free(&l);
}
END_TEST

START_TEST(test_phony_rules_name_every_include_but_not_the_inputs)
{
    dep_list l = {0};
    dep_add_input(&l, "a.vasm");
    dep_add_input(&l, "b.vo");
    dep_add_include(&l, "x.inc");
    char *text = rule("k.bin", 1, &l, 1);
    ck_assert_str_eq(text, "k.bin: a.vasm b.vo x.inc\n\nx.inc:\n");
    free(text);
    dep_free(&l);
}
END_TEST

START_TEST(test_names_are_escaped_for_make_and_a_given_target_is_not)
{
    dep_list l = {0};
    dep_add_input(&l, "my file.vasm");
    dep_add_include(&l, "c$#.inc");
    char *text = rule("out put.bin", 1, &l, 0);
    ck_assert_str_eq(text, "out\\ put.bin: my\\ file.vasm c$$\\#.inc\n");
    free(text);
    text = rule("all img", 0, &l, 0);   /* -MT: two targets, as written */
    ck_assert_str_eq(text, "all img: my\\ file.vasm c$$\\#.inc\n");
    free(text);
    dep_free(&l);
}
END_TEST

START_TEST(test_long_rules_are_wrapped_with_a_backslash)
{
    dep_list l = {0};
    char name[32];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, "include/file%02d.inc", i);
        dep_add_include(&l, name);
    }
    char *text = rule("k.bin", 1, &l, 0);
    /* Every line but the last ends in " \", none is wider than gcc's 75
     * columns, and joining them gives back one rule. */
    int lines = 0;
    for (char *line = text, *end; *line; line = end + 1, lines++) {
        end = strchr(line, '\n');
        ck_assert_ptr_nonnull(end);
        ck_assert_int_le(end - line, 77);
        if (end[1])
            ck_assert(end - line >= 2 && end[-1] == '\\' && end[-2] == ' ');
    }
    ck_assert_int_gt(lines, 1);
    ck_assert_ptr_nonnull(strstr(text, " include/file19.inc\n"));
    free(text);
    dep_free(&l);
}
END_TEST

START_TEST(test_the_default_file_replaces_the_outputs_extension)
{
    static const char *const cases[][2] = {
        {"k.bin", "k.d"}, {"a.out", "a.d"}, {"out/k", "out/k.d"}, {"dir.x/k", "dir.x/k.d"},
        {".hidden", ".hidden.d"}, {"k.s.vasm", "k.s.d"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *name = dep_default_name(cases[i][0]);
        ck_assert_str_eq(name, cases[i][1]);
        free(name);
    }
}
END_TEST

static Suite *depfile_suite(void)
{
    Suite *s = suite_create("depfile");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, test_inputs_come_first_then_includes_each_once);
    tcase_add_test(tc, test_phony_rules_name_every_include_but_not_the_inputs);
    tcase_add_test(tc, test_names_are_escaped_for_make_and_a_given_target_is_not);
    tcase_add_test(tc, test_long_rules_are_wrapped_with_a_backslash);
    tcase_add_test(tc, test_the_default_file_replaces_the_outputs_extension);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(depfile_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

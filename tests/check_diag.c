/* check_diag: the one diagnostics path (common/diag.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

typedef struct {
    char *text;
    size_t size;
    FILE *f;
    diag *d;
} captured;

static void capture(captured *c)
{
    c->f = open_memstream(&c->text, &c->size);
    ck_assert_ptr_nonnull(c->f);
    c->d = diag_new(c->f, "tool");
}

static const char *output(captured *c)
{
    fflush(c->f);
    return c->text;
}

static void release(captured *c)
{
    diag_free(c->d);
    fclose(c->f);
    free(c->text);
}

static const char source[] = "first line\n\talu + 1, 2\nthird\r\nlast without newline";

START_TEST(test_error_gives_location_source_line_and_caret)
{
    captured c;
    capture(&c);
    diag_add_source(c.d, "k.vasm", source, sizeof source - 1);
    diag_loc loc = {"k.vasm", 2, 6, 3};
    diag_error(c.d, &loc, "bad %s", "thing");
    ck_assert_str_eq(output(&c), "k.vasm:2:6: error: bad thing\n"
                                 "    2 | \talu + 1, 2\n"
                                 "      | \t    ^~~\n");
    ck_assert_int_eq(diag_error_count(c.d), 1);
    release(&c);
}
END_TEST

START_TEST(test_lines_are_found_anywhere_in_the_file)
{
    captured c;
    capture(&c);
    diag_add_source(c.d, "k.vasm", source, sizeof source - 1);
    diag_loc third = {"k.vasm", 3, 0, 0}, last = {"k.vasm", 4, 1, 4}, beyond = {"k.vasm", 5, 1, 1};
    diag_note(c.d, &third, "n");
    diag_note(c.d, &last, "n");
    diag_note(c.d, &beyond, "n");
    /* a CR before the newline is not shown; a line past the end shows none */
    ck_assert_str_eq(output(&c), "k.vasm:3: note: n\n"
                                 "    3 | third\n"
                                 "k.vasm:4:1: note: n\n"
                                 "    4 | last without newline\n"
                                 "      | ^~~~\n"
                                 "k.vasm:5:1: note: n\n");
    ck_assert_int_eq(diag_error_count(c.d), 0);
    release(&c);
}
END_TEST

START_TEST(test_unregistered_file_and_no_location)
{
    captured c;
    capture(&c);
    diag_loc loc = {"a.vo", 7, 0, 0};
    diag_error(c.d, &loc, "undefined symbol 'x'");
    diag_error(c.d, NULL, "no input files");
    ck_assert_str_eq(output(&c), "a.vo:7: error: undefined symbol 'x'\n"
                                 "tool: error: no input files\n");
    ck_assert_int_eq(diag_error_count(c.d), 2);
    release(&c);
}
END_TEST

START_TEST(test_warning_is_named_and_werror_makes_it_an_error)
{
    captured c;
    capture(&c);
    diag_warning(c.d, NULL, "double-write", "w1");
    diag_set_werror(c.d, 1);
    diag_warning(c.d, NULL, "double-write", "w2");
    ck_assert_str_eq(output(&c), "tool: warning: w1 [-Wdouble-write]\n"
                                 "tool: error: w2 [-Werror,-Wdouble-write]\n");
    ck_assert_int_eq(diag_warning_count(c.d), 1);
    ck_assert_int_eq(diag_error_count(c.d), 1);
    release(&c);
}
END_TEST

static Suite *diag_suite(void)
{
    Suite *s = suite_create("diag");
    TCase *tc = tcase_create("messages");
    tcase_add_test(tc, test_error_gives_location_source_line_and_caret);
    tcase_add_test(tc, test_lines_are_found_anywhere_in_the_file);
    tcase_add_test(tc, test_unregistered_file_and_no_location);
    tcase_add_test(tc, test_warning_is_named_and_werror_makes_it_an_error);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(diag_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

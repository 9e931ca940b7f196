/* Tests of common/srclines: source lines by number, from text handed in or
 * read from disk. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srclines.h"
#include "testdir.h"

static void expect_line(src_cache *c, const char *file, uint32_t line, const char *want)
{
    int len = -1;
    const char *text = src_line(c, file, line, &len);
    if (!want) {
        ck_assert_ptr_null(text);
        return;
    }
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(len, (int)strlen(want));
    ck_assert_mem_eq(text, want, strlen(want));
}

START_TEST(test_lines_are_numbered_from_one_without_their_line_breaks)
{
    src_cache *c = src_cache_new();
    const char *text = "first\r\n\nthird\nlast without a newline";
    src_cache_add_text(c, "<stdin>", text, strlen(text));
    ck_assert_int_eq(src_line_count(c, "<stdin>", NULL), 4);
    expect_line(c, "<stdin>", 1, "first");
    expect_line(c, "<stdin>", 2, "");
    expect_line(c, "<stdin>", 3, "third");
    expect_line(c, "<stdin>", 4, "last without a newline");
    expect_line(c, "<stdin>", 0, NULL);
    expect_line(c, "<stdin>", 5, NULL);
    src_cache_free(c);
}
END_TEST

START_TEST(test_files_are_read_from_disk_once_and_unreadable_ones_say_why)
{
    char dir[4096], path[4200];
    testdir_make(dir, sizeof dir, "srclines");
    snprintf(path, sizeof path, "%s/a.vasm", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("one\ntwo\n", f);
    fclose(f);
    src_cache *c = src_cache_new();
    ck_assert_int_eq(src_line_count(c, path, NULL), 2);
    remove(path);   /* kept from the first read */
    expect_line(c, path, 2, "two");
    int err = 0;
    snprintf(path, sizeof path, "%s/missing.vasm", dir);
    ck_assert_int_eq(src_line_count(c, path, &err), -1);
    ck_assert_int_eq(err, ENOENT);
    expect_line(c, path, 1, NULL);
    ck_assert_int_eq(src_line_count(c, "<stdin>", &err), -1);   /* never read from disk */
    ck_assert_int_eq(err, 0);
    src_cache_free(c);
    testdir_remove(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("srclines");
    TCase *tc = tcase_create("lines");
    tcase_add_test(tc, test_lines_are_numbered_from_one_without_their_line_breaks);
    tcase_add_test(tc, test_files_are_read_from_disk_once_and_unreadable_ones_say_why);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

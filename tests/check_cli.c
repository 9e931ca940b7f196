/* Tests of common/cli: the option syntax the four tools share and the
 * check that no output replaces an input (docs/cli.md). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "testdir.h"

enum { OPT_MAP = 256, OPT_TRACE };

static const cli_option options[] = {
    {'o', 'o', "output", CLI_ARG},
    {'s', 's', "strip", CLI_NO_ARG},
    {'O', 'O', NULL, CLI_OPTIONAL_ARG},
    {OPT_MAP, 0, "map", CLI_ARG},
    {OPT_TRACE, 0, "trace", CLI_OPTIONAL_ARG},
    {0, 0, NULL, CLI_NO_ARG},
};

/* Parses a NULL-terminated argument list into "id=value" words joined by
 * spaces ("@" for an operand, "!" for a bad argument), so each case reads
 * as one string.  Usage errors go to standard error, unread here. */
static const char *parse(const char **args)
{
    static char result[256];
    char *argv[16] = {(char *)"tool"};
    int argc = 1;
    while (args[argc - 1])
        argv[argc] = (char *)args[argc - 1], argc++;
    cli_parser p;
    cli_init(&p, "tool", options, argc, argv);
    result[0] = '\0';
    for (int id; (id = cli_next(&p)) != CLI_END;) {
        char word[64];
        if (id == CLI_BAD)
            snprintf(word, sizeof word, "!");
        else if (id == CLI_OPERAND)
            snprintf(word, sizeof word, "@%s", p.value);
        else
            snprintf(word, sizeof word, "%d=%s", id, p.value ? p.value : "-none-");
        if (result[0])
            strcat(result, " ");
        strcat(result, word);
        if (id == CLI_BAD)
            break;
    }
    return result;
}

#define PARSE(...) parse((const char *[]){__VA_ARGS__, NULL})

START_TEST(test_a_value_follows_as_the_next_argument_after_an_equals_sign_or_attached)
{
    ck_assert_str_eq(PARSE("-o", "x"), "111=x");
    ck_assert_str_eq(PARSE("-ox"), "111=x");
    ck_assert_str_eq(PARSE("--output", "x"), "111=x");
    ck_assert_str_eq(PARSE("--output=x"), "111=x");
    ck_assert_str_eq(PARSE("--output="), "111=");
    ck_assert_str_eq(PARSE("--map", "-"), "256=-");
}
END_TEST

START_TEST(test_an_optional_value_is_only_taken_after_an_equals_sign_or_attached)
{
    ck_assert_str_eq(PARSE("--trace", "k.bin"), "257=-none- @k.bin");
    ck_assert_str_eq(PARSE("--trace=t.json", "k.bin"), "257=t.json @k.bin");
    ck_assert_str_eq(PARSE("-O", "2"), "79=-none- @2");
    ck_assert_str_eq(PARSE("-O2"), "79=2");
}
END_TEST

START_TEST(test_dash_is_an_operand_and_double_dash_ends_the_options)
{
    ck_assert_str_eq(PARSE("-", "-s"), "@- 115=-none-");
    ck_assert_str_eq(PARSE("--", "-s", "--"), "@-s @--");
}
END_TEST

START_TEST(test_unknown_abbreviated_bundled_and_valueless_options_are_refused)
{
    ck_assert_str_eq(PARSE("--frob"), "!");
    ck_assert_str_eq(PARSE("--out", "x"), "!");     /* no abbreviations */
    ck_assert_str_eq(PARSE("-ss"), "!");            /* no bundling */
    ck_assert_str_eq(PARSE("--strip=1"), "!");      /* takes no value */
    ck_assert_str_eq(PARSE("-o"), "!");             /* value missing */
    ck_assert_str_eq(PARSE("--map"), "!");
}
END_TEST

START_TEST(test_color_is_auto_always_or_never_and_auto_needs_a_terminal)
{
    cli_color mode;
    ck_assert_int_eq(cli_parse_color("tool", "diagnostics-color", &mode), 0);
    ck_assert_int_eq(mode, CLI_COLOR_ALWAYS);
    ck_assert_int_eq(cli_parse_color("tool", "diagnostics-color=never", &mode), 0);
    ck_assert_int_eq(mode, CLI_COLOR_NEVER);
    ck_assert_int_eq(cli_parse_color("tool", "no-diagnostics-color", &mode), 0);
    ck_assert_int_eq(mode, CLI_COLOR_NEVER);
    ck_assert_int_eq(cli_parse_color("tool", "diagnostics-color=auto", &mode), 0);
    ck_assert_int_eq(mode, CLI_COLOR_AUTO);
    ck_assert_int_eq(cli_parse_color("tool", "diagnostics-color=sometimes", &mode), -1);
    ck_assert_int_eq(cli_parse_color("tool", "frob", &mode), -1);
    FILE *f = tmpfile();
    ck_assert_int_eq(cli_use_color(CLI_COLOR_AUTO, f), 0);   /* not a terminal */
    ck_assert_int_eq(cli_use_color(CLI_COLOR_ALWAYS, f), 1);
    ck_assert_int_eq(cli_use_color(CLI_COLOR_NEVER, f), 0);
    fclose(f);
}
END_TEST

START_TEST(test_an_output_is_the_same_file_as_an_input_by_path_or_by_inode)
{
    char dir[256], a[300], b[300], link_name[300];
    testdir_make(dir, sizeof dir, "check_cli");
    snprintf(a, sizeof a, "%s/a", dir);
    snprintf(b, sizeof b, "%s/b", dir);
    snprintf(link_name, sizeof link_name, "%s/hard", dir);
    FILE *f = fopen(a, "w");
    fputs("x", f);
    fclose(f);
    ck_assert_int_eq(link(a, link_name), 0);
    ck_assert_int_eq(cli_same_file(a, a), 1);
    ck_assert_int_eq(cli_same_file(a, link_name), 1);
    ck_assert_int_eq(cli_same_file(a, b), 0);             /* b does not exist */
    ck_assert_int_eq(cli_same_file("-", "-"), 0);         /* streams */
    ck_assert_int_eq(cli_same_file("/dev/null", "/dev/null"), 0);
    const char *inputs[] = {b, a}, *outputs[] = {NULL, link_name};
    ck_assert_int_eq(cli_check_outputs("tool", inputs, 2, outputs, 2), -1);
    const char *two[] = {b, b};
    ck_assert_int_eq(cli_check_outputs("tool", inputs + 1, 1, two, 2), -1);   /* two outputs, one file */
    ck_assert_int_eq(cli_check_outputs("tool", inputs + 1, 1, two, 1), 0);
    testdir_remove(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("options");
    tcase_add_test(tc, test_a_value_follows_as_the_next_argument_after_an_equals_sign_or_attached);
    tcase_add_test(tc, test_an_optional_value_is_only_taken_after_an_equals_sign_or_attached);
    tcase_add_test(tc, test_dash_is_an_operand_and_double_dash_ends_the_options);
    tcase_add_test(tc, test_unknown_abbreviated_bundled_and_valueless_options_are_refused);
    tcase_add_test(tc, test_color_is_auto_always_or_never_and_auto_needs_a_terminal);
    tcase_add_test(tc, test_an_output_is_the_same_file_as_an_input_by_path_or_by_inode);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* check_diag: the one diagnostics path (common/diag.c). */
#define _GNU_SOURCE   /* fopencookie */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "testdir.h"

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

/* Line N of long_text: long lines (more than a block of the line index)
 * between runs of short and empty ones, so that index entries fall at
 * the start, the middle and the end of blocks, and in blocks with no
 * line end at all. */
static size_t long_text_line(int n, char *out)
{
    if (n % 7 == 0)
        return (size_t)sprintf(out, "line %d %0300d\n", n, 0);
    if (n % 3 == 0)
        return (size_t)sprintf(out, "\n");
    return (size_t)sprintf(out, "line %d\n", n);
}

START_TEST(test_every_line_of_a_long_file_is_found_in_any_order)
{
    enum { LINES = 700 };
    static char text[LINES * 320];
    size_t len = 0;
    for (int n = 1; n <= LINES; n++)
        len += long_text_line(n, text + len);
    captured c;
    capture(&c);
    diag_add_source(c.d, "long.vasm", text, len);
    /* Every line, in an order that jumps back and forth (277 is prime to 700). */
    for (int i = 0; i < LINES; i++) {
        int line = 1 + (i * 277) % LINES;
        size_t before = strlen(output(&c));
        diag_loc loc = {"long.vasm", line, 0, 0};
        diag_warning(c.d, &loc, NULL, "w");   /* (a note shows only under one) */
        char want[400], body[340];
        size_t body_len = long_text_line(line, body) - 1;
        /* (a long line is shown as a window: its start is enough) */
        int shown = body_len < 40 ? (int)body_len : 40;
        snprintf(want, sizeof want, "long.vasm:%d: warning: w\n%5d | %.*s%s", line, line, shown, body,
                 shown == (int)body_len ? "\n" : "");
        ck_assert_msg(strncmp(output(&c) + before, want, strlen(want)) == 0, "line %d: got \"%.80s\"", line,
                      output(&c) + before);
    }
    /* In order, each line twice (a note on the warning's line), and with
     * gaps, as a run reports: found from the line before as well. */
    for (int line = 1; line <= LINES; line += 1 + line % 5) {
        for (int twice = 0; twice < 2; twice++) {
            size_t before = strlen(output(&c));
            diag_loc loc = {"long.vasm", line, 0, 0};
            if (twice)
                diag_note(c.d, &loc, "n");
            else
                diag_warning(c.d, &loc, NULL, "w");
            char want[400], body[340];
            size_t body_len = long_text_line(line, body) - 1;
            int shown = body_len < 40 ? (int)body_len : 40;
            snprintf(want, sizeof want, "long.vasm:%d: %s\n%5d | %.*s%s", line, twice ? "note: n" : "warning: w",
                     line, shown, body, shown == (int)body_len ? "\n" : "");
            ck_assert_msg(strncmp(output(&c) + before, want, strlen(want)) == 0, "line %d: got \"%.80s\"", line,
                          output(&c) + before);
        }
    }
    diag_loc beyond = {"long.vasm", LINES + 1, 0, 0};
    size_t before = strlen(output(&c));
    diag_warning(c.d, &beyond, NULL, "w");   /* (the note shows under it) */
    before = strlen(output(&c));
    diag_note(c.d, &beyond, "n");
    ck_assert_str_eq(output(&c) + before, "long.vasm:701: note: n\n");
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

START_TEST(test_a_message_about_a_whole_file_leads_with_the_tool)
{
    captured c;
    capture(&c);
    diag_loc loc = {"a.vo", 0, 0, 0};
    diag_error(c.d, &loc, "bad magic");
    ck_assert_str_eq(output(&c), "tool: error: a.vo: bad magic\n");
    release(&c);
}
END_TEST

START_TEST(test_werror_for_one_flag_overrides_the_general_setting)
{
    captured c;
    capture(&c);
    diag_set_werror_flag(c.d, "user", 1);
    diag_warning(c.d, NULL, "user", "u1");
    diag_warning(c.d, NULL, "double-write", "d1");
    diag_set_werror(c.d, 1);
    diag_set_werror_flag(c.d, "double-write", 0);
    diag_warning(c.d, NULL, "double-write", "d2");
    ck_assert_str_eq(output(&c), "tool: error: u1 [-Werror,-Wuser]\n"
                                 "tool: warning: d1 [-Wdouble-write]\n"
                                 "tool: warning: d2 [-Wdouble-write]\n");
    ck_assert_int_eq(diag_error_count(c.d), 1);
    ck_assert_int_eq(diag_warning_count(c.d), 2);
    release(&c);
}
END_TEST

START_TEST(test_the_summary_counts_errors_and_warnings_and_is_silent_without_any)
{
    captured c;
    capture(&c);
    diag_print_summary(c.d);
    ck_assert_ptr_null(c.text && *output(&c) ? c.text : NULL);
    diag_error(c.d, NULL, "e");
    diag_error(c.d, NULL, "e");
    diag_warning(c.d, NULL, "user", "w");
    diag_print_summary(c.d);
    ck_assert_ptr_nonnull(strstr(output(&c), "tool: 2 errors and 1 warning generated.\n"));
    release(&c);
    capture(&c);
    diag_warning(c.d, NULL, "user", "w");
    diag_print_summary(c.d);
    ck_assert_ptr_nonnull(strstr(output(&c), "tool: 1 warning generated.\n"));
    release(&c);
}
END_TEST

START_TEST(test_colour_marks_the_kind_the_text_and_the_caret_and_is_off_by_default)
{
    captured c;
    capture(&c);
    diag_add_source(c.d, "k.vasm", source, strlen(source));
    diag_loc loc = {"k.vasm", 1, 1, 5};
    diag_error(c.d, &loc, "plain");
    ck_assert_ptr_null(strchr(output(&c), '\033'));
    diag_set_color(c.d, 1);
    diag_error(c.d, &loc, "coloured");
    const char *out = output(&c);
    ck_assert_ptr_nonnull(strstr(out, "\033[1mk.vasm:1:1: \033[1;31merror: \033[0m\033[1mcoloured\033[0m\n"));
    ck_assert_ptr_nonnull(strstr(out, "\033[1;32m^~~~~\033[0m"));
    release(&c);
}
END_TEST

START_TEST(test_lines_of_unregistered_files_are_read_from_disk_only_when_asked)
{
    char dir[256], path[300];
    testdir_make(dir, sizeof dir, "check_diag");
    snprintf(path, sizeof path, "%s/m.vasm", dir);
    FILE *f = fopen(path, "w");
    fputs("first\n    flow jump helper\n", f);
    fclose(f);
    captured c;
    capture(&c);
    diag_loc loc = {path, 2, 0, 0};
    diag_error(c.d, &loc, "undefined symbol 'helper'");
    ck_assert_ptr_null(strstr(output(&c), "flow jump helper"));
    diag_read_sources(c.d, 1);
    diag_error(c.d, &loc, "undefined symbol 'helper' (read from disk)");
    ck_assert_ptr_nonnull(strstr(output(&c), "    2 |     flow jump helper\n"));
    release(&c);
    testdir_remove(dir);
}
END_TEST

START_TEST(test_a_dropped_source_is_quoted_from_disk_and_kept_when_disk_is_not_read)
{
    char dir[256], path[300];
    testdir_make(dir, sizeof dir, "check_diag");
    snprintf(path, sizeof path, "%s/m.vasm", dir);
    FILE *f = fopen(path, "w");
    fputs("on disk\n", f);
    fclose(f);
    static const char registered[] = "in memory\n";
    diag_loc loc = {path, 1, 0, 0};
    captured c;
    capture(&c);
    diag_add_source(c.d, path, registered, sizeof registered - 1);
    diag_drop_source(c.d, path);   /* disk not read: the text stays */
    diag_error(c.d, &loc, "one");
    ck_assert_ptr_nonnull(strstr(output(&c), "    1 | in memory\n"));
    diag_read_sources(c.d, 1);
    diag_drop_source(c.d, path);
    diag_error(c.d, &loc, "two");
    ck_assert_ptr_nonnull(strstr(output(&c), "    1 | on disk\n"));
    release(&c);
    testdir_remove(dir);
}
END_TEST

START_TEST(test_held_messages_come_out_in_source_order_with_their_notes)
{
    captured c;
    capture(&c);
    diag_hold(c.d);
    diag_loc l5 = {"a.vasm", 5, 1, 1}, l2 = {"a.vasm", 2, 7, 1}, l2b = {"a.vasm", 2, 3, 1};
    diag_loc other = {"b.vasm", 1, 1, 1};
    diag_error(c.d, &l5, "five");
    diag_note(c.d, &l2, "note of five");
    diag_error(c.d, &l2, "two, column 7");
    diag_error(c.d, NULL, "no place");
    diag_error(c.d, &other, "other file");
    diag_error(c.d, &l2b, "two, column 3");
    ck_assert_str_eq(output(&c) ? output(&c) : "", "");   /* nothing yet */
    diag_flush(c.d);
    ck_assert_str_eq(output(&c), "a.vasm:2:3: error: two, column 3\n"
                                 "a.vasm:2:7: error: two, column 7\n"
                                 "a.vasm:5:1: error: five\n"
                                 "a.vasm:2:7: note: note of five\n"
                                 "b.vasm:1:1: error: other file\n"
                                 "tool: error: no place\n");
    diag_error(c.d, &l5, "after the flush: at once");
    ck_assert_ptr_nonnull(strstr(output(&c), "after the flush"));
    release(&c);
}
END_TEST

/* A stream that counts the writes it is given. */
typedef struct {
    int writes;
    char text[512];
    size_t len;
} write_log;

static ssize_t log_write(void *cookie, const char *buf, size_t size)
{
    write_log *w = cookie;
    w->writes++;
    size_t n = size < sizeof w->text - 1 - w->len ? size : sizeof w->text - 1 - w->len;
    memcpy(w->text + w->len, buf, n);
    w->len += n;
    w->text[w->len] = '\0';
    return (ssize_t)size;
}

START_TEST(test_a_message_is_written_in_one_call_even_unbuffered)
{
    write_log w = {0};
    FILE *f = fopencookie(&w, "w", (cookie_io_functions_t){.write = log_write});
    ck_assert_ptr_nonnull(f);
    setvbuf(f, NULL, _IONBF, 0);   /* like stderr */
    diag *d = diag_new(f, "tool");
    diag_add_source(d, "k.vasm", source, sizeof source - 1);
    diag_loc loc = {"k.vasm", 2, 6, 3};
    diag_warning(d, &loc, "double-write", "%s %d", "slot", 2);
    ck_assert_int_eq(w.writes, 1);
    ck_assert_str_eq(w.text, "k.vasm:2:6: warning: slot 2 [-Wdouble-write]\n"
                             "    2 | \talu + 1, 2\n"
                             "      | \t    ^~~\n");
    diag_free(d);
    fclose(f);
}
END_TEST

/* A stream that checks each write it is given ends a message. */
typedef struct {
    int writes, split;
    size_t bytes;
} chunk_log;

static ssize_t chunk_write(void *cookie, const char *buf, size_t size)
{
    chunk_log *w = cookie;
    w->writes++;
    w->bytes += size;
    w->split |= size == 0 || buf[size - 1] != '\n';
    return (ssize_t)size;
}

START_TEST(test_held_messages_are_written_whole_a_large_chunk_at_a_time)
{
    chunk_log w = {0};
    FILE *f = fopencookie(&w, "w", (cookie_io_functions_t){.write = chunk_write});
    ck_assert_ptr_nonnull(f);
    setvbuf(f, NULL, _IONBF, 0);   /* like stderr */
    diag *d = diag_new(f, "tool");
    diag_add_source(d, "k.vasm", source, sizeof source - 1);
    diag_hold(d);
    for (int i = 0; i < 3000; i++) {   /* about 250 KB: each message differs, none is a repeat */
        diag_loc loc = {"k.vasm", 2, 6, 3};
        diag_warning(d, &loc, "double-write", "warning number %d of many", i);
        diag_note(d, &loc, "its note");
    }
    ck_assert_int_eq(w.writes, 0);
    diag_flush(d);
    ck_assert_int_gt(w.bytes, 200000);
    ck_assert_int_le(w.writes, (int)(w.bytes / 65536) + 1);
    ck_assert_int_eq(w.split, 0);
    diag_free(d);
    fclose(f);
}
END_TEST

START_TEST(test_a_message_longer_than_the_first_buffer_is_whole)
{
    captured c;
    capture(&c);
    char long_name[3000];
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    diag_error(c.d, NULL, "unknown symbol '%s'", long_name);
    const char *out = output(&c);
    ck_assert_uint_eq(strlen(out), strlen("tool: error: unknown symbol ''\n") + sizeof long_name - 1);
    ck_assert_ptr_nonnull(strstr(out, long_name));
    release(&c);
}
END_TEST

START_TEST(test_a_long_line_is_shown_as_a_window_around_the_caret)
{
    captured c;
    capture(&c);
    /* 10,000 columns: "x" everywhere, "HERE" at column 5001 */
    char *line = malloc(10001);
    memset(line, 'x', 10000);
    memcpy(line + 5000, "HERE", 4);
    line[10000] = '\0';
    diag_add_source(c.d, "k.vasm", line, 10000);
    diag_loc loc = {"k.vasm", 1, 5001, 4};
    diag_error(c.d, &loc, "bad");
    const char *out = output(&c);
    ck_assert_uint_lt(strlen(out), 400);
    const char *src = strstr(out, "    1 | ...");
    ck_assert_ptr_nonnull(src);
    const char *here = strstr(src, "HERE");
    ck_assert_ptr_nonnull(here);
    ck_assert_ptr_nonnull(strstr(here, "...\n"));
    /* the caret stands under the H */
    const char *caret_line = strchr(src, '\n') + 1;
    ck_assert_int_eq(strchr(caret_line, '^') - caret_line, here - src);
    ck_assert_ptr_nonnull(strstr(caret_line, "^~~~\n"));
    free(line);
    release(&c);
}
END_TEST

START_TEST(test_a_short_line_is_shown_whole)
{
    captured c;
    capture(&c);
    char line[121];
    memset(line, 'y', 120);
    line[120] = '\0';
    diag_add_source(c.d, "k.vasm", line, 120);
    diag_loc loc = {"k.vasm", 1, 120, 1};
    diag_error(c.d, &loc, "bad");
    ck_assert_ptr_null(strstr(output(&c), "..."));
    ck_assert_ptr_nonnull(strstr(output(&c), line));
    release(&c);
}
END_TEST

static int count_of(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, what)); p++)
        n++;
    return n;
}

START_TEST(test_notes_under_one_error_are_capped_with_a_count)
{
    captured c;
    capture(&c);
    diag_error(c.d, NULL, "too many slots");
    for (int i = 0; i < 100000; i++)
        diag_note(c.d, NULL, "slot %d", i);
    diag_error(c.d, NULL, "next");
    diag_note(c.d, NULL, "a note of the next error");
    const char *out = output(&c);
    ck_assert_int_eq(count_of(out, "note: slot"), 10);
    ck_assert_ptr_nonnull(strstr(out, "tool: note: ... and 99,990 more notes\ntool: error: next\n"));
    ck_assert_ptr_nonnull(strstr(out, "a note of the next error"));
    release(&c);
}
END_TEST

START_TEST(test_a_repeated_error_is_shown_once_then_counted)
{
    captured c;
    capture(&c);
    diag_loc a = {"k.vasm", 2, 1, 1}, b = {"k.vasm", 3, 1, 1};
    for (int i = 0; i < 1000; i++) {
        diag_error(c.d, &a, "bad a");
        diag_note(c.d, NULL, "in repetition %d", i);
        diag_error(c.d, &b, "bad b");
    }
    ck_assert_int_eq(diag_error_count(c.d), 2000);
    diag_flush(c.d);
    const char *out = output(&c);
    ck_assert_int_eq(count_of(out, "error: bad a"), 1);
    ck_assert_int_eq(count_of(out, "error: bad b"), 1);
    ck_assert_int_eq(count_of(out, "in repetition"), 1);
    ck_assert_ptr_nonnull(strstr(out, "k.vasm:2:1: note: the message here was repeated 999 more times"));
    ck_assert_ptr_nonnull(strstr(out, "k.vasm:3:1: note: the message here was repeated 999 more times"));
    release(&c);
}
END_TEST

START_TEST(test_the_error_limit_stops_the_output)
{
    captured c;
    capture(&c);
    diag_set_error_limit(c.d, 3);
    for (int i = 0; i < 10; i++)
        diag_error(c.d, NULL, "error %d", i);
    ck_assert(diag_stopped(c.d));
    diag_warning(c.d, NULL, "w", "not shown either");
    ck_assert_str_eq(output(&c), "tool: error: error 0\ntool: error: error 1\ntool: error: error 2\n"
                                 "tool: fatal error: too many errors emitted, stopping now [-ferror-limit=]\n");
    ck_assert_int_eq(diag_error_count(c.d), 10);
    release(&c);
}
END_TEST

START_TEST(test_the_default_limit_is_20_and_0_means_none)
{
    captured c;
    capture(&c);
    for (int i = 0; i < 25; i++)
        diag_error(c.d, NULL, "error %d", i);
    ck_assert_int_eq(count_of(output(&c), "tool: error:"), DIAG_DEFAULT_ERROR_LIMIT);
    ck_assert_int_eq(DIAG_DEFAULT_ERROR_LIMIT, 20);
    release(&c);
    capture(&c);
    diag_set_error_limit(c.d, 0);
    for (int i = 0; i < 1000; i++)
        diag_error(c.d, NULL, "error %d", i);
    ck_assert_int_eq(count_of(output(&c), "tool: error:"), 1000);
    ck_assert(!diag_stopped(c.d));
    release(&c);
}
END_TEST

static Suite *diag_suite(void)
{
    Suite *s = suite_create("diag");
    TCase *tc = tcase_create("messages");
    tcase_add_test(tc, test_error_gives_location_source_line_and_caret);
    tcase_add_test(tc, test_lines_are_found_anywhere_in_the_file);
    tcase_add_test(tc, test_every_line_of_a_long_file_is_found_in_any_order);
    tcase_add_test(tc, test_unregistered_file_and_no_location);
    tcase_add_test(tc, test_warning_is_named_and_werror_makes_it_an_error);
    tcase_add_test(tc, test_a_message_is_written_in_one_call_even_unbuffered);
    tcase_add_test(tc, test_held_messages_are_written_whole_a_large_chunk_at_a_time);
    tcase_add_test(tc, test_a_message_about_a_whole_file_leads_with_the_tool);
    tcase_add_test(tc, test_held_messages_come_out_in_source_order_with_their_notes);
    tcase_add_test(tc, test_lines_of_unregistered_files_are_read_from_disk_only_when_asked);
    tcase_add_test(tc, test_a_dropped_source_is_quoted_from_disk_and_kept_when_disk_is_not_read);
    tcase_add_test(tc, test_werror_for_one_flag_overrides_the_general_setting);
    tcase_add_test(tc, test_the_summary_counts_errors_and_warnings_and_is_silent_without_any);
    tcase_add_test(tc, test_colour_marks_the_kind_the_text_and_the_caret_and_is_off_by_default);
    tcase_add_test(tc, test_a_message_longer_than_the_first_buffer_is_whole);
    tcase_add_test(tc, test_a_long_line_is_shown_as_a_window_around_the_caret);
    tcase_add_test(tc, test_a_short_line_is_shown_whole);
    tcase_add_test(tc, test_notes_under_one_error_are_capped_with_a_count);
    tcase_add_test(tc, test_a_repeated_error_is_shown_once_then_counted);
    tcase_add_test(tc, test_the_error_limit_stops_the_output);
    tcase_add_test(tc, test_the_default_limit_is_20_and_0_means_none);
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

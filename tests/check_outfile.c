/*
 * check_outfile: atomic outputs (common/outfile.c).
 *
 * Each case works in a fresh directory and judges the result by what is
 * in it afterwards: which names exist, what they hold, their mode.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"
#include "testdir.h"

static char dir[256];

static void make_dir(void) { testdir_make(dir, sizeof dir, "check_outfile"); }
static void remove_dir(void) { testdir_remove(dir); }

static void in_dir(char *path, size_t size, const char *name)
{
    snprintf(path, size, "%s/%s", dir, name);
}

/* Starts an output to name in dir; path gets the target's full name. */
static void open_in_dir(outfile *out, char *path, size_t size, const char *name)
{
    in_dir(path, size, name);
    ck_assert_int_eq(outfile_open(out, path), 0);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static int file_is(const char *path, const char *text)
{
    char buf[64] = {0};
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    return n == strlen(text) && memcmp(buf, text, n) == 0;
}

START_TEST(test_commit_replaces_an_existing_file)
{
    char path[512];
    in_dir(path, sizeof path, "k.bin");
    write_text(path, "old contents");
    struct stat before, after;
    ck_assert_int_eq(stat(path, &before), 0);

    outfile out;
    ck_assert_int_eq(outfile_open(&out, path), 0);
    fputs("new", out.f);
    ck_assert(file_is(path, "old contents"));   /* nothing shows before the commit */
    ck_assert_int_eq(outfile_commit(&out), 0);

    ck_assert(file_is(path, "new"));
    ck_assert_int_eq(stat(path, &after), 0);
    ck_assert(after.st_ino != before.st_ino);   /* renamed into place, not rewritten */
    ck_assert_int_eq(testdir_entries(dir), 1);       /* no temporary left */
}
END_TEST

/* Over an existing file the two are exchanged and the old one removed
 * (outfile.c): to every other name the old file is what it was, as with
 * a rename -- a hard link keeps the old contents, a symbolic link is
 * replaced and its target left alone. */
START_TEST(test_commit_replaces_the_name_only_and_leaves_other_links)
{
    char path[512], other[512], link_path[512], target[512];
    in_dir(path, sizeof path, "k.bin");
    in_dir(other, sizeof other, "other.bin");
    write_text(path, "old contents");
    ck_assert_int_eq(link(path, other), 0);
    outfile out;
    ck_assert_int_eq(outfile_open(&out, path), 0);
    fputs("new", out.f);
    ck_assert_int_eq(outfile_commit(&out), 0);
    ck_assert(file_is(path, "new"));
    ck_assert(file_is(other, "old contents"));
    ck_assert_int_eq(testdir_entries(dir), 2);   /* no temporary left */

    in_dir(link_path, sizeof link_path, "l.bin");
    in_dir(target, sizeof target, "target.bin");
    write_text(target, "target");
    ck_assert_int_eq(symlink("target.bin", link_path), 0);
    ck_assert_int_eq(outfile_open(&out, link_path), 0);
    fputs("through", out.f);
    ck_assert_int_eq(outfile_commit(&out), 0);
    struct stat st;
    ck_assert_int_eq(lstat(link_path, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert(file_is(link_path, "through"));
    ck_assert(file_is(target, "target"));
    ck_assert_int_eq(testdir_entries(dir), 4);
}
END_TEST

START_TEST(test_commit_creates_a_new_file)
{
    char path[512];
    outfile out;
    open_in_dir(&out, path, sizeof path, "new.bin");
    fputs("made", out.f);
    ck_assert_int_eq(outfile_commit(&out), 0);
    ck_assert(file_is(path, "made"));
    ck_assert_int_eq(testdir_entries(dir), 1);
}
END_TEST

START_TEST(test_temporary_sits_beside_the_target_and_is_named_after_it)
{
    char path[512];
    outfile out;
    open_in_dir(&out, path, sizeof path, "k.bin");
    ck_assert_ptr_nonnull(out.temp);
    ck_assert_int_eq(strncmp(out.temp, path, strlen(path)), 0);
    ck_assert_ptr_null(strchr(out.temp + strlen(path), '/'));
    ck_assert_int_eq(access(out.temp, F_OK), 0);
    ck_assert_int_eq(testdir_entries(dir), 1);   /* the temporary only */
    outfile_discard(&out);
}
END_TEST

START_TEST(test_discard_leaves_an_existing_file_and_no_temporary)
{
    char path[512];
    in_dir(path, sizeof path, "k.bin");
    write_text(path, "old contents");
    outfile out;
    ck_assert_int_eq(outfile_open(&out, path), 0);
    fputs("new", out.f);
    ck_assert_int_eq(testdir_entries(dir), 2);
    outfile_discard(&out);
    ck_assert_ptr_null(out.f);
    ck_assert(file_is(path, "old contents"));
    ck_assert_int_eq(testdir_entries(dir), 1);
    outfile_discard(&out);   /* a second discard does nothing */
    ck_assert(file_is(path, "old contents"));
}
END_TEST

START_TEST(test_discard_keeps_errno_for_the_report_that_follows)
{
    char path[512];
    outfile out;
    open_in_dir(&out, path, sizeof path, "k.bin");
    /* With the temporary already gone, discard's own unlink fails; the
     * failure the caller is about to report must survive it. */
    ck_assert_int_eq(unlink(out.temp), 0);
    errno = ERANGE;
    outfile_discard(&out);
    ck_assert_int_eq(errno, ERANGE);
    ck_assert_int_eq(testdir_entries(dir), 0);
}
END_TEST

START_TEST(test_open_in_a_missing_directory_fails_with_errno_and_leaves_nothing)
{
    char path[512];
    in_dir(path, sizeof path, "no/such/dir/k.bin");
    outfile out;
    errno = 0;
    ck_assert_int_eq(outfile_open(&out, path), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_ptr_null(out.f);
    ck_assert_ptr_null(out.temp);
    ck_assert_int_eq(testdir_entries(dir), 0);
    outfile_discard(&out);   /* safe on a failed open */
}
END_TEST

START_TEST(test_failed_rename_keeps_the_target_and_removes_the_temporary)
{
    /* A directory where the file should go: rename(2) refuses (EISDIR). */
    char sub[512], inner[600];
    in_dir(sub, sizeof sub, "sub");
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    snprintf(inner, sizeof inner, "%s/x", sub);
    write_text(inner, "x");

    outfile out;
    ck_assert_int_eq(outfile_open(&out, sub), 0);
    fputs("new", out.f);
    errno = 0;
    ck_assert_int_eq(outfile_commit(&out), -1);
    ck_assert_int_eq(errno, EISDIR);
    ck_assert_ptr_null(out.f);
    ck_assert(file_is(inner, "x"));
    ck_assert_int_eq(testdir_entries(dir), 1);   /* the directory, no temporary */
}
END_TEST

START_TEST(test_an_earlier_write_error_fails_the_commit)
{
    char path[512];
    in_dir(path, sizeof path, "k.bin");
    write_text(path, "old contents");
    outfile out;
    ck_assert_int_eq(outfile_open(&out, path), 0);
    fputs("new", out.f);
    /* Reading a write-only stream is an error the stream records. */
    ck_assert_int_eq(fgetc(out.f), EOF);
    ck_assert(ferror(out.f));
    ck_assert_int_eq(outfile_commit(&out), -1);
    ck_assert(file_is(path, "old contents"));
    ck_assert_int_eq(testdir_entries(dir), 1);
}
END_TEST

/* The mode of a file committed under umask mask. */
static mode_t mode_under(mode_t mask, const char *name)
{
    char path[512];
    in_dir(path, sizeof path, name);
    mode_t old = umask(mask);
    outfile out;
    ck_assert_int_eq(outfile_open(&out, path), 0);
    ck_assert_int_eq(outfile_commit(&out), 0);
    umask(old);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    return st.st_mode & 07777;
}

START_TEST(test_committed_file_mode_follows_the_umask)
{
    /* open(2) gives a new file 0666 minus the umask; mkstemp alone would
     * give 0600 whatever the umask. */
    ck_assert_uint_eq(mode_under(022, "a"), 0644);
    ck_assert_uint_eq(mode_under(027, "b"), 0640);
    ck_assert_uint_eq(mode_under(0, "c"), 0666);
    ck_assert_uint_eq(mode_under(077, "d"), 0600);
}
END_TEST

START_TEST(test_dash_is_standard_output_and_creates_no_file)
{
    char cwd[512];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(chdir(dir), 0);
    outfile out;
    ck_assert_int_eq(outfile_open(&out, "-"), 0);
    ck_assert_ptr_eq(out.f, stdout);
    ck_assert_ptr_null(out.temp);
    ck_assert_int_eq(outfile_commit(&out), 0);
    ck_assert_ptr_null(out.f);
    ck_assert_int_eq(testdir_entries("."), 0);
    ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

START_TEST(test_committing_a_finished_output_fails)
{
    char path[512];
    outfile out;
    open_in_dir(&out, path, sizeof path, "k.bin");
    ck_assert_int_eq(outfile_commit(&out), 0);
    errno = 0;
    ck_assert_int_eq(outfile_commit(&out), -1);
    ck_assert_int_eq(errno, EBADF);
}
END_TEST

START_TEST(test_a_fifo_or_device_is_written_in_place_not_replaced)
{
    /* A FIFO stands for /dev/null and friends, which a test must not risk. */
    char path[512];
    in_dir(path, sizeof path, "pipe");
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    int reader = open(path, O_RDONLY | O_NONBLOCK);   /* so the writer's open does not block */
    ck_assert_int_ge(reader, 0);
    outfile out;
    ck_assert_int_eq(outfile_open(&out, path), 0);
    ck_assert_ptr_null(out.temp);
    fputs("through", out.f);
    ck_assert_int_eq(outfile_commit(&out), 0);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_msg(S_ISFIFO(st.st_mode), "the FIFO was replaced by a file");
    char got[16] = {0};
    ck_assert_int_eq(read(reader, got, sizeof got - 1), 7);
    ck_assert_str_eq(got, "through");
    close(reader);
    ck_assert_int_eq(testdir_entries(dir), 1);
}
END_TEST

static Suite *outfile_suite(void)
{
    Suite *s = suite_create("outfile");
    TCase *files = tcase_create("files");
    tcase_add_checked_fixture(files, make_dir, remove_dir);
    tcase_add_test(files, test_commit_replaces_an_existing_file);
    tcase_add_test(files, test_commit_replaces_the_name_only_and_leaves_other_links);
    tcase_add_test(files, test_commit_creates_a_new_file);
    tcase_add_test(files, test_temporary_sits_beside_the_target_and_is_named_after_it);
    tcase_add_test(files, test_discard_leaves_an_existing_file_and_no_temporary);
    tcase_add_test(files, test_discard_keeps_errno_for_the_report_that_follows);
    tcase_add_test(files, test_open_in_a_missing_directory_fails_with_errno_and_leaves_nothing);
    tcase_add_test(files, test_failed_rename_keeps_the_target_and_removes_the_temporary);
    tcase_add_test(files, test_an_earlier_write_error_fails_the_commit);
    tcase_add_test(files, test_committed_file_mode_follows_the_umask);
    tcase_add_test(files, test_dash_is_standard_output_and_creates_no_file);
    tcase_add_test(files, test_committing_a_finished_output_fails);
    tcase_add_test(files, test_a_fifo_or_device_is_written_in_place_not_replaced);
    suite_add_tcase(s, files);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(outfile_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

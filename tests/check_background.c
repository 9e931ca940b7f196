/* Tests of common/background: the helper thread's jobs, their order and
 * their tickets, with and without the thread. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "background.h"

/* A log of the jobs that ran, in the order they ran. */
enum { MOST = 1000 };
static int ran[MOST];
static size_t nran;

static void log_job(void *p, size_t n, void *ctx)
{
    (void)p;
    (void)ctx;
    if (n % 7 == 0) {   /* some jobs take a while, so that posters get ahead */
        struct timespec t = {0, 200000};
        nanosleep(&t, NULL);
    }
    ran[nran++] = (int)n;
}

static void check_log(size_t expect)
{
    ck_assert_uint_eq(nran, expect);
    for (size_t i = 0; i < nran; i++)
        ck_assert_int_eq(ran[i], (int)i);
}

START_TEST(test_jobs_run_one_at_a_time_in_the_order_posted)
{
    nran = 0;
    bg_ticket tickets[200];
    for (size_t i = 0; i < 200; i++)   /* more than the queue holds: posters wait for room */
        tickets[i] = bg_post(log_job, NULL, i, NULL);
    bg_wait_for(tickets[99]);
    ck_assert_uint_ge(nran, 100);   /* that job and every one before it */
    for (size_t i = 0; i < 100; i++)
        ck_assert_int_eq(ran[i], (int)i);
    bg_wait();
    check_log(200);
}
END_TEST

START_TEST(test_without_the_thread_a_job_has_run_when_post_returns)
{
    nran = 0;
    for (size_t i = 0; i < 50; i++)
        bg_post(log_job, NULL, i, NULL);
    bg_set_enabled(0);   /* waits for those first */
    check_log(50);
    for (size_t i = 50; i < 60; i++) {
        bg_ticket t = bg_post(log_job, NULL, i, NULL);
        check_log(i + 1);
        bg_wait_for(t);   /* (returns at once) */
    }
    bg_set_enabled(1);
    for (size_t i = 60; i < 100; i++)
        bg_post(log_job, NULL, i, NULL);
    bg_wait();
    check_log(100);
}
END_TEST

/* A child of fork has no helper thread of its own until it posts: its
 * jobs run, and it exits without waiting for its parent's. */
START_TEST(test_a_child_of_fork_runs_its_own_jobs)
{
    nran = 0;
    for (size_t i = 0; i < 20; i++)
        bg_post(log_job, NULL, i, NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        size_t from = nran;
        bg_post(log_job, NULL, from, NULL);
        bg_wait();
        _exit(nran == from + 1 && ran[from] == (int)from ? 0 : 1);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    bg_wait();
    check_log(20);
}
END_TEST

int main(void)
{
    bg_set_enabled(1);   /* the thread, even where one CPU is online */
    Suite *s = suite_create("background");
    TCase *tc = tcase_create("jobs");
    tcase_add_test(tc, test_jobs_run_one_at_a_time_in_the_order_posted);
    tcase_add_test(tc, test_without_the_thread_a_job_has_run_when_post_returns);
    tcase_add_test(tc, test_a_child_of_fork_runs_its_own_jobs);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

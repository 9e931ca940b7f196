/*
 * background: one helper thread for work whose result the caller only
 * needs later, so that it runs beside the caller on another CPU: asking
 * the kernel for the pages of a buffer ahead of its writer, writing out a
 * full window of an image.  Most of that work is the kernel's (zeroing
 * and accounting pages, copying into the page cache), and it would
 * otherwise stop the assembler for a tenth of its run.
 *
 * Jobs run one at a time, in the order they were posted.  Each post
 * returns a ticket; bg_wait_for(ticket) returns once that job and every
 * one before it has finished, and everything the job wrote is then
 * visible to the caller.  Without the thread -- one CPU online,
 * bg_set_enabled(0), or a thread that could not be started -- bg_post runs
 * the job itself before it returns: every result is the same either way,
 * only the time differs.
 *
 * The thread is started on the first post and stopped (after its last
 * job) at exit.  A job must not post jobs or wait.
 */
#ifndef VLIW_BACKGROUND_H
#define VLIW_BACKGROUND_H

#include <stddef.h>
#include <stdint.h>

typedef void bg_job_fn(void *p, size_t n, void *ctx);
typedef uint64_t bg_ticket;

/* Runs fn(p, n, ctx) in the background. */
bg_ticket bg_post(bg_job_fn *fn, void *p, size_t n, void *ctx);
void bg_wait_for(bg_ticket ticket);
/* Every job posted so far has finished. */
void bg_wait(void);
/* Whether jobs go to the thread (on by default where more than one CPU is
 * online); turning it off waits for the jobs already posted. */
void bg_set_enabled(int on);

#endif

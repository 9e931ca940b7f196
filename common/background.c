/* background: the helper thread and its queue of jobs. */
#include "background.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

enum { QUEUE = 64 };   /* jobs waiting; a post beyond that waits for room */

typedef struct {
    bg_job_fn *fn;
    void *p;
    size_t n;
    void *ctx;
} job;

/* Tickets count posts: job t (from 1) sits at queue[(t - 1) % QUEUE]
 * until done reaches t.  The jobs posted while the thread was off ran at
 * once and count as done. */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t work;   /* the thread: a job or the stop */
    pthread_cond_t moved;  /* posters and waiters: a job done */
    job queue[QUEUE];
    uint64_t posted, done;
    int enabled;           /* -1: not decided yet */
    int running, stopping;
    int registered;        /* the exit and fork handlers */
    pthread_t thread;
} bg = {.lock = PTHREAD_MUTEX_INITIALIZER,
        .work = PTHREAD_COND_INITIALIZER,
        .moved = PTHREAD_COND_INITIALIZER,
        .enabled = -1};

static void *worker(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&bg.lock);
    for (;;) {
        while (bg.done == bg.posted && !bg.stopping)
            pthread_cond_wait(&bg.work, &bg.lock);
        if (bg.done == bg.posted)
            break;
        job j = bg.queue[bg.done % QUEUE];
        pthread_mutex_unlock(&bg.lock);
        j.fn(j.p, j.n, j.ctx);
        pthread_mutex_lock(&bg.lock);
        bg.done++;
        pthread_cond_broadcast(&bg.moved);
    }
    pthread_mutex_unlock(&bg.lock);
    return NULL;
}

/* At exit: the last jobs finish, and the thread is gone before the
 * process (leak checkers see no thread left behind). */
static void stop(void)
{
    pthread_mutex_lock(&bg.lock);
    int running = bg.running;
    bg.stopping = 1;
    pthread_cond_signal(&bg.work);
    pthread_mutex_unlock(&bg.lock);
    if (running)
        pthread_join(bg.thread, NULL);
    bg.running = 0;
}

/* A child of fork has no helper thread: what was queued was the parent's
 * to run.  The lock is held across the fork, so that the child does not
 * start with it held by a thread it does not have. */
static void before_fork(void)
{
    pthread_mutex_lock(&bg.lock);
}

static void after_fork_in_parent(void)
{
    pthread_mutex_unlock(&bg.lock);
}

static void after_fork_in_child(void)
{
    bg.running = 0;
    bg.done = bg.posted;
    pthread_mutex_unlock(&bg.lock);
}

/* With the lock held: whether jobs go to the thread, starting it. */
static int thread_ready(void)
{
    if (bg.enabled < 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        bg.enabled = cpus > 1;
    }
    if (!bg.enabled || bg.stopping)
        return 0;
    if (!bg.running) {
        if (pthread_create(&bg.thread, NULL, worker, NULL) != 0) {
            bg.enabled = 0;
            return 0;
        }
        if (!bg.registered) {
            atexit(stop);
            pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
            bg.registered = 1;
        }
        bg.running = 1;
    }
    return 1;
}

bg_ticket bg_post(bg_job_fn *fn, void *p, size_t n, void *ctx)
{
    pthread_mutex_lock(&bg.lock);
    if (!thread_ready()) {
        /* In order: what the thread still has goes first. */
        while (bg.done != bg.posted)
            pthread_cond_wait(&bg.moved, &bg.lock);
        pthread_mutex_unlock(&bg.lock);
        fn(p, n, ctx);
        pthread_mutex_lock(&bg.lock);
        bg_ticket t = ++bg.posted;
        bg.done = bg.posted;
        pthread_mutex_unlock(&bg.lock);
        return t;
    }
    while (bg.posted - bg.done == QUEUE)
        pthread_cond_wait(&bg.moved, &bg.lock);
    bg.queue[bg.posted % QUEUE] = (job){fn, p, n, ctx};
    bg_ticket t = ++bg.posted;
    pthread_cond_signal(&bg.work);
    pthread_mutex_unlock(&bg.lock);
    return t;
}

void bg_wait_for(bg_ticket ticket)
{
    pthread_mutex_lock(&bg.lock);
    while (bg.done < ticket)
        pthread_cond_wait(&bg.moved, &bg.lock);
    pthread_mutex_unlock(&bg.lock);
}

void bg_wait(void)
{
    pthread_mutex_lock(&bg.lock);
    uint64_t last = bg.posted;
    pthread_mutex_unlock(&bg.lock);
    bg_wait_for(last);
}

void bg_set_enabled(int on)
{
    bg_wait();
    pthread_mutex_lock(&bg.lock);
    bg.enabled = on != 0;
    pthread_mutex_unlock(&bg.lock);
}

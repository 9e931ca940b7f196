/*
 * report: vrun --report=FILE.html, one self-contained HTML page (inline
 * CSS, SVG and a little JavaScript; no network, no external assets) that
 * shows where every engine's slots went:
 *
 *   - the verdict, cycles and speedup, and each engine's utilization;
 *   - utilization over time: an SVG chart, one bar per engine and bucket of
 *     cycles (at most SIM_REPORT_MAX_BUCKETS buckets of equal size);
 *   - the bundle grid: a row per cycle, a column per slot of the machine
 *     (the 23 slots of alu, valu, load, store and flow), coloured by
 *     engine, each slot's text and source line on hover; only the rows in
 *     view exist in the page, so a 150,000-cycle run scrolls freely.
 *     FILE.html#cycle=N opens it at cycle N;
 *   - the hottest source lines and labels (from the profile) and the
 *     longest stretches in which an engine sat idle.
 *
 * The grid needs to know which bundle each core ran in each cycle: a
 * sim_timeline records it as a machine observer, only when a report is
 * asked for.
 */
#ifndef VLIW_REPORT_H
#define VLIW_REPORT_H

#include <stdio.h>

#include "machine.h"
#include "profile.h"

#define SIM_REPORT_MAX_BUCKETS 120
#define SIM_REPORT_IDLE_SHOWN 3      /* idle stretches listed per engine */
#define SIM_REPORT_LINES_SHOWN 25    /* hottest lines listed */

typedef struct sim_timeline sim_timeline;

sim_timeline *sim_timeline_new(const sim_program *p, int cores);
void sim_timeline_observe(void *ctx, const sim_machine *m, const sim_step *step);
void sim_timeline_free(sim_timeline *t);

typedef struct {
    const char *program;         /* the image's file name */
    const char *verdict;         /* "PASS", "FAIL: wrong result: item 5: ..." */
    int passed;
    const char *workload;        /* "H=10 R=16 B=256 seed 123" */
    int baseline_cycles;         /* for the speedup; 0: no speedup (another shape) */
} sim_report_info;

/* Writes the page for the finished run of m (its profile and timeline
 * observed the whole run; m's program has its image, as for the
 * profile). */
void sim_report_write(FILE *out, const sim_report_info *info, const sim_machine *m,
                      const sim_profile *pr, const sim_timeline *t);

#endif

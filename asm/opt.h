/*
 * opt: the optimizer for linear assembly -- the passes between binding and
 * layout (docs/language.md, "Linear assembly").
 *
 * A .linear region is straight-line code, one slot per bundle in source
 * order, whose meaning is sequential: each slot sees the writes of the
 * slots above it.  The optimizer keeps that meaning and packs the region
 * into as few bundles as it can find:
 *
 *   opt_sched.c  the dependence graph (per scratch word, per lane; memory
 *                order; outside effects), list scheduling with slot
 *                limits, and the choice of engine for elementwise valu ops
 *                (one valu slot, or eight alu lane slots);
 *   opt.c        the driver: effort levels, scratch for temporaries
 *                (interval colouring into one pool per module, throttled
 *                when it does not fit), rewriting the program, and the
 *                --sched-report.
 *
 * It works on the bound program (asm/program.h) and never on text: labels
 * are still bundle numbers of the source order, which it remaps through
 * asm_program.bundle_remap for layout.
 */
#ifndef VLIW_ASM_OPT_H
#define VLIW_ASM_OPT_H

#include "program.h"

/* Runs the passes the options ask for over every region of p; returns 0,
 * or -1 when errors were reported (p is then left for layout to report
 * nothing more). */
int opt_run(asm_ctx *ctx, asm_program *p);

/* ---- opt_sched.c, for opt.c ------------------------------------------------ */

/* One way to pick among ready slots. */
typedef struct {
    uint32_t seed;           /* 0: ties broken by source order; else pseudo-random */
    uint32_t window;         /* only slots within this many of the oldest unscheduled one (0: any) */
    int split_eagerly;       /* split a valu op onto alu lanes even when the valu has room */
    int split_min_alu;       /* free alu slots a bundle needs to start splitting an op (0: half a vector) */
    int fixed_first;         /* fill each bundle with ops only one engine runs before the others */
    uint32_t budget;         /* scratch words for temporaries: start no slot that would pass it (0: any) */
    uint32_t jitter;         /* with a seed: add 0..jitter to each slot's height */
    int reverse;             /* schedule from the end of the region backwards */
} opt_heuristic;

/* Where a region's slot (or one lane of a split valu op) went. */
typedef struct {
    uint32_t cycle;          /* bundle within the region */
    int8_t lane;             /* -1: the whole slot; else the alu lane of a split valu op */
} opt_place;

typedef struct opt_graph opt_graph;

/* The dependence graph of region bundles [first, end) of p; NULL when an
 * error was reported (a temporary read before it is written). */
opt_graph *opt_graph_build(asm_ctx *ctx, const asm_program *p, uint32_t first, uint32_t end, int noalias);
void opt_graph_free(opt_graph *g);

/* Schedules the graph; returns the number of bundles and fills places
 * (per slot: lanes ISA_VLEN entries for a split op, else one; see
 * opt_schedule_places). */
typedef struct {
    uint32_t nbundles;
    uint32_t nplaces;
    opt_place *places;       /* nplaces, grouped per slot in source order */
    uint32_t *first_place;   /* per slot: index into places; first_place[n] = nplaces */
    int throttled;           /* the scratch budget held some slot back */
} opt_schedule;
int opt_schedule_run(const opt_graph *g, const opt_heuristic *h, opt_schedule *out);
void opt_schedule_free(opt_schedule *s);

/* The figures of --sched-report for a graph. */
typedef struct {
    uint32_t ops[ISA_ENGINE_COUNT];      /* slots as written */
    uint32_t splittable, forced_valu, forced_alu;
    uint32_t critical_path;              /* bundles on the longest dependence chain */
    uint32_t resource_bound;             /* fewest bundles the slot limits allow */
} opt_figures;
void opt_graph_figures(const opt_graph *g, opt_figures *f);

#endif

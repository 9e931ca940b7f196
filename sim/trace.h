/*
 * trace: what a run looks like from outside -- Chrome Trace Event JSON for
 * Perfetto / chrome://tracing, a readable per-cycle text log, and the
 * per-engine slot statistics.
 *
 * A sim_tracer is a machine observer (sim_config.observer =
 * sim_tracer_observe, observer_ctx = the tracer).  It streams: each
 * executed bundle is written out as it happens, nothing is kept but the
 * last value of each named scratch word.
 *
 * Chrome trace layout (1 cycle = 1 us):
 *   - one process per core ("core K"), one thread per engine slot
 *     (alu-0..alu-11, valu-0..5, load-0..1, store-0..1, flow-0; debug slots
 *     are not shown);
 *   - one "X" event per executed slot: ts = cycle, dur = 1, name = the op
 *     mnemonic, args.slot = the canonical text plus the scratch names of
 *     its operands when the image's symbol table has them, args.pc and
 *     args.source (the slot's own line, and its macro call);
 *   - "C" counter tracks for the image's one-word SCRATCH symbols, one
 *     event whenever the word changes (ts = the cycle after the write).
 */
#ifndef VLIW_TRACE_H
#define VLIW_TRACE_H

#include <stdint.h>
#include <stdio.h>

#include "machine.h"

typedef struct {
    FILE *chrome;            /* Chrome trace JSON goes here; NULL: none */
    FILE *text;              /* the text log goes here; NULL: none */
    uint64_t first_cycle;    /* only bundles running in first_cycle .. last_cycle */
    uint64_t last_cycle;
    unsigned engines;        /* bit set (1 << isa_engine) of engines shown; 0: all */
} sim_trace_options;

typedef struct sim_tracer sim_tracer;

/* Writes the trace headers (process and thread names, initial counters).
 * p must have its image (sim_program_image): symbols name the operands. */
sim_tracer *sim_tracer_new(const sim_program *p, int cores, const sim_trace_options *o);
/* The observer: call with observer_ctx = the tracer. */
void sim_tracer_observe(void *ctx, const sim_machine *m, const sim_step *step);
/* Closes the JSON (the streams stay open); returns 0, or -1 if a write
 * failed on either stream. */
int sim_tracer_finish(sim_tracer *t);
void sim_tracer_free(sim_tracer *t);

/* --stats: per-engine slot use and utilization (used / (limit x cycles x
 * cores)) with bar charts. */
void sim_print_stats(FILE *out, const sim_machine *m);
/* The same for figures summed over several runs (vrun --trials): slots
 * per engine, cycles and bundles of all runs, each on `cores` cores. */
void sim_print_stats_of(FILE *out, const uint64_t used[], uint64_t cycles, int cores,
                        uint64_t bundles);

/* Writes s as a JSON string literal (quotes included). */
void sim_json_string(FILE *out, const char *s);

#endif

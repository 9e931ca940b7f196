/*
 * vrun_options: vrun's command line (docs/vrun.md lists every option).
 */
#ifndef VLIW_VRUN_OPTIONS_H
#define VLIW_VRUN_OPTIONS_H

#include <stdint.h>
#include <stdio.h>

#include "workload.h"

/* With no --max-cycles the limit is the larger of VRUN_DEFAULT_MAX_CYCLES
 * and VRUN_MAX_CYCLES_PER_STEP per (round, item) step of the workload
 * shape: far above any kernel (the baseline takes 36 a step, 147,734 in
 * all on the default shape), yet a runaway loop on the default shape hits
 * it in well under a second (docs/vrun.md gives the measured speed). */
#define VRUN_DEFAULT_MAX_CYCLES 10000000ull
#define VRUN_MAX_CYCLES_PER_STEP 100ull
#define VRUN_DEFAULT_TRACE_FILE "trace.json"

typedef struct {
    const char *image;
    wl_params params;
    int seed_given;
    int cores;
    uint64_t max_cycles;         /* 0: no limit */
    int max_cycles_given;
    uint64_t trials;             /* 0: a single run */
    int check, json, quiet, stats;
    const char *mem_in, *mem_out, *scratch_out;
    const char *trace_file;      /* NULL: no Chrome trace */
    const char *trace_text;      /* NULL: no text trace; "-": standard output */
    uint64_t trace_first, trace_last;
    unsigned trace_engines;      /* 0: all */
    const char *profile_file;    /* NULL: no --profile; not given: standard error; "-": standard output */
    int profile_file_given;      /* --profile=FILE (written even with --json) */
    const char *annotate_file;   /* NULL: no --annotate; "-": standard output */
    const char *report_file;     /* NULL: no HTML report */
    const char *output;          /* -o: what goes to standard output; NULL or "-": stdout */
} vrun_options;

typedef enum {
    VRUN_OPTIONS_RUN,            /* go on and run */
    VRUN_OPTIONS_DONE,           /* --help or --version was printed */
    VRUN_OPTIONS_USAGE_ERROR,    /* reported on standard error (cli_usage_error) */
} vrun_options_result;

/* The options (docs/vrun.md) in the shared syntax of docs/cli.md. */
vrun_options_result vrun_parse_options(int argc, char **argv, vrun_options *o);
void vrun_print_usage(FILE *out);

#endif

/*
 * vrun: runs an executable image on the machine, on the built-in workload
 * (checked against its reference) or on a given memory.  docs/vrun.md is
 * its manual.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "image.h"
#include "machine.h"
#include "memfile.h"
#include "outfile.h"
#include "profile.h"
#include "report.h"
#include "cli.h"
#include "sha256.h"
#include "trace.h"
#include "vrun_options.h"
#include "workload.h"
#include "xalloc.h"

enum { EXIT_PASS = CLI_EXIT_OK, EXIT_WRONG = CLI_EXIT_FAILED, EXIT_USAGE = CLI_EXIT_USAGE,
       EXIT_FAULT = CLI_EXIT_FAULT };

typedef enum {
    VERDICT_PASS,           /* values match the reference */
    VERDICT_WRONG,          /* values differ from the reference */
    VERDICT_CHECK_FAILED,   /* checking run: a checkpoint, pause count or compare failed */
    VERDICT_FAULT,          /* the machine faulted */
    VERDICT_NO_REFERENCE,   /* --mem-in */
} verdict;

static int verdict_exit(verdict v)
{
    switch (v) {
    case VERDICT_PASS:
    case VERDICT_NO_REFERENCE:
        return EXIT_PASS;
    case VERDICT_WRONG:
    case VERDICT_CHECK_FAILED:
        return EXIT_WRONG;
    case VERDICT_FAULT:
        return EXIT_FAULT;
    }
    return EXIT_FAULT;
}

__attribute__((format(printf, 1, 2)))
static void error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("vrun: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ------------------------------------------------------------------------
 * Files: raw little-endian words, written atomically (temp file + rename)
 */

/* Starts one of vrun's output files ("-": standard output, which the
 * option checks gave to this output alone). */
static int open_output(outfile *out, const char *path)
{
    if (outfile_open(out, path) != 0) {
        error("cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int commit_output(outfile *out, const char *path)
{
    if (outfile_commit(out) != 0) {
        error("cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static void words_to_bytes(const uint32_t *words, size_t n, uint8_t *bytes)
{
    for (size_t i = 0; i < n; i++) {
        bytes[4 * i] = (uint8_t)words[i];
        bytes[4 * i + 1] = (uint8_t)(words[i] >> 8);
        bytes[4 * i + 2] = (uint8_t)(words[i] >> 16);
        bytes[4 * i + 3] = (uint8_t)(words[i] >> 24);
    }
}

/* Writes the words of several arrays one after another. */
static int write_words_file(const char *path, const uint32_t *const *parts, const size_t *counts,
                            int nparts)
{
    outfile out;
    if (open_output(&out, path) != 0)
        return -1;
    for (int p = 0; p < nparts; p++) {
        uint8_t *bytes = xmalloc(counts[p] * 4);
        words_to_bytes(parts[p], counts[p], bytes);
        fwrite(bytes, 4, counts[p], out.f);   /* a short write fails the commit */
        free(bytes);
    }
    return commit_output(&out, path);
}

static void sha256_words(const uint32_t *words, size_t n, char hex[65])
{
    uint8_t *bytes = xmalloc(n * 4);
    words_to_bytes(words, n, bytes);
    sim_sha256_hex(bytes, n * 4, hex);
    free(bytes);
}

/* The image's MEMORY segments, laid over memory. */
static int apply_segments(const img_view *v, const char *image_path, uint32_t *memory,
                          size_t words)
{
    for (uint32_t i = 0; i < v->nsegments; i++) {
        const img_segment *s = &v->segments[i];
        if ((uint64_t)s->address + s->count > words) {
            error("%s: memory segment %u (%u words at address %u) lies outside the memory of "
                  "%zu words", image_path, i, s->count, s->address, words);
            return -1;
        }
        if (s->count)
            memcpy(memory + s->address, s->words, (size_t)s->count * sizeof *memory);
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * The workload as the harness sees it
 */

static int reference_lookup(void *ctx, uint32_t round, uint32_t item, isa_trace_key key,
                            uint32_t stage, uint32_t *value)
{
    return wl_trace_value(ctx, round, item, key, stage, value);
}

/* "item 5: expected 1, got 2" when memory's values region differs from
 * checkpoint k; NULL-free: why is always set on a mismatch. */
static long values_mismatch(const wl_instance *w, const uint32_t *memory, size_t words, int k,
                            char *why, size_t why_size)
{
    long item = wl_first_mismatch(w, memory, words, k);
    if (item < 0)
        return -1;
    uint64_t at = (uint64_t)w->values_p + (uint64_t)item;
    uint32_t expected = w->checkpoint_values[k][item];
    if (at < words)
        snprintf(why, why_size, "item %ld: expected %u, got %u", item, expected, memory[at]);
    else
        snprintf(why, why_size, "item %ld: expected %u, but the memory ends at %zu words", item,
                 expected, words);
    return item;
}

static int reference_checkpoint(void *ctx, int k, const uint32_t *memory, size_t words, char *why,
                                size_t why_size)
{
    return values_mismatch(ctx, memory, words, k, why, why_size) < 0 ? 0 : -1;
}

/* ------------------------------------------------------------------------
 * One run
 */

typedef struct {
    verdict verdict;
    char detail[1024];   /* wrong result, failed check or fault, one line */
    sim_machine *m;
} run_result;

/* What watches a single run, each part only when asked for: a run with
 * none of them takes the machine's loop without an observer. */
typedef struct {
    sim_tracer *tracer;
    sim_profile *profile;
    sim_timeline *timeline;
} watchers;

static void observe_all(void *ctx, const sim_machine *m, const sim_step *step)
{
    const watchers *w = ctx;
    if (w->tracer)
        sim_tracer_observe(w->tracer, m, step);
    if (w->profile)
        sim_profile_observe(w->profile, m, step);
    if (w->timeline)
        sim_timeline_observe(w->timeline, m, step);
}

/* Runs p on memory (the workload's w, or NULL for --mem-in). */
static void run_once(const vrun_options *o, const sim_program *p, const uint32_t *memory,
                     size_t words, const wl_instance *w, watchers *watch, run_result *r)
{
    char why[256];
    sim_config cfg = SIM_CONFIG_DEFAULT;
    cfg.cores = o->cores;
    cfg.max_cycles = o->max_cycles;
    cfg.checking = o->check;
    cfg.lookup = reference_lookup;
    cfg.lookup_ctx = (void *)w;
    if (watch && (watch->tracer || watch->profile || watch->timeline)) {
        cfg.observer = observe_all;
        cfg.observer_ctx = watch;
    }
    r->m = sim_new(p, &cfg, memory, words, why, sizeof why);
    if (!r->m) {   /* the options were checked: only a broken invariant gets here */
        error("%s", why);
        exit(EXIT_USAGE);
    }
    r->detail[0] = '\0';
    if (o->check) {
        sim_checked c = sim_checking_run(r->m, WL_CHECKPOINTS, reference_checkpoint, (void *)w,
                                         r->detail, sizeof r->detail);
        if (c == SIM_CHECKED_FAULT) {
            r->verdict = VERDICT_FAULT;
            return;
        }
        if (c == SIM_CHECKED_FAIL) {
            r->verdict = VERDICT_CHECK_FAILED;
            return;
        }
    } else if (sim_run(r->m) == SIM_FAULT) {
        sim_format_error(r->m, r->detail, sizeof r->detail);
        r->verdict = VERDICT_FAULT;
        return;
    }
    if (!w) {
        r->verdict = VERDICT_NO_REFERENCE;
        return;
    }
    size_t n;
    const uint32_t *final = sim_memory_const(r->m, &n);
    r->verdict = values_mismatch(w, final, n, WL_CHECKPOINTS - 1, r->detail, sizeof r->detail) < 0
                     ? VERDICT_PASS : VERDICT_WRONG;
}

static const char *verdict_json(verdict v)
{
    switch (v) {
    case VERDICT_PASS: return "\"pass\"";
    case VERDICT_WRONG: return "\"wrong result\"";
    case VERDICT_CHECK_FAILED: return "\"check failed\"";
    case VERDICT_FAULT: return "\"fault\"";
    case VERDICT_NO_REFERENCE: return "null";
    }
    return "null";
}

/* Why this run gets no speedup over the baseline, or NULL when it does:
 * the baseline's cycle count is for a correct result of the default
 * shape, so a wrong, faulting or unchecked run, or another shape, has no
 * speedup to compare (a script reading it would record a broken kernel). */
static const char *no_speedup_reason(const vrun_options *o, verdict v, uint64_t cycles)
{
    const wl_params shape = WL_DEFAULT_PARAMS;
    switch (v) {
    case VERDICT_WRONG: return "the result is wrong";
    case VERDICT_CHECK_FAILED: return "the checking run failed";
    case VERDICT_FAULT: return "the machine faulted";
    case VERDICT_NO_REFERENCE: return "no reference to check the result against (--mem-in)";
    case VERDICT_PASS: break;
    }
    if (o->params.height != shape.height || o->params.rounds != shape.rounds ||
        o->params.batch != shape.batch)
        return "the baseline's cycle count is for the default shape H=10 R=16 B=256";
    if (!cycles)
        return "the run took no cycles";
    return NULL;
}

static void json_speedup(FILE *out, const vrun_options *o, verdict v, uint64_t cycles)
{
    const char *reason = no_speedup_reason(o, v, cycles);
    if (reason) {
        fputs("null, \"speedup_note\": ", out);
        sim_json_string(out, reason);
    } else {
        fprintf(out, "%.17g, \"speedup_note\": null", (double)WL_BASELINE_CYCLES / (double)cycles);
    }
}

static void json_fault(FILE *out, const sim_machine *m, const char *detail)
{
    const sim_fault_info *f = sim_fault(m);
    const sim_program *p = sim_machine_program(m);
    char slot[1024], source[600];
    sim_format_slot(p, f->at.pc, f->at.slot, slot, sizeof slot);
    sim_format_source(p, f->at.pc, f->at.slot, source, sizeof source);
    fprintf(out, "{\"kind\": \"%s\", \"message\": ", sim_fault_name(f->kind));
    sim_json_string(out, detail);
    fprintf(out, ", \"core\": %d, \"pc\": %u, \"cycle\": %llu, \"slot\": ", f->at.core, f->at.pc,
            (unsigned long long)f->at.cycle);
    sim_json_string(out, slot);
    fputs(", \"source\": ", out);
    if (*source)
        sim_json_string(out, source);
    else
        fputs("null", out);
    if (f->lane >= 0)
        fprintf(out, ", \"lane\": %d", f->lane);
    if (f->kind == SIM_FAULT_MEMORY_READ || f->kind == SIM_FAULT_MEMORY_WRITE)
        fprintf(out, ", \"address\": %llu, \"memory_words\": %llu",
                (unsigned long long)f->address, (unsigned long long)f->limit);
    if (f->kind == SIM_FAULT_NEGATIVE_PC)
        fprintf(out, ", \"target\": %lld", (long long)f->target);
    if (f->kind == SIM_FAULT_CYCLE_LIMIT)
        fprintf(out, ", \"limit\": %llu", (unsigned long long)f->limit);
    fputs("}", out);
}

/* Slot use per engine of one run, or (--trials) summed over all runs. */
static void json_stats_of(FILE *out, const uint64_t used[], uint64_t cycles, int cores,
                          uint64_t bundles)
{
    fputs("{", out);
    for (int e = 0; e < ISA_ENGINE_COUNT; e++) {
        fprintf(out, "%s\"%s\": {\"slots\": %llu, \"limit\": %d, \"utilization\": ", e ? ", " : "",
                isa_engines[e].name, (unsigned long long)used[e], isa_engines[e].slot_limit);
        uint64_t capacity = (uint64_t)isa_engines[e].slot_limit * cycles * (uint64_t)cores;
        if (isa_engines[e].costs_cycle && capacity)
            fprintf(out, "%.6f}", (double)used[e] / (double)capacity);
        else
            fputs("null}", out);
    }
    fprintf(out, ", \"bundles_executed\": %llu}", (unsigned long long)bundles);
}

static void json_stats(FILE *out, const sim_machine *m)
{
    uint64_t used[ISA_ENGINE_COUNT];
    sim_engine_slots(m, used);
    json_stats_of(out, used, sim_cycles(m), sim_cores(m), sim_bundles_executed(m));
}

static void print_json(FILE *out, const vrun_options *o, const run_result *r,
                       const sim_profile *profile)
{
    const sim_machine *m = r->m;
    uint64_t cycles = sim_cycles(m);
    size_t words;
    const uint32_t *memory = sim_memory_const(m, &words);
    char hex[65];
    fputs("{\"program\": ", out);
    sim_json_string(out, o->image);
    fputs(", \"image\": ", out);
    if (o->mem_in) {
        sim_json_string(out, o->mem_in);
        fputs(", \"workload\": null", out);
    } else {
        fprintf(out, "\"workload\", \"workload\": {\"height\": %u, \"rounds\": %u, \"batch\": %u, "
                "\"seed\": %llu}", o->params.height, o->params.rounds, o->params.batch,
                (unsigned long long)o->params.seed);
    }
    fprintf(out, ",\n \"verdict\": %s, \"cycles\": %llu, \"speedup\": ", verdict_json(r->verdict),
            (unsigned long long)cycles);
    json_speedup(out, o, r->verdict, cycles);
    fprintf(out, ", \"baseline\": %d,\n \"fault\": ", WL_BASELINE_CYCLES);
    if (r->verdict == VERDICT_FAULT)
        json_fault(out, m, r->detail);
    else
        fputs("null", out);
    fputs(",\n \"check_error\": ", out);
    if (r->verdict == VERDICT_CHECK_FAILED || r->verdict == VERDICT_WRONG)
        sim_json_string(out, r->detail);
    else
        fputs("null", out);
    uint64_t used[ISA_ENGINE_COUNT];
    sim_engine_slots(m, used);
    fputs(",\n \"slots\": {", out);
    for (int e = 0; e < ISA_ENGINE_COUNT; e++)
        fprintf(out, "%s\"%s\": %llu", e ? ", " : "", isa_engines[e].name,
                (unsigned long long)used[e]);
    sha256_words(memory, words, hex);
    fprintf(out, "},\n \"mem_words\": %zu, \"mem_sha256\": \"%s\",\n \"cores\": [", words, hex);
    for (int k = 0; k < sim_cores(m); k++) {
        size_t n;
        const uint32_t *trace = sim_core_trace(m, k, &n);
        fprintf(out, "%s\n  {\"id\": %d, \"pc\": %llu, \"state\": \"%s\", \"trace\": [", k ? "," : "",
                k, (unsigned long long)sim_core_pc(m, k), sim_state_name(sim_core_state_of(m, k)));
        for (size_t i = 0; i < n; i++)
            fprintf(out, "%s%u", i ? ", " : "", trace[i]);
        sha256_words(sim_scratch_const(m, k), ISA_SCRATCH_WORDS, hex);
        fprintf(out, "], \"scratch_sha256\": \"%s\"}", hex);
    }
    fputs("]", out);
    if (o->stats) {
        fputs(",\n \"stats\": ", out);
        json_stats(out, m);
    }
    if (o->profile_file) {
        fputs(",\n \"profile\": ", out);
        sim_profile_json(out, profile, cycles);
    }
    fputs("}\n", out);
}

/* The speedup only means something for a correct result of the shape
 * the baseline ran; a pass of another shape says why it has none. */
static void print_cycles(FILE *out, const vrun_options *o, verdict v, uint64_t cycles)
{
    fprintf(out, "CYCLES: %llu\n", (unsigned long long)cycles);
    const char *reason = no_speedup_reason(o, v, cycles);
    if (!reason)
        fprintf(out, "speedup: %.2fx over the baseline (%d cycles on H=10 R=16 B=256)\n",
                (double)WL_BASELINE_CYCLES / (double)cycles, WL_BASELINE_CYCLES);
    else if (v == VERDICT_PASS)
        fprintf(out, "speedup: none: %s\n", reason);
}

static void print_report(FILE *out, const vrun_options *o, const run_result *r)
{
    const wl_params *w = &o->params;
    switch (r->verdict) {
    case VERDICT_PASS:
        fprintf(out, "PASS: the values match the reference (H=%u R=%u B=%u seed %llu%s)\n",
                w->height, w->rounds, w->batch, (unsigned long long)w->seed,
                o->check ? ", checking run" : "");
        break;
    case VERDICT_WRONG:
        fprintf(out, "FAIL: wrong result (H=%u R=%u B=%u seed %llu): %s\n", w->height, w->rounds,
                w->batch, (unsigned long long)w->seed, r->detail);
        break;
    case VERDICT_CHECK_FAILED:
        fprintf(out, "FAIL: checking run: %s\n", r->detail);
        break;
    case VERDICT_NO_REFERENCE:
        fprintf(out, "no reference (--mem-in)\n");
        break;
    case VERDICT_FAULT:
        return;   /* reported on standard error */
    }
    print_cycles(out, o, r->verdict, sim_cycles(r->m));
}

/* ------------------------------------------------------------------------
 * Modes
 */

/* Builds the workload instance of params; exits on failure. */
static wl_instance *build_workload(const wl_params *params)
{
    wl_instance *w = wl_build(params);
    if (!w) {
        error("cannot build the workload (H=%u R=%u B=%u): out of memory", params->height,
              params->rounds, params->batch);
        exit(EXIT_USAGE);
    }
    return w;
}

static int open_traces(const vrun_options *o, const sim_program *p, outfile *chrome,
                       outfile *text, sim_tracer **tracer)
{
    *tracer = NULL;
    *chrome = *text = (outfile){0};
    if (!o->trace_file && !o->trace_text)
        return 0;
    if (o->trace_file && open_output(chrome, o->trace_file) != 0)
        return -1;
    if (o->trace_text) {
        if (open_output(text, o->trace_text) != 0) {
            outfile_discard(chrome);
            return -1;
        }
    }
    sim_trace_options topt = {chrome->f, text->f, o->trace_first, o->trace_last,
                              o->trace_engines};
    *tracer = sim_tracer_new(p, o->cores, &topt);
    return 0;
}

static int close_traces(const vrun_options *o, outfile *chrome, outfile *text, sim_tracer *tracer)
{
    if (!tracer)
        return 0;
    int rc = sim_tracer_finish(tracer);
    sim_tracer_free(tracer);
    if (chrome->f && commit_output(chrome, o->trace_file) != 0)
        rc = -1;
    else if (o->trace_file && !o->quiet && strcmp(o->trace_file, "-") != 0)   /* the default name is easily missed */
        fprintf(stderr, "vrun: wrote the Chrome trace to %s (open it in ui.perfetto.dev)\n",
                o->trace_file);
    /* A text trace on standard output is checked with the report that
     * follows it there, at exit (cli_check_stdout_at_exit); a device such
     * as /dev/full is written in place, and checked here like a file. */
    int text_file = text->f && strcmp(o->trace_text, "-") != 0;
    if (text_file && commit_output(text, o->trace_text) != 0)
        rc = -1;
    else if (text_file && !o->quiet)
        fprintf(stderr, "vrun: wrote the text trace to %s\n", o->trace_text);
    return rc;
}

static int write_state(const vrun_options *o, const sim_machine *m)
{
    int rc = 0;
    if (o->mem_out) {
        size_t words;
        const uint32_t *memory = sim_memory_const(m, &words);
        rc |= write_words_file(o->mem_out, &memory, &words, 1);
    }
    if (o->scratch_out) {
        const uint32_t *parts[SIM_MAX_CORES];
        size_t counts[SIM_MAX_CORES];
        for (int k = 0; k < sim_cores(m); k++) {
            parts[k] = sim_scratch_const(m, k);
            counts[k] = ISA_SCRATCH_WORDS;
        }
        rc |= write_words_file(o->scratch_out, parts, counts, sim_cores(m));
    }
    return rc;
}

static const char *verdict_word(verdict v)
{
    switch (v) {
    case VERDICT_PASS: return "PASS";
    case VERDICT_WRONG: return "FAIL: wrong result";
    case VERDICT_CHECK_FAILED: return "FAIL: checking run";
    case VERDICT_FAULT: return "FAULT";
    case VERDICT_NO_REFERENCE: return "no reference";
    }
    return "?";
}

/* --profile, --annotate and --report, after the run.  Returns -1 when a
 * file could not be written. */
static int write_profiles(const vrun_options *o, const run_result *r, const sim_profile *profile,
                          const sim_timeline *timeline)
{
    int rc = 0;
    uint64_t cycles = sim_cycles(r->m);
    if (o->profile_file && (!o->json || o->profile_file_given)) {
        if (!o->profile_file_given || strcmp(o->profile_file, "-") == 0) {
            /* the default is standard error; "-" standard output, as for every output */
            sim_profile_print(o->profile_file_given ? stdout : stderr, profile, cycles);
        } else {
            outfile out;
            if (open_output(&out, o->profile_file) != 0)
                return -1;
            sim_profile_print(out.f, profile, cycles);
            rc |= commit_output(&out, o->profile_file);
        }
    }
    if (o->annotate_file && strcmp(o->annotate_file, "-") != 0) {
        outfile out;
        if (open_output(&out, o->annotate_file) != 0)
            return -1;
        sim_profile_annotate(out.f, profile);
        rc |= commit_output(&out, o->annotate_file);
    }
    if (o->report_file) {
        char workload[160], verdict_line[1200];
        if (o->mem_in)
            snprintf(workload, sizeof workload, "memory from %s", o->mem_in);
        else
            snprintf(workload, sizeof workload, "H=%u R=%u B=%u seed %llu%s", o->params.height,
                     o->params.rounds, o->params.batch, (unsigned long long)o->params.seed,
                     o->check ? ", checking run" : "");
        snprintf(verdict_line, sizeof verdict_line, "%s%s%s", verdict_word(r->verdict),
                 *r->detail ? ": " : "", r->detail);
        sim_report_info info = {o->image, verdict_line, r->verdict == VERDICT_PASS, workload,
                                no_speedup_reason(o, r->verdict, sim_cycles(r->m))
                                    ? 0 : WL_BASELINE_CYCLES};
        outfile out;
        if (open_output(&out, o->report_file) != 0)
            return -1;
        sim_report_write(out.f, &info, r->m, profile, timeline);
        rc |= commit_output(&out, o->report_file);
    }
    return rc;
}

/* A single run on the workload or on --mem-in. */
static int single_run(const vrun_options *o, const img_view *img, const sim_program *p)
{
    uint32_t *memory;
    size_t words;
    wl_instance *w = NULL;
    if (o->mem_in) {
        char why[512];
        if (mem_read_words(o->mem_in, &memory, &words, why, sizeof why) != 0) {
            error("%s", why);
            return EXIT_USAGE;
        }
    } else {
        w = build_workload(&o->params);
        words = w->memory_words;
        memory = xmalloc(words * sizeof *memory);
        memcpy(memory, w->memory, words * sizeof *memory);
    }
    if (apply_segments(img, o->image, memory, words) != 0) {
        free(memory);
        wl_free(w);
        return EXIT_USAGE;
    }
    outfile chrome, text;
    sim_tracer *tracer;
    if (open_traces(o, p, &chrome, &text, &tracer) != 0) {
        free(memory);
        wl_free(w);
        return EXIT_USAGE;
    }
    watchers watch = {tracer, NULL, NULL};
    if (o->profile_file || o->annotate_file || o->report_file)
        watch.profile = sim_profile_new(p, o->cores);
    if (o->report_file)
        watch.timeline = sim_timeline_new(p, o->cores);
    run_result r;
    run_once(o, p, memory, words, w, &watch, &r);
    free(memory);
    int output_failed = close_traces(o, &chrome, &text, tracer) != 0;
    output_failed |= write_state(o, r.m) != 0;
    output_failed |= write_profiles(o, &r, watch.profile, watch.timeline) != 0;

    if (r.verdict == VERDICT_FAULT)
        fprintf(stderr, "vrun: fault: %s\n", r.detail);
    if (o->json) {
        print_json(stdout, o, &r, watch.profile);
    } else if (!o->quiet) {
        print_report(stdout, o, &r);
        if (o->stats)
            sim_print_stats(stdout, r.m);
    }
    if (o->annotate_file && strcmp(o->annotate_file, "-") == 0)
        sim_profile_annotate(stdout, watch.profile);
    int code = verdict_exit(r.verdict);
    sim_profile_free(watch.profile);
    sim_timeline_free(watch.timeline);
    sim_free(r.m);
    wl_free(w);
    if (output_failed && code == EXIT_PASS)
        code = EXIT_USAGE;
    return code;
}

/* --trials: T fresh instances of one shape, seeds drawn from a master
 * MT19937 (the 32-bit draws of wl_mt_next). */
static int trials_run(const vrun_options *o, const img_view *img, const sim_program *p)
{
    uint64_t master_seed = o->seed_given
                               ? o->params.seed
                               : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    wl_mt master;
    wl_mt_seed(&master, master_seed);
    uint64_t passed = 0, wrong = 0, faulted = 0, min = UINT64_MAX, max = 0;
    uint64_t all_cycles = 0, all_bundles = 0, all_used[ISA_ENGINE_COUNT] = {0};   /* --stats */
    double sum = 0;
    const wl_params *shape = &o->params;
    if (o->json) {
        fputs("{\"program\": ", stdout);
        sim_json_string(stdout, o->image);
        printf(", \"workload\": {\"height\": %u, \"rounds\": %u, \"batch\": %u}, "
               "\"master_seed\": %llu,\n \"trials\": [", shape->height, shape->rounds,
               shape->batch, (unsigned long long)master_seed);
    } else if (!o->quiet) {
        printf("master seed %llu (repeat with --trials %llu --seed %llu); H=%u R=%u B=%u\n",
               (unsigned long long)master_seed, (unsigned long long)o->trials,
               (unsigned long long)master_seed, shape->height, shape->rounds, shape->batch);
    }
    for (uint64_t t = 1; t <= o->trials; t++) {
        wl_params params = o->params;
        params.seed = wl_mt_next(&master);
        wl_instance *w = build_workload(&params);
        uint32_t *memory = xmalloc(w->memory_words * sizeof *memory);
        memcpy(memory, w->memory, w->memory_words * sizeof *memory);
        if (apply_segments(img, o->image, memory, w->memory_words) != 0) {
            free(memory);
            wl_free(w);
            return EXIT_USAGE;
        }
        run_result r;
        run_once(o, p, memory, w->memory_words, w, NULL, &r);
        free(memory);
        uint64_t cycles = sim_cycles(r.m);
        passed += r.verdict == VERDICT_PASS;
        faulted += r.verdict == VERDICT_FAULT;
        wrong += r.verdict == VERDICT_WRONG || r.verdict == VERDICT_CHECK_FAILED;
        min = cycles < min ? cycles : min;
        max = cycles > max ? cycles : max;
        sum += (double)cycles;
        uint64_t used[ISA_ENGINE_COUNT];
        sim_engine_slots(r.m, used);
        for (int e = 0; e < ISA_ENGINE_COUNT; e++)
            all_used[e] += used[e];
        all_cycles += cycles;
        all_bundles += sim_bundles_executed(r.m);
        if (r.verdict == VERDICT_FAULT)
            fprintf(stderr, "vrun: fault: trial %llu (seed %llu): %s\n", (unsigned long long)t,
                    (unsigned long long)params.seed, r.detail);
        if (o->json) {
            printf("%s\n  {\"trial\": %llu, \"seed\": %llu, \"verdict\": %s, \"cycles\": %llu, "
                   "\"detail\": ", t > 1 ? "," : "", (unsigned long long)t,
                   (unsigned long long)params.seed, verdict_json(r.verdict),
                   (unsigned long long)cycles);
            if (r.verdict == VERDICT_PASS)
                fputs("null", stdout);
            else
                sim_json_string(stdout, r.detail);
            fputs("}", stdout);
        } else if (!o->quiet) {
            printf("trial %llu: seed %llu: %s%s%s, %llu cycles\n", (unsigned long long)t,
                   (unsigned long long)params.seed, verdict_word(r.verdict),
                   r.verdict == VERDICT_PASS || r.verdict == VERDICT_FAULT ? "" : ": ",
                   r.verdict == VERDICT_PASS || r.verdict == VERDICT_FAULT ? "" : r.detail,
                   (unsigned long long)cycles);
        }
        sim_free(r.m);
        wl_free(w);
    }
    int code = faulted ? EXIT_FAULT : wrong ? EXIT_WRONG : EXIT_PASS;
    double mean = sum / (double)o->trials;
    if (o->json) {
        printf("],\n \"passed\": %llu, \"wrong\": %llu, \"faulted\": %llu, \"verdict\": \"%s\", "
               "\"cycles_min\": %llu, \"cycles_max\": %llu, \"cycles_mean\": %.17g",
               (unsigned long long)passed, (unsigned long long)wrong,
               (unsigned long long)faulted,
               code == EXIT_PASS ? "pass" : code == EXIT_WRONG ? "wrong result" : "fault",
               (unsigned long long)min, (unsigned long long)max, mean);
        if (o->stats) {
            fputs(",\n \"stats\": ", stdout);
            json_stats_of(stdout, all_used, all_cycles, o->cores, all_bundles);
        }
        fputs("}\n", stdout);
    } else if (!o->quiet) {
        printf("trials: %llu of %llu passed, %llu wrong, %llu faulted; cycles %llu .. %llu, "
               "mean %.1f\n", (unsigned long long)passed, (unsigned long long)o->trials,
               (unsigned long long)wrong, (unsigned long long)faulted, (unsigned long long)min,
               (unsigned long long)max, mean);
        if (o->stats) {
            printf("stats over all %llu trials:\n", (unsigned long long)o->trials);
            sim_print_stats_of(stdout, all_used, all_cycles, o->cores, all_bundles);
        }
    }
    return code;
}

int main(int argc, char **argv)
{
    cli_check_stdout_at_exit("vrun");
    vrun_options o;
    switch (vrun_parse_options(argc, argv, &o)) {
    case VRUN_OPTIONS_DONE:
        return EXIT_PASS;
    case VRUN_OPTIONS_USAGE_ERROR:
        return EXIT_USAGE;
    case VRUN_OPTIONS_RUN:
        break;
    }
    /* The image is read once and run in place; only the observers need it
     * decoded (traces for its symbols; the profile and the report for its
     * slots, labels and per-slot lines), so a plain run decodes nothing. */
    img_status st;
    img_view view;
    if (img_view_file(&view, o.image, &st) != 0) {
        if (st.code == IMG_ERR_IO)
            error("%s", st.detail);   /* names the file */
        else
            error("%s: %s: %s", o.image, img_error_text(st.code), st.detail);
        return EXIT_USAGE;
    }
    if (view.type != IMG_EXECUTABLE) {
        error("%s: %s: a relocatable object, not an executable image (link it first)", o.image,
              img_error_text(IMG_ERR_WRONG_TYPE));
        img_view_close(&view);
        return EXIT_USAGE;
    }
    /* -o FILE: standard output is pointed at the file's temporary, so
     * every writer of the report keeps writing to stdout; the file is put
     * in place once the run has ended with a verdict. */
    outfile report = {0};
    if (o.output && strcmp(o.output, "-") != 0) {
        if (open_output(&report, o.output) != 0 || fflush(stdout) != 0 ||
            dup2(fileno(report.f), STDOUT_FILENO) < 0) {
            outfile_discard(&report);
            img_view_close(&view);
            return EXIT_USAGE;
        }
    }
    int observed = o.trace_file || o.trace_text || o.profile_file || o.annotate_file ||
                   o.report_file;
    vimage *img = observed ? img_view_image(&view) : NULL;
    sim_program *p = sim_program_view(&view, img);
    int code = o.trials ? trials_run(&o, &view, p) : single_run(&o, &view, p);
    sim_program_free(p);
    img_free(img);
    img_view_close(&view);
    if (report.f) {
        if (fflush(stdout) != 0 || ferror(stdout)) {
            error("cannot write %s: %s", o.output, strerror(errno));
            code = EXIT_USAGE;
        }
        if (code == EXIT_USAGE)
            outfile_discard(&report);
        else if (commit_output(&report, o.output) != 0)
            code = EXIT_USAGE;
    }
    return code;
}

/* vrun_options: parsing vrun's command line (see vrun_options.h). */
#include "vrun_options.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "isa.h"
#include "machine.h"

void vrun_print_usage(FILE *out)
{
    fprintf(out,
"usage: vrun [options] IMAGE\n"
"Runs an executable image on the machine. By default it builds the workload\n"
"(H=10 R=16 B=256, seed 123), runs the program, checks the values against the\n"
"reference and prints the verdict, the cycle count and the speedup.\n"
"\n"
"Workload:\n"
"  --seed S            instance seed, 0 .. 2^64-1 (default 123)\n"
"  --height H          tree height (default 10)\n"
"  --rounds R          rounds (default 16)\n"
"  --batch B           batch size (default 256)\n"
"  --trials T          run T fresh instances (seeds drawn from a master seed:\n"
"                      --seed if given, else the clock)\n"
"  --check             checking run: debug compares and pauses checked against\n"
"                      the reference trace and checkpoints\n"
"Machine:\n"
"  --cores N           cores, 1 .. %d (default 1)\n"
"  --max-cycles N      fault when a run would exceed N cycles; 0: no limit\n"
"                      (default: %llu, or %llu per round x item if more)\n"
"Memory:\n"
"  --mem-in FILE       run on this memory (raw little-endian 32-bit words)\n"
"                      instead of the workload; no reference check\n"
"  --mem-out FILE      write the final memory (same format)\n"
"  --scratch-out FILE  write the final scratch of every core, core 0 first\n"
"Output:\n"
"  -o, --output FILE   write what goes to standard output (the report, the JSON)\n"
"                      to FILE instead, replaced when the run ends\n"
"  --json              one JSON object on standard output instead of the report\n"
"  -q, --quiet         print only errors; the exit code tells the verdict\n"
"  --stats             per-engine slot use and utilization\n"
"  --trace[=FILE]      Chrome trace JSON for Perfetto (default %s)\n"
"  --trace-text[=FILE] per-cycle text log (default: standard output)\n"
"  --trace-cycles A:B  trace only cycles A..B (either side may be empty)\n"
"  --trace-engines L   trace only these engines (comma-separated, e.g. valu,load)\n"
"Profiling:\n"
"  --profile[=FILE]    slots and cycles per source line, hottest first, and per\n"
"                      label (default: standard error; with --json: a \"profile\"\n"
"                      array in the JSON)\n"
"  --annotate[=FILE]   the source files with those counts in a left margin\n"
"                      (default: standard output)\n"
"  --report=FILE       a self-contained HTML report: verdict, utilization over\n"
"                      time, the bundle grid, hottest lines, idle stretches\n"
"The FILE of --trace, --trace-text, --profile or --annotate may also be the next\n"
"argument when one image remains (--trace t.json k.bin). '-' is standard input\n"
"for the image or --mem-in, standard output for an output (with -q, and only one).\n"
"  -h, --help          this help\n"
"  -V, --version       the version\n"
"\n"
"Exit status: 0 pass (or no reference), 1 wrong result or failed check,\n"
"2 usage or input error, 3 machine fault.\n",
            SIM_MAX_CORES, VRUN_DEFAULT_MAX_CYCLES, VRUN_MAX_CYCLES_PER_STEP,
            VRUN_DEFAULT_TRACE_FILE);
}

__attribute__((format(printf, 1, 2)))
static vrun_options_result usage_error(const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    cli_usage_error("vrun", "%s", why);
    return VRUN_OPTIONS_USAGE_ERROR;
}

/* A decimal number in min..max, digits only (no sign, space or suffix). */
static int parse_number(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
    if (!text[0] || strspn(text, "0123456789") != strlen(text))
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno == ERANGE || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* "A:B", "A:", ":B" (inclusive cycle range). */
static int parse_cycle_range(const char *text, uint64_t *first, uint64_t *last)
{
    const char *colon = strchr(text, ':');
    if (!colon)
        return -1;
    char left[32];
    size_t n = (size_t)(colon - text);
    if (n >= sizeof left)
        return -1;
    memcpy(left, text, n);
    left[n] = '\0';
    *first = 0;
    *last = UINT64_MAX;
    if (n && parse_number(left, 0, UINT64_MAX, first) != 0)
        return -1;
    if (colon[1] && parse_number(colon + 1, 0, UINT64_MAX, last) != 0)
        return -1;
    return *first <= *last ? 0 : -1;
}

static int parse_engines(const char *text, unsigned *set)
{
    char copy[256];
    if (strlen(text) >= sizeof copy)
        return -1;
    strcpy(copy, text);
    *set = 0;
    char *save = NULL;
    for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        int e = isa_find_engine(name);
        if (e < 0 || e == ISA_ENG_DEBUG)
            return -1;
        *set |= 1u << e;
    }
    return *set ? 0 : -1;
}

enum {
    OPT_SEED = 256, OPT_HEIGHT, OPT_ROUNDS, OPT_BATCH, OPT_TRIALS, OPT_CHECK, OPT_CORES,
    OPT_MAX_CYCLES, OPT_MEM_IN, OPT_MEM_OUT, OPT_SCRATCH_OUT, OPT_JSON, OPT_STATS, OPT_TRACE,
    OPT_TRACE_TEXT, OPT_TRACE_CYCLES, OPT_TRACE_ENGINES, OPT_PROFILE, OPT_ANNOTATE, OPT_REPORT,
};

vrun_options_result vrun_parse_options(int argc, char **argv, vrun_options *o)
{
    static const cli_option options[] = {
        {OPT_SEED, 0, "seed", CLI_ARG},
        {OPT_HEIGHT, 0, "height", CLI_ARG},
        {OPT_ROUNDS, 0, "rounds", CLI_ARG},
        {OPT_BATCH, 0, "batch", CLI_ARG},
        {OPT_TRIALS, 0, "trials", CLI_ARG},
        {OPT_CHECK, 0, "check", CLI_NO_ARG},
        {OPT_CORES, 0, "cores", CLI_ARG},
        {OPT_MAX_CYCLES, 0, "max-cycles", CLI_ARG},
        {OPT_MEM_IN, 0, "mem-in", CLI_ARG},
        {OPT_MEM_OUT, 0, "mem-out", CLI_ARG},
        {OPT_SCRATCH_OUT, 0, "scratch-out", CLI_ARG},
        {OPT_JSON, 0, "json", CLI_NO_ARG},
        {'q', 'q', "quiet", CLI_NO_ARG},
        {'o', 'o', "output", CLI_ARG},
        {OPT_STATS, 0, "stats", CLI_NO_ARG},
        {OPT_TRACE, 0, "trace", CLI_OPTIONAL_ARG},
        {OPT_TRACE_TEXT, 0, "trace-text", CLI_OPTIONAL_ARG},
        {OPT_TRACE_CYCLES, 0, "trace-cycles", CLI_ARG},
        {OPT_TRACE_ENGINES, 0, "trace-engines", CLI_ARG},
        {OPT_PROFILE, 0, "profile", CLI_OPTIONAL_ARG},
        {OPT_ANNOTATE, 0, "annotate", CLI_OPTIONAL_ARG},
        {OPT_REPORT, 0, "report", CLI_ARG},
        {'h', 'h', "help", CLI_NO_ARG},
        {'V', 'V', "version", CLI_NO_ARG},
        {0, 0, NULL, CLI_NO_ARG},
    };
    const wl_params defaults = WL_DEFAULT_PARAMS;
    memset(o, 0, sizeof *o);
    o->params = defaults;
    o->cores = 1;
    o->max_cycles = VRUN_DEFAULT_MAX_CYCLES;
    o->trace_last = UINT64_MAX;
    int trace_filter = 0;

    /* An optional value may also come as the next argument when taking it
     * leaves exactly one image: `--trace t.json k.bin` and `k.bin --trace
     * t.json` trace to t.json, `--trace k.bin` runs k.bin.  Operands right
     * after such an option are candidates, decided once all are known. */
    const char *optional_without_value = NULL;   /* e.g. "--trace", for the hint below */
    struct { int option; const char *value; } cand[4];
    int ncand = 0, after_optional = 0;
    int nimages = 0;
    const char *extra = NULL;
    cli_parser cp;
    cli_init(&cp, "vrun", options, argc, argv);
    int c;
    while ((c = cli_next(&cp)) != CLI_END) {
        const char *optarg = cp.value;
        uint64_t v;
        switch (c) {
        case OPT_SEED:
            if (parse_number(optarg, 0, UINT64_MAX, &v) != 0)
                return usage_error("--seed: '%s' is not a number in 0 .. 2^64-1",
                                   optarg);
            o->params.seed = v;
            o->seed_given = 1;
            break;
        case OPT_HEIGHT:
        case OPT_ROUNDS:
        case OPT_BATCH: {
            const char *name = c == OPT_HEIGHT ? "height" : c == OPT_ROUNDS ? "rounds" : "batch";
            if (parse_number(optarg, 0, UINT32_MAX, &v) != 0)
                return usage_error("--%s: '%s' is not a number in 0 .. 2^32-1",
                                   name, optarg);
            *(c == OPT_HEIGHT ? &o->params.height
              : c == OPT_ROUNDS ? &o->params.rounds : &o->params.batch) = (uint32_t)v;
            break;
        }
        case OPT_TRIALS:
            if (parse_number(optarg, 1, 1000000, &v) != 0)
                return usage_error("--trials: '%s' is not a number in 1 .. 1000000",
                                   optarg);
            o->trials = v;
            break;
        case OPT_CHECK:
            o->check = 1;
            break;
        case OPT_CORES:
            if (parse_number(optarg, 1, SIM_MAX_CORES, &v) != 0)
                return usage_error("--cores: '%s' is not a number in 1 .. %d",
                                   optarg, SIM_MAX_CORES);
            o->cores = (int)v;
            break;
        case OPT_MAX_CYCLES:
            if (parse_number(optarg, 0, UINT64_MAX, &v) != 0)
                return usage_error(
                                   "--max-cycles: '%s' is not a number in 0 .. 2^64-1", optarg);
            o->max_cycles = v;
            o->max_cycles_given = 1;
            break;
        case OPT_MEM_IN:
            o->mem_in = optarg;
            break;
        case OPT_MEM_OUT:
            o->mem_out = optarg;
            break;
        case OPT_SCRATCH_OUT:
            o->scratch_out = optarg;
            break;
        case OPT_JSON:
            o->json = 1;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'o':
            o->output = optarg;
            break;
        case OPT_STATS:
            o->stats = 1;
            break;
        case OPT_TRACE:
            if (optarg && !*optarg)
                return usage_error("--trace=: the file name is empty");
            o->trace_file = optarg ? optarg : VRUN_DEFAULT_TRACE_FILE;
            break;
        case OPT_TRACE_TEXT:
            if (optarg && !*optarg)
                return usage_error("--trace-text=: the file name is empty");
            o->trace_text = optarg ? optarg : "-";
            break;
        case OPT_TRACE_CYCLES:
            if (parse_cycle_range(optarg, &o->trace_first, &o->trace_last) != 0)
                return usage_error(
                                   "--trace-cycles: '%s' is not a cycle range A:B with A <= B",
                                   optarg);
            trace_filter = 1;
            break;
        case OPT_TRACE_ENGINES:
            if (parse_engines(optarg, &o->trace_engines) != 0)
                return usage_error(
                                   "--trace-engines: '%s' is not a list of engines "
                                   "(alu, valu, load, store, flow)", optarg);
            trace_filter = 1;
            break;
        case OPT_PROFILE:
            if (optarg && !*optarg)
                return usage_error("--profile=: the file name is empty");
            o->profile_file = optarg ? optarg : "-";
            o->profile_file_given = optarg != NULL;
            break;
        case OPT_ANNOTATE:
            if (optarg && !*optarg)
                return usage_error("--annotate=: the file name is empty");
            o->annotate_file = optarg ? optarg : "-";
            break;
        case OPT_REPORT:
            if (!*optarg)
                return usage_error("--report: the file name is empty");
            o->report_file = optarg;
            break;
        case 'h':
            vrun_print_usage(stdout);
            return VRUN_OPTIONS_DONE;
        case 'V':
            cli_print_version("vrun");
            return VRUN_OPTIONS_DONE;
        case CLI_BAD:
            return VRUN_OPTIONS_USAGE_ERROR;
        case CLI_OPERAND:
            if (after_optional && ncand < 4) {
                cand[ncand].option = after_optional;
                cand[ncand++].value = optarg;
                break;
            }
            if (nimages++ == 0)
                o->image = optarg;
            else if (!extra)
                extra = optarg;
            break;
        }
        int optional = c == OPT_TRACE || c == OPT_TRACE_TEXT || c == OPT_PROFILE || c == OPT_ANNOTATE;
        if (optional)
            optional_without_value = optarg ? optional_without_value : cp.text;
        after_optional = optional && !optarg ? c : 0;
    }
    if (nimages == 0 && ncand == 1) {   /* `--trace k.bin`: the image */
        o->image = cand[0].value;
        nimages = 1;
        ncand = 0;
    }
    if (nimages == 1)
        for (int i = 0; i < ncand; i++) {
            const char **target = cand[i].option == OPT_TRACE        ? &o->trace_file
                                  : cand[i].option == OPT_TRACE_TEXT ? &o->trace_text
                                  : cand[i].option == OPT_PROFILE    ? &o->profile_file
                                                                     : &o->annotate_file;
            if (!*cand[i].value)
                return usage_error("%s: the file name is empty", cand[i].option == OPT_TRACE ? "--trace"
                                   : cand[i].option == OPT_TRACE_TEXT ? "--trace-text"
                                   : cand[i].option == OPT_PROFILE ? "--profile" : "--annotate");
            *target = cand[i].value;
            o->profile_file_given |= cand[i].option == OPT_PROFILE;
        }
    else if (ncand && !nimages)   /* `--trace a --profile b`: which one is the image? */
        return usage_error("'%s' or '%s' could be the image: give the file of %s with '=' (%s=FILE)",
                           cand[0].value, cand[1].value, optional_without_value, optional_without_value);
    if (!nimages)
        return usage_error("no image given");
    if (extra)
        return usage_error("one image only ('%s' is extra)", extra);

    if (!o->max_cycles_given && !o->mem_in) {
        uint64_t scaled = VRUN_MAX_CYCLES_PER_STEP * o->params.rounds * o->params.batch;
        if (scaled > o->max_cycles)
            o->max_cycles = scaled;
    }
    const char *problem = wl_params_problem(&o->params);
    if (problem && !o->mem_in)
        return usage_error("workload shape: %s", problem);
    if (o->mem_in && (o->trials || o->check))
        return usage_error("--mem-in runs without the workload: it cannot be "
                                          "combined with --%s", o->trials ? "trials" : "check");
    if (o->trials && (o->mem_out || o->scratch_out || o->trace_file || o->trace_text ||
                      o->profile_file || o->annotate_file || o->report_file))
        return usage_error("--mem-out, --scratch-out, the traces, the profile "
                                          "and the report describe one run: they cannot be "
                                          "combined with --trials");
    if (o->json && o->quiet)
        return usage_error("--json and --quiet contradict each other");
    if (o->json && o->trace_text && strcmp(o->trace_text, "-") == 0)
        return usage_error("--json owns standard output: give the text trace a "
                                          "file (--trace-text=FILE)");
    if (o->json && o->profile_file_given && strcmp(o->profile_file, "-") == 0)
        return usage_error("--json owns standard output: without a file, the profile goes into "
                           "the JSON (--profile)");
    if (o->json && o->annotate_file && strcmp(o->annotate_file, "-") == 0)
        return usage_error("--json owns standard output: give the annotation a "
                                          "file (--annotate=FILE)");
    if (trace_filter && !o->trace_file && !o->trace_text)
        return usage_error("--trace-cycles and --trace-engines need --trace or "
                                          "--trace-text");
    if (o->mem_in && strcmp(o->image, "-") == 0 && strcmp(o->mem_in, "-") == 0)
        return usage_error("the image and --mem-in cannot both be standard input ('-')");
    /* "-" is standard output for every output.  The report goes there, and
     * the text outputs may follow it (the text trace and the annotation by
     * default); a binary or JSON output needs it alone, so only under -q. */
    static const char *const names[] = {"--mem-out", "--scratch-out", "--trace", "--report",
                                        "--trace-text", "--annotate", "--profile"};
    const char *to_stdout[] = {o->mem_out, o->scratch_out, o->trace_file, o->report_file,
                               o->trace_text, o->annotate_file, o->profile_file_given ? o->profile_file : NULL};
    const char *binary = NULL, *other = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!to_stdout[i] || strcmp(to_stdout[i], "-") != 0)
            continue;
        const char **slot = i < 4 ? &binary : &other;
        if (i < 4 && binary)
            return usage_error("%s and %s both go to standard output ('-')", binary, names[i]);
        if (!*slot)
            *slot = names[i];
        if (i < 4 && (!o->quiet || o->output))
            return usage_error("%s -: standard output carries the report; add -q (and no -o) to "
                               "give it to %s, or name a file", names[i], names[i]);
    }
    if (binary && other)
        return usage_error("%s and %s both go to standard output ('-')", binary, other);
    const char *inputs[] = {o->image, o->mem_in};
    const char *outputs[] = {o->output, o->mem_out, o->scratch_out, o->trace_file, o->trace_text,
                             o->profile_file, o->annotate_file, o->report_file};
    if (cli_check_outputs("vrun", inputs, 2, outputs, sizeof outputs / sizeof outputs[0]) != 0)
        return VRUN_OPTIONS_USAGE_ERROR;
    return VRUN_OPTIONS_RUN;
}

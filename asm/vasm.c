/*
 * vasm: the assembler and linker driver (docs/vasm.md).
 *
 *   vasm [options] FILE... [-o OUT]
 *
 * Every source is assembled into an object; with -c that object is the
 * output, otherwise all objects (sources and .vo files) are linked into an
 * executable image.  Every output (image, listing, map, disassembly) is
 * prepared in memory and written to a temporary file; only when all of
 * them are ready and nothing failed are they renamed into place, so an
 * error never leaves a new or half-written output behind.
 *
 * Exit status (docs/cli.md): 0 success, 1 errors in the sources or the
 * link, 2 usage or I/O errors (an input cannot be read or is rejected, an
 * output cannot be written).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdio_ext.h>   /* __fpurge */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asm.h"
#include "background.h"
#include "cli.h"
#include "ast.h"
#include "depfile.h"
#include "disasm.h"
#include "image.h"
#include "link.h"
#include "listing.h"
#include "outfile.h"
#include "source.h"
#include "spell.h"

enum { OPT_MAP = 256, OPT_DISASSEMBLE, OPT_SCHED_REPORT, OPT_COLOR, OPT_NO_THREADS };

static void usage(FILE *f)
{
    fprintf(f,
            "usage: vasm [options] FILE... [-o OUT]\n"
            "\n"
            "Assembles each source FILE into an object and links the objects (sources\n"
            "and .vo files) into an executable image.\n"
            "\n"
            "  -o, --output FILE    output file ('-': standard output; default a.out,\n"
            "                       or NAME.vo with -c)\n"
            "  -c                   assemble each source into an object NAME.vo (or -o,\n"
            "                       for one source); do not link\n"
            "  -S                   assemble each source and write it back as source, its\n"
            "                       linear regions scheduled (NAME.s.vasm, or -o)\n"
            "  -I DIR               search DIR for .include files (after the including\n"
            "                       file's directory)\n"
            "  -D NAME[=VALUE]      define NAME as .equ VALUE (default 1) before the source\n"
            "  -MD                  also write make dependencies (the sources and the files\n"
            "                       they include) to OUT with its extension replaced by .d\n"
            "  -MF FILE             write the dependencies to FILE instead\n"
            "  -MT TARGET           name TARGET as the rule's target instead of OUT\n"
            "  -MP                  add an empty rule per included file, as gcc -MP\n"
            "  -l, --listing FILE   write a listing of the linked program\n"
            "  --map FILE           write the link map\n"
            "  --disassemble FILE   write the disassembly of the linked program\n"
            "  -s, --strip          leave symbols and the line map out of the image\n"
            "  -O0, -O1, -O2        linear regions: one slot per bundle in source order,\n"
            "                       one list-scheduling pass (the default), or the best\n"
            "                       of several heuristics\n"
            "  --sched-report[=FILE]  figures per linear region (default: standard error)\n"
            "  -WNAME, -Wno-NAME    enable or disable a warning (an unknown -Wno-NAME is\n"
            "                       ignored, another unknown -W is a warning)\n"
            "  -Wall, -Wextra       the warnings on by default; every warning\n"
            "  -Werror[=NAME]       treat warnings (or this one) as errors;\n"
            "                       -Wno-error[=NAME] undoes it\n"
            "  -w                   disable all warnings\n"
            "  -fdiagnostics-color[=WHEN]  colour messages: auto (on a terminal, unless\n"
            "                       NO_COLOR is set; the default), always or never\n"
            "  -ferror-limit=N, -fmax-errors=N  stop after N errors (default 20; 0: none)\n"
            "  --no-threads         do all the work on one thread (by default a helper\n"
            "                       thread asks for memory and writes the image, where\n"
            "                       more than one CPU is online); the output is the same\n"
            "  -h, --help           show this help and exit\n"
            "  -V, --version        show the version and exit\n"
            "\n"
            "Warnings:\n");
    for (int i = 0; i < ASM_WARNING_COUNT; i++)
        fprintf(f, "  %-20s %s (%s by default)\n", asm_warnings[i].name, asm_warnings[i].help,
                asm_warnings[i].on_by_default ? "on" : "off");
    fprintf(f, "\nExit status: 0 success, 1 assembly or link errors, 2 usage or I/O errors\n"
               "(docs/cli.md).\n");
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* How messages and line maps name an input ("-" is standard input). */
static const char *display_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

/* ---- warnings and colour ------------------------------------------------- */

/* One -W option (name: what follows "-W"), as gcc and clang take them:
 * -Wall (the warnings on by default), -Wextra (every warning), -Werror,
 * -Werror=NAME, -Wno-error[=NAME], -WNAME and -Wno-NAME.  Returns 0 for
 * a name it does not know (-Wno-UNKNOWN is silently accepted, as gcc does). */
static int set_warning(asm_options *opt, diag *d, const char *name)
{
    int off = strncmp(name, "no-", 3) == 0;
    const char *w = name + 3 * off;
    if (strcmp(w, "error") == 0) {
        diag_set_werror(d, !off);
        return 1;
    }
    if (strncmp(w, "error=", 6) == 0) {
        unsigned bit = asm_warning_bit(w + 6);
        if (bit) {
            diag_set_werror_flag(d, w + 6, !off);
            if (!off)
                opt->warnings |= bit;
        }
        return bit || off;
    }
    unsigned bits = 0;
    if (strcmp(w, "all") == 0 || strcmp(w, "extra") == 0) {
        for (int i = 0; i < ASM_WARNING_COUNT; i++)
            if (w[0] == 'e' || asm_warnings[i].on_by_default)
                bits |= asm_warnings[i].bit;
    } else {
        bits = asm_warning_bit(w);
    }
    opt->warnings = off ? opt->warnings & ~bits : opt->warnings | bits;
    return bits || off;
}

/* An unknown -W option is a warning, not an error (as in clang), with
 * the nearest known name. */
static void report_unknown_warning(diag *d, const char *option)
{
    const char *name = option + 2;
    int to_error = strncmp(name, "error=", 6) == 0;
    if (to_error)
        name += 6;
    spell_match m;
    spell_init(&m, name);
    spell_consider(&m, "all");
    spell_consider(&m, "extra");
    spell_consider(&m, "error");
    for (int i = 0; i < ASM_WARNING_COUNT; i++)
        spell_consider(&m, asm_warnings[i].name);
    const char *near = spell_result(&m);
    if (near)
        diag_warning(d, NULL, "unknown-warning-option", "unknown warning option '%s'; did you mean '-W%s%s'?",
                     option, to_error ? "error=" : "", near);
    else
        diag_warning(d, NULL, "unknown-warning-option", "unknown warning option '%s'", option);
}

/* -fdiagnostics-color[=WHEN] (f: what follows "-f"). */
static int set_color(diag *d, const char *f)
{
    cli_color mode;
    if (cli_parse_color("vasm", f, &mode) != 0)
        return -1;
    diag_set_color(d, cli_use_color(mode, stderr));
    return 0;
}

/* Whether a source can be read, errno telling why not: a directory
 * cannot (it opens, and fails only when read). */
static int readable_file(const char *path)
{
    struct stat st;
    if (access(path, R_OK) != 0 || stat(path, &st) != 0)
        return 0;
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        return 0;
    }
    return 1;
}

/* ---- outputs ------------------------------------------------------------ */

typedef struct {
    const char *path;
    char *data;
    size_t size;
    const vimage *image;   /* or an image (or object), encoded as it is written */
} output;

typedef struct {
    output *items;   /* room for one per input (-c) and the link's five */
    int n;
} outputs;

static void add_output(outputs *o, const char *path, char *data, size_t size)
{
    o->items[o->n++] = (output){path, data, size, NULL};
}

static void add_image_output(outputs *o, const char *path, const vimage *img)
{
    o->items[o->n++] = (output){path, NULL, 0, img};
}

static int write_all(FILE *f, const char *data, size_t size)
{
    return fwrite(data, 1, size, f) == size && fflush(f) == 0 ? 0 : -1;
}

/* An image is encoded straight into the file (img_write_stream): a big
 * one is never held encoded in memory as well.  A failure other than
 * I/O is reported here (deferred code is checked as it is encoded);
 * then *reported is set. */
static int write_output(FILE *f, const output *out, diag *d, int *reported)
{
    if (!out->image)
        return write_all(f, out->data, out->size);
    img_status st;
    if (img_write_stream(out->image, f, &st) != 0) {
        if (st.code != IMG_ERR_IO) {
            diag_error(d, NULL, "internal error: the output fails validation: %s (%s)", img_error_text(st.code),
                       st.detail);
            *reported = 1;
        }
        return -1;
    }
    return fflush(f) == 0 ? 0 : -1;
}

static int is_stdout(const output *out)
{
    return strcmp(out->path, "-") == 0;
}

static void cannot_write(diag *d, const output *out)
{
    diag_loc loc = {out->path, 0, 0, 0};
    diag_error(d, &loc, "cannot write: %s", strerror(errno));
}

/* Writes every output file in full to its temporary, then standard
 * output, and only then renames the files into place: a failure in any
 * write (a full disk, standard output on /dev/full) leaves all existing
 * files alone. */
static int commit_outputs(outputs *o, diag *d)
{
    outfile *files = calloc((size_t)o->n + 1, sizeof *files);
    if (!files)
        abort();
    int failed = 0, reported = 0;
    for (int i = 0; i < o->n && !failed; i++) {
        output *out = &o->items[i];
        if (is_stdout(out))
            continue;
        if (outfile_open(&files[i], out->path) != 0 || write_output(files[i].f, out, d, &reported) != 0) {
            if (!reported)
                cannot_write(d, out);
            failed = 1;
        }
    }
    for (int i = 0; i < o->n && !failed; i++)
        if (is_stdout(&o->items[i]) && write_output(stdout, &o->items[i], d, &reported) != 0) {
            if (!reported)
                diag_error(d, NULL, "cannot write to standard output: %s", strerror(errno));
            __fpurge(stdout);   /* reported: not again at exit (cli_check_stdout_at_exit) */
            clearerr(stdout);
            failed = 1;
        }
    for (int i = 0; i < o->n && !failed; i++)
        if (files[i].f && outfile_commit(&files[i]) != 0) {
            cannot_write(d, &o->items[i]);
            failed = 1;
        }
    for (int i = 0; i < o->n; i++) {
        outfile_discard(&files[i]);
        free(o->items[i].data);
    }
    free(files);
    return failed ? -1 : 0;
}

/* 0, or -1 (reported) when an image to be written fails validation. */
static int check_output(const vimage *img, diag *d)
{
    img_status st;
    if (img_validate(img, &st) != 0) {
        diag_error(d, NULL, "internal error: the output fails validation: %s (%s)", img_error_text(st.code),
                   st.detail);
        return -1;
    }
    return 0;
}

/* The default output of a source with -c or -S: its base name, .vasm
 * replaced by ext, in the current directory ("-": a.vasm). */
static char *default_output(const char *path, const char *ext)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strcmp(path, "-") == 0)
        base = "a.vasm";
    size_t len = strlen(base);
    if (ends_with(base, ".vasm"))
        len -= 5;
    char *name = malloc(len + strlen(ext) + 1);
    if (!name)
        abort();
    snprintf(name, len + strlen(ext) + 1, "%.*s%s", (int)len, base, ext);
    return name;
}

/* ---- main ------------------------------------------------------------------ */

typedef struct {
    const char *path;
    char *text;               /* standard input's text (kept for the listing) */
    size_t size;
    vimage *obj;
    char *out;                /* -c, -S: the default output NAME.vo or NAME.s.vasm */
    dep_list deps;            /* -MD with -c or -S: this source and its includes */
    char *dep_file;           /* -MD with -c or -S and no -MF: NAME.d */
} input;

/* -MD, -MF, -MT, -MP (p->value is what follows "-M"); 0, or -1 after a
 * usage error. */
static int set_dep_option(cli_parser *p, int *md, int *mp, const char **mf, const char **mt)
{
    const char *v = p->value ? p->value : "";
    if (strcmp(v, "D") == 0) {
        *md = 1;
        return 0;
    }
    if (strcmp(v, "P") == 0) {
        *mp = 1;
        return 0;
    }
    if (v[0] == 'F' || v[0] == 'T') {
        const char *arg = v[1] ? v + 1 : p->next < p->argc ? p->argv[p->next++] : NULL;
        if (!arg || !*arg) {
            cli_usage_error("vasm", "option '-M%c' needs an argument", v[0]);
            return -1;
        }
        *(v[0] == 'F' ? mf : mt) = arg;
        return 0;
    }
    cli_usage_error("vasm", "unknown option '%s' (vasm takes -MD, -MF FILE, -MT TARGET and -MP)", p->text);
    return -1;
}

/* The make rule of deps, as bytes for an output. */
static void add_dep_output(outputs *o, const char *file, const char *given_target, const char *output,
                           const dep_list *deps, int phony)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (!f)
        abort();
    dep_write(f, given_target ? given_target : output, !given_target, deps, phony);
    fclose(f);
    add_output(o, file, text, size);
}

int main(int argc, char **argv)
{
    cli_check_stdout_at_exit("vasm");
    static const cli_option options[] = {
        {'o', 'o', "output", CLI_ARG},
        {'c', 'c', NULL, CLI_NO_ARG},
        {'S', 'S', NULL, CLI_NO_ARG},
        {'I', 'I', NULL, CLI_ARG},
        {'D', 'D', NULL, CLI_ARG},
        {'M', 'M', NULL, CLI_OPTIONAL_ARG},
        {'l', 'l', "listing", CLI_ARG},
        {OPT_MAP, 0, "map", CLI_ARG},
        {OPT_DISASSEMBLE, 0, "disassemble", CLI_ARG},
        {'s', 's', "strip", CLI_NO_ARG},
        {'O', 'O', NULL, CLI_OPTIONAL_ARG},
        {OPT_SCHED_REPORT, 0, "sched-report", CLI_OPTIONAL_ARG},
        {'w', 'w', NULL, CLI_NO_ARG},
        {'W', 'W', NULL, CLI_OPTIONAL_ARG},
        {OPT_COLOR, 'f', NULL, CLI_OPTIONAL_ARG},
        {OPT_NO_THREADS, 0, "no-threads", CLI_NO_ARG},
        {'h', 'h', "help", CLI_NO_ARG},
        {'V', 'V', "version", CLI_NO_ARG},
        {0, 0, NULL, CLI_NO_ARG},
    };
    const char *out_path = NULL, *listing = NULL, *map = NULL, *disassembly = NULL;
    const char *sched_report = NULL;
    const char *dep_file = NULL, *dep_target = NULL;
    int compile_only = 0, as_source = 0, strip = 0, deps = 0, dep_phony = 0;
    dep_list link_deps = {0};
    char *link_dep_file = NULL;
    int error_limit = DIAG_DEFAULT_ERROR_LIMIT;
    size_t n = (size_t)argc;
    input *inputs = calloc(n, sizeof *inputs);
    const char **dirs = calloc(n, sizeof *dirs), **defines = calloc(n, sizeof *defines);
    if (!inputs || !dirs || !defines)
        abort();
    size_t ninputs = 0;
    asm_options opt;
    asm_options_init(&opt);
    opt.include_dirs = dirs;
    opt.defines = defines;

    diag *d = diag_new(stderr, "vasm");
    diag_set_color(d, cli_use_color(CLI_COLOR_AUTO, stderr));
    diag_read_sources(d, 1);   /* link errors cite objects' line maps: show those lines */
    const char **unknown_warnings = calloc(n, sizeof *unknown_warnings);
    if (!unknown_warnings)
        abort();
    size_t nunknown = 0;
    int rc;
    cli_parser p;
    cli_init(&p, "vasm", options, argc, argv);
    for (int id; (id = cli_next(&p)) != CLI_END;) {
        switch (id) {
        case CLI_OPERAND:
            inputs[ninputs++].path = p.value;
            break;
        case CLI_BAD:
            rc = CLI_EXIT_USAGE;
            goto early;
        case 'h':
            usage(stdout);
            rc = CLI_EXIT_OK;
            goto early;
        case 'V':
            cli_print_version("vasm");
            rc = CLI_EXIT_OK;
            goto early;
        case 'c':
            compile_only = 1;
            break;
        case 'S':
            compile_only = as_source = 1;
            break;
        case 's':
            strip = 1;
            break;
        case 'O':
            if (p.value && (p.value[1] || p.value[0] < '0' || p.value[0] > '2')) {
                cli_usage_error("vasm", "unknown optimization level '%s' (-O0, -O1 or -O2)", p.text);
                rc = CLI_EXIT_USAGE;
                goto early;
            }
            opt.opt_level = p.value ? p.value[0] - '0' : 1;
            break;
        case OPT_SCHED_REPORT:
            if (p.value && !*p.value) {
                cli_usage_error("vasm", "%s needs a file name after '='", p.text);
                rc = CLI_EXIT_USAGE;
                goto early;
            }
            sched_report = p.value ? p.value : "";
            break;
        case 'w':
            opt.warnings = 0;
            break;
        case OPT_NO_THREADS:
            bg_set_enabled(0);
            break;
        case 'W':
            if (!p.value || !*p.value) {
                cli_usage_error("vasm", "'-W' needs a warning name (-WNAME, -Wno-NAME)");
                rc = CLI_EXIT_USAGE;
                goto early;
            }
            if (!set_warning(&opt, d, p.value))
                unknown_warnings[nunknown++] = p.text;
            break;
        case OPT_MAP:
            map = p.value;
            break;
        case OPT_DISASSEMBLE:
            disassembly = p.value;
            break;
        case 'o':
            out_path = p.value;
            break;
        case 'l':
            listing = p.value;
            break;
        case 'I':
            dirs[opt.ninclude_dirs++] = p.value;
            break;
        case 'D':
            defines[opt.ndefines++] = p.value;
            break;
        case 'M':
            if (set_dep_option(&p, &deps, &dep_phony, &dep_file, &dep_target) != 0) {
                rc = CLI_EXIT_USAGE;
                goto early;
            }
            break;
        case OPT_COLOR:   /* -fNAME: the diagnostics' colour or error limit */
            if (p.value && (strncmp(p.value, "error-limit=", 12) == 0 || strncmp(p.value, "max-errors=", 11) == 0)) {
                const char *v = strchr(p.value, '=') + 1;
                char *end;
                long limit = strtol(v, &end, 10);
                if (!*v || *end || limit < 0 || limit > INT_MAX) {
                    cli_usage_error("vasm", "'%s': the error limit must be a number from 0 (no limit)", p.text);
                    rc = CLI_EXIT_USAGE;
                    goto early;
                }
                error_limit = (int)limit;
            } else if (set_color(d, p.value) != 0) {
                rc = CLI_EXIT_USAGE;
                goto early;
            }
            break;
        }
    }
    diag_set_error_limit(d, error_limit);
    for (size_t i = 0; i < nunknown; i++)
        report_unknown_warning(d, unknown_warnings[i]);
    int object_input = 0;
    for (size_t i = 0; i < ninputs; i++)
        object_input |= ends_with(inputs[i].path, ".vo");
    const char *misuse = ninputs == 0 ? "no input files"
                         : compile_only && object_input
                             ? (as_source ? "-S takes sources, not objects" : "-c takes sources, not objects")
                         : compile_only && ninputs > 1 && out_path
                             ? "-o names one output: with -c or -S and several sources, each gets its own "
                               "(NAME.vo or NAME.s.vasm)"
                         : compile_only && (listing || map || disassembly)
                             ? "-l, --map and --disassemble describe a linked program; they cannot be used with -c"
                         : !deps && (dep_file || dep_target || dep_phony) ? "-MF, -MT and -MP go with -MD"
                         : deps && compile_only && ninputs > 1 && (dep_file || dep_target)
                             ? "-MF and -MT name one rule: with -c or -S and several sources, each gets its own "
                               "(NAME.d)"
                             : NULL;
    if (misuse) {
        cli_usage_error("vasm", "%s", misuse);
        rc = CLI_EXIT_USAGE;
        goto early;
    }

    /* With -c or -S each source has its output: -o, or NAME.vo (NAME.s.vasm)
     * in the current directory, as gcc -c does. */
    for (size_t i = 0; i < ninputs && compile_only; i++)
        inputs[i].out = out_path ? NULL : default_output(inputs[i].path, as_source ? ".s.vasm" : ".vo");
    if (!out_path && !compile_only)
        out_path = "a.out";
    /* -MD: a rule per output, in NAME.d beside it (or -MF). */
    for (size_t i = 0; i < ninputs && deps && compile_only; i++) {
        const char *target = out_path ? out_path : inputs[i].out;
        if (!dep_file && strcmp(target, "-") == 0) {
            cli_usage_error("vasm", "-MD: the output is standard output; name the dependency file with -MF FILE");
            rc = CLI_EXIT_USAGE;
            goto early;
        }
        inputs[i].dep_file = dep_file ? NULL : dep_default_name(target);
    }
    if (deps && !compile_only) {
        if (!dep_file && strcmp(out_path, "-") == 0) {
            cli_usage_error("vasm", "-MD: the output is standard output; name the dependency file with -MF FILE");
            rc = CLI_EXIT_USAGE;
            goto early;
        }
        link_dep_file = dep_file ? NULL : dep_default_name(out_path);
    }

    {
        const char **in_paths = calloc(ninputs, sizeof *in_paths);
        const char **out_paths = calloc(2 * ninputs + 7, sizeof *out_paths);
        if (!in_paths || !out_paths)
            abort();
        for (size_t i = 0; i < ninputs; i++) {
            in_paths[i] = inputs[i].path;
            out_paths[5 + i] = inputs[i].out;
            out_paths[5 + ninputs + i] = inputs[i].dep_file;
        }
        out_paths[5 + 2 * ninputs] = dep_file;
        out_paths[6 + 2 * ninputs] = link_dep_file;
        out_paths[0] = out_path;
        out_paths[1] = listing;
        out_paths[2] = map;
        out_paths[3] = disassembly;
        out_paths[4] = sched_report && *sched_report ? sched_report : NULL;
        int clash = cli_check_outputs("vasm", in_paths, ninputs, out_paths, 2 * ninputs + 7);
        free(in_paths);
        free(out_paths);
        if (clash) {
            rc = CLI_EXIT_USAGE;
            goto early;
        }
    }
    char *report_text = NULL;
    size_t report_size = 0;
    if (sched_report) {
        opt.sched_report = *sched_report ? open_memstream(&report_text, &report_size) : stderr;
        if (!opt.sched_report)
            abort();
    }
    /* A one-file build whose image is only written leaves the code in the
     * assembler's program until it is written (asm.h, defer_code): the
     * object, the link and the image then hold no copy of it. */
    opt.defer_code = ninputs == 1 && !compile_only && !listing && !disassembly;
    int status = 0;
    for (size_t i = 0; i < ninputs; i++) {
        input *in = &inputs[i];
        /* The assembler's stages find problems in their own order (syntax,
         * then symbols): each source's messages are printed top to bottom. */
        diag_flush(d);
        diag_hold(d);
        dep_list *in_deps = compile_only ? &in->deps : &link_deps;
        if (strcmp(in->path, "-") != 0)   /* standard input is no file make can check */
            dep_add_input(in_deps, in->path);
        opt.on_include = deps ? dep_on_include : NULL;
        opt.on_include_arg = in_deps;
        if (ends_with(in->path, ".vo")) {
            img_status st;
            in->obj = img_read_file(in->path, &st);
            if (!in->obj) {
                diag_loc loc = {in->path, 0, 0, 0};
                if (st.code == IMG_ERR_IO)   /* the detail names the file */
                    diag_error(d, NULL, "%s", st.detail);
                else
                    diag_error(d, &loc, "cannot use this object: %s%s%s", img_error_text(st.code),
                               st.detail[0] ? ": " : "", st.detail);
                status = CLI_EXIT_USAGE;   /* a rejected input, like an unreadable one */
            }
            continue;
        }
        if (strcmp(in->path, "-") == 0) {
            /* Kept: the listing cannot read standard input again. */
            in->text = asm_read_source(in->path, &in->size);
            if (!in->text) {
                diag_loc loc = {display_name(in->path), 0, 0, 0};
                diag_error(d, &loc, "cannot read the source: %s", strerror(errno));
                status = CLI_EXIT_USAGE;
                continue;
            }
            in->obj = asm_assemble_text(display_name(in->path), in->text, in->size, &opt, d);
        } else if (!readable_file(in->path)) {
            diag_loc loc = {in->path, 0, 0, 0};
            diag_error(d, &loc, "cannot read the source: %s", strerror(errno));
            status = CLI_EXIT_USAGE;
            continue;
        } else {
            in->obj = asm_assemble_file(in->path, &opt, d);
        }
        if (!in->obj && !status)
            status = CLI_EXIT_FAILED;
    }
    diag_flush(d);

    outputs outs = {.items = calloc(2 * ninputs + 6, sizeof *outs.items), .n = 0};
    if (!outs.items)
        abort();
    vimage *exe = NULL;
    for (size_t i = 0; i < ninputs && !status && as_source; i++) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        if (!f)
            abort();
        asm_print_source(f, inputs[i].obj);
        fclose(f);
        add_output(&outs, out_path ? out_path : inputs[i].out, text, size);
    }
    for (size_t i = 0; i < ninputs && !status && compile_only && deps; i++)
        add_dep_output(&outs, dep_file ? dep_file : inputs[i].dep_file, dep_target,
                       out_path ? out_path : inputs[i].out, &inputs[i].deps, dep_phony);
    for (size_t i = 0; i < ninputs && !status && compile_only && !as_source; i++) {
        if (check_output(inputs[i].obj, d) == 0)
            add_image_output(&outs, out_path ? out_path : inputs[i].out, inputs[i].obj);
        else
            status = CLI_EXIT_FAILED;
    }
    if (!status && !compile_only) {
        lnk_input *li = calloc(ninputs, sizeof *li);
        if (!li)
            abort();
        for (size_t i = 0; i < ninputs; i++)
            li[i] = (lnk_input){inputs[i].obj, display_name(inputs[i].path)};
        char *map_text = NULL;
        size_t map_size = 0;
        FILE *map_file = map ? open_memstream(&map_text, &map_size) : NULL;
        if (map && !map_file)
            abort();
        lnk_options lo = {.map = map_file, .strip = strip};
        /* One object (a one-file build): its code becomes the image's, not a copy. */
        exe = ninputs == 1 ? lnk_link_taking(inputs[0].obj, li[0].name, &lo, d) : lnk_link(li, ninputs, &lo, d);
        if (map_file)
            fclose(map_file);
        free(li);
        if (!exe || check_output(exe, d) != 0) {
            status = CLI_EXIT_FAILED;
            free(map_text);
        } else {
            add_image_output(&outs, out_path, exe);
            if (deps)
                add_dep_output(&outs, dep_file ? dep_file : link_dep_file, dep_target, out_path, &link_deps,
                               dep_phony);
            if (map)
                add_output(&outs, map, map_text, map_size);
            else
                free(map_text);
            if (listing) {
                asm_listing_source *known = calloc(ninputs, sizeof *known);
                if (!known)
                    abort();
                size_t nknown = 0;
                for (size_t i = 0; i < ninputs; i++)
                    if (inputs[i].text)
                        known[nknown++] = (asm_listing_source){display_name(inputs[i].path), inputs[i].text,
                                                               inputs[i].size};
                char *text = NULL;
                size_t size = 0;
                FILE *f = open_memstream(&text, &size);
                if (!f)
                    abort();
                asm_write_listing(f, exe, known, nknown);
                fclose(f);
                free(known);
                add_output(&outs, listing, text, size);
            }
            if (disassembly) {
                char *text = NULL;
                size_t size = 0;
                FILE *f = open_memstream(&text, &size);
                if (!f)
                    abort();
                dis_print(f, exe, NULL);
                fclose(f);
                add_output(&outs, disassembly, text, size);
            }
        }
    }
    if (sched_report && *sched_report) {
        fclose(opt.sched_report);
        if (!status)
            add_output(&outs, sched_report, report_text, report_size);
        else
            free(report_text);
    }
    if (!status && commit_outputs(&outs, d) != 0)
        status = CLI_EXIT_USAGE;

    img_free(exe);
    for (size_t i = 0; i < ninputs; i++) {
        img_free(inputs[i].obj);
        free(inputs[i].text);
        free(inputs[i].out);
        free(inputs[i].dep_file);
        dep_free(&inputs[i].deps);
    }
    free(link_dep_file);
    dep_free(&link_deps);
    free(outs.items);
    free(inputs);
    free(dirs);
    free(defines);
    free(unknown_warnings);
    diag_print_summary(d);
    diag_free(d);
    return status;

early:   /* --help, --version and usage errors */
    diag_free(d);
    free(unknown_warnings);
    free(link_dep_file);
    for (size_t i = 0; i < ninputs; i++) {
        free(inputs[i].out);
        free(inputs[i].dep_file);
    }
    free(inputs);
    free(dirs);
    free(defines);
    return rc;
}

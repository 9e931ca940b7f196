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
 * Exit status: 0 success, 1 errors in the sources or the link, 2 usage or
 * I/O errors (an input cannot be read, an output cannot be written).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asm.h"
#include "ast.h"
#include "disasm.h"
#include "image.h"
#include "link.h"
#include "listing.h"
#include "outfile.h"
#include "source.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

enum { EXIT_ERRORS = 1, EXIT_USAGE = 2 };

static void usage(FILE *f)
{
    fprintf(f,
            "usage: vasm [options] FILE... [-o OUT]\n"
            "\n"
            "Assembles each source FILE into an object and links the objects (sources\n"
            "and .vo files) into an executable image.\n"
            "\n"
            "  -o FILE              output file ('-': standard output; default a.out,\n"
            "                       or NAME.vo with -c)\n"
            "  -c                   assemble one source into an object; do not link\n"
            "  -S                   assemble one source and write it back as source, its\n"
            "                       linear regions scheduled (default NAME.s.vasm)\n"
            "  -I DIR               search DIR for .include files (after the including\n"
            "                       file's directory)\n"
            "  -D NAME[=VALUE]      define NAME as .equ VALUE (default 1) before the source\n"
            "  -l FILE              write a listing of the linked program\n"
            "  --map FILE           write the link map\n"
            "  --disassemble FILE   write the disassembly of the linked program\n"
            "  -s, --strip          leave symbols and the line map out of the image\n"
            "  -O0, -O1, -O2        linear regions: one slot per bundle in source order,\n"
            "                       one list-scheduling pass (the default), or the best\n"
            "                       of several heuristics\n"
            "  --sched-report[=FILE]  figures per linear region (default: standard error)\n"
            "  -WNAME, -Wno-NAME    enable or disable a warning\n"
            "  -Werror              treat warnings as errors\n"
            "  -w                   disable all warnings\n"
            "  -ferror-limit=N, -fmax-errors=N  stop after N errors (default 20; 0: none)\n"
            "  --help, --version\n"
            "\n"
            "Warnings:\n");
    for (int i = 0; i < ASM_WARNING_COUNT; i++)
        fprintf(f, "  %-20s %s (%s by default)\n", asm_warnings[i].name, asm_warnings[i].help,
                asm_warnings[i].on_by_default ? "on" : "off");
    fprintf(f, "\nExit status: 0 success, 1 assembly or link errors, 2 usage or I/O errors.\n");
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "vasm: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'vasm --help'.\n");
    return EXIT_USAGE;
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

/* ---- outputs ------------------------------------------------------------ */

typedef struct {
    const char *path;
    char *data;
    size_t size;
} output;

typedef struct {
    output items[5];
    int n;
} outputs;

static void add_output(outputs *o, const char *path, char *data, size_t size)
{
    o->items[o->n++] = (output){path, data, size};
}

static int write_all(FILE *f, const char *data, size_t size)
{
    return fwrite(data, 1, size, f) == size && fflush(f) == 0 ? 0 : -1;
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

/* Writes every output file in full to its temporary before renaming any,
 * so a failure leaves all existing files alone; standard output is written
 * last, once every file is in place. */
static int commit_outputs(outputs *o, diag *d)
{
    outfile files[sizeof o->items / sizeof o->items[0]] = {{0}};
    int failed = 0;
    for (int i = 0; i < o->n && !failed; i++) {
        output *out = &o->items[i];
        if (is_stdout(out))
            continue;
        if (outfile_open(&files[i], out->path) != 0 || write_all(files[i].f, out->data, out->size) != 0) {
            cannot_write(d, out);
            failed = 1;
        }
    }
    for (int i = 0; i < o->n && !failed; i++)
        if (files[i].f && outfile_commit(&files[i]) != 0) {
            cannot_write(d, &o->items[i]);
            failed = 1;
        }
    for (int i = 0; i < o->n; i++) {
        output *out = &o->items[i];
        outfile_discard(&files[i]);
        if (!failed && is_stdout(out) && write_all(stdout, out->data, out->size) != 0) {
            diag_error(d, NULL, "cannot write to standard output: %s", strerror(errno));
            failed = 1;
        }
        free(out->data);
    }
    return failed ? -1 : 0;
}

/* The image as bytes, or -1 (reported) when it fails validation. */
static int encode(const vimage *img, output *out_bytes, diag *d)
{
    uint8_t *buf;
    size_t size;
    if (img_encode(img, &buf, &size) != 0) {
        img_status st;
        img_validate(img, &st);
        diag_error(d, NULL, "internal error: the output fails validation: %s (%s)", img_error_text(st.code),
                   st.detail);
        return -1;
    }
    out_bytes->data = (char *)buf;
    out_bytes->size = size;
    return 0;
}

/* ---- main ------------------------------------------------------------------ */

typedef struct {
    const char *path;
    char *text;               /* standard input's text (kept for the listing) */
    size_t size;
    vimage *obj;
} input;

int main(int argc, char **argv)
{
    const char *out_path = NULL, *listing = NULL, *map = NULL, *disassembly = NULL;
    const char *sched_report = NULL;
    int compile_only = 0, as_source = 0, werror = 0, strip = 0;
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

    int only_files = 0, rc;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        /* The value of "--opt=V" or "--opt V" (NULL when missing). */
#define VALUE(flag)                                                                  \
    (a[strlen(flag)] ? a + strlen(flag) + (a[strlen(flag)] == '=')                   \
                     : (i + 1 < argc ? argv[++i] : NULL))
        const char *problem = NULL;
        if (only_files || a[0] != '-' || strcmp(a, "-") == 0) {
            inputs[ninputs++].path = a;
        } else if (strcmp(a, "--") == 0) {
            only_files = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "--version") == 0) {
            if (a[2] == 'h')
                usage(stdout);
            else
                printf("vasm (vliwkit) %s\n", PACKAGE_VERSION);
            rc = 0;
            goto early;
        } else if (strcmp(a, "-c") == 0) {
            compile_only = 1;
        } else if (strcmp(a, "-S") == 0) {
            compile_only = as_source = 1;
        } else if (strcmp(a, "-s") == 0 || strcmp(a, "--strip") == 0) {
            strip = 1;
        } else if (a[1] == 'O' && (a[2] == '\0' || ((a[2] >= '0' && a[2] <= '2') && a[3] == '\0'))) {
            opt.opt_level = a[2] ? a[2] - '0' : 1;
        } else if (strncmp(a, "--sched-report", 14) == 0 && (a[14] == '\0' || a[14] == '=')) {
            sched_report = a[14] == '=' ? a + 15 : "";
            if (a[14] == '=' && !a[15])
                problem = "%s needs a file name after '='";
        } else if (strcmp(a, "-w") == 0) {
            opt.warnings = 0;
        } else if (strncmp(a, "-ferror-limit=", 14) == 0 || strncmp(a, "-fmax-errors=", 13) == 0) {
            const char *n = strchr(a, '=') + 1;
            char *end;
            long v = strtol(n, &end, 10);
            if (!*n || *end || v < 0 || v > INT_MAX)
                problem = "'%s': the error limit must be a number from 0 (no limit)";
            else
                error_limit = (int)v;
        } else if (strcmp(a, "-Werror") == 0) {
            werror = 1;
        } else if (strcmp(a, "-Wno-error") == 0) {
            werror = 0;
        } else if (strncmp(a, "-W", 2) == 0 && a[2]) {
            int off = strncmp(a + 2, "no-", 3) == 0;
            unsigned bit = asm_warning_bit(a + 2 + 3 * off);
            if (!bit)
                problem = "unknown warning '%s' (vasm --help lists them)";
            opt.warnings = off ? opt.warnings & ~bit : opt.warnings | bit;
        } else if (strncmp(a, "--map", 5) == 0 && (a[5] == '\0' || a[5] == '=')) {
            if (!(map = VALUE("--map")))
                problem = "%s needs a file name";
        } else if (strncmp(a, "--disassemble", 13) == 0 && (a[13] == '\0' || a[13] == '=')) {
            if (!(disassembly = VALUE("--disassemble")))
                problem = "%s needs a file name";
        } else if (a[1] == 'o' || a[1] == 'l' || a[1] == 'I' || a[1] == 'D') {
            const char *v = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v)
                problem = "%s needs a value";
            else if (a[1] == 'o')
                out_path = v;
            else if (a[1] == 'l')
                listing = v;
            else if (a[1] == 'I')
                dirs[opt.ninclude_dirs++] = v;
            else
                defines[opt.ndefines++] = v;
        } else {
            problem = "unknown option '%s'";
        }
#undef VALUE
        if (problem) {
            rc = usage_error(problem, a);
            goto early;
        }
    }
    const char *misuse = ninputs == 0 ? "no input files"
                         : compile_only && (ninputs != 1 || ends_with(inputs[0].path, ".vo"))
                             ? (as_source ? "-S takes exactly one source file" : "-c takes exactly one source file")
                         : compile_only && (listing || map || disassembly)
                             ? "-l, --map and --disassemble describe a linked program; they cannot be used with -c"
                             : NULL;
    if (misuse) {
        rc = usage_error("%s", misuse);
        goto early;
    }

    char *default_out = NULL;
    if (!out_path && compile_only) {
        const char *base = strrchr(inputs[0].path, '/');
        base = base ? base + 1 : inputs[0].path;
        if (strcmp(inputs[0].path, "-") == 0)
            base = "a.vasm";
        size_t len = strlen(base);
        if (ends_with(base, ".vasm"))
            len -= 5;
        const char *ext = as_source ? ".s.vasm" : ".vo";
        default_out = malloc(len + strlen(ext) + 1);
        if (!default_out)
            abort();
        snprintf(default_out, len + strlen(ext) + 1, "%.*s%s", (int)len, base, ext);
        out_path = default_out;
    } else if (!out_path) {
        out_path = "a.out";
    }

    diag *d = diag_new(stderr, "vasm");
    diag_set_werror(d, werror);
    diag_set_error_limit(d, error_limit);
    char *report_text = NULL;
    size_t report_size = 0;
    if (sched_report) {
        opt.sched_report = *sched_report ? open_memstream(&report_text, &report_size) : stderr;
        if (!opt.sched_report)
            abort();
    }
    int status = 0;
    for (size_t i = 0; i < ninputs; i++) {
        input *in = &inputs[i];
        if (ends_with(in->path, ".vo")) {
            img_status st;
            in->obj = img_read_file(in->path, &st);
            if (!in->obj) {
                diag_loc loc = {in->path, 0, 0, 0};
                diag_error(d, &loc, "cannot use this object: %s%s%s", img_error_text(st.code),
                           st.detail[0] ? ": " : "", st.detail);
                status = st.code == IMG_ERR_IO ? EXIT_USAGE : (status ? status : EXIT_ERRORS);
            }
            continue;
        }
        if (strcmp(in->path, "-") == 0) {
            /* Kept: the listing cannot read standard input again. */
            in->text = asm_read_source(in->path, &in->size);
            if (!in->text) {
                diag_loc loc = {display_name(in->path), 0, 0, 0};
                diag_error(d, &loc, "cannot read the source: %s", strerror(errno));
                status = EXIT_USAGE;
                continue;
            }
            in->obj = asm_assemble_text(display_name(in->path), in->text, in->size, &opt, d);
        } else if (access(in->path, R_OK) != 0) {
            diag_loc loc = {in->path, 0, 0, 0};
            diag_error(d, &loc, "cannot read the source: %s", strerror(errno));
            status = EXIT_USAGE;
            continue;
        } else {
            in->obj = asm_assemble_file(in->path, &opt, d);
        }
        if (!in->obj && !status)
            status = EXIT_ERRORS;
    }

    outputs outs = {.n = 0};
    vimage *exe = NULL;
    if (!status && as_source) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        if (!f)
            abort();
        asm_print_source(f, inputs[0].obj);
        fclose(f);
        add_output(&outs, out_path, text, size);
    } else if (!status && compile_only) {
        output bytes = {NULL, NULL, 0};
        if (encode(inputs[0].obj, &bytes, d) == 0)
            add_output(&outs, out_path, bytes.data, bytes.size);
        else
            status = EXIT_ERRORS;
    } else if (!status) {
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
        exe = lnk_link(li, ninputs, &lo, d);
        if (map_file)
            fclose(map_file);
        free(li);
        output bytes = {NULL, NULL, 0};
        if (!exe || encode(exe, &bytes, d) != 0) {
            status = EXIT_ERRORS;
            free(map_text);
        } else {
            add_output(&outs, out_path, bytes.data, bytes.size);
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
        status = EXIT_USAGE;

    img_free(exe);
    for (size_t i = 0; i < ninputs; i++) {
        img_free(inputs[i].obj);
        free(inputs[i].text);
    }
    free(inputs);
    free(dirs);
    free(defines);
    free(default_out);
    diag_free(d);
    return status;

early:   /* --help, --version and usage errors */
    free(inputs);
    free(dirs);
    free(defines);
    return rc;
}

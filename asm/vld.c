/*
 * vld: the standalone linker.
 *
 *   vld [options] FILE.vo... -o OUT
 *
 * Reads relocatable objects, links them (asm/link.h) and writes the
 * executable image atomically.  Exit status: 0 linked, 1 link errors,
 * 2 usage or I/O errors (including an object the reader rejects).  On any
 * error neither the image nor the map is written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "image.h"
#include "link.h"
#include "outfile.h"

enum { EXIT_LINK_ERROR = 1, EXIT_USAGE = 2 };

static void usage(FILE *f)
{
    fprintf(f,
            "usage: vld [options] FILE.vo... -o OUT\n"
            "Links relocatable objects (from vasm -c) into an executable image.\n"
            "\n"
            "options:\n"
            "  -o, --output FILE   write the image to FILE (\"-\": standard output)\n"
            "  --map FILE          write the link map to FILE (\"-\": standard output)\n"
            "  -s, --strip         leave out symbols and the line map\n"
            "  --help              show this help and exit\n"
            "  --version           show the version and exit\n"
            "\n"
            "The module whose label claims the entry is placed first, the rest in\n"
            "command-line order.  Exit status: 0 linked, 1 link errors, 2 usage or I/O\n"
            "errors.  See docs/objects.md.\n");
}

typedef struct {
    const char *output;
    const char *map;
    int strip;
    const char **inputs;
    size_t ninputs;
} vld_args;

/* The value of an option written "--name VALUE", "--name=VALUE" or, for a
 * short one, "-oVALUE"; NULL when arg is not that option.  Advances *i
 * past a separate value; *missing is set when the value is absent. */
static const char *option_value(int argc, char **argv, int *i, const char *name, int *missing)
{
    const char *arg = argv[*i];
    size_t len = strlen(name);
    if (strncmp(arg, name, len) != 0)
        return NULL;
    if (arg[len] == '=' && name[1] == '-')
        return arg + len + 1;
    if (arg[len] != '\0') {
        if (name[1] != '-')
            return arg + len;   /* -oFILE */
        return NULL;
    }
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

/* Returns 0 to go on, or an exit status (after --help and --version the
 * status is success). */
static int parse_args(int argc, char **argv, vld_args *a, int *done)
{
    a->inputs = calloc((size_t)argc, sizeof *a->inputs);
    if (!a->inputs)
        abort();
    int only_files = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v;
        int missing = 0;
        if (only_files || arg[0] != '-' || strcmp(arg, "-") == 0) {
            a->inputs[a->ninputs++] = arg;
        } else if (strcmp(arg, "--") == 0) {
            only_files = 1;
        } else if (strcmp(arg, "--help") == 0) {
            usage(stdout);
            *done = 1;
            return 0;
        } else if (strcmp(arg, "--version") == 0) {
            printf("vld (vliwkit) %s\n", PACKAGE_VERSION);
            *done = 1;
            return 0;
        } else if ((v = option_value(argc, argv, &i, "-o", &missing)) ||
                   (v = option_value(argc, argv, &i, "--output", &missing))) {
            a->output = v;
        } else if ((v = option_value(argc, argv, &i, "--map", &missing))) {
            a->map = v;
        } else if (strcmp(arg, "-s") == 0 || strcmp(arg, "--strip") == 0) {
            a->strip = 1;
        } else {
            if (missing)
                fprintf(stderr, "vld: error: option '%s' needs a file name\n", arg);
            else
                fprintf(stderr, "vld: error: unknown option '%s'\n", arg);
            fprintf(stderr, "Try 'vld --help'.\n");
            return EXIT_USAGE;
        }
    }
    if (!a->ninputs || !a->output) {
        fprintf(stderr, "vld: error: %s\nTry 'vld --help'.\n",
                !a->ninputs ? "no input objects" : "no output file (use -o OUT)");
        return EXIT_USAGE;
    }
    return 0;
}

/* Reports the failure errno holds. */
static void map_error(const char *path)
{
    fprintf(stderr, "vld: error: cannot write the map %s: %s\n", path, strerror(errno));
}

int main(int argc, char **argv)
{
    vld_args a = {0};
    int done = 0;
    int status = parse_args(argc, argv, &a, &done);
    if (status || done) {
        free(a.inputs);
        return status;
    }

    vimage **objects = calloc(a.ninputs, sizeof *objects);
    lnk_input *inputs = calloc(a.ninputs, sizeof *inputs);
    if (!objects || !inputs)
        abort();
    diag *d = diag_new(stderr, "vld");
    for (size_t i = 0; i < a.ninputs; i++) {
        img_status st;
        diag_loc loc = {a.inputs[i], 0, 0, 0};
        objects[i] = img_read_file(a.inputs[i], &st);
        if (!objects[i]) {
            diag_error(d, &loc, "%s (%s)%s%s", img_error_text(st.code), img_error_name(st.code),
                       st.detail[0] ? ": " : "", st.detail);
            status = EXIT_USAGE;
        } else if (objects[i]->type != IMG_OBJECT) {
            diag_error(d, &loc, "%s (%s): an executable image, not a relocatable object",
                       img_error_text(IMG_ERR_WRONG_TYPE), img_error_name(IMG_ERR_WRONG_TYPE));
            status = EXIT_USAGE;
        }
        inputs[i] = (lnk_input){objects[i], a.inputs[i]};
    }

    /* The map goes to a temporary until the link succeeds. */
    outfile map = {0};
    if (!status && a.map && outfile_open(&map, a.map) != 0) {
        map_error(a.map);
        status = EXIT_USAGE;
    }
    if (!status) {
        lnk_options opt = {.map = map.f, .strip = a.strip};
        vimage *exe = lnk_link(inputs, a.ninputs, &opt, d);
        if (!exe) {
            status = EXIT_LINK_ERROR;
        } else {
            img_status st;
            if (img_write_file(exe, a.output, &st) != 0) {
                diag_loc loc = {a.output, 0, 0, 0};
                diag_error(d, &loc, "%s (%s)%s%s", img_error_text(st.code), img_error_name(st.code),
                           st.detail[0] ? ": " : "", st.detail);
                status = EXIT_USAGE;
            }
            img_free(exe);
        }
    }
    if (status) {
        outfile_discard(&map);
    } else if (map.f && outfile_commit(&map) != 0) {
        map_error(a.map);
        status = EXIT_USAGE;
    }

    for (size_t i = 0; i < a.ninputs; i++)
        img_free(objects[i]);
    free(objects);
    free(inputs);
    free(a.inputs);
    diag_free(d);
    return status;
}

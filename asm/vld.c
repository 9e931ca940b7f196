/*
 * vld: the standalone linker.
 *
 *   vld [options] FILE.vo... -o OUT
 *
 * Reads relocatable objects, links them (asm/link.h) and writes the
 * executable image atomically.  Exit status (docs/cli.md): 0 linked, 1 link errors,
 * 2 usage or I/O errors (including an object the reader rejects).  On any
 * error neither the image nor the map is written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "background.h"
#include "cli.h"
#include "diag.h"
#include "image.h"
#include "link.h"
#include "outfile.h"

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
            "  -fdiagnostics-color[=WHEN]  colour messages: auto (on a terminal, unless\n"
            "                      NO_COLOR is set; the default), always or never\n"
            "  --no-threads        do all the work on one thread (by default a helper\n"
            "                      thread writes the image, where more than one CPU is\n"
            "                      online); the output is the same\n"
            "  -h, --help          show this help and exit\n"
            "  -V, --version       show the version and exit\n"
            "\n"
            "The module whose label claims the entry is placed first, the rest in\n"
            "command-line order.  Exit status: 0 linked, 1 link errors, 2 usage or I/O\n"
            "errors (docs/cli.md).  See docs/objects.md.\n");
}

typedef struct {
    const char *output;
    const char *map;
    int strip;
    cli_color color;
    const char **inputs;
    size_t ninputs;
} vld_args;

enum { OPT_MAP = 256, OPT_COLOR, OPT_NO_THREADS };

/* Returns 0 to go on, or an exit status (after --help and --version the
 * status is success). */
static int parse_args(int argc, char **argv, vld_args *a, int *done)
{
    static const cli_option options[] = {
        {'o', 'o', "output", CLI_ARG},
        {OPT_MAP, 0, "map", CLI_ARG},
        {'s', 's', "strip", CLI_NO_ARG},
        {OPT_COLOR, 'f', NULL, CLI_OPTIONAL_ARG},
        {OPT_NO_THREADS, 0, "no-threads", CLI_NO_ARG},
        {'h', 'h', "help", CLI_NO_ARG},
        {'V', 'V', "version", CLI_NO_ARG},
        {0, 0, NULL, CLI_NO_ARG},
    };
    a->inputs = calloc((size_t)argc, sizeof *a->inputs);
    if (!a->inputs)
        abort();
    cli_parser p;
    cli_init(&p, "vld", options, argc, argv);
    for (int id; (id = cli_next(&p)) != CLI_END;) {
        switch (id) {
        case CLI_OPERAND:
            a->inputs[a->ninputs++] = p.value;
            break;
        case CLI_BAD:
            return CLI_EXIT_USAGE;
        case 'h':
            usage(stdout);
            *done = 1;
            return 0;
        case 'V':
            cli_print_version("vld");
            *done = 1;
            return 0;
        case 'o':
            a->output = p.value;
            break;
        case OPT_MAP:
            a->map = p.value;
            break;
        case 's':
            a->strip = 1;
            break;
        case OPT_COLOR:
            if (cli_parse_color("vld", p.value, &a->color) != 0)
                return CLI_EXIT_USAGE;
            break;
        case OPT_NO_THREADS:
            bg_set_enabled(0);
            break;
        }
    }
    if (!a->ninputs || !a->output) {
        cli_usage_error("vld", "%s", !a->ninputs ? "no input objects" : "no output file (use -o OUT)");
        return CLI_EXIT_USAGE;
    }
    const char *outputs[] = {a->output, a->map};
    if (cli_check_outputs("vld", a->inputs, a->ninputs, outputs, 2) != 0)
        return CLI_EXIT_USAGE;
    return 0;
}

/* Reports the failure errno holds. */
static void map_error(const char *path)
{
    cli_error("vld", "%s: cannot write the map: %s", path, strerror(errno));
}

int main(int argc, char **argv)
{
    cli_check_stdout_at_exit("vld");
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
    diag_set_color(d, cli_use_color(a.color, stderr));
    diag_read_sources(d, 1);   /* the line maps' sources, where they are readable */
    for (size_t i = 0; i < a.ninputs; i++) {
        img_status st;
        diag_loc loc = {a.inputs[i], 0, 0, 0};
        objects[i] = img_read_file(a.inputs[i], &st);
        if (!objects[i] && st.code == IMG_ERR_IO) {
            diag_error(d, NULL, "%s", st.detail);   /* the detail names the file */
            status = CLI_EXIT_USAGE;
        } else if (!objects[i]) {
            diag_error(d, &loc, "%s (%s)%s%s", img_error_text(st.code), img_error_name(st.code),
                       st.detail[0] ? ": " : "", st.detail);
            status = CLI_EXIT_USAGE;
        } else if (objects[i]->type != IMG_OBJECT) {
            diag_error(d, &loc, "%s (%s): an executable image, not a relocatable object",
                       img_error_text(IMG_ERR_WRONG_TYPE), img_error_name(IMG_ERR_WRONG_TYPE));
            status = CLI_EXIT_USAGE;
        }
        inputs[i] = (lnk_input){objects[i], a.inputs[i]};
    }

    /* The map goes to a temporary until the link succeeds. */
    outfile map = {0};
    if (!status && a.map && outfile_open(&map, a.map) != 0) {
        map_error(a.map);
        status = CLI_EXIT_USAGE;
    }
    if (!status) {
        lnk_options opt = {.map = map.f, .strip = a.strip};
        vimage *exe = lnk_link(inputs, a.ninputs, &opt, d);
        if (!exe) {
            status = CLI_EXIT_FAILED;
        } else if (map.f && (fflush(map.f) != 0 || ferror(map.f))) {
            /* The map is written out before the image, so that a map that
             * cannot be written (a full disk, /dev/full) leaves no image. */
            map_error(a.map);
            status = CLI_EXIT_USAGE;
            img_free(exe);
        } else {
            img_status st;
            if (img_write_file(exe, a.output, &st) != 0) {
                diag_loc loc = {a.output, 0, 0, 0};
                if (st.code == IMG_ERR_IO)   /* the detail names the file */
                    diag_error(d, NULL, "%s", st.detail);
                else
                    diag_error(d, &loc, "%s (%s)%s%s", img_error_text(st.code), img_error_name(st.code),
                               st.detail[0] ? ": " : "", st.detail);
                status = CLI_EXIT_USAGE;
            }
            img_free(exe);
        }
    }
    if (status) {
        outfile_discard(&map);
    } else if (map.f && outfile_commit(&map) != 0) {
        map_error(a.map);
        status = CLI_EXIT_USAGE;
    }

    for (size_t i = 0; i < a.ninputs; i++)
        img_free(objects[i]);
    free(objects);
    free(inputs);
    free(a.inputs);
    diag_free(d);
    return status;
}

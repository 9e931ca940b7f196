/*
 * vdis: prints an executable image or object in the canonical text form
 * (docs/vdis.md).  The output assembles back to the same code.  With -S
 * the source lines come along as comments; --headers, -t, -r, --line-map
 * and -x print what the file holds besides its code (asm/dump.h).
 *
 * Exit status (docs/cli.md): 0 done, 2 a usage error, an input the
 * loader rejects or an output that cannot be written.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "diag.h"
#include "disasm.h"
#include "dump.h"
#include "image.h"
#include "outfile.h"
#include "srclines.h"

static void usage(FILE *out)
{
    fputs("Usage: vdis [options] FILE\n"
          "Prints the code of a vliwkit image or object (FILE, or - for standard input)\n"
          "in the canonical text form, which vasm assembles back to the same code.\n"
          "\n"
          "Options:\n"
          "  -o, --output FILE  write to FILE (replaced atomically) instead of standard output\n"
          "      --no-names     print the code only: no label lines, no operand names\n"
          "  -a, --addresses    start each bundle's trailing comment with its index\n"
          "      --python       print the Python take-home's form: a list of dicts\n"
          "                     {engine: [(op, *operands), ...]} (docs/python.md)\n"
          "      --lines        end it with the source lines of the bundle's slots\n"
          "  -S, --source       show the source lines of each bundle before it, as\n"
          "                     comments, where the source files are readable\n"

          "  -fdiagnostics-color[=WHEN]  colour messages: auto (on a terminal, unless\n"
          "                     NO_COLOR is set; the default), always or never\n"
          "  -h, --help         show this help and exit\n"
          "  -V, --version      show the version and exit\n"
          "\n"
          "Contents (as objdump -x, nm, readelf; they replace the code unless -d):\n"
          "      --headers      the file header, the section table, memory segments\n"
          "  -t, --syms         the symbols: value, size, kind, binding, flags, line\n"
          "  -r, --relocs       the relocations of an object\n"
          "      --line-map     the source of every slot (or bundle)\n"
          "  -x, --all-headers  all four\n"
          "  -d, --disassemble  print the code too\n"
          "\n"
          "Exit status: 0 success, 2 a usage error, an input file the loader rejects\n"
          "or an output that cannot be written (docs/cli.md).\n",
          out);
}

/* Writes the listing to path through a temporary file in the same
 * directory, renamed into place only when complete: the contents asked
 * for (DUMP_* bits in dump), then the code unless only contents were. */
static int write_listing(const char *path, const char *input, const img_view *v, const vimage *img,
                         unsigned dump, int code, const dis_options *opt, diag *d)
{
    outfile out;
    if (outfile_open(&out, path) != 0) {
        diag_error(d, NULL, "%s: cannot create a temporary file: %s", path, strerror(errno));
        return -1;
    }
    /* A failed print fails the commit. */
    if (dump)
        dump_print(out.f, v, img, input, dump);
    if (dump && code)
        fputs("\nCode:\n", out.f);
    if (code)
        dis_print(out.f, img, opt);
    if (outfile_commit(&out) != 0) {
        diag_error(d, NULL, "%s: %s", strcmp(path, "-") == 0 ? "standard output" : path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The Python form is the machine's program: an object, whose operands
 * wait for the linker, has none; and a bundle the form cannot keep in
 * its order is refused rather than printed with another meaning. */
static int python_form_fits(const char *input, const vimage *img, diag *d)
{
    char why[512];
    if (img->type == IMG_OBJECT) {
        diag_error(d, NULL, "%s: %s: --python prints executable images (link the object first)",
                   input, img_error_text(IMG_ERR_WRONG_TYPE));
        return 0;
    }
    if (dis_python_check(img, why, sizeof why) != 0) {
        diag_error(d, NULL, "%s: the Python form cannot keep this code: %s", input, why);
        return 0;
    }
    return 1;
}

enum { OPT_NO_NAMES = 256, OPT_PYTHON, OPT_LINES, OPT_COLOR, OPT_HEADERS, OPT_LINE_MAP };

int main(int argc, char **argv)
{
    cli_check_stdout_at_exit("vdis");
    static const cli_option options[] = {
        {'o', 'o', "output", CLI_ARG},
        {OPT_NO_NAMES, 0, "no-names", CLI_NO_ARG},
        {'a', 'a', "addresses", CLI_NO_ARG},
        {OPT_PYTHON, 0, "python", CLI_NO_ARG},
        {OPT_LINES, 0, "lines", CLI_NO_ARG},
        {'S', 'S', "source", CLI_NO_ARG},
        {OPT_HEADERS, 0, "headers", CLI_NO_ARG},
        {'t', 't', "syms", CLI_NO_ARG},
        {'r', 'r', "relocs", CLI_NO_ARG},
        {OPT_LINE_MAP, 0, "line-map", CLI_NO_ARG},
        {'x', 'x', "all-headers", CLI_NO_ARG},
        {'d', 'd', "disassemble", CLI_NO_ARG},
        {OPT_COLOR, 'f', NULL, CLI_OPTIONAL_ARG},
        {'h', 'h', "help", CLI_NO_ARG},
        {'V', 'V', "version", CLI_NO_ARG},
        {0, 0, NULL, CLI_NO_ARG},
    };
    diag *d = diag_new(stderr, "vdis");
    diag_set_color(d, cli_use_color(CLI_COLOR_AUTO, stderr));
    dis_options opt = {.names = 1, .addresses = 0};
    const char *input = NULL, *output = "-";
    int status = CLI_EXIT_OK, code = 0, source = 0;
    unsigned dump = 0;
    src_cache *sources = NULL;

    cli_parser p;
    cli_init(&p, "vdis", options, argc, argv);
    for (int id; (id = cli_next(&p)) != CLI_END;) {
        switch (id) {
        case CLI_OPERAND:
            if (input) {
                cli_usage_error("vdis", "more than one input file ('%s' and '%s')", input, p.value);
                status = CLI_EXIT_USAGE;
                goto done;
            }
            input = p.value;
            break;
        case CLI_BAD:
            status = CLI_EXIT_USAGE;
            goto done;
        case 'h':
            usage(stdout);
            goto done;
        case 'V':
            cli_print_version("vdis");
            goto done;
        case OPT_NO_NAMES:
            opt.names = 0;
            break;
        case OPT_PYTHON:
            opt.python = 1;
            break;
        case 'a':
            opt.addresses = 1;
            break;
        case OPT_LINES:
            opt.lines = 1;
            break;
        case 'S':
            source = code = 1;
            break;
        case OPT_HEADERS:
            dump |= DUMP_HEADERS;
            break;
        case 't':
            dump |= DUMP_SYMBOLS;
            break;
        case 'r':
            dump |= DUMP_RELOCS;
            break;
        case OPT_LINE_MAP:
            dump |= DUMP_LINES;
            break;
        case 'x':
            dump |= DUMP_HEADERS | DUMP_SYMBOLS | DUMP_RELOCS | DUMP_LINES;
            break;
        case 'd':
            code = 1;
            break;
        case 'o':
            output = p.value;
            break;
        case OPT_COLOR: {
            cli_color mode;
            if (cli_parse_color("vdis", p.value, &mode) != 0) {
                status = CLI_EXIT_USAGE;
                goto done;
            }
            diag_set_color(d, cli_use_color(mode, stderr));
            break;
        }
        }
    }
    if (!input) {
        cli_usage_error("vdis", "no input file");
        status = CLI_EXIT_USAGE;
        goto done;
    }
    if (cli_check_outputs("vdis", &input, 1, &output, 1) != 0) {
        status = CLI_EXIT_USAGE;
        goto done;
    }

    if (opt.python && dump) {
        cli_usage_error("vdis", "--python prints the code alone; it cannot be combined with the contents "
                                "(--headers, -t, -r, --line-map, -x)");
        status = CLI_EXIT_USAGE;
        goto done;
    }
    if (!dump)
        code = 1;
    if (source)
        opt.source = sources = src_cache_new();

    img_status st;
    img_view view;
    if (img_view_file(&view, input, &st) != 0) {
        if (st.code == IMG_ERR_IO)
            diag_error(d, NULL, "%s", st.detail);
        else
            diag_error(d, NULL, "%s: %s: %s", input, img_error_text(st.code), st.detail);
        status = CLI_EXIT_USAGE;
        goto done;
    }
    vimage *img = img_view_image(&view);
    if (opt.python && !python_form_fits(input, img, d))
        status = CLI_EXIT_USAGE;
    else if (write_listing(output, strcmp(input, "-") == 0 ? "<stdin>" : input, &view, img, dump, code, &opt, d) != 0)
        status = CLI_EXIT_USAGE;
    img_free(img);
    img_view_close(&view);
done:
    src_cache_free(sources);
    diag_free(d);
    return status;
}

/*
 * vdis: prints an executable image or object in the canonical text form
 * (docs/vdis.md).  The output assembles back to the same code.
 *
 * Exit status: 0 done, 1 the output could not be written, 2 a usage
 * error or an input the loader rejects.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "disasm.h"
#include "image.h"
#include "outfile.h"

enum { EXIT_OK = 0, EXIT_OUTPUT = 1, EXIT_USAGE = 2 };

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
          "  -h, --help         show this help and exit\n"
          "  -V, --version      show the version and exit\n"
          "\n"
          "Exit status: 0 success, 1 the output could not be written,\n"
          "2 a usage error or an input file the loader rejects.\n",
          out);
}

/* Writes the listing to path through a temporary file in the same
 * directory, renamed into place only when complete. */
static int write_listing(const char *path, const vimage *img, const dis_options *opt, diag *d)
{
    outfile out;
    if (outfile_open(&out, path) != 0) {
        diag_error(d, NULL, "%s: cannot create a temporary file: %s", path, strerror(errno));
        return -1;
    }
    dis_print(out.f, img, opt);   /* a failed print fails the commit */
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

int main(int argc, char **argv)
{
    diag *d = diag_new(stderr, "vdis");
    dis_options opt = {.names = 1, .addresses = 0};
    const char *input = NULL, *output = "-";
    int status = EXIT_OK, only_files = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_files || a[0] != '-' || strcmp(a, "-") == 0) {
            if (input) {
                diag_error(d, NULL, "more than one input file ('%s' and '%s')", input, a);
                status = EXIT_USAGE;
                goto done;
            }
            input = a;
        } else if (strcmp(a, "--") == 0) {
            only_files = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            goto done;
        } else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
            printf("vdis (vliwkit) %s\n", PACKAGE_VERSION);
            goto done;
        } else if (strcmp(a, "--no-names") == 0) {
            opt.names = 0;
        } else if (strcmp(a, "--python") == 0) {
            opt.python = 1;
        } else if (strcmp(a, "-a") == 0 || strcmp(a, "--addresses") == 0) {
            opt.addresses = 1;
        } else if (strcmp(a, "--lines") == 0) {
            opt.lines = 1;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (i + 1 == argc) {
                diag_error(d, NULL, "option '%s' needs a file name", a);
                status = EXIT_USAGE;
                goto done;
            }
            output = argv[++i];
        } else if (strncmp(a, "-o", 2) == 0) {
            output = a + 2;
        } else if (strncmp(a, "--output=", 9) == 0) {
            output = a + 9;
        } else {
            diag_error(d, NULL, "unknown option '%s' (try 'vdis --help')", a);
            status = EXIT_USAGE;
            goto done;
        }
    }
    if (!input) {
        diag_error(d, NULL, "no input file (try 'vdis --help')");
        status = EXIT_USAGE;
        goto done;
    }

    img_status st;
    vimage *img = img_read_file(input, &st);
    if (!img) {
        if (st.code == IMG_ERR_IO)
            diag_error(d, NULL, "%s", st.detail);
        else
            diag_error(d, NULL, "%s: %s: %s", input, img_error_text(st.code), st.detail);
        status = EXIT_USAGE;
        goto done;
    }
    if (opt.python && !python_form_fits(input, img, d))
        status = EXIT_USAGE;
    else if (write_listing(output, img, &opt, d) != 0)
        status = EXIT_OUTPUT;
    img_free(img);
done:
    diag_free(d);
    return status;
}

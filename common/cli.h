/*
 * cli: the command-line conventions vasm, vld, vdis and vrun share
 * (docs/cli.md): one option syntax, one wording for usage errors, one
 * table of exit codes, and the check that no output replaces an input.
 *
 *     static const cli_option opts[] = {
 *         {'o', 'o', "output", CLI_ARG},
 *         {'h', 'h', "help", CLI_NO_ARG},
 *         {0},
 *     };
 *     cli_parser p;
 *     cli_init(&p, "vdis", opts, argc, argv);
 *     for (int id; (id = cli_next(&p)) != CLI_END;)
 *         switch (id) {
 *         case CLI_OPERAND: input = p.value; break;
 *         case CLI_BAD: return CLI_EXIT_USAGE;   (already reported)
 *         case 'o': output = p.value; break;
 *         ...
 *         }
 *
 * Syntax: "--name VALUE" or "--name=VALUE" for a long option that takes
 * a value, "--name[=VALUE]" for an optional one; "-xVALUE" or "-x VALUE"
 * for a short one (only "-xVALUE" when the value is optional, as in -O2
 * or -Wall); short options are not bundled; long names are not
 * abbreviated; "-" is an operand (standard input or output); after "--"
 * everything is an operand.
 */
#ifndef VLIW_CLI_H
#define VLIW_CLI_H

#include <stdio.h>

/* The exit codes, the same kind of failure giving the same code in every tool. */
enum {
    CLI_EXIT_OK = 0,       /* success (vrun: a correct result) */
    CLI_EXIT_FAILED = 1,   /* the input is wrong: assembly or link errors, a wrong result */
    CLI_EXIT_USAGE = 2,    /* usage errors, an input that cannot be read or is rejected,
                              an output that cannot be written */
    CLI_EXIT_FAULT = 3,    /* vrun: the machine faulted */
};

typedef enum { CLI_NO_ARG, CLI_ARG, CLI_OPTIONAL_ARG } cli_arg;

typedef struct {
    int id;                  /* > 0, what cli_next returns for this option */
    char short_name;         /* 0: none */
    const char *long_name;   /* without the dashes; NULL: none */
    cli_arg arg;
} cli_option;

typedef struct {
    const char *tool;
    const cli_option *options;   /* ends with an entry whose id is 0 */
    int argc;
    char **argv;
    int next;                    /* the argv index read next */
    int operands_only;           /* after "--" */
    const char *value;           /* the operand, or the option's value (NULL: none given) */
    const char *text;            /* the option as written, e.g. "--map=x" */
} cli_parser;

enum { CLI_END = 0, CLI_OPERAND = -1, CLI_BAD = -2 };

void cli_init(cli_parser *p, const char *tool, const cli_option *options, int argc, char **argv);
/* The id of the next option, CLI_OPERAND, CLI_END, or CLI_BAD when the
 * argument is not a valid option (reported with cli_usage_error). */
int cli_next(cli_parser *p);

/* "TOOL: error: MESSAGE" and the pointer to --help, on standard error. */
void cli_usage_error(const char *tool, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "TOOL: error: MESSAGE" on standard error, for failures that are not misuse. */
void cli_error(const char *tool, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Makes the exit check that everything written to standard output got
 * there: at exit, standard output is flushed and closed (a full disk
 * often shows only then), and a failure is reported ("TOOL: error:
 * cannot write to standard output: REASON") and turns the exit status
 * into CLI_EXIT_USAGE.  Every return from main and every exit() is
 * covered; call it first in main. */
void cli_check_stdout_at_exit(const char *tool);
/* "TOOL (vliwkit) VERSION" on standard output. */
void cli_print_version(const char *tool);

/* Colour in messages, as gcc's -fdiagnostics-color[=auto|always|never]. */
typedef enum { CLI_COLOR_AUTO, CLI_COLOR_ALWAYS, CLI_COLOR_NEVER } cli_color;
/* Reads an -f option (f: what follows "-f": "diagnostics-color=always",
 * "no-diagnostics-color").  Returns 0, or -1 after a usage error. */
int cli_parse_color(const char *tool, const char *f, cli_color *mode);
/* Whether messages on stream are coloured: always, never, or (auto) when
 * it is a terminal and NO_COLOR is unset or empty (no-color.org). */
int cli_use_color(cli_color mode, FILE *stream);

/* Whether writing output would replace input: the same path, or the
 * same regular file under another name.  "-" (a stream) and devices such
 * as /dev/null are never the same file. */
int cli_same_file(const char *input, const char *output);
/* Reports ("TOOL: error: ...") and returns -1 when an output would replace
 * an input or two outputs name the same file; NULL entries are skipped. */
int cli_check_outputs(const char *tool, const char *const *inputs, size_t ninputs,
                      const char *const *outputs, size_t noutputs);

#endif

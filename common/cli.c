/* cli: option parsing and usage errors common to the tools (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio_ext.h>   /* __fpending */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spell.h"

void cli_init(cli_parser *p, const char *tool, const cli_option *options, int argc, char **argv)
{
    *p = (cli_parser){.tool = tool, .options = options, .argc = argc, .argv = argv, .next = 1};
}

__attribute__((format(printf, 3, 0)))
static void vreport(const char *tool, int hint, const char *fmt, va_list ap)
{
    /* One buffer, one write: messages of tools sharing a terminal stay whole. */
    char msg[1024];
    int n = snprintf(msg, sizeof msg, "%s: error: ", tool);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    fprintf(stderr, hint ? "%s\n%s: note: '%s --help' lists the options\n" : "%s\n", msg, tool, tool);
    fflush(stderr);
}

void cli_usage_error(const char *tool, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(tool, 1, fmt, ap);
    va_end(ap);
}

void cli_error(const char *tool, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(tool, 0, fmt, ap);
    va_end(ap);
}

/* The tool named in the exit check's message: an atexit handler takes
 * no argument. */
static const char *stdout_tool;

static void check_stdout(void)
{
    /* fclose flushes, and reports a failed write even when fflush did not
     * see it; ferror keeps the failure of an earlier write whose result
     * was not checked (its errno is gone by now). */
    int earlier = ferror(stdout), pending = __fpending(stdout) != 0;
    errno = 0;
    int closed = fclose(stdout) == 0;
    /* Standard output closed by the caller (>&-) is no failure when
     * nothing was to be written to it, as in gnulib's close_stdout. */
    if (!closed && !earlier && !pending && errno == EBADF)
        return;
    if (!closed || earlier) {
        cli_error(stdout_tool, "cannot write to standard output: %s",
                  !closed && errno ? strerror(errno) : "a write failed");
        _exit(CLI_EXIT_USAGE);
    }
}

void cli_check_stdout_at_exit(const char *tool)
{
    /* Once: a test may run a tool's main more than once (fuzz/fuzz_cli.c). */
    if (!stdout_tool && atexit(check_stdout) != 0)
        abort();
    stdout_tool = tool;
}

void cli_print_version(const char *tool)
{
    printf("%s (vliwkit) %s\n", tool, PACKAGE_VERSION);
}

/* The long option nearest to what was typed (without its dashes and
 * any "=value"), for "did you mean". */
static const char *nearest_option(const cli_parser *p, const char *typed, size_t len)
{
    char word[64];
    if (len >= sizeof word)
        return NULL;
    memcpy(word, typed, len);
    word[len] = '\0';
    spell_match m;
    spell_init(&m, word);
    for (const cli_option *o = p->options; o->id; o++)
        if (o->long_name) {
            if (strcmp(o->long_name, word) == 0)
                return o->long_name;   /* "-help": the right name, one dash short */
            spell_consider(&m, o->long_name);
        }
    return spell_result(&m);
}

static int unknown(cli_parser *p, const char *arg)
{
    const char *name = arg + 1 + (arg[1] == '-');
    const char *suggestion = nearest_option(p, name, strcspn(name, "="));
    if (suggestion)
        cli_usage_error(p->tool, "unknown option '%s'; did you mean '--%s'?", arg, suggestion);
    else
        cli_usage_error(p->tool, "unknown option '%s'", arg);
    return CLI_BAD;
}

static int missing(cli_parser *p, const char *arg)
{
    cli_usage_error(p->tool, "option '%s' needs an argument", arg);
    return CLI_BAD;
}

static int long_option(cli_parser *p, const char *arg)
{
    const char *name = arg + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    for (const cli_option *o = p->options; o->id; o++) {
        if (!o->long_name || strlen(o->long_name) != len || strncmp(o->long_name, name, len) != 0)
            continue;
        if (eq && o->arg == CLI_NO_ARG) {
            cli_usage_error(p->tool, "option '--%s' takes no argument", o->long_name);
            return CLI_BAD;
        }
        if (eq)
            p->value = eq + 1;
        else if (o->arg == CLI_ARG && p->next < p->argc)
            p->value = p->argv[p->next++];
        else if (o->arg == CLI_ARG)
            return missing(p, arg);
        return o->id;
    }
    return unknown(p, arg);
}

static int short_option(cli_parser *p, const char *arg)
{
    for (const cli_option *o = p->options; o->id; o++) {
        if (o->short_name != arg[1])
            continue;
        if (arg[2] && o->arg == CLI_NO_ARG)
            break;   /* no bundling: "-sq" is not -s -q */
        if (arg[2])
            p->value = arg + 2;
        else if (o->arg == CLI_ARG && p->next < p->argc)
            p->value = p->argv[p->next++];
        else if (o->arg == CLI_ARG)
            return missing(p, arg);
        return o->id;
    }
    return unknown(p, arg);
}

int cli_next(cli_parser *p)
{
    if (p->next >= p->argc)
        return CLI_END;
    const char *arg = p->argv[p->next++];
    p->text = arg;
    p->value = NULL;
    if (!p->operands_only && strcmp(arg, "--") == 0) {
        p->operands_only = 1;
        return cli_next(p);
    }
    if (p->operands_only || arg[0] != '-' || arg[1] == '\0') {
        p->value = arg;
        return CLI_OPERAND;
    }
    return arg[1] == '-' ? long_option(p, arg) : short_option(p, arg);
}

int cli_parse_color(const char *tool, const char *f, cli_color *mode)
{
    static const char name[] = "diagnostics-color";
    size_t len = sizeof name - 1;
    if (f && strcmp(f, "no-diagnostics-color") == 0) {
        *mode = CLI_COLOR_NEVER;
        return 0;
    }
    if (!f || strncmp(f, name, len) != 0 || (f[len] && f[len] != '=')) {
        cli_usage_error(tool, "unknown option '-%s'", f ? f : "");
        return -1;
    }
    const char *when = f[len] ? f + len + 1 : "always";
    if (strcmp(when, "auto") == 0)
        *mode = CLI_COLOR_AUTO;
    else if (strcmp(when, "always") == 0)
        *mode = CLI_COLOR_ALWAYS;
    else if (strcmp(when, "never") == 0)
        *mode = CLI_COLOR_NEVER;
    else {
        cli_usage_error(tool, "-fdiagnostics-color: '%s' is not auto, always or never", when);
        return -1;
    }
    return 0;
}

int cli_use_color(cli_color mode, FILE *stream)
{
    if (mode != CLI_COLOR_AUTO)
        return mode == CLI_COLOR_ALWAYS;
    const char *no_color = getenv("NO_COLOR");
    return (!no_color || !*no_color) && isatty(fileno(stream));
}

int cli_same_file(const char *input, const char *output)
{
    if (strcmp(input, "-") == 0 || strcmp(output, "-") == 0)
        return 0;
    struct stat a, b;
    if (stat(input, &a) != 0 || stat(output, &b) != 0)
        return strcmp(input, output) == 0;
    return S_ISREG(a.st_mode) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int cli_check_outputs(const char *tool, const char *const *inputs, size_t ninputs,
                      const char *const *outputs, size_t noutputs)
{
    for (size_t j = 0; j < noutputs; j++) {
        if (!outputs[j])
            continue;
        for (size_t i = 0; i < ninputs; i++)
            if (inputs[i] && cli_same_file(inputs[i], outputs[j])) {
                cli_error(tool, "input file '%s' is the same as output file '%s'", inputs[i], outputs[j]);
                return -1;
            }
        for (size_t k = 0; k < j; k++)
            if (outputs[k] && cli_same_file(outputs[k], outputs[j])) {
                cli_error(tool, "two outputs go to the same file '%s'", outputs[j]);
                return -1;
            }
    }
    return 0;
}

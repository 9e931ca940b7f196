/*
 * fuzz_cli: the tools' command lines.  The first byte picks the tool (its
 * value modulo 4: vasm, vld, vdis, vrun), the rest is its arguments,
 * separated by NUL bytes or newlines (at most 64).
 *
 * vasm, vld and vdis run in full (fuzz/main_TOOL.c: their main under
 * another name) in a temporary directory holding small inputs: a.vasm
 * (which includes inc.vasm), b.vasm, b.vo, p.bin; every file is put back
 * before each run and whatever a run wrote is removed after it, so each
 * run starts alike and the directory stays small.  An argument with a '/'
 * skips the input (no reading or writing outside the directory); standard
 * input is /dev/null, standard output /dev/null.  vrun's run is not
 * bounded by its options (--rounds, --trials), so vrun's options are only
 * parsed (vrun_parse_options).
 */
#define _GNU_SOURCE   /* mkdtemp */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asm.h"
#include "fuzz.h"
#include "image.h"
#include "link.h"
#include "vrun_options.h"

int vasm_main(int argc, char **argv);
int vld_main(int argc, char **argv);
int vdis_main(int argc, char **argv);

enum { MAX_ARGS = 64 };

typedef struct {
    const char *name;
    uint8_t *bytes;
    size_t size;
} fixed_file;

static const char a_vasm[] =
    ".include \"inc.vasm\"\n.global start\n.extern twice_me\n.word w\nstart: alu + w, w, w\n"
    "load const w, INC\nflow jump twice_me\n";
static const char inc_vasm[] = ".equ INC, 3\n";
static const char b_vasm[] = ".global twice_me\n.word v\ntwice_me: alu + v, v, v\nflow halt\n";

static fixed_file files[] = {
    {"a.vasm", (uint8_t *)a_vasm, sizeof a_vasm - 1},
    {"inc.vasm", (uint8_t *)inc_vasm, sizeof inc_vasm - 1},
    {"b.vasm", (uint8_t *)b_vasm, sizeof b_vasm - 1},
    {"b.vo", NULL, 0},
    {"p.bin", NULL, 0},
};
enum { NFILES = sizeof files / sizeof files[0] };

static vimage *assemble(const char *name, const char *text, diag *d)
{
    return asm_assemble_text(name, text, strlen(text), NULL, d);
}

/* The directory, made once with b.vo and p.bin built from the sources. */
static int work_dir(void)
{
    static int dir = -1;
    if (dir >= 0)
        return dir;
    static char path[] = "/tmp/vliw-fuzz-cli-XXXXXX";
    if (!mkdtemp(path) || (dir = open(path, O_RDONLY | O_DIRECTORY)) < 0)
        abort();
    char inc[64];
    snprintf(inc, sizeof inc, "%s/inc.vasm", path);
    FILE *f = fopen(inc, "w");   /* a.vasm's include, found beside it */
    if (!f || fputs(inc_vasm, f) < 0 || fclose(f) != 0)
        abort();
    char a_name[64];
    snprintf(a_name, sizeof a_name, "%s/a.vasm", path);
    diag *d = diag_new(fuzz_sink(), "fuzz");
    vimage *a = assemble(a_name, a_vasm, d), *b = assemble("b.vasm", b_vasm, d);
    lnk_input in[2] = {{a, "a.vo"}, {b, "b.vo"}};
    lnk_options lo = {0};
    vimage *exe = a && b ? lnk_link(in, 2, &lo, d) : NULL;
    if (!exe || img_encode(b, &files[3].bytes, &files[3].size) != 0 ||
        img_encode(exe, &files[4].bytes, &files[4].size) != 0)
        abort();
    img_free(exe);
    img_free(a);
    img_free(b);
    diag_free(d);
    /* Nothing is read from the terminal or written to it. */
    if (!freopen("/dev/null", "r", stdin) || !freopen("/dev/null", "w", stdout))
        abort();
    return dir;
}

static void put_files(int dir)
{
    for (int i = 0; i < NFILES; i++) {
        int fd = openat(dir, files[i].name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || write(fd, files[i].bytes, files[i].size) != (ssize_t)files[i].size || close(fd) != 0)
            abort();
    }
}

/* Removes what a run wrote: every entry but the fixed files. */
static void clean(int dir)
{
    DIR *d = fdopendir(dup(dir));
    if (!d)
        abort();
    rewinddir(d);
    for (struct dirent *e; (e = readdir(d));) {
        int keep = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
        for (int i = 0; i < NFILES && !keep; i++)
            keep = strcmp(e->d_name, files[i].name) == 0;
        if (!keep && unlinkat(dir, e->d_name, 0) != 0)
            unlinkat(dir, e->d_name, AT_REMOVEDIR);
    }
    closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || memchr(data, '/', size))
        return 0;
    static const char *const tools[] = {"vasm", "vld", "vdis", "vrun"};
    int tool = data[0] % 4;
    /* The arguments, NUL-terminated in a copy. */
    char *text = malloc(size);
    if (!text)
        abort();
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = (char *)tools[tool];
    for (size_t i = 0, start = 0; i < size && argc <= MAX_ARGS; i++)
        if (i == size - 1 || text[i] == '\0' || text[i] == '\n') {
            text[i] = '\0';
            argv[argc++] = text + start;
            start = i + 1;
        }
    argv[argc] = NULL;

    int dir = work_dir();
    if (tool == 3) {
        vrun_options o;
        vrun_parse_options(argc, argv, &o);
    } else {
        int back = open(".", O_RDONLY | O_DIRECTORY);
        if (back < 0 || fchdir(dir) != 0)
            abort();
        put_files(dir);
        if (tool == 0)
            vasm_main(argc, argv);
        else if (tool == 1)
            vld_main(argc, argv);
        else
            vdis_main(argc, argv);
        clean(dir);
        if (fchdir(back) != 0)
            abort();
        close(back);
        /* A write to /dev/null cannot fail; a stream left in error would
         * fail the tools' exit check. */
        clearerr(stdout);
    }
    free(text);
    return 0;
}

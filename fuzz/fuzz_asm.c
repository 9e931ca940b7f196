/*
 * fuzz_asm: the assembler front end from text to object, then on to an
 * executable and a short run, so that inputs the assembler accepts also
 * exercise the optimizer, the linker and the machine.
 *
 * The first byte picks the options (bits 0-1: -O level, 3 meaning 2, and
 * -O1 for a source over FUZZ_ASM_MAX_O2_SIZE bytes; bit 2: -Werror; bit 3:
 * also build it again with its code deferred, as vasm does, which must give
 * the same bytes), the rest is the source.  .include finds "inc.vasm" in a temporary
 * directory made once; an input naming a path with a '/' is skipped, so
 * that the fuzzer cannot wander into /dev or /proc.
 */
#define _GNU_SOURCE   /* memmem, mkdtemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asm.h"
#include "fuzz.h"
#include "image.h"
#include "link.h"
#include "machine.h"

#define FUZZ_ASM_MAX_O2_SIZE 4096
/* The program limit for fuzzing: six times the 10,054 slots of the
 * kernel's linear region before scheduling, so that an input asking for millions of
 * bundles stops in milliseconds rather than after a gigabyte (the limit
 * itself is tested in tests/limits.sh). */
#define FUZZ_ASM_MAX_BUNDLES 65536

static const char *include_dir(void)
{
    static char dir[] = "/tmp/vliw-fuzz-XXXXXX";
    static int made;
    if (!made) {
        if (!mkdtemp(dir))
            abort();
        char path[64];
        snprintf(path, sizeof path, "%s/inc.vasm", dir);
        FILE *f = fopen(path, "w");
        if (!f)
            abort();
        fputs(".equ INC, 3\n.macro twice x\nalu + \\x, \\x, \\x\nalu + \\x, \\x, \\x\n.endm\n", f);
        fclose(f);
        made = 1;
    }
    return dir;
}

/* A bounded run of the program on a small zeroed memory. */
static void run(const vimage *exe)
{
    char why[256];
    sim_program *p = sim_program_new(exe, why, sizeof why);
    if (!p)
        return;
    sim_config cfg = SIM_CONFIG_DEFAULT;
    cfg.max_cycles = 2000;
    size_t words = 4096;
    uint32_t *memory = calloc(words, sizeof *memory);
    sim_machine *m = memory ? sim_new(p, &cfg, memory, words, why, sizeof why) : NULL;
    if (m) {
        sim_run(m);
        sim_free(m);
    }
    free(memory);
    sim_program_free(p);
}

/* The one-file build with its code deferred (asm_options.defer_code, what
 * vasm does) must write the bytes of the held build, whatever the source:
 * a difference is a finding. */
static void check_deferred(const char *name, const uint8_t *text, size_t size, const asm_options *opt,
                           const uint8_t *held, size_t held_size)
{
    asm_options deferred = *opt;
    deferred.defer_code = 1;
    diag *d = diag_new(fuzz_sink(), "vasm");
    vimage *obj = asm_assemble_text(name, (const char *)text, size, &deferred, d);
    lnk_options lo = {0};
    vimage *exe = obj ? lnk_link_taking(obj, "fuzz.vo", &lo, d) : NULL;
    uint8_t *bytes = NULL;
    size_t n = 0;
    if (!exe || img_encode(exe, &bytes, &n) != 0 || n != held_size || memcmp(bytes, held, n) != 0) {
        fprintf(stderr, "fuzz_asm: the build with deferred code differs from the held one\n");
        abort();
    }
    free(bytes);
    img_free(exe);
    img_free(obj);
    diag_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || (memmem(data, size, "include", 7) && memchr(data, '/', size)))
        return 0;
    asm_options opt;
    asm_options_init(&opt);
    opt.opt_level = data[0] & 3;
    opt.max_bundles = FUZZ_ASM_MAX_BUNDLES;
    /* -O2 runs several schedules of each region: on a whole kernel that
     * is seconds (3.4 s for samples/linear.vasm without sanitizers), and
     * a run of them would time out; -O2 is fuzzed on smaller sources. */
    if (opt.opt_level == 3)
        opt.opt_level = 2;
    if (opt.opt_level == 2 && size > FUZZ_ASM_MAX_O2_SIZE)
        opt.opt_level = 1;
    const char *dirs[1] = {include_dir()};
    opt.include_dirs = dirs;
    opt.ninclude_dirs = 1;
    diag *d = diag_new(fuzz_sink(), "vasm");
    diag_set_werror(d, (data[0] & 4) != 0);
    char name[64];
    snprintf(name, sizeof name, "%s/fuzz.vasm", dirs[0]);
    vimage *obj = asm_assemble_text(name, (const char *)data + 1, size - 1, &opt, d);
    if (obj) {
        lnk_input in = {obj, "fuzz.vo"};
        lnk_options lo = {0};
        lo.map = fuzz_sink();
        vimage *exe = lnk_link(&in, 1, &lo, d);
        if (exe) {
            uint8_t *bytes;
            size_t n;
            if (img_encode(exe, &bytes, &n) == 0) {
                if (data[0] & 8)   /* half the inputs: it assembles them again */
                    check_deferred(name, data + 1, size - 1, &opt, bytes, n);
                free(bytes);
            }
            run(exe);
            img_free(exe);
        }
        img_free(obj);
    }
    diag_free(d);
    return 0;
}

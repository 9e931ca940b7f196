/*
 * vbench: how fast the machine runs (`make bench`).
 *
 * Builds programs through the image builder API, each a loop of at least
 * 100,000 cycles, runs each repeatedly for about half a second and prints
 * cycles per second:
 *   full     every bundle full to the slot limits (6 valu, 12 alu, 2 load,
 *            2 store, 1 flow): the most work a cycle can hold
 *   vector   hash-like valu work (6 valu + vload/vstore a bundle)
 *   scalar   one alu slot a bundle, as naive kernels are written
 *   branchy  a jump in every bundle
 * No figure here is asserted anywhere: speed depends on the machine.
 *
 * vbench --image FILE [RUNS] times what vrun does with an image on the
 * default workload, stage by stage, the best of RUNS (default 50):
 *   load      map the file, check it (CRC, one pass over every slot)
 *   set-up    the program over the checked bytes
 *   workload  build the instance and its reference
 *   run       the machine (sim_new and sim_run)
 *   check     compare the final values with the reference
 *
 * vbench --diag times a -Wdouble-write warning with its note, as vasm
 * prints them, on an unbuffered stream to /dev/null (like stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "image.h"
#include "isa.h"
#include "machine.h"
#include "workload.h"

#define LOOP_BUNDLES 4
#define MEMORY_WORDS 4096

enum { COUNTER = 0, ONE = 1, ADDR = 8, SCALARS = 32, VECTORS = 256 };

static vimage *img;

static void slot(int op, int64_t a0, int64_t a1, int64_t a2, int64_t a3)
{
    isa_slot s = {.op = (uint16_t)op, .arg = {a0, a1, a2, a3, 0}};
    img_add_slot(img, &s);
}

static void bundle(void)
{
    img_begin_bundle(img, "bench", 0);
}

/* The common prologue: the loop counter, 1, and four memory addresses. */
static void prologue(uint32_t iterations)
{
    bundle();
    slot(ISA_OP_CONST, COUNTER, iterations, 0, 0);
    slot(ISA_OP_CONST, ONE, 1, 0, 0);
    for (int a = 0; a < 4; a += 2) {
        bundle();
        slot(ISA_OP_CONST, ADDR + a, 64 * a, 0, 0);
        slot(ISA_OP_CONST, ADDR + a + 1, 64 * a + 512, 0, 0);
    }
}

/* Valu slots of hash-like work on vectors v0..v7 (8 words each). */
static void valu_work(int bundle_index, int n)
{
    static const int ops[] = {ISA_OP_VALU_XOR, ISA_OP_VALU_ADD, ISA_OP_VALU_SHL,
                              ISA_OP_VALU_SHR, ISA_OP_VALU_MUL, ISA_OP_MULTIPLY_ADD};
    for (int i = 0; i < n; i++) {
        int v = (bundle_index + i) % 8;
        int d = VECTORS + 8 * v, a = VECTORS + 8 * ((v + 1) % 8), b = VECTORS + 8 * ((v + 3) % 8);
        slot(ops[i % 6], d, a, b, ops[i % 6] == ISA_OP_MULTIPLY_ADD ? d : 0);
    }
}

static void build_full(uint32_t iterations)
{
    prologue(iterations);
    for (int b = 0; b < LOOP_BUNDLES; b++) {
        bundle();
        valu_work(b, 6);
        for (int i = 0; i < 12; i++) {
            static const int ops[] = {ISA_OP_ALU_ADD, ISA_OP_ALU_XOR, ISA_OP_ALU_SHL,
                                      ISA_OP_ALU_SHR, ISA_OP_ALU_MUL, ISA_OP_ALU_LT};
            if (b == LOOP_BUNDLES - 2 && i == 0)
                slot(ISA_OP_ALU_SUB, COUNTER, COUNTER, ONE, 0);
            else
                slot(ops[i % 6], SCALARS + i, SCALARS + (i + 1) % 12, SCALARS + (i + 5) % 12, 0);
        }
        slot(ISA_OP_VLOAD, VECTORS + 64 + 8 * (b % 4), ADDR + b % 4, 0, 0);
        slot(ISA_OP_LOAD, SCALARS + 12, ADDR + (b + 1) % 4, 0, 0);
        slot(ISA_OP_VSTORE, ADDR + (b + 2) % 4, VECTORS + 8 * b, 0, 0);
        slot(ISA_OP_STORE, ADDR + (b + 3) % 4, SCALARS + 3, 0, 0);
        if (b == LOOP_BUNDLES - 1)
            slot(ISA_OP_COND_JUMP_REL, COUNTER, -LOOP_BUNDLES, 0, 0);
        else
            slot(ISA_OP_VSELECT, VECTORS + 96, VECTORS, VECTORS + 8, VECTORS + 16);
    }
}

static void build_vector(uint32_t iterations)
{
    prologue(iterations);
    for (int b = 0; b < LOOP_BUNDLES; b++) {
        bundle();
        valu_work(b, 6);
        slot(ISA_OP_VLOAD, VECTORS + 64, ADDR + b % 4, 0, 0);
        slot(ISA_OP_VSTORE, ADDR + (b + 1) % 4, VECTORS + 8 * b, 0, 0);
        if (b == LOOP_BUNDLES - 2)
            slot(ISA_OP_ALU_SUB, COUNTER, COUNTER, ONE, 0);
        if (b == LOOP_BUNDLES - 1)
            slot(ISA_OP_COND_JUMP_REL, COUNTER, -LOOP_BUNDLES, 0, 0);
    }
}

static void build_scalar(uint32_t iterations)
{
    prologue(iterations);
    for (int b = 0; b < LOOP_BUNDLES; b++) {
        bundle();
        if (b == LOOP_BUNDLES - 2)
            slot(ISA_OP_ALU_SUB, COUNTER, COUNTER, ONE, 0);
        else if (b == LOOP_BUNDLES - 1)
            slot(ISA_OP_COND_JUMP_REL, COUNTER, -LOOP_BUNDLES, 0, 0);
        else
            slot(ISA_OP_ALU_ADD, SCALARS + b, SCALARS + b, ONE, 0);
    }
}

static void build_branchy(uint32_t iterations)
{
    prologue(iterations);
    int start = (int)img->nbundles;
    /* start: dec, jump start+2; start+1: never reached; start+2: branch. */
    bundle();
    slot(ISA_OP_ALU_SUB, COUNTER, COUNTER, ONE, 0);
    slot(ISA_OP_JUMP, start + 2, 0, 0, 0);
    bundle();
    slot(ISA_OP_HALT, 0, 0, 0, 0);
    bundle();
    slot(ISA_OP_COND_JUMP, COUNTER, start, 0, 0);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Runs the program repeatedly for about half a second; returns cycles/s. */
static double measure(const char *name, void (*build)(uint32_t), uint32_t iterations)
{
    img = img_new(IMG_EXECUTABLE);
    build(iterations);
    char why[256];
    sim_program *p = sim_program_new(img, why, sizeof why);
    if (!p) {
        fprintf(stderr, "vbench: %s: %s\n", name, why);
        exit(1);
    }
    static uint32_t memory[MEMORY_WORDS];
    sim_config cfg = SIM_CONFIG_DEFAULT;
    uint64_t cycles = 0, slots = 0, runs = 0;
    double start = now(), elapsed;
    do {
        sim_machine *m = sim_new(p, &cfg, memory, MEMORY_WORDS, why, sizeof why);
        if (!m || sim_run(m) != SIM_DONE) {
            fprintf(stderr, "vbench: %s did not run to its end\n", name);
            exit(1);
        }
        uint64_t used[ISA_ENGINE_COUNT];
        sim_engine_slots(m, used);
        for (int e = 0; e < ISA_ENGINE_COUNT; e++)
            slots += used[e];
        cycles += sim_cycles(m);
        runs++;
        sim_free(m);
        elapsed = now() - start;
    } while (elapsed < 0.5);
    double rate = (double)cycles / elapsed;
    printf("%-8s %10llu %6llu %10.1f M %10.1f M %8.1f\n", name,
           (unsigned long long)(cycles / runs), (unsigned long long)runs, rate / 1e6,
           (double)slots / elapsed / 1e6, (double)slots / (double)cycles);
    sim_program_free(p);
    img_free(img);
    return rate;
}

/* The stages of a vrun of path, each the best of runs. */
static int image_stages(const char *path, int runs)
{
    enum { LOAD, SETUP, WORKLOAD, RUN, CHECK, STAGES };
    static const char *const names[STAGES] = {"load", "set-up", "workload", "run", "check"};
    double best[STAGES];
    for (int k = 0; k < STAGES; k++)
        best[k] = 1e9;
    uint64_t cycles = 0;
    uint32_t bundles = 0;
    long mismatch = 0;
    for (int r = 0; r < runs; r++) {
        double t[STAGES + 1];
        img_status st;
        img_view v;
        char why[256];
        t[0] = now();
        if (img_view_file(&v, path, &st) != 0) {
            fprintf(stderr, "vbench: %s: %s: %s\n", path, img_error_text(st.code), st.detail);
            return 1;
        }
        t[1] = now();
        sim_program *p = sim_program_view(&v, NULL);
        t[2] = now();
        wl_params params = WL_DEFAULT_PARAMS;
        wl_instance *w = wl_build(&params);
        t[3] = now();
        sim_config cfg = SIM_CONFIG_DEFAULT;
        sim_machine *m = sim_new(p, &cfg, w->memory, w->memory_words, why, sizeof why);
        if (!m || sim_run(m) != SIM_DONE) {
            fprintf(stderr, "vbench: %s did not run to its end\n", path);
            return 1;
        }
        t[4] = now();
        size_t words;
        mismatch = wl_first_mismatch(w, sim_memory_const(m, &words), words, WL_CHECKPOINTS - 1);
        t[5] = now();
        for (int k = 0; k < STAGES; k++)
            if (t[k + 1] - t[k] < best[k])
                best[k] = t[k + 1] - t[k];
        cycles = sim_cycles(m);
        bundles = sim_program_bundles(p);
        sim_free(m);
        wl_free(w);
        sim_program_free(p);
        img_view_close(&v);
    }
    printf("%s: %u bundles, %llu cycles, %s; best of %d runs:\n", path, bundles,
           (unsigned long long)cycles, mismatch < 0 ? "pass" : "WRONG", runs);
    double total = 0;
    for (int k = 0; k < STAGES; k++) {
        printf("  %-9s %8.3f ms\n", names[k], best[k] * 1e3);
        total += best[k];
    }
    printf("  %-9s %8.3f ms (without process start and exit)\n", "total", total * 1e3);
    return 0;
}

/* Microseconds a warning and its note cost diag, source line and caret
 * included, over a 100,000-line source. */
static int diag_cost(void)
{
    enum { LINES = 100000, WARNINGS = 10000 };
    static const char line[] = "< load load 89, 993 ; alu < 834, 891, 890 ; alu + 7, 1, 2 ; alu - 7, 3, 4 >\n";
    size_t n = (sizeof line - 1) * LINES;
    char *text = malloc(n + 1);
    FILE *out = fopen("/dev/null", "w");
    if (!text || !out)
        return 1;
    for (size_t i = 0; i < LINES; i++)
        memcpy(text + i * (sizeof line - 1), line, sizeof line - 1);
    setvbuf(out, NULL, _IONBF, 0);
    diag *d = diag_new(out, "vasm");
    diag_add_source(d, "k.vasm", text, n);
    diag_loc earlier = {"k.vasm", 5, 45, 13};
    diag_note(d, &earlier, "the line index is built here, before the timing");
    double start = now();
    for (int i = 0; i < WARNINGS; i++) {
        diag_loc at = {"k.vasm", 1 + i * (LINES / WARNINGS), 61, 13};
        diag_warning(d, &at, "double-write",
                     "slots %d and %d of this bundle both write scratch %d; the later slot's value is kept",
                     3, 4, 7);
        diag_note(d, &earlier, "the earlier write is here");
    }
    double per = (now() - start) / WARNINGS;
    printf("diag: %.2f us a warning with its note (source line and caret, unbuffered, to /dev/null)\n",
           per * 1e6);
    diag_free(d);
    fclose(out);
    free(text);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--diag") == 0)
        return diag_cost();
    if (argc >= 3 && strcmp(argv[1], "--image") == 0)
        return image_stages(argv[2], argc > 3 ? atoi(argv[3]) : 50);
    printf("%-8s %10s %6s %12s %12s %8s\n", "program", "cycles/run", "runs", "cycles/s",
           "slots/s", "slots/c");
    double slowest = measure("full", build_full, 50000);
    double r;
    if ((r = measure("vector", build_vector, 50000)) < slowest)
        slowest = r;
    if ((r = measure("scalar", build_scalar, 50000)) < slowest)
        slowest = r;
    if ((r = measure("branchy", build_branchy, 50000)) < slowest)
        slowest = r;
    printf("slowest: %.1f million cycles per second (full bundles are the worst case)\n",
           slowest / 1e6);
    return 0;
}

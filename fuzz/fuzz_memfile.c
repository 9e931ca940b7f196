/*
 * fuzz_memfile: vrun's --mem-in reader on the input as a stream, then
 * the words as the memory of a short run of a fixed program that reads
 * and writes through addresses taken from that memory (as a kernel
 * does), so that any word is a possible address.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "image.h"
#include "machine.h"
#include "memfile.h"

static sim_program *program(vimage **img)
{
    static vimage *image;
    static sim_program *p;
    if (!p) {
        image = img_new(IMG_EXECUTABLE);
        isa_slot slots[] = {
            {.op = ISA_OP_LOAD, .arg = {0, 1}},        /* s0 = mem[s1] (s1 = 0) */
            {.op = ISA_OP_LOAD, .arg = {2, 0}},        /* s2 = mem[s0] */
            {.op = ISA_OP_VLOAD, .arg = {8, 2}},       /* s8..15 = mem[s2..] */
            {.op = ISA_OP_VSTORE, .arg = {0, 8}},      /* mem[s0..] = s8..15 */
            {.op = ISA_OP_HALT},
        };
        for (size_t i = 0; i < sizeof slots / sizeof *slots; i++) {
            img_begin_bundle(image, NULL, 0);
            img_add_slot(image, &slots[i]);
        }
        char why[256];
        p = sim_program_new(image, why, sizeof why);
        if (!p)
            abort();
    }
    *img = image;
    return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f)
        return 0;
    uint32_t *words;
    size_t count;
    char why[512];
    int r = mem_read_stream(f, "fuzz.mem", &words, &count, why, sizeof why);
    fclose(f);
    if (r != 0)
        return 0;
    vimage *img;
    sim_program *p = program(&img);
    sim_config cfg = SIM_CONFIG_DEFAULT;
    cfg.max_cycles = 100;
    sim_machine *m = sim_new(p, &cfg, words, count, why, sizeof why);
    if (m) {
        sim_run(m);
        sim_format_error(m, why, sizeof why);
        sim_free(m);
    }
    free(words);
    return 0;
}

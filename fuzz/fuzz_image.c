/*
 * fuzz_image: the image loader (decoder and in-place view), the
 * disassembler, and a bounded run of the machine on an executable (as
 * vrun does: on the view, memory segments applied).  The header's size
 * and CRC are fixed first (fuzz_fix_header).
 */
#include <stdlib.h>
#include <string.h>

#include "disasm.h"
#include "fuzz.h"
#include "image.h"
#include "machine.h"

#define MEMORY_WORDS 4096
#define MAX_CYCLES 5000

static void run(const img_view *v, const vimage *img)
{
    sim_program *p = sim_program_view(v, img);
    if (!p)
        return;
    uint32_t *memory = calloc(MEMORY_WORDS, sizeof *memory);
    if (!memory)
        abort();
    for (uint32_t i = 0; i < v->nsegments; i++) {
        const img_segment *s = &v->segments[i];
        if ((uint64_t)s->address + s->count <= MEMORY_WORDS && s->count)
            memcpy(memory + s->address, s->words, (size_t)s->count * sizeof *memory);
    }
    sim_config cfg = SIM_CONFIG_DEFAULT;
    cfg.max_cycles = MAX_CYCLES;
    char why[256];
    sim_machine *m = sim_new(p, &cfg, memory, MEMORY_WORDS, why, sizeof why);
    if (m) {
        sim_run(m);
        char buf[512];
        sim_format_error(m, buf, sizeof buf);
        sim_free(m);
    }
    free(memory);
    sim_program_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *bytes = fuzz_fix_header(data, size);
    img_status st;
    vimage *img = img_decode(bytes, size, &st);
    if (img) {
        dis_options opt = {.names = 1, .addresses = 1, .python = 0, .lines = 1};
        dis_print(fuzz_sink(), img, &opt);
        char why[256];
        dis_python_check(img, why, sizeof why);
        img_view v;
        if (img->type == IMG_EXECUTABLE && img_view_bytes(&v, bytes, size, &st) == 0) {
            run(&v, img);
            img_view_close(&v);
        }
        img_free(img);
    }
    free(bytes);
    return 0;
}

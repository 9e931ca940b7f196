/* deferred: an object's code moved into deferred code read from arrays (deferred.h). */
#include "deferred.h"

#include <stdlib.h>

typedef struct {
    img_code_source base;
    isa_slot *slots;
    img_slot_line *lines;
    uint32_t *comment_slots, *line_files;
} array_code;

static void array_read(const img_code_source *src, uint32_t first, uint32_t n, isa_slot *out)
{
    for (uint32_t i = 0; i < n; i++)
        out[i] = ((const array_code *)src)->slots[first + i];
}

static void array_encode(const img_code_source *src, uint32_t first, uint32_t n, uint8_t *out)
{
    for (uint32_t i = 0; i < n; i++, out += IMG_SLOT_BYTES) {
        const isa_slot *s = &((const array_code *)src)->slots[first + i];
        uint32_t low[ISA_MAX_ARGS];
        uint8_t negative = 0;
        for (int a = 0; a < ISA_MAX_ARGS; a++) {
            low[a] = (uint32_t)s->arg[a];
            negative |= (uint8_t)((s->arg[a] < 0) << a);
        }
        img_slot_put(out, (uint8_t)s->op, negative, low);
    }
}

static void array_lines(const img_code_source *src, uint32_t first, uint32_t n, img_slot_line *out)
{
    for (uint32_t i = 0; i < n; i++)
        out[i] = ((const array_code *)src)->lines[first + i];
}

static void array_release(img_code_source *src)
{
    array_code *c = (array_code *)src;
    free(c->slots);
    free(c->lines);
    free(c->comment_slots);
    free(c->line_files);
    free(c);
}

void defer_code(vimage *o)
{
    array_code *c = calloc(1, sizeof *c);
    c->slots = o->slots;
    c->lines = o->slot_lines;
    c->comment_slots = calloc(o->nslots + 1, sizeof *c->comment_slots);
    c->line_files = calloc(2 * o->nslots + 1, sizeof *c->line_files);
    uint32_t ncomments = 0, nfiles = 0, file = 0, call = 0;
    for (uint32_t k = 0; k < o->nslots; k++) {
        if (isa_comment_arg(o->slots[k].op) >= 0)
            c->comment_slots[ncomments++] = k;
        if (c->lines && c->lines[k].file != file)
            c->line_files[nfiles++] = file = c->lines[k].file;
        if (c->lines && c->lines[k].call_file != call)
            c->line_files[nfiles++] = call = c->lines[k].call_file;
    }
    c->base = (img_code_source){.read = array_read, .encode = array_encode, .lines = array_lines,
                                .release = array_release,
                                .comment_slots = c->comment_slots, .ncomment_slots = ncomments,
                                .line_files = c->line_files, .nline_files = nfiles};
    o->code = &c->base;
    o->code_slot_lines = o->slot_lines != NULL;
    o->slots = NULL;
    o->slot_lines = NULL;
}

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
    c->base = (img_code_source){array_read, array_lines, array_release, c->comment_slots, ncomments,
                                c->line_files, nfiles};
    o->code = &c->base;
    o->code_slot_lines = o->slot_lines != NULL;
    o->slots = NULL;
    o->slot_lines = NULL;
}

/*
 * source: an object printed back as assembly source (vasm -S).
 *
 * After the optimizer, an object holds the scheduled bundles; printed with
 * the names its symbols and relocations keep, it is a source that
 * assembles to the very same object: the starting point for tuning by
 * hand.  Scratch arrays become .word declarations (the linker still
 * places them), labels stand before their bundles, and every relocated
 * operand is written as name + offset.  Names that are not identifiers
 * (a macro's private label "loop.3", a temporary's pool) have their dots
 * written as underscores.
 */
#include "source.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static void put_name(FILE *f, const char *name)
{
    for (const char *c = name; *c; c++)
        fputc(*c == '.' ? '_' : *c, f);
}

static void put_operand(FILE *f, const vimage *obj, const img_reloc *rel, int64_t value)
{
    if (!rel) {
        fprintf(f, "%" PRId64, value);
        return;
    }
    put_name(f, img_string(obj, obj->symbols[rel->symbol].name));
    if (rel->addend)
        fprintf(f, " %c %" PRId64, rel->addend < 0 ? '-' : '+', rel->addend < 0 ? -(int64_t)rel->addend : (int64_t)rel->addend);
}

static void put_slot(FILE *f, const vimage *obj, uint32_t index, const img_reloc *const *rels)
{
    const isa_slot *s = &obj->slots[index];
    const isa_op_info *info = &isa_ops[s->op];
    fprintf(f, "%s %s", isa_engines[info->engine].name, info->mnemonic);
    for (int a = 0; info->kinds[a]; a++) {
        char k = info->kinds[a];
        if (k == 'K')
            continue;
        fputs(a ? ", " : " ", f);
        if (k == 'k') {
            fputs(isa_trace_key_names[s->arg[a]], f);
            if (isa_trace_key_takes_stage[s->arg[a]])
                fprintf(f, ", %" PRId64, s->arg[a + 1]);
        } else if (k == 'c') {
            fputc('"', f);
            for (const char *c = img_string(obj, (uint32_t)s->arg[a]); *c; c++)
                fprintf(f, (*c == '"' || *c == '\\') ? "\\%c" : "%c", *c);
            fputc('"', f);
        } else {
            put_operand(f, obj, rels[(size_t)index * ISA_MAX_ARGS + a], s->arg[a]);
        }
    }
}

int asm_print_source(FILE *f, const vimage *obj)
{
    const img_reloc **rels = xcalloc((size_t)obj->nslots * ISA_MAX_ARGS + 1, sizeof *rels);
    for (uint32_t r = 0; r < obj->nrelocs; r++)
        rels[(size_t)obj->relocs[r].slot * ISA_MAX_ARGS + obj->relocs[r].operand] = &obj->relocs[r];

    for (uint32_t i = 0; i < obj->nsymbols; i++) {
        const img_symbol *sym = &obj->symbols[i];
        const char *name = img_string(obj, sym->name);
        if (sym->binding == IMG_BIND_EXTERN) {
            fputs(".extern ", f);
            put_name(f, name);
            if (sym->size)
                fprintf(f, "[%" PRIu32 "]", sym->size);
            fputc('\n', f);
            continue;
        }
        if (sym->kind == IMG_SYM_SCRATCH) {
            fputs(".word ", f);
            put_name(f, name);
            if (sym->size != 1)
                fprintf(f, "[%" PRIu32 "]", sym->size);
            if (sym->flags & IMG_SYMF_FIXED)
                fprintf(f, " @ %" PRIu32, sym->value);
            fputc('\n', f);
        } else if (sym->kind == IMG_SYM_CONST) {
            fputs(".equ ", f);
            put_name(f, name);
            fprintf(f, ", %" PRIu32 "\n", sym->value);
        }
        if (sym->binding == IMG_BIND_GLOBAL) {
            fputs(".global ", f);
            put_name(f, name);
            fputc('\n', f);
        }
        if (sym->flags & IMG_SYMF_ENTRY) {
            fputs(".entry ", f);
            put_name(f, name);
            fputc('\n', f);
        }
    }
    for (uint32_t b = 0; b <= obj->nbundles; b++) {
        for (uint32_t i = 0; i < obj->nsymbols; i++) {
            const img_symbol *sym = &obj->symbols[i];
            if (sym->kind == IMG_SYM_LABEL && sym->binding != IMG_BIND_EXTERN && sym->value == b) {
                put_name(f, img_string(obj, sym->name));
                fputs(":\n", f);
            }
        }
        if (b == obj->nbundles)
            break;
        uint32_t first = obj->bundle_start[b], end = obj->bundle_start[b + 1];
        if (first == end) {
            fputs("nop\n", f);
            continue;
        }
        fputs(end - first > 1 ? "< " : "", f);
        for (uint32_t k = first; k < end; k++) {
            if (k > first)
                fputs(" ; ", f);
            put_slot(f, obj, k, rels);
        }
        fputs(end - first > 1 ? " >\n" : "\n", f);
    }
    free(rels);
    return ferror(f) ? -1 : 0;
}

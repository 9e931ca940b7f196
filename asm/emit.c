/*
 * emit: a resolved program as a relocatable object (common/image.h).
 *
 * What goes in, per the contract with the linker (asm/link.c):
 *   CODE     the bundles; a relocated operand holds 0, its offset is the
 *            relocation's addend;
 *   LINES    each bundle's file and line (the macro body line for slots a
 *            macro made, so traces point at the text that wrote them);
 *   SLOTLINES each slot's own file and line, taken from the slot (a pass
 *            that moves slots between bundles keeps them right), and the
 *            outermost macro call that expanded it;
 *   SYMBOLS  every label and scratch variable (local ones too, so traces
 *            and disassembly can name them), .global constants, externs
 *            (their kind as their uses imply; a constant when only used as
 *            a number);
 *   RELOCS   one per symbolic operand;
 *   STRINGS  names, file names and debug comment texts.
 */
#include "program.h"

#include <stdlib.h>
#include <string.h>

#include "background.h"
#include "xalloc.h"

static uint32_t add_symbol_entry(vimage *img, const asm_symbol *s)
{
    img_sym_binding bind = s->kind == SYM_EXTERN ? IMG_BIND_EXTERN : s->global ? IMG_BIND_GLOBAL : IMG_BIND_LOCAL;
    uint16_t flags = (uint16_t)((s->fixed ? IMG_SYMF_FIXED : 0) | (s->entry ? IMG_SYMF_ENTRY : 0));
    uint32_t line = s->loc.line;
    switch ((asm_sym_kind)s->kind) {
    case SYM_LABEL:
        return img_add_symbol(img, s->name->text, IMG_SYM_LABEL, bind, flags, (uint32_t)s->value, 0, line);
    case SYM_SCRATCH:
        return img_add_symbol(img, s->name->text, IMG_SYM_SCRATCH, bind, flags,
                              s->fixed ? (uint32_t)s->value : 0, s->size, line);
    case SYM_CONST:
        return img_add_symbol(img, s->name->text, IMG_SYM_CONST, bind, 0, (uint32_t)s->value, 0, line);
    case SYM_EXTERN:
        return img_add_symbol(img, s->name->text, s->extern_kind ? (img_sym_kind)s->extern_kind : IMG_SYM_CONST,
                              bind, 0, 0, s->size, line);
    case SYM_UNDEFINED:
        break;
    }
    return UINT32_MAX;
}

/* The symbol, and where its definition is written (SYMLINES), so that
 * the linker can cite a definition in an included file, with a caret. */
static uint32_t add_symbol(vimage *img, const asm_symbol *s)
{
    uint32_t index = add_symbol_entry(img, s);
    if (index != UINT32_MAX && s->loc.file) {
        img_symbol *sym = &img->symbols[index];
        sym->file = img_intern(img, s->loc.file);
        sym->column = s->loc.col;
        sym->length = s->loc.len;
    }
    return index;
}

static int by_definition(const void *a, const void *b)
{
    const asm_symbol *x = *(asm_symbol *const *)a, *y = *(asm_symbol *const *)b;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* The call of the outermost macro whose expansion made the slot (NULL
 * file: the slot was written outside any macro). */
static asm_loc macro_call(const asm_frame *frame)
{
    asm_loc call = {NULL, 0, 0, 0};
    for (; frame; frame = frame->parent)
        if (frame->kind == ASM_FRAME_MACRO)
            call = frame->at;
    return call;
}

/* The index in ctx->files of an interned file name (*last: the previous
 * answer, tried first). */
static uint16_t file_index(const asm_ctx *ctx, const char *file, uint16_t *last)
{
    if (*last < ctx->nfiles && ctx->files[*last] == file)
        return *last;
    for (size_t i = 0; i < ctx->nfiles; i++)
        if (ctx->files[i] == file)
            return *last = (uint16_t)i;
    return 0;
}

/* The STRINGS offset of file ctx->files[index] (none past them), interned
 * on first use: a file name is looked up once per emission, not once per
 * bundle and slot.  known: per file, offset + 1 (0: not interned yet). */
static uint32_t file_offset(const asm_ctx *ctx, vimage *img, uint32_t *known, size_t index)
{
    if (index >= ctx->nfiles)
        return 0;
    if (!known[index])
        known[index] = img_intern(img, ctx->files[index]) + 1;
    return known[index] - 1;
}

/* Whether every bundle's slots, and every slot's operands, come after the
 * previous one's (as expansion lays them out; a pass may leave them
 * elsewhere): then what emission has read lies before where it reads. */
static int in_order(const asm_program *p)
{
    uint32_t slot = 0, arg = 0;
    for (size_t b = 0; b < p->nbundles; b++) {
        if (p->bundles[b].first_slot < slot)
            return 0;
        slot = p->bundles[b].first_slot + p->bundles[b].nslots;
        for (uint32_t k = 0; k < p->bundles[b].nslots; k++) {
            const asm_pslot *s = &p->slots[p->bundles[b].first_slot + k];
            if (s->first_arg < arg)
                return 0;
            arg = s->first_arg + isa_ops[s->op].nargs;
        }
    }
    return 1;
}

/* The column of an operand for the linker's messages, which cite the
 * slot's own line: 0 when the operand was written on another line (a
 * macro argument, written at the call). */
static uint16_t operand_column(const asm_ctx *ctx, const asm_pslot *slot, const asm_operand *op)
{
    asm_loc at = asm_pos_loc(ctx, op->pos), line = asm_pos_loc(ctx, slot->pos);
    return at.file == line.file && at.line == line.line ? at.col : 0;
}

/* The object's code arrays, written front to back: their pages are asked
 * for a chunk ahead of the writer (xprefault_ahead) while the program's
 * go back, so that the peak stays the program's.  ready: bytes of each
 * array asked for so far. */
static void prefault_code(vimage *img, size_t bundle, size_t slot, size_t ready[4])
{
    xprefault_ahead(img->slots, slot * sizeof *img->slots, img->cap_slots * sizeof *img->slots, &ready[0]);
    if (img->slot_lines)
        xprefault_ahead(img->slot_lines, slot * sizeof *img->slot_lines, img->cap_slots * sizeof *img->slot_lines,
                        &ready[1]);
    xprefault_ahead(img->bundle_start, bundle * sizeof *img->bundle_start,
                    img->cap_bundles * sizeof *img->bundle_start, &ready[2]);
    xprefault_ahead(img->lines, bundle * sizeof *img->lines, img->cap_bundles * sizeof *img->lines, &ready[3]);
}

/* The symbols, in the order of definition: the linker lays out scratch in
 * the order of the symbol table ("first fit in declaration order"). */
static void emit_symbols(vimage *img, asm_program *p)
{
    asm_symbol **order = malloc((p->nsymbols ? p->nsymbols : 1) * sizeof *order);
    if (!order)
        abort();
    if (p->nsymbols) {
        memcpy(order, p->symbols, p->nsymbols * sizeof *order);
        qsort(order, p->nsymbols, sizeof *order, by_definition);
    }
    for (size_t i = 0; i < p->nsymbols; i++) {
        asm_symbol *s = order[i];
        /* Local constants are gone after assembly; only exported ones stay. */
        /* Temporaries live on as words of the module's pool (asm/opt.h). */
        int keep = s->kind == SYM_LABEL || (s->kind == SYM_SCRATCH && !s->temp) || s->kind == SYM_EXTERN ||
                   (s->kind == SYM_CONST && s->global);
        s->index = keep ? add_symbol(img, s) : UINT32_MAX;
    }
    free(order);
}

/* What a slot's operands need of the object, in operand order: a
 * comment's text interned (its offset is returned; 0 when the slot has
 * none), a relocation for each symbolic operand (slot_index: the slot's
 * index in the object). */
static uint32_t emit_operands(const asm_ctx *ctx, vimage *img, const asm_program *p, const asm_pslot *slot,
                              uint32_t slot_index)
{
    const isa_op_info *info = &isa_ops[slot->op];
    const asm_arg *args = &p->args[slot->first_arg];
    uint32_t comment = 0;
    for (int a = 0; a < info->nargs; a++) {
        if (args[a].tag != ASM_ARG_FULL)
            continue;
        const asm_operand *op = &p->opds[args[a].v];
        if (info->kinds[a] == 'c') {
            comment = img_intern(img, op->u.expr->u.str.text);
        } else if (op->form == OPD_SYM) {
            img_add_reloc(img, slot_index, (uint8_t)a, (img_reloc_kind)op->reloc, op->u.sym->index,
                          (int32_t)op->value);
            img->relocs[img->nrelocs - 1].column = operand_column(ctx, slot, op);
        }
    }
    return comment;
}

/* Whether a slot needs its own check here: bind checked every slot of
 * plain numbers against the machine; the rest (symbolic or late
 * operands, slots a pass rewrote) are checked at emission, so that the
 * object can say its code is checked (image.h). */
static int slot_passes(const asm_pbundle *bundle, const isa_slot *s, int plain)
{
    char why[160];
    int bad;
    return (plain && !bundle->region) || isa_check_slot(s, why, sizeof why, &bad) == 0;
}

vimage *asm_emit(const asm_ctx *ctx, asm_program *p)
{
    vimage *img = img_new(IMG_OBJECT);
    emit_symbols(img, p);
    /* The program is read once, in order: its pages go back as the object's
     * code grows.  Each slot's line (from its own asm_pslot: a pass may have
     * moved it to another bundle) goes into the image's line map on the
     * way, its files as indices of ctx->files (the call's: + 1, 0 for
     * none), turned into string offsets after the code, so that new file
     * names go last in STRINGS (img_set_slot_line). */
    img_reserve_code(img, (uint32_t)p->nbundles, (uint32_t)p->nslots);
    int release = in_order(p);
    size_t args_done = 0, slots_done = 0, bundles_done = 0;
    if (p->nslots)
        img_slot_lines(img);
    uint32_t *known = xcalloc(ctx->nfiles + 1, sizeof *known);
    uint16_t last_call = 0;
    uint32_t slot_index = 0;
    int checked = 1;
    size_t prefaulted[4] = {0, 0, 0, 0};
    for (size_t b = 0; b < p->nbundles; b++) {
        const asm_pbundle *bundle = &p->bundles[b];
        if (b % 1024 == 0)
            prefault_code(img, b, slot_index, prefaulted);
        isa_slot *out = img_add_bundle_at(img, file_offset(ctx, img, known, bundle->pos.file), bundle->pos.line,
                                          bundle->nslots);
        for (uint32_t k = 0; k < bundle->nslots; k++, slot_index++) {
            const asm_pslot *slot = &p->slots[bundle->first_slot + k];
            uint32_t comment = emit_operands(ctx, img, p, slot, slot_index);
            checked &= slot_passes(bundle, &out[k], asm_slot_isa_of(p->args, p->opds, slot, comment, &out[k]));
            uint16_t call_file = 0;
            uint32_t call_line = 0;
            if (slot->frame) {
                asm_loc call = macro_call(asm_frame_of(p, slot->frame));
                call_file = (uint16_t)(call.file ? 1 + file_index(ctx, call.file, &last_call) : 0);
                call_line = call.line;
            }
            img->slot_lines[slot_index] = (img_slot_line){slot->pos.file, slot->pos.line, call_file, call_line};
        }
        /* (asm_release gives pages back a couple of megabytes at a time:
         * asking every 1024 bundles is often enough) */
        if (release && b % 1024 == 1023) {
            if (bundle->nslots)
                args_done = asm_release(p->args, args_done, p->slots[bundle->first_slot].first_arg * sizeof *p->args);
            slots_done = asm_release(p->slots, slots_done, bundle->first_slot * sizeof *p->slots);
            bundles_done = asm_release(p->bundles, bundles_done, b * sizeof *p->bundles);
        }
    }
    img_slot_line *lines = img->slot_lines;
    for (uint32_t k = 0; k < slot_index; k++) {
        lines[k].file = file_offset(ctx, img, known, lines[k].file);
        lines[k].call_file = lines[k].call_file ? file_offset(ctx, img, known, lines[k].call_file - 1u) : 0;
    }
    free(known);
    img->code_checked = (uint8_t)checked;
    bg_wait();   /* the linker may move these arrays: no page is asked for behind it */
    return img;
}

/* ---- deferred code ------------------------------------------------------- */

/* The program as an object's deferred code (image.h): what is left of it
 * after emission, and what its slots and lines need of the object. */
typedef struct {
    img_code_source base;
    asm_pslot *slots;          /* the program's slots, operands and full operands */
    asm_arg *args;
    asm_operand *opds;         /* (their symbol and expression pointers are never followed) */
    uint32_t *slot_of;         /* object slot -> program slot; NULL: the same */
    uint32_t *comment_slots;   /* object slots with a comment, ascending, */
    uint32_t *comment_text;    /* and their texts' offsets */
    uint32_t *file_text;       /* per file index: the object's offset of its name */
    uint32_t nfiles;
    uint32_t *call_file, *call_line;   /* per frame: its outermost macro call, file offset and line */
    uint32_t *line_files;      /* base.line_files */
} program_code;

static const asm_pslot *code_slot(const program_code *c, uint32_t k)
{
    return &c->slots[c->slot_of ? c->slot_of[k] : k];
}

/* The index in comment_slots of the first slot with a comment at or
 * after first: slots are read in order, so each comment is met in turn. */
static uint32_t first_comment(const program_code *c, uint32_t first)
{
    uint32_t lo = 0, hi = c->base.ncomment_slots;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (c->comment_slots[mid] < first)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void code_read(const img_code_source *src, uint32_t first, uint32_t n, isa_slot *out)
{
    const program_code *c = (const program_code *)src;
    uint32_t next = first_comment(c, first);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t comment = 0;
        if (next < c->base.ncomment_slots && c->comment_slots[next] == first + i)
            comment = c->comment_text[next++];
        asm_slot_isa_of(c->args, c->opds, code_slot(c, first + i), comment, &out[i]);
    }
}

/* The slots as CODE holds them, from the program's operands directly:
 * bind and emission checked every one against the machine, so each lies
 * in the format's range (img_code_source.encode). */
static void code_encode(const img_code_source *src, uint32_t first, uint32_t n, uint8_t *out)
{
    const program_code *c = (const program_code *)src;
    uint32_t next = first_comment(c, first);
    for (uint32_t i = 0; i < n; i++, out += IMG_SLOT_BYTES) {
        const asm_pslot *slot = code_slot(c, first + i);
        const isa_op_info *info = &isa_ops[slot->op];
        const asm_arg *args = &c->args[slot->first_arg];
        uint32_t low[ISA_MAX_ARGS] = {0, 0, 0, 0, 0};
        unsigned negative = 0;
        for (int a = 0; a < info->nargs; a++) {
            asm_arg x = args[a];
            if (x.tag != ASM_ARG_FULL) {
                low[a] = x.tag == ASM_ARG_NEG ? 0u - x.v : x.v;
                negative |= (unsigned)(x.tag == ASM_ARG_NEG && x.v != 0) << a;
                continue;
            }
            const asm_operand *op = &c->opds[x.v];
            int64_t v = 0;
            if (info->kinds[a] == 'c')
                v = next < c->base.ncomment_slots && c->comment_slots[next] == first + i ? c->comment_text[next] : 0;
            else if (op->form != OPD_SYM)
                v = op->value;
            low[a] = (uint32_t)v;
            negative |= (unsigned)(v < 0) << a;
        }
        if (next < c->base.ncomment_slots && c->comment_slots[next] == first + i)
            next++;
        img_slot_put(out, (uint8_t)slot->op, (uint8_t)negative, low);
    }
}

static void code_lines(const img_code_source *src, uint32_t first, uint32_t n, img_slot_line *out)
{
    const program_code *c = (const program_code *)src;
    for (uint32_t i = 0; i < n; i++) {
        const asm_pslot *slot = code_slot(c, first + i);
        out[i] = (img_slot_line){slot->pos.file < c->nfiles ? c->file_text[slot->pos.file] : 0, slot->pos.line,
                                 c->call_file[slot->frame], c->call_line[slot->frame]};
    }
}

static void code_release(img_code_source *src)
{
    program_code *c = (program_code *)src;
    free(c->slots);
    free(c->args);
    free(c->opds);
    free(c->slot_of);
    free(c->comment_slots);
    free(c->comment_text);
    free(c->file_text);
    free(c->call_file);
    free(c->call_line);
    free(c->line_files);
    free(c);
}

/* In program_code.line_files while emission runs: a frame, not a file. */
#define RUN_FRAME 0x80000000u

vimage *asm_emit_deferred(const asm_ctx *ctx, asm_program *p)
{
    vimage *img = img_new(IMG_OBJECT);
    emit_symbols(img, p);
    program_code *c = xcalloc(1, sizeof *c);
    c->base = (img_code_source){.read = code_read, .encode = code_encode, .lines = code_lines, .release = code_release};
    img_reserve_code(img, (uint32_t)p->nbundles, 0);
    uint32_t *known = xcalloc(ctx->nfiles + 1, sizeof *known);
    uint32_t slot_index = 0, ncomments = 0, cap_comments = 0, nruns = 0, cap_runs = 0;
    uint32_t last_file = UINT32_MAX, last_frame = 0;
    int checked = 1, gapless = 1;
    for (size_t b = 0; b < p->nbundles; b++) {
        const asm_pbundle *bundle = &p->bundles[b];
        gapless &= bundle->first_slot == slot_index;
        img->lines[b] = (img_line){file_offset(ctx, img, known, bundle->pos.file), bundle->pos.line};
        for (uint32_t k = 0; k < bundle->nslots; k++, slot_index++) {
            const asm_pslot *slot = &p->slots[bundle->first_slot + k];
            /* The line files in order (img_code_source): file indices and
             * frames for now, offsets below; a new frame may have the
             * same call file (it is then named twice, which is no change). */
            if (slot->pos.file != last_file || slot->frame != last_frame) {
                if (nruns + 2 > cap_runs) {
                    cap_runs = cap_runs ? 2 * cap_runs : 16;
                    c->line_files = xrealloc(c->line_files, cap_runs * sizeof *c->line_files);
                }
                if (slot->pos.file != last_file)
                    c->line_files[nruns++] = last_file = slot->pos.file;
                if (slot->frame != last_frame)
                    c->line_files[nruns++] = RUN_FRAME | (last_frame = slot->frame);
            }
            /* A slot of plain numbers outside a .linear region: nothing to
             * record or check (asm_slot_isa_of, slot_passes); bind may have said
             * so already (checked_plain), sparing a read of its operands. */
            size_t at = bundle->first_slot + k;
            int plain = p->checked_plain && (p->checked_plain[at / 64] >> (at % 64) & 1);
            if (!plain) {
                const asm_arg *args = &p->args[slot->first_arg];
                int a = 0, nargs = isa_ops[slot->op].nargs;
                while (a < nargs && args[a].tag != ASM_ARG_FULL)
                    a++;
                plain = a == nargs;
            }
            if (plain && !bundle->region)
                continue;
            uint32_t comment = emit_operands(ctx, img, p, slot, slot_index);
            isa_slot s;
            checked &= slot_passes(bundle, &s, asm_slot_isa_of(p->args, p->opds, slot, comment, &s));
            if (isa_comment_arg(slot->op) >= 0) {
                if (ncomments == cap_comments) {
                    cap_comments = cap_comments ? 2 * cap_comments : 16;
                    c->comment_slots = xrealloc(c->comment_slots, cap_comments * sizeof *c->comment_slots);
                    c->comment_text = xrealloc(c->comment_text, cap_comments * sizeof *c->comment_text);
                }
                c->comment_slots[ncomments] = slot_index;
                c->comment_text[ncomments++] = comment;
            }
        }
        img->bundle_start[b + 1] = slot_index;
    }
    img->bundle_start[0] = 0;
    img->nbundles = (uint32_t)p->nbundles;
    img->nslots = slot_index;
    c->base.comment_slots = c->comment_slots;
    c->base.ncomment_slots = ncomments;
    if (!gapless) {
        c->slot_of = xmallocarray(slot_index ? slot_index : 1, sizeof *c->slot_of);
        for (size_t b = 0, k = 0; b < p->nbundles; b++)
            for (uint32_t i = 0; i < p->bundles[b].nslots; i++)
                c->slot_of[k++] = p->bundles[b].first_slot + i;
    }
    /* Slot lines name their files after everything else, as asm_emit's. */
    c->nfiles = (uint32_t)ctx->nfiles;
    c->file_text = xmallocarray(ctx->nfiles + 1, sizeof *c->file_text);
    for (size_t i = 0; i < ctx->nfiles; i++)
        c->file_text[i] = file_offset(ctx, img, known, i);
    c->call_file = xcalloc(p->nframes + 1, sizeof *c->call_file);
    c->call_line = xcalloc(p->nframes + 1, sizeof *c->call_line);
    uint16_t last_call = 0;
    for (size_t f = 1; f < p->nframes; f++) {
        asm_loc call = macro_call(asm_frame_of(p, (uint32_t)f));
        c->call_file[f] = call.file ? file_offset(ctx, img, known, file_index(ctx, call.file, &last_call)) : 0;
        c->call_line[f] = call.line;
    }
    for (uint32_t i = 0; i < nruns; i++) {
        uint32_t x = c->line_files[i];
        c->line_files[i] = x & RUN_FRAME ? c->call_file[x & ~RUN_FRAME] : x < c->nfiles ? c->file_text[x] : 0;
    }
    c->base.line_files = c->line_files;
    c->base.nline_files = nruns;
    free(known);
    img->code_checked = (uint8_t)checked;
    img->code_slot_lines = slot_index != 0;
    /* What the slots and lines need goes with the code; the rest now. */
    c->slots = p->slots;
    c->args = p->args;
    c->opds = p->opds;
    p->slots = NULL;
    p->args = NULL;
    p->opds = NULL;
    img->code = &c->base;
    return img;
}

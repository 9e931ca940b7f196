/*
 * link: relocatable objects in, one executable image out.
 *
 * The passes, each linear in the size of the inputs:
 *   1. check every object's references (indices, strings) so later passes
 *      can index without fear -- in-memory objects skip the reader;
 *   2. order the modules (the one claiming the entry first) and give each
 *      its first bundle and slot in the output;
 *   3. index the globals by name (one hash table) and bind every extern;
 *   4. lay out scratch: fixed-address symbols, then first fit;
 *   5. copy the code (re-interning comment strings), apply relocations and
 *      re-check every relocated slot;
 *   6. concatenate memory segments, carry symbols and line maps over;
 *   7. write the map.
 * Errors are reported through diag and the link goes on as far as it can,
 * so one run shows every problem; anything that would only cascade (a slot
 * using an unplaced symbol) is skipped quietly.
 */
#include "link.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define NO_INDEX UINT32_MAX
#define BIGGEST_SHOWN 8     /* allocations listed under a scratch overflow */

/* A symbol of one module: (module in command-line order, symbol index). */
typedef struct {
    uint32_t module, symbol;
} sym_ref;

/* Open addressing, sized once for all its names: never rehashes. */
typedef struct {
    const char *name;
    uint32_t hash;
    sym_ref ref;
} name_entry;

typedef struct {
    name_entry *slots;
    size_t mask;
} name_table;

typedef struct {
    const vimage *obj;
    const char *name;          /* input name (the object file) */
    const char *source;        /* first source file of its line map, or NULL */
    uint32_t code_base;        /* first bundle in the output */
    uint32_t slot_base;        /* first slot in the output */
    sym_ref *binding;          /* per symbol: its definition (externs: the global) */
    int64_t *final;            /* per defined symbol: final value, -1 while unknown */
    uint8_t *reported;         /* per symbol: an error about its uses was shown */
    uint32_t *string_map;      /* module string offset -> output offset, lazily */
} module;

typedef struct {
    size_t ninputs;
    vimage *taken;             /* the one input whose code becomes the output's, or NULL */
    module *mods;
    uint32_t *order;           /* placement order: indices into mods */
    diag *d;
    vimage *out;
    name_table locals;         /* built at the first undefined symbol, for a hint */
    int locals_ready;
} linker;

static const char *sym_name(const module *m, const img_symbol *s)
{
    const char *name = img_string(m->obj, s->name);
    return name ? name : "";
}

static const char *kind_noun(int kind)
{
    switch (kind) {
    case IMG_SYM_LABEL: return "a code label";
    case IMG_SYM_SCRATCH: return "a scratch variable";
    case IMG_SYM_CONST: return "a constant";
    }
    return "of unknown kind";
}

/* Where a slot's bundle came from, per the module's line map. */
static diag_loc bundle_loc(const module *m, uint32_t bundle)
{
    diag_loc loc = {m->name, 0, 0, 0};
    const vimage *o = m->obj;
    if (o->lines && bundle < o->nbundles && o->lines[bundle].file) {
        loc.file = img_string(o, o->lines[bundle].file);
        loc.line = (int)o->lines[bundle].line;
    }
    return loc;
}

/* Where a symbol was defined: its file and column when the object says
 * (SYMLINES); else a label takes the file of its bundle, anything else the
 * module's first source file (the input name when the module has no line
 * map). */
static diag_loc symbol_loc(const module *m, const img_symbol *s)
{
    diag_loc loc = {m->source ? m->source : m->name, (int)s->line, 0, 0};
    const vimage *o = m->obj;
    if (s->file) {
        loc.file = img_string(o, s->file);
        if (s->column && s->line) {
            loc.col = s->column;
            loc.len = s->length ? s->length : 1;
        }
        return loc;
    }
    if (s->kind == IMG_SYM_LABEL && o->lines && s->value < o->nbundles && o->lines[s->value].file)
        loc.file = img_string(o, o->lines[s->value].file);
    return loc;
}

static uint32_t slot_bundle(const vimage *o, uint32_t slot);

/* Slot k of object o: in its code, or (deferred code, image.h) read into
 * *held. */
static const isa_slot *object_slot(const vimage *o, uint32_t k, isa_slot *held)
{
    if (!o->code)
        return &o->slots[k];
    o->code->read(o->code, k, 1, held);
    return held;
}

/* Where a slot came from: its own line when the module has per-slot lines
 * (a bundle may hold slots of many lines), else its bundle's. */
static diag_loc slot_loc(const module *m, uint32_t slot)
{
    const vimage *o = m->obj;
    uint32_t bundle = slot_bundle(o, slot);
    img_slot_line l = {0, 0, 0, 0};
    if (o->code && o->code_slot_lines)
        o->code->lines(o->code, slot, 1, &l);
    else if (o->slot_lines)
        l = img_slot_source(o, bundle, slot);
    if (!l.file)
        return bundle_loc(m, bundle);
    return (diag_loc){img_string(o, l.file), (int)l.line, 0, 0};
}

/* Where a relocated operand was written: its slot's line, and the
 * operand's column when the object has it (format version 3). */
static diag_loc reloc_loc(const module *m, const img_reloc *r)
{
    diag_loc loc = slot_loc(m, r->slot);
    if (r->column && loc.line) {
        loc.col = r->column;
        loc.len = 1;
    }
    return loc;
}

static uint32_t slot_bundle(const vimage *o, uint32_t slot)
{
    /* The last bundle starting at or before the slot holds it (empty
     * bundles share their start with the next one). */
    uint32_t lo = 0, hi = o->nbundles;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (o->bundle_start[mid] <= slot)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* ---- 1. object sanity ------------------------------------------------ */

static int string_ok(const vimage *o, uint32_t offset) { return img_string(o, offset) != NULL; }

/* Returns 0, or reports why the object cannot be linked and returns -1. */
static int check_object(const module *m, diag *d)
{
    const vimage *o = m->obj;
    diag_loc loc = {m->name, 0, 0, 0};
    if (o->type != IMG_OBJECT) {
        diag_error(d, &loc, "not a relocatable object (%s: %s)", img_error_name(IMG_ERR_WRONG_TYPE),
                   img_error_text(IMG_ERR_WRONG_TYPE));
        return -1;
    }
    int bundles_ok = o->bundle_start ? o->bundle_start[0] == 0 && o->bundle_start[o->nbundles] == o->nslots
                                     : o->nbundles == 0 && o->nslots == 0;
    for (uint32_t b = 0; bundles_ok && b < o->nbundles; b++)
        bundles_ok = o->bundle_start[b] <= o->bundle_start[b + 1];
    if (!bundles_ok) {
        diag_error(d, &loc, "malformed object: the bundle table does not cover its %" PRIu32 " slots in order",
                   o->nslots);
        return -1;
    }
    /* An object the assembler built in this process (code_checked, image.h)
     * made its line maps with img_intern: only one from elsewhere (a
     * caller's, or a file's, which the reader checked as well) is checked
     * line by line here.  Symbols and relocations are checked either way. */
    int built = o->code_checked;
    for (uint32_t b = 0; !built && o->lines && b < o->nbundles; b++)
        if (!string_ok(o, o->lines[b].file)) {
            diag_error(d, &loc, "malformed object: bundle %" PRIu32 " names no valid source file", b);
            return -1;
        }
    for (uint32_t i = 0; !built && o->slot_lines && i < o->nslots; i++)
        if (!string_ok(o, o->slot_lines[i].file) || !string_ok(o, o->slot_lines[i].call_file)) {
            diag_error(d, &loc, "malformed object: slot %" PRIu32 " names no valid source file", i);
            return -1;
        }
    for (uint32_t i = 0; i < o->nsymbols; i++) {
        const img_symbol *s = &o->symbols[i];
        const char *why = NULL;
        if (!string_ok(o, s->name) || !*img_string(o, s->name))
            why = "has no valid name";
        else if (!string_ok(o, s->file))
            why = "names no valid source file";
        else if (s->binding > IMG_BIND_EXTERN)
            why = "has an unknown binding";
        else if (s->kind > IMG_SYM_CONST || (s->kind == 0 && s->binding != IMG_BIND_EXTERN))
            why = "has an unknown kind";
        else if (s->binding != IMG_BIND_EXTERN && s->kind == IMG_SYM_LABEL && s->value > o->nbundles)
            why = "is a label past the end of the module's code";
        else if ((s->flags & IMG_SYMF_ENTRY) &&
                 (s->kind != IMG_SYM_LABEL || s->binding == IMG_BIND_EXTERN))
            why = "claims the entry but is not a label defined here";
        else if ((s->flags & IMG_SYMF_FIXED) && s->kind != IMG_SYM_SCRATCH)
            why = "is fixed but is not scratch";
        else if (s->flags & ~(IMG_SYMF_FIXED | IMG_SYMF_ENTRY))
            why = "has unknown flags";
        if (why) {
            diag_error(d, &loc, "malformed object: symbol %" PRIu32 " %s", i, why);
            return -1;
        }
    }
    for (uint32_t i = 0; i < o->nrelocs; i++) {
        const img_reloc *r = &o->relocs[i];
        const char *why = NULL;
        isa_slot held;
        const isa_slot *slot = r->slot < o->nslots ? object_slot(o, r->slot, &held) : NULL;
        if (!slot)
            why = "names a slot past the end of the code";
        else if (slot->op >= ISA_OP_COUNT || r->operand >= isa_ops[slot->op].nargs)
            why = "names an operand its slot does not have";
        else if (strchr("kKc", isa_ops[slot->op].kinds[r->operand]))
            why = "names an operand that cannot be relocated (a trace key or comment)";
        else if (r->kind < IMG_REL_CODE_ABS || r->kind > IMG_REL_CONST)
            why = "has an unknown kind";
        else if (r->symbol >= o->nsymbols)
            why = "names a symbol past the end of the symbol table";
        if (why) {
            diag_error(d, &loc, "malformed object: relocation %" PRIu32 " %s", i, why);
            return -1;
        }
    }
    return 0;
}

/* ---- 2. placement ------------------------------------------------------ */

/* Finds the entry claims (reporting bad ones; the first claim wins) and
 * puts the claiming module first.  Returns -1 when the program is too big
 * to place at all. */
static int place_modules(linker *L)
{
    size_t claimant = SIZE_MAX;
    uint32_t claim_sym = 0;
    for (size_t i = 0; i < L->ninputs; i++) {
        const module *m = &L->mods[i];
        for (uint32_t k = 0; k < m->obj->nsymbols; k++) {
            const img_symbol *s = &m->obj->symbols[k];
            if (!(s->flags & IMG_SYMF_ENTRY))
                continue;
            diag_loc loc = symbol_loc(m, s);
            if (s->value != 0) {
                diag_error(L->d, &loc,
                           "entry label '%s' is at bundle %" PRIu32 " of its module; an entry "
                           "label must be at the module's bundle 0",
                           sym_name(m, s), s->value);
            }
            if (claimant != SIZE_MAX) {
                const module *first = &L->mods[claimant];
                const img_symbol *fs = &first->obj->symbols[claim_sym];
                diag_error(L->d, &loc, "two entry claims: '%s' (%s) and '%s' (%s)", sym_name(first, fs),
                           first->name, sym_name(m, s), m->name);
                diag_loc floc = symbol_loc(first, fs);
                diag_note(L->d, &floc, "the first entry claim is here");
                continue;
            }
            claimant = i;
            claim_sym = k;
        }
    }
    size_t n = 0;
    if (claimant != SIZE_MAX)
        L->order[n++] = (uint32_t)claimant;
    for (size_t i = 0; i < L->ninputs; i++)
        if (i != claimant)
            L->order[n++] = (uint32_t)i;

    uint64_t bundles = 0, slots = 0;
    for (size_t p = 0; p < L->ninputs; p++) {
        module *m = &L->mods[L->order[p]];
        m->code_base = (uint32_t)bundles;
        m->slot_base = (uint32_t)slots;
        bundles += m->obj->nbundles;
        slots += m->obj->nslots;
        if (bundles > UINT32_MAX || slots > UINT32_MAX) {
            diag_error(L->d, NULL, "the program has more than 2^32-1 bundles or slots");
            return -1;
        }
    }
    return 0;
}

/* ---- 3. names ------------------------------------------------------------ */

static uint32_t hash_name(const char *s)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static void table_init(name_table *t, size_t names)
{
    size_t cap = 16;
    while (cap < 2 * names)
        cap *= 2;
    t->slots = xcalloc(cap, sizeof *t->slots);
    t->mask = cap - 1;
}

/* The entry for name: either holding it, or the empty one to fill. */
static name_entry *table_slot(const name_table *t, const char *name, uint32_t h)
{
    for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
        name_entry *e = &t->slots[i];
        if (!e->name || (e->hash == h && strcmp(e->name, name) == 0))
            return e;
    }
}

static const name_entry *table_find(const name_table *t, const char *name)
{
    const name_entry *e = table_slot(t, name, hash_name(name));
    return e->name ? e : NULL;
}

/* Indexes symbols by name: the globals, or (for hints) the locals. */
static void index_symbols(const linker *L, name_table *t, int binding, int report_duplicates)
{
    size_t count = 0;
    for (size_t i = 0; i < L->ninputs; i++)
        for (uint32_t k = 0; k < L->mods[i].obj->nsymbols; k++)
            count += L->mods[i].obj->symbols[k].binding == binding;
    table_init(t, count);
    for (size_t i = 0; i < L->ninputs; i++) {
        const module *m = &L->mods[i];
        for (uint32_t k = 0; k < m->obj->nsymbols; k++) {
            const img_symbol *s = &m->obj->symbols[k];
            if (s->binding != binding)
                continue;
            const char *name = sym_name(m, s);
            uint32_t h = hash_name(name);
            name_entry *e = table_slot(t, name, h);
            if (!e->name) {
                *e = (name_entry){name, h, {(uint32_t)i, k}};
            } else if (report_duplicates) {
                const module *om = &L->mods[e->ref.module];
                const img_symbol *os = &om->obj->symbols[e->ref.symbol];
                diag_loc loc = symbol_loc(m, s), oloc = symbol_loc(om, os);
                diag_error(L->d, &loc, "duplicate global symbol '%s' (in %s and %s)", name, om->name,
                           m->name);
                diag_note(L->d, &oloc, "the other definition of '%s' is here", name);
            }
        }
    }
}

/* Binds every symbol to its definition: itself, or for an extern the
 * global of that name (NO_INDEX when there is none; reported at its
 * first use). */
static void bind_symbols(linker *L, const name_table *globals)
{
    for (size_t i = 0; i < L->ninputs; i++) {
        module *m = &L->mods[i];
        for (uint32_t k = 0; k < m->obj->nsymbols; k++) {
            const img_symbol *s = &m->obj->symbols[k];
            m->binding[k] = (sym_ref){(uint32_t)i, k};
            if (s->binding != IMG_BIND_EXTERN)
                continue;
            const name_entry *e = table_find(globals, sym_name(m, s));
            m->binding[k] = e ? e->ref : (sym_ref){NO_INDEX, NO_INDEX};
        }
    }
}

/* ---- 4. scratch ---------------------------------------------------------- */

typedef struct {
    sym_ref ref;
    uint32_t size;
    uint32_t address;
    int placed;
} scratch_item;

typedef struct {
    scratch_item *items;       /* fixed ones (by address) first, then the rest in layout order */
    size_t count;
    uint32_t used_words;       /* words covered by at least one placed symbol */
    uint32_t literal_words;    /* other words used as literal addresses (kept free) */
} scratch_layout;

static int by_address(const void *a, const void *b)
{
    const scratch_item *x = a, *y = b;
    if (x->address != y->address)
        return x->address < y->address ? -1 : 1;
    if (x->ref.module != y->ref.module)
        return x->ref.module < y->ref.module ? -1 : 1;
    return x->ref.symbol < y->ref.symbol ? -1 : (x->ref.symbol > y->ref.symbol);
}

static const img_symbol *ref_symbol(const linker *L, sym_ref r)
{
    return &L->mods[r.module].obj->symbols[r.symbol];
}

/* Reports fixed symbols of different modules sharing words.  Sorted by
 * address, a symbol overlaps an earlier one of another module exactly when
 * it starts before the furthest end reached by another module so far; the
 * sweep keeps the furthest end overall and the furthest of any other
 * module. */
static void check_fixed_overlaps(linker *L, scratch_item *fixed, size_t n)
{
    const scratch_item *far = NULL, *far_other = NULL;
    for (size_t i = 0; i < n; i++) {
        const scratch_item *it = &fixed[i];
        if (!it->placed || !it->size)
            continue;   /* past the end (reported) or empty */
        uint64_t end = (uint64_t)it->address + it->size;
        const scratch_item *rival = far && far->ref.module != it->ref.module ? far : far_other;
        if (rival && it->address < (uint64_t)rival->address + rival->size) {
            const module *m = &L->mods[it->ref.module], *rm = &L->mods[rival->ref.module];
            const img_symbol *s = ref_symbol(L, it->ref), *rs = ref_symbol(L, rival->ref);
            diag_loc loc = symbol_loc(m, s), rloc = symbol_loc(rm, rs);
            diag_error(L->d, &loc,
                       "fixed scratch '%s' (%" PRIu32 "..%" PRIu64 ") overlaps '%s' (%" PRIu32
                       "..%" PRIu64 ") of %s",
                       sym_name(m, s), it->address, end - 1, sym_name(rm, rs), rival->address,
                       (uint64_t)rival->address + rival->size - 1, rm->name);
            diag_note(L->d, &rloc, "'%s' is placed here", sym_name(rm, rs));
        }
        if (!far || end > (uint64_t)far->address + far->size) {
            if (far && far->ref.module != it->ref.module)
                far_other = far;
            far = it;
        } else if (it->ref.module != far->ref.module &&
                   (!far_other || end > (uint64_t)far_other->address + far_other->size)) {
            far_other = it;
        }
    }
}

/* Lowest address of a free run of size words at or after from, or -1. */
static int64_t first_fit(const uint8_t *used, uint32_t from, uint32_t size)
{
    uint32_t run = 0;
    if (size == 0)
        return from < ISA_SCRATCH_WORDS ? from : 0;
    for (uint32_t a = from; a < ISA_SCRATCH_WORDS; a++) {
        run = used[a] ? 0 : run + 1;
        if (run == size)
            return a + 1 - size;
    }
    return -1;
}

static int by_size_desc(const void *a, const void *b)
{
    const scratch_item *x = *(const scratch_item *const *)a, *y = *(const scratch_item *const *)b;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    return x < y ? -1 : (x > y);
}

static void report_overflow(linker *L, const scratch_layout *lay, const scratch_item *failed,
                            uint64_t needed)
{
    const module *m = &L->mods[failed->ref.module];
    const img_symbol *s = ref_symbol(L, failed->ref);
    diag_loc loc = symbol_loc(m, s);
    if (needed > ISA_SCRATCH_WORDS)
        diag_error(L->d, &loc,
                   "scratch overflow: the program needs %" PRIu64 " words of scratch, but there "
                   "are %d ('%s' of %s, %" PRIu32 " word%s, does not fit)",
                   needed, ISA_SCRATCH_WORDS, sym_name(m, s), m->name, failed->size,
                   failed->size == 1 ? "" : "s");
    else
        diag_error(L->d, &loc,
                   "scratch overflow: no free run of %" PRIu32 " words for '%s' of %s (the program "
                   "needs %" PRIu64 " of %d words, but fixed-address symbols%s split the free space)",
                   failed->size, sym_name(m, s), m->name, needed, ISA_SCRATCH_WORDS,
                   lay->literal_words ? " and literal addresses" : "");

    const scratch_item **all = xmallocarray(lay->count, sizeof *all);
    for (size_t i = 0; i < lay->count; i++)
        all[i] = &lay->items[i];
    qsort(all, lay->count, sizeof *all, by_size_desc);
    diag_note(L->d, NULL, "the biggest scratch allocations:");
    for (size_t i = 0; i < lay->count && i < BIGGEST_SHOWN; i++) {
        const module *am = &L->mods[all[i]->ref.module];
        diag_note(L->d, NULL, "  %s (%s): %" PRIu32 " word%s", sym_name(am, ref_symbol(L, all[i]->ref)),
                  am->name, all[i]->size, all[i]->size == 1 ? "" : "s");
    }
    free(all);
}

/* Marks (as 2) the free words that some module uses as a literal scratch
 * address: a scratch operand without a relocation on it or on its
 * displacement.  The linker then never places a variable there, so
 * `alu == x, y, 0` cannot compare x with itself because x landed on word
 * 0.  Uses of a module's fixed symbols are such operands too; their words
 * are taken already.  Returns the words newly marked. */
static uint32_t reserve_literals(const linker *L, uint8_t used[ISA_SCRATCH_WORDS])
{
    uint32_t marked = 0, free_words = 0;
    for (int a = 0; a < ISA_SCRATCH_WORDS; a++)
        free_words += !used[a];
    /* Once every word is taken no slot can mark one more: the rest of the
     * slots need not be read. */
    for (size_t i = 0; i < L->ninputs && free_words; i++) {
        const vimage *o = L->mods[i].obj;
        /* per slot, a bit per relocated operand (none: no table) */
        uint8_t *relocated = o->nrelocs ? xcalloc(o->nslots, 1) : NULL;
        for (uint32_t k = 0; k < o->nrelocs; k++)
            relocated[o->relocs[k].slot] |= (uint8_t)(1u << o->relocs[k].operand);
        for (uint32_t k = 0; k < o->nslots && free_words; k++) {
            isa_slot held;
            const isa_slot *slot = object_slot(o, k, &held);
            if (slot->op >= ISA_OP_COUNT)
                continue;   /* (a caller's object; the image check names it) */
            int n;
            const isa_operand_effect *e = isa_scratch_effects(slot->op, &n);
            for (; n > 0; n--, e++) {
                unsigned mask = 1u << e->arg;
                int64_t first = slot->arg[e->arg];
                if (e->disp_arg >= 0) {
                    mask |= 1u << e->disp_arg;
                    first += slot->arg[e->disp_arg];
                }
                if (relocated && (relocated[k] & mask))
                    continue;
                for (int64_t a = first; a < first + e->words; a++)
                    if (a >= 0 && a < ISA_SCRATCH_WORDS && !used[a]) {
                        used[a] = 2;
                        marked++;
                        free_words--;
                    }
            }
        }
        free(relocated);
    }
    return marked;
}

/* Places every scratch symbol defined by the modules. */
static void layout_scratch(linker *L, scratch_layout *lay)
{
    size_t nfixed = 0, n = 0;
    for (size_t i = 0; i < L->ninputs; i++)
        for (uint32_t k = 0; k < L->mods[i].obj->nsymbols; k++) {
            const img_symbol *s = &L->mods[i].obj->symbols[k];
            if (s->kind == IMG_SYM_SCRATCH && s->binding != IMG_BIND_EXTERN) {
                n++;
                nfixed += (s->flags & IMG_SYMF_FIXED) != 0;
            }
        }
    lay->items = xcalloc(n, sizeof *lay->items);
    lay->count = n;
    size_t fi = 0, ai = nfixed;
    for (size_t i = 0; i < L->ninputs; i++)
        for (uint32_t k = 0; k < L->mods[i].obj->nsymbols; k++) {
            const img_symbol *s = &L->mods[i].obj->symbols[k];
            if (s->kind != IMG_SYM_SCRATCH || s->binding == IMG_BIND_EXTERN)
                continue;
            int fixed = (s->flags & IMG_SYMF_FIXED) != 0;
            lay->items[fixed ? fi++ : ai++] =
                (scratch_item){{(uint32_t)i, k}, s->size, fixed ? s->value : 0, 0};
        }

    uint8_t used[ISA_SCRATCH_WORDS] = {0};
    uint64_t needed = 0;
    uint32_t covered = 0;
    qsort(lay->items, nfixed, sizeof *lay->items, by_address);
    for (size_t i = 0; i < nfixed; i++) {
        scratch_item *it = &lay->items[i];
        if ((uint64_t)it->address + it->size > ISA_SCRATCH_WORDS) {
            const module *m = &L->mods[it->ref.module];
            const img_symbol *s = ref_symbol(L, it->ref);
            diag_loc loc = symbol_loc(m, s);
            diag_error(L->d, &loc,
                       "fixed scratch '%s' at %" PRIu32 " (%" PRIu32 " words) runs past the end "
                       "of scratch (0..%d)",
                       sym_name(m, s), it->address, it->size, ISA_SCRATCH_WORDS - 1);
            continue;
        }
        /* By address, words below the furthest end so far are marked
         * already: each word is visited once, however many aliases. */
        it->placed = 1;
        uint32_t end = it->address + it->size;
        for (uint32_t a = it->address > covered ? it->address : covered; a < end; a++)
            used[a] = 1;
        if (end > covered) {
            needed += end - (it->address > covered ? it->address : covered);
            covered = end;
        }
    }
    check_fixed_overlaps(L, lay->items, nfixed);
    lay->literal_words = reserve_literals(L, used);
    needed += lay->literal_words;

    for (size_t i = nfixed; i < n; i++)
        needed += lay->items[i].size;
    uint32_t lowest_free = 0;
    for (size_t i = nfixed; i < n; i++) {
        scratch_item *it = &lay->items[i];
        while (lowest_free < ISA_SCRATCH_WORDS && used[lowest_free])
            lowest_free++;
        int64_t at = it->size > ISA_SCRATCH_WORDS ? -1 : first_fit(used, lowest_free, it->size);
        if (at < 0) {
            report_overflow(L, lay, it, needed);
            break;   /* the rest stay unplaced; their uses are not reported again */
        }
        it->address = (uint32_t)at;
        it->placed = 1;
        memset(used + at, 1, it->size);
    }
    for (int a = 0; a < ISA_SCRATCH_WORDS; a++)
        lay->used_words += used[a] == 1;

    for (size_t i = 0; i < n; i++)
        if (lay->items[i].placed)
            L->mods[lay->items[i].ref.module].final[lay->items[i].ref.symbol] = lay->items[i].address;
}

/* Final values of labels and constants (scratch is set by the layout). */
static void resolve_values(linker *L)
{
    for (size_t i = 0; i < L->ninputs; i++) {
        module *m = &L->mods[i];
        for (uint32_t k = 0; k < m->obj->nsymbols; k++) {
            const img_symbol *s = &m->obj->symbols[k];
            if (s->binding == IMG_BIND_EXTERN)
                continue;
            if (s->kind == IMG_SYM_LABEL)
                m->final[k] = (int64_t)m->code_base + s->value;
            else if (s->kind == IMG_SYM_CONST)
                m->final[k] = s->value;
        }
    }
}

/* ---- 5. code ------------------------------------------------------------- */

static uint32_t output_string(linker *L, module *m, uint32_t offset)
{
    if (!m->string_map) {
        m->string_map = xmallocarray(m->obj->strings_size, sizeof *m->string_map);
        memset(m->string_map, 0xff, m->obj->strings_size * sizeof *m->string_map);
    }
    if (m->string_map[offset] == NO_INDEX)
        m->string_map[offset] = img_intern(L->out, img_string(m->obj, offset));
    return m->string_map[offset];
}

static void copy_code(linker *L, int strip)
{
    for (size_t p = 0; p < L->ninputs; p++) {
        module *m = &L->mods[L->order[p]];
        const vimage *o = m->obj;
        for (uint32_t b = 0; b < o->nbundles; b++) {
            const char *file =
                !strip && o->lines && o->lines[b].file ? img_string(o, o->lines[b].file) : NULL;
            img_begin_bundle(L->out, file, file ? o->lines[b].line : 0);
            for (uint32_t k = o->bundle_start[b]; k < o->bundle_start[b + 1]; k++) {
                isa_slot slot = o->slots[k];
                int a = isa_comment_arg(slot.op);
                if (a >= 0 && (slot.arg[a] < 0 || slot.arg[a] >= o->strings_size ||
                               !string_ok(o, (uint32_t)slot.arg[a]))) {
                    diag_loc loc = slot_loc(m, k);
                    diag_error(L->d, &loc, "malformed object: comment refers to no string");
                    slot.arg[a] = 0;
                } else if (a >= 0) {
                    slot.arg[a] = output_string(L, m, (uint32_t)slot.arg[a]);
                }
                img_add_slot(L->out, &slot);
            }
        }
    }
}

/* copy_code for an object the caller gave up (lnk_link_taking): its code
 * arrays become the output's instead of being copied, and the strings
 * are interned in the same order, so the bytes are the same.  The line
 * maps keep the module's string offsets until finish_taken: messages
 * until then read them as the module's. */
static void take_code(linker *L, int strip)
{
    module *m = &L->mods[0];
    vimage *o = L->taken, *out = L->out;
    /* Deferred code lists the slots that have a comment: only those are
     * read (the image's string map carries them over when it is written). */
    uint32_t next_comment = 0, ncomments = o->code ? o->code->ncomment_slots : 0;
    for (uint32_t b = 0; b < o->nbundles; b++) {
        if (!strip && o->lines && o->lines[b].file && (b == 0 || o->lines[b].file != o->lines[b - 1].file))
            output_string(L, m, o->lines[b].file);
        uint32_t k = o->bundle_start[b], end = o->bundle_start[b + 1];
        for (; o->code ? next_comment < ncomments && o->code->comment_slots[next_comment] < end : k < end; k++) {
            isa_slot held;
            isa_slot *slot = &held;
            if (o->code)
                o->code->read(o->code, k = o->code->comment_slots[next_comment++], 1, &held);
            else
                slot = &o->slots[k];
            int a = isa_comment_arg(slot->op);
            if (a < 0)
                continue;
            if (slot->arg[a] < 0 || slot->arg[a] >= o->strings_size || !string_ok(o, (uint32_t)slot->arg[a])) {
                diag_loc loc = slot_loc(m, k);
                diag_error(L->d, &loc, "malformed object: comment refers to no string");
                slot->arg[a] = 0;
            } else {
                slot->arg[a] = output_string(L, m, (uint32_t)slot->arg[a]);
            }
        }
    }
    free(out->bundle_start);
    out->bundle_start = o->bundle_start;
    out->nbundles = out->cap_bundles = o->nbundles;
    out->slots = o->slots;
    out->nslots = out->cap_slots = o->nslots;
    out->code = o->code;   /* (the object's until finish_taken hands it over) */
}

/* The line maps of a taken object as the output's (none when stripped),
 * its file names given their output offsets; the object is left with no
 * code. */
static void finish_taken(linker *L, int strip)
{
    module *m = &L->mods[0];
    vimage *o = L->taken, *out = L->out;
    if (!strip && o->lines) {
        uint32_t from = 0, to = 0;   /* the previous bundle's file, before and after */
        for (uint32_t b = 0; b < o->nbundles; b++) {
            uint32_t f = o->lines[b].file;
            if (f != from) {
                from = f;
                to = output_string(L, m, f);
            }
            o->lines[b] = f ? (img_line){to, o->lines[b].line} : (img_line){0, 0};
        }
        out->lines = o->lines;
    } else if (!strip) {
        out->lines = xcalloc(o->nbundles ? o->nbundles : 1, sizeof *out->lines);
    } else {
        free(o->lines);
    }
    if (!strip && o->slot_lines) {
        out->slot_lines = o->slot_lines;   /* given their output offsets by copy_slot_lines */
    } else {
        free(o->slot_lines);
    }
    if (o->code) {
        /* Deferred code is carried over when the image is written, through
         * the module's string map (every offset its slots and lines use was
         * given an output offset above; any other maps to none). */
        out->code_slot_lines = (uint8_t)(!strip && o->code_slot_lines);
        if (!m->string_map)
            output_string(L, m, 0);
        out->code_strings = m->string_map;
        out->ncode_strings = o->strings_size;
        m->string_map = NULL;
    }
    o->bundle_start = NULL;
    o->slots = NULL;
    o->lines = NULL;
    o->slot_lines = NULL;
    o->code = NULL;
    o->nbundles = o->nslots = 0;
}

/* The per-slot line map, after everything else is in the output: its new
 * file names go last in STRINGS, so every other string keeps the offset
 * it had before images had per-slot lines. */
static void copy_slot_lines(linker *L)
{
    if (L->taken) {
        /* In place, in the same order of interning, each run of one file
         * looked up once.  Nothing reads the module's offsets after this
         * (finish_taken hands the map over). */
        module *m = &L->mods[0];
        const vimage *o = L->taken;
        if (o->code) {   /* the same names in the same order; mapped when written (finish_taken) */
            for (uint32_t i = 0; o->code_slot_lines && i < o->code->nline_files; i++)
                output_string(L, m, o->code->line_files[i]);
            return;
        }
        img_slot_line *l = o->slot_lines;
        uint32_t file_from = 0, file_to = 0, call_from = 0, call_to = 0;
        for (uint32_t k = 0; l && k < o->nslots; k++) {
            if (l[k].file != file_from) {
                file_from = l[k].file;
                file_to = output_string(L, m, file_from);
            }
            if (l[k].call_file != call_from) {
                call_from = l[k].call_file;
                call_to = output_string(L, m, call_from);
            }
            l[k].file = l[k].file ? file_to : 0;
            l[k].call_file = l[k].call_file ? call_to : 0;
        }
        return;
    }
    for (size_t p = 0; p < L->ninputs; p++) {
        const module *m = &L->mods[L->order[p]];
        const vimage *o = m->obj;
        for (uint32_t k = 0; o->slot_lines && k < o->nslots; k++) {
            const img_slot_line *l = &o->slot_lines[k];
            img_set_slot_line(L->out, m->slot_base + k, l->file ? img_string(o, l->file) : NULL,
                              l->line, l->call_file ? img_string(o, l->call_file) : NULL,
                              l->call_line);
        }
    }
}

static int kind_fits(int reloc_kind, int sym_kind)
{
    switch (reloc_kind) {
    case IMG_REL_CODE_ABS:
    case IMG_REL_CODE_REL: return sym_kind == IMG_SYM_LABEL;
    case IMG_REL_SCRATCH: return sym_kind == IMG_SYM_SCRATCH;
    }
    return 1;
}

static const char *reloc_needs(int reloc_kind)
{
    return reloc_kind == IMG_REL_SCRATCH ? "a scratch variable" : "a code label";
}

/* The value a relocation puts in its operand, or -1 (as *ok = 0) when its
 * symbol cannot be used; problems are reported once per symbol and
 * module. */
static int64_t reloc_value(linker *L, module *m, const img_reloc *r, int *ok)
{
    const img_symbol *s = &m->obj->symbols[r->symbol];
    sym_ref def = m->binding[r->symbol];
    *ok = 0;
    if (def.module == NO_INDEX) {
        if (!m->reported[r->symbol]) {
            m->reported[r->symbol] = 1;
            diag_loc loc = reloc_loc(m, r);
            diag_error(L->d, &loc, "undefined symbol '%s'", sym_name(m, s));
            if (!L->locals_ready) {
                index_symbols(L, &L->locals, IMG_BIND_LOCAL, 0);
                L->locals_ready = 1;
            }
            const name_entry *e = table_find(&L->locals, sym_name(m, s));
            if (e) {
                const module *lm = &L->mods[e->ref.module];
                diag_loc lloc = symbol_loc(lm, &lm->obj->symbols[e->ref.symbol]);
                diag_note(L->d, &lloc, "%s defines a local '%s', which other modules cannot see", lm->name,
                          sym_name(m, s));
            }
        }
        return -1;
    }
    const module *dm = &L->mods[def.module];
    const img_symbol *ds = &dm->obj->symbols[def.symbol];
    int declared_wrong = s->binding == IMG_BIND_EXTERN && s->kind && s->kind != ds->kind;
    if (declared_wrong || !kind_fits(r->kind, ds->kind)) {
        if (!m->reported[r->symbol]) {
            m->reported[r->symbol] = 1;
            diag_loc loc = reloc_loc(m, r);
            if (declared_wrong)
                diag_error(L->d, &loc, "kind mismatch: '%s' is declared here as %s, but it is %s",
                           sym_name(m, s), kind_noun(s->kind), kind_noun(ds->kind));
            else
                diag_error(L->d, &loc, "kind mismatch: '%s' is %s, but this use needs %s",
                           sym_name(m, s), kind_noun(ds->kind), reloc_needs(r->kind));
            diag_loc dloc = symbol_loc(dm, ds);
            diag_note(L->d, &dloc, "'%s' is defined here", sym_name(dm, ds));
        }
        return -1;
    }
    int64_t target = dm->final[def.symbol];
    if (target < 0)
        return -1;   /* unplaced scratch: the overflow was reported */
    *ok = 1;
    int64_t v = target + r->addend;
    if (r->kind == IMG_REL_CODE_REL)
        v -= (int64_t)m->code_base + slot_bundle(m->obj, r->slot) + 1;
    return v;
}

/* Reports a relocated slot the machine would reject, naming the symbol
 * behind the offending operand. */
static void report_out_of_range(linker *L, module *m, uint32_t slot, const isa_slot *s, const char *why,
                                int bad_arg, const img_reloc *relocs_of_slot, size_t nrelocs)
{
    const vimage *o = m->obj;
    char text[160];
    isa_format_slot(text, sizeof text, s, NULL);   /* relocated slots are never comments */
    const img_reloc *culprit = NULL;
    for (size_t i = 0; i < nrelocs; i++)
        if (relocs_of_slot[i].operand == bad_arg)
            culprit = &relocs_of_slot[i];
    diag_loc loc = culprit ? reloc_loc(m, culprit) : slot_loc(m, slot);
    if (culprit)
        diag_error(L->d, &loc, "relocation out of range: %s (operand %d is '%s'%+" PRId32 ") in '%s'",
                   why, bad_arg + 1, sym_name(m, &o->symbols[culprit->symbol]), culprit->addend, text);
    else
        diag_error(L->d, &loc, "relocation out of range: %s in '%s'", why, text);
}

/* A relocated scratch operand must stay inside the symbol it lands in,
 * as the assembler checks within one file (bind.c): a vector op on a
 * one-word extern would otherwise write over its neighbours.  An offset
 * that is itself relocated is left to the machine's range check.
 * rels: the relocations of the operand's slot.  Returns whether it
 * reported (once per slot is enough: the operands share a line). */
static int check_extent(linker *L, module *m, const img_reloc *r, const img_reloc *rels, size_t nrels)
{
    sym_ref def = m->binding[r->symbol];
    if (r->kind != IMG_REL_SCRATCH || def.module == NO_INDEX)
        return 0;
    const module *dm = &L->mods[def.module];
    const img_symbol *ds = &dm->obj->symbols[def.symbol];
    isa_slot held;
    const isa_slot *slot = object_slot(m->obj, r->slot, &held);
    const char *kinds = isa_ops[slot->op].kinds, *imm = strchr(kinds, 'i');
    char k = kinds[r->operand];
    int64_t first = r->addend;
    if ((k == 'e' || k == 'f') && imm) {
        int at = (int)(imm - kinds);
        for (size_t i = 0; i < nrels; i++)
            if (rels[i].operand == at)
                return 0;
        first += slot->arg[at];
    }
    int64_t width = (k == 'D' || k == 'S') ? ISA_VLEN : 1;
    if (first >= 0 && first + width <= ds->size)
        return 0;
    const char *name = sym_name(dm, ds);
    diag_loc loc = reloc_loc(m, r);
    if (width > 1)
        diag_error(L->d, &loc,
                   "vector operand %s%+" PRId64 " covers words %" PRId64 "..%" PRId64 " of '%s', which has %" PRIu32
                   " (0..%" PRIu32 ")",
                   name, first, first, first + width - 1, name, ds->size, ds->size - 1);
    else
        diag_error(L->d, &loc, "%s%+" PRId64 " is outside '%s', which has %" PRIu32 " word%s (0..%" PRIu32 ")", name,
                   first, name, ds->size, ds->size == 1 ? "" : "s", ds->size - 1);
    diag_loc dloc = symbol_loc(dm, ds);
    diag_note(L->d, &dloc, "'%s' is declared here", name);
    return 1;
}

/* An extern declared with an extent (.extern NAME[N]) must be defined at
 * least that big. */
static void check_declared_extents(linker *L)
{
    for (size_t i = 0; i < L->ninputs; i++) {
        module *m = &L->mods[i];
        for (uint32_t k = 0; k < m->obj->nsymbols; k++) {
            const img_symbol *s = &m->obj->symbols[k];
            sym_ref def = m->binding[k];
            if (s->binding != IMG_BIND_EXTERN || !s->size || def.module == NO_INDEX)
                continue;
            const module *dm = &L->mods[def.module];
            const img_symbol *ds = &dm->obj->symbols[def.symbol];
            if (ds->kind != IMG_SYM_SCRATCH || ds->size >= s->size)
                continue;   /* a kind mismatch is reported at its use */
            diag_loc loc = symbol_loc(m, s);
            diag_error(L->d, &loc, "'%s' is declared here with %" PRIu32 " words, but it has %" PRIu32,
                       sym_name(m, s), s->size, ds->size);
            diag_loc dloc = symbol_loc(dm, ds);
            diag_note(L->d, &dloc, "'%s' is defined here", sym_name(dm, ds));
        }
    }
}

/* Total order, so that the result never depends on the sort. */
static int by_slot(const void *a, const void *b)
{
    const img_reloc *x = a, *y = b;
    if (x->slot != y->slot)
        return x->slot < y->slot ? -1 : 1;
    if (x->operand != y->operand)
        return x->operand < y->operand ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->symbol != y->symbol)
        return x->symbol < y->symbol ? -1 : 1;
    return x->addend < y->addend ? -1 : (x->addend > y->addend);
}

/* Appends a patch to deferred code (patches come in slot order: the
 * relocations are applied grouped by slot). */
static void add_patch(vimage *out, uint32_t slot, uint8_t operand, int64_t value)
{
    if ((out->npatches & (out->npatches - 1)) == 0)   /* 0, 1, 2, 4...: double */
        out->patches = xrealloc(out->patches, (out->npatches ? 2 * (size_t)out->npatches : 1) * sizeof *out->patches);
    out->patches[out->npatches++] = (img_patch){slot, operand, value};
}

static void apply_relocations(linker *L)
{
    for (size_t i = 0; i < L->ninputs; i++) {
        module *m = &L->mods[i];
        const vimage *o = m->obj;
        /* Grouped by slot so each slot is checked once, after all of its
         * operands are in (objects usually list them in slot order). */
        int sorted = 1;
        for (uint32_t k = 1; k < o->nrelocs && sorted; k++)
            sorted = o->relocs[k - 1].slot <= o->relocs[k].slot;
        img_reloc *copy = NULL;
        const img_reloc *rel = o->relocs;
        if (!sorted) {
            copy = xmallocarray(o->nrelocs, sizeof *copy);
            memcpy(copy, o->relocs, o->nrelocs * sizeof *copy);
            qsort(copy, o->nrelocs, sizeof *copy, by_slot);
            rel = copy;
        }
        for (uint32_t k = 0; k < o->nrelocs;) {
            uint32_t first = k, slot = rel[k].slot;
            int complete = 1;
            /* Deferred code (one object, taken) is not held: its slot is
             * read, patched here to be checked, and the values go with the
             * image as patches. */
            isa_slot held;
            isa_slot *s = &held;
            if (L->out->code)
                L->out->code->read(L->out->code, slot, 1, &held);
            else
                s = &L->out->slots[m->slot_base + slot];
            for (; k < o->nrelocs && rel[k].slot == slot; k++) {
                int ok;
                int64_t v = reloc_value(L, m, &rel[k], &ok);
                if (ok) {
                    s->arg[rel[k].operand] = v;
                    if (L->out->code)
                        add_patch(L->out, slot, rel[k].operand, v);
                }
                complete &= ok;
            }
            for (uint32_t j = first; complete && j < k; j++)
                if (check_extent(L, m, &rel[j], &rel[first], k - first))
                    break;
            char why[160];
            int bad_arg;
            if (complete && isa_check_slot(s, why, sizeof why, &bad_arg) != 0)
                report_out_of_range(L, m, slot, s, why, bad_arg, &rel[first], k - first);
        }
        free(copy);
    }
}

/* ---- 6. memory and symbols ----------------------------------------------- */

typedef struct {
    uint32_t module, index;
    uint64_t first, end;
} segment_span;

static int by_span(const void *a, const void *b)
{
    const segment_span *x = a, *y = b;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    if (x->module != y->module)
        return x->module < y->module ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index);
}

/* Concatenates the modules' memory segments.  No two may share a word:
 * between modules that is a clash of the link, inside one module the
 * image format forbids it too. */
static void merge_memory(linker *L)
{
    size_t n = 0;
    for (size_t i = 0; i < L->ninputs; i++)
        n += L->mods[i].obj->nsegments;
    segment_span *spans = xmallocarray(n, sizeof *spans);
    n = 0;
    for (size_t i = 0; i < L->ninputs; i++)
        for (uint32_t k = 0; k < L->mods[i].obj->nsegments; k++) {
            const img_segment *g = &L->mods[i].obj->segments[k];
            if (g->count)
                spans[n++] = (segment_span){(uint32_t)i, k, g->address, (uint64_t)g->address + g->count};
        }
    qsort(spans, n, sizeof *spans, by_span);
    const segment_span *far = NULL;   /* the span reaching furthest so far */
    for (size_t i = 0; i < n; i++) {
        const segment_span *sp = &spans[i];
        if (far && sp->first < far->end) {
            diag_loc loc = {L->mods[sp->module].name, 0, 0, 0};
            diag_error(L->d, &loc,
                       "memory segment %" PRIu64 "..%" PRIu64 " overlaps segment %" PRIu64 "..%" PRIu64
                       " of %s",
                       sp->first, sp->end - 1, far->first, far->end - 1, L->mods[far->module].name);
        }
        if (!far || sp->end > far->end)
            far = sp;
    }
    free(spans);
    for (size_t p = 0; p < L->ninputs; p++) {
        const vimage *o = L->mods[L->order[p]].obj;
        for (uint32_t k = 0; k < o->nsegments; k++)
            img_add_segment(L->out, o->segments[k].address, o->segments[k].words, o->segments[k].count);
    }
}

/* Carries the definitions over with their final values, in placement
 * order; externs are dropped (their definitions are carried). */
static void carry_symbols(linker *L)
{
    for (size_t p = 0; p < L->ninputs; p++) {
        module *m = &L->mods[L->order[p]];
        for (uint32_t k = 0; k < m->obj->nsymbols; k++) {
            const img_symbol *s = &m->obj->symbols[k];
            if (s->binding == IMG_BIND_EXTERN || m->final[k] < 0)
                continue;
            img_add_symbol(L->out, sym_name(m, s), s->kind, s->binding, s->flags, (uint32_t)m->final[k],
                           s->size, s->line);
        }
    }
}

/* ---- 7. map -------------------------------------------------------------- */

static int width_of(const char *s, int at_least)
{
    int w = (int)strlen(s);
    return w > at_least ? w : at_least;
}

/* The link map: where each module's code went, every scratch symbol's
 * address, the memory segments, and what is left.  Plain text, one table
 * per section, sorted so two links of the same inputs give the same map. */
static void write_map(const linker *L, const scratch_layout *lay, FILE *f)
{
    int wmod = 6, wsym = 6;
    for (size_t i = 0; i < L->ninputs; i++)
        wmod = width_of(L->mods[i].name, wmod);
    for (size_t i = 0; i < lay->count; i++)
        wsym = width_of(sym_name(&L->mods[lay->items[i].ref.module], ref_symbol(L, lay->items[i].ref)), wsym);

    fprintf(f, "vliwkit link map\n\nCode (bundles, in placement order)\n");
    fprintf(f, "  %-*s  %10s  %10s  %10s\n", wmod, "module", "first", "last", "count");
    for (size_t p = 0; p < L->ninputs; p++) {
        const module *m = &L->mods[L->order[p]];
        if (m->obj->nbundles)
            fprintf(f, "  %-*s  %10" PRIu32 "  %10" PRIu32 "  %10" PRIu32 "\n", wmod, m->name, m->code_base,
                    m->code_base + m->obj->nbundles - 1, m->obj->nbundles);
        else
            fprintf(f, "  %-*s  %10s  %10s  %10d\n", wmod, m->name, "-", "-", 0);
    }

    scratch_item *sorted = xmallocarray(lay->count, sizeof *sorted);
    memcpy(sorted, lay->items, lay->count * sizeof *sorted);
    qsort(sorted, lay->count, sizeof *sorted, by_address);
    fprintf(f, "\nScratch (words, by address)\n");
    fprintf(f, "  %-*s  %10s  %10s  %10s  module\n", wsym, "symbol", "address", "last", "size");
    for (size_t i = 0; i < lay->count; i++) {
        const scratch_item *it = &sorted[i];
        const module *m = &L->mods[it->ref.module];
        const img_symbol *s = ref_symbol(L, it->ref);
        char last[16] = "-";
        if (it->size)
            snprintf(last, sizeof last, "%" PRIu32, it->address + it->size - 1);
        const char *global = s->binding == IMG_BIND_GLOBAL ? "  global" : "";
        const char *fixed = (s->flags & IMG_SYMF_FIXED) ? "  fixed" : "";
        fprintf(f, "  %-*s  %10" PRIu32 "  %10s  %10" PRIu32 "  %-*s%s%s\n", wsym, sym_name(m, s), it->address,
                last, it->size, *global || *fixed ? wmod : 0, m->name, global, fixed);
    }
    free(sorted);

    uint64_t memory_words = 0;
    fprintf(f, "\nMemory (segments, in placement order)\n");
    fprintf(f, "  %-*s  %10s  %10s  %10s\n", wmod, "module", "address", "last", "words");
    for (size_t p = 0; p < L->ninputs; p++) {
        const module *m = &L->mods[L->order[p]];
        for (uint32_t k = 0; k < m->obj->nsegments; k++) {
            const img_segment *g = &m->obj->segments[k];
            char last[24] = "-";
            if (g->count)
                snprintf(last, sizeof last, "%" PRIu64, (uint64_t)g->address + g->count - 1);
            fprintf(f, "  %-*s  %10" PRIu32 "  %10s  %10" PRIu32 "\n", wmod, m->name, g->address, last, g->count);
            memory_words += g->count;
        }
    }

    if (!L->out->nsegments)
        fprintf(f, "  (none)\n");

    fprintf(f, "\nTotals\n");
    fprintf(f, "  code     %10" PRIu32 " bundles, %" PRIu32 " slots, %zu module%s\n", L->out->nbundles,
            L->out->nslots, L->ninputs, L->ninputs == 1 ? "" : "s");
    fprintf(f, "  scratch  %10" PRIu32 " words used, %" PRIu32 " free of %d\n", lay->used_words,
            ISA_SCRATCH_WORDS - lay->used_words - lay->literal_words, ISA_SCRATCH_WORDS);
    if (lay->literal_words)
        fprintf(f, "  literals %10" PRIu32 " word%s used as literal addresses (no variable placed there)\n",
                lay->literal_words, lay->literal_words == 1 ? "" : "s");
    fprintf(f, "  memory   %10" PRIu64 " words in %" PRIu32 " segment%s\n", memory_words, L->out->nsegments,
            L->out->nsegments == 1 ? "" : "s");
}

/* ---- driver -------------------------------------------------------------- */

static void free_modules(linker *L)
{
    for (size_t i = 0; i < L->ninputs; i++) {
        free(L->mods[i].binding);
        free(L->mods[i].final);
        free(L->mods[i].reported);
        free(L->mods[i].string_map);
    }
    free(L->mods);
    free(L->order);
    free(L->locals.slots);
}

static vimage *link_objects(const lnk_input *inputs, size_t ninputs, vimage *taken, const lnk_options *opt,
                            diag *d)
{
    int errors_before = diag_error_count(d);
    linker L = {.ninputs = ninputs,
                .taken = taken,
                .mods = xcalloc(ninputs, sizeof *L.mods),
                .order = xcalloc(ninputs, sizeof *L.order),
                .d = d};
    /* The image's code is checked when every object's was: the slots the
     * relocations patch are checked again in apply_relocations. */
    int checked = 1;
    int malformed = 0;
    for (size_t i = 0; i < ninputs; i++) {
        checked &= inputs[i].object->code_checked;
        module *m = &L.mods[i];
        m->obj = inputs[i].object;
        m->name = inputs[i].name ? inputs[i].name : "<object>";
        if (check_object(m, d) != 0) {
            malformed = 1;
            continue;
        }
        for (uint32_t b = 0; m->obj->lines && b < m->obj->nbundles && !m->source; b++)
            if (m->obj->lines[b].file)
                m->source = img_string(m->obj, m->obj->lines[b].file);
        m->binding = xcalloc(m->obj->nsymbols, sizeof *m->binding);
        m->final = xmallocarray(m->obj->nsymbols, sizeof *m->final);
        for (uint32_t k = 0; k < m->obj->nsymbols; k++)
            m->final[k] = -1;
        m->reported = xcalloc(m->obj->nsymbols, sizeof *m->reported);
    }
    if (malformed || place_modules(&L) != 0) {
        free_modules(&L);
        return NULL;
    }

    name_table globals;
    index_symbols(&L, &globals, IMG_BIND_GLOBAL, 1);
    bind_symbols(&L, &globals);
    free(globals.slots);
    check_declared_extents(&L);

    scratch_layout lay = {0};
    layout_scratch(&L, &lay);
    resolve_values(&L);

    L.out = img_new(IMG_EXECUTABLE);
    int strip = opt && opt->strip;
    if (taken)
        take_code(&L, strip);
    else
        copy_code(&L, strip);
    apply_relocations(&L);
    merge_memory(&L);
    if (strip) {
        free(L.out->lines);
        L.out->lines = NULL;
    } else {
        carry_symbols(&L);
        copy_slot_lines(&L);
    }

    vimage *out = L.out;
    if (diag_error_count(d) == errors_before && opt && opt->map)
        write_map(&L, &lay, opt->map);
    if (taken)
        finish_taken(&L, strip);
    out->code_checked = (uint8_t)checked;
    if (diag_error_count(d) != errors_before) {
        img_free(out);
        out = NULL;
    }
    free(lay.items);
    free_modules(&L);
    return out;
}

vimage *lnk_link(const lnk_input *inputs, size_t ninputs, const lnk_options *opt, diag *d)
{
    return link_objects(inputs, ninputs, NULL, opt, d);
}

vimage *lnk_link_taking(vimage *object, const char *name, const lnk_options *opt, diag *d)
{
    lnk_input in = {object, name};
    return link_objects(&in, 1, object, opt, d);
}

/*
 * Tests of the linker (asm/link.c) and of vld, against the object
 * conventions of docs/objects.md.
 *
 * Objects are built here through the image builder API.  Expected values
 * are computed in each test from the rules (placement order, first-fit
 * layout done by a second allocator written here, the relocation formulas),
 * never copied from the linker's output.
 */
#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image.h"
#include "link.h"
#include "deferred.h"
#include "testdir.h"

/* ---- building objects ---- */

static isa_slot mk(int op, int64_t a0, int64_t a1, int64_t a2, int64_t a3)
{
    isa_slot s = {.op = (uint16_t)op, .arg = {a0, a1, a2, a3, 0}};
    return s;
}

/* Appends a one-slot bundle from file:line and returns the slot's index. */
static uint32_t bundle1(vimage *o, const char *file, uint32_t line, isa_slot s)
{
    img_begin_bundle(o, file, line);
    img_add_slot(o, &s);
    return o->nslots - 1;
}

static uint32_t halt_bundle(vimage *o, const char *file, uint32_t line)
{
    return bundle1(o, file, line, mk(ISA_OP_HALT, 0, 0, 0, 0));
}

static uint32_t sym(vimage *o, const char *name, int kind, int binding, int flags, uint32_t value,
                    uint32_t size, uint32_t line)
{
    return img_add_symbol(o, name, kind, binding, (uint16_t)flags, value, size, line);
}

/* ---- linking with captured diagnostics ---- */

typedef struct {
    char *text;
    size_t size;
    FILE *f;
    diag *d;
} messages;

static void messages_open(messages *m)
{
    m->text = NULL;
    m->f = open_memstream(&m->text, &m->size);
    ck_assert_ptr_nonnull(m->f);
    m->d = diag_new(m->f, "vld");
}

static const char *messages_text(messages *m)
{
    fflush(m->f);
    return m->text ? m->text : "";
}

static void messages_close(messages *m)
{
    diag_free(m->d);
    fclose(m->f);
    free(m->text);
}

#define MAX_MODULES 16

/* Links objs (named by names) with diagnostics into m; map may be NULL. */
static vimage *link_into(messages *m, vimage **objs, const char **names, size_t n, FILE *map)
{
    lnk_input in[MAX_MODULES];
    ck_assert_uint_le(n, MAX_MODULES);
    for (size_t i = 0; i < n; i++)
        in[i] = (lnk_input){objs[i], names[i]};
    lnk_options opt = {.map = map};
    return lnk_link(in, n, &opt, m->d);
}

static const char *default_names[MAX_MODULES] = {"a.vo", "b.vo", "c.vo", "d.vo", "e.vo", "f.vo", "g.vo",
                                                 "h.vo", "i.vo", "j.vo", "k.vo", "l.vo", "m.vo", "n.vo",
                                                 "o.vo", "p.vo"};

/* Links and requires success (printing the diagnostics otherwise). */
static vimage *link_ok(vimage **objs, size_t n)
{
    messages m;
    messages_open(&m);
    vimage *exe = link_into(&m, objs, default_names, n, NULL);
    if (!exe)
        ck_abort_msg("link failed:\n%s", messages_text(&m));
    ck_assert_int_eq(exe->type, IMG_EXECUTABLE);
    img_status st;
    ck_assert_msg(img_validate(exe, &st) == 0, "linked image invalid: %s", st.detail);
    messages_close(&m);
    return exe;
}

/* Links, requires failure, and returns the diagnostics (caller frees). */
static char *link_fails(vimage **objs, size_t n)
{
    messages m;
    messages_open(&m);
    vimage *exe = link_into(&m, objs, default_names, n, NULL);
    ck_assert_msg(exe == NULL, "link should have failed");
    ck_assert_int_gt(diag_error_count(m.d), 0);
    char *text = strdup(messages_text(&m));
    messages_close(&m);
    return text;
}

#define ck_assert_has(haystack, needle)                                                              \
    ck_assert_msg(strstr((haystack), (needle)) != NULL, "expected \"%s\" in:\n%s", (needle), (haystack))
#define ck_assert_lacks(haystack, needle)                                                            \
    ck_assert_msg(strstr((haystack), (needle)) == NULL, "did not expect \"%s\" in:\n%s", (needle),     \
                  (haystack))

static const img_symbol *find_symbol(const vimage *img, const char *name, int nth)
{
    for (uint32_t i = 0; i < img->nsymbols; i++)
        if (strcmp(img_string(img, img->symbols[i].name), name) == 0 && nth-- == 0)
            return &img->symbols[i];
    return NULL;
}

static void free_all(vimage **objs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        img_free(objs[i]);
}

/* A second first-fit allocator: scans word by word for the lowest address
 * where size consecutive words are free. */
static uint32_t reference_first_fit(uint8_t used[ISA_SCRATCH_WORDS], uint32_t size)
{
    for (uint32_t start = 0; start + size <= ISA_SCRATCH_WORDS; start++) {
        uint32_t k = 0;
        while (k < size && !used[start + k])
            k++;
        if (k == size) {
            memset(used + start, 1, size);
            return start;
        }
    }
    ck_abort_msg("reference allocator: no room for %u words", size);
    return 0;
}

/* ---- the object container ---- */

START_TEST(test_object_round_trips_through_encode_decode)
{
    vimage *o = img_new(IMG_OBJECT);
    uint32_t buf = sym(o, "buf", IMG_SYM_SCRATCH, IMG_BIND_GLOBAL, 0, 0, 8, 2);
    sym(o, "pin", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, IMG_SYMF_FIXED, 100, 1, 3);
    uint32_t top = sym(o, "top", IMG_SYM_LABEL, IMG_BIND_LOCAL, IMG_SYMF_ENTRY, 0, 0, 4);
    uint32_t n = sym(o, "n", IMG_SYM_CONST, IMG_BIND_LOCAL, 0, 4000000000u, 0, 5);
    uint32_t far = sym(o, "far", IMG_SYM_LABEL, IMG_BIND_EXTERN, 0, 0, 0, 0);
    bundle1(o, "r.vasm", 6, mk(ISA_OP_VBROADCAST, 0, 100, 0, 0));
    img_add_reloc(o, 0, 0, IMG_REL_SCRATCH, buf, -3);
    img_begin_bundle(o, "r.vasm", 7);
    isa_slot c = mk(ISA_OP_CONST, 0, 0, 0, 0), j = mk(ISA_OP_JUMP, 0, 0, 0, 0);
    isa_slot note = mk(ISA_OP_COMMENT, img_intern(o, "hello"), 0, 0, 0);
    img_add_slot(o, &c);
    img_add_slot(o, &j);
    img_add_slot(o, &note);
    img_add_reloc(o, 1, 0, IMG_REL_SCRATCH, buf, 7);
    img_add_reloc(o, 1, 1, IMG_REL_CONST, n, 5);
    img_add_reloc(o, 2, 0, IMG_REL_CODE_ABS, far, 0);
    bundle1(o, "r.vasm", 8, mk(ISA_OP_COND_JUMP_REL, 100, 0, 0, 0));
    img_add_reloc(o, 4, 1, IMG_REL_CODE_REL, top, 0);
    uint32_t words[3] = {1, 2, 3};
    img_add_segment(o, 10, words, 3);

    uint8_t *bytes;
    size_t size;
    ck_assert_int_eq(img_encode(o, &bytes, &size), 0);
    img_status st;
    vimage *back = img_decode(bytes, size, &st);
    ck_assert_msg(back != NULL, "decode: %s", st.detail);
    ck_assert_int_eq(back->type, IMG_OBJECT);
    ck_assert_uint_eq(back->nbundles, o->nbundles);
    ck_assert_uint_eq(back->nslots, o->nslots);
    for (uint32_t b = 0; b <= o->nbundles; b++)
        ck_assert_uint_eq(back->bundle_start[b], o->bundle_start[b]);
    for (uint32_t s = 0; s < o->nslots; s++) {
        ck_assert_uint_eq(back->slots[s].op, o->slots[s].op);
        for (int a = 0; a < ISA_MAX_ARGS; a++)
            ck_assert_int_eq(back->slots[s].arg[a], o->slots[s].arg[a]);
    }
    ck_assert_str_eq(img_string(back, (uint32_t)back->slots[3].arg[0]), "hello");
    for (uint32_t b = 0; b < o->nbundles; b++) {
        ck_assert_str_eq(img_string(back, back->lines[b].file), "r.vasm");
        ck_assert_uint_eq(back->lines[b].line, o->lines[b].line);
    }
    ck_assert_uint_eq(back->nsymbols, o->nsymbols);
    for (uint32_t i = 0; i < o->nsymbols; i++) {
        const img_symbol *x = &o->symbols[i], *y = &back->symbols[i];
        ck_assert_str_eq(img_string(back, y->name), img_string(o, x->name));
        ck_assert_uint_eq(y->kind, x->kind);
        ck_assert_uint_eq(y->binding, x->binding);
        ck_assert_uint_eq(y->flags, x->flags);
        ck_assert_uint_eq(y->value, x->value);
        ck_assert_uint_eq(y->size, x->size);
        ck_assert_uint_eq(y->line, x->line);
    }
    ck_assert_uint_eq(back->nrelocs, o->nrelocs);
    for (uint32_t i = 0; i < o->nrelocs; i++) {
        ck_assert_uint_eq(back->relocs[i].slot, o->relocs[i].slot);
        ck_assert_uint_eq(back->relocs[i].operand, o->relocs[i].operand);
        ck_assert_uint_eq(back->relocs[i].kind, o->relocs[i].kind);
        ck_assert_uint_eq(back->relocs[i].symbol, o->relocs[i].symbol);
        ck_assert_int_eq(back->relocs[i].addend, o->relocs[i].addend);
    }
    ck_assert_uint_eq(back->nsegments, 1);
    ck_assert_uint_eq(back->segments[0].address, 10);
    ck_assert_uint_eq(back->segments[0].count, 3);
    ck_assert_uint_eq(back->segments[0].words[2], 3);
    free(bytes);
    img_free(back);
    img_free(o);
}
END_TEST

/* ---- relocation kinds ---- */

START_TEST(test_single_module_scratch_and_code_abs_relocations)
{
    vimage *o = img_new(IMG_OBJECT);
    uint32_t x = sym(o, "x", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 1, 1);
    uint32_t v = sym(o, "v", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 8, 2);
    uint32_t again = sym(o, "again", IMG_SYM_LABEL, IMG_BIND_LOCAL, 0, 1, 0, 4);
    uint32_t s0 = bundle1(o, "k.vasm", 3, mk(ISA_OP_CONST, 0, 7, 0, 0));
    img_add_reloc(o, s0, 0, IMG_REL_SCRATCH, x, 0);
    uint32_t s1 = bundle1(o, "k.vasm", 4, mk(ISA_OP_VBROADCAST, 0, 0, 0, 0));
    img_add_reloc(o, s1, 0, IMG_REL_SCRATCH, v, 0);
    img_add_reloc(o, s1, 1, IMG_REL_SCRATCH, x, 0);
    uint32_t s2 = bundle1(o, "k.vasm", 5, mk(ISA_OP_JUMP, 0, 0, 0, 0));
    img_add_reloc(o, s2, 0, IMG_REL_CODE_ABS, again, 0);

    vimage *exe = link_ok(&o, 1);
    /* First fit in declaration order on an empty scratch: x, then v. */
    uint8_t used[ISA_SCRATCH_WORDS] = {0};
    uint32_t ax = reference_first_fit(used, 1), av = reference_first_fit(used, 8);
    ck_assert_int_eq(exe->slots[s0].arg[0], ax);
    ck_assert_int_eq(exe->slots[s0].arg[1], 7);
    ck_assert_int_eq(exe->slots[s1].arg[0], av);
    ck_assert_int_eq(exe->slots[s1].arg[1], ax);
    ck_assert_int_eq(exe->slots[s2].arg[0], 1);   /* one module: bundle indices unchanged */
    ck_assert_uint_eq(exe->nrelocs, 0);
    img_free(exe);
    img_free(o);
}
END_TEST

START_TEST(test_code_rel_across_modules_forward_and_backward)
{
    vimage *objs[2];
    vimage *a = objs[0] = img_new(IMG_OBJECT), *b = objs[1] = img_new(IMG_OBJECT);
    /* a: bundle 0 jumps forward into b, bundle 1 halts; "back" is a's bundle 1. */
    sym(a, "back", IMG_SYM_LABEL, IMG_BIND_GLOBAL, 0, 1, 0, 2);
    uint32_t there_a = sym(a, "there", IMG_SYM_LABEL, IMG_BIND_EXTERN, 0, 0, 0, 0);
    uint32_t fwd = bundle1(a, "a.vasm", 1, mk(ISA_OP_COND_JUMP_REL, 5, 0, 0, 0));
    img_add_reloc(a, fwd, 1, IMG_REL_CODE_REL, there_a, 0);
    halt_bundle(a, "a.vasm", 2);
    /* b: two halts, then "there" at b's bundle 2 jumps back to a's "back" (+1 via addend). */
    sym(b, "there", IMG_SYM_LABEL, IMG_BIND_GLOBAL, 0, 2, 0, 3);
    uint32_t back_b = sym(b, "back", IMG_SYM_LABEL, IMG_BIND_EXTERN, 0, 0, 0, 0);
    halt_bundle(b, "b.vasm", 1);
    halt_bundle(b, "b.vasm", 2);
    uint32_t bwd = bundle1(b, "b.vasm", 3, mk(ISA_OP_COND_JUMP_REL, 5, 0, 0, 0));
    img_add_reloc(b, bwd, 1, IMG_REL_CODE_REL, back_b, 1);

    vimage *exe = link_ok(objs, 2);
    int64_t b_base = a->nbundles;                          /* b follows a */
    int64_t there = b_base + 2, back = 1;
    int64_t fwd_bundle = 0, bwd_bundle = b_base + 2;
    ck_assert_int_eq(exe->slots[fwd].arg[1], there - (fwd_bundle + 1));
    ck_assert_int_eq(exe->slots[a->nslots + bwd].arg[1], back + 1 - (bwd_bundle + 1));
    ck_assert_int_lt(exe->slots[a->nslots + bwd].arg[1], 0);
    ck_assert_int_eq(exe->slots[a->nslots + bwd].arg[0], 5);
    /* Both encode: negative offsets are immediates. */
    uint8_t *bytes;
    size_t size;
    ck_assert_int_eq(img_encode(exe, &bytes, &size), 0);
    free(bytes);
    img_free(exe);
    free_all(objs, 2);
}
END_TEST

START_TEST(test_code_abs_relocation_uses_final_bundle_of_other_module)
{
    vimage *objs[2];
    vimage *a = objs[0] = img_new(IMG_OBJECT), *b = objs[1] = img_new(IMG_OBJECT);
    uint32_t ext = sym(a, "fn", IMG_SYM_LABEL, IMG_BIND_EXTERN, 0, 0, 0, 0);
    halt_bundle(a, "a.vasm", 1);
    uint32_t j = bundle1(a, "a.vasm", 2, mk(ISA_OP_JUMP, 0, 0, 0, 0));
    img_add_reloc(a, j, 0, IMG_REL_CODE_ABS, ext, 2);
    halt_bundle(b, "b.vasm", 1);
    sym(b, "fn", IMG_SYM_LABEL, IMG_BIND_GLOBAL, 0, 1, 0, 2);
    halt_bundle(b, "b.vasm", 2);
    vimage *exe = link_ok(objs, 2);
    ck_assert_int_eq(exe->slots[j].arg[0], (int64_t)a->nbundles + 1 + 2);
    img_free(exe);
    free_all(objs, 2);
}
END_TEST

START_TEST(test_scratch_relocation_addends_on_vector_operands)
{
    vimage *o = img_new(IMG_OBJECT);
    uint32_t s = sym(o, "s", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 1, 1);
    uint32_t v = sym(o, "v", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 24, 2);
    /* valu + v+8, v+16, v : each operand a vector inside v. */
    uint32_t k = bundle1(o, "v.vasm", 3, mk(ISA_OP_VALU_ADD, 0, 0, 0, 0));
    img_add_reloc(o, k, 0, IMG_REL_SCRATCH, v, 8);
    img_add_reloc(o, k, 1, IMG_REL_SCRATCH, v, 16);
    img_add_reloc(o, k, 2, IMG_REL_SCRATCH, v, 0);
    uint32_t l = bundle1(o, "v.vasm", 4, mk(ISA_OP_VLOAD, 0, 0, 0, 0));
    img_add_reloc(o, l, 0, IMG_REL_SCRATCH, v, 16);
    img_add_reloc(o, l, 1, IMG_REL_SCRATCH, s, 0);
    vimage *exe = link_ok(&o, 1);
    uint8_t used[ISA_SCRATCH_WORDS] = {0};
    int64_t as = reference_first_fit(used, 1), av = reference_first_fit(used, 24);
    ck_assert_int_eq(exe->slots[k].arg[0], av + 8);
    ck_assert_int_eq(exe->slots[k].arg[1], av + 16);
    ck_assert_int_eq(exe->slots[k].arg[2], av);
    ck_assert_int_eq(exe->slots[l].arg[0], av + 16);
    ck_assert_int_eq(exe->slots[l].arg[1], as);
    img_free(exe);
    img_free(o);
}
END_TEST

START_TEST(test_relocations_may_come_in_any_slot_order)
{
    vimage *o = img_new(IMG_OBJECT);
    uint32_t a = sym(o, "a", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 1, 1);
    uint32_t w = sym(o, "w", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, ISA_SCRATCH_WORDS - 1, 1);
    uint32_t s0 = bundle1(o, "o.vasm", 2, mk(ISA_OP_CONST, 0, 1, 0, 0));
    uint32_t s1 = bundle1(o, "o.vasm", 3, mk(ISA_OP_VBROADCAST, 0, 0, 0, 0));
    /* Listed last slot first; s1's vector operand is only valid with its addend. */
    img_add_reloc(o, s1, 1, IMG_REL_SCRATCH, a, 0);
    img_add_reloc(o, s1, 0, IMG_REL_SCRATCH, w, ISA_SCRATCH_WORDS - 1 - 8 - 1);
    img_add_reloc(o, s0, 0, IMG_REL_SCRATCH, w, 0);
    vimage *exe = link_ok(&o, 1);
    uint8_t used[ISA_SCRATCH_WORDS] = {0};
    int64_t aa = reference_first_fit(used, 1), aw = reference_first_fit(used, ISA_SCRATCH_WORDS - 1);
    ck_assert_int_eq(exe->slots[s0].arg[0], aw);
    ck_assert_int_eq(exe->slots[s1].arg[0], aw + ISA_SCRATCH_WORDS - 1 - 8 - 1);
    ck_assert_int_eq(exe->slots[s1].arg[1], aa);
    img_free(exe);
    img_free(o);
}
END_TEST

START_TEST(test_const_relocation_takes_the_value_of_any_symbol_kind)
{
    vimage *objs[2];
    vimage *a = objs[0] = img_new(IMG_OBJECT), *b = objs[1] = img_new(IMG_OBJECT);
    halt_bundle(a, "a.vasm", 1);
    halt_bundle(a, "a.vasm", 2);
    sym(a, "pad", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 10, 3);
    uint32_t k = sym(b, "k", IMG_SYM_CONST, IMG_BIND_LOCAL, 0, 4000000000u, 0, 1);
    uint32_t here = sym(b, "here", IMG_SYM_LABEL, IMG_BIND_LOCAL, 0, 1, 0, 2);
    uint32_t t = sym(b, "t", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 2, 3);
    uint32_t c1 = bundle1(b, "b.vasm", 4, mk(ISA_OP_CONST, 0, 0, 0, 0));
    img_add_reloc(b, c1, 0, IMG_REL_SCRATCH, t, 0);
    img_add_reloc(b, c1, 1, IMG_REL_CONST, k, 5);
    uint32_t c2 = bundle1(b, "b.vasm", 5, mk(ISA_OP_CONST, 0, 0, 0, 0));
    img_add_reloc(b, c2, 0, IMG_REL_SCRATCH, t, 1);
    img_add_reloc(b, c2, 1, IMG_REL_CONST, here, 0);
    uint32_t c3 = bundle1(b, "b.vasm", 6, mk(ISA_OP_ADD_IMM, 0, 0, 0, 0));
    img_add_reloc(b, c3, 2, IMG_REL_CONST, t, -1);
    vimage *exe = link_ok(objs, 2);
    uint8_t used[ISA_SCRATCH_WORDS] = {0};
    used[0] = 1;                                       /* c3 reads and writes word 0 by number */
    reference_first_fit(used, 10);                     /* a's pad comes first */
    int64_t at = reference_first_fit(used, 2);
    uint32_t base = a->nslots;
    ck_assert_int_eq(exe->slots[base + c1].arg[1], 4000000000LL + 5);
    ck_assert_int_eq(exe->slots[base + c2].arg[1], (int64_t)a->nbundles + 1);
    ck_assert_int_eq(exe->slots[base + c2].arg[0], at + 1);
    ck_assert_int_eq(exe->slots[base + c3].arg[2], at - 1);
    img_free(exe);
    free_all(objs, 2);
}
END_TEST

/* ---- visibility ---- */

START_TEST(test_locals_of_the_same_name_get_separate_allocations)
{
    vimage *objs[2];
    for (int m = 0; m < 2; m++) {
        vimage *o = objs[m] = img_new(IMG_OBJECT);
        uint32_t tmp = sym(o, "tmp", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 4, 1);
        uint32_t loop = sym(o, "loop", IMG_SYM_LABEL, IMG_BIND_LOCAL, 0, 0, 0, 2);
        uint32_t s = bundle1(o, m ? "b.vasm" : "a.vasm", 2, mk(ISA_OP_CONST, 0, m, 0, 0));
        img_add_reloc(o, s, 0, IMG_REL_SCRATCH, tmp, 3);
        uint32_t j = bundle1(o, m ? "b.vasm" : "a.vasm", 3, mk(ISA_OP_JUMP, 0, 0, 0, 0));
        img_add_reloc(o, j, 0, IMG_REL_CODE_ABS, loop, 0);
    }
    vimage *exe = link_ok(objs, 2);
    uint8_t used[ISA_SCRATCH_WORDS] = {0};
    int64_t ta = reference_first_fit(used, 4), tb = reference_first_fit(used, 4);
    ck_assert_int_eq(exe->slots[0].arg[0], ta + 3);
    ck_assert_int_eq(exe->slots[2].arg[0], tb + 3);
    ck_assert_int_eq(exe->slots[1].arg[0], 0);                  /* a's loop */
    ck_assert_int_eq(exe->slots[3].arg[0], objs[0]->nbundles);  /* b's loop */
    const img_symbol *t0 = find_symbol(exe, "tmp", 0), *t1 = find_symbol(exe, "tmp", 1);
    ck_assert_ptr_nonnull(t0);
    ck_assert_ptr_nonnull(t1);
    ck_assert_uint_eq(t0->value, ta);
    ck_assert_uint_eq(t1->value, tb);
    ck_assert_uint_eq(t0->binding, IMG_BIND_LOCAL);
    img_free(exe);
    free_all(objs, 2);
}
END_TEST

START_TEST(test_extern_does_not_see_another_modules_local)
{
    vimage *objs[2];
    vimage *a = objs[0] = img_new(IMG_OBJECT), *b = objs[1] = img_new(IMG_OBJECT);
    uint32_t e = sym(a, "secret", IMG_SYM_SCRATCH, IMG_BIND_EXTERN, 0, 0, 0, 0);
    halt_bundle(a, "a.vasm", 1);
    uint32_t s = bundle1(a, "a.vasm", 7, mk(ISA_OP_CONST, 0, 1, 0, 0));
    img_add_reloc(a, s, 0, IMG_REL_SCRATCH, e, 0);
    sym(b, "secret", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 1, 4);
    halt_bundle(b, "b.vasm", 1);
    char *msg = link_fails(objs, 2);
    ck_assert_has(msg, "a.vasm:7: error: undefined symbol 'secret'");
    ck_assert_has(msg, "b.vasm:4: note: b.vo defines a local 'secret'");
    free(msg);
    free_all(objs, 2);
}
END_TEST

START_TEST(test_global_scratch_is_shared_by_its_externs)
{
    vimage *objs[3];
    for (int m = 0; m < 3; m++)
        objs[m] = img_new(IMG_OBJECT);
    sym(objs[1], "shared", IMG_SYM_SCRATCH, IMG_BIND_GLOBAL, 0, 0, 2, 1);
    for (int m = 0; m < 3; m += 2) {
        /* c's extern leaves the kind unknown (0), as an object may. */
        uint32_t e = sym(objs[m], "shared", m == 0 ? IMG_SYM_SCRATCH : 0, IMG_BIND_EXTERN, 0, 0, 0, 0);
        sym(objs[m], "own", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 3, 1);
        uint32_t s = bundle1(objs[m], "x.vasm", 1, mk(ISA_OP_CONST, 0, 0, 0, 0));
        img_add_reloc(objs[m], s, 0, IMG_REL_SCRATCH, e, 1);
    }
    vimage *exe = link_ok(objs, 3);
    /* Command-line order then declaration order: a.own, b.shared, c.own. */
    uint8_t used[ISA_SCRATCH_WORDS] = {0};
    reference_first_fit(used, 3);
    int64_t shared = reference_first_fit(used, 2);
    ck_assert_int_eq(exe->slots[0].arg[0], shared + 1);
    ck_assert_int_eq(exe->slots[1].arg[0], shared + 1);
    ck_assert_ptr_null(find_symbol(exe, "shared", 1));   /* externs are not carried */
    ck_assert_uint_eq(find_symbol(exe, "shared", 0)->binding, IMG_BIND_GLOBAL);
    img_free(exe);
    free_all(objs, 3);
}
END_TEST

/* ---- errors ---- */

START_TEST(test_undefined_symbol_names_the_referencing_line)
{
    vimage *o = img_new(IMG_OBJECT);
    uint32_t e = sym(o, "nowhere", IMG_SYM_LABEL, IMG_BIND_EXTERN, 0, 0, 0, 0);
    halt_bundle(o, "main.vasm", 3);
    uint32_t j = bundle1(o, "main.vasm", 12, mk(ISA_OP_JUMP, 0, 0, 0, 0));
    img_add_reloc(o, j, 0, IMG_REL_CODE_ABS, e, 0);
    uint32_t j2 = bundle1(o, "main.vasm", 13, mk(ISA_OP_JUMP, 0, 0, 0, 0));
    img_add_reloc(o, j2, 0, IMG_REL_CODE_ABS, e, 0);
    char *msg = link_fails(&o, 1);
    ck_assert_has(msg, "main.vasm:12: error: undefined symbol 'nowhere'");
    ck_assert_lacks(msg, "main.vasm:13");   /* once per symbol and module */
    free(msg);
    img_free(o);
}
END_TEST

START_TEST(test_duplicate_global_points_at_the_other_definition)
{
    vimage *objs[2];
    for (int m = 0; m < 2; m++) {
        objs[m] = img_new(IMG_OBJECT);
        halt_bundle(objs[m], m ? "b.vasm" : "a.vasm", 1);
        halt_bundle(objs[m], m ? "b.vasm" : "a.vasm", m ? 9 : 3);
        sym(objs[m], "main", IMG_SYM_LABEL, IMG_BIND_GLOBAL, 0, 1, 0, m ? 9 : 3);
    }
    char *msg = link_fails(objs, 2);
    ck_assert_has(msg, "b.vasm:9: error: duplicate global symbol 'main'");
    ck_assert_has(msg, "a.vasm:3: note: the other definition of 'main' is here");
    free(msg);
    free_all(objs, 2);
}
END_TEST

START_TEST(test_scratch_overflow_counts_words_and_lists_biggest)
{
    /* Ten allocations over two modules; sizes chosen to total > 1536. */
    static const uint32_t sizes[10] = {100, 700, 30, 20, 500, 10, 90, 60, 40, 80};
    vimage *objs[2];
    uint64_t total = 0;
    char name[16];
    for (int m = 0; m < 2; m++) {
        objs[m] = img_new(IMG_OBJECT);
        halt_bundle(objs[m], m ? "b.vasm" : "a.vasm", 1);
        for (int i = 0; i < 5; i++) {
            snprintf(name, sizeof name, "buf%d", m * 5 + i);
            sym(objs[m], name, IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, sizes[m * 5 + i], (uint32_t)(10 + i));
            total += sizes[m * 5 + i];
        }
    }
    ck_assert_uint_gt(total, ISA_SCRATCH_WORDS);
    char *msg = link_fails(objs, 2);
    char expect[128];
    snprintf(expect, sizeof expect, "needs %llu words of scratch, but there are %d", (unsigned long long)total,
             ISA_SCRATCH_WORDS);
    ck_assert_has(msg, "scratch overflow");
    ck_assert_has(msg, expect);
    /* The biggest eight, biggest first; the two smallest are left out. */
    int order[10];
    for (int i = 0; i < 10; i++)
        order[i] = i;
    for (int i = 0; i < 10; i++)
        for (int j = i + 1; j < 10; j++)
            if (sizes[order[j]] > sizes[order[i]]) {
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
    const char *prev = msg;
    for (int r = 0; r < 10; r++) {
        int i = order[r];
        snprintf(expect, sizeof expect, "buf%d (%s): %u words", i, i < 5 ? "a.vo" : "b.vo", sizes[i]);
        const char *at = strstr(msg, expect);
        if (r < 8) {
            ck_assert_msg(at != NULL && at > prev, "expected \"%s\" next in:\n%s", expect, msg);
            prev = at;
        } else {
            ck_assert_lacks(msg, expect);
        }
    }
    free(msg);
    free_all(objs, 2);
}
END_TEST

START_TEST(test_scratch_overflow_from_fragmentation_by_fixed_symbols)
{
    vimage *o = img_new(IMG_OBJECT);
    halt_bundle(o, "f.vasm", 1);
    /* Fixed 700..799 leaves runs of 700 and 736 words: 800 fits neither. */
    sym(o, "wall", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, IMG_SYMF_FIXED, 700, 100, 2);
    sym(o, "big", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 800, 3);
    char *msg = link_fails(&o, 1);
    ck_assert_has(msg, "f.vasm:3: error: scratch overflow: no free run of 800 words for 'big'");
    ck_assert_has(msg, "needs 900 of 1536 words");
    free(msg);
    img_free(o);
}
END_TEST

START_TEST(test_vector_relocated_past_scratch_end_is_out_of_range)
{
    vimage *o = img_new(IMG_OBJECT);
    /* fixed 0..1519, so the 16 words of w land at 1520..1535. */
    sym(o, "low", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, IMG_SYMF_FIXED, 0, ISA_SCRATCH_WORDS - 16, 1);
    uint32_t w = sym(o, "w", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 16, 2);
    uint32_t ok = bundle1(o, "r.vasm", 5, mk(ISA_OP_VLOAD, 0, 0, 0, 0));
    img_add_reloc(o, ok, 0, IMG_REL_SCRATCH, w, 8);   /* 1528..1535: fits */
    uint32_t bad = bundle1(o, "r.vasm", 6, mk(ISA_OP_VLOAD, 0, 0, 0, 0));
    img_add_reloc(o, bad, 0, IMG_REL_SCRATCH, w, 9);  /* 1529..1536: one past */
    char *msg = link_fails(&o, 1);
    ck_assert_has(msg, "r.vasm:6: error: relocation out of range");
    ck_assert_has(msg, "'w'+9");
    ck_assert_lacks(msg, "r.vasm:5");
    free(msg);
    img_free(o);
}
END_TEST

START_TEST(test_relocated_slots_are_checked_again_though_the_object_code_was_checked)
{
    /* The assembler's objects say their code was checked (image.h): the
     * slots a relocation patches are checked again all the same, in both
     * ways of linking. */
    for (int taking = 0; taking < 3; taking++) {   /* copied, taken, taken with its code deferred */
        vimage *o = img_new(IMG_OBJECT);
        sym(o, "low", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, IMG_SYMF_FIXED, 0, ISA_SCRATCH_WORDS - 16, 1);
        uint32_t w = sym(o, "w", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 16, 2);
        uint32_t bad = bundle1(o, "r.vasm", 6, mk(ISA_OP_VLOAD, 0, 0, 0, 0));
        img_add_reloc(o, bad, 0, IMG_REL_SCRATCH, w, 9);   /* 1529..1536: one past */
        o->code_checked = 1;
        if (taking == 2)
            defer_code(o);
        messages m;
        messages_open(&m);
        lnk_options opt = {0};
        vimage *exe = taking ? lnk_link_taking(o, "a.vo", &opt, m.d) : lnk_link(&(lnk_input){o, "a.vo"}, 1, &opt, m.d);
        ck_assert_ptr_null(exe);
        ck_assert_has(messages_text(&m), "r.vasm:6: error: relocation out of range");
        messages_close(&m);
        img_free(o);
    }
}
END_TEST

START_TEST(test_an_image_is_code_checked_only_when_every_object_was)
{
    for (int checked = 0; checked < 2; checked++) {
        vimage *objs[2];
        for (int i = 0; i < 2; i++) {
            objs[i] = img_new(IMG_OBJECT);
            bundle1(objs[i], "c.vasm", 1, mk(ISA_OP_CONST, 5, 7, 0, 0));
        }
        objs[1]->code_checked = (uint8_t)checked;
        vimage *exe = link_ok(objs, 2);
        ck_assert_int_eq(exe->code_checked, 0);   /* objs[0] is a caller's */
        img_free(exe);
        objs[0]->code_checked = (uint8_t)checked;
        exe = link_ok(objs, 2);
        ck_assert_int_eq(exe->code_checked, checked);
        img_free(exe);
        free_all(objs, 2);
    }
}
END_TEST

START_TEST(test_immediate_relocated_out_of_range)
{
    vimage *o = img_new(IMG_OBJECT);
    uint32_t big = sym(o, "big", IMG_SYM_CONST, IMG_BIND_LOCAL, 0, UINT32_MAX, 0, 1);
    uint32_t c = bundle1(o, "i.vasm", 4, mk(ISA_OP_CONST, 0, 0, 0, 0));
    img_add_reloc(o, c, 1, IMG_REL_CONST, big, 1);    /* 2^32: above 2^32-1 */
    char *msg = link_fails(&o, 1);
    ck_assert_has(msg, "i.vasm:4: error: relocation out of range");
    free(msg);
    img_free(o);
}
END_TEST

/* The assembler checks scratch operands against their declarations in one
 * file; across modules the linker does, with the same message. */
START_TEST(test_vector_op_on_a_one_word_extern_is_a_link_error)
{
    vimage *objs[2];
    vimage *a = objs[0] = img_new(IMG_OBJECT), *b = objs[1] = img_new(IMG_OBJECT);
    uint32_t e = sym(a, "w", IMG_SYM_SCRATCH, IMG_BIND_EXTERN, 0, 0, 0, 0);
    uint32_t v = bundle1(a, "main.vasm", 3, mk(ISA_OP_VALU_ADD, 0, 0, 0, 0));
    for (int op = 0; op < 3; op++)
        img_add_reloc(a, v, op, IMG_REL_SCRATCH, e, 0);
    uint32_t s = bundle1(a, "main.vasm", 4, mk(ISA_OP_ALU_ADD, 0, 0, 0, 0));
    img_add_reloc(a, s, 0, IMG_REL_SCRATCH, e, 1);
    sym(b, "w", IMG_SYM_SCRATCH, IMG_BIND_GLOBAL, 0, 0, 1, 2);
    sym(b, "next", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 8, 3);
    halt_bundle(b, "lib.vasm", 5);
    char *msg = link_fails(objs, 2);
    ck_assert_has(msg, "main.vasm:3: error: vector operand w+0 covers words 0..7 of 'w', which has 1 (0..0)\n");
    ck_assert_has(msg, "lib.vasm:2: note: 'w' is declared here");
    ck_assert_has(msg, "main.vasm:4: error: w+1 is outside 'w', which has 1 word (0..0)");
    free(msg);
    free_all(objs, 2);
}
END_TEST

START_TEST(test_operands_inside_an_extern_link)
{
    vimage *objs[2];
    vimage *a = objs[0] = img_new(IMG_OBJECT), *b = objs[1] = img_new(IMG_OBJECT);
    uint32_t e = sym(a, "w", IMG_SYM_SCRATCH, IMG_BIND_EXTERN, 0, 0, 8, 0);
    uint32_t v = bundle1(a, "main.vasm", 3, mk(ISA_OP_VALU_ADD, 0, 0, 0, 0));
    for (int op = 0; op < 3; op++)
        img_add_reloc(a, v, op, IMG_REL_SCRATCH, e, op == 2 ? 1 : 0);   /* w+1..8 of 9 */
    uint32_t s = bundle1(a, "main.vasm", 4, mk(ISA_OP_ALU_ADD, 0, 0, 0, 0));
    img_add_reloc(a, s, 0, IMG_REL_SCRATCH, e, 8);
    sym(b, "w", IMG_SYM_SCRATCH, IMG_BIND_GLOBAL, 0, 0, 9, 2);
    halt_bundle(b, "lib.vasm", 5);
    vimage *exe = link_ok(objs, 2);
    img_free(exe);
    free_all(objs, 2);
}
END_TEST

/* A use is cited at its relocation's column, a definition where SYMLINES
 * puts it (an included file, with its column). */
START_TEST(test_messages_cite_the_columns_the_object_records)
{
    vimage *objs[2];
    vimage *a = objs[0] = img_new(IMG_OBJECT), *b = objs[1] = img_new(IMG_OBJECT);
    uint32_t e = sym(a, "w", IMG_SYM_SCRATCH, IMG_BIND_EXTERN, 0, 0, 0, 1);
    uint32_t v = bundle1(a, "main.vasm", 3, mk(ISA_OP_VALU_ADD, 0, 0, 0, 0));
    img_add_reloc(a, v, 1, IMG_REL_SCRATCH, e, 0);
    a->relocs[0].column = 13;
    uint32_t w = sym(b, "w", IMG_SYM_SCRATCH, IMG_BIND_GLOBAL, 0, 0, 1, 2);
    b->symbols[w].file = img_intern(b, "inc/vars.inc");
    b->symbols[w].column = 7;
    b->symbols[w].length = 1;
    halt_bundle(b, "lib.vasm", 5);
    char *text = link_fails(objs, 2);
    ck_assert_has(text, "main.vasm:3:13: error: vector operand w+0 covers words 0..7 of 'w', which has 1 (0..0)");
    ck_assert_has(text, "inc/vars.inc:2:7: note: 'w' is declared here");
    free(text);
    free_all(objs, 2);
}
END_TEST

START_TEST(test_an_extern_declared_bigger_than_its_definition_is_an_error)
{
    vimage *objs[2];
    vimage *a = objs[0] = img_new(IMG_OBJECT), *b = objs[1] = img_new(IMG_OBJECT);
    sym(a, "w", IMG_SYM_SCRATCH, IMG_BIND_EXTERN, 0, 0, 8, 1);
    halt_bundle(a, "main.vasm", 2);
    sym(b, "w", IMG_SYM_SCRATCH, IMG_BIND_GLOBAL, 0, 0, 4, 2);
    halt_bundle(b, "lib.vasm", 5);
    char *msg = link_fails(objs, 2);
    ck_assert_has(msg, "main.vasm:1: error: 'w' is declared here with 8 words, but it has 4");
    ck_assert_has(msg, "lib.vasm:2: note: 'w' is defined here");
    free(msg);
    free_all(objs, 2);
}
END_TEST

START_TEST(test_kind_mismatch_between_use_and_definition)
{
    vimage *objs[2];
    vimage *a = objs[0] = img_new(IMG_OBJECT), *b = objs[1] = img_new(IMG_OBJECT);
    /* a jumps to "buf" (declared of unknown kind), which b defines as scratch. */
    uint32_t e = sym(a, "buf", 0, IMG_BIND_EXTERN, 0, 0, 0, 0);
    uint32_t j = bundle1(a, "a.vasm", 8, mk(ISA_OP_JUMP, 0, 0, 0, 0));
    img_add_reloc(a, j, 0, IMG_REL_CODE_ABS, e, 0);
    sym(b, "buf", IMG_SYM_SCRATCH, IMG_BIND_GLOBAL, 0, 0, 4, 2);
    halt_bundle(b, "b.vasm", 1);
    char *msg = link_fails(objs, 2);
    ck_assert_has(msg, "a.vasm:8: error: kind mismatch: 'buf' is a scratch variable, but this use needs a code label");
    ck_assert_has(msg, "b.vasm:2: note: 'buf' is defined here");
    free(msg);
    free_all(objs, 2);
}
END_TEST

START_TEST(test_kind_mismatch_between_extern_declaration_and_definition)
{
    vimage *objs[2];
    vimage *a = objs[0] = img_new(IMG_OBJECT), *b = objs[1] = img_new(IMG_OBJECT);
    uint32_t e = sym(a, "n", IMG_SYM_SCRATCH, IMG_BIND_EXTERN, 0, 0, 0, 0);
    uint32_t c = bundle1(a, "a.vasm", 3, mk(ISA_OP_CONST, 0, 0, 0, 0));
    img_add_reloc(a, c, 1, IMG_REL_CONST, e, 0);
    sym(b, "n", IMG_SYM_CONST, IMG_BIND_GLOBAL, 0, 9, 0, 1);
    halt_bundle(b, "b.vasm", 1);
    char *msg = link_fails(objs, 2);
    ck_assert_has(msg, "a.vasm:3: error: kind mismatch: 'n' is declared here as a scratch variable, but it is a constant");
    free(msg);
    free_all(objs, 2);
}
END_TEST

START_TEST(test_two_entry_claims_are_an_error)
{
    vimage *objs[2];
    for (int m = 0; m < 2; m++) {
        objs[m] = img_new(IMG_OBJECT);
        sym(objs[m], m ? "start" : "main", IMG_SYM_LABEL, IMG_BIND_LOCAL, IMG_SYMF_ENTRY, 0, 0, 1);
        halt_bundle(objs[m], m ? "b.vasm" : "a.vasm", 1);
    }
    char *msg = link_fails(objs, 2);
    ck_assert_has(msg, "b.vasm:1: error: two entry claims: 'main' (a.vo) and 'start' (b.vo)");
    ck_assert_has(msg, "a.vasm:1: note: the first entry claim is here");
    free(msg);
    free_all(objs, 2);
}
END_TEST

START_TEST(test_entry_label_must_be_at_bundle_zero)
{
    vimage *o = img_new(IMG_OBJECT);
    halt_bundle(o, "e.vasm", 1);
    halt_bundle(o, "e.vasm", 2);
    sym(o, "main", IMG_SYM_LABEL, IMG_BIND_GLOBAL, IMG_SYMF_ENTRY, 1, 0, 2);
    char *msg = link_fails(&o, 1);
    ck_assert_has(msg, "e.vasm:2: error: entry label 'main' is at bundle 1 of its module");
    free(msg);
    img_free(o);
}
END_TEST

START_TEST(test_fixed_scratch_past_the_end_is_an_error)
{
    vimage *o = img_new(IMG_OBJECT);
    halt_bundle(o, "x.vasm", 1);
    sym(o, "tail", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, IMG_SYMF_FIXED, ISA_SCRATCH_WORDS - 6, 8, 2);
    char *msg = link_fails(&o, 1);
    ck_assert_has(msg, "x.vasm:2: error: fixed scratch 'tail' at 1530 (8 words) runs past the end");
    free(msg);
    img_free(o);
}
END_TEST

START_TEST(test_fixed_scratch_of_two_modules_must_not_overlap)
{
    vimage *objs[2];
    vimage *a = objs[0] = img_new(IMG_OBJECT), *b = objs[1] = img_new(IMG_OBJECT);
    halt_bundle(a, "a.vasm", 1);
    halt_bundle(b, "b.vasm", 1);
    sym(a, "va", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, IMG_SYMF_FIXED, 100, 8, 2);
    sym(a, "lane3", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, IMG_SYMF_FIXED, 103, 1, 3);   /* alias: fine */
    sym(b, "vb", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, IMG_SYMF_FIXED, 107, 4, 5);
    char *msg = link_fails(objs, 2);
    ck_assert_has(msg, "b.vasm:5: error: fixed scratch 'vb' (107..110) overlaps 'va' (100..107) of a.vo");
    ck_assert_lacks(msg, "lane3");
    free(msg);
    free_all(objs, 2);
}
END_TEST

START_TEST(test_fixed_scratch_aliases_within_a_module_are_allowed)
{
    vimage *o = img_new(IMG_OBJECT);
    halt_bundle(o, "a.vasm", 1);
    sym(o, "va", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, IMG_SYMF_FIXED, 100, 8, 2);
    sym(o, "lane3", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, IMG_SYMF_FIXED, 103, 1, 3);
    sym(o, "high", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, IMG_SYMF_FIXED, 104, 8, 4);   /* 104..111 */
    char *text = NULL;
    size_t size;
    FILE *map = open_memstream(&text, &size);
    messages m;
    messages_open(&m);
    vimage *exe = link_into(&m, &o, default_names, 1, map);
    ck_assert_msg(exe != NULL, "%s", messages_text(&m));
    fclose(map);
    ck_assert_uint_eq(find_symbol(exe, "lane3", 0)->value, 103);
    /* Words 100..111 are covered, each counted once. */
    ck_assert_has(text, "12 words used");
    free(text);
    messages_close(&m);
    img_free(exe);
    img_free(o);
}
END_TEST

START_TEST(test_memory_segments_of_two_modules_must_not_overlap)
{
    vimage *objs[2];
    uint32_t words[4] = {1, 2, 3, 4};
    for (int m = 0; m < 2; m++) {
        objs[m] = img_new(IMG_OBJECT);
        halt_bundle(objs[m], "m.vasm", 1);
    }
    img_add_segment(objs[0], 10, words, 4);
    img_add_segment(objs[1], 13, words, 2);
    char *msg = link_fails(objs, 2);
    ck_assert_has(msg, "vld: error: b.vo: memory segment 13..14 overlaps segment 10..13 of a.vo");
    free(msg);
    free_all(objs, 2);
}
END_TEST

START_TEST(test_memory_segments_are_concatenated)
{
    vimage *objs[2];
    uint32_t wa[2] = {7, 8}, wb[3] = {9, 10, 11};
    for (int m = 0; m < 2; m++) {
        objs[m] = img_new(IMG_OBJECT);
        halt_bundle(objs[m], "m.vasm", 1);
    }
    img_add_segment(objs[0], 100, wa, 2);
    img_add_segment(objs[1], 0, wb, 3);
    vimage *exe = link_ok(objs, 2);
    ck_assert_uint_eq(exe->nsegments, 2);
    ck_assert_uint_eq(exe->segments[0].address, 100);
    ck_assert_uint_eq(exe->segments[0].words[1], 8);
    ck_assert_uint_eq(exe->segments[1].address, 0);
    ck_assert_uint_eq(exe->segments[1].words[2], 11);
    img_free(exe);
    free_all(objs, 2);
}
END_TEST

START_TEST(test_malformed_object_is_rejected_without_crashing)
{
    vimage *o = img_new(IMG_OBJECT);
    halt_bundle(o, "bad.vasm", 1);
    img_add_reloc(o, 0, 0, IMG_REL_CODE_ABS, 42, 0);   /* no symbol 42; halt has no operand 0 */
    char *msg = link_fails(&o, 1);
    ck_assert_has(msg, "vld: error: a.vo: malformed object: relocation 0");
    free(msg);
    img_free(o);
    vimage *exe = img_new(IMG_EXECUTABLE);
    halt_bundle(exe, "e.vasm", 1);
    msg = link_fails(&exe, 1);
    ck_assert_has(msg, "not a relocatable object");
    free(msg);
    img_free(exe);
}
END_TEST

/* ---- layout ---- */

START_TEST(test_fixed_scratch_is_placed_before_automatic)
{
    vimage *o = img_new(IMG_OBJECT);
    halt_bundle(o, "l.vasm", 1);
    /* The automatic one is declared first but must avoid the fixed one. */
    sym(o, "early", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 4, 2);
    sym(o, "pinned", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, IMG_SYMF_FIXED, 0, 2, 3);
    vimage *exe = link_ok(&o, 1);
    uint8_t used[ISA_SCRATCH_WORDS] = {0};
    memset(used, 1, 2);
    ck_assert_uint_eq(find_symbol(exe, "early", 0)->value, reference_first_fit(used, 4));
    ck_assert_uint_eq(find_symbol(exe, "pinned", 0)->value, 0);
    img_free(exe);
    img_free(o);
}
END_TEST

START_TEST(test_first_fit_fills_holes_between_fixed_symbols)
{
    vimage *objs[2];
    vimage *a = objs[0] = img_new(IMG_OBJECT), *b = objs[1] = img_new(IMG_OBJECT);
    halt_bundle(a, "a.vasm", 1);
    halt_bundle(b, "b.vasm", 1);
    /* Fixed words 4..7 (in b) and 10..11 (in a); then automatic p3 q2 r1 s5 t2 in a, u1 in b. */
    sym(b, "f1", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, IMG_SYMF_FIXED, 4, 4, 1);
    static const char *names[] = {"p", "q", "r", "s", "t"};
    static const uint32_t sizes[] = {3, 2, 1, 5, 2};
    for (int i = 0; i < 5; i++) {
        sym(a, names[i], IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, sizes[i], 2);
        if (i == 2)
            sym(a, "f2", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, IMG_SYMF_FIXED, 10, 2, 3);
    }
    sym(b, "u", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 1, 2);
    vimage *exe = link_ok(objs, 2);
    uint8_t used[ISA_SCRATCH_WORDS] = {0};
    memset(used + 4, 1, 4);
    memset(used + 10, 1, 2);
    for (int i = 0; i < 5; i++)
        ck_assert_uint_eq(find_symbol(exe, names[i], 0)->value, reference_first_fit(used, sizes[i]));
    ck_assert_uint_eq(find_symbol(exe, "u", 0)->value, reference_first_fit(used, 1));
    /* The holes were used: q went to 8 (3 is a one-word hole), r to 3. */
    ck_assert_uint_eq(find_symbol(exe, "q", 0)->value, 8);
    ck_assert_uint_eq(find_symbol(exe, "r", 0)->value, 3);
    img_free(exe);
    free_all(objs, 2);
}
END_TEST

/* A scratch operand without a relocation is an absolute address: the
 * word it names is kept free of variables, whichever module uses it. */
START_TEST(test_literal_scratch_addresses_are_never_given_to_a_variable)
{
    vimage *objs[2];
    vimage *a = objs[0] = img_new(IMG_OBJECT), *b = objs[1] = img_new(IMG_OBJECT);
    uint32_t x = sym(a, "x", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 8, 1);
    bundle1(a, "a.vasm", 2, mk(ISA_OP_ALU_EQ, 1, 0, 0, 0));          /* words 1 and 0 by number */
    uint32_t r = bundle1(a, "a.vasm", 3, mk(ISA_OP_VALU_ADD, 0, 16, 16, 0));
    img_add_reloc(a, r, 0, IMG_REL_SCRATCH, x, 0);                   /* relocated: reserves nothing */
    bundle1(b, "b.vasm", 1, mk(ISA_OP_LOAD_OFFSET, 40, 30, 2, 0));  /* words 42 and 32 */
    sym(b, "v", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 8, 2);
    sym(b, "big", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 20, 3);
    sym(b, "pin", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, IMG_SYMF_FIXED, 42, 1, 4);  /* may alias a literal */
    vimage *exe = link_ok(objs, 2);
    uint8_t used[ISA_SCRATCH_WORDS] = {0};
    used[42] = 1;                                   /* pin, fixed */
    used[0] = used[1] = used[32] = 1;               /* literals */
    memset(used + 16, 1, 8);                        /* valu's sources 16..23 */
    ck_assert_uint_eq(find_symbol(exe, "x", 0)->value, reference_first_fit(used, 8));
    ck_assert_uint_eq(find_symbol(exe, "v", 0)->value, reference_first_fit(used, 8));
    ck_assert_uint_eq(find_symbol(exe, "big", 0)->value, reference_first_fit(used, 20));
    ck_assert_uint_eq(find_symbol(exe, "x", 0)->value, 2);         /* not 0, which the alu == reads */
    img_free(exe);
    free_all(objs, 2);
}
END_TEST

START_TEST(test_entry_module_is_placed_first)
{
    vimage *objs[3];
    static const char *files[3] = {"a.vasm", "b.vasm", "c.vasm"};
    static const uint32_t nb[3] = {2, 3, 1};
    for (int m = 0; m < 3; m++) {
        objs[m] = img_new(IMG_OBJECT);
        for (uint32_t k = 0; k < nb[m]; k++)
            halt_bundle(objs[m], files[m], 10 * (uint32_t)m + k + 1);
        sym(objs[m], m == 1 ? "main" : "here", IMG_SYM_LABEL, IMG_BIND_LOCAL, m == 1 ? IMG_SYMF_ENTRY : 0, 0,
            0, 1);
    }
    vimage *exe = link_ok(objs, 3);
    /* b first, then a and c in command-line order. */
    static const int placed[3] = {1, 0, 2};
    uint32_t bundle = 0;
    for (int p = 0; p < 3; p++) {
        int m = placed[p];
        ck_assert_uint_eq(find_symbol(exe, m == 1 ? "main" : "here", m == 2)->value, bundle);
        for (uint32_t k = 0; k < nb[m]; k++, bundle++) {
            ck_assert_str_eq(img_string(exe, exe->lines[bundle].file), files[m]);
            ck_assert_uint_eq(exe->lines[bundle].line, 10 * (uint32_t)m + k + 1);
        }
    }
    ck_assert_uint_eq(exe->nbundles, bundle);
    img_free(exe);
    free_all(objs, 3);
}
END_TEST

/* ---- what the image carries ---- */

START_TEST(test_symbols_and_line_maps_are_carried_into_the_image)
{
    vimage *objs[2];
    vimage *a = objs[0] = img_new(IMG_OBJECT), *b = objs[1] = img_new(IMG_OBJECT);
    halt_bundle(a, "a.vasm", 4);
    halt_bundle(a, "inc.vh", 2);
    sym(a, "loop", IMG_SYM_LABEL, IMG_BIND_GLOBAL, 0, 1, 0, 2);
    sym(a, "acc", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 8, 1);
    sym(a, "k", IMG_SYM_CONST, IMG_BIND_LOCAL, 0, 123, 0, 3);
    sym(a, "ext", IMG_SYM_LABEL, IMG_BIND_EXTERN, 0, 0, 0, 0);
    halt_bundle(b, "b.vasm", 7);
    sym(b, "ext", IMG_SYM_LABEL, IMG_BIND_GLOBAL, 0, 0, 0, 7);
    sym(b, "io", IMG_SYM_SCRATCH, IMG_BIND_GLOBAL, IMG_SYMF_FIXED, 1000, 2, 2);
    vimage *exe = link_ok(objs, 2);
    ck_assert_uint_eq(exe->nsymbols, 5);   /* the extern is dropped */
    const img_symbol *s = find_symbol(exe, "loop", 0);
    ck_assert_uint_eq(s->kind, IMG_SYM_LABEL);
    ck_assert_uint_eq(s->binding, IMG_BIND_GLOBAL);
    ck_assert_uint_eq(s->value, 1);
    ck_assert_uint_eq(s->line, 2);
    s = find_symbol(exe, "acc", 0);
    ck_assert_uint_eq(s->kind, IMG_SYM_SCRATCH);
    ck_assert_uint_eq(s->size, 8);
    ck_assert_uint_eq(s->value, 0);
    s = find_symbol(exe, "k", 0);
    ck_assert_uint_eq(s->kind, IMG_SYM_CONST);
    ck_assert_uint_eq(s->value, 123);
    s = find_symbol(exe, "ext", 0);
    ck_assert_uint_eq(s->value, a->nbundles);
    ck_assert_uint_eq(s->binding, IMG_BIND_GLOBAL);
    s = find_symbol(exe, "io", 0);
    ck_assert_uint_eq(s->value, 1000);
    ck_assert_uint_eq(s->flags & IMG_SYMF_FIXED, IMG_SYMF_FIXED);
    static const char *files[3] = {"a.vasm", "inc.vh", "b.vasm"};
    static const uint32_t lines[3] = {4, 2, 7};
    for (uint32_t k = 0; k < 3; k++) {
        ck_assert_str_eq(img_string(exe, exe->lines[k].file), files[k]);
        ck_assert_uint_eq(exe->lines[k].line, lines[k]);
    }
    img_free(exe);
    free_all(objs, 2);
}
END_TEST

START_TEST(test_comment_strings_are_reinterned)
{
    vimage *objs[2];
    static const char *texts[2] = {"first module says hi", "second"};
    for (int m = 0; m < 2; m++) {
        vimage *o = objs[m] = img_new(IMG_OBJECT);
        img_intern(o, m ? "padding to shift offsets" : "x");
        bundle1(o, "c.vasm", 1, mk(ISA_OP_COMMENT, img_intern(o, texts[m]), 0, 0, 0));
    }
    vimage *exe = link_ok(objs, 2);
    for (int m = 0; m < 2; m++)
        ck_assert_str_eq(img_string(exe, (uint32_t)exe->slots[m].arg[0]), texts[m]);
    img_free(exe);
    free_all(objs, 2);
}
END_TEST

START_TEST(test_strip_leaves_only_what_the_text_form_says)
{
    static const char text[] = "kept";
    vimage *o = img_new(IMG_OBJECT);
    uint32_t counter = sym(o, "counter", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 1, 2);
    sym(o, "start", IMG_SYM_LABEL, IMG_BIND_GLOBAL, 0, 0, 0, 1);
    bundle1(o, "s.vasm", 1, mk(ISA_OP_COMMENT, img_intern(o, text), 0, 0, 0));
    bundle1(o, "s.vasm", 2, mk(ISA_OP_CONST, 0, 7, 0, 0));
    img_add_reloc(o, 1, 0, IMG_REL_SCRATCH, counter, 0);

    messages m;
    messages_open(&m);
    lnk_input in = {o, "s.vo"};
    lnk_options opt = {.strip = 1};
    vimage *exe = lnk_link(&in, 1, &opt, m.d);
    ck_assert_msg(exe != NULL, "link failed:\n%s", messages_text(&m));
    messages_close(&m);
    ck_assert_uint_eq(exe->nsymbols, 0);
    ck_assert_ptr_null(exe->lines);
    /* The strings hold "" and the comment, nothing else (no file or symbol names). */
    ck_assert_uint_eq(exe->strings_size, 1 + sizeof text);
    ck_assert_str_eq(img_string(exe, (uint32_t)exe->slots[0].arg[0]), text);
    ck_assert_int_eq(exe->slots[1].arg[0], 0);   /* relocated all the same */
    img_free(exe);
    img_free(o);
}
END_TEST

/* Two modules exercising every section, for the map and determinism. */
static void build_pair(vimage *objs[2])
{
    vimage *a = objs[0] = img_new(IMG_OBJECT), *b = objs[1] = img_new(IMG_OBJECT);
    uint32_t acc = sym(a, "acc", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 8, 1);
    uint32_t fn = sym(a, "fn", IMG_SYM_LABEL, IMG_BIND_EXTERN, 0, 0, 0, 0);
    sym(a, "pin", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, IMG_SYMF_FIXED, 20, 4, 2);
    uint32_t s = bundle1(a, "a.vasm", 3, mk(ISA_OP_VBROADCAST, 0, 20, 0, 0));
    img_add_reloc(a, s, 0, IMG_REL_SCRATCH, acc, 0);
    s = bundle1(a, "a.vasm", 4, mk(ISA_OP_JUMP, 0, 0, 0, 0));
    img_add_reloc(a, s, 0, IMG_REL_CODE_ABS, fn, 0);
    bundle1(a, "a.vasm", 5, mk(ISA_OP_COMMENT, img_intern(a, "done"), 0, 0, 0));
    uint32_t w[2] = {5, 6};
    img_add_segment(a, 0, w, 2);
    sym(b, "fn", IMG_SYM_LABEL, IMG_BIND_GLOBAL, 0, 0, 0, 1);
    sym(b, "tmp", IMG_SYM_SCRATCH, IMG_BIND_GLOBAL, 0, 0, 3, 2);
    halt_bundle(b, "b.vasm", 1);
    halt_bundle(b, "b.vasm", 2);
}

/* Finds the map line that starts (after spaces) with the given words. */
static const char *map_line(const char *map, const char *first_words)
{
    for (const char *p = map; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        const char *q = p;
        while (*q == ' ')
            q++;
        if (strncmp(q, first_words, strlen(first_words)) == 0)
            return q;
    }
    return NULL;
}

START_TEST(test_map_lists_code_ranges_scratch_and_totals)
{
    vimage *objs[2];
    build_pair(objs);
    char *text = NULL;
    size_t size;
    FILE *map = open_memstream(&text, &size);
    messages m;
    messages_open(&m);
    vimage *exe = link_into(&m, objs, default_names, 2, map);
    ck_assert_msg(exe != NULL, "%s", messages_text(&m));
    fclose(map);

    char name[64], last[32];
    unsigned first, count, address, sz;
    /* Code: a at 0..2 (3 bundles), b right after it. */
    ck_assert_int_eq(sscanf(map_line(text, "a.vo"), "%63s %u %31s %u", name, &first, last, &count), 4);
    ck_assert_uint_eq(first, 0);
    ck_assert_uint_eq(count, objs[0]->nbundles);
    ck_assert_uint_eq((unsigned)atoi(last), objs[0]->nbundles - 1);
    ck_assert_int_eq(sscanf(map_line(text, "b.vo"), "%63s %u %31s %u", name, &first, last, &count), 4);
    ck_assert_uint_eq(first, objs[0]->nbundles);
    ck_assert_uint_eq(count, objs[1]->nbundles);
    /* Scratch: pin fixed at 20, acc first fit (0..7), tmp after it (8..10). */
    uint8_t used[ISA_SCRATCH_WORDS] = {0};
    memset(used + 20, 1, 4);
    unsigned want_acc = reference_first_fit(used, 8), want_tmp = reference_first_fit(used, 3);
    char module[64];
    ck_assert_int_eq(sscanf(map_line(text, "acc "), "%63s %u %31s %u %63s", name, &address, last, &sz, module), 5);
    ck_assert_uint_eq(address, want_acc);
    ck_assert_uint_eq(sz, 8);
    ck_assert_str_eq(module, "a.vo");
    ck_assert_int_eq(sscanf(map_line(text, "tmp "), "%63s %u %31s %u %63s", name, &address, last, &sz, module), 5);
    ck_assert_uint_eq(address, want_tmp);
    ck_assert_str_eq(module, "b.vo");
    ck_assert_has(map_line(text, "tmp "), "global");
    ck_assert_int_eq(sscanf(map_line(text, "pin "), "%63s %u %31s %u", name, &address, last, &sz), 4);
    ck_assert_uint_eq(address, 20);
    ck_assert_has(map_line(text, "pin "), "fixed");
    /* Scratch rows come by address: acc (0), tmp (8), pin (20). */
    ck_assert(map_line(text, "acc ") < map_line(text, "tmp "));
    ck_assert(map_line(text, "tmp ") < map_line(text, "pin "));
    unsigned used_words, free_words, total;
    ck_assert_int_eq(sscanf(map_line(text, "scratch "), "scratch %u words used, %u free of %u", &used_words,
                            &free_words, &total), 3);
    ck_assert_uint_eq(used_words, 8 + 3 + 4);
    ck_assert_uint_eq(free_words, ISA_SCRATCH_WORDS - (8 + 3 + 4));
    ck_assert_uint_eq(total, ISA_SCRATCH_WORDS);
    unsigned bundles;
    ck_assert_int_eq(sscanf(map_line(text, "code "), "code %u bundles", &bundles), 1);
    ck_assert_uint_eq(bundles, objs[0]->nbundles + objs[1]->nbundles);
    free(text);
    img_free(exe);
    messages_close(&m);
    free_all(objs, 2);
}
END_TEST

START_TEST(test_linking_twice_gives_identical_bytes)
{
    uint8_t *bytes[2];
    size_t size[2];
    for (int round = 0; round < 2; round++) {
        vimage *objs[2];
        build_pair(objs);   /* fresh objects each time: nothing may depend on addresses */
        vimage *exe = link_ok(objs, 2);
        ck_assert_int_eq(img_encode(exe, &bytes[round], &size[round]), 0);
        img_free(exe);
        free_all(objs, 2);
    }
    ck_assert_uint_eq(size[0], size[1]);
    ck_assert_int_eq(memcmp(bytes[0], bytes[1], size[0]), 0);
    free(bytes[0]);
    free(bytes[1]);
}
END_TEST

/* One module with what the linker rewrites: comment strings, a scratch
 * relocation, bundle and slot lines from two files, a macro call site. */
static vimage *build_single(void)
{
    vimage *o = img_new(IMG_OBJECT);
    img_intern(o, "shifts the offsets");
    uint32_t acc = sym(o, "acc", IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, 0, 2, 1);
    sym(o, "start", IMG_SYM_LABEL, IMG_BIND_GLOBAL, 0, 0, 0, 2);
    bundle1(o, "t.vasm", 2, mk(ISA_OP_COMMENT, img_intern(o, "hello"), 0, 0, 0));
    bundle1(o, "t.vasm", 3, mk(ISA_OP_CONST, 0, 7, 0, 0));
    img_add_reloc(o, 1, 0, IMG_REL_SCRATCH, acc, 1);
    bundle1(o, "inc.vh", 9, mk(ISA_OP_HALT, 0, 0, 0, 0));
    img_set_slot_line(o, 0, "t.vasm", 2, NULL, 0);
    img_set_slot_line(o, 1, "m.vh", 5, "t.vasm", 3);
    img_set_slot_line(o, 2, "inc.vh", 9, NULL, 0);
    return o;
}

/* vasm's one-file build takes its object's code instead of copying it:
 * the image must not change by a byte, stripped or not. */
START_TEST(test_taking_the_one_object_gives_the_bytes_of_copying_it)
{
    /* Also with its code deferred, as vasm's one-file build leaves it in
     * its program: the image must be the one of held code, byte for byte. */
    for (int run = 0; run < 4; run++) {
        int strip = run & 1, deferred = run >> 1;
        vimage *copied = build_single(), *taken = build_single();
        if (deferred)
            defer_code(taken);
        messages m;
        messages_open(&m);
        lnk_input in = {copied, "t.vo"};
        lnk_options opt = {.strip = strip};
        vimage *a = lnk_link(&in, 1, &opt, m.d), *b = lnk_link_taking(taken, "t.vo", &opt, m.d);
        ck_assert_msg(a && b, "link failed:\n%s", messages_text(&m));
        messages_close(&m);
        uint8_t *bytes[2];
        size_t size[2];
        ck_assert_int_eq(img_encode(a, &bytes[0], &size[0]), 0);
        ck_assert_int_eq(img_encode(b, &bytes[1], &size[1]), 0);
        ck_assert_uint_eq(size[0], size[1]);
        ck_assert_int_eq(memcmp(bytes[0], bytes[1], size[0]), 0);
        ck_assert_uint_eq(taken->nslots, 0);   /* the code went to the image */
        ck_assert_ptr_null(taken->slots);
        ck_assert_ptr_null(taken->code);
        ck_assert_int_eq(b->code != NULL, deferred);   /* deferred code is read when written */
        free(bytes[0]);
        free(bytes[1]);
        img_free(a);
        img_free(b);
        img_free(copied);
        img_free(taken);
    }
}
END_TEST

/* A failed link of a taken object returns no image and leaves the object
 * to be freed (the sanitizer build catches a double free), its code held
 * or deferred. */
START_TEST(test_a_failed_link_of_a_taken_object_leaves_it_freeable)
{
    for (int deferred = 0; deferred < 2; deferred++) {
        vimage *o = build_single();
        uint32_t ext = sym(o, "nowhere", IMG_SYM_SCRATCH, IMG_BIND_EXTERN, 0, 0, 0, 0);
        bundle1(o, "t.vasm", 4, mk(ISA_OP_CONST, 0, 1, 0, 0));
        img_add_reloc(o, 3, 0, IMG_REL_SCRATCH, ext, 0);
        if (deferred)
            defer_code(o);
        messages m;
        messages_open(&m);
        ck_assert_ptr_null(lnk_link_taking(o, "t.vo", NULL, m.d));
        ck_assert_ptr_nonnull(strstr(messages_text(&m), "nowhere"));
        messages_close(&m);
        img_free(o);
    }
}
END_TEST

START_TEST(test_failed_link_returns_no_image_and_leaves_diag_usable)
{
    vimage *o = img_new(IMG_OBJECT);
    uint32_t e = sym(o, "gone", IMG_SYM_LABEL, IMG_BIND_EXTERN, 0, 0, 0, 0);
    uint32_t j = bundle1(o, "g.vasm", 1, mk(ISA_OP_JUMP, 0, 0, 0, 0));
    img_add_reloc(o, j, 0, IMG_REL_CODE_ABS, e, 0);
    messages m;
    messages_open(&m);
    ck_assert_ptr_null(link_into(&m, &o, default_names, 1, NULL));
    ck_assert_int_eq(diag_error_count(m.d), 1);
    /* The same diag, earlier errors and all, still links a good program. */
    vimage *good = img_new(IMG_OBJECT);
    halt_bundle(good, "h.vasm", 1);
    vimage *exe = link_into(&m, &good, default_names, 1, NULL);
    ck_assert_ptr_nonnull(exe);
    img_free(exe);
    img_free(good);
    img_free(o);
    messages_close(&m);
}
END_TEST

/* ---- vld ---- */

static char tmpdir[64];

static void vld_setup(void) { testdir_make(tmpdir, sizeof tmpdir, "check_link"); }
static void vld_teardown(void) { testdir_remove(tmpdir); }

static char *path_in_tmp(const char *name)
{
    static char paths[4][128];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, sizeof paths[0], "%s/%s", tmpdir, name);
    return p;
}

/* Runs vld with the given arguments; returns its exit status. */
static int run_vld(const char *args)
{
    char cwd[512];
    const char *dir = getenv("top_builddir");
    if (!dir)
        dir = getcwd(cwd, sizeof cwd);
    ck_assert_ptr_nonnull(dir);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s/vld' %s 2>stderr.txt >stdout.txt", tmpdir, dir, args);
    int rc = system(cmd);
    ck_assert_int_ne(rc, -1);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = NULL;
    size_t size = 0, n;
    char chunk[4096];
    FILE *out = open_memstream(&text, &size);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, out);
    fclose(out);
    fclose(f);
    return text;
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

START_TEST(test_vld_links_objects_like_the_library)
{
    vimage *objs[2];
    build_pair(objs);
    img_status st;
    ck_assert_int_eq(img_write_file(objs[0], path_in_tmp("a.vo"), &st), 0);
    ck_assert_int_eq(img_write_file(objs[1], path_in_tmp("b.vo"), &st), 0);
    ck_assert_int_eq(run_vld("a.vo b.vo -o k.bin --map k.map"), 0);
    vimage *got = img_read_file(path_in_tmp("k.bin"), &st);
    ck_assert_msg(got != NULL, "%s", st.detail);
    vimage *want = link_ok(objs, 2);
    uint8_t *gb, *wb;
    size_t gs, ws;
    ck_assert_int_eq(img_encode(got, &gb, &gs), 0);
    ck_assert_int_eq(img_encode(want, &wb, &ws), 0);
    ck_assert_uint_eq(gs, ws);
    ck_assert_int_eq(memcmp(gb, wb, gs), 0);
    char *map = slurp(path_in_tmp("k.map"));
    ck_assert_ptr_nonnull(map);
    ck_assert_has(map, "Scratch");
    free(map);
    free(gb);
    free(wb);
    img_free(got);
    img_free(want);
    free_all(objs, 2);
}
END_TEST

START_TEST(test_vld_writes_nothing_when_the_link_fails)
{
    vimage *objs[2];
    build_pair(objs);
    img_status st;
    ck_assert_int_eq(img_write_file(objs[0], path_in_tmp("a.vo"), &st), 0);   /* b.vo (fn) missing */
    ck_assert_int_eq(run_vld("a.vo -o k.bin --map k.map"), 1);
    ck_assert(!exists(path_in_tmp("k.bin")));
    ck_assert(!exists(path_in_tmp("k.map")));
    char *err = slurp(path_in_tmp("stderr.txt"));
    ck_assert_has(err, "a.vasm:4: error: undefined symbol 'fn'");
    free(err);
    /* No temporary files are left behind either. */
    ck_assert_int_eq(run_vld("--version"), 0);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "test $(ls '%s' | wc -l) -eq 3", tmpdir);   /* a.vo stderr.txt stdout.txt */
    ck_assert_int_eq(system(cmd), 0);
    free_all(objs, 2);
}
END_TEST

START_TEST(test_vld_reports_a_bad_object_by_the_readers_error_name)
{
    FILE *f = fopen(path_in_tmp("junk.vo"), "wb");
    fputs("this is not an object at all, just text", f);
    fclose(f);
    ck_assert_int_eq(run_vld("junk.vo -o k.bin"), 2);
    char *err = slurp(path_in_tmp("stderr.txt"));
    ck_assert_has(err, "vld: error: ");
    ck_assert_has(err, "junk.vo: ");
    ck_assert_has(err, "BAD_MAGIC");
    free(err);
    ck_assert(!exists(path_in_tmp("k.bin")));

    vimage *exe = img_new(IMG_EXECUTABLE);
    halt_bundle(exe, "e.vasm", 1);
    img_status st;
    ck_assert_int_eq(img_write_file(exe, path_in_tmp("e.bin"), &st), 0);
    ck_assert_int_eq(run_vld("e.bin -o k.bin"), 2);
    err = slurp(path_in_tmp("stderr.txt"));
    ck_assert_has(err, "WRONG_TYPE");
    free(err);
    img_free(exe);
}
END_TEST

START_TEST(test_vld_usage_errors_exit_2)
{
    ck_assert_int_eq(run_vld(""), 2);
    ck_assert_int_eq(run_vld("a.vo"), 2);                 /* no -o */
    ck_assert_int_eq(run_vld("--frobnicate a.vo -o x"), 2);
    ck_assert_int_eq(run_vld("a.vo -o"), 2);
    ck_assert_int_eq(run_vld("--help"), 0);
    char *out = slurp(path_in_tmp("stdout.txt"));
    ck_assert_has(out, "usage: vld");
    free(out);
}
END_TEST

static Suite *link_suite(void)
{
    Suite *s = suite_create("link");
    TCase *tc = tcase_create("objects");
    tcase_add_test(tc, test_object_round_trips_through_encode_decode);
    suite_add_tcase(s, tc);

    tc = tcase_create("relocations");
    tcase_add_test(tc, test_single_module_scratch_and_code_abs_relocations);
    tcase_add_test(tc, test_relocated_slots_are_checked_again_though_the_object_code_was_checked);
    tcase_add_test(tc, test_an_image_is_code_checked_only_when_every_object_was);
    tcase_add_test(tc, test_code_rel_across_modules_forward_and_backward);
    tcase_add_test(tc, test_code_abs_relocation_uses_final_bundle_of_other_module);
    tcase_add_test(tc, test_scratch_relocation_addends_on_vector_operands);
    tcase_add_test(tc, test_const_relocation_takes_the_value_of_any_symbol_kind);
    tcase_add_test(tc, test_relocations_may_come_in_any_slot_order);
    suite_add_tcase(s, tc);

    tc = tcase_create("visibility");
    tcase_add_test(tc, test_locals_of_the_same_name_get_separate_allocations);
    tcase_add_test(tc, test_extern_does_not_see_another_modules_local);
    tcase_add_test(tc, test_global_scratch_is_shared_by_its_externs);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_test(tc, test_undefined_symbol_names_the_referencing_line);
    tcase_add_test(tc, test_duplicate_global_points_at_the_other_definition);
    tcase_add_test(tc, test_scratch_overflow_counts_words_and_lists_biggest);
    tcase_add_test(tc, test_scratch_overflow_from_fragmentation_by_fixed_symbols);
    tcase_add_test(tc, test_vector_relocated_past_scratch_end_is_out_of_range);
    tcase_add_test(tc, test_immediate_relocated_out_of_range);
    tcase_add_test(tc, test_kind_mismatch_between_use_and_definition);
    tcase_add_test(tc, test_vector_op_on_a_one_word_extern_is_a_link_error);
    tcase_add_test(tc, test_operands_inside_an_extern_link);
    tcase_add_test(tc, test_an_extern_declared_bigger_than_its_definition_is_an_error);
    tcase_add_test(tc, test_kind_mismatch_between_extern_declaration_and_definition);
    tcase_add_test(tc, test_two_entry_claims_are_an_error);
    tcase_add_test(tc, test_entry_label_must_be_at_bundle_zero);
    tcase_add_test(tc, test_fixed_scratch_past_the_end_is_an_error);
    tcase_add_test(tc, test_fixed_scratch_of_two_modules_must_not_overlap);
    tcase_add_test(tc, test_fixed_scratch_aliases_within_a_module_are_allowed);
    tcase_add_test(tc, test_memory_segments_of_two_modules_must_not_overlap);
    tcase_add_test(tc, test_malformed_object_is_rejected_without_crashing);
    tcase_add_test(tc, test_failed_link_returns_no_image_and_leaves_diag_usable);
    suite_add_tcase(s, tc);

    tc = tcase_create("layout");
    tcase_add_test(tc, test_fixed_scratch_is_placed_before_automatic);
    tcase_add_test(tc, test_first_fit_fills_holes_between_fixed_symbols);
    tcase_add_test(tc, test_literal_scratch_addresses_are_never_given_to_a_variable);
    tcase_add_test(tc, test_messages_cite_the_columns_the_object_records);
    tcase_add_test(tc, test_entry_module_is_placed_first);
    tcase_add_test(tc, test_memory_segments_are_concatenated);
    suite_add_tcase(s, tc);

    tc = tcase_create("output");
    tcase_add_test(tc, test_symbols_and_line_maps_are_carried_into_the_image);
    tcase_add_test(tc, test_comment_strings_are_reinterned);
    tcase_add_test(tc, test_strip_leaves_only_what_the_text_form_says);
    tcase_add_test(tc, test_map_lists_code_ranges_scratch_and_totals);
    tcase_add_test(tc, test_linking_twice_gives_identical_bytes);
    tcase_add_test(tc, test_taking_the_one_object_gives_the_bytes_of_copying_it);
    tcase_add_test(tc, test_a_failed_link_of_a_taken_object_leaves_it_freeable);
    suite_add_tcase(s, tc);

    tc = tcase_create("vld");
    tcase_add_checked_fixture(tc, vld_setup, vld_teardown);
    tcase_add_test(tc, test_vld_links_objects_like_the_library);
    tcase_add_test(tc, test_vld_writes_nothing_when_the_link_fails);
    tcase_add_test(tc, test_vld_reports_a_bad_object_by_the_readers_error_name);
    tcase_add_test(tc, test_vld_usage_errors_exit_2);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(link_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

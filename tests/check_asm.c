/* The assembler from source to object (and, through lnk_link, to the
 * executable): expressions, symbols, scratch, labels, macros, repetition,
 * conditionals, includes, every check and warning, and the canonical form
 * of ISA.md accepted unchanged. */
#include <check.h>
#include <dirent.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asm.h"
#include "disasm.h"
#include "isa.h"
#include "link.h"
#include "listing.h"
#include "program.h"
#include "testdir.h"

/* ---- helpers ---------------------------------------------------------------- */

typedef struct {
    vimage *obj;
    char *messages;
    int errors, warnings;
} result;

static result assemble_with(const char *src, const asm_options *opt, int werror)
{
    result r;
    size_t size;
    FILE *f = open_memstream(&r.messages, &size);
    diag *d = diag_new(f, "test");
    diag_set_werror(d, werror);
    r.obj = asm_assemble_text("a.vasm", src, strlen(src), opt, d);
    r.errors = diag_error_count(d);
    r.warnings = diag_warning_count(d);
    diag_free(d);
    fclose(f);
    return r;
}

static result assemble(const char *src)
{
    asm_options opt;
    asm_options_init(&opt);
    return assemble_with(src, &opt, 0);
}

static void release(result *r)
{
    img_free(r->obj);
    free(r->messages);
}

/* A source that must assemble without any message. */
static vimage *clean(const char *src)
{
    result r = assemble(src);
    ck_assert_msg(r.obj && r.errors == 0 && r.warnings == 0, "messages:\n%s", r.messages);
    free(r.messages);
    return r.obj;
}

/* A source that must fail, its messages starting with first. */
static void expect_error(const char *src, const char *first)
{
    result r = assemble(src);
    ck_assert_ptr_null(r.obj);
    ck_assert_int_gt(r.errors, 0);
    ck_assert_msg(strncmp(r.messages, first, strlen(first)) == 0, "got:\n%s\nwant:\n%s", r.messages, first);
    release(&r);
}

/* A source that must fail with this message somewhere. */
static void expect_message(const char *src, const char *part)
{
    result r = assemble(src);
    ck_assert_ptr_null(r.obj);
    ck_assert_msg(strstr(r.messages, part) != NULL, "got:\n%s\nwant somewhere:\n%s", r.messages, part);
    release(&r);
}

static const isa_slot *slot_at(const vimage *img, uint32_t bundle, uint32_t k)
{
    ck_assert_uint_lt(bundle, img->nbundles);
    ck_assert_uint_lt(k, img->bundle_start[bundle + 1] - img->bundle_start[bundle]);
    return &img->slots[img->bundle_start[bundle] + k];
}

static int op_of(const char *engine, const char *mnemonic)
{
    int op = isa_find_op((isa_engine)isa_find_engine(engine), mnemonic);
    ck_assert_int_ge(op, 0);
    return op;
}

static const img_symbol *symbol(const vimage *img, const char *name)
{
    for (uint32_t i = 0; i < img->nsymbols; i++)
        if (strcmp(img_string(img, img->symbols[i].name), name) == 0)
            return &img->symbols[i];
    return NULL;
}

static uint32_t symbol_index(const vimage *img, const char *name)
{
    const img_symbol *s = symbol(img, name);
    ck_assert_msg(s != NULL, "no symbol %s", name);
    return (uint32_t)(s - img->symbols);
}

static const img_reloc *reloc_of(const vimage *img, uint32_t slot, int operand)
{
    for (uint32_t i = 0; i < img->nrelocs; i++)
        if (img->relocs[i].slot == slot && img->relocs[i].operand == operand)
            return &img->relocs[i];
    return NULL;
}

static void expect_reloc(const vimage *img, uint32_t slot, int operand, int kind, const char *sym, int32_t addend)
{
    const img_reloc *r = reloc_of(img, slot, operand);
    ck_assert_msg(r != NULL, "no relocation for slot %u operand %d", slot, operand);
    ck_assert_int_eq(r->kind, kind);
    ck_assert_uint_eq(r->symbol, symbol_index(img, sym));
    ck_assert_int_eq(r->addend, addend);
    ck_assert_int_eq(img->slots[slot].arg[operand], 0);
}

static vimage *link_one(const vimage *obj)
{
    diag *d = diag_new(stderr, "test");
    lnk_input in = {obj, "a.vasm"};
    vimage *exe = lnk_link(&in, 1, NULL, d);
    diag_free(d);
    ck_assert_ptr_nonnull(exe);
    return exe;
}

/* ---- expressions ------------------------------------------------------------ */

START_TEST(test_expressions_follow_c_integer_semantics)
{
    vimage *img = clean(".word a\n"
                        ".equ N, 10\n"
                        "load const a, -7 / 2\n"
                        "load const a, -7 % 2\n"
                        "load const a, (1 << 40) >> 38\n"
                        "load const a, (3 > 2) + (2 >= 3) * 10 + (N == 10) * 100\n"
                        "load const a, ~0 & 0xff ^ 0x0f | 0x100\n"
                        "load const a, !N + !0 + (N && 0) + (0 || N)\n"
                        "load const a, (N > 5) ? N * 2 : -1\n"
                        "load const a, 2 + 3 * 4 - 0b101\n");
    int n = 10, zero = 0;   /* variables: clang warns of && and || on constants */
    int64_t want[] = {-7 / 2, -7 % 2, (1LL << 40) >> 38, (3 > 2) + (2 >= 3) * 10 + (10 == 10) * 100,
                      ((~0 & 0xff) ^ 0x0f) | 0x100, !n + !zero + (n && zero) + (zero || n), 10 > 5 ? 10 * 2 : -1,
                      2 + 3 * 4 - 5};
    for (uint32_t i = 0; i < 8; i++)
        ck_assert_int_eq(slot_at(img, i, 0)->arg[1], want[i]);
    img_free(img);
}
END_TEST

START_TEST(test_division_by_zero_is_an_error)
{
    expect_error(".word a\nload const a, 5 / (2 - 2)\n",
                 "a.vasm:2:15: error: division by zero in '5 / 0'\n"
                 "    2 | load const a, 5 / (2 - 2)\n"
                 "      |               ^~~~~~~~~~~\n");
    expect_message(".equ X, 5 % 0\n", "a.vasm:1:9: error: remainder by zero in '5 % 0'");
}
END_TEST

START_TEST(test_shift_count_outside_0_to_63_is_an_error)
{
    expect_message(".equ X, 1 << 64\n", "a.vasm:1:9: error: shift count outside 0..63 in '1 << 64'");
}
END_TEST

START_TEST(test_immediates_must_lie_in_minus_2_31_to_2_32_minus_1)
{
    vimage *img = clean(".word a\nload const a, -2147483648\nload const a, 4294967295\nflow add_imm a, a, -1\n");
    ck_assert_int_eq(slot_at(img, 0, 0)->arg[1], -2147483648LL);
    ck_assert_int_eq(slot_at(img, 1, 0)->arg[1], 4294967295LL);
    ck_assert_int_eq(slot_at(img, 2, 0)->arg[2], -1);
    img_free(img);
    expect_error(".word a\nload const a, 4294967296\n",
                 "a.vasm:2:15: error: immediate 4294967296 is outside -2^31 .. 2^32-1\n");
    expect_error(".word a\nload const a, -2147483649\n",
                 "a.vasm:2:15: error: immediate -2147483649 is outside -2^31 .. 2^32-1\n");
}
END_TEST

/* ---- constants ------------------------------------------------------------------ */

START_TEST(test_equ_cannot_be_redefined)
{
    expect_error(".equ X, 1\n.equ X, 2\n",
                 "a.vasm:2:6: error: 'X' is already defined (as a constant)\n"
                 "    2 | .equ X, 2\n"
                 "      |      ^\n"
                 "a.vasm:1:6: note: the first definition of 'X' is here\n");
    expect_message(".equ X, 1\n.set X, 2\n", "a.vasm:2:6: error: 'X' is an .equ constant; .set cannot change it");
}
END_TEST

START_TEST(test_set_value_is_the_latest_above_the_use)
{
    vimage *img = clean(".word a\n.set n, 1\nload const a, n\n.set n, n * 10\nload const a, n\n");
    ck_assert_int_eq(slot_at(img, 0, 0)->arg[1], 1);
    ck_assert_int_eq(slot_at(img, 1, 0)->arg[1], 10);
    img_free(img);
    expect_error(".word a\nload const a, n\n.set n, 1\n",
                 "a.vasm:2:15: error: 'n' has no value here: a .set value counts only after its .set\n");
}
END_TEST

START_TEST(test_equ_may_be_used_by_operands_before_its_definition)
{
    vimage *img = clean(".word a\nload const a, LATER + 1\n.equ LATER, 41\n");
    ck_assert_int_eq(slot_at(img, 0, 0)->arg[1], 42);
    img_free(img);
}
END_TEST

START_TEST(test_directives_need_constants_defined_above)
{
    expect_error(".rept N\nnop\n.endr\n.equ N, 2\n",
                 "a.vasm:1:7: error: .rept needs a constant, but 'N' is not defined before this line\n");
    expect_message(".word w\n.equ X, w + 1\n", "a.vasm:2:9: error: .equ needs a constant, but 'w' is a scratch variable");
}
END_TEST

/* ---- scratch ---------------------------------------------------------------------- */

START_TEST(test_named_scratch_becomes_symbols_and_relocations)
{
    vimage *img = clean(".word acc, tmp[4]\n.vec vals[32]\n"
                        "alu + tmp[2], acc, vals[3] + 5\n"
                        "valu + vals[31], vals, vals[1]\n");
    const img_symbol *acc = symbol(img, "acc"), *tmp = symbol(img, "tmp"), *vals = symbol(img, "vals");
    ck_assert_int_eq(acc->kind, IMG_SYM_SCRATCH);
    ck_assert_uint_eq(acc->size, 1);
    ck_assert_uint_eq(tmp->size, 4);
    ck_assert_uint_eq(vals->size, 256);
    ck_assert_int_eq(vals->flags & IMG_SYMF_FIXED, 0);
    ck_assert_int_eq(vals->binding, IMG_BIND_LOCAL);
    expect_reloc(img, 0, 0, IMG_REL_SCRATCH, "tmp", 2);
    expect_reloc(img, 0, 1, IMG_REL_SCRATCH, "acc", 0);
    expect_reloc(img, 0, 2, IMG_REL_SCRATCH, "vals", 3 * 8 + 5);
    expect_reloc(img, 1, 0, IMG_REL_SCRATCH, "vals", 31 * 8);
    img_free(img);
}
END_TEST

START_TEST(test_fixed_scratch_is_a_plain_address)
{
    vimage *img = clean(".word zero @ 0\n.vec hi @ 1528\nvalu + hi, hi, hi\nalu + zero, zero, hi + 7\n");
    const isa_slot *s = slot_at(img, 0, 0);
    ck_assert_int_eq(s->arg[0], 1528);
    ck_assert_int_eq(slot_at(img, 1, 0)->arg[2], 1535);
    ck_assert_uint_eq(img->nrelocs, 0);
    const img_symbol *hi = symbol(img, "hi");
    ck_assert_int_ne(hi->flags & IMG_SYMF_FIXED, 0);
    ck_assert_uint_eq(hi->value, 1528);
    ck_assert_uint_eq(hi->size, 8);
    img_free(img);
    expect_error(".vec v @ 1530\n", "a.vasm:1:10: error: 'v' at 1530..1537 is outside scratch (0..1535)\n");
}
END_TEST

START_TEST(test_vector_operand_must_fit_its_declaration_over_8_lanes)
{
    expect_error(".vec v[4]\nvalu + v[3] + 1, v, v\n",
                 "a.vasm:2:8: error: vector operand v+25 covers words 25..32 of 'v', which has 32 (0..31)\n"
                 "    2 | valu + v[3] + 1, v, v\n"
                 "      |        ^~~~~~~~\n"
                 "a.vasm:1:6: note: 'v' is declared here\n");
    expect_message(".word w\nvalu + w, w, w\n", "error: vector operand w+0 covers words 0..7 of 'w', which has 1 (0..0)");
    expect_message(".word t[2]\nalu + t + 2, t, t\n", "a.vasm:2:7: error: t+2 is outside 't', which has 2 words (0..1)");
}
END_TEST

START_TEST(test_index_outside_the_array_is_an_error)
{
    expect_error(".vec vals[32]\nvalu + vals[32], vals, vals\n",
                 "a.vasm:2:8: error: index 32 is outside 'vals' (vals[0..31])\n");
}
END_TEST

START_TEST(test_plain_numbers_pass_at_each_kinds_limit_and_fail_one_past)
{
    /* Bind checks slots of plain numbers against per-op limits and leaves
     * the explanation to isa_check_slot: both must agree at the edges. */
    img_free(clean("alu + 1535, 1535, 0\nvalu + 1528, 0, 1528\nload const 0, 4294967295\n"
                   "load const 1, -2147483648\nflow jump -2147483648\nflow cond_jump_rel 3, 4294967295\n"));
    expect_error("alu + 0, 1536, 0\n", "a.vasm:1:10: error: scratch address 1536 is outside scratch (0..1535)\n");
    expect_error("valu + 0, 0, 1529\n", "a.vasm:1:14: error: vector operand 1529..1536 is outside scratch (0..1535)\n");
    expect_error("alu + 0, -1, 0\n", "a.vasm:1:10: error: scratch address -1 is outside scratch (0..1535)\n");
    expect_error("flow jump -2147483649\n", "a.vasm:1:11: error: immediate -2147483649 is outside -2^31 .. 2^32-1\n");
}
END_TEST

START_TEST(test_absolute_operands_are_checked_against_scratch)
{
    expect_error("alu + 1536, 0, 0\n", "a.vasm:1:7: error: scratch address 1536 is outside scratch (0..1535)\n");
    expect_error("valu + 1529, 0, 0\n", "a.vasm:1:8: error: vector operand 1529..1536 is outside scratch (0..1535)\n");
    expect_error("load load_offset 1530, 0, 6\n",
                 "a.vasm:1:18: error: scratch address 1530 + offset 6 = 1536 is outside scratch (0..1535)\n");
}
END_TEST

START_TEST(test_linker_places_scratch_fixed_first_then_first_fit)
{
    vimage *obj = clean(".word zero @ 0\n.word a\n.vec v\nload const a, 1\nvalu + v, v, v\n");
    vimage *exe = link_one(obj);
    ck_assert_int_eq(slot_at(exe, 0, 0)->arg[0], 1);
    ck_assert_int_eq(slot_at(exe, 1, 0)->arg[0], 2);
    img_free(exe);
    img_free(obj);
}
END_TEST

/* ---- labels -------------------------------------------------------------------------- */

START_TEST(test_jump_to_a_label_is_relocated)
{
    vimage *obj = clean("start: nop\nloop: flow jump loop\nflow cond_jump 0, start\nload const 5, loop\n");
    const img_symbol *loop = symbol(obj, "loop");
    ck_assert_int_eq(loop->kind, IMG_SYM_LABEL);
    ck_assert_uint_eq(loop->value, 1);
    expect_reloc(obj, 0, 0, IMG_REL_CODE_ABS, "loop", 0);
    expect_reloc(obj, 1, 1, IMG_REL_CODE_ABS, "start", 0);
    expect_reloc(obj, 2, 1, IMG_REL_CODE_ABS, "loop", 0);
    vimage *exe = link_one(obj);
    ck_assert_int_eq(slot_at(exe, 1, 0)->arg[0], 1);
    ck_assert_int_eq(slot_at(exe, 3, 0)->arg[1], 1);
    img_free(exe);
    img_free(obj);
}
END_TEST

START_TEST(test_relative_jump_to_a_label_of_the_file_is_computed)
{
    vimage *obj = clean("loop: nop\nflow cond_jump_rel 0, loop\nflow cond_jump_rel 0, done\nnop\ndone: nop\n");
    /* ISA.md: pc = pc + off, pc already at the next bundle. */
    ck_assert_int_eq(slot_at(obj, 1, 0)->arg[1], 0 - (1 + 1));
    ck_assert_int_eq(slot_at(obj, 2, 0)->arg[1], 4 - (2 + 1));
    ck_assert_uint_eq(obj->nrelocs, 0);
    img_free(obj);
}
END_TEST

START_TEST(test_label_difference_is_a_constant)
{
    vimage *obj = clean("a: nop\nnop\nb: load const 3, b - a + 10\n");
    ck_assert_int_eq(slot_at(obj, 2, 0)->arg[1], 12);
    img_free(obj);
}
END_TEST

START_TEST(test_only_symbol_plus_constant_is_relocatable)
{
    expect_error("x: load const 3, x * 2\n",
                 "a.vasm:1:18: error: expression is not a constant or symbol+offset\n");
    vimage *obj = clean("x: load const 3, 4 + x - 1\n");
    expect_reloc(obj, 0, 1, IMG_REL_CODE_ABS, "x", 3);
    img_free(obj);
}
END_TEST

START_TEST(test_label_and_scratch_are_not_interchangeable)
{
    expect_error("x: alu + x, 0, 0\n",
                 "a.vasm:1:10: error: 'x' is a code label, but this operand is a scratch address\n");
    expect_error(".word w\nflow jump w\n",
                 "a.vasm:2:11: error: 'w' is a scratch variable, but this operand is a code target\n");
}
END_TEST

START_TEST(test_undefined_and_duplicate_symbols)
{
    expect_error("flow jump nowhere\n", "a.vasm:1:11: error: undefined symbol 'nowhere'\n");
    expect_error("x: nop\nx: nop\n",
                 "a.vasm:2:1: error: 'x' is already defined (as a code label)\n"
                 "    2 | x: nop\n"
                 "      | ^\n"
                 "a.vasm:1:1: note: the first definition of 'x' is here\n");
    expect_message(".word x\nx: nop\n", "a.vasm:2:1: error: 'x' is already defined (as a scratch variable)");
}
END_TEST

/* ---- slots ------------------------------------------------------------------------------ */

START_TEST(test_unknown_op_and_wrong_engine)
{
    expect_error("alu ad 1, 2, 3\n", "a.vasm:1:5: error: unknown op 'ad' on the alu engine\n");
    expect_error("valu vselect 0, 8, 16, 24\n",
                 "a.vasm:1:6: error: 'vselect' is not an op of the valu engine; it runs on the flow engine\n");
    expect_error("load cdiv 1, 2, 3\n",
                 "a.vasm:1:6: error: 'cdiv' is not an op of the load engine; it runs on the alu and valu engines\n");
}
END_TEST

START_TEST(test_an_unknown_op_suggests_the_nearest_op_of_its_engine_or_the_binop_a_word_names)
{
    expect_error("flow hlt\n", "a.vasm:1:6: error: unknown op 'hlt' on the flow engine; did you mean 'halt'?\n");
    expect_error("alu add 1, 2, 3\n", "a.vasm:1:5: error: unknown op 'add' on the alu engine; did you mean '+'?\n");
    expect_error("valu XOR 0, 8, 16\n", "a.vasm:1:6: error: unknown op 'XOR' on the valu engine; did you mean '^'?\n");
    expect_error("load frobnicate 1\n", "a.vasm:1:6: error: unknown op 'frobnicate' on the load engine\n");
}
END_TEST

START_TEST(test_an_undefined_symbol_suggests_the_nearest_defined_one)
{
    expect_error(".word counter\nalu + countr, counter, counter\n",
                 "a.vasm:2:7: error: undefined symbol 'countr'; did you mean 'counter'?\n");
    expect_error(".word counter\nalu + zzz, counter, counter\n", "a.vasm:2:7: error: undefined symbol 'zzz'\n");
}
END_TEST

START_TEST(test_an_unknown_directive_suggests_the_nearest_directive)
{
    expect_error(".wrod x\n", "a.vasm:1:1: error: unknown directive '.wrod'; did you mean '.word'?\n");
    expect_error(".inclde \"x.inc\"\n", "a.vasm:1:1: error: unknown directive '.inclde'; did you mean '.include'?\n");
    expect_error(".frobnicate\n", "a.vasm:1:1: error: unknown directive '.frobnicate'\n");
}
END_TEST

START_TEST(test_a_failed_include_does_not_cascade_into_more_errors_on_its_line)
{
    result r = assemble(".include nope.inc\n");
    ck_assert_ptr_null(r.obj);
    ck_assert_int_eq(r.errors, 1);
    ck_assert_ptr_nonnull(strstr(r.messages, "a.vasm:1:10: error: unexpected 'nope', expected string"));
    ck_assert_ptr_nonnull(strstr(r.messages, "note: a string, such as a file name, is written in double quotes"));
    ck_assert_ptr_null(strstr(r.messages, ".inc'"));
    release(&r);
    r = assemble(".include \"nope.inc\"\n.include \"nope.inc\"\n");   /* each line still reported */
    ck_assert_int_eq(r.errors, 2);
    release(&r);
    r = assemble(".include nope.inc\n.bogus\n");   /* the next line is scanned as usual */
    ck_assert_int_eq(r.errors, 2);
    ck_assert_ptr_nonnull(strstr(r.messages, "a.vasm:2:1: error: unknown directive '.bogus'"));
    release(&r);
}
END_TEST

START_TEST(test_operand_count_is_checked)
{
    expect_error("alu + 1, 2\n",
                 "a.vasm:1:1: error: alu + takes 3 operands (dest, src, src), but has 2\n"
                 "    1 | alu + 1, 2\n"
                 "      | ^~~~~~~~~~\n");
    expect_error("flow halt 1\n", "a.vasm:1:1: error: flow halt takes 0 operands (), but has 1\n");
    expect_error("debug compare 1, 0, 0, hash_stage\n",
                 "a.vasm:1:1: error: debug compare takes 5 operands (src, round, item, key, stage), but has 4\n");
    expect_error("debug compare 1, 0, 0, val, 2\n",
                 "a.vasm:1:1: error: debug compare takes 4 operands (src, round, item, key), but has 5\n");
}
END_TEST

START_TEST(test_trace_keys_and_comments_encode)
{
    vimage *obj = clean("< debug compare 1, 2, 3, hash_stage, 4 ; debug vcompare 8, 0, 1, wrapped_idx ; "
                        "debug comment \"a;b \\\"c\\\"\" >\n");
    const isa_slot *c = slot_at(obj, 0, 0);
    ck_assert_int_eq(c->arg[3], isa_find_trace_key("hash_stage"));
    ck_assert_int_eq(c->arg[4], 4);
    ck_assert_int_eq(slot_at(obj, 0, 1)->arg[3], isa_find_trace_key("wrapped_idx"));
    ck_assert_int_eq(slot_at(obj, 0, 1)->arg[4], 0);
    ck_assert_str_eq(img_string(obj, (uint32_t)slot_at(obj, 0, 2)->arg[0]), "a;b \"c\"");
    img_free(obj);
    expect_error("debug compare 1, 0, 0, foo\n",
                 "a.vasm:1:24: error: expected a trace key (idx, val, node_val, hash_stage, hashed_val, next_idx, "
                 "wrapped_idx)\n");
    expect_error("debug compare 1, 0, 0, hash_stage, 6\n", "a.vasm:1:36: error: bad stage 6 for trace key hash_stage\n");
}
END_TEST

START_TEST(test_slot_limits_per_engine_with_a_note_on_each_extra_slot)
{
    const char *line = "< load const 1, 1 ; load const 2, 2 ; load const 3, 3 ; load const 4, 4 >";
    char src[128], want[1024], bundle_caret[128];
    snprintf(src, sizeof src, "%s\n", line);
    memset(bundle_caret, '~', strlen(line) - 1);
    bundle_caret[strlen(line) - 1] = '\0';
    snprintf(want, sizeof want,
             "a.vasm:1:1: error: this bundle has 4 load slots, but the load engine takes at most 2 per bundle\n"
             "    1 | %s\n"
             "      | ^%s\n"
             "a.vasm:1:39: note: load slot 3 of 4 (one too many)\n"
             "    1 | %s\n"
             "      |                                       ^~~~~~~~~~~~~~~\n"
             "a.vasm:1:57: note: load slot 4 of 4 (one too many)\n",
             line, bundle_caret, line);
    expect_error(src, want);
    /* Each engine's own limit, from isa.def. */
    for (int e = 0; e < ISA_ENGINE_COUNT; e++) {
        static const char *slot[] = {"alu + 1, 2, 3", "valu + 0, 8, 16", "load const 1, 2", "store store 1, 2",
                                     "flow pause", "debug comment \"\""};
        char big[8192] = "<";
        for (int i = 0; i <= isa_engines[e].slot_limit; i++)
            snprintf(big + strlen(big), sizeof big - strlen(big), "%s %s", i ? " ;" : "", slot[e]);
        strcat(big, " >\n");
        result r = assemble(big);
        ck_assert_ptr_null(r.obj);
        ck_assert_ptr_nonnull(strstr(r.messages, "takes at most"));
        release(&r);
        /* Exactly at the limit is fine. */
        *strrchr(big, ';') = '\0';
        strcat(big, " >\n");
        r = assemble_with(big, &(asm_options){0}, 0);
        ck_assert_msg(r.obj != NULL, "%s", r.messages);
        release(&r);
    }
}
END_TEST

/* ---- modules ---------------------------------------------------------------------------- */

START_TEST(test_global_and_extern_symbols)
{
    vimage *obj = clean(".global main, buf, K\n.extern sbuf, far, cfar, k\n.word buf\n.equ K, 7\n"
                        "main: alu + sbuf, sbuf + 1, buf\n"
                        "flow jump far\n"
                        "flow cond_jump_rel 0, cfar + 2\n"
                        "load const buf, k\n");
    ck_assert_int_eq(symbol(obj, "main")->binding, IMG_BIND_GLOBAL);
    ck_assert_int_eq(symbol(obj, "buf")->binding, IMG_BIND_GLOBAL);
    ck_assert_int_eq(symbol(obj, "K")->kind, IMG_SYM_CONST);
    ck_assert_uint_eq(symbol(obj, "K")->value, 7);
    ck_assert_int_eq(symbol(obj, "sbuf")->binding, IMG_BIND_EXTERN);
    ck_assert_int_eq(symbol(obj, "sbuf")->kind, IMG_SYM_SCRATCH);
    ck_assert_int_eq(symbol(obj, "far")->kind, IMG_SYM_LABEL);
    ck_assert_int_eq(symbol(obj, "k")->kind, IMG_SYM_CONST);
    expect_reloc(obj, 0, 1, IMG_REL_SCRATCH, "sbuf", 1);
    expect_reloc(obj, 1, 0, IMG_REL_CODE_ABS, "far", 0);
    expect_reloc(obj, 2, 1, IMG_REL_CODE_REL, "cfar", 2);
    expect_reloc(obj, 3, 1, IMG_REL_CONST, "k", 0);
    img_free(obj);
}
END_TEST

START_TEST(test_extern_used_two_ways_is_an_error)
{
    expect_error(".extern x\nalu + x, 0, 0\nflow jump x\n",
                 "a.vasm:3:11: error: external 'x' is used here as a code label, but elsewhere as a scratch address\n");
}
END_TEST

START_TEST(test_global_must_be_defined)
{
    expect_error(".global nothing\n", "a.vasm:1:9: error: 'nothing' is declared .global but not defined in this module\n");
    expect_message(".set s, 1\n.global s\n", "a.vasm:2:9: error: 's' is a .set value, which changes");
    expect_message(".extern e\ne: nop\n", "a.vasm:2:1: error: 'e' is declared .extern");
}
END_TEST

START_TEST(test_entry_claims_the_label_at_the_first_bundle)
{
    vimage *obj = clean(".entry start\nstart: nop\n");
    ck_assert_int_ne(symbol(obj, "start")->flags & IMG_SYMF_ENTRY, 0);
    img_free(obj);
    obj = clean(".entry\nnop\n");
    ck_assert_int_ne(symbol(obj, "_entry")->flags & IMG_SYMF_ENTRY, 0);
    ck_assert_uint_eq(symbol(obj, "_entry")->value, 0);
    img_free(obj);
    expect_error(".entry later\nnop\nlater: nop\n",
                 "a.vasm:1:8: error: the entry label 'later' is at bundle 1; it must be at the module's first bundle (0)\n");
}
END_TEST

START_TEST(test_two_modules_link_through_globals)
{
    vimage *a = clean(".extern helper, shared\n.entry\nflow jump helper\nalu + shared, shared, shared\n");
    vimage *b = clean(".global helper, shared\n.word pad[3], shared\nhelper: flow halt\n");
    lnk_input in[2] = {{b, "b.vasm"}, {a, "a.vasm"}};
    diag *d = diag_new(stderr, "test");
    vimage *exe = lnk_link(in, 2, NULL, d);
    diag_free(d);
    ck_assert_ptr_nonnull(exe);
    /* a claims the entry, so it goes first: helper is bundle 2. */
    ck_assert_int_eq(slot_at(exe, 0, 0)->arg[0], 2);
    ck_assert_int_eq(slot_at(exe, 1, 0)->arg[0], 3);   /* after pad[0..2] */
    img_free(exe);
    img_free(a);
    img_free(b);
}
END_TEST

/* ---- macros ------------------------------------------------------------------------------ */

START_TEST(test_macro_parameters_stand_for_ops_engines_and_operands)
{
    vimage *obj = clean(".vec a, t1, t2, c, k\n"
                        ".macro stage op1, cst, op2, sh, amount\n"
                        "    < valu \\op1 t1, a, \\cst ; valu \\sh t2, a, \\amount >\n"
                        "    valu \\op2 a, t1, t2\n"
                        ".endm\n"
                        ".macro on eng, op, d\n"
                        "    \\eng \\op \\d, \\d, \\d\n"
                        ".endm\n"
                        "stage +, c, +, <<, k\n"
                        "stage ^, c, ^, >>, k\n"
                        "on alu, cdiv, 3\n"
                        "on valu, ==, 8\n");
    ck_assert_uint_eq(obj->nbundles, 6);
    ck_assert_int_eq(slot_at(obj, 0, 0)->op, op_of("valu", "+"));
    ck_assert_int_eq(slot_at(obj, 0, 1)->op, op_of("valu", "<<"));
    ck_assert_int_eq(slot_at(obj, 1, 0)->op, op_of("valu", "+"));
    ck_assert_int_eq(slot_at(obj, 2, 0)->op, op_of("valu", "^"));
    ck_assert_int_eq(slot_at(obj, 2, 1)->op, op_of("valu", ">>"));
    ck_assert_int_eq(slot_at(obj, 4, 0)->op, op_of("alu", "cdiv"));
    ck_assert_int_eq(slot_at(obj, 4, 0)->arg[2], 3);
    ck_assert_int_eq(slot_at(obj, 5, 0)->op, op_of("valu", "=="));
    expect_reloc(obj, 0, 2, IMG_REL_SCRATCH, "c", 0);
    img_free(obj);
}
END_TEST

START_TEST(test_macro_defaults_and_argument_counts)
{
    vimage *obj = clean(".word a\n.macro set2 d, v=7\nload const \\d, \\v\n.endm\nset2 a\nset2 a, 9\n");
    ck_assert_int_eq(slot_at(obj, 0, 0)->arg[1], 7);
    ck_assert_int_eq(slot_at(obj, 1, 0)->arg[1], 9);
    img_free(obj);
    expect_message(".macro m a\nnop\n.endm\nm 1, 2\n", "a.vasm:4:6: error: macro 'm' takes 1 argument, but has 2");
    expect_message(".macro m a\nnop\n.endm\nm\n", "a.vasm:4:1: error: macro 'm' needs an argument for its parameter 'a'");
    expect_message(".macro m a\nalu + \\b, 0, 0\n.endm\nm 1\n", "a.vasm:2:7: error: macro 'm' has no parameter 'b'");
    expect_message(".macro m\nnop\n.endm\n.macro m\nnop\n.endm\n", "a.vasm:4:1: error: macro 'm' is already defined");
}
END_TEST

START_TEST(test_macro_labels_are_private_to_each_call)
{
    vimage *obj = clean(".word r, one\n"
                        ".macro countdown x\n"
                        "again:\n"
                        "    alu - \\x, \\x, one\n"
                        "    flow cond_jump_rel \\x, again\n"
                        ".endm\n"
                        "countdown r\n"
                        "countdown r\n");
    ck_assert_int_eq(slot_at(obj, 1, 0)->arg[1], -2);
    ck_assert_int_eq(slot_at(obj, 3, 0)->arg[1], -2);
    ck_assert_ptr_nonnull(symbol(obj, "again.1"));
    ck_assert_uint_eq(symbol(obj, "again.2")->value, 2);
    img_free(obj);
}
END_TEST

START_TEST(test_macro_called_in_a_bundle_adds_its_slots_there)
{
    vimage *obj = clean(".macro two a, b\n< alu + \\a, \\a, \\a ; alu + \\b, \\b, \\b >\n.endm\n"
                        "< two 1, 2 ; load const 3, 4 ; two 5, 6 >\n");
    ck_assert_uint_eq(obj->nbundles, 1);
    ck_assert_uint_eq(obj->bundle_start[1], 5);
    ck_assert_int_eq(slot_at(obj, 0, 1)->arg[0], 2);
    ck_assert_int_eq(slot_at(obj, 0, 2)->op, op_of("load", "const"));
    ck_assert_int_eq(slot_at(obj, 0, 4)->arg[0], 6);
    img_free(obj);
    expect_message(".macro l\nx: nop\n.endm\n< l >\n", "error: label 'x' inside a bundle");
}
END_TEST

START_TEST(test_macro_recursion_has_a_limit)
{
    char want[128];
    snprintf(want, sizeof want, "error: macro calls nested more than %d deep (does 'r' call itself without end?)",
             ASM_MAX_MACRO_DEPTH);
    expect_message(".macro r\nr\n.endm\nr\n", want);
    /* Recursion that stops is fine. */
    vimage *obj = clean(".macro down n\n.if \\n > 0\nnop\ndown \\n - 1\n.endif\n.endm\ndown 5\n");
    ck_assert_uint_eq(obj->nbundles, 5);
    img_free(obj);
}
END_TEST

START_TEST(test_macro_arguments_are_evaluated_at_the_call)
{
    vimage *obj = clean(".macro put v\n.for i = 0, 2\nload const i, \\v\n.endfor\n.endm\n"
                        ".for i = 10, 12\nput i\n.endfor\n");
    /* Inside put, i counts 0..1 again; \v keeps the caller's i. */
    int64_t want[][2] = {{0, 10}, {1, 10}, {0, 11}, {1, 11}};
    for (uint32_t b = 0; b < 4; b++) {
        ck_assert_int_eq(slot_at(obj, b, 0)->arg[0], want[b][0]);
        ck_assert_int_eq(slot_at(obj, b, 0)->arg[1], want[b][1]);
    }
    img_free(obj);
}
END_TEST

START_TEST(test_unknown_macro_hints_at_a_missing_engine)
{
    expect_error("vbroadcast 0, 8\n",
                 "a.vasm:1:1: error: unknown macro 'vbroadcast'\n"
                 "    1 | vbroadcast 0, 8\n"
                 "      | ^~~~~~~~~~\n"
                 "a.vasm:1:1: note: 'vbroadcast' is an op of the valu engine: a slot starts with its engine, as in "
                 "'valu vbroadcast ...'\n");
}
END_TEST

START_TEST(test_errors_in_expansions_note_the_call)
{
    expect_error(".macro bad\nalu ad 1, 2, 3\n.endm\nbad\n",
                 "a.vasm:2:5: error: unknown op 'ad' on the alu engine\n"
                 "    2 | alu ad 1, 2, 3\n"
                 "      |     ^~\n"
                 "a.vasm:4:1: note: in expansion of macro 'bad' from here\n");
}
END_TEST

/* ---- repetition and conditions --------------------------------------------------------------- */

START_TEST(test_rept_and_for_repeat_like_range)
{
    vimage *obj = clean(".rept 3\nnop\n.endr\n"
                        ".for i = 0, 8, 3\nload const i, i * 2\n.endfor\n"
                        ".for j = 2, -1, -1\nload const j, 0\n.endfor\n"
                        ".rept 0\nnop\n.endr\n");
    ck_assert_uint_eq(obj->nbundles, 3 + 3 + 3);
    int64_t want[] = {0, 3, 6, 2, 1, 0};
    for (uint32_t i = 0; i < 6; i++)
        ck_assert_int_eq(slot_at(obj, 3 + i, 0)->arg[0], want[i]);
    ck_assert_int_eq(slot_at(obj, 5, 0)->arg[1], 12);
    img_free(obj);
}
END_TEST

START_TEST(test_for_variable_exists_only_inside_the_loop)
{
    expect_message(".for i = 0, 1\nnop\n.endfor\nload const 0, i\n", "a.vasm:4:15: error: undefined symbol 'i'");
    expect_message(".word i\n.for i = 0, 1\nnop\n.endfor\n", "a.vasm:2:6: error: loop variable 'i' is already defined");
}
END_TEST

START_TEST(test_repetition_limits)
{
    char want[96];
    snprintf(want, sizeof want, "a.vasm:1:7: error: .rept count %d is outside 0..%d", ASM_MAX_REPEAT + 1, ASM_MAX_REPEAT);
    char src[64];
    snprintf(src, sizeof src, ".rept %d\n.endr\n", ASM_MAX_REPEAT + 1);
    expect_error(src, want);
    expect_error(".rept -1\n.endr\n", "a.vasm:1:7: error: .rept count -1 is outside");
    expect_error(".for i = 0, 3, 0\n.endfor\n", "a.vasm:1:16: error: .for step must not be 0\n");
    snprintf(src, sizeof src, ".for i = 0, %d\n.endfor\n", ASM_MAX_REPEAT + 1);
    snprintf(want, sizeof want, "a.vasm:1:1: error: .for runs %d times, over the limit of %d", ASM_MAX_REPEAT + 1,
             ASM_MAX_REPEAT);
    expect_error(src, want);
}
END_TEST

START_TEST(test_a_lowered_program_limit_stops_expansion_at_that_many_bundles)
{
    asm_options opt;
    asm_options_init(&opt);
    opt.max_bundles = 10;
    /* ten bundles fit; the eleventh is the error, and expansion stops */
    result ok = assemble_with(".rept 10\nalu + 1, 2, 3\n.endr\n", &opt, 0);
    ck_assert_msg(ok.obj != NULL, "%s", ok.messages);
    release(&ok);
    result r = assemble_with(".rept 1000\nalu + 1, 2, 3\n.endr\n", &opt, 0);
    ck_assert_ptr_null(r.obj);
    ck_assert_int_eq(r.errors, 1);
    ck_assert_msg(strstr(r.messages, "error: the program grows past the limit of 10 bundles") != NULL, "%s",
                  r.messages);
    release(&r);
}
END_TEST

START_TEST(test_error_in_a_loop_names_the_iteration)
{
    expect_error(".vec v[4]\n.for i = 0, 8\nvalu + v[i], v, v\n.endfor\n",
                 "a.vasm:3:8: error: index 4 is outside 'v' (v[0..3])\n"
                 "    3 | valu + v[i], v, v\n"
                 "      |        ^~~~\n"
                 "a.vasm:2:1: note: with i = 4 in this .for\n");
}
END_TEST

START_TEST(test_if_chooses_one_arm)
{
    vimage *obj = clean(".equ N, 8\n"
                        ".if N > 8\nload const 1, 1\n.elif N == 8\nload const 1, 2\n.else\nload const 1, 3\n.endif\n"
                        ".ifdef N\nload const 1, 4\n.endif\n.ifndef M\nload const 1, 5\n.else\nload const 1, 6\n.endif\n"
                        ".if 0\nalu bogus 1, 2, 3\n.endif\n");
    ck_assert_uint_eq(obj->nbundles, 3);
    ck_assert_int_eq(slot_at(obj, 0, 0)->arg[1], 2);
    ck_assert_int_eq(slot_at(obj, 1, 0)->arg[1], 4);
    ck_assert_int_eq(slot_at(obj, 2, 0)->arg[1], 5);
    img_free(obj);
}
END_TEST

START_TEST(test_error_and_warning_directives)
{
    expect_error(".if 1\n.error \"N must be even\"\n.endif\n", "a.vasm:2:1: error: N must be even\n");
    result r = assemble(".warning \"slow\"\nnop\n");
    ck_assert_ptr_nonnull(r.obj);
    ck_assert_int_eq(r.warnings, 1);
    ck_assert_ptr_nonnull(strstr(r.messages, "a.vasm:1:1: warning: slow [-Wuser]"));
    release(&r);
}
END_TEST

/* ---- includes and -D ---------------------------------------------------------------------- */

static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void make_tmpdir(void)
{
    testdir_make(tmpdir, sizeof tmpdir, "check_asm");
    char sub[96];
    snprintf(sub, sizeof sub, "%s/inc", tmpdir);
    mkdir(sub, 0700);
}

static void remove_tmpdir(void) { testdir_remove(tmpdir); }

static result assemble_file(const char *name, const asm_options *opt)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    result r;
    size_t size;
    FILE *f = open_memstream(&r.messages, &size);
    diag *d = diag_new(f, "test");
    r.obj = asm_assemble_file(path, opt, d);
    r.errors = diag_error_count(d);
    r.warnings = diag_warning_count(d);
    diag_free(d);
    fclose(f);
    return r;
}

START_TEST(test_include_searches_beside_the_file_then_the_dirs)
{
    make_tmpdir();
    write_file("main.vasm", ".include \"near.inc\"\n.include \"far.inc\"\nload const 1, NEAR + FAR\n");
    write_file("near.inc", ".equ NEAR, 1\n");
    write_file("inc/far.inc", ".equ FAR, 2\n");
    char dir[96];
    snprintf(dir, sizeof dir, "%s/inc", tmpdir);
    const char *dirs[] = {dir};
    asm_options opt;
    asm_options_init(&opt);
    opt.include_dirs = dirs;
    opt.ninclude_dirs = 1;
    result r = assemble_file("main.vasm", &opt);
    ck_assert_msg(r.obj != NULL, "%s", r.messages);
    ck_assert_int_eq(slot_at(r.obj, 0, 0)->arg[1], 3);
    release(&r);
    opt.ninclude_dirs = 0;
    r = assemble_file("main.vasm", &opt);
    ck_assert_ptr_null(r.obj);
    ck_assert_ptr_nonnull(strstr(r.messages, "main.vasm:2:10: error: include file 'far.inc' not found"));
    release(&r);
    remove_tmpdir();
}
END_TEST

START_TEST(test_error_in_an_included_file_notes_the_include)
{
    make_tmpdir();
    write_file("main.vasm", "nop\n.include \"bad.inc\"\n");
    write_file("bad.inc", "alu + 1, 2\n");
    asm_options opt;
    asm_options_init(&opt);
    result r = assemble_file("main.vasm", &opt);
    ck_assert_ptr_null(r.obj);
    char want[512];
    snprintf(want, sizeof want,
             "%s/bad.inc:1:1: error: alu + takes 3 operands (dest, src, src), but has 2\n"
             "    1 | alu + 1, 2\n"
             "      | ^~~~~~~~~~\n"
             "%s/main.vasm:2:1: note: in file included from here\n"
             "    2 | .include \"bad.inc\"\n",
             tmpdir, tmpdir);
    ck_assert_msg(strncmp(r.messages, want, strlen(want)) == 0, "got:\n%s", r.messages);
    release(&r);
    remove_tmpdir();
}
END_TEST

START_TEST(test_self_include_hits_the_depth_limit)
{
    make_tmpdir();
    write_file("loop.vasm", ".include \"loop.vasm\"\n");
    asm_options opt;
    asm_options_init(&opt);
    result r = assemble_file("loop.vasm", &opt);
    ck_assert_ptr_null(r.obj);
    char want[96];
    snprintf(want, sizeof want, "error: .include nested more than %d deep", ASM_MAX_INCLUDE_DEPTH);
    ck_assert_ptr_nonnull(strstr(r.messages, want));
    ck_assert_int_eq(r.errors, 1);
    release(&r);
    remove_tmpdir();
}
END_TEST

START_TEST(test_command_line_defines)
{
    const char *defs[] = {"A=3*4", "B"};
    asm_options opt;
    asm_options_init(&opt);
    opt.defines = defs;
    opt.ndefines = 2;
    result r = assemble_with(".ifndef C\n.equ C, 100\n.endif\nload const 1, A + B + C\n", &opt, 0);
    ck_assert_msg(r.obj != NULL, "%s", r.messages);
    ck_assert_int_eq(slot_at(r.obj, 0, 0)->arg[1], 12 + 1 + 100);
    release(&r);
    const char *bad[] = {"X=1+"};
    opt.defines = bad;
    opt.ndefines = 1;
    r = assemble_with("nop\n", &opt, 0);
    ck_assert_ptr_null(r.obj);
    ck_assert_ptr_nonnull(strstr(r.messages, "<command line>:1:"));
    release(&r);
}
END_TEST

/* ---- warnings ------------------------------------------------------------------------------ */

START_TEST(test_double_write_warns_on_the_same_symbol_only)
{
    result r = assemble(".word acc, other\n< alu + acc, 0, 0 ; alu - other, 0, 0 ; load const acc, 1 >\n");
    ck_assert_ptr_nonnull(r.obj);
    ck_assert_int_eq(r.warnings, 1);
    ck_assert_msg(strncmp(r.messages,
                          "a.vasm:2:41: warning: slots 1 and 3 of this bundle both write 'acc'; the later slot's "
                          "value is kept [-Wdouble-write]\n",
                          100) == 0,
                  "%s", r.messages);
    ck_assert_ptr_nonnull(strstr(r.messages, "a.vasm:2:3: note: the earlier write is here"));
    release(&r);
    /* Vectors overlapping in part; absolute words. */
    r = assemble(".vec v[2]\n< valu + v[0] + 4, v, v ; valu + v[1], v, v >\n< alu + 5, 0, 0 ; valu + 0, 8, 8 >\n");
    ck_assert_int_eq(r.warnings, 2);
    ck_assert_ptr_nonnull(strstr(r.messages, "both write 'v'+8..+11"));
    ck_assert_ptr_nonnull(strstr(r.messages, "both write scratch 5"));
    release(&r);
    /* Off on request. */
    asm_options opt;
    asm_options_init(&opt);
    opt.warnings &= ~ASM_W_DOUBLE_WRITE;
    r = assemble_with("< alu + 5, 0, 0 ; alu + 5, 0, 0 >\n", &opt, 0);
    ck_assert_int_eq(r.warnings, 0);
    release(&r);
}
END_TEST

/* Bundles of plain numbers, the bulk of generated code, are checked on a
 * shortcut (bind marks the clean ones, layout skips them): the warnings
 * must still be exactly those the ISA's ranges give, pair by pair and
 * line by line, computed here from isa_slot_writes and isa_slot_reads. */
static int ranges_meet(const isa_range *a, int na, const isa_range *b, int nb)
{
    for (int x = 0; x < na; x++)
        for (int y = 0; y < nb; y++)
            if (a[x].first < b[y].first + b[y].count && b[y].first < a[x].first + a[x].count)
                return 1;
    return 0;
}

START_TEST(test_plain_bundles_warn_exactly_where_the_isa_ranges_meet)
{
    enum { LINES = 400, MOST = 5 };
    const int ops[] = {ISA_OP_ALU_ADD, ISA_OP_VALU_ADD, ISA_OP_CONST, ISA_OP_LOAD, ISA_OP_VLOAD,
                       ISA_OP_LOAD_OFFSET, ISA_OP_ADD_IMM, ISA_OP_SELECT, ISA_OP_STORE};
    static char src[LINES * 160];
    static int doubles[LINES + 1], reads[LINES + 1];
    size_t len = 0;
    uint32_t seed = 12345;
    for (int line = 1; line <= LINES; line++) {
        /* Runs of single slots (which layout skips 64 at a time), then bundles. */
        int n = (line / 80) % 2 ? 1 : 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % MOST;
        isa_slot slots[MOST];
        int count[ISA_ENGINE_COUNT] = {0};
        for (int k = 0; k < n; k++) {
            int op;
            do {
                seed = seed * 1103515245u + 12345u;
                op = ops[(seed >> 16) % (sizeof ops / sizeof ops[0])];
            } while (count[isa_ops[op].engine] == isa_engines[isa_ops[op].engine].slot_limit);
            count[isa_ops[op].engine]++;
            slots[k] = (isa_slot){.op = (uint16_t)op};
            for (int a = 0; a < isa_ops[op].nargs; a++) {
                seed = seed * 1103515245u + 12345u;
                slots[k].arg[a] = isa_ops[op].kinds[a] == 'i' && op == ISA_OP_LOAD_OFFSET ? (seed >> 16) % 8
                                                                                          : (seed >> 16) % 24;
            }
        }
        len += (size_t)snprintf(src + len, sizeof src - len, n > 1 ? "< " : "");
        for (int k = 0; k < n; k++) {
            char text[96];
            isa_format_slot(text, sizeof text, &slots[k], NULL);
            len += (size_t)snprintf(src + len, sizeof src - len, "%s%s", k ? " ; " : "", text);
        }
        len += (size_t)snprintf(src + len, sizeof src - len, n > 1 ? " >\n" : "\n");
        isa_range w[MOST][ISA_MAX_RANGES], r[MOST][ISA_MAX_RANGES];
        int nw[MOST], nr[MOST];
        for (int k = 0; k < n; k++) {
            nw[k] = isa_slot_writes(&slots[k], w[k]);
            nr[k] = isa_slot_reads(&slots[k], r[k]);
        }
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++) {
                doubles[line] += i < j && ranges_meet(w[j], nw[j], w[i], nw[i]);
                reads[line] += i != j && ranges_meet(r[j], nr[j], w[i], nw[i]);
            }
    }
    for (int with_reads = 0; with_reads < 2; with_reads++) {
        asm_options opt;
        asm_options_init(&opt);
        if (with_reads)
            opt.warnings |= ASM_W_SAME_BUNDLE_READ;
        result res = assemble_with(src, &opt, 0);
        ck_assert_msg(res.obj && res.errors == 0, "%s", res.messages);
        int got[LINES + 1] = {0}, want = 0;
        for (const char *m = res.messages; (m = strstr(m, "a.vasm:")) != NULL; m++) {
            int line, col, end = 0;
            if (sscanf(m, "a.vasm:%d:%d: warning:%n", &line, &col, &end) == 2 && end > 0)
                got[line]++;
        }
        for (int line = 1; line <= LINES; line++) {
            int expect = doubles[line] + (with_reads ? reads[line] : 0);
            want += expect;
            ck_assert_msg(got[line] == expect, "line %d: %d warnings, the ISA's ranges give %d", line, got[line],
                          expect);
        }
        ck_assert_int_eq(res.warnings, want);
        ck_assert_int_gt(want, 10);   /* the draw makes some */
        release(&res);
    }
}
END_TEST

START_TEST(test_same_bundle_read_is_off_unless_asked)
{
    const char *src = ".word a, b\n< alu + a, b, b ; alu + b, a, a >\n";
    result r = assemble(src);
    ck_assert_int_eq(r.warnings, 0);
    release(&r);
    asm_options opt;
    asm_options_init(&opt);
    opt.warnings |= ASM_W_SAME_BUNDLE_READ;
    r = assemble_with(src, &opt, 0);
    ck_assert_int_eq(r.warnings, 2);
    ck_assert_ptr_nonnull(strstr(r.messages, "a.vasm:2:3: warning: this slot reads 'b', which slot 2 of the same "
                                             "bundle writes; it reads the value from before the bundle "
                                             "[-Wsame-bundle-read]"));
    release(&r);
}
END_TEST

START_TEST(test_werror_makes_warnings_errors)
{
    asm_options opt;
    asm_options_init(&opt);
    result r = assemble_with("< alu + 5, 0, 0 ; alu + 5, 0, 0 >\n", &opt, 1);
    ck_assert_ptr_null(r.obj);
    ck_assert_int_eq(r.errors, 1);
    ck_assert_ptr_nonnull(strstr(r.messages, "error: slots 1 and 2 of this bundle both write scratch 5"));
    ck_assert_ptr_nonnull(strstr(r.messages, "[-Werror,-Wdouble-write]"));
    release(&r);
}
END_TEST

/* ---- the canonical form ----------------------------------------------------------------------- */

/* An independent reading of ISA.md's canonical form: "ENGINE OP a, b, ..."
 * with decimal operands, a trace key name (and its stage), or a quoted
 * comment. */
static void canonical_slot(char *text, isa_slot *out, char *comment)
{
    while (*text == ' ')
        text++;
    char engine[16], op[32];
    int used = 0;
    ck_assert_int_eq(sscanf(text, "%15s %31s%n", engine, op, &used), 2);
    memset(out, 0, sizeof *out);
    out->op = (uint16_t)op_of(engine, op);
    comment[0] = '\0';
    char *p = text + used;
    for (int a = 0; *p; a++) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        if (*p == '"') {
            size_t n = 0;
            for (p++; *p != '"'; p++) {
                if (*p == '\\')
                    p++;
                comment[n++] = *p;
            }
            comment[n] = '\0';
            p++;
        } else if ((*p >= '0' && *p <= '9') || *p == '-') {
            out->arg[a] = strtoll(p, &p, 10);
        } else {
            char key[32];
            int n = 0;
            while (p[n] && p[n] != ',' && p[n] != ' ')
                n++;
            snprintf(key, sizeof key, "%.*s", n, p);
            out->arg[a] = isa_find_trace_key(key);
            ck_assert_int_ge(out->arg[a], 0);
            p += n;
        }
    }
}

static char *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    *size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc(*size + 1);
    ck_assert_uint_eq(fread(text, 1, *size, f), *size);
    text[*size] = '\0';
    fclose(f);
    return text;
}

START_TEST(test_golden_programs_assemble_exactly_as_written)
{
    const char *top = getenv("top_srcdir") ? getenv("top_srcdir") : ".";
    char dirpath[1024];
    snprintf(dirpath, sizeof dirpath, "%s/tests/golden", top);
    DIR *dir = opendir(dirpath);
    ck_assert_msg(dir != NULL, "no %s", dirpath);
    int programs = 0;
    for (struct dirent *e; (e = readdir(dir));) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 5, ".vasm") != 0)
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dirpath, e->d_name);
        size_t size;
        char *text = read_all(path, &size);
        asm_options opt;
        asm_options_init(&opt);
        opt.warnings = 0;   /* the golden programs write one word twice on purpose */
        diag *d = diag_new(stderr, "test");
        vimage *obj = asm_assemble_text(e->d_name, text, size, &opt, d);
        diag_free(d);
        ck_assert_msg(obj != NULL, "%s does not assemble", e->d_name);
        uint32_t bundle = 0;
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"), bundle++) {
            char *body = line;
            size_t len = strlen(body);
            if (body[0] == '<') {
                body++;
                body[len - 2] = '\0';   /* drop "<" and " >" */
            }
            uint32_t k = 0;
            if (strcmp(body, "nop") != 0) {
                /* Split on ';' outside quotes. */
                for (char *slot = body, *q = body;; q++) {
                    int quoted = 0;
                    for (char *c = slot; c < q; c++)
                        quoted ^= *c == '"' && !(c > line && c[-1] == '\\');
                    if (*q == '\0' || (*q == ';' && !quoted)) {
                        char end = *q;
                        *q = '\0';
                        isa_slot want;
                        char comment[256];
                        canonical_slot(slot, &want, comment);
                        const isa_slot *got = slot_at(obj, bundle, k++);
                        ck_assert_int_eq(got->op, want.op);
                        for (int a = 0; a < ISA_MAX_ARGS; a++) {
                            if (a < isa_ops[want.op].nargs && isa_ops[want.op].kinds[a] == 'c')
                                ck_assert_str_eq(img_string(obj, (uint32_t)got->arg[a]), comment);
                            else
                                ck_assert_int_eq(got->arg[a], want.arg[a]);
                        }
                        if (!end)
                            break;
                        slot = q + 1;
                    }
                }
            }
            ck_assert_uint_eq(obj->bundle_start[bundle + 1] - obj->bundle_start[bundle], k);
        }
        ck_assert_uint_eq(obj->nbundles, bundle);
        img_free(obj);
        free(text);
        programs++;
    }
    closedir(dir);
    ck_assert_int_ge(programs, 12);
}
END_TEST

/* Assembles, links stripped and encodes: the bytes of the image. */
static uint8_t *stripped_image(const char *src, size_t *size)
{
    vimage *obj = clean(src);
    diag *d = diag_new(stderr, "test");
    lnk_input in = {obj, "a.vasm"};
    lnk_options opt = {.strip = 1};
    vimage *exe = lnk_link(&in, 1, &opt, d);
    diag_free(d);
    ck_assert_ptr_nonnull(exe);
    uint8_t *bytes;
    ck_assert_int_eq(img_encode(exe, &bytes, size), 0);
    img_free(exe);
    img_free(obj);
    return bytes;
}

/* An operand value valid for its kind, different for every op so that
 * packed bundles never write one word twice. */
static int64_t operand_for(int op, int a)
{
    const char *kinds = isa_ops[op].kinds;
    switch (kinds[a]) {
    case 'd': case 'e': return 1000 + op * 4 + a;
    case 's': case 'f': return 3 + op * 7 + a;
    case 'D': return 8 + 8 * op;
    case 'S': return 1528 - op - a;                  /* up to the last lane of scratch */
    case 'i':
        if (strchr(kinds, 'e'))
            return 2;                                /* load_offset's displacement */
        return op % 2 ? -2147483648LL : 4294967295LL;
    case 't': return op;                             /* a bundle of the program */
    case 'r': return -1 - op % 3;
    case 'n': return op + a;
    case 'k': return op % ISA_KEY_COUNT;
    case 'K': return isa_trace_key_takes_stage[op % ISA_KEY_COUNT] ? op % 6 : 0;
    default: return 0;                               /* c: the text is given apart */
    }
}

START_TEST(test_every_op_round_trips_through_the_text_form)
{
    /* A program generated from the ISA table, in the canonical form: every
     * op of every engine in a one-slot bundle, then every op again, packed
     * into bundles as full as each engine allows. */
    isa_slot slots[ISA_OP_COUNT];
    for (int op = 0; op < ISA_OP_COUNT; op++) {
        isa_slot *sl = &slots[op];
        memset(sl, 0, sizeof *sl);
        sl->op = (uint16_t)op;
        for (int a = 0; isa_ops[op].kinds[a]; a++)
            sl->arg[a] = operand_for(op, a);
    }
    char *src;
    size_t src_size;
    FILE *f = open_memstream(&src, &src_size);
    for (int op = 0; op < ISA_OP_COUNT; op++) {
        char text[256];
        isa_format_slot(text, sizeof text, &slots[op], "op \"quoted\" \\ text");
        fprintf(f, "%s\n", text);
    }
    for (int e = 0; e < ISA_ENGINE_COUNT; e++) {
        int in_bundle = 0;
        for (int op = 0; op < ISA_OP_COUNT; op++) {
            if (isa_ops[op].engine != (isa_engine)e)
                continue;
            if (in_bundle == isa_engines[e].slot_limit) {
                fprintf(f, " >\n");
                in_bundle = 0;
            }
            char text[256];
            isa_format_slot(text, sizeof text, &slots[op], "packed");
            fprintf(f, "%s%s", in_bundle ? " ; " : "< ", text);
            in_bundle++;
        }
        if (in_bundle)
            fprintf(f, " >\n");
    }
    fclose(f);

    size_t n1, n2;
    uint8_t *first = stripped_image(src, &n1);
    /* The slots are exactly the ones generated. */
    img_status st;
    vimage *img = img_decode(first, n1, &st);
    ck_assert_msg(img != NULL, "%s", st.detail);
    for (int op = 0; op < ISA_OP_COUNT; op++) {
        ck_assert_uint_eq(img->bundle_start[op + 1] - img->bundle_start[op], 1);
        const isa_slot *got = &img->slots[img->bundle_start[op]];
        ck_assert_int_eq(got->op, op);
        for (int a = 0; a < ISA_MAX_ARGS; a++)
            if (a < isa_ops[op].nargs && isa_ops[op].kinds[a] != 'c')
                ck_assert_int_eq(got->arg[a], slots[op].arg[a]);
    }

    char *text;
    size_t text_size;
    f = open_memstream(&text, &text_size);
    ck_assert_int_eq(dis_print(f, img, NULL), 0);
    fclose(f);
    uint8_t *second = stripped_image(text, &n2);
    ck_assert_uint_eq(n1, n2);
    ck_assert_msg(memcmp(first, second, n1) == 0, "the reassembled image differs");
    img_free(img);
    free(text);
    free(first);
    free(second);
    free(src);
}
END_TEST

START_TEST(test_assembling_twice_in_one_process_gives_the_same_object)
{
    const char *src = ".word a, b[3]\n.vec v\n.macro m x\nalu + \\x, a, b[2]\n.endm\n"
                      "top: m a\n< valu + v, v, v ; flow jump top >\ndebug comment \"x\"\n";
    vimage *one = clean(src), *two = clean(src);
    uint8_t *b1, *b2;
    size_t n1, n2;
    ck_assert_int_eq(img_encode(one, &b1, &n1), 0);
    ck_assert_int_eq(img_encode(two, &b2, &n2), 0);
    ck_assert_uint_eq(n1, n2);
    ck_assert_int_eq(memcmp(b1, b2, n1), 0);
    free(b1);
    free(b2);
    img_free(one);
    img_free(two);
    /* Nothing leaks from one run into the next: m is gone. */
    expect_error("m a\n", "a.vasm:1:1: error: unknown macro 'm'\n");
}
END_TEST

START_TEST(test_listing_shows_each_bundle_with_its_source_and_encoding)
{
    const char *src = "start:\n    < load const 3, 5 ; alu + 1, 2, 3 >\n";
    vimage *obj = clean(src);
    vimage *exe = link_one(obj);
    char *text;
    size_t size;
    FILE *f = open_memstream(&text, &size);
    asm_listing_source known = {"a.vasm", src, strlen(src)};
    ck_assert_int_eq(asm_write_listing(f, exe, &known, 1), 0);
    fclose(f);
    char want[512];
    snprintf(want, sizeof want,
             "start:\n"
             "     0  a.vasm:2      < load const 3, 5 ; alu + 1, 2, 3 >\n"
             "        0x%02x 00 00000003 00000005 00000000 00000000 00000000   load const 3, 5\n"
             "        0x%02x 00 00000001 00000002 00000003 00000000 00000000   alu + 1, 2, 3\n",
             op_of("load", "const"), op_of("alu", "+"));
    ck_assert_msg(strstr(text, want) != NULL, "got:\n%s\nwant:\n%s", text, want);
    free(text);
    img_free(exe);
    img_free(obj);
}
END_TEST

/* file:line of a slot and of its macro call ("-" when there is none). */
static void assert_slot_line(const vimage *img, uint32_t bundle, uint32_t k, uint32_t line,
                             uint32_t call_line)
{
    uint32_t slot = img->bundle_start[bundle] + k;
    img_slot_line l = img_slot_source(img, bundle, slot);
    ck_assert_ptr_nonnull(img->slot_lines);
    ck_assert_str_eq(img_string(img, l.file), "a.vasm");
    ck_assert_msg(l.line == line, "bundle %u slot %u: line %u, want %u", bundle, k, l.line, line);
    ck_assert_msg(l.call_line == call_line, "bundle %u slot %u: call line %u, want %u", bundle, k,
                  l.call_line, call_line);
    ck_assert_str_eq(img_string(img, l.call_file), call_line ? "a.vasm" : "");
}

START_TEST(test_each_slot_records_its_own_line_and_its_outermost_macro_call)
{
    const char *src = ".macro inner a\n"              /* 1 */
                      "    alu + \\a, \\a, \\a\n"       /* 2 */
                      ".endm\n"                       /* 3 */
                      ".macro outer a\n"              /* 4 */
                      "    inner \\a\n"                /* 5 */
                      "    alu - 7, \\a, \\a\n"         /* 6 */
                      ".endm\n"                       /* 7 */
                      "start:\n"                      /* 8 */
                      "    < outer 1 ; load const 2, 3 >\n"   /* 9 */
                      ".rept 2\n"                     /* 10 */
                      "    inner 4\n"                 /* 11 */
                      ".endr\n"                       /* 12 */
                      "    flow halt\n";              /* 13 */
    vimage *obj = clean(src);
    ck_assert_uint_eq(obj->nbundles, 4);
    assert_slot_line(obj, 0, 0, 2, 9);    /* inner's body, expanded by outer's call */
    assert_slot_line(obj, 0, 1, 6, 9);
    assert_slot_line(obj, 0, 2, 9, 0);
    assert_slot_line(obj, 1, 0, 2, 11);   /* a loop is not a macro: the call inside it counts */
    assert_slot_line(obj, 2, 0, 2, 11);
    assert_slot_line(obj, 3, 0, 13, 0);
    vimage *exe = link_one(obj);          /* the linker carries the map over */
    assert_slot_line(exe, 0, 1, 6, 9);
    assert_slot_line(exe, 3, 0, 13, 0);
    img_free(exe);
    img_free(obj);
}
END_TEST

/* The linker cites a relocated operand at its slot's line and at the
 * column the relocation keeps: where the operand is written, counted as
 * the assembler's own messages count (1-based, bytes); 0 for an operand
 * written on another line than its slot (a macro argument). */
START_TEST(test_relocations_keep_the_column_of_their_operand)
{
    vimage *obj = clean(".extern w, f\n"
                        ".macro m x\n"
                        "    alu + w, \x5cx, w\n"
                        ".endm\n"
                        "    alu + w + 1, w[2], w\n"
                        "    m w\n"
                        "    flow jump f\n");
    /* line 5: "    alu + w + 1, w[2], w": w + 1 at 11, w[2] at 18, w at 24 */
    static const struct { uint32_t slot; uint8_t operand; uint16_t column; } want[] = {
        {0, 0, 11}, {0, 1, 18}, {0, 2, 24},
        {1, 0, 11}, {1, 1, 0}, {1, 2, 18},   /* the macro body's line; x was written at the call */
        {2, 0, 15},
    };
    ck_assert_uint_eq(obj->nrelocs, sizeof want / sizeof want[0]);
    for (uint32_t i = 0; i < obj->nrelocs; i++) {
        const img_reloc *r = &obj->relocs[i];
        ck_assert_uint_eq(r->slot, want[i].slot);
        ck_assert_uint_eq(r->operand, want[i].operand);
        ck_assert_msg(r->column == want[i].column, "relocation %u: column %u, want %u", i, r->column,
                      want[i].column);
    }
    img_free(obj);
}
END_TEST

/* An extern array is indexed in words, bounded by its declared extent. */
START_TEST(test_extern_arrays_are_indexed_in_words_within_their_extent)
{
    vimage *obj = clean(".extern w[4], v\n    alu + w[3], v[9], w + 1\n");
    ck_assert_uint_eq(obj->nrelocs, 3);
    ck_assert_int_eq(obj->relocs[0].addend, 3);
    ck_assert_int_eq(obj->relocs[1].addend, 9);   /* no extent: the linker checks it */
    ck_assert_int_eq(obj->relocs[2].addend, 1);
    img_free(obj);
    expect_error(".extern w[4]\n    alu + w[4], w, w\n", "a.vasm:2:11: error: index 4 is outside 'w' (w[0..3])");
    expect_error(".extern w[4]\n    valu + w, w, w\n",
                 "a.vasm:2:12: error: vector operand w+0 covers words 0..7 of 'w', which has 4 (0..3)");
    expect_error(".extern v\n    alu + v[-1], v, v\n", "a.vasm:2:11: error: index -1 is outside 'v' (an index is not negative)");
    expect_error(".extern f\n    flow jump f\n    alu + f[1], f, f\n", "a.vasm:3:11: error: 'f' is");
}
END_TEST

/* The image of one source with its code deferred (asm_options.defer_code)
 * or held, linked by lnk_link_taking and encoded; NULL with the messages
 * in *messages when it does not link. */
static uint8_t *one_file_image(const char *path, int defer, int level, int strip, size_t *size, char **messages)
{
    const char *top = getenv("top_srcdir") ? getenv("top_srcdir") : ".";
    char samples[1024];
    snprintf(samples, sizeof samples, "%s/samples", top);
    const char *dirs[] = {samples};
    asm_options opt;
    asm_options_init(&opt);
    opt.include_dirs = dirs;
    opt.ninclude_dirs = 1;
    opt.opt_level = level;
    opt.defer_code = defer;
    size_t len;
    FILE *f = open_memstream(messages, &len);
    diag *d = diag_new(f, "test");
    vimage *obj = asm_assemble_file(path, &opt, d);
    lnk_options lo = {.strip = strip};
    vimage *exe = obj ? lnk_link_taking(obj, path, &lo, d) : NULL;
    uint8_t *bytes = NULL;
    if (exe)
        ck_assert_msg(img_encode(exe, &bytes, size) == 0, "%s does not encode", path);
    img_free(exe);
    img_free(obj);
    diag_free(d);
    fclose(f);
    return bytes;
}

START_TEST(test_a_one_file_build_with_its_code_deferred_writes_the_image_of_held_code)
{
    /* Every sample and golden program, at each optimization level (-O2
     * reorders slots: the program's slots are then not the object's in
     * order), and at -O1 without the line maps too. */
    const char *top = getenv("top_srcdir") ? getenv("top_srcdir") : ".";
    static const char *const dirs[] = {"samples", "tests/golden"};
    int programs = 0;
    for (int i = 0; i < 2; i++) {
        char dirpath[1024];
        snprintf(dirpath, sizeof dirpath, "%s/%s", top, dirs[i]);
        DIR *dir = opendir(dirpath);
        ck_assert_msg(dir != NULL, "no %s", dirpath);
        for (struct dirent *e; (e = readdir(dir));) {
            size_t n = strlen(e->d_name);
            if (n < 5 || strcmp(e->d_name + n - 5, ".vasm") != 0)
                continue;
            char path[2048];
            snprintf(path, sizeof path, "%s/%s", dirpath, e->d_name);
            for (int level = 0; level <= 2; level++)
                for (int strip = 0; strip < 1 + (level == 1); strip++) {
                    size_t held_size = 0, deferred_size = 0;
                    char *held_messages, *deferred_messages;
                    uint8_t *held = one_file_image(path, 0, level, strip, &held_size, &held_messages);
                    uint8_t *deferred = one_file_image(path, 1, level, strip, &deferred_size, &deferred_messages);
                    ck_assert_msg(held != NULL, "%s -O%d: %s", path, level, held_messages);
                    ck_assert_str_eq(deferred_messages, held_messages);
                    ck_assert_msg(deferred && deferred_size == held_size && memcmp(deferred, held, held_size) == 0,
                                  "%s -O%d%s: the images differ", path, level, strip ? " -s" : "");
                    free(held);
                    free(deferred);
                    free(held_messages);
                    free(deferred_messages);
                }
            programs++;
        }
        closedir(dir);
    }
    ck_assert_int_ge(programs, 15);
}
END_TEST

START_TEST(test_a_one_file_build_with_its_code_deferred_reports_link_errors_as_held_code)
{
    make_tmpdir();
    /* More scratch than there is, with relocated operands and a comment
     * (the link fails after its code was taken). */
    write_file("overflow.vasm", ".vec a[100]\n.vec b[100]\nloop:\n    debug comment \"here\"\n"
                                "    valu + a, b, a\n    flow jump loop\n");
    static const char *const names[] = {"overflow.vasm"};
    for (int i = 0; i < 1; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
        size_t size;
        char *held_messages, *deferred_messages;
        uint8_t *held = one_file_image(path, 0, 1, 0, &size, &held_messages);
        uint8_t *deferred = one_file_image(path, 1, 1, 0, &size, &deferred_messages);
        ck_assert_ptr_null(held);
        ck_assert_ptr_null(deferred);
        ck_assert_msg(strstr(held_messages, "error: scratch overflow") != NULL, "%s: %s", names[i], held_messages);
        ck_assert_str_eq(deferred_messages, held_messages);
        free(held_messages);
        free(deferred_messages);
    }
    remove_tmpdir();
}
END_TEST

/* asm_grow: the arrays of millions of slots and operands. */
START_TEST(test_a_growing_array_keeps_its_elements_and_counts_only_room_it_has)
{
    uint32_t *none = asm_grow(NULL, &(size_t){0}, 0, sizeof *none);   /* room for nothing is still an array */
    ck_assert_ptr_nonnull(none);
    free(none);
    /* (the conditions are gathered and asserted once: an assertion a
     * step is a message to Check's parent process, too slow under the
     * sanitizers for a million steps) */
    uint32_t *v = NULL;
    size_t cap = 0, n = 1000000;   /* 4 MB: past the size from which pages are asked for ahead */
    size_t short_of_need = 0, past_allocation = 0, lost = 0;
    for (size_t i = 0; i < n; i++) {
        size_t before = cap;
        v = asm_grow(v, &cap, i + 1, sizeof *v);
        short_of_need += cap < i + 1;
        past_allocation += cap != before && cap > malloc_usable_size(v) / sizeof *v;
        v[i] = (uint32_t)(i * 2654435761u);
    }
    for (size_t i = 0; i < n; i++)
        lost += v[i] != (uint32_t)(i * 2654435761u);
    ck_assert_uint_eq(short_of_need, 0);
    ck_assert_uint_eq(past_allocation, 0);
    ck_assert_uint_eq(lost, 0);
    free(v);
}
END_TEST

static Suite *asm_suite(void)
{
    Suite *s = suite_create("asm");
    TCase *tc = tcase_create("expressions");
    tcase_add_test(tc, test_expressions_follow_c_integer_semantics);
    tcase_add_test(tc, test_division_by_zero_is_an_error);
    tcase_add_test(tc, test_shift_count_outside_0_to_63_is_an_error);
    tcase_add_test(tc, test_immediates_must_lie_in_minus_2_31_to_2_32_minus_1);
    tcase_add_test(tc, test_equ_cannot_be_redefined);
    tcase_add_test(tc, test_set_value_is_the_latest_above_the_use);
    tcase_add_test(tc, test_equ_may_be_used_by_operands_before_its_definition);
    tcase_add_test(tc, test_directives_need_constants_defined_above);
    suite_add_tcase(s, tc);
    tc = tcase_create("symbols");
    tcase_add_test(tc, test_named_scratch_becomes_symbols_and_relocations);
    tcase_add_test(tc, test_fixed_scratch_is_a_plain_address);
    tcase_add_test(tc, test_vector_operand_must_fit_its_declaration_over_8_lanes);
    tcase_add_test(tc, test_index_outside_the_array_is_an_error);
    tcase_add_test(tc, test_absolute_operands_are_checked_against_scratch);
    tcase_add_test(tc, test_plain_numbers_pass_at_each_kinds_limit_and_fail_one_past);
    tcase_add_test(tc, test_linker_places_scratch_fixed_first_then_first_fit);
    tcase_add_test(tc, test_jump_to_a_label_is_relocated);
    tcase_add_test(tc, test_relative_jump_to_a_label_of_the_file_is_computed);
    tcase_add_test(tc, test_label_difference_is_a_constant);
    tcase_add_test(tc, test_only_symbol_plus_constant_is_relocatable);
    tcase_add_test(tc, test_label_and_scratch_are_not_interchangeable);
    tcase_add_test(tc, test_undefined_and_duplicate_symbols);
    tcase_add_test(tc, test_global_and_extern_symbols);
    tcase_add_test(tc, test_extern_used_two_ways_is_an_error);
    tcase_add_test(tc, test_global_must_be_defined);
    tcase_add_test(tc, test_entry_claims_the_label_at_the_first_bundle);
    tcase_add_test(tc, test_two_modules_link_through_globals);
    tcase_add_test(tc, test_relocations_keep_the_column_of_their_operand);
    tcase_add_test(tc, test_extern_arrays_are_indexed_in_words_within_their_extent);
    suite_add_tcase(s, tc);
    tc = tcase_create("slots");
    tcase_add_test(tc, test_unknown_op_and_wrong_engine);
    tcase_add_test(tc, test_an_unknown_op_suggests_the_nearest_op_of_its_engine_or_the_binop_a_word_names);
    tcase_add_test(tc, test_an_unknown_directive_suggests_the_nearest_directive);
    tcase_add_test(tc, test_an_undefined_symbol_suggests_the_nearest_defined_one);
    tcase_add_test(tc, test_a_failed_include_does_not_cascade_into_more_errors_on_its_line);
    tcase_add_test(tc, test_operand_count_is_checked);
    tcase_add_test(tc, test_trace_keys_and_comments_encode);
    tcase_add_test(tc, test_slot_limits_per_engine_with_a_note_on_each_extra_slot);
    suite_add_tcase(s, tc);
    tc = tcase_create("expansion");
    tcase_add_test(tc, test_macro_parameters_stand_for_ops_engines_and_operands);
    tcase_add_test(tc, test_macro_defaults_and_argument_counts);
    tcase_add_test(tc, test_macro_labels_are_private_to_each_call);
    tcase_add_test(tc, test_macro_called_in_a_bundle_adds_its_slots_there);
    tcase_add_test(tc, test_macro_recursion_has_a_limit);
    tcase_add_test(tc, test_macro_arguments_are_evaluated_at_the_call);
    tcase_add_test(tc, test_unknown_macro_hints_at_a_missing_engine);
    tcase_add_test(tc, test_errors_in_expansions_note_the_call);
    tcase_add_test(tc, test_rept_and_for_repeat_like_range);
    tcase_add_test(tc, test_for_variable_exists_only_inside_the_loop);
    tcase_add_test(tc, test_repetition_limits);
    tcase_add_test(tc, test_a_lowered_program_limit_stops_expansion_at_that_many_bundles);
    tcase_add_test(tc, test_error_in_a_loop_names_the_iteration);
    tcase_add_test(tc, test_if_chooses_one_arm);
    tcase_add_test(tc, test_error_and_warning_directives);
    tcase_add_test(tc, test_include_searches_beside_the_file_then_the_dirs);
    tcase_add_test(tc, test_error_in_an_included_file_notes_the_include);
    tcase_add_test(tc, test_self_include_hits_the_depth_limit);
    tcase_add_test(tc, test_command_line_defines);
    suite_add_tcase(s, tc);
    tc = tcase_create("warnings");
    tcase_add_test(tc, test_double_write_warns_on_the_same_symbol_only);
    tcase_add_test(tc, test_plain_bundles_warn_exactly_where_the_isa_ranges_meet);
    tcase_add_test(tc, test_same_bundle_read_is_off_unless_asked);
    tcase_add_test(tc, test_werror_makes_warnings_errors);
    suite_add_tcase(s, tc);
    tc = tcase_create("deferred code");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_a_one_file_build_with_its_code_deferred_writes_the_image_of_held_code);
    tcase_add_test(tc, test_a_one_file_build_with_its_code_deferred_reports_link_errors_as_held_code);
    suite_add_tcase(s, tc);
    tc = tcase_create("program");
    tcase_add_test(tc, test_a_growing_array_keeps_its_elements_and_counts_only_room_it_has);
    suite_add_tcase(s, tc);
    tc = tcase_create("canonical");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_golden_programs_assemble_exactly_as_written);
    tcase_add_test(tc, test_assembling_twice_in_one_process_gives_the_same_object);
    tcase_add_test(tc, test_every_op_round_trips_through_the_text_form);
    tcase_add_test(tc, test_listing_shows_each_bundle_with_its_source_and_encoding);
    tcase_add_test(tc, test_each_slot_records_its_own_line_and_its_outermost_macro_call);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(asm_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

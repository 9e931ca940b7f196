/*
 * check_isa: the ISA table (common/isa.def) against ISA.md, and the slot
 * checker, read/write sets and canonical text form built on it.
 *
 * Expected values are written out here from ISA.md (engines, slot limits,
 * the op list with operand counts, the text form), not taken from the
 * table under test.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isa.h"

/* ISA.md's engine table. */
static const struct { const char *name; int slots; int costs_cycle; } spec_engines[] = {
    {"alu", 12, 1}, {"valu", 6, 1}, {"load", 2, 1}, {"store", 2, 1}, {"flow", 1, 1}, {"debug", 64, 0},
};

/* ISA.md's alu operators (each also a valu op). */
static const char *const spec_binops[] = {
    "+", "-", "*", "//", "cdiv", "^", "&", "|", "<<", ">>", "%", "<", "==",
};
#define NSPEC_BINOPS (sizeof spec_binops / sizeof *spec_binops)

/* ISA.md's other ops, with the operands their source form writes (a trace
 * key "hash_stage, K" counts as the two operands k K). */
static const struct { const char *engine, *mnemonic, *kinds; } spec_ops[] = {
    {"valu", "vbroadcast", "Ds"},     {"valu", "multiply_add", "DSSS"},
    {"load", "load", "ds"},           {"load", "load_offset", "efi"},
    {"load", "vload", "Ds"},          {"load", "const", "di"},
    {"store", "store", "ss"},         {"store", "vstore", "sS"},
    {"flow", "select", "dsss"},       {"flow", "vselect", "DSSS"},
    {"flow", "add_imm", "dsi"},       {"flow", "halt", ""},
    {"flow", "pause", ""},            {"flow", "trace_write", "s"},
    {"flow", "cond_jump", "st"},      {"flow", "cond_jump_rel", "sr"},
    {"flow", "jump", "t"},            {"flow", "jump_indirect", "s"},
    {"flow", "coreid", "d"},          {"debug", "comment", "c"},
    {"debug", "compare", "snnkK"},    {"debug", "vcompare", "SnnkK"},
};
#define NSPEC_OPS (sizeof spec_ops / sizeof *spec_ops)

static isa_slot make_slot(int op, int64_t a0, int64_t a1, int64_t a2, int64_t a3, int64_t a4)
{
    isa_slot s = {.op = (uint16_t)op, .arg = {a0, a1, a2, a3, a4}};
    return s;
}

static int op_of(const char *engine, const char *mnemonic)
{
    int e = isa_find_engine(engine);
    ck_assert_int_ge(e, 0);
    return isa_find_op((isa_engine)e, mnemonic);
}

/* Checks a slot and returns the offending operand, or -2 if it is valid. */
static int rejected_arg(isa_slot s)
{
    char why[160];
    int bad;
    if (isa_check_slot(&s, why, sizeof why, &bad) == 0)
        return -2;
    ck_assert_msg(why[0] != '\0', "a rejection must say why");
    return bad;
}

/* ------------------------------------------------------------------ */
/* The table */

START_TEST(test_engines_match_the_spec_table)
{
    ck_assert_int_eq(ISA_ENGINE_COUNT, sizeof spec_engines / sizeof *spec_engines);
    for (size_t i = 0; i < sizeof spec_engines / sizeof *spec_engines; i++) {
        int e = isa_find_engine(spec_engines[i].name);
        ck_assert_msg(e >= 0, "engine %s missing", spec_engines[i].name);
        ck_assert_int_eq(isa_engines[e].slot_limit, spec_engines[i].slots);
        ck_assert_int_eq(isa_engines[e].costs_cycle, spec_engines[i].costs_cycle);
    }
    ck_assert_int_eq(isa_find_engine("fpu"), -1);
}
END_TEST

START_TEST(test_every_binop_is_an_alu_dss_and_a_valu_DSS_op)
{
    ck_assert_int_eq(ISA_BINOP_COUNT, NSPEC_BINOPS);
    for (size_t b = 0; b < NSPEC_BINOPS; b++) {
        int alu = op_of("alu", spec_binops[b]), valu = op_of("valu", spec_binops[b]);
        ck_assert_msg(alu >= 0 && valu >= 0, "binop %s missing", spec_binops[b]);
        ck_assert_str_eq(isa_ops[alu].kinds, "dss");
        ck_assert_str_eq(isa_ops[valu].kinds, "DSS");
        ck_assert_int_eq(isa_ops[alu].binop, isa_ops[valu].binop);
        ck_assert_int_ge(isa_ops[alu].binop, 0);
        ck_assert_str_eq(isa_binop_names[isa_ops[alu].binop], spec_binops[b]);
        ck_assert_uint_eq(isa_engines_with_op(spec_binops[b]),
                          (1u << ISA_ENG_ALU) | (1u << ISA_ENG_VALU));
    }
}
END_TEST

START_TEST(test_every_spec_op_has_its_engine_and_operand_kinds)
{
    ck_assert_int_eq(ISA_OP_COUNT, 2 * NSPEC_BINOPS + NSPEC_OPS);
    for (size_t i = 0; i < NSPEC_OPS; i++) {
        int op = op_of(spec_ops[i].engine, spec_ops[i].mnemonic);
        ck_assert_msg(op >= 0, "%s %s missing", spec_ops[i].engine, spec_ops[i].mnemonic);
        ck_assert_str_eq(isa_ops[op].kinds, spec_ops[i].kinds);
        ck_assert_int_eq(isa_ops[op].binop, -1);
    }
    /* "vselect runs on the flow engine", not the valu */
    ck_assert_uint_eq(isa_engines_with_op("vselect"), 1u << ISA_ENG_FLOW);
    ck_assert_int_eq(op_of("valu", "vselect"), -1);
}
END_TEST

START_TEST(test_op_names_are_unique_per_engine)
{
    for (int a = 0; a < ISA_OP_COUNT; a++)
        for (int b = a + 1; b < ISA_OP_COUNT; b++)
            ck_assert_msg(!(isa_ops[a].engine == isa_ops[b].engine &&
                            strcmp(isa_ops[a].mnemonic, isa_ops[b].mnemonic) == 0),
                          "ops %d and %d are both %s %s", a, b, isa_engines[isa_ops[a].engine].name,
                          isa_ops[a].mnemonic);
}
END_TEST

START_TEST(test_find_op_round_trips_every_op)
{
    for (int op = 0; op < ISA_OP_COUNT; op++) {
        ck_assert_int_eq(isa_find_op(isa_ops[op].engine, isa_ops[op].mnemonic), op);
        ck_assert_int_eq(isa_find_engine(isa_engines[isa_ops[op].engine].name),
                         (int)isa_ops[op].engine);
        ck_assert(isa_engines_with_op(isa_ops[op].mnemonic) & (1u << isa_ops[op].engine));
    }
    ck_assert_int_eq(isa_find_op(ISA_ENG_ALU, "vbroadcast"), -1);
    ck_assert_int_eq(isa_find_op(ISA_ENG_ALU, "ad"), -1);
}
END_TEST

/* The hashed index finds what the linear search finds, by a spelling's
 * exact length (text need not end there). */
START_TEST(test_op_index_finds_every_op_by_its_spelling_and_length)
{
    isa_op_index t;
    isa_op_index_init(&t);
    for (int op = 0; op < ISA_OP_COUNT; op++) {
        const char *m = isa_ops[op].mnemonic;
        ck_assert_int_eq(isa_op_index_find(&t, (int)isa_ops[op].engine, m, strlen(m)), op);
    }
    ck_assert_int_eq(isa_op_index_find(&t, ISA_ENG_LOAD, "const 1, 2", 5), isa_find_op(ISA_ENG_LOAD, "const"));
    ck_assert_int_eq(isa_op_index_find(&t, ISA_ENG_LOAD, "cons", 4), -1);
    ck_assert_int_eq(isa_op_index_find(&t, ISA_ENG_ALU, "<<", 1), isa_find_op(ISA_ENG_ALU, "<"));
    ck_assert_int_eq(isa_op_index_find(&t, ISA_ENG_ALU, "vbroadcast", 10), -1);
    ck_assert_int_eq(isa_op_index_find(&t, ISA_ENG_VALU, "+", 1), isa_find_op(ISA_ENG_VALU, "+"));
}
END_TEST

START_TEST(test_operand_kinds_are_well_formed)
{
    for (int op = 0; op < ISA_OP_COUNT; op++) {
        const char *k = isa_ops[op].kinds;
        ck_assert_int_eq(isa_ops[op].nargs, (int)strlen(k));
        ck_assert_int_le(isa_ops[op].nargs, ISA_MAX_ARGS);
        for (int a = 0; k[a]; a++) {
            ck_assert_msg(strchr("dDsSefitrnkKc", k[a]), "op %d: unknown kind %c", op, k[a]);
            /* a trace key is always followed by its stage, and only it */
            ck_assert_int_eq(k[a] == 'k', k[a + 1] == 'K');
            /* displaced operands need the immediate that displaces them */
            if (k[a] == 'e' || k[a] == 'f')
                ck_assert_ptr_nonnull(strchr(k, 'i'));
        }
        /* the alu is scalar */
        if (isa_ops[op].engine == ISA_ENG_ALU)
            ck_assert_ptr_null(strpbrk(k, "DS"));
    }
}
END_TEST

START_TEST(test_trace_keys_match_the_workload)
{
    static const char *const keys[] = {"idx", "val", "node_val", "hash_stage", "hashed_val",
                                       "next_idx", "wrapped_idx"};
    ck_assert_int_eq(ISA_KEY_COUNT, sizeof keys / sizeof *keys);
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        int k = isa_find_trace_key(keys[i]);
        ck_assert_int_ge(k, 0);
        ck_assert_int_eq(isa_trace_key_takes_stage[k], strcmp(keys[i], "hash_stage") == 0);
    }
    ck_assert_int_eq(isa_find_trace_key("hash"), -1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* isa_check_slot */

START_TEST(test_vector_dest_is_checked_over_all_eight_lanes)
{
    int add = op_of("valu", "+");
    ck_assert_int_eq(rejected_arg(make_slot(add, 1528, 0, 0, 0, 0)), -2);   /* 1528..1535 */
    ck_assert_int_eq(rejected_arg(make_slot(add, 1529, 0, 0, 0, 0)), 0);    /* 1529..1536 */
    ck_assert_int_eq(rejected_arg(make_slot(add, 0, 1529, 0, 0, 0)), 1);
    ck_assert_int_eq(rejected_arg(make_slot(add, 0, 0, 1529, 0, 0)), 2);
    int vload = op_of("load", "vload");
    ck_assert_int_eq(rejected_arg(make_slot(vload, 1529, 1535, 0, 0, 0)), 0);
    ck_assert_int_eq(rejected_arg(make_slot(vload, 1528, 1535, 0, 0, 0)), -2);
    int vcompare = op_of("debug", "vcompare");
    ck_assert_int_eq(rejected_arg(make_slot(vcompare, 1529, 0, 0, ISA_KEY_VAL, 0)), 0);
}
END_TEST

START_TEST(test_scalar_operands_must_lie_in_scratch)
{
    int add = op_of("alu", "+");
    ck_assert_int_eq(rejected_arg(make_slot(add, 1535, 1535, 1535, 0, 0)), -2);
    ck_assert_int_eq(rejected_arg(make_slot(add, 1536, 0, 0, 0, 0)), 0);
    ck_assert_int_eq(rejected_arg(make_slot(add, 0, -1, 0, 0, 0)), 1);
    int vbroadcast = op_of("valu", "vbroadcast");
    ck_assert_int_eq(rejected_arg(make_slot(vbroadcast, 0, 1535, 0, 0, 0)), -2);   /* scalar source */
}
END_TEST

START_TEST(test_load_offset_checks_the_displaced_words)
{
    int lo = op_of("load", "load_offset");
    ck_assert_int_eq(rejected_arg(make_slot(lo, 1530, 0, 5, 0, 0)), -2);    /* dest 1535 */
    ck_assert_int_eq(rejected_arg(make_slot(lo, 1531, 0, 5, 0, 0)), 0);     /* dest 1536 */
    ck_assert_int_eq(rejected_arg(make_slot(lo, 0, 1531, 5, 0, 0)), 1);     /* addr 1536 */
    ck_assert_int_eq(rejected_arg(make_slot(lo, 10, 10, -10, 0, 0)), -2);   /* words 0, 0 */
    ck_assert_int_eq(rejected_arg(make_slot(lo, 10, 20, -11, 0, 0)), 0);    /* dest -1 */
    ck_assert_int_eq(rejected_arg(make_slot(lo, 20, 10, -11, 0, 0)), 1);    /* addr -1 */
}
END_TEST

START_TEST(test_operands_at_the_64_bit_limits_are_rejected_without_overflow)
{
    /* Before encoding, operands are 64-bit: a vector's last lane and a
     * displaced word are sums that must not overflow (UBSan checks). */
    int vadd = op_of("valu", "-");
    ck_assert_int_eq(rejected_arg(make_slot(vadd, 0, 15, INT64_MAX, 0, 0)), 2);
    int lo = op_of("load", "load_offset");
    ck_assert_int_eq(rejected_arg(make_slot(lo, INT64_MAX, 0, 5, 0, 0)), 0);
    ck_assert_int_eq(rejected_arg(make_slot(lo, 5, 0, INT64_MAX, 0, 0)), 0);
    char why[160];
    int bad;
    isa_slot s = make_slot(vadd, 0, 15, INT64_MAX, 0, 0);
    ck_assert_int_eq(isa_check_slot(&s, why, sizeof why, &bad), -1);
    ck_assert_str_eq(why, "scratch address 9223372036854775807 is outside scratch (0..1535)");
}
END_TEST

START_TEST(test_immediates_span_minus_2_31_to_2_32_minus_1)
{
    const int64_t lo = -2147483648LL, hi = 4294967295LL;
    struct { int op; int imm_arg; } imms[] = {
        {op_of("load", "const"), 1}, {op_of("flow", "add_imm"), 2},
        {op_of("flow", "jump"), 0}, {op_of("flow", "cond_jump"), 1},
        {op_of("flow", "cond_jump_rel"), 1},
    };
    for (size_t i = 0; i < sizeof imms / sizeof *imms; i++) {
        isa_slot s = make_slot(imms[i].op, 0, 0, 0, 0, 0);
        int a = imms[i].imm_arg;
        s.arg[a] = lo;
        ck_assert_int_eq(rejected_arg(s), -2);
        s.arg[a] = hi;
        ck_assert_int_eq(rejected_arg(s), -2);
        s.arg[a] = lo - 1;
        ck_assert_int_eq(rejected_arg(s), a);
        s.arg[a] = hi + 1;
        ck_assert_int_eq(rejected_arg(s), a);
    }
}
END_TEST

START_TEST(test_trace_key_stage_rules)
{
    int cmp = op_of("debug", "compare");
    ck_assert_int_eq(rejected_arg(make_slot(cmp, 5, 0, 0, ISA_KEY_VAL, 0)), -2);
    /* only hash_stage takes a stage */
    ck_assert_int_eq(rejected_arg(make_slot(cmp, 5, 0, 0, ISA_KEY_VAL, 1)), 4);
    for (int k = 0; k <= 5; k++)
        ck_assert_int_eq(rejected_arg(make_slot(cmp, 5, 0, 0, ISA_KEY_HASH_STAGE, k)), -2);
    ck_assert_int_eq(rejected_arg(make_slot(cmp, 5, 0, 0, ISA_KEY_HASH_STAGE, 6)), 4);
    ck_assert_int_eq(rejected_arg(make_slot(cmp, 5, 0, 0, ISA_KEY_HASH_STAGE, -1)), 4);
    ck_assert_int_eq(rejected_arg(make_slot(cmp, 5, 0, 0, ISA_KEY_COUNT, 0)), 3);
    ck_assert_int_eq(rejected_arg(make_slot(cmp, 5, 0, 0, -1, 0)), 3);
    /* round and item are non-negative */
    ck_assert_int_eq(rejected_arg(make_slot(cmp, 5, -1, 0, ISA_KEY_IDX, 0)), 1);
    ck_assert_int_eq(rejected_arg(make_slot(cmp, 5, 0, -1, ISA_KEY_IDX, 0)), 2);
}
END_TEST

START_TEST(test_operands_beyond_the_op_must_be_zero)
{
    ck_assert_int_eq(rejected_arg(make_slot(op_of("alu", "+"), 1, 2, 3, 4, 0)), 3);
    ck_assert_int_eq(rejected_arg(make_slot(op_of("flow", "halt"), 1, 0, 0, 0, 0)), 0);
    ck_assert_int_eq(rejected_arg(make_slot(op_of("flow", "halt"), 0, 0, 0, 0, 0)), -2);
    ck_assert_int_eq(rejected_arg(make_slot(op_of("flow", "jump"), 3, 0, 0, 0, 7)), 4);
}
END_TEST

START_TEST(test_unknown_op_is_rejected)
{
    ck_assert_int_eq(rejected_arg(make_slot(ISA_OP_COUNT, 0, 0, 0, 0, 0)), -1);
    ck_assert_int_eq(rejected_arg(make_slot(0xFFFF, 0, 0, 0, 0, 0)), -1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Read and write sets */

static int has_range(const isa_range *r, int n, uint32_t first, uint32_t count)
{
    for (int i = 0; i < n; i++)
        if (r[i].first == first && r[i].count == count)
            return 1;
    return 0;
}

START_TEST(test_read_write_sets_follow_the_op_semantics)
{
    isa_range r[ISA_MAX_RANGES];
    isa_slot s = make_slot(op_of("alu", "+"), 10, 11, 12, 0, 0);
    ck_assert_int_eq(isa_slot_writes(&s, r), 1);
    ck_assert(has_range(r, 1, 10, 1));
    ck_assert_int_eq(isa_slot_reads(&s, r), 2);
    ck_assert(has_range(r, 2, 11, 1) && has_range(r, 2, 12, 1));

    s = make_slot(op_of("valu", "multiply_add"), 16, 24, 32, 40, 0);
    ck_assert_int_eq(isa_slot_writes(&s, r), 1);
    ck_assert(has_range(r, 1, 16, 8));
    ck_assert_int_eq(isa_slot_reads(&s, r), 3);
    ck_assert(has_range(r, 3, 24, 8) && has_range(r, 3, 32, 8) && has_range(r, 3, 40, 8));

    /* s[dest+off] = m[s[addr+off]] */
    s = make_slot(op_of("load", "load_offset"), 100, 200, 3, 0, 0);
    ck_assert_int_eq(isa_slot_writes(&s, r), 1);
    ck_assert(has_range(r, 1, 103, 1));
    ck_assert_int_eq(isa_slot_reads(&s, r), 1);
    ck_assert(has_range(r, 1, 203, 1));

    /* vstore reads the address word and 8 source lanes; writes memory only */
    s = make_slot(op_of("store", "vstore"), 5, 40, 0, 0, 0);
    ck_assert_int_eq(isa_slot_writes(&s, r), 0);
    ck_assert_int_eq(isa_slot_reads(&s, r), 2);
    ck_assert(has_range(r, 2, 5, 1) && has_range(r, 2, 40, 8));

    /* vload: scalar address, vector destination */
    s = make_slot(op_of("load", "vload"), 64, 7, 0, 0, 0);
    ck_assert_int_eq(isa_slot_writes(&s, r), 1);
    ck_assert(has_range(r, 1, 64, 8));
    ck_assert_int_eq(isa_slot_reads(&s, r), 1);
    ck_assert(has_range(r, 1, 7, 1));

    s = make_slot(op_of("load", "const"), 9, -1, 0, 0, 0);
    ck_assert_int_eq(isa_slot_writes(&s, r), 1);
    ck_assert(has_range(r, 1, 9, 1));
    ck_assert_int_eq(isa_slot_reads(&s, r), 0);

    s = make_slot(op_of("flow", "cond_jump"), 4, 100, 0, 0, 0);
    ck_assert_int_eq(isa_slot_writes(&s, r), 0);
    ck_assert_int_eq(isa_slot_reads(&s, r), 1);
    ck_assert(has_range(r, 1, 4, 1));

    s = make_slot(op_of("flow", "halt"), 0, 0, 0, 0, 0);
    ck_assert_int_eq(isa_slot_writes(&s, r), 0);
    ck_assert_int_eq(isa_slot_reads(&s, r), 0);

    s = make_slot(op_of("debug", "vcompare"), 300, 1, 2, ISA_KEY_VAL, 0);
    ck_assert_int_eq(isa_slot_writes(&s, r), 0);
    ck_assert_int_eq(isa_slot_reads(&s, r), 1);
    ck_assert(has_range(r, 1, 300, 8));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Canonical text form */

static void assert_text(isa_slot s, const char *comment, const char *want)
{
    char buf[256];
    size_t n = isa_format_slot(buf, sizeof buf, &s, comment);
    ck_assert_str_eq(buf, want);
    ck_assert_uint_eq(n, strlen(want));
}

START_TEST(test_binops_print_as_engine_op_and_three_operands)
{
    char want[64];
    for (size_t b = 0; b < NSPEC_BINOPS; b++) {
        snprintf(want, sizeof want, "alu %s 10, 11, 12", spec_binops[b]);
        assert_text(make_slot(op_of("alu", spec_binops[b]), 10, 11, 12, 0, 0), NULL, want);
        snprintf(want, sizeof want, "valu %s 0, 8, 1528", spec_binops[b]);
        assert_text(make_slot(op_of("valu", spec_binops[b]), 0, 8, 1528, 0, 0), NULL, want);
    }
}
END_TEST

START_TEST(test_every_other_op_prints_its_canonical_form)
{
    static const struct { const char *engine, *mnemonic; int64_t arg[5]; const char *want; } cases[] = {
        {"valu", "vbroadcast", {1, 2}, "valu vbroadcast 1, 2"},
        {"valu", "multiply_add", {8, 16, 24, 32}, "valu multiply_add 8, 16, 24, 32"},
        {"load", "load", {13, 14}, "load load 13, 14"},
        {"load", "load_offset", {953, 1019, 7}, "load load_offset 953, 1019, 7"},
        {"load", "load_offset", {20, 30, -4}, "load load_offset 20, 30, -4"},
        {"load", "vload", {496, 1029}, "load vload 496, 1029"},
        {"load", "const", {0, 2127912214}, "load const 0, 2127912214"},
        {"load", "const", {0, -2147483648LL}, "load const 0, -2147483648"},
        {"load", "const", {0, 4294967295LL}, "load const 0, 4294967295"},
        {"store", "store", {1036, 506}, "store store 1036, 506"},
        {"store", "vstore", {1035, 1104}, "store vstore 1035, 1104"},
        {"flow", "select", {1, 2, 3, 4}, "flow select 1, 2, 3, 4"},
        {"flow", "vselect", {40, 48, 56, 64}, "flow vselect 40, 48, 56, 64"},
        {"flow", "add_imm", {1535, 1091, 2564406809LL}, "flow add_imm 1535, 1091, 2564406809"},
        {"flow", "halt", {0}, "flow halt"},
        {"flow", "pause", {0}, "flow pause"},
        {"flow", "trace_write", {1242}, "flow trace_write 1242"},
        {"flow", "cond_jump", {3, 17}, "flow cond_jump 3, 17"},
        {"flow", "cond_jump_rel", {1092, -8}, "flow cond_jump_rel 1092, -8"},
        {"flow", "jump", {6}, "flow jump 6"},
        {"flow", "jump_indirect", {1096}, "flow jump_indirect 1096"},
        {"flow", "coreid", {7}, "flow coreid 7"},
        {"debug", "compare", {1163, 5, 172, ISA_KEY_VAL, 0}, "debug compare 1163, 5, 172, val"},
        {"debug", "vcompare", {228, 1, 45, ISA_KEY_HASH_STAGE, 5},
         "debug vcompare 228, 1, 45, hash_stage, 5"},
        {"debug", "vcompare", {1049, 13, 41, ISA_KEY_NODE_VAL, 0},
         "debug vcompare 1049, 13, 41, node_val"},
    };
    int seen[ISA_OP_COUNT] = {0};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int op = op_of(cases[i].engine, cases[i].mnemonic);
        ck_assert_int_ge(op, 0);
        seen[op] = 1;
        isa_slot s = {.op = (uint16_t)op};
        memcpy(s.arg, cases[i].arg, sizeof s.arg);
        assert_text(s, NULL, cases[i].want);
    }
    seen[op_of("debug", "comment")] = 1;   /* test_comment_text_is_quoted_and_escaped */
    for (int op = 0; op < ISA_OP_COUNT; op++)
        ck_assert_msg(seen[op] || isa_ops[op].binop >= 0, "no text case for %s %s",
                      isa_engines[isa_ops[op].engine].name, isa_ops[op].mnemonic);
}
END_TEST

START_TEST(test_comment_text_is_quoted_and_escaped)
{
    isa_slot s = make_slot(op_of("debug", "comment"), 1, 0, 0, 0, 0);
    assert_text(s, "m1E2Ed9 gp=7Vvt(N", "debug comment \"m1E2Ed9 gp=7Vvt(N\"");
    assert_text(s, "say \"hi\" \\ ok", "debug comment \"say \\\"hi\\\" \\\\ ok\"");
    assert_text(s, "", "debug comment \"\"");
    assert_text(s, NULL, "debug comment \"\"");
    assert_text(s, "# not a comment ; < >", "debug comment \"# not a comment ; < >\"");
}
END_TEST

START_TEST(test_format_reports_full_length_when_truncated)
{
    isa_slot s = make_slot(op_of("alu", "+"), 10, 11, 12, 0, 0);
    char buf[8];
    size_t n = isa_format_slot(buf, sizeof buf, &s, NULL);
    ck_assert_uint_eq(n, strlen("alu + 10, 11, 12"));
    ck_assert_str_eq(buf, "alu + 1");
}
END_TEST

static Suite *isa_suite(void)
{
    Suite *s = suite_create("isa");
    TCase *table = tcase_create("table");
    tcase_add_test(table, test_engines_match_the_spec_table);
    tcase_add_test(table, test_every_binop_is_an_alu_dss_and_a_valu_DSS_op);
    tcase_add_test(table, test_every_spec_op_has_its_engine_and_operand_kinds);
    tcase_add_test(table, test_op_names_are_unique_per_engine);
    tcase_add_test(table, test_find_op_round_trips_every_op);
    tcase_add_test(table, test_op_index_finds_every_op_by_its_spelling_and_length);
    tcase_add_test(table, test_operand_kinds_are_well_formed);
    tcase_add_test(table, test_trace_keys_match_the_workload);
    suite_add_tcase(s, table);

    TCase *check = tcase_create("check_slot");
    tcase_add_test(check, test_vector_dest_is_checked_over_all_eight_lanes);
    tcase_add_test(check, test_scalar_operands_must_lie_in_scratch);
    tcase_add_test(check, test_load_offset_checks_the_displaced_words);
    tcase_add_test(check, test_operands_at_the_64_bit_limits_are_rejected_without_overflow);
    tcase_add_test(check, test_immediates_span_minus_2_31_to_2_32_minus_1);
    tcase_add_test(check, test_trace_key_stage_rules);
    tcase_add_test(check, test_operands_beyond_the_op_must_be_zero);
    tcase_add_test(check, test_unknown_op_is_rejected);
    suite_add_tcase(s, check);

    TCase *sets = tcase_create("read_write_sets");
    tcase_add_test(sets, test_read_write_sets_follow_the_op_semantics);
    suite_add_tcase(s, sets);

    TCase *text = tcase_create("text_form");
    tcase_add_test(text, test_binops_print_as_engine_op_and_three_operands);
    tcase_add_test(text, test_every_other_op_prints_its_canonical_form);
    tcase_add_test(text, test_comment_text_is_quoted_and_escaped);
    tcase_add_test(text, test_format_reports_full_length_when_truncated);
    suite_add_tcase(s, text);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(isa_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * The machine (sim/machine.c) and the checking-run harness
 * (sim/harness.c) against the rules of ISA.md and WORKLOAD.md.
 *
 * Programs are built with the image builder API.  Expected values come
 * from ISA.md's rules, computed here independently of the simulator (the
 * reference binop below works in 64 bits and masks, the simulator in 32).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "image.h"
#include "isa.h"
#include "machine.h"

#define M32 0xFFFFFFFFull

/* ------------------------------------------------------------------------
 * Building and running programs
 */

static vimage *img;
static uint32_t next_line;
static sim_program *prog;
static sim_machine *mach;

static void setup(void)
{
    img = img_new(IMG_EXECUTABLE);
    next_line = 0;
    prog = NULL;
    mach = NULL;
}

static void teardown(void)
{
    sim_free(mach);
    sim_program_free(prog);
    img_free(img);
}

/* Starts a bundle; its source line is its index + 1 in "t.vasm". */
static void bundle(void)
{
    img_begin_bundle(img, "t.vasm", ++next_line);
}

static void add(int op, const int64_t args[ISA_MAX_ARGS])
{
    isa_slot s = {.op = (uint16_t)op};
    memcpy(s.arg, args, sizeof s.arg);
    img_add_slot(img, &s);
}

#define SLOT(op, ...) add(ISA_OP_##op, (const int64_t[ISA_MAX_ARGS]){__VA_ARGS__})
#define ALU(bin, d, a, b) add(ISA_OP_ALU_##bin, (const int64_t[ISA_MAX_ARGS]){d, a, b})
#define VALU(bin, d, a, b) add(ISA_OP_VALU_##bin, (const int64_t[ISA_MAX_ARGS]){d, a, b})

static void comment(const char *text)
{
    add(ISA_OP_COMMENT, (const int64_t[ISA_MAX_ARGS]){img_intern(img, text)});
}

/* Fake reference for checking runs: round r, item i, key k, stage s has the
 * value r*1000 + i*10 + k + s; rounds >= 5 are not in it. */
static int fake_lookup(void *ctx, uint32_t round, uint32_t item, isa_trace_key key,
                       uint32_t stage, uint32_t *value)
{
    (void)ctx;
    if (round >= 5)
        return -1;
    *value = round * 1000 + item * 10 + (uint32_t)key + stage;
    return 0;
}

static sim_machine *load_machine(int cores, const uint32_t *mem, size_t words,
                                 uint64_t max_cycles, int checking)
{
    char why[256];
    prog = sim_program_new(img, why, sizeof why);
    ck_assert_msg(prog != NULL, "program rejected: %s", why);
    sim_config cfg = SIM_CONFIG_DEFAULT;
    cfg.cores = cores;
    cfg.max_cycles = max_cycles;
    cfg.checking = checking;
    cfg.lookup = fake_lookup;
    mach = sim_new(prog, &cfg, mem, words, why, sizeof why);
    ck_assert_msg(mach != NULL, "machine rejected: %s", why);
    return mach;
}

/* Runs the program built so far on one core with 64 words of zero memory. */
static sim_status run1(void)
{
    static const uint32_t zeros[64];
    load_machine(1, zeros, 64, 0, 0);
    return sim_run(mach);
}

static uint32_t scratch(int core, uint32_t addr)
{
    return sim_scratch_const(mach, core)[addr];
}

static uint32_t memory(uint32_t addr)
{
    size_t words;
    const uint32_t *m = sim_memory_const(mach, &words);
    ck_assert_uint_lt(addr, words);
    return m[addr];
}

/* ------------------------------------------------------------------------
 * Reference semantics of the binops (ISA.md table), in 64-bit arithmetic.
 * Returns -1 for a division or modulo by zero.
 */
static int ref_binop(isa_binop op, uint32_t x, uint32_t y, uint32_t *out)
{
    uint64_t X = x, Y = y;
    switch (op) {
    case ISA_BIN_ADD: *out = (uint32_t)((X + Y) & M32); return 0;
    case ISA_BIN_SUB: *out = (uint32_t)((X + (1ull << 32) - Y) & M32); return 0;
    case ISA_BIN_MUL: *out = (uint32_t)((X * Y) & M32); return 0;
    case ISA_BIN_DIV: if (!Y) return -1; *out = (uint32_t)(X / Y); return 0;
    case ISA_BIN_CDIV: if (!Y) return -1; *out = (uint32_t)((X + Y - 1) / Y); return 0;
    case ISA_BIN_XOR: *out = (uint32_t)(X ^ Y); return 0;
    case ISA_BIN_AND: *out = (uint32_t)(X & Y); return 0;
    case ISA_BIN_OR: *out = (uint32_t)(X | Y); return 0;
    case ISA_BIN_SHL: *out = Y >= 32 ? 0 : (uint32_t)((X << Y) & M32); return 0;
    case ISA_BIN_SHR: *out = Y >= 32 ? 0 : (uint32_t)(X >> Y); return 0;
    case ISA_BIN_MOD: if (!Y) return -1; *out = (uint32_t)(X % Y); return 0;
    case ISA_BIN_LT: *out = X < Y; return 0;
    case ISA_BIN_EQ: *out = X == Y; return 0;
    case ISA_BINOP_COUNT: break;
    }
    ck_abort_msg("unknown binop %d", op);
    return -1;
}

static const uint32_t operand_values[] = {
    0, 1, 2, 3, 7, 31, 32, 33, 100, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF,
    123456789, 0xDEADBEEF,
};
#define NVALUES (sizeof operand_values / sizeof operand_values[0])

/* Loads operand_values into scratch 0.. with const (two per bundle). */
static void load_operand_values(void)
{
    for (size_t i = 0; i < NVALUES; i++) {
        if (i % 2 == 0)
            bundle();
        SLOT(CONST, (int64_t)i, operand_values[i]);
    }
}

START_TEST(test_every_alu_binop_follows_the_isa_table)
{
    isa_binop op = (isa_binop)_i;
    load_operand_values();
    /* Result of pair (i, j) lands at 100 + i*NVALUES + j; twelve alu slots a
     * bundle. */
    int in_bundle = 12;
    for (size_t i = 0; i < NVALUES; i++)
        for (size_t j = 0; j < NVALUES; j++) {
            uint32_t expect;
            if (ref_binop(op, operand_values[i], operand_values[j], &expect) != 0)
                continue;
            if (in_bundle == 12) {
                bundle();
                in_bundle = 0;
            }
            add(ISA_OP_ALU_ADD + op, (const int64_t[ISA_MAX_ARGS]){
                    (int64_t)(100 + i * NVALUES + j), (int64_t)i, (int64_t)j});
            in_bundle++;
        }
    ck_assert_int_eq(run1(), SIM_DONE);
    for (size_t i = 0; i < NVALUES; i++)
        for (size_t j = 0; j < NVALUES; j++) {
            uint32_t expect;
            if (ref_binop(op, operand_values[i], operand_values[j], &expect) != 0)
                continue;
            ck_assert_msg(scratch(0, (uint32_t)(100 + i * NVALUES + j)) == expect,
                          "alu %s %u, %u: got %u, expected %u", isa_binop_names[op],
                          operand_values[i], operand_values[j],
                          scratch(0, (uint32_t)(100 + i * NVALUES + j)), expect);
        }
}
END_TEST

START_TEST(test_every_valu_binop_applies_per_lane)
{
    isa_binop op = (isa_binop)_i;
    /* Every (x, y) pair becomes one lane; vector g has its a-lanes at
     * 24g, b-lanes at 24g+8 and result at 24g+16.  Pairs whose y is 0 are
     * skipped for the dividing ops (a zero lane faults). */
    uint32_t xs[NVALUES * NVALUES + ISA_VLEN], ys[NVALUES * NVALUES + ISA_VLEN];
    size_t n = 0;
    for (size_t i = 0; i < NVALUES; i++)
        for (size_t j = 0; j < NVALUES; j++) {
            uint32_t ignored;
            if (ref_binop(op, operand_values[i], operand_values[j], &ignored) == 0) {
                xs[n] = operand_values[i];
                ys[n] = operand_values[j];
                n++;
            }
        }
    while (n % ISA_VLEN) {   /* pad with a harmless pair */
        xs[n] = 5;
        ys[n] = 3;
        n++;
    }
    size_t groups = n / ISA_VLEN;
    ck_assert_uint_le(24 * groups, ISA_SCRATCH_WORDS);
    for (size_t g = 0; g < groups; g++)
        for (int lane = 0; lane < ISA_VLEN; lane++) {
            bundle();
            SLOT(CONST, (int64_t)(24 * g + lane), xs[g * ISA_VLEN + lane]);
            SLOT(CONST, (int64_t)(24 * g + 8 + lane), ys[g * ISA_VLEN + lane]);
        }
    for (size_t g = 0; g < groups; g++) {
        if (g % 6 == 0)
            bundle();
        add(ISA_OP_VALU_ADD + op, (const int64_t[ISA_MAX_ARGS]){
                (int64_t)(24 * g + 16), (int64_t)(24 * g), (int64_t)(24 * g + 8)});
    }
    ck_assert_int_eq(run1(), SIM_DONE);
    for (size_t k = 0; k < n; k++) {
        uint32_t expect;
        ref_binop(op, xs[k], ys[k], &expect);
        uint32_t got = scratch(0, (uint32_t)(24 * (k / ISA_VLEN) + 16 + k % ISA_VLEN));
        ck_assert_msg(got == expect, "valu %s lane %zu: %u, %u gave %u, expected %u",
                      isa_binop_names[op], k % ISA_VLEN, xs[k], ys[k], got, expect);
    }
}
END_TEST

START_TEST(test_cdiv_of_max_by_two_is_computed_without_wrapping)
{
    bundle();
    SLOT(CONST, 0, 0xFFFFFFFF);
    SLOT(CONST, 1, 2);
    bundle();
    ALU(CDIV, 2, 0, 1);
    ck_assert_int_eq(run1(), SIM_DONE);
    ck_assert_uint_eq(scratch(0, 2), 0x80000000u);
}
END_TEST

START_TEST(test_shifts_of_32_or_more_give_zero)
{
    bundle();
    SLOT(CONST, 0, 0xFFFFFFFF);
    SLOT(CONST, 1, 32);
    bundle();
    SLOT(CONST, 2, 0xFFFFFFFF);   /* shift amount 2^32-1 */
    SLOT(CONST, 3, 31);
    bundle();
    ALU(SHL, 10, 0, 1);
    ALU(SHR, 11, 0, 1);
    ALU(SHL, 12, 0, 2);
    ALU(SHR, 13, 0, 2);
    ALU(SHL, 14, 0, 3);
    ALU(SHR, 15, 0, 3);
    ck_assert_int_eq(run1(), SIM_DONE);
    ck_assert_uint_eq(scratch(0, 10), 0);
    ck_assert_uint_eq(scratch(0, 11), 0);
    ck_assert_uint_eq(scratch(0, 12), 0);
    ck_assert_uint_eq(scratch(0, 13), 0);
    ck_assert_uint_eq(scratch(0, 14), 0x80000000u);
    ck_assert_uint_eq(scratch(0, 15), 1);
}
END_TEST

START_TEST(test_arithmetic_wraps_modulo_2_to_the_32)
{
    bundle();
    SLOT(CONST, 0, 0xFFFFFFFF);
    SLOT(CONST, 1, 2);
    bundle();
    ALU(ADD, 2, 0, 1);   /* 2^32 + 1 -> 1 */
    ALU(SUB, 3, 1, 0);   /* 2 - (2^32-1) -> 3 */
    ALU(MUL, 4, 0, 0);   /* (2^32-1)^2 -> 1 */
    ck_assert_int_eq(run1(), SIM_DONE);
    ck_assert_uint_eq(scratch(0, 2), 1);
    ck_assert_uint_eq(scratch(0, 3), 3);
    ck_assert_uint_eq(scratch(0, 4), 1);
}
END_TEST

/* Builds: b0 consts s[1] = 7, s[2] = 0; b1 < alu + 20, 1, 1 ; BAD > where
 * BAD divides by s[2]; runs it and checks the fault names the slot. */
static void expect_alu_zero_fault(int op, sim_fault_kind kind)
{
    bundle();
    SLOT(CONST, 1, 7);
    SLOT(CONST, 2, 0);
    bundle();
    ALU(ADD, 20, 1, 1);
    add(op, (const int64_t[ISA_MAX_ARGS]){3, 1, 2});
    ck_assert_int_eq(run1(), SIM_FAULT);
    const sim_fault_info *f = sim_fault(mach);
    ck_assert_int_eq(f->kind, kind);
    ck_assert_int_eq(f->at.core, 0);
    ck_assert_uint_eq(f->at.pc, 1);
    ck_assert_uint_eq(f->at.cycle, 1);
    ck_assert_int_eq(f->at.slot, 1);
    ck_assert_int_eq(f->lane, -1);
    /* The faulting bundle changes nothing. */
    ck_assert_uint_eq(scratch(0, 20), 0);
    ck_assert_uint_eq(sim_core_pc(mach, 0), 1);
    ck_assert_int_eq(sim_core_state_of(mach, 0), SIM_CORE_FAULTED);
}

START_TEST(test_alu_division_by_zero_faults)
{
    expect_alu_zero_fault(ISA_OP_ALU_DIV, SIM_FAULT_DIV_ZERO);
}
END_TEST

START_TEST(test_alu_cdiv_by_zero_faults)
{
    expect_alu_zero_fault(ISA_OP_ALU_CDIV, SIM_FAULT_DIV_ZERO);
}
END_TEST

START_TEST(test_alu_modulo_by_zero_faults)
{
    expect_alu_zero_fault(ISA_OP_ALU_MOD, SIM_FAULT_MOD_ZERO);
}
END_TEST

START_TEST(test_valu_division_by_zero_in_any_lane_faults)
{
    static const int ops[] = {ISA_OP_VALU_DIV, ISA_OP_VALU_CDIV, ISA_OP_VALU_MOD};
    static const sim_fault_kind kinds[] = {SIM_FAULT_DIV_ZERO, SIM_FAULT_DIV_ZERO,
                                           SIM_FAULT_MOD_ZERO};
    int op = ops[_i / ISA_VLEN], zero_lane = _i % ISA_VLEN;
    /* a-lanes 16..23 = 9, b-lanes 24..31 = 1 except the zero lane. */
    for (int lane = 0; lane < ISA_VLEN; lane++) {
        bundle();
        SLOT(CONST, 16 + lane, 9);
        SLOT(CONST, 24 + lane, lane == zero_lane ? 0 : 1);
    }
    bundle();
    add(op, (const int64_t[ISA_MAX_ARGS]){32, 16, 24});
    ck_assert_int_eq(run1(), SIM_FAULT);
    const sim_fault_info *f = sim_fault(mach);
    ck_assert_int_eq(f->kind, kinds[_i / ISA_VLEN]);
    ck_assert_int_eq(f->lane, zero_lane);
    ck_assert_uint_eq(f->at.pc, ISA_VLEN);
    for (int lane = 0; lane < ISA_VLEN; lane++)
        ck_assert_uint_eq(scratch(0, 32 + lane), 0);
}
END_TEST

START_TEST(test_vbroadcast_copies_one_word_to_eight_lanes)
{
    bundle();
    SLOT(CONST, 3, 0xABCDEF01);
    bundle();
    /* The source lies inside the destination: every lane still gets the
     * value at bundle start. */
    SLOT(VBROADCAST, 0, 3);
    ck_assert_int_eq(run1(), SIM_DONE);
    for (int lane = 0; lane < ISA_VLEN; lane++)
        ck_assert_uint_eq(scratch(0, (uint32_t)lane), 0xABCDEF01u);
}
END_TEST

START_TEST(test_multiply_add_wraps_per_lane)
{
    for (int lane = 0; lane < ISA_VLEN; lane++) {
        bundle();
        SLOT(CONST, 0 + lane, 0x10000 + lane);
        SLOT(CONST, 8 + lane, 0x10001);
        bundle();
        SLOT(CONST, 16 + lane, 0xFFFFFFFF - lane);
    }
    bundle();
    SLOT(MULTIPLY_ADD, 24, 0, 8, 16);
    ck_assert_int_eq(run1(), SIM_DONE);
    for (uint64_t lane = 0; lane < ISA_VLEN; lane++) {
        uint64_t expect = ((0x10000 + lane) * 0x10001 + (0xFFFFFFFF - lane)) & M32;
        ck_assert_uint_eq(scratch(0, 24 + (uint32_t)lane), expect);
    }
}
END_TEST

START_TEST(test_const_and_add_imm_reduce_negative_immediates)
{
    bundle();
    SLOT(CONST, 0, -1);
    SLOT(CONST, 1, -2147483648LL);
    bundle();
    SLOT(CONST, 2, 10);
    bundle();
    SLOT(ADD_IMM, 3, 2, -11);   /* 10 - 11 wraps */
    bundle();
    SLOT(ADD_IMM, 4, 0, 4294967295LL);   /* (2^32-1) + (2^32-1) */
    ck_assert_int_eq(run1(), SIM_DONE);
    ck_assert_uint_eq(scratch(0, 0), 0xFFFFFFFFu);
    ck_assert_uint_eq(scratch(0, 1), 0x80000000u);
    ck_assert_uint_eq(scratch(0, 3), 0xFFFFFFFFu);
    ck_assert_uint_eq(scratch(0, 4), 0xFFFFFFFEu);
}
END_TEST

START_TEST(test_select_and_vselect_pick_by_nonzero_condition)
{
    bundle();
    SLOT(CONST, 0, 5);    /* cond true (any nonzero) */
    SLOT(CONST, 2, 111);
    bundle();
    SLOT(CONST, 3, 222);
    bundle();
    SLOT(SELECT, 10, 0, 2, 3);
    bundle();
    SLOT(SELECT, 11, 1, 2, 3);   /* s[1] = 0: false */
    for (int lane = 0; lane < ISA_VLEN; lane++) {
        bundle();
        SLOT(CONST, 100 + lane, lane % 3 == 0 ? 0 : (uint32_t)lane << 28);
        SLOT(CONST, 108 + lane, 1000 + lane);
        bundle();
        SLOT(CONST, 116 + lane, 2000 + lane);
    }
    bundle();
    SLOT(VSELECT, 124, 100, 108, 116);
    ck_assert_int_eq(run1(), SIM_DONE);
    ck_assert_uint_eq(scratch(0, 10), 111);
    ck_assert_uint_eq(scratch(0, 11), 222);
    for (int lane = 0; lane < ISA_VLEN; lane++)
        ck_assert_uint_eq(scratch(0, 124 + (uint32_t)lane),
                          lane % 3 == 0 ? 2000u + lane : 1000u + lane);
}
END_TEST

START_TEST(test_loads_and_stores_move_words)
{
    uint32_t mem[40];
    for (uint32_t i = 0; i < 40; i++)
        mem[i] = 500 + i;
    bundle();
    SLOT(CONST, 0, 3);      /* address */
    SLOT(CONST, 1, 20);     /* vector address */
    bundle();
    SLOT(CONST, 7, 12);     /* load_offset: s[5 + 2] = 12 is its address */
    SLOT(CONST, 2, 30);     /* store address */
    bundle();
    SLOT(LOAD, 10, 0);                /* s[10] = m[3] */
    SLOT(VLOAD, 16, 1);               /* s[16..23] = m[20..27] */
    bundle();
    SLOT(LOAD_OFFSET, 40, 5, 2);      /* s[42] = m[s[7]] = m[12] */
    SLOT(CONST, 24, 0xCAFE);
    bundle();
    SLOT(STORE, 2, 24);               /* m[30] = 0xCAFE */
    SLOT(VSTORE, 0, 16);              /* m[3..10] = m[20..27] */
    load_machine(1, mem, 40, 0, 0);
    ck_assert_int_eq(sim_run(mach), SIM_DONE);
    ck_assert_uint_eq(scratch(0, 10), 503);
    for (uint32_t lane = 0; lane < ISA_VLEN; lane++) {
        ck_assert_uint_eq(scratch(0, 16 + lane), 520 + lane);
        ck_assert_uint_eq(memory(3 + lane), 520 + lane);
    }
    ck_assert_uint_eq(scratch(0, 42), 512);
    ck_assert_uint_eq(scratch(0, 40), 0);
    ck_assert_uint_eq(memory(30), 0xCAFE);
    ck_assert_uint_eq(memory(11), 511);
    ck_assert_uint_eq(memory(2), 502);
}
END_TEST

START_TEST(test_coreid_gives_the_core_index)
{
    bundle();
    SLOT(COREID, 5);
    static const uint32_t mem[4];
    load_machine(3, mem, 4, 0, 0);
    ck_assert_int_eq(sim_run(mach), SIM_DONE);
    for (int k = 0; k < 3; k++)
        ck_assert_uint_eq(scratch(k, 5), (uint32_t)k);
    ck_assert_uint_eq(sim_cycles(mach), 1);
}
END_TEST

/* ------------------------------------------------------------------------
 * End-of-cycle semantics
 */

START_TEST(test_same_bundle_reads_old_values_so_two_moves_swap)
{
    bundle();
    SLOT(CONST, 1, 11);
    SLOT(CONST, 2, 22);
    bundle();
    SLOT(CONST, 0, 0);
    bundle();
    /* { s1 = s2 + 0; s2 = s1 + 0 }: a swap. */
    ALU(ADD, 1, 2, 0);
    ALU(ADD, 2, 1, 0);
    ck_assert_int_eq(run1(), SIM_DONE);
    ck_assert_uint_eq(scratch(0, 1), 22);
    ck_assert_uint_eq(scratch(0, 2), 11);
}
END_TEST

START_TEST(test_last_writer_in_bundle_order_wins_scratch)
{
    bundle();
    SLOT(CONST, 1, 5);
    bundle();
    ALU(ADD, 10, 1, 1);          /* 10 */
    SLOT(VBROADCAST, 8, 1);      /* s[8..15] = 5, covers s[10] */
    ALU(MUL, 12, 1, 1);          /* 25, after the vector */
    SLOT(CONST, 13, 7);
    SLOT(CONST, 13, 8);          /* two loads into one word: the later wins */
    ck_assert_int_eq(run1(), SIM_DONE);
    ck_assert_uint_eq(scratch(0, 10), 5);
    ck_assert_uint_eq(scratch(0, 12), 25);
    ck_assert_uint_eq(scratch(0, 13), 8);
    ck_assert_uint_eq(scratch(0, 9), 5);
}
END_TEST

START_TEST(test_last_writer_in_bundle_order_wins_memory)
{
    bundle();
    SLOT(CONST, 0, 4);     /* address */
    SLOT(CONST, 1, 111);
    bundle();
    SLOT(CONST, 3, 20);    /* address */
    for (int lane = 0; lane < ISA_VLEN; lane++) {
        bundle();
        SLOT(CONST, 8 + lane, 900 + lane);
    }
    bundle();
    SLOT(STORE, 0, 1);     /* m[4] = 111 ... */
    SLOT(VSTORE, 0, 8);    /* ... then m[4..11] = 900.. wins */
    bundle();
    SLOT(VSTORE, 3, 8);    /* m[20..27] = 900.. ... */
    SLOT(STORE, 3, 1);     /* ... then m[20] = 111 wins */
    ck_assert_int_eq(run1(), SIM_DONE);
    ck_assert_uint_eq(memory(4), 900);
    ck_assert_uint_eq(memory(11), 907);
    ck_assert_uint_eq(memory(20), 111);
    ck_assert_uint_eq(memory(21), 901);
}
END_TEST

START_TEST(test_two_stores_to_one_word_keep_the_later)
{
    bundle();
    SLOT(CONST, 0, 4);
    SLOT(CONST, 1, 111);
    bundle();
    SLOT(CONST, 2, 222);
    bundle();
    SLOT(STORE, 0, 2);
    SLOT(STORE, 0, 1);
    ck_assert_int_eq(run1(), SIM_DONE);
    ck_assert_uint_eq(memory(4), 111);
}
END_TEST

START_TEST(test_store_reads_scratch_as_at_bundle_start)
{
    bundle();
    SLOT(CONST, 0, 6);
    SLOT(CONST, 1, 1);
    bundle();
    SLOT(CONST, 1, 2);    /* written at the end of this bundle ... */
    SLOT(STORE, 0, 1);    /* ... so the store sees the old 1 */
    ck_assert_int_eq(run1(), SIM_DONE);
    ck_assert_uint_eq(memory(6), 1);
    ck_assert_uint_eq(scratch(0, 1), 2);
}
END_TEST

START_TEST(test_load_reads_memory_as_at_bundle_start)
{
    bundle();
    SLOT(CONST, 0, 6);
    SLOT(CONST, 1, 77);
    bundle();
    SLOT(STORE, 0, 1);    /* m[6] = 77 lands after the bundle ... */
    SLOT(LOAD, 2, 0);     /* ... so the load reads the old m[6] = 0 */
    SLOT(VLOAD, 8, 0);
    bundle();
    SLOT(LOAD, 3, 0);     /* the next bundle sees it */
    ck_assert_int_eq(run1(), SIM_DONE);
    ck_assert_uint_eq(scratch(0, 2), 0);
    ck_assert_uint_eq(scratch(0, 8), 0);
    ck_assert_uint_eq(scratch(0, 3), 77);
}
END_TEST

START_TEST(test_load_and_store_of_one_word_exchange_bundle_start_values)
{
    /* < store m[2] = s[1] ; load s[1] = m[2] >: memory gets the old
     * scratch word and scratch the old memory word. */
    bundle();
    SLOT(CONST, 0, 2);
    SLOT(CONST, 1, 9);
    static const uint32_t mem[4] = {0, 0, 5, 0};
    bundle();
    SLOT(STORE, 0, 1);
    SLOT(LOAD, 1, 0);
    load_machine(1, mem, 4, 0, 0);
    ck_assert_int_eq(sim_run(mach), SIM_DONE);
    ck_assert_uint_eq(scratch(0, 1), 5);
    ck_assert_uint_eq(memory(2), 9);
}
END_TEST

/* ------------------------------------------------------------------------
 * Cycle counting and control flow
 */

START_TEST(test_debug_only_bundles_cost_no_cycle_and_nop_costs_one)
{
    bundle();
    comment("start");
    bundle();   /* nop */
    bundle();
    comment("a");
    SLOT(COMPARE, 0, 0, 0, ISA_KEY_VAL, 0);
    bundle();
    SLOT(CONST, 0, 1);
    comment("with a real slot");
    ck_assert_int_eq(run1(), SIM_DONE);
    ck_assert_uint_eq(sim_cycles(mach), 2);
    ck_assert_uint_eq(sim_core_pc(mach, 0), 4);
    ck_assert_int_eq(sim_core_state_of(mach, 0), SIM_CORE_STOPPED);
}
END_TEST

START_TEST(test_empty_program_takes_no_cycle)
{
    ck_assert_int_eq(run1(), SIM_DONE);
    ck_assert_uint_eq(sim_cycles(mach), 0);
}
END_TEST

START_TEST(test_halt_stops_after_its_bundle)
{
    bundle();
    SLOT(CONST, 1, 5);
    bundle();
    SLOT(HALT);
    SLOT(CONST, 2, 7);    /* the halting bundle runs in full */
    bundle();
    SLOT(CONST, 3, 9);
    ck_assert_int_eq(run1(), SIM_DONE);
    ck_assert_uint_eq(scratch(0, 2), 7);
    ck_assert_uint_eq(scratch(0, 3), 0);
    ck_assert_uint_eq(sim_core_pc(mach, 0), 2);
    ck_assert_uint_eq(sim_cycles(mach), 2);
    ck_assert_int_eq(sim_core_state_of(mach, 0), SIM_CORE_STOPPED);
}
END_TEST

START_TEST(test_jump_and_jump_indirect_set_the_pc)
{
    bundle();                  /* 0 */
    SLOT(JUMP, 3);
    bundle();                  /* 1: skipped */
    SLOT(CONST, 1, 1);
    bundle();                  /* 2: reached through jump_indirect */
    SLOT(CONST, 2, 2);
    SLOT(JUMP, 5);
    bundle();                  /* 3 */
    SLOT(CONST, 9, 2);
    bundle();                  /* 4 */
    SLOT(JUMP_INDIRECT, 9);
    bundle();                  /* 5 */
    SLOT(CONST, 3, 3);
    ck_assert_int_eq(run1(), SIM_DONE);
    ck_assert_uint_eq(scratch(0, 1), 0);
    ck_assert_uint_eq(scratch(0, 2), 2);
    ck_assert_uint_eq(scratch(0, 3), 3);
    ck_assert_uint_eq(sim_cycles(mach), 5);   /* bundles 0, 3, 4, 2, 5 */
}
END_TEST

START_TEST(test_cond_jump_taken_only_when_nonzero)
{
    bundle();                  /* 0 */
    SLOT(CONST, 1, 1);
    bundle();                  /* 1: s[0] = 0, not taken */
    SLOT(COND_JUMP, 0, 4);
    bundle();                  /* 2: taken */
    SLOT(COND_JUMP, 1, 4);
    bundle();                  /* 3: skipped */
    SLOT(CONST, 5, 5);
    bundle();                  /* 4 */
    SLOT(CONST, 6, 6);
    ck_assert_int_eq(run1(), SIM_DONE);
    ck_assert_uint_eq(scratch(0, 5), 0);
    ck_assert_uint_eq(scratch(0, 6), 6);
    ck_assert_uint_eq(sim_cycles(mach), 4);
}
END_TEST

START_TEST(test_cond_jump_rel_counts_from_the_next_bundle)
{
    bundle();                  /* 0 */
    SLOT(CONST, 0, 3);         /* loop counter */
    SLOT(CONST, 1, 1);
    bundle();                  /* 1: loop body */
    ALU(SUB, 0, 0, 1);
    ALU(ADD, 2, 2, 1);         /* iterations */
    bundle();                  /* 2: back to 1 = (2 + 1) - 2 */
    SLOT(COND_JUMP_REL, 0, -2);
    bundle();                  /* 3: forward over one bundle: (3 + 1) + 1 = 5 */
    SLOT(COND_JUMP_REL, 1, 1);
    bundle();                  /* 4: skipped */
    SLOT(CONST, 7, 7);
    ck_assert_int_eq(run1(), SIM_DONE);
    ck_assert_uint_eq(scratch(0, 2), 3);
    ck_assert_uint_eq(scratch(0, 0), 0);
    ck_assert_uint_eq(scratch(0, 7), 0);
    ck_assert_uint_eq(sim_cycles(mach), 1 + 3 * 2 + 1);
    ck_assert_uint_eq(sim_core_pc(mach, 0), 5);
}
END_TEST

START_TEST(test_jump_at_or_past_the_end_stops_the_core_without_fault)
{
    bundle();
    SLOT(JUMP, 4294967295LL);
    bundle();
    SLOT(CONST, 1, 1);
    ck_assert_int_eq(run1(), SIM_DONE);
    ck_assert_int_eq(sim_fault(mach)->kind, SIM_FAULT_NONE);
    ck_assert_uint_eq(sim_core_pc(mach, 0), 4294967295u);
    ck_assert_uint_eq(scratch(0, 1), 0);
    ck_assert_uint_eq(sim_cycles(mach), 1);
}
END_TEST

START_TEST(test_cond_jump_rel_far_past_the_end_stops_the_core)
{
    bundle();
    SLOT(CONST, 0, 1);
    bundle();
    SLOT(COND_JUMP_REL, 0, 4294967295LL);   /* pc = 2 + 2^32 - 1 */
    ck_assert_int_eq(run1(), SIM_DONE);
    ck_assert_uint_eq(sim_core_pc(mach, 0), 2 + 4294967295ull);
}
END_TEST

START_TEST(test_jump_to_a_negative_pc_faults)
{
    /* _i: 0 jump, 1 cond_jump, 2 cond_jump_rel */
    bundle();
    SLOT(CONST, 0, 1);
    bundle();
    SLOT(CONST, 5, 5);
    bundle();
    if (_i == 0)
        SLOT(JUMP, -1);
    else if (_i == 1)
        SLOT(COND_JUMP, 0, -7);
    else
        SLOT(COND_JUMP_REL, 0, -4);   /* (2 + 1) - 4 = -1 */
    SLOT(CONST, 6, 6);
    ck_assert_int_eq(run1(), SIM_FAULT);
    const sim_fault_info *f = sim_fault(mach);
    ck_assert_int_eq(f->kind, SIM_FAULT_NEGATIVE_PC);
    ck_assert_int_eq(f->target, _i == 1 ? -7 : -1);
    ck_assert_uint_eq(f->at.pc, 2);
    ck_assert_uint_eq(f->at.cycle, 2);
    ck_assert_int_eq(f->at.slot, 0);
    ck_assert_uint_eq(scratch(0, 5), 5);
    ck_assert_uint_eq(scratch(0, 6), 0);
}
END_TEST

START_TEST(test_untaken_jump_to_a_negative_pc_is_harmless)
{
    bundle();
    SLOT(COND_JUMP, 0, -7);
    bundle();
    SLOT(COND_JUMP_REL, 0, -100);
    ck_assert_int_eq(run1(), SIM_DONE);
    ck_assert_uint_eq(sim_cycles(mach), 2);
}
END_TEST

START_TEST(test_cycle_limit_faults_the_bundle_that_would_exceed_it)
{
    bundle();
    SLOT(CONST, 1, 1);
    bundle();
    ALU(ADD, 2, 2, 1);
    SLOT(JUMP, 1);
    static const uint32_t mem[4];
    load_machine(1, mem, 4, 100, 0);
    ck_assert_int_eq(sim_run(mach), SIM_FAULT);
    const sim_fault_info *f = sim_fault(mach);
    ck_assert_int_eq(f->kind, SIM_FAULT_CYCLE_LIMIT);
    ck_assert_uint_eq(f->at.cycle, 100);
    ck_assert_uint_eq(f->limit, 100);
    ck_assert_int_eq(f->at.slot, -1);
    ck_assert_uint_eq(sim_cycles(mach), 100);
    ck_assert_uint_eq(scratch(0, 2), 99);   /* 99 loop bundles ran after the const */
}
END_TEST

START_TEST(test_program_of_exactly_the_cycle_limit_runs)
{
    for (int i = 0; i < 5; i++)
        bundle();   /* five nops */
    bundle();
    comment("debug-only bundles after the limit cost nothing");
    static const uint32_t mem[4];
    load_machine(1, mem, 4, 5, 0);
    ck_assert_int_eq(sim_run(mach), SIM_DONE);
    ck_assert_uint_eq(sim_cycles(mach), 5);
}
END_TEST

START_TEST(test_trace_write_appends_the_value_at_bundle_start)
{
    bundle();
    SLOT(CONST, 1, 10);
    bundle();
    SLOT(TRACE_WRITE, 1);
    SLOT(CONST, 1, 20);
    bundle();
    SLOT(TRACE_WRITE, 1);
    ck_assert_int_eq(run1(), SIM_DONE);
    size_t n;
    const uint32_t *trace = sim_core_trace(mach, 0, &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(trace[0], 10);
    ck_assert_uint_eq(trace[1], 20);
}
END_TEST

START_TEST(test_trace_buffer_grows_without_bound_of_64)
{
    bundle();
    SLOT(CONST, 0, 200);
    SLOT(CONST, 1, 1);
    bundle();   /* 1 */
    ALU(SUB, 0, 0, 1);
    SLOT(TRACE_WRITE, 0);
    bundle();
    SLOT(COND_JUMP_REL, 0, -2);
    ck_assert_int_eq(run1(), SIM_DONE);
    size_t n;
    const uint32_t *trace = sim_core_trace(mach, 0, &n);
    ck_assert_uint_eq(n, 200);
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(trace[i], 200 - i);
}
END_TEST

/* ------------------------------------------------------------------------
 * Memory faults
 */

/* b0: s[0] = address, s[1] = 1; b1: < alu + 9, 1, 1 ; SLOT > on 16 words of
 * memory; expects a fault of kind at lane with address, nothing landed. */
static void expect_memory_fault(int op, uint32_t address, sim_fault_kind kind, int lane,
                                uint64_t bad_address)
{
    uint32_t mem[16] = {0};
    bundle();
    SLOT(CONST, 0, address);
    SLOT(CONST, 1, 1);
    bundle();
    ALU(ADD, 9, 1, 1);
    if (op == ISA_OP_LOAD_OFFSET)
        SLOT(LOAD_OFFSET, 20, 0, 0);
    else if (op == ISA_OP_STORE || op == ISA_OP_VSTORE)
        add(op, (const int64_t[ISA_MAX_ARGS]){0, 8});
    else
        add(op, (const int64_t[ISA_MAX_ARGS]){24, 0});
    load_machine(1, mem, 16, 0, 0);
    ck_assert_int_eq(sim_run(mach), SIM_FAULT);
    const sim_fault_info *f = sim_fault(mach);
    ck_assert_int_eq(f->kind, kind);
    ck_assert_int_eq(f->lane, lane);
    ck_assert_uint_eq(f->address, bad_address);
    ck_assert_uint_eq(f->limit, 16);
    ck_assert_int_eq(f->at.slot, 1);
    ck_assert_uint_eq(scratch(0, 9), 0);
    for (uint32_t i = 0; i < 16; i++)
        ck_assert_uint_eq(memory(i), 0);
}

START_TEST(test_scalar_load_outside_memory_faults)
{
    expect_memory_fault(ISA_OP_LOAD, 16, SIM_FAULT_MEMORY_READ, -1, 16);
}
END_TEST

START_TEST(test_load_offset_outside_memory_faults)
{
    expect_memory_fault(ISA_OP_LOAD_OFFSET, 0xFFFFFFFF, SIM_FAULT_MEMORY_READ, -1, 0xFFFFFFFF);
}
END_TEST

START_TEST(test_vload_with_any_lane_outside_memory_faults)
{
    expect_memory_fault(ISA_OP_VLOAD, 9, SIM_FAULT_MEMORY_READ, 7, 16);
}
END_TEST

START_TEST(test_vload_near_the_top_of_the_address_space_faults)
{
    expect_memory_fault(ISA_OP_VLOAD, 0xFFFFFFFC, SIM_FAULT_MEMORY_READ, 0, 0xFFFFFFFC);
}
END_TEST

START_TEST(test_scalar_store_outside_memory_faults)
{
    expect_memory_fault(ISA_OP_STORE, 16, SIM_FAULT_MEMORY_WRITE, -1, 16);
}
END_TEST

START_TEST(test_vstore_with_any_lane_outside_memory_faults)
{
    expect_memory_fault(ISA_OP_VSTORE, 12, SIM_FAULT_MEMORY_WRITE, 4, 16);
}
END_TEST

START_TEST(test_vector_access_ending_at_the_last_word_is_allowed)
{
    uint32_t mem[16] = {0};
    mem[15] = 42;
    bundle();
    SLOT(CONST, 0, 8);
    bundle();
    SLOT(VLOAD, 8, 0);
    bundle();
    SLOT(VSTORE, 0, 8);
    load_machine(1, mem, 16, 0, 0);
    ck_assert_int_eq(sim_run(mach), SIM_DONE);
    ck_assert_uint_eq(scratch(0, 15), 42);
}
END_TEST

START_TEST(test_fault_message_names_fault_core_pc_cycle_slot_and_line)
{
    bundle();
    SLOT(CONST, 1, 7);
    bundle();
    ALU(ADD, 4, 1, 1);
    ALU(DIV, 3, 1, 2);
    ck_assert_int_eq(run1(), SIM_FAULT);
    char msg[512];
    sim_format_error(mach, msg, sizeof msg);
    ck_assert_str_eq(msg, "division by zero on core 0 at pc 1, cycle 1: alu // 3, 1, 2 (t.vasm:2)");
}
END_TEST

START_TEST(test_faults_and_bundle_sources_name_each_slots_own_line)
{
    bundle();
    SLOT(CONST, 1, 7);
    img_set_slot_line(img, img->nslots - 1, "t.vasm", 10, NULL, 0);
    bundle();
    ALU(ADD, 4, 1, 1);
    img_set_slot_line(img, img->nslots - 1, "t.vasm", 20, NULL, 0);
    ALU(ADD, 5, 1, 1);
    img_set_slot_line(img, img->nslots - 1, "t.vasm", 20, NULL, 0);
    ALU(DIV, 3, 1, 2);
    img_set_slot_line(img, img->nslots - 1, "m.vasm", 3, "t.vasm", 30);
    ck_assert_int_eq(run1(), SIM_FAULT);
    char msg[512];
    sim_format_error(mach, msg, sizeof msg);
    ck_assert_str_eq(msg, "division by zero on core 0 at pc 1, cycle 1: alu // 3, 1, 2 "
                          "(m.vasm:3, macro call t.vasm:30)");
    char src[128];
    sim_format_source(prog, 1, -1, src, sizeof src);   /* distinct lines, in slot order */
    ck_assert_str_eq(src, "t.vasm:20,m.vasm:3");
    sim_format_source(prog, 0, 0, src, sizeof src);
    ck_assert_str_eq(src, "t.vasm:10");
}
END_TEST

START_TEST(test_cycle_limit_message_shows_the_whole_bundle)
{
    bundle();
    SLOT(CONST, 1, 7);
    comment("say \"hi\"");
    bundle();
    SLOT(JUMP, 0);
    static const uint32_t mem[4];
    load_machine(1, mem, 4, 3, 0);
    ck_assert_int_eq(sim_run(mach), SIM_FAULT);
    char msg[512];
    sim_format_error(mach, msg, sizeof msg);
    ck_assert_str_eq(msg, "cycle limit exceeded (limit 3 cycles) on core 0 at pc 1, cycle 3: "
                          "flow jump 0 (t.vasm:2)");
    ck_assert_uint_eq(sim_fault(mach)->at.pc, 1);
}
END_TEST

START_TEST(test_memory_fault_message_gives_lane_and_address)
{
    bundle();
    SLOT(CONST, 0, 12);
    bundle();
    SLOT(VSTORE, 0, 8);
    static const uint32_t mem[16];
    load_machine(1, mem, 16, 0, 0);
    ck_assert_int_eq(sim_run(mach), SIM_FAULT);
    char msg[512];
    sim_format_error(mach, msg, sizeof msg);
    ck_assert_str_eq(msg, "memory write out of range (lane 4: address 16, memory has 16 words) "
                          "on core 0 at pc 1, cycle 1: store vstore 0, 8 (t.vasm:2)");
}
END_TEST

START_TEST(test_dead_machine_does_not_run_again)
{
    bundle();
    ALU(MOD, 1, 1, 1);
    ck_assert_int_eq(run1(), SIM_FAULT);
    ck_assert_int_eq(sim_run(mach), SIM_FAULT);
    ck_assert_uint_eq(sim_cycles(mach), 0);
}
END_TEST

/* ------------------------------------------------------------------------
 * Multi-core
 */

/* b0 < coreid 0 ; const 1, 4 ; const 2, 77 >; b1 sends core 1 to b3.
 * In cycle 2 core 0 runs b2 and then core 1 runs b3; core 0 runs b4 in
 * cycle 3. */
static void build_two_core_exchange(void)
{
    bundle();                  /* 0 */
    SLOT(COREID, 0);
    SLOT(CONST, 1, 4);
    SLOT(CONST, 2, 77);
    bundle();                  /* 1 */
    SLOT(COND_JUMP, 0, 3);
}

START_TEST(test_later_core_sees_earlier_cores_store_of_the_same_cycle)
{
    build_two_core_exchange();
    bundle();                  /* 2: core 0, cycle 2 */
    SLOT(STORE, 1, 2);         /* m[4] = 77 */
    SLOT(JUMP, 4);
    bundle();                  /* 3: core 1, cycle 2 */
    SLOT(LOAD, 3, 1);          /* s[3] = m[4]: core 0's store landed */
    SLOT(JUMP, 5);
    bundle();                  /* 4: core 0, cycle 3 */
    SLOT(HALT);
    static const uint32_t mem[8];
    load_machine(2, mem, 8, 0, 0);
    ck_assert_int_eq(sim_run(mach), SIM_DONE);
    ck_assert_uint_eq(scratch(1, 3), 77);
    ck_assert_uint_eq(sim_cycles(mach), 4);
    ck_assert_uint_eq(sim_core_pc(mach, 0), 5);
    ck_assert_uint_eq(sim_core_pc(mach, 1), 5);
}
END_TEST

START_TEST(test_earlier_core_does_not_see_later_cores_store_of_the_same_cycle)
{
    build_two_core_exchange();
    bundle();                  /* 2: core 0, cycle 2 */
    SLOT(LOAD, 3, 1);          /* core 1 has not stored yet */
    SLOT(JUMP, 4);
    bundle();                  /* 3: core 1, cycle 2 */
    SLOT(STORE, 1, 2);
    SLOT(JUMP, 5);
    bundle();                  /* 4: core 0, cycle 3 */
    SLOT(LOAD, 5, 1);          /* now it has */
    SLOT(HALT);
    static const uint32_t mem[8];
    load_machine(2, mem, 8, 0, 0);
    ck_assert_int_eq(sim_run(mach), SIM_DONE);
    ck_assert_uint_eq(scratch(0, 3), 0);
    ck_assert_uint_eq(scratch(0, 5), 77);
    ck_assert_uint_eq(sim_cycles(mach), 4);
}
END_TEST

START_TEST(test_cores_in_one_pass_share_one_cycle)
{
    /* Core 0 runs 1 bundle, core 1 runs 3: 3 cycles, not 4. */
    bundle();                  /* 0 */
    SLOT(COREID, 0);
    bundle();                  /* 1 */
    SLOT(COND_JUMP, 0, 3);
    bundle();                  /* 2: core 0 */
    SLOT(HALT);
    bundle();                  /* 3: core 1 */
    SLOT(CONST, 5, 5);
    bundle();                  /* 4: core 1 */
    SLOT(CONST, 6, 6);
    static const uint32_t mem[1];
    load_machine(2, mem, 1, 0, 0);
    ck_assert_int_eq(sim_run(mach), SIM_DONE);
    ck_assert_uint_eq(sim_cycles(mach), 4);
    ck_assert_uint_eq(sim_core_pc(mach, 0), 3);
    ck_assert_uint_eq(sim_core_pc(mach, 1), 5);
    ck_assert_uint_eq(scratch(0, 5), 0);
    ck_assert_uint_eq(scratch(1, 6), 6);
}
END_TEST

/* ------------------------------------------------------------------------
 * Pauses and checking runs
 */

START_TEST(test_pause_is_a_no_op_costing_its_cycle_in_plain_runs)
{
    bundle();
    SLOT(PAUSE);
    bundle();
    SLOT(CONST, 1, 5);
    ck_assert_int_eq(run1(), SIM_DONE);
    ck_assert_uint_eq(sim_cycles(mach), 2);
    ck_assert_uint_eq(scratch(0, 1), 5);
}
END_TEST

START_TEST(test_pause_stops_the_core_in_checking_runs_until_resumed)
{
    bundle();
    SLOT(PAUSE);
    SLOT(CONST, 2, 9);   /* the pausing bundle runs in full */
    bundle();
    SLOT(CONST, 1, 5);
    static const uint32_t mem[1];
    load_machine(1, mem, 1, 0, 1);
    ck_assert_int_eq(sim_run(mach), SIM_PAUSED);
    ck_assert_int_eq(sim_core_state_of(mach, 0), SIM_CORE_PAUSED);
    ck_assert_uint_eq(sim_core_pc(mach, 0), 1);
    ck_assert_uint_eq(sim_cycles(mach), 1);
    ck_assert_uint_eq(scratch(0, 2), 9);
    ck_assert_uint_eq(scratch(0, 1), 0);
    ck_assert_int_eq(sim_run(mach), SIM_DONE);
    ck_assert_uint_eq(scratch(0, 1), 5);
    ck_assert_uint_eq(sim_cycles(mach), 2);
}
END_TEST

START_TEST(test_other_cores_run_on_while_one_is_paused)
{
    bundle();                 /* 0 */
    SLOT(COREID, 0);
    bundle();                 /* 1: core 1 goes to 3 */
    SLOT(COND_JUMP, 0, 3);
    bundle();                 /* 2: core 0 pauses */
    SLOT(PAUSE);
    bundle();                 /* 3 */
    SLOT(CONST, 1, 1);
    bundle();                 /* 4 */
    SLOT(CONST, 2, 2);
    static const uint32_t mem[1];
    load_machine(2, mem, 1, 0, 1);
    ck_assert_int_eq(sim_run(mach), SIM_PAUSED);
    ck_assert_int_eq(sim_core_state_of(mach, 0), SIM_CORE_PAUSED);
    ck_assert_int_eq(sim_core_state_of(mach, 1), SIM_CORE_STOPPED);
    ck_assert_uint_eq(scratch(1, 2), 2);
    ck_assert_uint_eq(scratch(0, 1), 0);
    ck_assert_int_eq(sim_run(mach), SIM_DONE);
    ck_assert_uint_eq(scratch(0, 2), 2);
}
END_TEST

/* Fake checkpoints: checkpoint k matches when m[0] == expected[k]; each
 * call is recorded. */
typedef struct {
    uint32_t expected[4];
    int calls;
    int called_k[8];
    uint32_t seen[8];
} fake_checkpoints;

static int fake_checkpoint(void *ctx, int k, const uint32_t *memory, size_t words, char *why,
                           size_t why_size)
{
    fake_checkpoints *fc = ctx;
    ck_assert_uint_ge(words, 1);
    fc->called_k[fc->calls] = k;
    fc->seen[fc->calls] = memory[0];
    fc->calls++;
    if (memory[0] == fc->expected[k])
        return 0;
    snprintf(why, why_size, "item 0: expected %u, got %u", fc->expected[k], memory[0]);
    return -1;
}

/* A program that stores 1, 2, ... into m[0] and pauses after each store,
 * pauses times, then stores 100. */
static void build_pausing_program(int pauses)
{
    bundle();
    SLOT(CONST, 0, 0);
    SLOT(CONST, 1, 1);
    for (int i = 1; i <= pauses; i++) {
        bundle();
        SLOT(CONST, 2, i);
        bundle();
        SLOT(STORE, 0, 2);
        bundle();
        SLOT(PAUSE);
    }
    bundle();
    SLOT(CONST, 2, 100);
    bundle();
    SLOT(STORE, 0, 2);
}

START_TEST(test_checking_run_matches_each_pause_with_its_checkpoint)
{
    build_pausing_program(2);
    static const uint32_t mem[1];
    load_machine(1, mem, 1, 0, 1);
    fake_checkpoints fc = {.expected = {1, 2}};
    char why[256];
    ck_assert_int_eq(sim_checking_run(mach, 2, fake_checkpoint, &fc, why, sizeof why),
                     SIM_CHECKED_PASS);
    ck_assert_int_eq(fc.calls, 2);
    ck_assert_int_eq(fc.called_k[0], 0);
    ck_assert_int_eq(fc.called_k[1], 1);
    ck_assert_uint_eq(memory(0), 100);   /* resumed to the end */
}
END_TEST

START_TEST(test_checking_run_names_the_pause_that_mismatches)
{
    build_pausing_program(2);
    static const uint32_t mem[1];
    load_machine(1, mem, 1, 0, 1);
    fake_checkpoints fc = {.expected = {1, 7}};
    char why[256];
    ck_assert_int_eq(sim_checking_run(mach, 2, fake_checkpoint, &fc, why, sizeof why),
                     SIM_CHECKED_FAIL);
    ck_assert_str_eq(why, "pause 2 does not match checkpoint 1: item 0: expected 7, got 2");
}
END_TEST

START_TEST(test_checking_run_fails_on_more_pauses_than_checkpoints)
{
    build_pausing_program(3);
    static const uint32_t mem[1];
    load_machine(1, mem, 1, 0, 1);
    fake_checkpoints fc = {.expected = {1, 2}};
    char why[256];
    ck_assert_int_eq(sim_checking_run(mach, 2, fake_checkpoint, &fc, why, sizeof why),
                     SIM_CHECKED_FAIL);
    ck_assert_ptr_nonnull(strstr(why, "pause 3"));
    ck_assert_int_eq(fc.calls, 2);
}
END_TEST

START_TEST(test_checking_run_end_stands_for_the_remaining_checkpoints)
{
    build_pausing_program(1);   /* m[0] = 1, pause, m[0] = 100, end */
    static const uint32_t mem[1];
    load_machine(1, mem, 1, 0, 1);
    fake_checkpoints fc = {.expected = {1, 100, 100}};
    char why[256];
    ck_assert_int_eq(sim_checking_run(mach, 3, fake_checkpoint, &fc, why, sizeof why),
                     SIM_CHECKED_PASS);
    ck_assert_int_eq(fc.calls, 3);
    ck_assert_int_eq(fc.called_k[1], 1);
    ck_assert_int_eq(fc.called_k[2], 2);
    ck_assert_uint_eq(fc.seen[1], 100);
    ck_assert_uint_eq(fc.seen[2], 100);
}
END_TEST

START_TEST(test_checking_run_end_mismatch_names_the_checkpoint)
{
    build_pausing_program(0);
    static const uint32_t mem[1];
    load_machine(1, mem, 1, 0, 1);
    fake_checkpoints fc = {.expected = {0, 5}};   /* checkpoint 0 wants the start value */
    char why[1024];
    ck_assert_int_eq(sim_checking_run(mach, 2, fake_checkpoint, &fc, why, sizeof why),
                     SIM_CHECKED_FAIL);
    ck_assert_str_eq(why, "the end of the run (standing for checkpoint 0) does not match it: "
                          "item 0: expected 0, got 100 (the program never paused, so its end was "
                          "compared with checkpoint 0, the values before the first round; a "
                          "checking run expects a 'flow pause' at each checkpoint: one before the "
                          "first round and one after the last, see docs/vrun.md#checking-runs)");
}
END_TEST

START_TEST(test_checking_run_end_mismatch_after_a_pause_has_no_hint_about_pauses)
{
    build_pausing_program(1);
    static const uint32_t mem[1];
    load_machine(1, mem, 1, 0, 1);
    fake_checkpoints fc = {.expected = {1, 5}};   /* pause 1 matches; the end does not */
    char why[1024];
    ck_assert_int_eq(sim_checking_run(mach, 2, fake_checkpoint, &fc, why, sizeof why),
                     SIM_CHECKED_FAIL);
    ck_assert_ptr_nonnull(strstr(why, "standing for checkpoint 1"));
    ck_assert_ptr_null(strstr(why, "never paused"));
}
END_TEST

START_TEST(test_debug_compare_holds_against_the_reference)
{
    /* round 2, item 3, hash_stage 4: 2000 + 30 + key + 4 */
    uint32_t want = 2000 + 30 + ISA_KEY_HASH_STAGE + 4;
    bundle();
    SLOT(CONST, 0, want);
    bundle();
    SLOT(COMPARE, 0, 2, 3, ISA_KEY_HASH_STAGE, 4);
    for (int lane = 0; lane < ISA_VLEN; lane++) {
        bundle();
        SLOT(CONST, 8 + lane, 1000 + (3 + lane) * 10 + ISA_KEY_VAL);
    }
    bundle();
    SLOT(VCOMPARE, 8, 1, 3, ISA_KEY_VAL, 0);
    static const uint32_t mem[1];
    load_machine(1, mem, 1, 0, 1);
    ck_assert_int_eq(sim_run(mach), SIM_DONE);
    ck_assert_uint_eq(sim_cycles(mach), 1 + ISA_VLEN);
}
END_TEST

START_TEST(test_debug_compare_mismatch_stops_the_checking_run)
{
    bundle();
    SLOT(CONST, 0, 5);
    bundle();
    SLOT(CONST, 1, 6);
    SLOT(COMPARE, 0, 1, 2, ISA_KEY_IDX, 0);
    static const uint32_t mem[1];
    load_machine(1, mem, 1, 0, 1);
    ck_assert_int_eq(sim_run(mach), SIM_CHECK_FAILED);
    const sim_check_info *c = sim_check(mach);
    ck_assert_int_eq(c->at.core, 0);
    ck_assert_uint_eq(c->at.pc, 1);
    ck_assert_uint_eq(c->at.cycle, 1);
    ck_assert_int_eq(c->at.slot, 1);
    ck_assert_int_eq(c->missing, 0);
    ck_assert_uint_eq(c->expected, 1000 + 20 + ISA_KEY_IDX);
    ck_assert_uint_eq(c->actual, 5);
    ck_assert_uint_eq(scratch(0, 1), 0);   /* the bundle did not run */
    char msg[512];
    sim_format_error(mach, msg, sizeof msg);
    char want[512];
    snprintf(want, sizeof want,
             "debug compare mismatch on core 0 at pc 1, cycle 1: debug compare 0, 1, 2, idx "
             "(t.vasm:2): round 1, item 2, idx: expected %u, got 5", 1000 + 20 + ISA_KEY_IDX);
    ck_assert_str_eq(msg, want);
}
END_TEST

START_TEST(test_debug_vcompare_names_the_first_mismatching_lane)
{
    for (int lane = 0; lane < ISA_VLEN; lane++) {
        bundle();
        SLOT(CONST, 8 + lane, (lane == 5 ? 1 : 0) + 1000 + (3 + lane) * 10 + ISA_KEY_VAL);
    }
    bundle();
    SLOT(VCOMPARE, 8, 1, 3, ISA_KEY_VAL, 0);
    static const uint32_t mem[1];
    load_machine(1, mem, 1, 0, 1);
    ck_assert_int_eq(sim_run(mach), SIM_CHECK_FAILED);
    const sim_check_info *c = sim_check(mach);
    ck_assert_int_eq(c->lane, 5);
    ck_assert_uint_eq(c->item, 8);
    ck_assert_uint_eq(c->actual, c->expected + 1);
}
END_TEST

START_TEST(test_debug_compare_of_a_key_the_reference_lacks_fails)
{
    bundle();
    SLOT(COMPARE, 0, 5, 0, ISA_KEY_VAL, 0);   /* the fake reference has rounds 0..4 */
    static const uint32_t mem[1];
    load_machine(1, mem, 1, 0, 1);
    ck_assert_int_eq(sim_run(mach), SIM_CHECK_FAILED);
    ck_assert_int_eq(sim_check(mach)->missing, 1);
}
END_TEST

START_TEST(test_debug_compares_are_skipped_in_plain_runs)
{
    bundle();
    SLOT(COMPARE, 0, 5, 0, ISA_KEY_VAL, 0);
    SLOT(VCOMPARE, 0, 1, 0, ISA_KEY_VAL, 0);
    bundle();
    SLOT(CONST, 1, 1);
    ck_assert_int_eq(run1(), SIM_DONE);
    ck_assert_uint_eq(scratch(0, 1), 1);
}
END_TEST

START_TEST(test_checking_run_reports_compare_failures)
{
    bundle();
    SLOT(COMPARE, 0, 0, 0, ISA_KEY_VAL, 0);
    static const uint32_t mem[1];
    load_machine(1, mem, 1, 0, 1);
    fake_checkpoints fc = {.expected = {0, 0}};
    char why[256];
    ck_assert_int_eq(sim_checking_run(mach, 2, fake_checkpoint, &fc, why, sizeof why),
                     SIM_CHECKED_FAIL);
    ck_assert_ptr_nonnull(strstr(why, "debug compare mismatch"));
}
END_TEST

/* ------------------------------------------------------------------------
 * Observer, statistics and loading
 */

typedef struct {
    int steps;
    uint32_t pcs[16];
    int scratch_writes[16], memory_writes[16];
    uint32_t first_value[16];
} observed;

static void observe(void *ctx, const sim_machine *m, const sim_step *st)
{
    observed *o = ctx;
    (void)m;
    ck_assert_int_lt(o->steps, 16);
    o->pcs[o->steps] = st->pc;
    o->scratch_writes[o->steps] = st->n_scratch_writes;
    o->memory_writes[o->steps] = st->n_memory_writes;
    o->first_value[o->steps] = st->n_scratch_writes ? st->scratch_writes[0].values[0] : 0;
    o->steps++;
}

START_TEST(test_observer_sees_every_bundle_with_its_writes)
{
    bundle();
    SLOT(CONST, 0, 3);
    SLOT(CONST, 1, 4);
    bundle();
    comment("debug only");
    bundle();
    SLOT(STORE, 0, 1);
    SLOT(VBROADCAST, 8, 1);
    char why[256];
    prog = sim_program_new(img, why, sizeof why);
    ck_assert_ptr_nonnull(prog);
    observed o = {0};
    sim_config cfg = SIM_CONFIG_DEFAULT;
    cfg.observer = observe;
    cfg.observer_ctx = &o;
    static const uint32_t mem[8];
    mach = sim_new(prog, &cfg, mem, 8, why, sizeof why);
    ck_assert_int_eq(sim_run(mach), SIM_DONE);
    ck_assert_int_eq(o.steps, 3);
    ck_assert_uint_eq(o.pcs[1], 1);
    ck_assert_int_eq(o.scratch_writes[0], 2);
    ck_assert_uint_eq(o.first_value[0], 3);
    ck_assert_int_eq(o.scratch_writes[1], 0);
    ck_assert_int_eq(o.scratch_writes[2], 1);
    ck_assert_int_eq(o.memory_writes[2], 1);
    ck_assert_uint_eq(memory(3), 4);
}
END_TEST

START_TEST(test_engine_slot_counts_follow_executed_bundles)
{
    bundle();
    SLOT(CONST, 0, 3);
    SLOT(CONST, 1, 1);
    bundle();   /* 1: run 3 times */
    ALU(SUB, 0, 0, 1);
    ALU(ADD, 2, 2, 1);
    VALU(ADD, 8, 8, 8);
    comment("loop");
    bundle();
    SLOT(COND_JUMP_REL, 0, -2);
    ck_assert_int_eq(run1(), SIM_DONE);
    uint64_t slots[ISA_ENGINE_COUNT];
    sim_engine_slots(mach, slots);
    ck_assert_uint_eq(slots[ISA_ENG_LOAD], 2);
    ck_assert_uint_eq(slots[ISA_ENG_ALU], 6);
    ck_assert_uint_eq(slots[ISA_ENG_VALU], 3);
    ck_assert_uint_eq(slots[ISA_ENG_FLOW], 3);
    ck_assert_uint_eq(slots[ISA_ENG_DEBUG], 3);
    ck_assert_uint_eq(slots[ISA_ENG_STORE], 0);
    ck_assert_uint_eq(sim_bundles_executed(mach), 7);
}
END_TEST

START_TEST(test_program_with_scratch_out_of_range_is_rejected)
{
    bundle();
    VALU(ADD, 1530, 0, 0);
    char why[256];
    prog = sim_program_new(img, why, sizeof why);
    ck_assert_ptr_null(prog);
    ck_assert_ptr_nonnull(strstr(why, "bundle 0, slot 0"));
    ck_assert_ptr_nonnull(strstr(why, "outside scratch"));
}
END_TEST

START_TEST(test_program_over_an_engine_slot_limit_is_rejected)
{
    bundle();
    SLOT(CONST, 0, 0);
    SLOT(CONST, 1, 0);
    SLOT(CONST, 2, 0);
    char why[256];
    prog = sim_program_new(img, why, sizeof why);
    ck_assert_ptr_null(prog);
    ck_assert_str_eq(why, "bundle 0, slot 2 (load const 2, 0): the load engine takes at most 2 "
                          "slots per bundle");
}
END_TEST

START_TEST(test_machine_rejects_bad_core_counts)
{
    char why[256];
    prog = sim_program_new(img, why, sizeof why);
    ck_assert_ptr_nonnull(prog);
    sim_config cfg = SIM_CONFIG_DEFAULT;
    static const uint32_t mem[1];
    cfg.cores = 0;
    ck_assert_ptr_null(sim_new(prog, &cfg, mem, 1, why, sizeof why));
    cfg.cores = SIM_MAX_CORES + 1;
    ck_assert_ptr_null(sim_new(prog, &cfg, mem, 1, why, sizeof why));
    cfg.cores = SIM_MAX_CORES;
    mach = sim_new(prog, &cfg, mem, 1, why, sizeof why);
    ck_assert_ptr_nonnull(mach);
}
END_TEST

static Suite *machine_suite(void)
{
    Suite *s = suite_create("machine");
    struct { const char *name; const TTest *test; int loop; } cases[] = {
#define CASE(t) {#t, t, 0}
#define LOOP(t, n) {#t, t, n}
        LOOP(test_every_alu_binop_follows_the_isa_table, ISA_BINOP_COUNT),
        LOOP(test_every_valu_binop_applies_per_lane, ISA_BINOP_COUNT),
        CASE(test_cdiv_of_max_by_two_is_computed_without_wrapping),
        CASE(test_shifts_of_32_or_more_give_zero),
        CASE(test_arithmetic_wraps_modulo_2_to_the_32),
        CASE(test_alu_division_by_zero_faults),
        CASE(test_alu_cdiv_by_zero_faults),
        CASE(test_alu_modulo_by_zero_faults),
        LOOP(test_valu_division_by_zero_in_any_lane_faults, 3 * ISA_VLEN),
        CASE(test_vbroadcast_copies_one_word_to_eight_lanes),
        CASE(test_multiply_add_wraps_per_lane),
        CASE(test_const_and_add_imm_reduce_negative_immediates),
        CASE(test_select_and_vselect_pick_by_nonzero_condition),
        CASE(test_loads_and_stores_move_words),
        CASE(test_coreid_gives_the_core_index),
        CASE(test_same_bundle_reads_old_values_so_two_moves_swap),
        CASE(test_last_writer_in_bundle_order_wins_scratch),
        CASE(test_last_writer_in_bundle_order_wins_memory),
        CASE(test_two_stores_to_one_word_keep_the_later),
        CASE(test_store_reads_scratch_as_at_bundle_start),
        CASE(test_load_reads_memory_as_at_bundle_start),
        CASE(test_load_and_store_of_one_word_exchange_bundle_start_values),
        CASE(test_debug_only_bundles_cost_no_cycle_and_nop_costs_one),
        CASE(test_empty_program_takes_no_cycle),
        CASE(test_halt_stops_after_its_bundle),
        CASE(test_jump_and_jump_indirect_set_the_pc),
        CASE(test_cond_jump_taken_only_when_nonzero),
        CASE(test_cond_jump_rel_counts_from_the_next_bundle),
        CASE(test_jump_at_or_past_the_end_stops_the_core_without_fault),
        CASE(test_cond_jump_rel_far_past_the_end_stops_the_core),
        LOOP(test_jump_to_a_negative_pc_faults, 3),
        CASE(test_untaken_jump_to_a_negative_pc_is_harmless),
        CASE(test_cycle_limit_faults_the_bundle_that_would_exceed_it),
        CASE(test_program_of_exactly_the_cycle_limit_runs),
        CASE(test_trace_write_appends_the_value_at_bundle_start),
        CASE(test_trace_buffer_grows_without_bound_of_64),
        CASE(test_scalar_load_outside_memory_faults),
        CASE(test_load_offset_outside_memory_faults),
        CASE(test_vload_with_any_lane_outside_memory_faults),
        CASE(test_vload_near_the_top_of_the_address_space_faults),
        CASE(test_scalar_store_outside_memory_faults),
        CASE(test_vstore_with_any_lane_outside_memory_faults),
        CASE(test_vector_access_ending_at_the_last_word_is_allowed),
        CASE(test_fault_message_names_fault_core_pc_cycle_slot_and_line),
        CASE(test_faults_and_bundle_sources_name_each_slots_own_line),
        CASE(test_cycle_limit_message_shows_the_whole_bundle),
        CASE(test_memory_fault_message_gives_lane_and_address),
        CASE(test_dead_machine_does_not_run_again),
        CASE(test_later_core_sees_earlier_cores_store_of_the_same_cycle),
        CASE(test_earlier_core_does_not_see_later_cores_store_of_the_same_cycle),
        CASE(test_cores_in_one_pass_share_one_cycle),
        CASE(test_pause_is_a_no_op_costing_its_cycle_in_plain_runs),
        CASE(test_pause_stops_the_core_in_checking_runs_until_resumed),
        CASE(test_other_cores_run_on_while_one_is_paused),
        CASE(test_checking_run_matches_each_pause_with_its_checkpoint),
        CASE(test_checking_run_names_the_pause_that_mismatches),
        CASE(test_checking_run_fails_on_more_pauses_than_checkpoints),
        CASE(test_checking_run_end_stands_for_the_remaining_checkpoints),
        CASE(test_checking_run_end_mismatch_names_the_checkpoint),
        CASE(test_checking_run_end_mismatch_after_a_pause_has_no_hint_about_pauses),
        CASE(test_debug_compare_holds_against_the_reference),
        CASE(test_debug_compare_mismatch_stops_the_checking_run),
        CASE(test_debug_vcompare_names_the_first_mismatching_lane),
        CASE(test_debug_compare_of_a_key_the_reference_lacks_fails),
        CASE(test_debug_compares_are_skipped_in_plain_runs),
        CASE(test_checking_run_reports_compare_failures),
        CASE(test_observer_sees_every_bundle_with_its_writes),
        CASE(test_engine_slot_counts_follow_executed_bundles),
        CASE(test_program_with_scratch_out_of_range_is_rejected),
        CASE(test_program_over_an_engine_slot_limit_is_rejected),
        CASE(test_machine_rejects_bad_core_counts),
#undef CASE
#undef LOOP
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* One TCase per rule, named after it (the "test_" prefix dropped). */
        TCase *tc = tcase_create(cases[i].name + 5);
        tcase_add_checked_fixture(tc, setup, teardown);
        if (cases[i].loop)
            tcase_add_loop_test(tc, cases[i].test, 0, cases[i].loop);
        else
            tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(machine_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

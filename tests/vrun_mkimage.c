/*
 * vrun_mkimage: builds the images the vrun CLI tests run (tests/vrun_cli.sh),
 * through the image builder API -- no assembler needed.
 *
 *   vrun_mkimage KIND OUT [ROUNDS BATCH]
 *
 * KIND:
 *   baseline   the naive scalar program of WORKLOAD.md, re-created bundle for
 *              bundle (147,734 cycles on the default shape), with a debug
 *              compare after every traced value; ROUNDS BATCH default 16 256
 *   empty      no bundles (leaves the values untouched: a wrong result)
 *   divzero    divides by zero in its second bundle
 *   loop       loops forever
 *   memops     m[2] = m[0] + m[1]; m[3] = 7; writes scratch 5..; trace_write
 *              of m[0] and of the core id
 *   segment    memops with a MEMORY segment: words 10, 11 at address 4
 *   badsegment a MEMORY segment at address 1000000
 *   pauses3    three pauses (one more than the reference has checkpoints)
 *   object     a relocatable object, not an executable image
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "isa.h"

static vimage *img;
static uint32_t line;

static void bundle(void)
{
    img_begin_bundle(img, "mk.vasm", ++line);
}

static void add(int op, int64_t a0, int64_t a1, int64_t a2, int64_t a3, int64_t a4)
{
    isa_slot s = {.op = (uint16_t)op, .arg = {a0, a1, a2, a3, a4}};
    img_add_slot(img, &s);
}

/* One-slot bundle. */
static void one(int op, int64_t a0, int64_t a1, int64_t a2, int64_t a3)
{
    bundle();
    add(op, a0, a1, a2, a3, 0);
}

static void debug_compare(uint32_t addr, uint32_t round, uint32_t item, isa_trace_key key,
                          uint32_t stage)
{
    bundle();
    add(ISA_OP_COMPARE, addr, round, item, key, stage);
}

static uint32_t scratch_var(const char *name, uint32_t *next, uint32_t size)
{
    uint32_t addr = *next;
    *next += size;
    img_add_symbol(img, name, IMG_SYM_SCRATCH, IMG_BIND_LOCAL, 0, addr, size, line + 1);
    return addr;
}

/* Constants by value, each loaded once (a one-slot const bundle) at its
 * first use, as the baseline's scratch_const does. */
static uint32_t const_values[ISA_SCRATCH_WORDS], const_addrs[ISA_SCRATCH_WORDS], nconsts;
static uint32_t next_scratch;

static uint32_t const_of(uint32_t v)
{
    for (uint32_t i = 0; i < nconsts; i++)
        if (const_values[i] == v)
            return const_addrs[i];
    if (next_scratch >= ISA_SCRATCH_WORDS) {
        fprintf(stderr, "vrun_mkimage: out of scratch for constants\n");
        exit(2);
    }
    const_values[nconsts] = v;
    const_addrs[nconsts] = next_scratch++;
    one(ISA_OP_CONST, const_addrs[nconsts], v, 0, 0);
    return const_addrs[nconsts++];
}

/* The baseline kernel of WORKLOAD.md ("The baseline program"). */
static void build_baseline(uint32_t rounds, uint32_t batch)
{
    static const struct { int op1; uint32_t c; int op2; int shift; uint32_t k; } stages[6] = {
        {ISA_OP_ALU_ADD, 0x7ED55D16, ISA_OP_ALU_ADD, ISA_OP_ALU_SHL, 12},
        {ISA_OP_ALU_XOR, 0xC761C23C, ISA_OP_ALU_XOR, ISA_OP_ALU_SHR, 19},
        {ISA_OP_ALU_ADD, 0x165667B1, ISA_OP_ALU_ADD, ISA_OP_ALU_SHL, 5},
        {ISA_OP_ALU_ADD, 0xD3A2646C, ISA_OP_ALU_XOR, ISA_OP_ALU_SHL, 9},
        {ISA_OP_ALU_ADD, 0xFD7046C5, ISA_OP_ALU_ADD, ISA_OP_ALU_SHL, 3},
        {ISA_OP_ALU_XOR, 0xB55A4F09, ISA_OP_ALU_XOR, ISA_OP_ALU_SHR, 16},
    };
    static const char *const header[7] = {"rounds", "n_nodes", "batch_size", "forest_height",
                                          "forest_values_p", "inp_indices_p", "inp_values_p"};
    uint32_t *next = &next_scratch, var[7];
    for (int h = 0; h < 7; h++)
        var[h] = scratch_var(header[h], next, 1);
    uint32_t tmp1 = scratch_var("tmp1", next, 1), tmp2 = scratch_var("tmp2", next, 1);
    uint32_t tmp3 = scratch_var("tmp3", next, 1), tmp_idx = scratch_var("tmp_idx", next, 1);
    uint32_t tmp_val = scratch_var("tmp_val", next, 1);
    uint32_t tmp_node_val = scratch_var("tmp_node_val", next, 1);
    uint32_t tmp_addr = scratch_var("tmp_addr", next, 1);

    for (int h = 0; h < 7; h++) {
        one(ISA_OP_CONST, tmp1, h, 0, 0);
        one(ISA_OP_LOAD, var[h], tmp1, 0, 0);
    }
    uint32_t zero = const_of(0), one_c = const_of(1), two = const_of(2);
    one(ISA_OP_PAUSE, 0, 0, 0, 0);
    bundle();
    add(ISA_OP_COMMENT, img_intern(img, "Starting loop"), 0, 0, 0, 0);
    for (int s = 0; s < 6; s++) {
        const_of(stages[s].c);
        const_of(stages[s].k);
    }
    for (uint32_t i = 0; i < batch; i++)
        const_of(i);

    for (uint32_t r = 0; r < rounds; r++)
        for (uint32_t i = 0; i < batch; i++) {
            uint32_t i_const = const_of(i);
            one(ISA_OP_ALU_ADD, tmp_addr, var[5], i_const, 0);
            one(ISA_OP_LOAD, tmp_idx, tmp_addr, 0, 0);
            debug_compare(tmp_idx, r, i, ISA_KEY_IDX, 0);
            one(ISA_OP_ALU_ADD, tmp_addr, var[6], i_const, 0);
            one(ISA_OP_LOAD, tmp_val, tmp_addr, 0, 0);
            debug_compare(tmp_val, r, i, ISA_KEY_VAL, 0);
            one(ISA_OP_ALU_ADD, tmp_addr, var[4], tmp_idx, 0);
            one(ISA_OP_LOAD, tmp_node_val, tmp_addr, 0, 0);
            debug_compare(tmp_node_val, r, i, ISA_KEY_NODE_VAL, 0);
            one(ISA_OP_ALU_XOR, tmp_val, tmp_val, tmp_node_val, 0);
            for (int s = 0; s < 6; s++) {
                one(stages[s].op1, tmp1, tmp_val, const_of(stages[s].c), 0);
                one(stages[s].shift, tmp2, tmp_val, const_of(stages[s].k), 0);
                one(stages[s].op2, tmp_val, tmp1, tmp2, 0);
                debug_compare(tmp_val, r, i, ISA_KEY_HASH_STAGE, (uint32_t)s);
            }
            debug_compare(tmp_val, r, i, ISA_KEY_HASHED_VAL, 0);
            one(ISA_OP_ALU_MOD, tmp1, tmp_val, two, 0);
            one(ISA_OP_ALU_EQ, tmp1, tmp1, zero, 0);
            one(ISA_OP_SELECT, tmp3, tmp1, one_c, two);
            one(ISA_OP_ALU_MUL, tmp_idx, tmp_idx, two, 0);
            one(ISA_OP_ALU_ADD, tmp_idx, tmp_idx, tmp3, 0);
            debug_compare(tmp_idx, r, i, ISA_KEY_NEXT_IDX, 0);
            one(ISA_OP_ALU_LT, tmp1, tmp_idx, var[1], 0);
            one(ISA_OP_SELECT, tmp_idx, tmp1, tmp_idx, zero);
            debug_compare(tmp_idx, r, i, ISA_KEY_WRAPPED_IDX, 0);
            one(ISA_OP_ALU_ADD, tmp_addr, var[5], i_const, 0);
            one(ISA_OP_STORE, tmp_addr, tmp_idx, 0, 0);
            one(ISA_OP_ALU_ADD, tmp_addr, var[6], i_const, 0);
            one(ISA_OP_STORE, tmp_addr, tmp_val, 0, 0);
        }
    one(ISA_OP_PAUSE, 0, 0, 0, 0);
}

/* m[2] = m[0] + m[1]; m[3] = 7; s[5] = coreid + 100; trace m[0], coreid. */
static void build_memops(void)
{
    uint32_t next = 0;
    uint32_t a0 = scratch_var("a0", &next, 1), a1 = scratch_var("a1", &next, 1);
    uint32_t a2 = scratch_var("a2", &next, 1), a3 = scratch_var("a3", &next, 1);
    bundle();
    add(ISA_OP_CONST, a0, 0, 0, 0, 0);
    add(ISA_OP_CONST, a1, 1, 0, 0, 0);
    bundle();
    add(ISA_OP_CONST, a2, 2, 0, 0, 0);
    add(ISA_OP_CONST, a3, 3, 0, 0, 0);
    bundle();
    add(ISA_OP_LOAD, 10, a0, 0, 0, 0);
    add(ISA_OP_LOAD, 11, a1, 0, 0, 0);
    bundle();
    add(ISA_OP_ALU_ADD, 12, 10, 11, 0, 0);
    add(ISA_OP_CONST, 13, 7, 0, 0, 0);
    add(ISA_OP_COREID, 14, 0, 0, 0, 0);
    bundle();
    add(ISA_OP_STORE, a2, 12, 0, 0, 0);
    add(ISA_OP_STORE, a3, 13, 0, 0, 0);
    add(ISA_OP_TRACE_WRITE, 10, 0, 0, 0, 0);
    add(ISA_OP_CONST, 15, 100, 0, 0, 0);
    bundle();
    add(ISA_OP_ALU_ADD, 5, 14, 15, 0, 0);
    add(ISA_OP_TRACE_WRITE, 14, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 5) {
        fprintf(stderr, "usage: vrun_mkimage KIND OUT [ROUNDS BATCH]\n");
        return 2;
    }
    const char *kind = argv[1];
    img = img_new(strcmp(kind, "object") == 0 ? IMG_OBJECT : IMG_EXECUTABLE);
    if (strcmp(kind, "baseline") == 0) {
        uint32_t rounds = argc == 5 ? (uint32_t)strtoul(argv[3], NULL, 10) : 16;
        uint32_t batch = argc == 5 ? (uint32_t)strtoul(argv[4], NULL, 10) : 256;
        build_baseline(rounds, batch);
    } else if (strcmp(kind, "empty") == 0) {
        /* nothing */
    } else if (strcmp(kind, "divzero") == 0) {
        one(ISA_OP_CONST, 1, 5, 0, 0);
        one(ISA_OP_ALU_DIV, 2, 1, 0, 0);
    } else if (strcmp(kind, "loop") == 0) {
        one(ISA_OP_JUMP, 0, 0, 0, 0);
    } else if (strcmp(kind, "memops") == 0 || strcmp(kind, "segment") == 0) {
        build_memops();
        if (strcmp(kind, "segment") == 0)
            img_add_segment(img, 4, (const uint32_t[]){10, 11}, 2);
    } else if (strcmp(kind, "badsegment") == 0) {
        one(ISA_OP_CONST, 1, 5, 0, 0);
        img_add_segment(img, 1000000, (const uint32_t[]){1}, 1);
    } else if (strcmp(kind, "pauses3") == 0) {
        for (int i = 0; i < 3; i++)
            one(ISA_OP_PAUSE, 0, 0, 0, 0);
    } else if (strcmp(kind, "object") == 0) {
        one(ISA_OP_CONST, 1, 5, 0, 0);
    } else {
        fprintf(stderr, "vrun_mkimage: unknown kind '%s'\n", kind);
        return 2;
    }
    img_status st;
    if (img_write_file(img, argv[2], &st) != 0) {
        fprintf(stderr, "vrun_mkimage: %s: %s: %s\n", argv[2], img_error_text(st.code), st.detail);
        return 1;
    }
    img_free(img);
    return 0;
}

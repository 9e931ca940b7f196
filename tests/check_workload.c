/*
 * Tests of the built-in workload (sim/workload.c) against WORKLOAD.md.
 *
 * Expected values come from WORKLOAD.md's test vectors, from published
 * MT19937 vectors, or from second implementations written here in a
 * deliberately different style (a one-word-at-a-time MT19937, a six-line
 * hash, a plain reference kernel).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

/* ---- a second MT19937: one word per call, circular buffer ---- */

typedef struct {
    uint32_t x[624];
    unsigned pos;
} naive_mt;

static void naive_init_genrand(naive_mt *m, uint32_t s)
{
    m->x[0] = s;
    for (unsigned i = 1; i < 624; i++) {
        uint64_t prev = m->x[i - 1];
        m->x[i] = (uint32_t)((1812433253ull * (prev ^ (prev >> 30)) + i) & 0xFFFFFFFFull);
    }
    m->pos = 0;
}

/* init_by_array as the reference mt19937ar.c states it. */
static void naive_init_by_array(naive_mt *m, const uint32_t *key, unsigned len)
{
    naive_init_genrand(m, 19650218u);
    unsigned i = 1, j = 0;
    for (unsigned k = 624 > len ? 624 : len; k; k--) {
        uint64_t prev = m->x[i - 1];
        uint64_t mixed = (m->x[i] ^ ((prev ^ (prev >> 30)) * 1664525ull)) + key[j] + j;
        m->x[i] = (uint32_t)(mixed & 0xFFFFFFFFull);
        if (++i >= 624) {
            m->x[0] = m->x[623];
            i = 1;
        }
        if (++j >= len)
            j = 0;
    }
    for (unsigned k = 623; k; k--) {
        uint64_t prev = m->x[i - 1];
        uint64_t mixed = (m->x[i] ^ ((prev ^ (prev >> 30)) * 1566083941ull)) - i;
        m->x[i] = (uint32_t)(mixed & 0xFFFFFFFFull);
        if (++i >= 624) {
            m->x[0] = m->x[623];
            i = 1;
        }
    }
    m->x[0] = 0x80000000u;
    m->pos = 0;
}

/* Python's seed(S): the key is S's base-2^32 digits, least significant
 * first, [0] for S = 0. */
static void naive_seed(naive_mt *m, uint64_t seed)
{
    uint32_t key[2];
    unsigned len = 0;
    do {
        key[len++] = (uint32_t)(seed % 4294967296ull);
        seed /= 4294967296ull;
    } while (seed != 0);
    naive_init_by_array(m, key, len);
}

/* x[k+624] = x[k+397] ^ twist(x[k], x[k+1]), computed in place when
 * needed, then tempered. */
static uint32_t naive_next(naive_mt *m)
{
    unsigned k = m->pos;
    uint32_t y = (m->x[k] & 0x80000000u) | (m->x[(k + 1) % 624] & 0x7FFFFFFFu);
    uint32_t twisted = (y >> 1) ^ (y % 2 ? 0x9908B0DFu : 0);
    m->x[k] = m->x[(k + 397) % 624] ^ twisted;
    m->pos = (k + 1) % 624;
    uint32_t z = m->x[k];
    z ^= z >> 11;
    z ^= (z << 7) & 0x9D2C5680u;
    z ^= (z << 15) & 0xEFC60000u;
    z ^= z >> 18;
    return z;
}

/* ---- the generator ---- */

START_TEST(test_seed_123_first_draws_match_workload_md)
{
    wl_mt mt;
    wl_mt_seed(&mt, 123);
    ck_assert_uint_eq(wl_mt_randint30(&mt), 112449971);
    ck_assert_uint_eq(wl_mt_randint30(&mt), 574832345);
    ck_assert_uint_eq(wl_mt_randint30(&mt), 187231959);
}
END_TEST

/* The second implementation must itself be right: mt19937ar.out (the
 * authors' reference output for init_by_array {0x123, 0x234, 0x345,
 * 0x456}) and C++ std::mt19937's required 10000th output for seed 5489. */
START_TEST(test_naive_mt_reproduces_published_vectors)
{
    static const uint32_t key[4] = {0x123, 0x234, 0x345, 0x456};
    static const uint32_t expected[5] = {1067595299u, 955945823u, 477289528u, 4107218783u,
                                         4228976476u};
    naive_mt m;
    naive_init_by_array(&m, key, 4);
    for (int i = 0; i < 5; i++)
        ck_assert_uint_eq(naive_next(&m), expected[i]);

    naive_init_genrand(&m, 5489);
    uint32_t last = 0;
    for (int i = 0; i < 10000; i++)
        last = naive_next(&m);
    ck_assert_uint_eq(last, 4123659995u);
}
END_TEST

START_TEST(test_genrand_matches_naive_mt_for_one_and_two_word_seeds)
{
    static const uint64_t seeds[] = {0, 1, 7, 123, 0xFFFFFFFFull, 0x100000000ull, 0x100000005ull,
                                     0xDEADBEEF12345678ull, UINT64_MAX};
    for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
        wl_mt mt;
        naive_mt m;
        wl_mt_seed(&mt, seeds[s]);
        naive_seed(&m, seeds[s]);
        for (int i = 0; i < 2000; i++)   /* crosses three regenerations */
            ck_assert_msg(wl_mt_next(&mt) == naive_next(&m), "seed %llu, draw %d",
                          (unsigned long long)seeds[s], i);
    }
}
END_TEST

START_TEST(test_seed_2pow32_differs_from_seeds_0_and_1)
{
    wl_mt a, zero, one;
    wl_mt_seed(&a, 0x100000000ull);
    wl_mt_seed(&zero, 0);
    wl_mt_seed(&one, 1);
    uint32_t x = wl_mt_next(&a);
    ck_assert_uint_ne(x, wl_mt_next(&zero));
    ck_assert_uint_ne(x, wl_mt_next(&one));
}
END_TEST

/* Seeds beyond WORKLOAD.md's vectors, printed by CPython 3.11:
 *   python3 -c 'import random
 *   for s in (0, 2**32, 2**64 - 1):
 *       random.seed(s); print([random.randint(0, 2**30 - 1) for _ in range(3)])' */
START_TEST(test_multi_word_seeds_match_cpython)
{
    static const struct { uint64_t seed; uint32_t draws[3]; } cases[] = {
        {0, {827307999u, 903170602u, 86939546u}},
        {0x100000000ull, {242653419u, 754435550u, 897280643u}},
        {UINT64_MAX, {46870335u, 534247828u, 726054176u}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        wl_mt mt;
        wl_mt_seed(&mt, cases[c].seed);
        for (int i = 0; i < 3; i++)
            ck_assert_uint_eq(wl_mt_randint30(&mt), cases[c].draws[i]);
    }
}
END_TEST

START_TEST(test_randint30_redraws_while_31_bit_draw_is_at_least_2pow30)
{
    wl_mt mt, raw;
    wl_mt_seed(&mt, 123);
    wl_mt_seed(&raw, 123);
    int rejections = 0;
    for (int i = 0; i < 1000; i++) {
        uint32_t r = wl_mt_next(&raw) >> 1;
        while (r >= (1u << 30)) {
            rejections++;
            r = wl_mt_next(&raw) >> 1;
        }
        ck_assert_uint_eq(wl_mt_randint30(&mt), r);
    }
    ck_assert_int_gt(rejections, 0);
}
END_TEST

/* ---- instances: WORKLOAD.md's vectors ---- */

static wl_instance *build(uint32_t h, uint32_t r, uint32_t b, uint64_t seed)
{
    wl_params p = {h, r, b, seed};
    wl_instance *w = wl_build(&p);
    ck_assert_ptr_nonnull(w);
    return w;
}

START_TEST(test_default_instance_matches_workload_md)
{
    wl_params p = WL_DEFAULT_PARAMS;
    wl_instance *w = wl_build(&p);
    ck_assert_ptr_nonnull(w);
    const uint32_t *tree = w->memory + 7, *values = w->memory + w->values_p;
    ck_assert_uint_eq(tree[0], 112449971);
    ck_assert_uint_eq(tree[1], 574832345);
    ck_assert_uint_eq(tree[2], 187231959);
    ck_assert_uint_eq(values[0], 319861016);
    ck_assert_uint_eq(values[1], 570165276);
    ck_assert_uint_eq(values[2], 361744404);

    const uint32_t *final = w->checkpoint_values[WL_CHECKPOINTS - 1];
    ck_assert_uint_eq(final[0], 677941075u);
    ck_assert_uint_eq(final[1], 2166718950u);
    ck_assert_uint_eq(final[2], 1850294448u);
    ck_assert_uint_eq(final[3], 228067758u);
    uint32_t sum = 0;
    for (int i = 0; i < 256; i++)
        sum += final[i];
    ck_assert_uint_eq(sum, 1406514393u);
    ck_assert_uint_eq(w->final_indices[0], 62);
    ck_assert_uint_eq(w->final_indices[1], 35);
    ck_assert_uint_eq(w->final_indices[2], 45);
    ck_assert_uint_eq(w->final_indices[3], 55);
    wl_free(w);
}
END_TEST

START_TEST(test_height_4_seed_0_instance_matches_workload_md)
{
    wl_instance *w = build(4, 6, 16, 0);
    ck_assert_uint_eq(w->memory[7], 827307999);
    ck_assert_uint_eq(w->memory[8], 903170602);
    ck_assert_uint_eq(w->memory[9], 86939546);
    const uint32_t *final = w->checkpoint_values[1];
    ck_assert_uint_eq(final[0], 127946135u);
    ck_assert_uint_eq(final[1], 530806774u);
    ck_assert_uint_eq(final[2], 1059646316u);
    ck_assert_uint_eq(final[3], 2327751091u);
    wl_free(w);
}
END_TEST

START_TEST(test_height_2_seed_7_instance_matches_workload_md)
{
    wl_instance *w = build(2, 4, 8, 7);
    const uint32_t *final = w->checkpoint_values[1];
    ck_assert_uint_eq(final[0], 2133826733u);
    ck_assert_uint_eq(final[1], 3244169117u);
    ck_assert_uint_eq(final[2], 1082760471u);
    ck_assert_uint_eq(final[3], 541598752u);
    wl_free(w);
}
END_TEST

START_TEST(test_memory_image_layout_follows_workload_md)
{
    wl_instance *w = build(10, 16, 256, 123);
    const uint32_t n = 2047, b = 256;
    ck_assert_uint_eq(w->memory_words, 2566);
    ck_assert_uint_eq(w->n_nodes, n);
    const uint32_t header[7] = {16, n, b, 10, 7, 7 + n, 7 + n + b};
    for (int k = 0; k < 7; k++)
        ck_assert_uint_eq(w->memory[k], header[k]);
    ck_assert_uint_eq(w->indices_p, 7 + n);
    ck_assert_uint_eq(w->values_p, 7 + n + b);

    /* n tree values first, then B item values, from one stream. */
    wl_mt mt;
    wl_mt_seed(&mt, 123);
    for (uint32_t k = 0; k < n; k++)
        ck_assert_uint_eq(w->memory[7 + k], wl_mt_randint30(&mt));
    for (uint32_t i = 0; i < b; i++) {
        ck_assert_uint_eq(w->memory[7 + n + i], 0);
        ck_assert_uint_eq(w->memory[7 + n + b + i], wl_mt_randint30(&mt));
    }
    wl_free(w);
}
END_TEST

/* ---- the hash ---- */

/* The stage table restated, with every intermediate reduced mod 2^32 as
 * in the Python original. */
static uint32_t restated_stage(uint64_t a, int stage)
{
    const uint64_t m = 0xFFFFFFFFull;
    switch (stage) {
    case 0: return (uint32_t)((((a + 0x7ED55D16) & m) + ((a << 12) & m)) & m);
    case 1: return (uint32_t)(((a ^ 0xC761C23C) & m) ^ ((a >> 19) & m));
    case 2: return (uint32_t)((((a + 0x165667B1) & m) + ((a << 5) & m)) & m);
    case 3: return (uint32_t)(((a + 0xD3A2646C) & m) ^ ((a << 9) & m));
    case 4: return (uint32_t)((((a + 0xFD7046C5) & m) + ((a << 3) & m)) & m);
    default: return (uint32_t)(((a ^ 0xB55A4F09) & m) ^ ((a >> 16) & m));
    }
}

static uint32_t sample_input(uint32_t i)
{
    static const uint32_t edges[] = {0, 1, 2, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x12345678};
    if (i < sizeof edges / sizeof edges[0])
        return edges[i];
    return i * 2654435761u + (i >> 3);   /* spread over all 32 bits */
}

START_TEST(test_hash_stages_follow_the_stage_table)
{
    for (uint32_t i = 0; i < 20000; i++) {
        uint32_t a = sample_input(i);
        for (int k = 0; k < 6; k++)
            ck_assert_msg(wl_hash_stage(a, k) == restated_stage(a, k), "stage %d of %u", k, a);
    }
}
END_TEST

START_TEST(test_hash_is_the_six_stages_in_order)
{
    for (uint32_t i = 0; i < 20000; i++) {
        uint32_t a = sample_input(i), expected = a;
        for (int k = 0; k < 6; k++)
            expected = restated_stage(expected, k);
        ck_assert_msg(wl_hash(a) == expected, "hash of %u", a);
    }
}
END_TEST

/* ---- the reference trace ---- */

static uint32_t trace(const wl_instance *w, uint32_t r, uint32_t i, isa_trace_key key, uint32_t stage)
{
    uint32_t v = 0xDEADBEEF;
    ck_assert_int_eq(wl_trace_value(w, r, i, key, stage, &v), 0);
    return v;
}

static void check_trace_consistency(const wl_instance *w)
{
    const wl_params *p = &w->params;
    const uint32_t *tree = w->memory + w->memory[WL_FOREST_P];
    for (uint32_t r = 0; r < p->rounds; r++) {
        for (uint32_t i = 0; i < p->batch; i++) {
            uint32_t idx = trace(w, r, i, ISA_KEY_IDX, 0), val = trace(w, r, i, ISA_KEY_VAL, 0);
            uint32_t node_val = trace(w, r, i, ISA_KEY_NODE_VAL, 0);
            uint32_t hashed = trace(w, r, i, ISA_KEY_HASHED_VAL, 0);
            uint32_t next = trace(w, r, i, ISA_KEY_NEXT_IDX, 0);
            uint32_t wrapped = trace(w, r, i, ISA_KEY_WRAPPED_IDX, 0);
            ck_assert_uint_lt(idx, w->n_nodes);
            ck_assert_uint_eq(node_val, tree[idx]);
            uint32_t a = val ^ node_val;
            for (uint32_t k = 0; k < 6; k++) {
                a = restated_stage(a, (int)k);
                ck_assert_uint_eq(trace(w, r, i, ISA_KEY_HASH_STAGE, k), a);
            }
            ck_assert_uint_eq(trace(w, r, i, ISA_KEY_HASH_STAGE, 5), hashed);
            ck_assert_uint_eq(next, 2 * idx + (hashed % 2 == 0 ? 1 : 2));
            ck_assert_uint_eq(wrapped, next >= w->n_nodes ? 0 : next);
            if (r == 0) {
                ck_assert_uint_eq(idx, 0);
                ck_assert_uint_eq(val, w->checkpoint_values[0][i]);
            } else {
                ck_assert_uint_eq(idx, trace(w, r - 1, i, ISA_KEY_WRAPPED_IDX, 0));
                ck_assert_uint_eq(val, trace(w, r - 1, i, ISA_KEY_HASHED_VAL, 0));
            }
            if (r == p->rounds - 1) {
                ck_assert_uint_eq(hashed, w->checkpoint_values[1][i]);
                ck_assert_uint_eq(wrapped, w->final_indices[i]);
            }
        }
    }
}

START_TEST(test_trace_keys_are_consistent_step_to_step)
{
    static const wl_params shapes[] = {WL_DEFAULT_PARAMS, {4, 6, 16, 0}, {2, 4, 8, 7}, {0, 3, 5, 9}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        wl_instance *w = wl_build(&shapes[s]);
        ck_assert_ptr_nonnull(w);
        check_trace_consistency(w);
        wl_free(w);
    }
}
END_TEST

START_TEST(test_first_checkpoint_is_the_initial_values_region)
{
    wl_instance *w = build(3, 5, 24, 42);
    ck_assert_mem_eq(w->checkpoint_values[0], w->memory + w->values_p, 24 * sizeof(uint32_t));
    ck_assert_int_eq(wl_first_mismatch(w, w->memory, w->memory_words, 0), -1);
    wl_free(w);
}
END_TEST

/* The kernel of WORKLOAD.md written plainly, run on the image itself. */
START_TEST(test_last_checkpoint_matches_a_plain_run_of_the_image)
{
    static const wl_params shapes[] = {WL_DEFAULT_PARAMS, {5, 20, 40, 0x100000000ull}, {0, 2, 3, 1}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        wl_instance *w = wl_build(&shapes[s]);
        ck_assert_ptr_nonnull(w);
        uint32_t *m = malloc(w->memory_words * sizeof *m);
        ck_assert_ptr_nonnull(m);
        memcpy(m, w->memory, w->memory_words * sizeof *m);
        uint32_t rounds = m[0], n = m[1], batch = m[2], forest = m[4], ind = m[5], val = m[6];
        for (uint32_t r = 0; r < rounds; r++) {
            for (uint32_t i = 0; i < batch; i++) {
                uint32_t idx = m[ind + i];
                uint32_t v = wl_hash(m[val + i] ^ m[forest + idx]);
                idx = 2 * idx + (v % 2 == 0 ? 1 : 2);
                m[ind + i] = idx >= n ? 0 : idx;
                m[val + i] = v;
            }
        }
        ck_assert_int_eq(wl_first_mismatch(w, m, w->memory_words, 1), -1);
        ck_assert_mem_eq(w->final_indices, m + ind, batch * sizeof(uint32_t));
        free(m);
        wl_free(w);
    }
}
END_TEST

START_TEST(test_trace_value_rejects_out_of_range_round_item_key_stage)
{
    wl_instance *w = build(2, 4, 8, 7);
    uint32_t v = 12345;
    ck_assert_int_eq(wl_trace_value(w, 3, 7, ISA_KEY_WRAPPED_IDX, 0, &v), 0);
    ck_assert_int_eq(wl_trace_value(w, 3, 7, ISA_KEY_HASH_STAGE, 5, &v), 0);
    v = 12345;
    ck_assert_int_eq(wl_trace_value(w, 4, 0, ISA_KEY_VAL, 0, &v), -1);
    ck_assert_int_eq(wl_trace_value(w, 0, 8, ISA_KEY_VAL, 0, &v), -1);
    ck_assert_int_eq(wl_trace_value(w, UINT32_MAX, UINT32_MAX, ISA_KEY_VAL, 0, &v), -1);
    ck_assert_int_eq(wl_trace_value(w, 0, 0, ISA_KEY_HASH_STAGE, 6, &v), -1);
    ck_assert_int_eq(wl_trace_value(w, 0, 0, ISA_KEY_VAL, 1, &v), -1);
    ck_assert_int_eq(wl_trace_value(w, 0, 0, ISA_KEY_COUNT, 0, &v), -1);
    ck_assert_int_eq(wl_trace_value(w, 0, 0, (isa_trace_key)-1, 0, &v), -1);
    ck_assert_uint_eq(v, 12345);   /* untouched on rejection */
    wl_free(w);
}
END_TEST

START_TEST(test_first_mismatch_names_the_first_differing_item)
{
    wl_instance *w = build(10, 16, 256, 123);
    uint32_t *m = malloc(w->memory_words * sizeof *m);
    ck_assert_ptr_nonnull(m);
    memcpy(m, w->memory, w->memory_words * sizeof *m);
    memcpy(m + w->values_p, w->checkpoint_values[1], 256 * sizeof *m);
    ck_assert_int_eq(wl_first_mismatch(w, m, w->memory_words, 1), -1);
    ck_assert_int_eq(wl_first_mismatch(w, m, w->memory_words, 0), 0);

    m[w->values_p + 200] ^= 1;
    ck_assert_int_eq(wl_first_mismatch(w, m, w->memory_words, 1), 200);
    m[w->values_p + 17] += 1;
    ck_assert_int_eq(wl_first_mismatch(w, m, w->memory_words, 1), 17);
    m[w->values_p + 255] ^= 0x80000000u;
    ck_assert_int_eq(wl_first_mismatch(w, m, w->memory_words, 1), 17);

    /* Stale indices and a changed tree are not checked. */
    memcpy(m + w->values_p, w->checkpoint_values[1], 256 * sizeof *m);
    m[7] ^= 1;
    m[w->indices_p] = 999;
    ck_assert_int_eq(wl_first_mismatch(w, m, w->memory_words, 1), -1);

    /* A memory too short to hold the values region differs where it ends. */
    ck_assert_int_eq(wl_first_mismatch(w, m, w->values_p + 3, 1), 3);
    free(m);
    wl_free(w);
}
END_TEST

/* ---- shapes ---- */

START_TEST(test_shape_limits_are_height_24_one_item_and_2pow22_steps)
{
    wl_params ok_height = {24, 1, 1, 0}, tall = {25, 1, 1, 0}, empty = {3, 1, 0, 0};
    wl_params ok_steps = {3, 16384, 256, 0}, long_run = {3, 16385, 256, 0};
    wl_params huge = {UINT32_MAX, UINT32_MAX, UINT32_MAX, 0}, no_rounds = {3, 0, 8, 0};
    ck_assert_ptr_null(wl_params_problem(&ok_height));
    ck_assert_ptr_null(wl_params_problem(&ok_steps));
    ck_assert_ptr_null(wl_params_problem(&no_rounds));
    ck_assert_ptr_nonnull(wl_params_problem(&tall));
    ck_assert_ptr_nonnull(wl_params_problem(&empty));
    ck_assert_ptr_nonnull(wl_params_problem(&long_run));
    ck_assert_ptr_nonnull(wl_params_problem(&huge));
    ck_assert_ptr_null(wl_build(&tall));
    ck_assert_ptr_null(wl_build(&empty));
    ck_assert_ptr_null(wl_build(&long_run));
    ck_assert_ptr_null(wl_build(&huge));
}
END_TEST

START_TEST(test_zero_rounds_leave_both_checkpoints_at_the_initial_values)
{
    wl_instance *w = build(3, 0, 8, 5);
    uint32_t v;
    ck_assert_int_eq(wl_first_mismatch(w, w->memory, w->memory_words, 0), -1);
    ck_assert_int_eq(wl_first_mismatch(w, w->memory, w->memory_words, 1), -1);
    ck_assert_int_eq(wl_trace_value(w, 0, 0, ISA_KEY_IDX, 0, &v), -1);
    for (int i = 0; i < 8; i++)
        ck_assert_uint_eq(w->final_indices[i], 0);
    wl_free(w);
}
END_TEST

START_TEST(test_height_0_tree_wraps_every_step_to_the_root)
{
    wl_instance *w = build(0, 4, 6, 11);
    ck_assert_uint_eq(w->n_nodes, 1);
    ck_assert_uint_eq(w->memory_words, 7 + 1 + 12);
    for (uint32_t r = 0; r < 4; r++)
        for (uint32_t i = 0; i < 6; i++) {
            ck_assert_uint_ge(trace(w, r, i, ISA_KEY_NEXT_IDX, 0), 1);
            ck_assert_uint_eq(trace(w, r, i, ISA_KEY_WRAPPED_IDX, 0), 0);
        }
    wl_free(w);
}
END_TEST

static Suite *workload_suite(void)
{
    Suite *s = suite_create("workload");
    TCase *gen = tcase_create("generator");
    tcase_add_test(gen, test_seed_123_first_draws_match_workload_md);
    tcase_add_test(gen, test_naive_mt_reproduces_published_vectors);
    tcase_add_test(gen, test_genrand_matches_naive_mt_for_one_and_two_word_seeds);
    tcase_add_test(gen, test_seed_2pow32_differs_from_seeds_0_and_1);
    tcase_add_test(gen, test_multi_word_seeds_match_cpython);
    tcase_add_test(gen, test_randint30_redraws_while_31_bit_draw_is_at_least_2pow30);
    suite_add_tcase(s, gen);

    TCase *inst = tcase_create("instances");
    tcase_add_test(inst, test_default_instance_matches_workload_md);
    tcase_add_test(inst, test_height_4_seed_0_instance_matches_workload_md);
    tcase_add_test(inst, test_height_2_seed_7_instance_matches_workload_md);
    tcase_add_test(inst, test_memory_image_layout_follows_workload_md);
    tcase_add_test(inst, test_shape_limits_are_height_24_one_item_and_2pow22_steps);
    tcase_add_test(inst, test_zero_rounds_leave_both_checkpoints_at_the_initial_values);
    tcase_add_test(inst, test_height_0_tree_wraps_every_step_to_the_root);
    suite_add_tcase(s, inst);

    TCase *hash = tcase_create("hash");
    tcase_add_test(hash, test_hash_stages_follow_the_stage_table);
    tcase_add_test(hash, test_hash_is_the_six_stages_in_order);
    suite_add_tcase(s, hash);

    TCase *ref = tcase_create("reference");
    tcase_add_test(ref, test_trace_keys_are_consistent_step_to_step);
    tcase_add_test(ref, test_first_checkpoint_is_the_initial_values_region);
    tcase_add_test(ref, test_last_checkpoint_matches_a_plain_run_of_the_image);
    tcase_add_test(ref, test_trace_value_rejects_out_of_range_round_item_key_stage);
    tcase_add_test(ref, test_first_mismatch_names_the_first_differing_item);
    suite_add_tcase(s, ref);
    return s;
}

int main(void)
{
    SRunner *runner = srunner_create(workload_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * workload: the benchmark of WORKLOAD.md, built in.
 *
 * An instance lives in one allocation: the wl_instance header followed by
 * the memory image, the two checkpoint copies of the values region, the
 * final indices and the reference trace.  vrun --trials builds and frees
 * many instances, so building one costs a single malloc and one pass of the
 * reference kernel (the default instance takes a few tens of microseconds).
 */
#include "workload.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* ---- MT19937, as CPython's _randommodule.c runs it ---- */

enum { MT_N = 624, MT_M = 397 };
#define MT_MATRIX_A 0x9908b0dfu
#define MT_UPPER_MASK 0x80000000u
#define MT_LOWER_MASK 0x7fffffffu

static void mt_init_genrand(wl_mt *mt, uint32_t s)
{
    mt->state[0] = s;
    for (int i = 1; i < MT_N; i++)
        mt->state[i] = 1812433253u * (mt->state[i - 1] ^ (mt->state[i - 1] >> 30)) + (uint32_t)i;
    mt->index = MT_N;
}

static void mt_init_by_array(wl_mt *mt, const uint32_t *key, int key_length)
{
    uint32_t *s = mt->state;
    mt_init_genrand(mt, 19650218u);
    int i = 1, j = 0;
    for (int k = MT_N > key_length ? MT_N : key_length; k > 0; k--) {
        s[i] = (s[i] ^ ((s[i - 1] ^ (s[i - 1] >> 30)) * 1664525u)) + key[j] + (uint32_t)j;
        i++;
        j++;
        if (i >= MT_N) {
            s[0] = s[MT_N - 1];
            i = 1;
        }
        if (j >= key_length)
            j = 0;
    }
    for (int k = MT_N - 1; k > 0; k--) {
        s[i] = (s[i] ^ ((s[i - 1] ^ (s[i - 1] >> 30)) * 1566083941u)) - (uint32_t)i;
        i++;
        if (i >= MT_N) {
            s[0] = s[MT_N - 1];
            i = 1;
        }
    }
    s[0] = 0x80000000u;   /* guarantees a non-zero initial state */
}

static inline uint32_t mt_mix(uint32_t upper_of, uint32_t lower_of, uint32_t far)
{
    uint32_t y = (upper_of & MT_UPPER_MASK) | (lower_of & MT_LOWER_MASK);
    return far ^ (y >> 1) ^ ((y & 1u) ? MT_MATRIX_A : 0u);
}

/* Regenerates all 624 words at once, in the three runs that avoid modular
 * indexing. */
static void mt_twist(wl_mt *mt)
{
    uint32_t *s = mt->state;
    int k = 0;
    for (; k < MT_N - MT_M; k++)
        s[k] = mt_mix(s[k], s[k + 1], s[k + MT_M]);
    for (; k < MT_N - 1; k++)
        s[k] = mt_mix(s[k], s[k + 1], s[k + (MT_M - MT_N)]);
    s[MT_N - 1] = mt_mix(s[MT_N - 1], s[0], s[MT_M - 1]);
    mt->index = 0;
}

static inline uint32_t mt_temper(uint32_t y)
{
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

void wl_mt_seed(wl_mt *mt, uint64_t seed)
{
    uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    mt_init_by_array(mt, key, key[1] != 0 ? 2 : 1);
}

uint32_t wl_mt_next(wl_mt *mt)
{
    if (mt->index >= MT_N)
        mt_twist(mt);
    return mt_temper(mt->state[mt->index++]);
}

/* Fills dst with count values of randint(0, 2^30 - 1), CPython's
 * _randbelow(2^30): k = (2^30).bit_length() = 31 bits per draw, drawn again
 * while >= 2^30.  Half the draws are rejected at random, so the loop keeps
 * every draw and advances past it only if accepted, instead of branching
 * on it. */
static void mt_fill_randint30(wl_mt *mt, uint32_t *dst, size_t count)
{
    size_t filled = 0;
    while (filled < count) {
        if (mt->index >= MT_N)
            mt_twist(mt);
        while (mt->index < MT_N && filled < count) {
            uint32_t r = mt_temper(mt->state[mt->index++]) >> 1;
            dst[filled] = r;
            filled += r < (1u << 30);
        }
    }
}

uint32_t wl_mt_randint30(wl_mt *mt)
{
    uint32_t r;
    mt_fill_randint30(mt, &r, 1);
    return r;
}

/* ---- the hash ---- */

/* The stage table of WORKLOAD.md, X(stage, OP1, C, OP2, SHIFT, K) for
 * a = (a OP1 C) OP2 (a SHIFT K), expanded into straight-line code (a
 * table walked at run time makes the hash about four times slower). */
#define HASH_STAGE_TABLE(X)                 \
    X(0, +, 0x7ED55D16u, +, <<, 12)         \
    X(1, ^, 0xC761C23Cu, ^, >>, 19)         \
    X(2, +, 0x165667B1u, +, <<, 5)          \
    X(3, +, 0xD3A2646Cu, ^, <<, 9)          \
    X(4, +, 0xFD7046C5u, +, <<, 3)          \
    X(5, ^, 0xB55A4F09u, ^, >>, 16)

#define HASH_STAGE(a, op1, c, op2, shift, k) (((a) op1 (c)) op2 ((a) shift (k)))

uint32_t wl_hash_stage(uint32_t a, int stage)
{
    switch (stage) {
#define CASE_STAGE(k, op1, c, op2, shift, kk) \
    case k: return HASH_STAGE(a, op1, c, op2, shift, kk);
        HASH_STAGE_TABLE(CASE_STAGE)
#undef CASE_STAGE
    }
    assert(!"hash stage out of range");
    return a;
}

uint32_t wl_hash(uint32_t a)
{
#define APPLY_STAGE(k, op1, c, op2, shift, kk) a = HASH_STAGE(a, op1, c, op2, shift, kk);
    HASH_STAGE_TABLE(APPLY_STAGE)
#undef APPLY_STAGE
    return a;
}

/* ---- the reference trace ---- */

/* One step (round, item) of the trace is TRACE_WORDS consecutive words, one
 * per trace key of isa.def, WL_HASH_STAGES words for a key that takes a
 * stage; TRACE_AT_<key> is the key's first word. */
enum {
#define ISA_TRACE_KEY(id, name, takes_stage) \
    TRACE_AT_##id, TRACE_LAST_##id = TRACE_AT_##id + ((takes_stage) ? WL_HASH_STAGES : 1) - 1,
#include "isa.def"
    TRACE_WORDS
};

static const uint8_t trace_offset[ISA_KEY_COUNT] = {
#define ISA_TRACE_KEY(id, name, takes_stage) TRACE_AT_##id,
#include "isa.def"
};

static const uint8_t trace_stage_count[ISA_KEY_COUNT] = {
#define ISA_TRACE_KEY(id, name, takes_stage) (takes_stage) ? WL_HASH_STAGES : 1,
#include "isa.def"
};

int wl_trace_value(const wl_instance *w, uint32_t round, uint32_t item, isa_trace_key key,
                   uint32_t stage, uint32_t *value)
{
    if (round >= w->params.rounds || item >= w->params.batch || (unsigned)key >= ISA_KEY_COUNT
        || stage >= trace_stage_count[key])
        return -1;
    size_t step = (size_t)round * w->params.batch + item;
    *value = w->trace[step * TRACE_WORDS + trace_offset[key] + stage];
    return 0;
}

/* ---- building an instance ---- */

#define STRINGIFY(x) #x
#define EXPANDED_STRING(x) STRINGIFY(x)

const char *wl_params_problem(const wl_params *p)
{
    if (p->height > WL_MAX_HEIGHT)
        return "the height is above the limit of " EXPANDED_STRING(WL_MAX_HEIGHT);
    if (p->batch == 0)
        return "the batch must hold at least one item";
    if ((uint64_t)p->rounds * p->batch > WL_MAX_STEPS)
        return "rounds x batch is above the limit of " EXPANDED_STRING(WL_MAX_STEPS);
    return NULL;
}

/* Runs the reference kernel of WORKLOAD.md on the image's tree, from the
 * item values in values (updated in place) and indices (all 0 at entry),
 * writing every step's trace keys. */
static void run_reference(const uint32_t *tree, uint32_t n_nodes, uint32_t rounds, uint32_t batch,
                          uint32_t *indices, uint32_t *values, uint32_t *trace)
{
    for (uint32_t r = 0; r < rounds; r++) {
        for (uint32_t i = 0; i < batch; i++, trace += TRACE_WORDS) {
            uint32_t idx = indices[i], val = values[i], node_val = tree[idx];
            trace[TRACE_AT_IDX] = idx;
            trace[TRACE_AT_VAL] = val;
            trace[TRACE_AT_NODE_VAL] = node_val;
            uint32_t a = val ^ node_val;
#define TRACED_STAGE(k, op1, c, op2, shift, kk) \
    a = HASH_STAGE(a, op1, c, op2, shift, kk);  \
    trace[TRACE_AT_HASH_STAGE + k] = a;
            HASH_STAGE_TABLE(TRACED_STAGE)
#undef TRACED_STAGE
            trace[TRACE_AT_HASHED_VAL] = a;
            uint32_t next_idx = 2 * idx + ((a & 1u) ? 2 : 1);   /* idx < n < 2^25: no wrap */
            uint32_t wrapped_idx = next_idx >= n_nodes ? 0 : next_idx;
            trace[TRACE_AT_NEXT_IDX] = next_idx;
            trace[TRACE_AT_WRAPPED_IDX] = wrapped_idx;
            indices[i] = wrapped_idx;
            values[i] = a;
        }
    }
}

wl_instance *wl_build(const wl_params *p)
{
    if (wl_params_problem(p))
        return NULL;
    /* The limits keep n below 2^25 and every size far below 2^32 words. */
    uint32_t n = (2u << p->height) - 1, b = p->batch;
    size_t memory_words = (size_t)WL_HEADER_WORDS + n + 2 * (size_t)b;
    size_t trace_words = (size_t)p->rounds * b * TRACE_WORDS;
    size_t data_words = memory_words + (WL_CHECKPOINTS + 1) * (size_t)b + trace_words;
    wl_instance *w = malloc(sizeof *w + data_words * sizeof(uint32_t));
    if (!w)
        return NULL;

    uint32_t *data = (uint32_t *)(w + 1);
    w->params = *p;
    w->n_nodes = n;
    w->indices_p = WL_HEADER_WORDS + n;
    w->values_p = WL_HEADER_WORDS + n + b;
    w->memory = data;
    w->memory_words = memory_words;
    w->checkpoint_values[0] = data + memory_words;
    w->checkpoint_values[1] = w->checkpoint_values[0] + b;
    w->final_indices = w->checkpoint_values[1] + b;
    w->trace = w->final_indices + b;

    uint32_t *m = w->memory;
    m[WL_ROUNDS] = p->rounds;
    m[WL_N_NODES] = n;
    m[WL_BATCH] = b;
    m[WL_HEIGHT] = p->height;
    m[WL_FOREST_P] = WL_HEADER_WORDS;
    m[WL_INDICES_P] = w->indices_p;
    m[WL_VALUES_P] = w->values_p;

    wl_mt mt;
    wl_mt_seed(&mt, p->seed);
    mt_fill_randint30(&mt, m + WL_HEADER_WORDS, n);
    memset(m + w->indices_p, 0, b * sizeof(uint32_t));
    mt_fill_randint30(&mt, m + w->values_p, b);

    /* The run works on the last checkpoint's copy and the final indices. */
    memcpy(w->checkpoint_values[0], m + w->values_p, b * sizeof(uint32_t));
    memcpy(w->checkpoint_values[1], m + w->values_p, b * sizeof(uint32_t));
    memset(w->final_indices, 0, b * sizeof(uint32_t));
    run_reference(m + WL_HEADER_WORDS, n, p->rounds, b, w->final_indices, w->checkpoint_values[1],
                  w->trace);
    return w;
}

void wl_free(wl_instance *w)
{
    free(w);
}

long wl_first_mismatch(const wl_instance *w, const uint32_t *memory, size_t memory_words, int checkpoint)
{
    assert(checkpoint >= 0 && checkpoint < WL_CHECKPOINTS);
    const uint32_t *want = w->checkpoint_values[checkpoint];
    for (uint32_t i = 0; i < w->params.batch; i++) {
        size_t addr = (size_t)w->values_p + i;
        if (addr >= memory_words || memory[addr] != want[i])
            return (long)i;
    }
    return -1;
}
